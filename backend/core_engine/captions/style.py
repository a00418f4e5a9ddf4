"""Caption options and their pixel layout on an output size: the style a user picks, the broadcast limits, and the
title-safe area (see :mod:`core_engine.captions`)."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

CAPTION_MODES = ("off", "sentence", "word")
CAPTION_POSITIONS = ("bottom", "middle")
CAPTION_BACKGROUNDS = ("none", "box", "outline")

#: Broadcast limits: lines per cue, characters per line (BBC / Netflix: 42 for Latin scripts).
MAX_LINES = 2
MAX_LINE_UNITS = 42
#: Title-safe margin on each side, as a share of the width / height (90 % title-safe area).
TITLE_SAFE_MARGIN = 0.05
#: Width of one narrow character in units of the ASS font size (libass sizes fonts by line height: ~1.36 em for
#: Noto Sans, so 1 em ≈ 0.73 size; an average Latin character is ≈ 0.55 em ≈ 0.40 size; 0.42 leaves a margin).
UNIT_WIDTH = 0.42
#: Reference output height (lines) of ``CaptionStyle.size``: the ASS font size at 1080 lines, scaled with the height.
REFERENCE_HEIGHT = 1080


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
        """The style as JSON (what the API stores): one key per field."""
        return asdict(self)


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
