"""Captions: cues built from a segment's text and word timings, laid out by broadcast practice, written as ASS for
libass (burned into the picture) and as SRT / WebVTT (the soft subtitle track and the sidecar files). Pure Python,
no Django, no ffmpeg.

Layout rules (BBC Subtitle Guidelines, EBU-TT-D practice, Netflix timed-text style guide):

- at most :data:`MAX_LINES` (2) lines of at most :data:`MAX_LINE_UNITS` (42) characters, fewer when the output is
  narrow (the line must fit the title-safe width at the chosen size); East Asian wide characters count 2;
- lines and cues are broken at phrase boundaries: sentence ends first, then clause punctuation, then before a
  conjunction, then before a preposition or article, never elsewhere when avoidable (:func:`break_score`);
- each cue stays on screen at least :data:`MIN_CUE_SECONDS` (0.8 s) when the segment is long enough;
- the text sits inside the title-safe area: :data:`TITLE_SAFE_MARGIN` (5 %) of the width and height on each side
  (SMPTE ST 2046-1 / EBU R 95 title-safe = 90 % of the picture), box padding included.

Times: a cue of a segment is in seconds from the segment's start; for the picture it is snapped to whole frames
(:func:`segment_events`) so it changes exactly on a frame and never leaks into a neighbouring segment.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from core_engine.alignment import split_words

__all__ = [
    "CAPTION_BACKGROUNDS",
    "CAPTION_MODES",
    "CAPTION_POSITIONS",
    "MAX_LINES",
    "MAX_LINE_UNITS",
    "MIN_CUE_SECONDS",
    "TITLE_SAFE_MARGIN",
    "CaptionLayout",
    "CaptionOptions",
    "CaptionStyle",
    "Cue",
    "CueWord",
    "TimedText",
    "ass_document",
    "ass_header",
    "break_score",
    "build_cues",
    "frame_at",
    "language_code",
    "segment_events",
    "srt_document",
    "text_units",
    "vtt_document",
]

CAPTION_MODES = ("off", "sentence", "word")
CAPTION_POSITIONS = ("bottom", "middle")
CAPTION_BACKGROUNDS = ("none", "box", "outline")

#: Broadcast limits: lines per cue, characters per line (BBC / Netflix: 42 for Latin scripts).
MAX_LINES = 2
MAX_LINE_UNITS = 42
#: Shortest time a cue stays on screen (seconds) when the segment allows it (BBC: ~0.8 s for a short cue).
MIN_CUE_SECONDS = 0.8
#: Title-safe margin on each side, as a share of the width / height (90 % title-safe area).
TITLE_SAFE_MARGIN = 0.05
#: A gap shorter than this (s) between two cues is closed (the earlier cue stays until the next one), so captions do
#: not flicker off and on between phrases.
CLOSE_GAP_SECONDS = 0.5
#: How long (s) a cue stays after its last word when the next cue comes much later.
HOLD_SECONDS = 0.6
#: Width of one narrow character in units of the ASS font size (libass sizes fonts by line height: ~1.36 em for
#: Noto Sans, so 1 em ≈ 0.73 size; an average Latin character is ≈ 0.55 em ≈ 0.40 size; 0.42 leaves a margin).
UNIT_WIDTH = 0.42
#: Reference output height (lines) of ``CaptionStyle.size``: the ASS font size at 1080 lines, scaled with the height.
REFERENCE_HEIGHT = 1080

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


# ------------------------------------------------------------------------------------------------------- options
@dataclass(frozen=True)
class CaptionStyle:
    """How captions look: ``font`` family name (fontconfig picks a fallback for missing glyphs), ``color`` and
    ``highlight_color`` (``#RRGGBB``; the highlight marks the current word in word mode), ``size`` (ASS font size, i.e.
    line height in pixels, at a 1080-line output; scaled with the output height), ``position`` (``bottom`` or
    ``middle``), ``background`` (``none`` = soft shadow only, ``box`` = translucent box, ``outline`` = black
    outline)."""

    font: str = "Noto Sans"
    color: str = "#FFFFFF"
    size: int = 56
    position: str = "bottom"
    background: str = "outline"
    highlight_color: str = "#FFD400"

    def as_dict(self) -> dict[str, Any]:
        """The style as JSON (what the API stores)."""
        return {
            "font": self.font,
            "color": self.color,
            "size": self.size,
            "position": self.position,
            "background": self.background,
            "highlight_color": self.highlight_color,
        }


@dataclass(frozen=True)
class CaptionOptions:
    """Captions of a render: ``mode`` (``sentence`` or ``word``; ``off`` means no captions and is represented by
    ``None`` options in the render settings), the style, and the ISO 639-2 ``language`` of the soft subtitle
    track."""

    mode: str = "sentence"
    style: CaptionStyle = CaptionStyle()
    language: str = "und"


@dataclass(frozen=True)
class CaptionLayout:
    """Pixel layout of captions on a ``width`` × ``height`` output: the ASS font size, outline / box padding,
    margins (title-safe, padding included) and the line budget in character units."""

    width: int
    height: int
    font_size: int
    border: int
    margin_h: int
    margin_v: int
    max_units: int

    @classmethod
    def for_output(cls, width: int, height: int, style: CaptionStyle) -> CaptionLayout:
        """Layout for an output size: font size = ``style.size × height / 1080``; line budget = what fits the
        title-safe width (at :data:`UNIT_WIDTH` per unit), at most :data:`MAX_LINE_UNITS`, at least 12 (the
        font is shrunk so that 12 units fit)."""
        font = max(8, round(style.size * height / REFERENCE_HEIGHT))
        border = max(1, round(font * (0.14 if style.background == "box" else 0.06)))
        margin_h = math.ceil(width * TITLE_SAFE_MARGIN) + border
        margin_v = math.ceil(height * TITLE_SAFE_MARGIN) + border
        usable = width - 2 * margin_h
        units = int(usable / (UNIT_WIDTH * font))
        if units < 12:
            font = max(8, int(usable / (UNIT_WIDTH * 12)))
            units = 12
        return cls(width, height, font, border, margin_h, margin_v, min(MAX_LINE_UNITS, units))


# ---------------------------------------------------------------------------------------------------------- cues
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
                cost = 50.0  # a single word longer than a line: it gets a cue of its own (libass wraps it)
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
        Cues in order, non-overlapping, each 1–2 lines of ≤ ``max_units`` (a single longer word excepted). A cue
        starts at its first word (the first cue at 0 when speech starts within :data:`CLOSE_GAP_SECONDS`) and ends at
        the next cue's start, or :data:`HOLD_SECONDS` after its last word when the next cue is further away; the last
        cue ends at ``duration`` when its last word is within a second of it. Empty text gives ``[]``.
    """
    if duration <= 0:
        return []
    words = _timed_words(text, duration, timings)
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
        ends.append(min(max(end, starts[k]), duration))
    _fix_minimum(starts, ends, duration, min_seconds)
    return [
        _make_cue(text, words[i:j], max_units, s, e) for (i, j), s, e in zip(bounds, starts, ends, strict=True) if e > s
    ]


# ------------------------------------------------------------------------------------------------------------ ASS
def _ass_colour(hex_rgb: str, alpha: int = 0) -> str:
    """``#RRGGBB`` → ASS ``&HAABBGGRR`` (alpha 0 = opaque, 255 = transparent)."""
    r, g, b = hex_rgb[1:3], hex_rgb[3:5], hex_rgb[5:7]
    return f"&H{alpha:02X}{b}{g}{r}".upper()


def _ass_escape(text: str) -> str:
    """Text safe for an ASS event: no override blocks, no ``\\N``-style escapes, no newlines."""
    text = text.replace("\\", "\\\u2060").replace("{", "\\{").replace("}", "\\}")
    return re.sub(r"[\r\n]+", " ", text)


def ass_header(options: CaptionOptions, width: int, height: int) -> str:
    """The ``[Script Info]`` and ``[V4+ Styles]`` sections for a ``width`` × ``height`` output (``PlayResX/Y`` =
    the output size, so every number is in output pixels). Fonts come from fontconfig (system fonts installed by
    ``scripts/setup.sh``); a font lacking a glyph falls back to one that has it."""
    st = options.style
    lay = CaptionLayout.for_output(width, height, st)
    align = 2 if st.position == "bottom" else 5
    if st.background == "box":
        border_style, outline, shadow = 3, lay.border, 0
        outline_colour = _ass_colour("#000000", 0x60)
    elif st.background == "outline":
        border_style, outline, shadow = 1, lay.border, 0
        outline_colour = _ass_colour("#000000")
    else:
        border_style, outline, shadow = 1, 0, max(1, round(lay.font_size * 0.04))
        outline_colour = _ass_colour("#000000")
    font = st.font.replace(",", " ")
    style = (
        f"Style: Default,{font},{lay.font_size},{_ass_colour(st.color)},{_ass_colour(st.highlight_color)},"
        f"{outline_colour},{_ass_colour('#000000', 0x80)},0,0,0,0,100,100,0,0,{border_style},{outline},{shadow},"
        f"{align},{lay.margin_h},{lay.margin_h},{lay.margin_v},1"
    )
    word = (
        f"Style: Word,{font},{lay.font_size},{_ass_colour(st.highlight_color)},{_ass_colour(st.highlight_color)},"
        f"&H00000000,&H00000000,0,0,0,0,100,100,0,0,1,0,0,{align},{lay.margin_h},{lay.margin_h},{lay.margin_v},1"
    )
    return (
        "[Script Info]\nScriptType: v4.00+\n"
        f"PlayResX: {width}\nPlayResY: {height}\nWrapStyle: 0\nScaledBorderAndShadow: yes\n"
        "YCbCr Matrix: None\n\n"
        "[V4+ Styles]\n"
        "Format: Name, Fontname, Fontsize, PrimaryColour, SecondaryColour, OutlineColour, BackColour, Bold, Italic, "
        "Underline, StrikeOut, ScaleX, ScaleY, Spacing, Angle, BorderStyle, Outline, Shadow, Alignment, MarginL, "
        "MarginR, MarginV, Encoding\n"
        f"{style}\n{word}\n\n"
        "[Events]\nFormat: Layer, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, Text\n"
    )


def _highlighted(cue: Cue, index: int) -> str:
    """The cue's ASS text for the highlight layer: every glyph transparent but word ``index``, so it lands exactly
    on that word of the cue drawn underneath (same text, same layout)."""
    out = []
    for ln, line in enumerate(cue.lines):
        parts, pos = ["{\\1a&HFF&}"], 0
        for k, w in enumerate(cue.words):
            if w.line != ln or k != index:
                continue
            parts += [_ass_escape(line[pos : w.a]), "{\\1a&H00&}", _ass_escape(line[w.a : w.b]), "{\\1a&HFF&}"]
            pos = w.b
        parts.append(_ass_escape(line[pos:]))
        out.append("".join(parts))
    return "\\N".join(out)


def frame_at(t: float, fps: int, frames: int) -> int:
    """First frame shown at or after ``t`` seconds (a frame ``n`` covers ``[n/fps, (n+1)/fps)``)."""
    return min(max(math.ceil(t * fps - 1e-6), 0), frames)


def segment_events(
    cues: Sequence[Cue], options: CaptionOptions, fps: int, frames: int
) -> list[tuple[int, int, int, str]]:
    """The ASS events of one segment as ``(first frame, end frame, layer, ASS text)`` with frames counted from the
    segment's first frame, clipped to its ``frames`` frames and dropped when empty. Layer 0 (style ``Default``):
    one event per cue, its whole text. Word mode adds layer 1 (style ``Word``: highlight colour, no border): one
    event per word, from the word's start to the next word's start (the first from the cue's start, the last to its
    end), showing only that word over the cue. Two layers rather than colour changes inside one event, because
    libass starts a new box at every colour change and translucent boxes would overlap."""
    events: list[tuple[int, int, int, str]] = []
    for cue in cues:
        a, b = frame_at(cue.start, fps, frames), frame_at(cue.end, fps, frames)
        if b <= a:
            continue
        events.append((a, b, 0, "\\N".join(_ass_escape(line) for line in cue.lines)))
        if options.mode != "word":
            continue
        for k in range(len(cue.words)):
            ws = a if k == 0 else max(a, frame_at(cue.words[k].start, fps, frames))
            we = b if k + 1 == len(cue.words) else min(b, frame_at(cue.words[k + 1].start, fps, frames))
            if we > ws:
                events.append((ws, we, 1, _highlighted(cue, k)))
    return events


def _ass_time(frame: int, fps: int) -> str:
    """ASS time (h:mm:ss.cc) half a frame before ``frame``: libass shows an event at time ``t`` when
    ``start ≤ t < end``, and frame ``n`` is rendered at ``n/fps``, so a boundary half a frame early is safe against
    the centisecond rounding for every fps ≤ 100."""
    cs = max(0, round((frame - 0.5) / fps * 100)) if frame > 0 else 0
    h, rest = divmod(cs, 360000)
    m, rest = divmod(rest, 6000)
    s, c = divmod(rest, 100)
    return f"{h}:{m:02d}:{s:02d}.{c:02d}"


def ass_document(header: str, pieces: Sequence[tuple[int, Sequence[tuple[int, int, int, str]]]], fps: int) -> str:
    """A whole ASS script: ``header`` (:func:`ass_header`) and the events of each piece ``(first frame of the
    piece in the stream, its events from :func:`segment_events`)`` moved to stream frames."""
    lines = [header]
    for offset, events in pieces:
        for a, b, layer, text in events:
            start, end, style = _ass_time(offset + a, fps), _ass_time(offset + b, fps), "Word" if layer else "Default"
            lines.append(f"Dialogue: {layer},{start},{end},{style},,0,0,0,,{text}\n")
    return "".join(lines)


# ---------------------------------------------------------------------------------------------------- SRT / VTT
@dataclass(frozen=True)
class TimedText:
    """A cue on the final video's timeline: ``start``/``end`` in seconds, ``text`` (lines joined with ``\\n``)."""

    start: float
    end: float
    text: str


def _clock(t: float, sep: str) -> str:
    ms = max(0, round(t * 1000))
    h, rest = divmod(ms, 3_600_000)
    m, rest = divmod(rest, 60_000)
    s, ms = divmod(rest, 1000)
    return f"{h:02d}:{m:02d}:{s:02d}{sep}{ms:03d}"


def srt_document(cues: Sequence[TimedText]) -> str:
    """SubRip text of ``cues`` (numbered from 1, ``HH:MM:SS,mmm`` times)."""
    blocks = [f"{n}\n{_clock(c.start, ',')} --> {_clock(c.end, ',')}\n{c.text}\n" for n, c in enumerate(cues, 1)]
    return "\n".join(blocks)


def vtt_document(cues: Sequence[TimedText]) -> str:
    """WebVTT text of ``cues`` (``HH:MM:SS.mmm`` times; ``-->`` and ``&<`` in text escaped as the spec asks)."""
    out = ["WEBVTT\n"]
    for c in cues:
        text = c.text.replace("&", "&amp;").replace("<", "&lt;").replace("-->", "--&gt;")
        out.append(f"\n{_clock(c.start, '.')} --> {_clock(c.end, '.')}\n{text}\n")
    return "".join(out)


#: ISO 639-1 → ISO 639-2/T for the languages espeak-ng voices name with two letters (the MP4 language tag is three
#: letters; anything unknown is ``und``).
_ISO639_2 = {
    "af": "afr", "am": "amh", "ar": "ara", "az": "aze", "be": "bel", "bg": "bul", "bn": "ben", "bs": "bos",
    "ca": "cat", "cs": "ces", "cy": "cym", "da": "dan", "de": "deu", "el": "ell", "en": "eng", "eo": "epo",
    "es": "spa", "et": "est", "eu": "eus", "fa": "fas", "fi": "fin", "fr": "fra", "ga": "gle", "gd": "gla",
    "gl": "glg", "gu": "guj", "he": "heb", "hi": "hin", "hr": "hrv", "hu": "hun", "hy": "hye", "id": "ind",
    "is": "isl", "it": "ita", "ja": "jpn", "ka": "kat", "kk": "kaz", "kn": "kan", "ko": "kor", "ky": "kir",
    "la": "lat", "lt": "lit", "lv": "lav", "mk": "mkd", "ml": "mal", "mn": "mon", "mr": "mar", "ms": "msa",
    "mt": "mlt", "my": "mya", "ne": "nep", "nl": "nld", "no": "nor", "nb": "nob", "pa": "pan", "pl": "pol",
    "pt": "por", "ro": "ron", "ru": "rus", "si": "sin", "sk": "slk", "sl": "slv", "sq": "sqi", "sr": "srp",
    "sv": "swe", "sw": "swa", "ta": "tam", "te": "tel", "th": "tha", "tr": "tur", "uk": "ukr", "ur": "urd",
    "uz": "uzb", "vi": "vie", "zh": "zho",
}  # fmt: skip


def language_code(tag: str | None) -> str:
    """ISO 639-2 code for a language tag such as an espeak-ng voice id (``"en-us"`` → ``"eng"``, ``"fr-fr+f3"`` →
    ``"fra"``, ``"cmn"`` → ``"cmn"``); ``"und"`` when unknown or empty."""
    if not tag:
        return "und"
    base = re.split(r"[-_+]", tag.strip().lower(), maxsplit=1)[0]
    if len(base) == 2:
        return _ISO639_2.get(base, "und")
    return base if re.fullmatch(r"[a-z]{3}", base) else "und"
