"""The contract every speech engine fulfils, plus the text clean-up they share.

An engine turns narration text into float32 mono samples at its native rate; :func:`core_engine.tts.synthesize_to_wav`
does the rest (loudness, silence trimming, the WAV file). Engines never touch Django.
"""

from __future__ import annotations

import re
import unicodedata
from abc import ABC, abstractmethod
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from core_engine.alignment import WordTiming

#: Longest narration text accepted for one segment, in characters (≈ 25 minutes of speech at 175 wpm; the audio
#: length limit of :data:`core_engine.audio_utils.MAX_AUDIO_SECONDS` usually applies first).
MAX_TEXT_CHARS = 20_000

#: Normal narration speed, and the range of the ``speed`` factor (1.0 = normal, 2.0 = twice as fast).
DEFAULT_SPEED = 1.0
MIN_SPEED = 0.5
MAX_SPEED = 2.0


@dataclass(frozen=True)
class Voice:
    """One voice an engine can speak with.

    ``id`` is what callers pass back as ``voice_id`` (stable across restarts, e.g. ``"en-us"`` or ``"en-us+Annie"``);
    ``name`` is for people (``"English (America)"``); ``language`` is a BCP-47-like tag (``"en-us"``); ``gender`` is
    ``"male"``, ``"female"`` or ``None`` when the engine does not say.
    """

    id: str
    name: str
    language: str
    gender: str | None


class SpeechError(ValueError):
    """Text or settings that cannot be spoken; ``str(err)`` is a reason a user understands, e.g.
    ``"The text has nothing to speak (only punctuation)."``"""


class SpeechEngineUnavailable(RuntimeError):
    """No speech engine could be loaded (a server-side problem, not the user's text)."""


class SpeechEngine(ABC):
    """A text-to-speech engine: lists its voices and speaks text as float32 mono samples.

    Implementations must be safe to call from several threads (serialise internally if the backend is not) and must
    raise :class:`SpeechError` — never crash or raise anything else — for any text a user can type.
    """

    #: Short engine name as shown by the health endpoint, e.g. ``"espeak-ng"``.
    name: str
    #: Native sample rate of :meth:`synthesize` output, in Hz.
    sample_rate: int

    @abstractmethod
    def list_voices(self) -> list[Voice]:
        """All voices this engine can use right now (from the installed data, not a hard-coded list)."""

    @abstractmethod
    def default_voice_id(self) -> str:
        """Id of the voice used when the caller passes ``voice_id=None`` (always one of :meth:`list_voices`)."""

    def has_voice(self, voice_id: str) -> bool:
        """True if ``voice_id`` is accepted by :meth:`synthesize` (default: it is one of :meth:`list_voices`,
        compared case-insensitively)."""
        wanted = (voice_id or "").strip().lower()
        return any(v.id.lower() == wanted for v in self.list_voices())

    @abstractmethod
    def synthesize(self, text: str, voice_id: str | None, speed: float) -> npt.NDArray[np.float32]:
        """Speak ``text`` and return float32 samples in [-1, 1], shape ``(n_samples,)``, at :attr:`sample_rate` Hz.

        ``voice_id`` ``None`` or ``""`` means :meth:`default_voice_id`; ``speed`` is a factor (1.0 normal, clamped to
        0.5–2.0). The samples are raw engine output: not normalised, silence not trimmed.

        Raises:
            SpeechError: the text has nothing speakable, is too long, the voice is unknown, the speed is not a
                number, or the engine produced no audible sound (or failed on this particular text).
            SpeechEngineUnavailable: the engine itself stopped working (a server problem, whatever the text).
        """

    def synthesize_with_words(
        self, text: str, voice_id: str | None, speed: float
    ) -> tuple[npt.NDArray[np.float32], list[WordTiming] | None]:
        """Like :meth:`synthesize`, plus the word timings (seconds from the first returned sample) when the engine
        knows them, else ``None`` (the default; the caller may then align the audio instead).

        Raises:
            SpeechError, SpeechEngineUnavailable: as :meth:`synthesize`.
        """
        return self.synthesize(text, voice_id, speed), None


# Characters removed before synthesis: control characters (Cc), format characters such as zero-width joiners and
# BOMs (Cf), lone surrogates (Cs), private-use (Co) and unassigned code points (Cn). Tabs and line breaks become spaces.
_DROP_CATEGORIES = {"Cc", "Cf", "Cs", "Co", "Cn"}
_SPACE_CHARS = {"\t", "\n", "\r", "\v", "\f", "\x85", "\u2028", "\u2029"}
_WHITESPACE_RUN = re.compile(r"\s+")


def _is_emoji(ch: str) -> bool:
    """Pictographs, emoji modifiers and variation selectors: narration should not read out "grinning face"."""
    cp = ord(ch)
    if 0xFE00 <= cp <= 0xFE0F or 0xE0100 <= cp <= 0xE01EF:  # variation selectors
        return True
    if 0x1F000 <= cp <= 0x1FAFF:  # mahjong/cards, emoticons, pictographs, transport, skin tones, extended emoji
        return unicodedata.category(ch) in ("So", "Sk")
    if 0x2600 <= cp <= 0x27BF:  # miscellaneous symbols and dingbats (☀ ☔ ✨ ❤)
        return unicodedata.category(ch) == "So"
    return False


def clean_text(text: str, max_chars: int = MAX_TEXT_CHARS) -> str:
    """Prepare user text for an engine: drop control/format/unassigned characters and emoji, turn line breaks and
    tabs into spaces, collapse runs of whitespace, and check there is something to say.

    Returns the cleaned text (NFC-normalised, non-empty, at most ``max_chars`` characters).

    Raises:
        SpeechError: not a string, empty or whitespace-only, no letter or digit in any script (only punctuation,
            symbols or emoji), or longer than ``max_chars`` characters.
    """
    if not isinstance(text, str):
        raise SpeechError("The text must be a string.")
    kept: list[str] = []
    for ch in text:
        if ch in _SPACE_CHARS:
            kept.append(" ")
        elif unicodedata.category(ch) in _DROP_CATEGORIES or _is_emoji(ch):
            continue
        else:
            kept.append(ch)
    cleaned = _WHITESPACE_RUN.sub(" ", unicodedata.normalize("NFC", "".join(kept))).strip()
    if not cleaned and not any(ch.isprintable() and not ch.isspace() for ch in text):
        raise SpeechError("The text is empty: there is nothing to speak.")
    if not any(ch.isalnum() for ch in cleaned):
        raise SpeechError("The text has nothing to speak (only punctuation, symbols or emoji).")
    if len(cleaned) > max_chars:
        raise SpeechError(
            f"The text is too long to narrate as one segment ({len(cleaned)} characters; the limit is {max_chars}). "
            "Split it into several segments."
        )
    return cleaned


def clamp_speed(speed: float) -> float:
    """Return ``speed`` clamped to 0.5–2.0.

    Raises:
        SpeechError: ``speed`` is not a finite number.
    """
    try:
        value = float(speed)
    except (TypeError, ValueError):
        raise SpeechError("The narration speed must be a number.") from None
    if not np.isfinite(value):
        raise SpeechError("The narration speed must be a finite number.")
    return min(MAX_SPEED, max(MIN_SPEED, value))
