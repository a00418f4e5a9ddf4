"""The render plan and its public types, and the timeline every other step is cut along (DESIGN §6).

Timeline: with ``T_i`` the sum of the durations before segment ``i`` (seconds, accumulated in order), segment ``i``
covers video frames ``[round(T_i·fps), round(T_{i+1}·fps))`` and audio samples ``[round(T_i·rate),
round(T_{i+1}·rate))``. Rounding the *cumulative* times (never per segment) keeps every picture change within half a
frame of its narration boundary, however many segments there are, and makes the total length ``round(T·fps)``
frames.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from core_engine.render.mix import MixSettings
    from core_engine.render.shots import ShotSettings

from core_engine.camera import CameraSettings
from core_engine.captions import CaptionOptions

__all__ = [
    "AUDIO_CHANNELS",
    "EncoderSettings",
    "PlanSegment",
    "RenderError",
    "RenderPlan",
    "RenderResult",
    "RenderSettings",
    "SegmentSpan",
    "plan_timeline",
    "validate_plan",
]

#: Channels of the narration track (mono narration is duplicated to both channels).
AUDIO_CHANNELS = 2


@dataclass(frozen=True)
class EncoderSettings:
    """Encoder parameters. The defaults are production: H.264 (libx264) at 8000 kb/s, preset ``superfast`` with
    ``tune psnr`` and ``-x264-params trellis=1:aq-mode=2:aq-strength=0.5:b-adapt=0``, yuv420p; AAC at 192 kb/s,
    48000 Hz.

    Chosen by measurement on the benchmark's 6-segment corpus story (15 s, 1920x1080, 30 fps, 8000k; VMAF and PSNR-Y
    against a lossless encode of the same frames, CPU seconds of the encode alone; ``bench/render_bench.py``
    re-measures the chosen one against the ``medium`` floor on every run). ``medium`` (the floor): VMAF 98.79,
    ~45 CPU s. ``veryfast`` + ``tune psnr``: 97.21, 15 CPU s: its macroblock-tree rate control undershoots the
    bitrate by 10 % on slow camera moves. ``superfast`` + ``tune psnr`` (no macroblock tree): 97.36, 9 CPU s, full
    bitrate. On top of that, per option: ``subme`` 3 +0.48 VMAF for +7 CPU s (sub-pixel refinement, costly);
    ``trellis=1`` +0.39 for +3 s; ``aq-mode=2:aq-strength=0.5`` (auto-variance adaptive quantisation, half
    strength: a few more bits to flat sky and walls) another +0.35 for ~+1 s; ``b-adapt=0`` (always 3 B-frames: a
    slow camera move never needs the adaptive decision) −1.5 CPU s for −0.03. Together: VMAF 98.07 at ~11.5 CPU s,
    a quarter of ``medium``'s CPU for 0.7 VMAF. ``tune psnr`` turns psycho-visual optimisations off (no bits spent
    on texture "grain" a slow camera move does not need). ``x264_params`` is passed as ``-x264-params`` when not
    empty. Rate control is ``bitrate`` (average, ``-b:v``) or, when ``crf`` is set, constant quality (``-crf``;
    ``bitrate`` is then ignored); ``maxrate``/``bufsize`` optionally cap the rate (VBV). Named presets:
    :mod:`core_engine.presets`.
    """

    codec: str = "libx264"
    bitrate: str = "8000k"
    preset: str = "superfast"
    tune: str = "psnr"
    x264_params: str = "trellis=1:aq-mode=2:aq-strength=0.5:b-adapt=0"
    pixel_format: str = "yuv420p"
    audio_codec: str = "aac"
    audio_bitrate: str = "192k"
    audio_sample_rate: int = 48000
    crf: int | None = None
    maxrate: str | None = None
    bufsize: str | None = None

    def video_fields(self) -> dict[str, Any]:
        """The fields that decide the encoded video stream (part of every segment's cache key)."""
        return {
            "codec": self.codec,
            "bitrate": self.bitrate,
            "preset": self.preset,
            "tune": self.tune,
            "x264_params": self.x264_params,
            "pixel_format": self.pixel_format,
            "crf": self.crf,
            "maxrate": self.maxrate,
            "bufsize": self.bufsize,
        }

    def rate_args(self) -> list[str]:
        """ffmpeg rate-control options: ``-crf N`` or ``-b:v RATE``, plus ``-maxrate``/``-bufsize`` when set."""
        args = ["-crf", str(self.crf)] if self.crf is not None else ["-b:v", self.bitrate]
        if self.maxrate:
            args += ["-maxrate", self.maxrate, "-bufsize", self.bufsize or self.maxrate]
        return args

    def video_args(self) -> list[str]:
        """ffmpeg output options selecting the video encoder: codec, preset, tune, x264 parameters, rate control."""
        args = ["-c:v", self.codec, "-preset", self.preset]
        if self.tune:
            args += ["-tune", self.tune]
        if self.x264_params:
            args += ["-x264-params", self.x264_params]
        return [*args, *self.rate_args()]


@dataclass(frozen=True)
class RenderSettings:
    """Output format: ``width`` × ``height`` pixels (both even, for yuv420p), ``fps`` frames per second,
    ``zoom_intensity`` the tightest Ken Burns zoom (≥ 1.0; default 1.3), the encoder parameters, ``captions``
    (``None`` = no captions; see :mod:`core_engine.captions`) and ``draft``: a quick preview
    (:func:`core_engine.presets.preview_settings`), made with cheaper fixed costs — JPEGs decoded at a reduced DCT
    scale, a bilinear prescale, the audio finished in one pass and built while the frames are encoded (see
    :mod:`core_engine.render.pipeline`); the same timing and camera paths as the full render."""

    width: int
    height: int
    fps: int
    zoom_intensity: float = 1.3
    encoder: EncoderSettings = EncoderSettings()
    captions: CaptionOptions | None = None
    draft: bool = False


@dataclass(frozen=True)
class PlanSegment:
    """One segment of a plan: an id (decides the camera motion), an image file, a narration file and the
    narration's ``duration`` in seconds (measured from the audio file; the picture is shown exactly that long);
    up to two ``extra_images`` shown after the first (shared time: :mod:`core_engine.render.shots`); for captions,
    its ``text`` and ``word_timings`` (``[{"word", "start", "end"}]``, seconds from the segment start, or
    ``None``); and its first image's ``camera`` (:class:`core_engine.camera.CameraSettings`; default ``auto``; the
    extra images use ``auto``)."""

    segment_id: str
    image_path: Path
    audio_path: Path
    duration: float
    extra_images: tuple[Path, ...] = ()
    text: str = ""
    word_timings: tuple[Mapping[str, Any], ...] | None = None
    camera: CameraSettings = CameraSettings()  # noqa: RUF009  (frozen, immutable: one shared default is safe)


@dataclass(frozen=True)
class RenderPlan:
    """Ordered segments, the output format, the picture options (transition, shot lengths; ``None``: cuts and the
    default limits — see :class:`core_engine.render.shots.ShotSettings`) and how the audio is finished (background
    music, loudness target; ``None``: no music, default target — see :class:`core_engine.render.mix.MixSettings`)."""

    segments: tuple[PlanSegment, ...]
    settings: RenderSettings
    shots: ShotSettings | None = None
    mix: MixSettings | None = None


@dataclass(frozen=True)
class RenderResult:
    """What a render produced: the output file, its ``duration`` in seconds (``frame_count / fps``), its number of
    frames, how many segments were encoded vs taken from the cache (a segment counts as encoded when any of its
    clips was), and the same counts in clips (shot bodies and transitions: :mod:`core_engine.render.shots`)."""

    output_path: Path
    duration: float
    frame_count: int
    rendered_segments: int
    reused_segments: int
    rendered_clips: int = 0
    reused_clips: int = 0


class RenderError(Exception):
    """A render that cannot be done; ``str(err)`` is a message a user understands, naming the segment (1-based)
    when one is at fault, e.g. ``"Segment 3: the image photo.jpg could not be read (...)"``."""


@dataclass(frozen=True)
class SegmentSpan:
    """Where one segment sits on the timeline: frames ``[start_frame, end_frame)`` and audio samples
    ``[start_sample, end_sample)`` (at the encoder's audio sample rate)."""

    index: int
    start_frame: int
    end_frame: int
    start_sample: int
    end_sample: int

    @property
    def frame_count(self) -> int:
        """Frames of the segment (may be 0 for a segment shorter than half a frame)."""
        return self.end_frame - self.start_frame

    @property
    def sample_count(self) -> int:
        """Audio samples (per channel) of the segment."""
        return self.end_sample - self.start_sample


def _round_half_up(x: float) -> int:
    return math.floor(x + 0.5)


def plan_timeline(plan: RenderPlan) -> list[SegmentSpan]:
    """Frame and sample spans of every segment, from cumulative narration time (see the module docstring).

    A segment shorter than half a frame may get zero frames; its narration still plays.

    Raises:
        RenderError: a duration is not a positive finite number.
    """
    fps = plan.settings.fps
    rate = plan.settings.encoder.audio_sample_rate
    spans: list[SegmentSpan] = []
    t = 0.0
    for i, seg in enumerate(plan.segments):
        d = seg.duration
        if not isinstance(d, (int, float)) or not math.isfinite(d) or d <= 0:
            raise RenderError(f"Segment {i + 1}: the narration has no usable length ({d!r} seconds).")
        t_next = t + float(d)
        spans.append(
            SegmentSpan(
                i,
                _round_half_up(t * fps),
                _round_half_up(t_next * fps),
                _round_half_up(t * rate),
                _round_half_up(t_next * rate),
            )
        )
        t = t_next
    return spans


def validate_plan(plan: RenderPlan) -> list[SegmentSpan]:
    """Check the plan before any work and return its timeline (:func:`plan_timeline`).

    Raises:
        RenderError: no segments; a resolution that is not positive and even; a frame rate that is not a positive
            whole number; a zoom intensity below 1.0; a missing image (first or extra) or narration file (naming
            "Segment N", 1-based); an unusable duration; unusable picture options (transition, shot lengths); a
            timeline with no frame at all.
    """
    s = plan.settings
    if not plan.segments:
        raise RenderError("There is nothing to render: the project has no segments.")
    if s.width <= 0 or s.height <= 0 or s.width % 2 or s.height % 2:
        raise RenderError(
            f"The resolution {s.width}×{s.height} cannot be encoded: width and height must be positive even numbers."
        )
    if not (isinstance(s.fps, int) and s.fps > 0):
        raise RenderError(f"The frame rate {s.fps!r} is not a positive whole number.")
    if not (math.isfinite(s.zoom_intensity) and s.zoom_intensity >= 1.0):
        raise RenderError(f"The zoom intensity {s.zoom_intensity!r} must be at least 1.0.")
    for i, seg in enumerate(plan.segments):
        if not Path(seg.image_path).is_file():
            raise RenderError(f"Segment {i + 1}: the image file {Path(seg.image_path).name} is missing.")
        for extra in seg.extra_images:
            if not Path(extra).is_file():
                raise RenderError(f"Segment {i + 1}: the image file {Path(extra).name} is missing.")
        if not Path(seg.audio_path).is_file():
            raise RenderError(f"Segment {i + 1}: the narration audio file {Path(seg.audio_path).name} is missing.")
    if plan.shots is not None:
        from core_engine.render.shots import validate_shot_settings

        validate_shot_settings(plan.shots)
    spans = plan_timeline(plan)
    if spans[-1].end_frame <= 0:
        raise RenderError("The narration is too short to show even one frame of video.")
    return spans
