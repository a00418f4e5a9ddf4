"""Forced alignment with pocketsphinx 5 (English, the en-us model its wheel ships): text normalised for its
dictionary, pronunciations guessed for unknown words, one decoder per process (see :mod:`core_engine.alignment`)."""

from __future__ import annotations

import logging
import re
import threading
import unicodedata
from collections.abc import Sequence
from typing import Any

import numpy as np

from core_engine.alignment.words import ALIGN_SAMPLE_RATE, FRAMES_PER_SECOND, Samples, Token, WordTiming

logger = logging.getLogger(__name__)

# -- pocketsphinx forced alignment ------------------------------------------------------------------------------------

_ONES = [
    *("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve"),
    *("thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen"),
]
_TENS = ["", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
_SCALES = ((1_000_000_000, "billion"), (1_000_000, "million"), (1000, "thousand"), (100, "hundred"))
_SYMBOLS = {"&": "and", "%": "percent", "+": "plus", "@": "at", "$": "dollars", "€": "euros", "£": "pounds"}


def number_words(n: int) -> list[str]:
    """English words for a non-negative integer (``1905`` → ``["one", "thousand", "nine", "hundred", "five"]``;
    four-digit years 1100–1999 read as pairs: ``["nineteen", "oh", "five"]``)."""
    if 1100 <= n <= 1999 and n % 100:
        tail = number_words(n % 100) if n % 100 >= 10 else ["oh", *number_words(n % 100)]
        return [*number_words(n // 100), *tail]
    if n < 20:
        return [_ONES[n]]
    if n < 100:
        return [_TENS[n // 10]] + ([_ONES[n % 10]] if n % 10 else [])
    for value, name in _SCALES:
        if n >= value:
            rest = number_words(n % value) if n % value else []
            return [*number_words(n // value), name, *rest]
    return [_ONES[0]]  # unreachable


def normalise_for_dictionary(word: str) -> list[str]:
    """Lower-case dictionary tokens for one written word: punctuation stripped (inner apostrophes kept), hyphens and
    slashes split, digits spelled out (``"12"`` → ``["twelve"]``, ``"3.5"`` → ``["three", "point", "five"]``),
    symbols read (``"&"`` → ``["and"]``). May be empty (a word of symbols only)."""
    text = unicodedata.normalize("NFKC", word).lower().replace("’", "'")
    out: list[str] = []
    for part in re.split(r"[-–—/_]+", text):
        for piece in re.findall(r"\d+(?:[.,]\d+)*|[^\W\d_]+(?:'[^\W\d_]+)*|[&%+@$€£]", part):
            if piece[0].isdigit():
                whole, _, frac = piece.replace(",", "").partition(".")
                out += number_words(int(whole[:12]))
                if frac:
                    out += ["point", *(_ONES[int(d)] for d in frac)]
            elif piece in _SYMBOLS:
                out.append(_SYMBOLS[piece])
            else:
                out.append(piece)
    return out


# Letter-to-sound guesses (ARPABET) for words the dictionary lacks: longest grapheme first. Crude, but alignment
# only needs a plausible phone sequence of about the right length.
_GRAPHEMES = {
    "tch": "CH",
    "sch": "S K",
    "igh": "AY",
    "th": "TH",
    "sh": "SH",
    "ch": "CH",
    "ph": "F",
    "ng": "NG",
    "ck": "K",
    "qu": "K W",
    "wh": "W",
    "ee": "IY",
    "ea": "IY",
    "ie": "IY",
    "oo": "UW",
    "ou": "AW",
    "ow": "OW",
    "ai": "EY",
    "ay": "EY",
    "oi": "OY",
    "oy": "OY",
    "au": "AO",
    "aw": "AO",
    "a": "AE",
    "b": "B",
    "c": "K",
    "d": "D",
    "e": "EH",
    "f": "F",
    "g": "G",
    "h": "HH",
    "i": "IH",
    "j": "JH",
    "k": "K",
    "l": "L",
    "m": "M",
    "n": "N",
    "o": "AA",
    "p": "P",
    "q": "K",
    "r": "R",
    "s": "S",
    "t": "T",
    "u": "AH",
    "v": "V",
    "w": "W",
    "x": "K S",
    "y": "IY",
    "z": "Z",
}


def guess_pronunciation(word: str) -> str:
    """ARPABET phones for an out-of-dictionary word from letter rules (``"crianan"`` → ``"K R IY AE N AE N"``);
    letters outside a–z are skipped; ``"AH"`` when nothing is left. Doubled letters count once."""
    letters = re.sub(r"[^a-z]", "", word.lower())
    letters = re.sub(r"([b-df-hj-np-tv-z])\1", r"\1", letters)
    phones: list[str] = []
    i = 0
    while i < len(letters):
        for size in (3, 2, 1):
            chunk = letters[i : i + size]
            if len(chunk) == size and chunk in _GRAPHEMES:
                if not (chunk == "e" and i == len(letters) - 1 and phones):  # silent final e
                    phones.extend(_GRAPHEMES[chunk].split())
                i += size
                break
        else:
            i += 1
    return " ".join(phones) or "AH"


class AlignmentError(RuntimeError):
    """Forced alignment did not produce a usable result (the caller falls back to :func:`spread_by_syllables`)."""


class _Aligner:
    """The process's one pocketsphinx decoder (built on first use, ~0.2 s; reused; one alignment at a time)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self._decoder: Any = None

    def decoder(self) -> Any:
        if self._decoder is None:
            from pocketsphinx import Decoder

            # lm=None: no language model is loaded (alignment mode needs only the acoustic model and dictionary).
            self._decoder = Decoder(samprate=ALIGN_SAMPLE_RATE, lm=None, loglevel="FATAL")
        return self._decoder

    def align(self, words: list[str], pcm16: bytes) -> list[tuple[str, int, int]]:
        """``(token, start_frame, end_frame)`` for each of ``words`` (dictionary tokens), in order.

        Raises:
            AlignmentError: pocketsphinx refused the text or its segmentation does not match the words.
        """
        with self.lock:
            decoder = self.decoder()
            try:
                for word in dict.fromkeys(words):
                    if decoder.lookup_word(word) is None:
                        decoder.add_word(word, guess_pronunciation(word), True)
                decoder.set_align_text(" ".join(words))
                decoder.start_utt()
                decoder.process_raw(pcm16, full_utt=True)
                decoder.end_utt()
                found = decoder.seg()  # None when no path reached the end of the text (e.g. speech absent)
                if found is None or decoder.hyp() is None:
                    raise AlignmentError("pocketsphinx found no alignment of the text in the recording")
                segments = [(re.sub(r"\(\d+\)$", "", s.word), int(s.start_frame), int(s.end_frame)) for s in found]
            except AlignmentError:
                raise  # the utterance ended normally; the decoder stays usable
            except RuntimeError as exc:
                self._decoder = None  # it may be left inside an utterance: build a fresh one next time
                raise AlignmentError(f"pocketsphinx could not align: {exc}") from exc
            except BaseException:
                self._decoder = None
                raise
        aligned = [s for s in segments if not s[0].startswith(("<", "["))]  # <s>, </s>, <sil>, [NOISE]
        if [s[0] for s in aligned] != words:
            raise AlignmentError(f"pocketsphinx aligned {len(aligned)} of {len(words)} words")
        return aligned


_aligner = _Aligner()


def align_with_pocketsphinx(tokens: Sequence[Token], samples16k: Samples) -> list[WordTiming]:
    """Forced alignment of ``tokens`` (English) to mono float samples at 16 kHz with pocketsphinx 5.

    Each written word is normalised to dictionary tokens (:func:`normalise_for_dictionary`; unknown ones get a
    letter-rule pronunciation); the aligned tokens are mapped back, so a word's start is its first token's start and
    its end its last token's end (frames / 100 = seconds). A word with no token (symbols only) gets a zero-length
    timing at the previous word's end.

    Raises:
        AlignmentError: the decoder refused the text or the result does not cover every token.
    """
    per_word = [normalise_for_dictionary(t.text) for t in tokens]
    flat = [w for group in per_word for w in group]
    if not flat:
        raise AlignmentError("no word to align")
    pcm = (np.clip(samples16k, -1.0, 1.0) * 32767.0).astype("<i2").tobytes()
    aligned = _aligner.align(flat, pcm)
    out: list[WordTiming] = []
    i = 0
    last_end = 0.0
    for tok, group in zip(tokens, per_word, strict=True):
        if not group:
            out.append(WordTiming(tok.text, last_end, last_end))
            continue
        first, last = aligned[i], aligned[i + len(group) - 1]
        i += len(group)
        start = first[1] / FRAMES_PER_SECOND
        last_end = max(start, (last[2] + 1) / FRAMES_PER_SECOND)
        out.append(WordTiming(tok.text, start, last_end))
    return out


def has_acoustic_model(language: str | None) -> bool:
    """True when forced alignment is available for ``language`` (a BCP-47-like tag; ``None``/``""`` = English):
    only English (pocketsphinx's bundled en-us model)."""
    return not language or language.lower().split("-")[0].split("+")[0] == "en"
