"""Word timings of a narration: when each word of a segment's text is spoken, in seconds from the segment's start.

Three sources, best first:

- **espeak-ng word events** (built-in narration): exact, taken during synthesis (:func:`timings_from_word_events`,
  called by :func:`core_engine.tts.synthesize_narration`).
- **Forced alignment** (uploaded English recordings): pocketsphinx 5 aligns the text to the recording with the
  en-us acoustic model and CMU dictionary its wheel ships (nothing is downloaded) — :func:`align_with_pocketsphinx`.
  On the LibriSpeech clip 5703-47212-0000 its word starts are within a median 20 ms of independent timings (see
  ``core_engine/tests/test_alignment.py``).
  Recordings longer than :data:`ALIGN_UTTERANCE_MAX_SECONDS` are aligned in windows (:func:`align_in_windows`), so
  memory stays bounded and accuracy is that of one utterance.
- **Syllable spread** (languages without an acoustic model, or when alignment fails): the words are laid over the
  voiced regions of the recording (frame-energy VAD) in proportion to their estimated syllable counts —
  :func:`spread_by_syllables`. Rough (errors of a few hundred ms), but every word gets a time and captions still
  advance with the voice.

Data shape everywhere: a list of :class:`WordTiming` (``word`` is the word as written in the text, punctuation kept,
e.g. ``"stack,"``; ``start`` < ``end`` in seconds, non-decreasing, inside the audio), serialised by
:func:`timings_to_json` as ``[{"word": str, "start": float, "end": float}]`` rounded to milliseconds.

No Django imports: the API stores the result (``api.word_timings``).

The package: :mod:`~core_engine.alignment.words` (shapes, tokens, syllables, espeak-ng events),
:mod:`~core_engine.alignment.vad` (voiced regions, syllable spread), :mod:`~core_engine.alignment.sphinx`
(pocketsphinx) and :mod:`~core_engine.alignment.windows` (long recordings); :func:`align_recording` picks the
method; the public names are re-exported here.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path

from core_engine.alignment.sphinx import (
    AlignmentError,
    align_with_pocketsphinx,
    guess_pronunciation,
    has_acoustic_model,
    normalise_for_dictionary,
    number_words,
)
from core_engine.alignment.vad import frame_levels_db, spread_by_syllables, tighten_ends, voiced_mask, voiced_regions
from core_engine.alignment.windows import align_in_windows
from core_engine.alignment.words import (
    ALIGN_SAMPLE_RATE,
    ALIGN_UTTERANCE_MAX_SECONDS,
    ALIGN_WINDOW_SECONDS,
    FRAMES_PER_SECOND,
    METHOD_ESPEAK,
    METHOD_POCKETSPHINX,
    METHOD_SYLLABLES,
    Samples,
    Token,
    WordTiming,
    file_sha256,
    split_words,
    syllable_count,
    timings_from_word_events,
    timings_key,
    timings_to_json,
)
from core_engine.audio_utils import MAX_AUDIO_SECONDS, AudioError, decode_audio

__all__ = [
    "ALIGN_SAMPLE_RATE",
    "ALIGN_UTTERANCE_MAX_SECONDS",
    "ALIGN_WINDOW_SECONDS",
    "FRAMES_PER_SECOND",
    "METHOD_ESPEAK",
    "METHOD_POCKETSPHINX",
    "METHOD_SYLLABLES",
    "AlignmentError",
    "Samples",
    "Token",
    "WordTiming",
    "align_in_windows",
    "align_recording",
    "align_with_pocketsphinx",
    "file_sha256",
    "frame_levels_db",
    "guess_pronunciation",
    "has_acoustic_model",
    "normalise_for_dictionary",
    "number_words",
    "split_words",
    "spread_by_syllables",
    "syllable_count",
    "tighten_ends",
    "timings_from_word_events",
    "timings_key",
    "timings_to_json",
    "voiced_mask",
    "voiced_regions",
]

logger = logging.getLogger(__name__)


def _mostly_latin(tokens: Sequence[Token]) -> bool:
    letters = [ch for t in tokens for ch in t.text if ch.isalpha()]
    return bool(letters) and sum(ord(ch) < 0x250 for ch in letters) >= 0.9 * len(letters)


def align_recording(text: str, audio_path: str | Path, language: str | None = None) -> tuple[list[WordTiming], str]:
    """Word timings of a recording of ``text``; returns ``(timings, method)`` with method ``"pocketsphinx"`` (every
    word force-aligned, in one utterance or, past :data:`ALIGN_UTTERANCE_MAX_SECONDS`, in windows) or
    ``"syllables"`` (the fallback, for languages other than English, non-Latin text, or when alignment fails — for
    a long recording, when it fails for some of the words, those are spread and the method says so).
    ``[]`` when the text has no word.

    Raises:
        AudioError: the recording cannot be decoded.
    """
    tokens = split_words(text)
    if not tokens:
        return [], METHOD_SYLLABLES
    samples = decode_audio(audio_path, ALIGN_SAMPLE_RATE, 1, max_seconds=MAX_AUDIO_SECONDS)
    if samples.size < ALIGN_SAMPLE_RATE // 20:
        raise AudioError("the audio is empty (shorter than 0.05 s)")
    duration = samples.shape[0] / ALIGN_SAMPLE_RATE
    if has_acoustic_model(language) and _mostly_latin(tokens):
        try:
            if duration <= ALIGN_UTTERANCE_MAX_SECONDS:
                found, aligned = align_with_pocketsphinx(tokens, samples), len(tokens)
            else:
                found, aligned = align_in_windows(tokens, samples)
            timings = [WordTiming(t.word, min(t.start, duration), min(t.end, duration)) for t in found]
            method = METHOD_POCKETSPHINX if aligned == len(tokens) else METHOD_SYLLABLES
            if aligned < len(tokens):
                logger.info(
                    "forced alignment timed %d of %d words; the rest are spread by syllables", aligned, len(tokens)
                )
            return tighten_ends(timings, samples, ALIGN_SAMPLE_RATE), method
        except AlignmentError as exc:
            logger.info("forced alignment failed (%s); spreading words by syllables", exc)
        except Exception:  # a decoder bug must not cost the words their timings: fall back, keep the trace
            logger.exception("forced alignment crashed; spreading words by syllables")
    return spread_by_syllables(tokens, samples, ALIGN_SAMPLE_RATE), METHOD_SYLLABLES
