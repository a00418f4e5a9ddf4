"""Narration: speech engines by name, and :func:`synthesize_to_wav`, the one call the rest of StoryReel needs.

Engines are registered in :data:`ENGINES` by name; the one used is chosen by the ``STORYREEL_TTS_ENGINE`` environment
variable (default ``"espeak-ng"``, which is built in and needs nothing but ``pip install -r requirements.txt``). Adding
an engine (e.g. a neural one reading user-supplied model files) means writing a :class:`SpeechEngine` subclass whose
constructor raises when it cannot load, and adding it to :data:`ENGINES`.
"""

from __future__ import annotations

import logging
import os
import threading
import wave
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from core_engine.alignment import WordTiming, tighten_ends
from core_engine.audio_utils import MAX_AUDIO_SECONDS, peak_normalise, silence_trim_bounds, write_wav_pcm16
from core_engine.tts.base import (
    MAX_TEXT_CHARS,
    SpeechEngine,
    SpeechEngineUnavailable,
    SpeechError,
    Voice,
    clean_text,
)
from core_engine.tts.espeak import EspeakEngine

logger = logging.getLogger(__name__)

__all__ = [
    "DEFAULT_ENGINE",
    "ENGINES",
    "MAX_TEXT_CHARS",
    "Narration",
    "SpeechEngine",
    "SpeechEngineUnavailable",
    "SpeechError",
    "Voice",
    "clean_text",
    "get_engine",
    "synthesize_narration",
    "synthesize_to_wav",
]

#: Engine factories by name. A factory returns a ready engine or raises if it cannot load.
ENGINES: dict[str, Callable[[], SpeechEngine]] = {"espeak-ng": EspeakEngine}

#: Engine used when ``STORYREEL_TTS_ENGINE`` is not set.
DEFAULT_ENGINE = "espeak-ng"

#: Peak level of written narration, in dBFS.
TARGET_PEAK_DBFS = -1.0
#: Longest silence kept before and after the speech, in seconds.
EDGE_SILENCE_SECONDS = 0.15

_engines: dict[str, SpeechEngine | None] = {}
_engines_lock = threading.Lock()


def get_engine(name: str | None = None) -> SpeechEngine | None:
    """The speech engine named ``name`` (default: ``$STORYREEL_TTS_ENGINE`` or ``"espeak-ng"``), loaded once per
    process and cached; ``None`` (with the reason logged) when the name is unknown or the engine cannot load."""
    name = (name or os.environ.get("STORYREEL_TTS_ENGINE") or DEFAULT_ENGINE).strip()
    with _engines_lock:
        if name in _engines:
            return _engines[name]
        factory = ENGINES.get(name)
        engine: SpeechEngine | None = None
        if factory is None:
            logger.error("Unknown speech engine %r (known: %s)", name, ", ".join(sorted(ENGINES)))
        else:
            try:
                engine = factory()
            except Exception:  # any failure to load means "no narration", never a crashed server
                logger.exception("Speech engine %r could not be loaded", name)
        _engines[name] = engine
        return engine


@dataclass(frozen=True)
class Narration:
    """A written narration: ``duration`` of the WAV in seconds and its ``word_timings`` (seconds from the file's
    first sample; ``None`` when the engine does not report words)."""

    duration: float
    word_timings: list[WordTiming] | None


def synthesize_to_wav(
    text: str,
    out_path: Path,
    voice_id: str | None = None,
    speed: float = 1.0,
    engine: SpeechEngine | None = None,
) -> float:
    """Speak ``text`` into a WAV file and return its duration in seconds (see :func:`synthesize_narration`)."""
    return synthesize_narration(text, out_path, voice_id, speed, engine).duration


def synthesize_narration(
    text: str,
    out_path: Path,
    voice_id: str | None = None,
    speed: float = 1.0,
    engine: SpeechEngine | None = None,
) -> Narration:
    """Speak ``text`` into a WAV file; return its duration in seconds and its word timings.

    The word timings come from the engine (espeak-ng's word events), shifted by the silence cut from the start so
    they are relative to the written file, clamped inside it, and each word's end pulled back to its last voiced
    frame (:func:`core_engine.alignment.tighten_ends`).

    The speech is peak-normalised to −1 dBFS, leading and trailing silence is cut to at most 0.15 s each, and the
    result is written as 16-bit PCM mono at the engine's native rate (Hz) to a temporary file beside ``out_path``
    that then replaces it (a failure never leaves a half-written file). Missing parent folders are created. The
    duration is measured from the written file (frames / rate).

    ``voice_id`` ``None`` means the engine's default voice; ``speed`` is a factor 0.5–2.0 (1.0 normal); ``engine``
    defaults to :func:`get_engine`.

    Raises:
        SpeechError: nothing speakable in the text, unknown voice, the narration would exceed 10 minutes, or the
            engine produced no sound.
        SpeechEngineUnavailable: no engine was given and none could be loaded, or the engine stopped working.
    """
    engine = engine if engine is not None else get_engine()
    if engine is None:
        raise SpeechEngineUnavailable("No speech engine is available on this server.")
    out_path = Path(out_path)
    raw, words = engine.synthesize_with_words(text, voice_id, speed)
    samples = peak_normalise(np.asarray(raw, dtype=np.float32).reshape(-1), TARGET_PEAK_DBFS)
    first, last = silence_trim_bounds(samples, engine.sample_rate, EDGE_SILENCE_SECONDS)
    samples = samples[first:last]
    if samples.shape[0] > MAX_AUDIO_SECONDS * engine.sample_rate:
        raise SpeechError(
            f"The narration would be longer than {MAX_AUDIO_SECONDS / 60:g} minutes. Split the text into several "
            "segments."
        )
    out_path.parent.mkdir(parents=True, exist_ok=True)
    write_wav_pcm16(out_path, samples, engine.sample_rate)
    with wave.open(str(out_path), "rb") as wav:
        duration = wav.getnframes() / float(wav.getframerate())
    logger.debug("Narration %s: %.2f s with %s voice %s", out_path.name, duration, engine.name, voice_id)
    timings = None
    if words is not None:
        shift = first / engine.sample_rate
        shifted = [
            WordTiming(w.word, min(max(0.0, w.start - shift), duration), min(max(0.0, w.end - shift), duration))
            for w in words
        ]
        timings = tighten_ends(shifted, samples, engine.sample_rate)
    return Narration(duration=duration, word_timings=timings)
