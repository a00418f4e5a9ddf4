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

The package: :mod:`~core_engine.captions.style` (options, limits, layout), :mod:`~core_engine.captions.cues` (cue
building) and :mod:`~core_engine.captions.formats` (ASS, SRT, WebVTT); the public names are re-exported here.
"""

from core_engine.captions.cues import MIN_CUE_SECONDS, Cue, CueWord, break_score, build_cues, text_units
from core_engine.captions.formats import (
    TimedText,
    ass_document,
    ass_header,
    frame_at,
    language_code,
    segment_events,
    srt_document,
    vtt_document,
)
from core_engine.captions.style import (
    CAPTION_BACKGROUNDS,
    CAPTION_MODES,
    CAPTION_POSITIONS,
    MAX_LINE_UNITS,
    MAX_LINES,
    TITLE_SAFE_MARGIN,
    CaptionLayout,
    CaptionOptions,
    CaptionStyle,
)

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
