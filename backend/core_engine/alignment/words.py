"""Words and their timings: the :class:`WordTiming` shape, tokens of a text, syllable counts, and timings from
espeak-ng's word events (see :mod:`core_engine.alignment`)."""

from __future__ import annotations

import hashlib
import itertools
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

#: Audio samples or per-frame values (float or bool arrays).
Samples = NDArray[Any]

#: Sample rate (Hz) pocketsphinx's en-us model expects; recordings are decoded to it.
ALIGN_SAMPLE_RATE = 16000
#: Target length (s) of one pocketsphinx utterance. Its memory and time grow faster than the utterance (measured peak
#: growth 47 MB at 30 s, 63 MB at 60 s, 95 MB at 120 s and 320 MB at 599 s, with 24-56 s of CPU for the latter), and
#: the API must stay within tens of MB whatever the upload (issue 9, row 2): a recording up to
#: :data:`ALIGN_UTTERANCE_MAX_SECONDS` is aligned as one utterance, a longer one in windows of about this length
#: (:mod:`core_engine.alignment.windows`).
ALIGN_WINDOW_SECONDS = 40.0
#: Longest audio (s) pocketsphinx gets in one utterance: 1.5 windows (the last window of a long recording takes up to
#: this much rather than leave a short remainder).
ALIGN_UTTERANCE_MAX_SECONDS = 1.5 * ALIGN_WINDOW_SECONDS
#: pocketsphinx frames per second (10 ms frame shift, the model's ``-frate 100``).
FRAMES_PER_SECOND = 100
#: Method names stored beside the timings.
METHOD_ESPEAK = "espeak"
METHOD_POCKETSPHINX = "pocketsphinx"
METHOD_SYLLABLES = "syllables"


@dataclass(frozen=True)
class WordTiming:
    """One spoken word: ``word`` as written (punctuation kept), ``start``/``end`` in seconds from the segment start."""

    word: str
    start: float
    end: float

    def as_dict(self) -> dict[str, Any]:
        """``{"word", "start", "end"}`` with times rounded to milliseconds."""
        return {"word": self.word, "start": round(self.start, 3), "end": round(self.end, 3)}


@dataclass(frozen=True)
class Token:
    """A word of the text: ``text`` as written, ``[start, end)`` its character offsets in the text."""

    text: str
    start: int
    end: int


def timings_to_json(timings: Sequence[WordTiming]) -> list[dict[str, Any]]:
    """The JSON shape stored with a segment: ``[{"word": str, "start": float, "end": float}]`` (seconds, ms)."""
    return [t.as_dict() for t in timings]


def timings_key(spoken_text: str, audio_path: str | Path) -> str:
    """What timings were computed from: ``"<sha256(stripped text)>:<sha256(audio file)>"`` (hex; the text part equals
    ``api.models.text_hash``). Timings whose stored key differs from the current one are stale and are recomputed.

    Raises:
        OSError: the audio file cannot be read.
    """
    text_digest = hashlib.sha256(spoken_text.strip().encode("utf-8")).hexdigest()
    return f"{text_digest}:{file_sha256(audio_path)}"


def file_sha256(path: str | Path) -> str:
    """SHA-256 (hex) of a file's bytes, read in 1 MiB blocks.

    Raises:
        OSError: the file cannot be read.
    """
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


# -- words and syllables ----------------------------------------------------------------------------------------------

_TOKEN = re.compile(r"\S+")


def _has_word_char(text: str) -> bool:
    return any(ch.isalnum() for ch in text)


#: Scripts written without spaces between words: each ideograph / kana is a word of its own (espeak-ng gives them
#: one event each, and a caption can highlight them one by one).
_CJK_CHAR = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002fa1f]")


def _pieces(match: re.Match[str]) -> list[Token]:
    """One whitespace-separated run, cut before and after every CJK character."""
    word, base = match.group(), match.start()
    cuts = sorted({0, len(word)} | {i for m in _CJK_CHAR.finditer(word) for i in (m.start(), m.end())})
    return [Token(word[a:b], base + a, base + b) for a, b in itertools.pairwise(cuts)]


def split_words(text: str) -> list[Token]:
    """The words of ``text``: whitespace-separated runs holding at least one letter or digit, with every CJK
    ideograph or kana a word of its own. A run of punctuation alone (``"—"``, ``"..."``, ``"。"``) is glued to the
    word before it (or after it, at the start), so no character of meaning is lost and no word is dropped."""
    raw = [tok for m in _TOKEN.finditer(text) for tok in _pieces(m)]
    words: list[Token] = []
    pending: Token | None = None  # leading punctuation waiting for the first word
    for tok in raw:
        if _has_word_char(tok.text):
            if pending is not None:
                tok = Token(text[pending.start : tok.end], pending.start, tok.end)
                pending = None
            words.append(tok)
        elif words:
            last = words[-1]
            words[-1] = Token(text[last.start : tok.end], last.start, tok.end)
        elif pending is None:
            pending = tok
    return words


_VOWEL_GROUP = re.compile(r"[aeiouyàáâäèéêëìíîïòóôöùúûüåæœø]+", re.IGNORECASE)


def syllable_count(word: str) -> int:
    """Estimated syllables of a word (at least 1): vowel groups for Latin letters (a silent final "e" not counted),
    one per character for CJK and kana, one per 2 letters for other scripts, and 1 per digit."""
    letters = [ch for ch in word if ch.isalpha()]
    digits = sum(ch.isdigit() for ch in word)
    if not letters:
        return max(1, digits)
    if all(ord(ch) < 0x250 for ch in letters):
        lower = "".join(letters).lower()
        count = len(_VOWEL_GROUP.findall(lower))
        if lower.endswith("e") and not lower.endswith(("le", "ee")) and count > 1:
            count -= 1
        return max(1, count) + digits
    cjk = sum(1 for ch in letters if unicodedata.name(ch, "").startswith(("CJK", "HIRAGANA", "KATAKANA", "HANGUL")))
    if cjk:
        return cjk + digits
    return max(1, round(len(letters) / 2)) + digits


# -- espeak-ng word events --------------------------------------------------------------------------------------------


def timings_from_word_events(
    text: str, events: Sequence[Sequence[int]], speech_end: float, offset: float = 0.0
) -> list[WordTiming]:
    """Word timings of synthesized speech from espeak-ng's ``espeakEVENT_WORD`` events.

    ``text`` is exactly the text given to espeak-ng; ``events`` are ``[text_position, length, audio_ms]`` with
    1-based character positions (as the worker reports them); ``speech_end`` (s, in the untrimmed output) is where
    the last word ends; ``offset`` (s) is how much was cut from the start of the output (silence trimming), so the
    returned times are relative to the written file.

    espeak-ng gives no event of its own to some unstressed words ("the", "a" inside a phrase): such a word shares the
    span from the previous event to the next one with the evented word before it, in proportion to syllable counts —
    no word is dropped. Words before the first event start at 0.
    """
    tokens = split_words(text)
    if not tokens:
        return []
    starts: dict[int, float] = {}
    for position, _length, audio_ms in events:
        char = int(position) - 1
        for k, tok in enumerate(tokens):
            if tok.start <= char < tok.end:
                starts.setdefault(k, float(audio_ms) / 1000.0)
                break
    anchors = sorted(starts)
    if not anchors or anchors[0] != 0:
        starts[0] = min(starts.values(), default=0.0) if anchors else 0.0
        anchors = sorted(starts)
    out: list[WordTiming] = []
    for a, k0 in enumerate(anchors):
        k1 = anchors[a + 1] if a + 1 < len(anchors) else len(tokens)
        t0 = starts[k0]
        t1 = starts[k1] if k1 < len(tokens) else max(speech_end, t0 + 0.01)
        t1 = max(t1, t0 + 0.001 * (k1 - k0))
        group = tokens[k0:k1]
        weights = np.array([syllable_count(t.text) for t in group], dtype=np.float64)
        edges = t0 + (t1 - t0) * np.concatenate([[0.0], np.cumsum(weights)]) / weights.sum()
        out.extend(WordTiming(tok.text, float(edges[j]), float(edges[j + 1])) for j, tok in enumerate(group))
    return [WordTiming(t.word, max(0.0, t.start - offset), max(0.0, t.end - offset)) for t in out]
