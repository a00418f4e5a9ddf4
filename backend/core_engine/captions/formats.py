"""Caption files: ASS for libass (burned into the picture, snapped to whole frames) and SRT / WebVTT (the soft
subtitle track and the sidecar downloads)."""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from core_engine.captions.cues import Cue
from core_engine.captions.style import CaptionLayout, CaptionOptions


# ------------------------------------------------------------------------------------------------------------ ASS
def _ass_colour(hex_rgb: str, alpha: int = 0) -> str:
    """``#RRGGBB`` → ASS ``&HAABBGGRR`` (alpha 0 = opaque, 255 = transparent)."""
    r, g, b = hex_rgb[1:3], hex_rgb[3:5], hex_rgb[5:7]
    return f"&H{alpha:02X}{b}{g}{r}".upper()


def _ass_escape(text: str) -> str:
    """Text safe for an ASS event: no override blocks, no ``\\N``-style escapes, no newlines."""
    text = text.replace("\\", "\\\u2060").replace("{", "\\{").replace("}", "\\}")
    return re.sub(r"[\r\n]+", " ", text)


#: The styles' ``Encoding``: -1 makes libass find each line's base direction from its text (Unicode bidi over the
#: whole line, FriBidi) instead of its VSFilter-compatible default, left to right with each run between override
#: tags reordered on its own — which put the word highlight (a run of its own) on another word of right-to-left text.
_ENCODING_AUTO_DIRECTION = -1


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
        f"{align},{lay.margin_h},{lay.margin_h},{lay.margin_v},{_ENCODING_AUTO_DIRECTION}"
    )
    word = (
        f"Style: Word,{font},{lay.font_size},{_ass_colour(st.highlight_color)},{_ass_colour(st.highlight_color)},"
        f"&H00000000,&H00000000,0,0,0,0,100,100,0,0,1,0,0,{align},{lay.margin_h},{lay.margin_h},{lay.margin_v},"
        f"{_ENCODING_AUTO_DIRECTION}"
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


def mixes_directions(text: str) -> bool:
    """True when ``text`` has both left-to-right and right-to-left letters (Unicode bidi classes L and R/AL), e.g. an
    English line quoting Hebrew. libass lays out the runs between override tags one by one in such a line, so a word
    highlight drawn as a run of its own could land on another word: :func:`segment_events` shows these cues whole."""
    classes = {unicodedata.bidirectional(ch) for ch in text}
    return "L" in classes and bool(classes & {"R", "AL"})


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
    libass starts a new box at every colour change and translucent boxes would overlap. A cue that mixes writing
    directions (:func:`mixes_directions`) gets no highlight: it is shown whole, as in sentence mode."""
    events: list[tuple[int, int, int, str]] = []
    for cue in cues:
        a, b = frame_at(cue.start, fps, frames), frame_at(cue.end, fps, frames)
        if b <= a:
            continue
        events.append((a, b, 0, "\\N".join(_ass_escape(line) for line in cue.lines)))
        if options.mode != "word" or mixes_directions(" ".join(cue.lines)):
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
