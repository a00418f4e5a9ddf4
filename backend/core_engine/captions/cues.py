"""Cues from a segment's text and word timings: lines broken at phrase boundaries, each cue on screen long enough
(the layout rules are in :mod:`core_engine.captions`)."""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from core_engine.alignment import split_words
from core_engine.captions.style import MAX_LINE_UNITS

#: Shortest time a cue stays on screen (seconds) when the segment allows it (BBC: ~0.8 s for a short cue).
MIN_CUE_SECONDS = 0.8
#: A gap shorter than this (s) between two cues is closed (the earlier cue stays until the next one), so captions do
#: not flicker off and on between phrases.
CLOSE_GAP_SECONDS = 0.5
#: How long (s) a cue stays after its last word when the next cue comes much later.
HOLD_SECONDS = 0.6

_CONJUNCTIONS = frozenset(
    [
        "and",
        "but",
        "or",
        "nor",
        "so",
        "yet",
        "because",
        "although",
        "though",
        "while",
        "whereas",
        "when",
        "whenever",
        "where",
        "wherever",
        "if",
        "unless",
        "until",
        "since",
        "after",
        "before",
        "once",
        "that",
        "which",
        "who",
        "whom",
        "whose",
        "than",
        "as",
        "then",
    ]
)
_PREPOSITIONS = frozenset(
    [
        "a",
        "an",
        "the",
        "of",
        "in",
        "on",
        "at",
        "to",
        "for",
        "from",
        "with",
        "by",
        "about",
        "into",
        "onto",
        "over",
        "under",
        "through",
        "between",
        "among",
        "across",
        "against",
        "during",
        "without",
        "within",
        "along",
        "behind",
        "beyond",
        "near",
    ]
)
_SENTENCE_END = re.compile(r"[.!?…。！？]['\"”’)\]»]*$")
_CLAUSE_END = re.compile(r"[,;:—–、，；：]['\"”’)\]»]*$|\s[-—–]$")


@dataclass(frozen=True)
class CueWord:
    """One word of a cue: its ``text`` as written, ``start``/``end`` (seconds from the segment start), its
    ``line`` (0 or 1) and its character span ``[a, b)`` in that line."""

    text: str
    start: float
    end: float
    line: int
    a: int
    b: int


@dataclass(frozen=True)
class Cue:
    """One caption: ``lines`` (1–2 strings) shown over ``[start, end)`` seconds from the segment start, with its
    words (for word highlighting)."""

    start: float
    end: float
    lines: tuple[str, ...]
    words: tuple[CueWord, ...] = field(default=())

    @property
    def text(self) -> str:
        """The lines joined with a newline."""
        return "\n".join(self.lines)


def text_units(text: str) -> int:
    """Width of ``text`` in character units: East Asian wide / full-width characters count 2, combining marks 0,
    everything else 1."""
    units = 0
    for ch in text:
        if unicodedata.combining(ch) or unicodedata.category(ch) in ("Mn", "Me", "Cf"):
            continue
        units += 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1
    return units


def break_score(word: str, next_word: str | None) -> float:
    """Cost of breaking a line or cue after ``word`` (before ``next_word``): 0 at a sentence end, 1 after clause
    punctuation, 2 before a conjunction, 3 before a preposition or article, 6 elsewhere; 0 at the end of the
    text."""
    if next_word is None or _SENTENCE_END.search(word):
        return 0.0
    if _CLAUSE_END.search(word):
        return 1.0
    bare = re.sub(r"^\W+|\W+$", "", next_word).lower()
    if bare in _CONJUNCTIONS:
        return 2.0
    if bare in _PREPOSITIONS:
        return 3.0
    return 6.0


@dataclass(frozen=True)
class _Word:
    text: str
    pos: tuple[int, int]  # character span in the segment text
    start: float
    end: float


def _spread(text: str, spans: list[tuple[int, int]], duration: float) -> list[tuple[float, float]]:
    """Word times spread over ``duration`` in proportion to character count (spaces and punctuation included),
    when no word timings exist."""
    weights = [max(1, text_units(text[a:b])) + 1 for a, b in spans]
    total = float(sum(weights))
    out, t = [], 0.0
    for w in weights:
        d = duration * w / total
        out.append((t, t + d))
        t += d
    return out


def _timed_words(text: str, duration: float, timings: Sequence[Mapping[str, Any]] | None) -> list[_Word]:
    """The words of ``text`` (:func:`core_engine.alignment.split_words`, the tokens word timings are made of) with
    their times: from ``timings`` when they match the words one for one, else spread by character count."""
    tokens = split_words(text)
    spans = [(t.start, t.end) for t in tokens]
    times: list[tuple[float, float]] | None = None
    if timings and len(timings) == len(tokens):
        try:
            times = [
                (min(max(float(t["start"]), 0.0), duration), min(max(float(t["end"]), 0.0), duration)) for t in timings
            ]
        except (KeyError, TypeError, ValueError):
            times = None
    if times is None:
        times = _spread(text, spans, duration)
    return [_Word(text[a:b], (a, b), s, max(s, e)) for (a, b), (s, e) in zip(spans, times, strict=True)]


#: Characters after which a word wider than a line (a web address, a long compound) is preferably cut.
_CUT_AFTER = frozenset("/-._?&=#:;,")


def _fit_to_lines(text: str, word: _Word, max_units: int) -> list[_Word]:
    """``word`` when it fits a line, else its pieces of at most ``max_units`` units each, cut after the last of
    :data:`_CUT_AFTER` in a piece's second half where there is one (else at the width limit, never before a combining
    mark), timed in proportion to their widths. libass wraps lines only at spaces: a wider word ran off both sides of
    the picture. The pieces are contiguous spans of the text, so captions still show it exactly as written."""
    if text_units(word.text) <= max_units:
        return [word]
    spans: list[tuple[int, int]] = []
    a, end = word.pos
    while a < end:
        b, units = a, 0
        while b < end and units + text_units(text[b]) <= max_units:
            units += text_units(text[b])
            b += 1
        if b < end:
            cuts = [k + 1 for k in range((a + b) // 2, b) if text[k] in _CUT_AFTER]
            b = cuts[-1] if cuts else max(b, a + 1)
        spans.append((a, b))
        a = b
    widths = [max(1, text_units(text[p:q])) for p, q in spans]
    pieces, t = [], word.start
    for (p, q), w in zip(spans, widths, strict=True):
        d = (word.end - word.start) * w / sum(widths)
        pieces.append(_Word(text[p:q], (p, q), t, t + d))
        t += d
    return pieces


def _span_text(text: str, words: Sequence[_Word]) -> str:
    """The original text from the first word to the last (spacing kept, newlines made spaces)."""
    return re.sub(r"\s+", " ", text[words[0].pos[0] : words[-1].pos[1]])


def _best_lines(text: str, words: Sequence[_Word], max_units: int) -> tuple[float, list[int]] | None:
    """Best split of ``words`` into at most two lines of ≤ ``max_units``: (cost, line start indices) or ``None``
    when they do not fit. Cost: the break score at the split plus how unbalanced the lines are."""
    whole = text_units(_span_text(text, words))
    if whole <= max_units:
        return 0.0, [0]
    best: tuple[float, list[int]] | None = None
    for k in range(1, len(words)):
        u1, u2 = text_units(_span_text(text, words[:k])), text_units(_span_text(text, words[k:]))
        if u1 > max_units or u2 > max_units:
            continue
        cost = break_score(words[k - 1].text, words[k].text) + abs(u1 - u2) / max_units
        if best is None or cost < best[0]:
            best = (cost, [0, k])
    return best


def _cue_cost(text: str, words: Sequence[_Word], i: int, j: int, max_units: int, min_seconds: float) -> float | None:
    """Cost of a cue made of ``words[i:j]`` (``None`` when it does not fit two lines)."""
    lines = _best_lines(text, words[i:j], max_units)
    if lines is None:
        return None
    nxt = words[j].text if j < len(words) else None
    cost = 2.0 * break_score(words[j - 1].text, nxt) + lines[0] + 1.5  # 1.5 per cue: prefer fuller cues
    cost += sum(2.5 for k in range(i, j - 1) if _SENTENCE_END.search(words[k].text))  # straddles a sentence end
    shown = (words[j].start if j < len(words) else words[j - 1].end + HOLD_SECONDS) - words[i].start
    if shown < min_seconds:
        cost += 12.0 * (min_seconds - shown)
    return cost


def _group(text: str, words: list[_Word], max_units: int, min_seconds: float) -> list[tuple[int, int]]:
    """Cue boundaries by dynamic programming over word boundaries (minimum total :func:`_cue_cost`)."""
    n = len(words)
    best: list[tuple[float, int]] = [(0.0, 0)] + [(math.inf, 0)] * n
    for j in range(1, n + 1):
        for i in range(j - 1, -1, -1):
            cost = _cue_cost(text, words, i, j, max_units, min_seconds)
            if cost is None:
                if j - i > 1:
                    break  # longer runs only get longer
                cost = 50.0  # one piece wider than a line: only a character wider than the whole line budget
            if best[i][0] + cost < best[j][0]:
                best[j] = (best[i][0] + cost, i)
    bounds, j = [], n
    while j > 0:
        i = best[j][1]
        bounds.append((i, j))
        j = i
    return bounds[::-1]


def _make_cue(text: str, words: Sequence[_Word], max_units: int, start: float, end: float) -> Cue:
    split = _best_lines(text, words, max_units)
    starts = split[1] if split is not None else [0]
    groups = [words[a:b] for a, b in zip(starts, [*starts[1:], len(words)], strict=True)]
    lines, cue_words = [], []
    for ln, group in enumerate(groups):
        line = _span_text(text, group)
        lines.append(line)
        base = group[0].pos[0]
        for w in group:
            a = len(re.sub(r"\s+", " ", text[base : w.pos[0]]))
            cue_words.append(CueWord(w.text, w.start, w.end, ln, a, a + len(re.sub(r"\s+", " ", w.text))))
    return Cue(start, end, tuple(lines), tuple(cue_words))


def _fix_minimum(starts: list[float], ends: list[float], duration: float, min_seconds: float) -> None:
    """Lengthen cues shorter than ``min_seconds`` by delaying the next cue's start when it stays long enough, then
    by starting them earlier into the previous cue's tail when that one stays long enough."""
    n = len(starts)
    for k in range(n):
        if ends[k] - starts[k] >= min_seconds:
            continue
        want = starts[k] + min_seconds
        limit = duration if k == n - 1 else ends[k + 1] - min_seconds
        ends[k] = max(ends[k], min(want, limit))
        if k + 1 < n:
            starts[k + 1] = max(starts[k + 1], ends[k])
        if ends[k] - starts[k] < min_seconds and k > 0:
            earliest = starts[k - 1] + min_seconds
            starts[k] = max(earliest, min(starts[k], ends[k] - min_seconds))
            ends[k - 1] = min(ends[k - 1], starts[k])


def build_cues(
    text: str,
    duration: float,
    timings: Sequence[Mapping[str, Any]] | None = None,
    max_units: int = MAX_LINE_UNITS,
    min_seconds: float = MIN_CUE_SECONDS,
) -> list[Cue]:
    """The cues of one segment.

    Args:
        text: the segment's text (what the captions show, spacing and punctuation as written).
        duration: the segment's length in seconds (its narration); cues lie inside ``[0, duration]``.
        timings: word timings ``[{"word", "start", "end"}]`` (seconds from the segment start) for the words of
            :func:`core_engine.alignment.split_words` of ``text``; used when they match those words one for one,
            otherwise (or when ``None``) the words are spread over the duration by character count.
        max_units: line budget in character units (:func:`text_units`), e.g. :attr:`CaptionLayout.max_units`.
        min_seconds: shortest time on screen of a cue (kept whenever the segment is long enough).

    Returns:
        Cues in order, non-overlapping, each 1–2 lines of ≤ ``max_units`` (a word wider than a line is cut into
        pieces that fit, :func:`_fit_to_lines`). A cue starts at its first word (the first cue at 0 when speech
        starts within :data:`CLOSE_GAP_SECONDS`) and ends at the next cue's start, or :data:`HOLD_SECONDS` after its
        last word when the next cue is further away; the last cue ends at ``duration`` when its last word is within
        a second of it. Empty text gives ``[]``.
    """
    if duration <= 0:
        return []
    words = [piece for word in _timed_words(text, duration, timings) for piece in _fit_to_lines(text, word, max_units)]
    if not words:
        return []
    bounds = _group(text, words, max_units, min_seconds)
    starts = [words[i].start for i, _ in bounds]
    if starts[0] < CLOSE_GAP_SECONDS:
        starts[0] = 0.0
    ends = []
    for k, (_i, j) in enumerate(bounds):
        nxt = starts[k + 1] if k + 1 < len(bounds) else duration
        last = words[j - 1].end
        end = nxt if nxt - last <= (1.0 if k + 1 == len(bounds) else CLOSE_GAP_SECONDS) else last + HOLD_SECONDS
        # never past the next cue: a pause between CLOSE_GAP_SECONDS and HOLD_SECONDS would make two cues overlap,
        # and libass moves the later of two overlapping events out of the way (a line out of place for the whole cue)
        ends.append(min(max(end, starts[k]), nxt, duration))
    _fix_minimum(starts, ends, duration, min_seconds)
    return [
        _make_cue(text, words[i:j], max_units, s, e) for (i, j), s, e in zip(bounds, starts, ends, strict=True) if e > s
    ]
