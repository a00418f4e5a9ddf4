"""Captions in a render: burned into each segment's frames by libass (ffmpeg's ``ass`` filter in the segment encode)
and carried as a soft ``mov_text`` track plus SRT / WebVTT sidecar files beside the output.

Burn-in: the encode of :mod:`core_engine.render.segments` runs every clip to encode (shot bodies and transitions,
:mod:`core_engine.render.shots`) through one ffmpeg stream; :func:`write_stream_ass` writes one ASS script for that
stream, each clip's events (:func:`clip_caption_events`: the events of every segment on the video's timeline, cut to
the clip's frames and counted from its first frame) moved to where the clip sits in the stream. A clip's events are
part of its cache key (:func:`caption_key_fields`), so editing one segment's text re-encodes only the clips that show
that segment's captions (a transition clip shows the end of one segment's captions and the start of the next's).
Cue building and layout live in :mod:`core_engine.captions` (pure).
"""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from core_engine.captions import (
    CaptionLayout,
    Cue,
    TimedText,
    ass_document,
    ass_header,
    build_cues,
    frame_at,
    segment_events,
    srt_document,
    vtt_document,
)
from core_engine.render.plan import PlanSegment, RenderPlan, RenderSettings, SegmentSpan

__all__ = [
    "CAPTIONS_VERSION",
    "SIDECAR_EXTS",
    "CaptionEvent",
    "ass_filter",
    "caption_cues",
    "caption_key_fields",
    "clip_caption_events",
    "final_captions",
    "segment_caption_events",
    "segment_caption_fields",
    "sidecar_paths",
    "video_caption_events",
    "write_sidecars",
    "write_stream_ass",
]

#: One ASS event: ``(first frame, end frame, layer, ASS text)`` (end exclusive; layer 0 the cue, 1 the highlighted
#: word), see :func:`core_engine.captions.segment_events`.
CaptionEvent = tuple[int, int, int, str]

#: Bump when cue building or the ASS output changes the burned-in pixels (re-encodes captioned segments only).
CAPTIONS_VERSION = "2"
#: Sidecar caption files written beside the output video (``final.mp4`` → ``captions.srt`` / ``captions.vtt``).
SIDECAR_EXTS = (".srt", ".vtt")


def caption_cues(segment: PlanSegment, duration: float, settings: RenderSettings) -> list[Cue]:
    """The cues of ``segment`` shown for ``duration`` seconds (its frames / fps) at the output size, or ``[]``
    when captions are off."""
    opts = settings.captions
    if opts is None or not segment.text.strip():
        return []
    layout = CaptionLayout.for_output(settings.width, settings.height, opts.style)
    return build_cues(segment.text, duration, segment.word_timings, layout.max_units)


def segment_caption_events(
    segment: PlanSegment, frame_count: int, settings: RenderSettings
) -> list[tuple[int, int, int, str]]:
    """ASS events ``(first frame, end frame, layer, text)`` of one segment, frames counted from its first frame; ``[]``
    when captions are off or the segment has no text."""
    opts = settings.captions
    if opts is None or frame_count <= 0:
        return []
    cues = caption_cues(segment, frame_count / settings.fps, settings)
    return segment_events(cues, opts, settings.fps, frame_count)


def caption_key_fields(events: Sequence[CaptionEvent], settings: RenderSettings) -> dict[str, Any] | None:
    """What the captions add to a clip's cache key: the ASS header (style and output size) and the clip's events
    (frames from its first frame); ``None`` when captions are off (the key is then the same as before captions
    existed)."""
    opts = settings.captions
    if opts is None:
        return None
    return {
        "version": CAPTIONS_VERSION,
        "header": ass_header(opts, settings.width, settings.height),
        "events": [list(e) for e in events],
    }


def segment_caption_fields(segment: PlanSegment, frame_count: int, settings: RenderSettings) -> dict[str, Any] | None:
    """:func:`caption_key_fields` of a segment shown whole as one clip of ``frame_count`` frames."""
    return caption_key_fields(segment_caption_events(segment, frame_count, settings), settings)


def video_caption_events(plan: RenderPlan, spans: Sequence[SegmentSpan]) -> list[CaptionEvent]:
    """Every segment's ASS events on the video's timeline (frames from the video's first frame), in segment order;
    ``[]`` when captions are off."""
    if plan.settings.captions is None:
        return []
    out: list[CaptionEvent] = []
    for seg, span in zip(plan.segments, spans, strict=True):
        for a, b, layer, text in segment_caption_events(seg, span.frame_count, plan.settings):
            out.append((span.start_frame + a, span.start_frame + b, layer, text))
    return out


def clip_caption_events(events: Sequence[CaptionEvent], start: int, frames: int) -> tuple[CaptionEvent, ...]:
    """The part of ``events`` (video frames, :func:`video_caption_events`) inside the clip of ``frames`` frames
    from video frame ``start``, cut to it and counted from its first frame."""
    end = start + frames
    return tuple(
        (max(a, start) - start, min(b, end) - start, layer, text)
        for a, b, layer, text in events
        if a < end and b > start
    )


def write_stream_ass(
    path: Path, pieces: Sequence[tuple[int, Sequence[CaptionEvent]]], settings: RenderSettings
) -> bool:
    """Write the ASS script of one encode stream to ``path``: ``pieces`` are ``(first stream frame, events)`` of
    each clip in stream order (events from :func:`clip_caption_events`). Returns False (and writes nothing) when
    captions are off or no piece has an event."""
    opts = settings.captions
    if opts is None or not any(ev for _, ev in pieces):
        return False
    path.write_text(ass_document(ass_header(opts, settings.width, settings.height), pieces, settings.fps), "utf-8")
    return True


def _escape_filter_value(value: str) -> str:
    """``value`` escaped for an ffmpeg filter option and then for the filter graph (ffmpeg-filters §4.1, quoting
    and escaping): ``\\ ' :`` at the option level, ``\\ ' [ ] , ;`` at the graph level."""
    for ch in ("\\", "'", ":"):
        value = value.replace(ch, "\\" + ch)
    for ch in ("\\", "'", "[", "]", ",", ";"):
        value = value.replace(ch, "\\" + ch)
    return value


def ass_filter(path: Path) -> str:
    """The ``ass`` filter drawing the script at ``path`` (fonts from fontconfig: the system fonts installed by
    ``scripts/setup.sh``; no font is fetched)."""
    return f"ass=filename={_escape_filter_value(str(path))}"


def final_captions(plan: RenderPlan, spans: Sequence[SegmentSpan]) -> list[TimedText]:
    """Every cue on the final video's timeline (seconds from its start, snapped to the frames the picture shows
    them on), for the soft subtitle track and the sidecar files; ``[]`` when captions are off."""
    settings = plan.settings
    if settings.captions is None:
        return []
    fps = settings.fps
    out: list[TimedText] = []
    for seg, span in zip(plan.segments, spans, strict=True):
        if span.frame_count <= 0:
            continue
        for cue in caption_cues(seg, span.frame_count / fps, settings):
            a, b = frame_at(cue.start, fps, span.frame_count), frame_at(cue.end, fps, span.frame_count)
            if b > a:
                out.append(TimedText((span.start_frame + a) / fps, (span.start_frame + b) / fps, cue.text))
    return out


def sidecar_paths(output_path: Path) -> list[Path]:
    """The caption files that go with the video at ``output_path`` (``captions.srt``, ``captions.vtt`` in its
    folder)."""
    return [output_path.parent / f"captions{ext}" for ext in SIDECAR_EXTS]


def write_sidecars(output_path: Path, cues: Sequence[TimedText]) -> None:
    """Write (atomically) or, without cues, remove the SRT and WebVTT files beside ``output_path``, so they always
    describe the video that is there.

    Raises:
        OSError: the folder cannot be written.
    """
    for path in sidecar_paths(output_path):
        if not cues:
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
            continue
        text = srt_document(cues) if path.suffix == ".srt" else vtt_document(cues)
        tmp = path.parent / f".{path.name}.{os.getpid()}-{uuid.uuid4().hex[:8]}.part"
        tmp.write_text(text, "utf-8")
        os.replace(tmp, path)
