"""Word timings of a narration: when each word of a segment's text is spoken, in seconds from the segment's start.

Three sources, best first:

- **espeak-ng word events** (built-in narration): exact, taken during synthesis (:func:`timings_from_word_events`,
  called by :func:`core_engine.tts.synthesize_narration`).
- **Forced alignment** (uploaded English recordings): pocketsphinx 5 aligns the text to the recording with the
  en-us acoustic model and CMU dictionary its wheel ships (nothing is downloaded) — :func:`align_with_pocketsphinx`.
  On the LibriSpeech clip 5703-47212-0000 its word starts are within a median 20 ms of independent timings (see
  ``core_engine/tests/test_alignment.py``).
- **Syllable spread** (languages without an acoustic model, recordings longer than :data:`ALIGN_MAX_SECONDS`, or
  when alignment fails): the words are laid over the
  voiced regions of the recording (frame-energy VAD) in proportion to their estimated syllable counts —
  :func:`spread_by_syllables`. Rough (errors of a few hundred ms), but every word gets a time and captions still
  advance with the voice.

Data shape everywhere: a list of :class:`WordTiming` (``word`` is the word as written in the text, punctuation kept,
e.g. ``"stack,"``; ``start`` < ``end`` in seconds, non-decreasing, inside the audio), serialised by
:func:`timings_to_json` as ``[{"word": str, "start": float, "end": float}]`` rounded to milliseconds.

No Django imports: the API stores the result (``api.word_timings``).
"""

from __future__ import annotations

import hashlib
import itertools
import logging
import re
import threading
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from core_engine.audio_utils import MAX_AUDIO_SECONDS, AudioError, decode_audio

logger = logging.getLogger(__name__)

#: Audio samples or per-frame values (float or bool arrays).
Samples = NDArray[Any]

#: Sample rate (Hz) pocketsphinx's en-us model expects; recordings are decoded to it.
ALIGN_SAMPLE_RATE = 16000
#: Longest recording (s) given to pocketsphinx; longer ones get the syllable spread. Its memory grows with the
#: utterance: measured peak growth 47 MB at 30 s, 63 MB at 60 s, 95 MB at 120 s and 320 MB at 599 s (24-56 s of CPU),
#: and the API must stay within tens of MB whatever the upload (issue 9, row 2). A segment's narration is seconds to
#: a minute long; two minutes leaves room.
ALIGN_MAX_SECONDS = 120.0
#: pocketsphinx frames per second (10 ms frame shift, the model's ``-frate 100``).
FRAMES_PER_SECOND = 100
#: Method names stored beside the timings.
METHOD_ESPEAK = "espeak"
METHOD_POCKETSPHINX = "pocketsphinx"
METHOD_SYLLABLES = "syllables"

#: VAD analysis: 10 ms hop, 25 ms window (the usual speech-analysis frame); a frame is voiced when its RMS level is
#: above ``max(peak − 35 dB, noise floor + 12 dB)`` (noise floor = 10th percentile of frame levels). Gaps shorter
#: than 150 ms are bridged (stop closures inside words), regions shorter than 40 ms dropped (clicks).
VAD_HOP_SECONDS = 0.010
VAD_WINDOW_SECONDS = 0.025
VAD_BELOW_PEAK_DB = 35.0
VAD_ABOVE_FLOOR_DB = 12.0
VAD_MIN_GAP_SECONDS = 0.15
VAD_MIN_REGION_SECONDS = 0.04
#: A word's end is pulled back to its last voiced frame plus this tail (s), so a pause after it is not part of it.
END_TAIL_SECONDS = 0.03


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


# -- voiced regions ---------------------------------------------------------------------------------------------------


#: Frames of :func:`frame_levels_db` computed per pass (30 s): the float64 work arrays stay ~15 MB whatever the
#: length (in one pass, a 10-minute recording took 270 MB: issue 9, row 2).
_LEVEL_CHUNK_FRAMES = 3000


def frame_levels_db(samples: Samples, sample_rate: int) -> Samples:
    """RMS level (dBFS) of 25 ms frames every 10 ms; frame ``i`` is centred at ``i * 0.010 + 0.0125`` s. Computed in
    passes of :data:`_LEVEL_CHUNK_FRAMES` frames (running sums of squares, in float64)."""
    hop = max(1, round(VAD_HOP_SECONDS * sample_rate))
    win = max(hop, round(VAD_WINDOW_SECONDS * sample_rate))
    x: Samples = np.asarray(samples).reshape(-1)
    if x.size < win:
        x = np.pad(x, (0, win - x.size))
    n = 1 + (x.size - win) // hop
    energy = np.empty(n, dtype=np.float64)
    for f0 in range(0, n, _LEVEL_CHUNK_FRAMES):
        f1 = min(n, f0 + _LEVEL_CHUNK_FRAMES)
        part = x[f0 * hop : (f1 - 1) * hop + win].astype(np.float64)
        power = np.concatenate([[0.0], np.cumsum(part * part)])
        starts = np.arange(f1 - f0) * hop
        energy[f0:f1] = (power[starts + win] - power[starts]) / win
    return np.asarray(10.0 * np.log10(np.maximum(energy, 1e-12)), dtype=np.float64)


def voiced_mask(samples: Samples, sample_rate: int) -> Samples:
    """Boolean per 10 ms frame (see :func:`frame_levels_db`): True where speech is likely (thresholds above)."""
    levels = frame_levels_db(samples, sample_rate)
    threshold = max(float(levels.max()) - VAD_BELOW_PEAK_DB, float(np.percentile(levels, 10)) + VAD_ABOVE_FLOOR_DB)
    return np.asarray(levels > threshold)


def voiced_regions(samples: Samples, sample_rate: int) -> list[tuple[float, float]]:
    """Voiced regions ``[(start_s, end_s), ...]`` in order: frames of :func:`voiced_mask`, gaps under 150 ms bridged,
    regions under 40 ms dropped. Empty for silence."""
    mask = voiced_mask(samples, sample_rate)
    regions: list[list[float]] = []
    for i in np.flatnonzero(mask):
        t0 = float(i) * VAD_HOP_SECONDS
        t1 = t0 + VAD_WINDOW_SECONDS
        if regions and t0 - regions[-1][1] < VAD_MIN_GAP_SECONDS:
            regions[-1][1] = t1
        else:
            regions.append([t0, t1])
    duration = samples.shape[0] / sample_rate
    return [(a, min(b, duration)) for a, b in regions if b - a >= VAD_MIN_REGION_SECONDS]


def spread_by_syllables(tokens: Sequence[Token], samples: Samples, sample_rate: int) -> list[WordTiming]:
    """The fallback: lay ``tokens`` over the voiced regions of ``samples`` in proportion to their syllable counts.

    The voiced regions (:func:`voiced_regions`) are joined into one "speech clock"; each word gets a share of it equal
    to its share of the syllables, and its start/end are mapped back to real time (a boundary falling exactly on a
    region's end moves to the next region's start, so pauses fall between words). When nothing is voiced the whole
    recording is used. Error: typically 100–400 ms per word; exact only at the first start and the last end.
    """
    duration = samples.shape[0] / sample_rate
    regions = voiced_regions(samples, sample_rate) or [(0.0, duration)]
    lengths = np.array([b - a for a, b in regions])
    cum = np.concatenate([[0.0], np.cumsum(lengths)])
    weights = np.array([syllable_count(t.text) for t in tokens], dtype=np.float64)
    bounds = np.concatenate([[0.0], np.cumsum(weights)]) / max(weights.sum(), 1.0) * cum[-1]

    def to_time(clock: float, prefer_next: bool) -> float:
        i = int(np.searchsorted(cum, clock, side="right" if prefer_next else "left")) - 1
        i = min(max(i, 0), len(regions) - 1)
        return float(regions[i][0] + (clock - cum[i]))

    out = []
    for k, tok in enumerate(tokens):
        start = to_time(float(bounds[k]), prefer_next=True)
        end = max(start + 0.001, to_time(float(bounds[k + 1]), prefer_next=False))
        out.append(WordTiming(tok.text, start, min(end, duration)))
    return out


def tighten_ends(timings: Sequence[WordTiming], samples: Samples, sample_rate: int) -> list[WordTiming]:
    """Pull each word's end back to its last voiced frame (+30 ms), so a pause after a word is not shown as part of
    it. Starts are untouched; an end never moves before its start + 10 ms."""
    mask = voiced_mask(samples, sample_rate)
    out = []
    for t in timings:
        i0 = int(t.start / VAD_HOP_SECONDS)
        # frames whose window lies inside the word (a frame straddling its end belongs to the next word's onset)
        i1 = min(mask.size, int((t.end - VAD_WINDOW_SECONDS + 1e-9) / VAD_HOP_SECONDS) + 1)
        voiced = np.flatnonzero(mask[i0:i1])
        end = t.end
        if voiced.size:
            last = (i0 + int(voiced[-1])) * VAD_HOP_SECONDS + VAD_WINDOW_SECONDS + END_TAIL_SECONDS
            end = min(end, last)
        out.append(WordTiming(t.word, t.start, max(end, min(t.end, t.start + 0.01))))
    return out


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


def _mostly_latin(tokens: Sequence[Token]) -> bool:
    letters = [ch for t in tokens for ch in t.text if ch.isalpha()]
    return bool(letters) and sum(ord(ch) < 0x250 for ch in letters) >= 0.9 * len(letters)


def align_recording(text: str, audio_path: str | Path, language: str | None = None) -> tuple[list[WordTiming], str]:
    """Word timings of a recording of ``text``; returns ``(timings, method)`` with method ``"pocketsphinx"`` or
    ``"syllables"`` (the fallback, used for languages other than English, non-Latin text, recordings longer than
    :data:`ALIGN_MAX_SECONDS`, or when alignment fails).
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
    if has_acoustic_model(language) and _mostly_latin(tokens) and duration <= ALIGN_MAX_SECONDS:
        try:
            timings = [
                WordTiming(t.word, min(t.start, duration), min(t.end, duration))
                for t in align_with_pocketsphinx(tokens, samples)
            ]
            return tighten_ends(timings, samples, ALIGN_SAMPLE_RATE), METHOD_POCKETSPHINX
        except AlignmentError as exc:
            logger.info("forced alignment failed (%s); spreading words by syllables", exc)
        except Exception:  # a decoder bug must not cost the words their timings: fall back, keep the trace
            logger.exception("forced alignment crashed; spreading words by syllables")
    return spread_by_syllables(tokens, samples, ALIGN_SAMPLE_RATE), METHOD_SYLLABLES
