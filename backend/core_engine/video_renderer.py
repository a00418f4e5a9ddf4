"""Render plan → MP4: Ken Burns frames, per-segment encoding with a cache, join without re-encoding, audio mux.

Pipeline of :func:`render_plan` (DESIGN §6):

1. **Timeline.** With ``T_i`` the sum of the durations before segment ``i`` (seconds, accumulated in order),
   segment ``i`` covers video frames ``[round(T_i·fps), round(T_{i+1}·fps))`` and audio samples
   ``[round(T_i·rate), round(T_{i+1}·rate))``. Rounding the *cumulative* times (never per segment) keeps every
   picture change within half a frame of its narration boundary, however many segments there are, and makes the
   total length ``round(T·fps)`` frames.
2. **Narration track**, built once: each segment's audio is decoded to float PCM at 48 kHz stereo
   (:func:`core_engine.audio_utils.decode_audio`), trimmed or padded with silence to exactly its sample span and
   streamed, in order, into one AAC encode. Cached, keyed by the audio files' bytes and the sample spans.
3. **Segments.** Each segment's frames are made by :mod:`core_engine.ken_burns` in a producer thread (Pillow
   releases the GIL while decoding and resampling) directly as BT.709 limited-range yuv420p planes, and piped raw
   into that segment's own ``libx264`` encode. Each encoded segment is a cache entry keyed by everything that
   decides its pixels (:func:`segment_cache_key`), so a re-render only encodes segments whose picture changed.
   One encoder runs at a time (x264 at 1080p holds about half a gigabyte); while it drains, the producer already
   prepares the next segment's image.
4. **Join + mux.** The cached segments are joined with ffmpeg's concat demuxer and the narration track added, both
   stream-copied (no re-encoding), into a temporary file beside the output; MoviePy's ``ffmpeg_parse_infos`` checks
   it (streams, size, fps, duration) before it replaces ``final.mp4`` with :func:`os.replace`.

Colour: the engine converts each segment's working image once to Y'CbCr with the BT.709 matrix, limited ("tv")
range, 4:2:0 chroma (:data:`core_engine.ken_burns.BT709_LIMITED_MATRIX`), resamples the three planes per frame, and
tags the stream BT.709 (matrix, primaries, transfer) and tv range, so players decode the same RGB back.

MoviePy and ffmpeg: MoviePy (2.2.1) is used where it fits — probing the finished file
(``moviepy.video.io.ffmpeg_reader.ffmpeg_parse_infos``; there is no ffprobe). Its ``FFMPEG_VideoWriter`` is not
used for the segment encodes because it cannot express what they need: it hard-codes ``-pix_fmt rgb24`` (or
``rgba``) for its input and ignores its ``pixel_format`` argument, so frames could not be handed over as yuv420p;
it appends ``-pix_fmt yuva420p`` for libx264, which libx264 cannot encode; and its ``close()`` ignores ffmpeg's exit
status, so a failed encode would look like a success. Sending yuv420p instead of RGB halves the bytes per frame
and the per-frame resampling work and removes ffmpeg's RGB→YUV conversion; at 1080p this is the difference
between meeting and missing the speed target (see the render benchmark). The segment encodes, the narration
encode (raw PCM in), the concat join and the mux therefore run the ``ffmpeg`` binary directly
(:func:`core_engine.render_utils.require_ffmpeg`, the same binary MoviePy uses).
"""

from __future__ import annotations

import inspect
import logging
import math
import os
import queue
import re
import subprocess
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from moviepy.video.io.ffmpeg_reader import ffmpeg_parse_infos
from PIL import Image

from core_engine.audio_utils import AudioError, decode_audio, probe_audio
from core_engine.ken_burns import Plane, iter_yuv_frames, motion_for, plan_camera, prepare_yuv_planes
from core_engine.render_utils import (
    FFmpegNotFoundError,
    ImageError,
    ffmpeg_version,
    load_image_rgb,
    project_output_dir,
    require_ffmpeg,
)
from core_engine.segment_cache import SegmentCache, file_sha256, make_key, prune_cache

logger = logging.getLogger(__name__)

__all__ = [
    "ENGINE_VERSION",
    "EncoderSettings",
    "PlanSegment",
    "ProgressCallback",
    "RenderError",
    "RenderPlan",
    "RenderResult",
    "RenderSettings",
    "SegmentSpan",
    "audio_track_key",
    "cache_keys",
    "plan_timeline",
    "prune_cache",
    "render_plan",
    "render_project",
    "segment_cache_key",
]

#: Bump whenever a change to this engine (camera path, resampling, filters, encoder flags) changes the pixels or
#: bytes it produces: every cached segment is then re-encoded.
ENGINE_VERSION = "2"  # 2: OpenCV frame resampling; superfast/tune psnr/mbtree encoder

#: Frames waiting between the producer thread and the encoder (bounds memory: 2 × W × H × 1.5 bytes). ffmpeg and
#: x264 buffer dozens more themselves, so a short queue costs no speed.
FRAME_QUEUE_SIZE = 2

#: Minimum seconds between two progress reports while frames flow (reports are also made at every phase change).
PROGRESS_INTERVAL = 0.25

#: How often (seconds) the encoder reports how many frames it has encoded (ffmpeg ``-stats_period``).
ENCODER_STATS_PERIOD = 0.25

#: Channels of the narration track (mono narration is duplicated to both channels).
AUDIO_CHANNELS = 2

_VIDEO_EXT = ".mp4"
_AUDIO_EXT = ".m4a"


# --------------------------------------------------------------------------------------------------- public types
@dataclass(frozen=True)
class EncoderSettings:
    """Encoder parameters. The defaults are production: H.264 (libx264) at 8000 kb/s, preset ``superfast`` with
    ``tune psnr`` and x264's macroblock tree back on (``mbtree=1:rc-lookahead=10``), yuv420p; AAC at 192 kb/s,
    48000 Hz.

    Chosen by measurement (VMAF and PSNR against a lossless encode of the same frames; CPU seconds of the encode):
    on a 4 s Ken Burns zoom over the corpus macaque photo (fine fur, a worst case) at 1080p30 and 8000k,
    ``medium`` scored VMAF 98.33 for 18.5 CPU s; ``veryfast`` 97.38 (7.1 s); ``veryfast`` + ``tune psnr`` 97.98
    (5.5 s); ``superfast`` 96.69 (3.6 s); ``superfast`` + ``tune psnr`` 97.51 (4.0 s); ``superfast`` + ``tune
    psnr`` + ``mbtree=1:rc-lookahead=10`` 97.67 (3.9 s) — a fifth of ``medium``'s CPU for 0.7 VMAF. ``tune psnr``
    (adaptive quantisation and psycho-visual optimisations off) spends no bits on texture "grain" that a slow
    camera move does not need; the macroblock tree (which ``superfast`` turns off) gives the static picture's
    detail to the reference frames. The benchmark (``bench/render_bench.py``) re-measures this on the corpus story
    against the ``medium`` floor. ``x264_params`` is passed as ``-x264-params`` when not empty.
    """

    codec: str = "libx264"
    bitrate: str = "8000k"
    preset: str = "superfast"
    tune: str = "psnr"
    x264_params: str = "mbtree=1:rc-lookahead=10"
    pixel_format: str = "yuv420p"
    audio_codec: str = "aac"
    audio_bitrate: str = "192k"
    audio_sample_rate: int = 48000

    def video_fields(self) -> dict[str, Any]:
        """The fields that decide the encoded video stream (part of every segment's cache key)."""
        return {
            "codec": self.codec,
            "bitrate": self.bitrate,
            "preset": self.preset,
            "tune": self.tune,
            "x264_params": self.x264_params,
            "pixel_format": self.pixel_format,
        }

    def video_args(self) -> list[str]:
        """ffmpeg output options selecting the video encoder: codec, preset, tune, x264 parameters, bitrate."""
        args = ["-c:v", self.codec, "-preset", self.preset]
        if self.tune:
            args += ["-tune", self.tune]
        if self.x264_params:
            args += ["-x264-params", self.x264_params]
        return [*args, "-b:v", self.bitrate]


@dataclass(frozen=True)
class RenderSettings:
    """Output format: ``width`` × ``height`` pixels (both even, for yuv420p), ``fps`` frames per second,
    ``zoom_intensity`` the tightest Ken Burns zoom (≥ 1.0; default 1.3), and the encoder parameters."""

    width: int
    height: int
    fps: int
    zoom_intensity: float = 1.3
    encoder: EncoderSettings = EncoderSettings()


@dataclass(frozen=True)
class PlanSegment:
    """One segment of a plan: an id (decides the camera motion), an image file, a narration file and the
    narration's ``duration`` in seconds (measured from the audio file; the picture is shown exactly that long)."""

    segment_id: str
    image_path: Path
    audio_path: Path
    duration: float


@dataclass(frozen=True)
class RenderPlan:
    """Ordered segments and the output format."""

    segments: tuple[PlanSegment, ...]
    settings: RenderSettings


@dataclass(frozen=True)
class RenderResult:
    """What :func:`render_plan` produced: the output file, its ``duration`` in seconds (``frame_count / fps``), its
    number of frames, and how many segments were encoded vs taken from the cache."""

    output_path: Path
    duration: float
    frame_count: int
    rendered_segments: int
    reused_segments: int


class RenderError(Exception):
    """A render that cannot be done; ``str(err)`` is a message a user understands, naming the segment (1-based)
    when one is at fault, e.g. ``"Segment 3: the image photo.jpg could not be read (...)"``."""


#: ``on_progress(current_segment, total_segments, phase, percentage)``.
#:
#: * ``current_segment`` — segments fully done, 0…total: taken from the cache (they count as done from the start),
#:   or encoded (the encoder has output all their frames, as it reports itself — not merely frames handed over).
#: * ``phase`` — what is happening, in words: "Preparing narration track (2 of 12)", "Reusing 11 unchanged
#:   segments", "Applying Ken Burns effect to segment 3 of 12", "Encoding segment 3 of 12 (40%)", "Finishing the
#:   video encoding", "Joining segments and muxing audio and video", …
#: * ``percentage`` — overall progress, float 0–100, never decreasing, between ``current / total * 100`` and
#:   ``(current + 1) / total * 100`` (equal to the first at every segment boundary).
#:
#: Called at every phase change and at least every :data:`PROGRESS_INTERVAL` s while frames are being encoded.
#: Callbacks taking only three positional parameters are called without ``percentage``.
ProgressCallback = Callable[..., None]


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
        return self.end_frame - self.start_frame

    @property
    def sample_count(self) -> int:
        return self.end_sample - self.start_sample


# ------------------------------------------------------------------------------------------------------ timeline
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


# ---------------------------------------------------------------------------------------------------- cache keys
def segment_cache_key(
    segment: PlanSegment, frame_count: int, settings: RenderSettings, image_sha256: str | None = None
) -> str:
    """Cache key (SHA-256 hex) of one encoded segment.

    It covers everything that decides the segment's pixels and bytes: the image file's content hash, the frame
    count, the output size and fps, the zoom intensity, the camera motion derived from the segment id, the video
    encoder settings, :data:`ENGINE_VERSION` and the ffmpeg version. It does not cover the narration (beyond the
    frame count), the file's name or location, or anything else about the project.

    Raises:
        OSError: the image cannot be read for hashing (when ``image_sha256`` is not given).
    """
    if image_sha256 is None:
        image_sha256 = file_sha256(segment.image_path)
    return make_key(
        {
            "kind": "segment",
            "engine": ENGINE_VERSION,
            "ffmpeg": ffmpeg_version() or "",
            "image": image_sha256,
            "frames": int(frame_count),
            "width": int(settings.width),
            "height": int(settings.height),
            "fps": int(settings.fps),
            "zoom": float(settings.zoom_intensity),
            "motion": asdict(motion_for(segment.segment_id)),
            "encoder": settings.encoder.video_fields(),
        }
    )


def audio_track_key(spans: list[SegmentSpan], audio_sha256: list[str], encoder: EncoderSettings) -> str:
    """Cache key (SHA-256 hex) of the narration track: each audio file's content hash with its sample span, the
    audio encoder settings, :data:`ENGINE_VERSION` and the ffmpeg version."""
    return make_key(
        {
            "kind": "narration",
            "engine": ENGINE_VERSION,
            "ffmpeg": ffmpeg_version() or "",
            "channels": AUDIO_CHANNELS,
            "codec": encoder.audio_codec,
            "bitrate": encoder.audio_bitrate,
            "rate": encoder.audio_sample_rate,
            "segments": [[h, s.start_sample, s.sample_count] for h, s in zip(audio_sha256, spans)],
        }
    )


@dataclass
class _Keys:
    spans: list[SegmentSpan]
    segment_keys: list[str | None]  # None for a segment with no frames
    audio_key: str
    final_key: str


def _compute_keys(plan: RenderPlan, spans: list[SegmentSpan]) -> _Keys:
    image_hashes: list[str] = []
    audio_hashes: list[str] = []
    for i, seg in enumerate(plan.segments):
        image_hashes.append(_hash_input(i, seg.image_path, "image"))
        audio_hashes.append(_hash_input(i, seg.audio_path, "narration audio"))
    segment_keys = [
        segment_cache_key(seg, span.frame_count, plan.settings, h) if span.frame_count > 0 else None
        for seg, span, h in zip(plan.segments, spans, image_hashes)
    ]
    audio_key = audio_track_key(spans, audio_hashes, plan.settings.encoder)
    final_key = make_key(
        {
            "kind": "final",
            "engine": ENGINE_VERSION,
            "video": [[k, s.frame_count] for k, s in zip(segment_keys, spans)],
            "audio": audio_key,
        }
    )
    return _Keys(spans, segment_keys, audio_key, final_key)


def cache_keys(plan: RenderPlan) -> set[str]:
    """Keys of every cache entry the plan uses (its segments with at least one frame, and its narration track):
    what :func:`prune_cache` should keep after rendering this plan.

    Raises:
        RenderError: an input file is missing or a duration unusable.
    """
    keys = _compute_keys(plan, plan_timeline(plan))
    return {k for k in keys.segment_keys if k is not None} | {keys.audio_key}


def _hash_input(index: int, path: Path, what: str) -> str:
    try:
        return file_sha256(path)
    except FileNotFoundError:
        raise RenderError(f"Segment {index + 1}: the {what} file {Path(path).name} is missing.") from None
    except OSError as exc:
        raise RenderError(f"Segment {index + 1}: the {what} file {Path(path).name} cannot be read ({exc}).") from None


# ------------------------------------------------------------------------------------------------------ progress
def _accepts_percentage(callback: Callable[..., Any]) -> bool:
    try:
        params = list(inspect.signature(callback).parameters.values())
    except (TypeError, ValueError):
        return False
    if any(p.kind is inspect.Parameter.VAR_POSITIONAL for p in params):
        return True
    kinds = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    positional = [p for p in params if p.kind in kinds]
    return len(positional) >= 4


class _Progress:
    """Reports progress; keeps the percentage monotone and consistent with ``current / total`` at boundaries."""

    def __init__(
        self, total: int, on_progress: ProgressCallback | None, fraction: Callable[[float], None] | None
    ) -> None:
        self.total = max(1, total)
        self.on_progress = on_progress
        self.fraction = fraction
        self.with_pct = on_progress is not None and _accepts_percentage(on_progress)
        self.pct = 0.0
        self.last = 0.0

    def report(self, current: int, phase: str, partial: float = 0.0) -> None:
        """``current`` segments done, ``partial`` (0–1) of the next one."""
        pct = min(100.0, max(self.pct, (current + min(max(partial, 0.0), 1.0)) / self.total * 100.0))
        self.pct = pct
        self.last = time.monotonic()
        logger.debug("progress %d/%d %.1f%% %s", current, self.total, pct, phase)
        if self.on_progress is not None:
            if self.with_pct:
                self.on_progress(current, self.total, phase, pct)
            else:
                self.on_progress(current, self.total, phase)
        if self.fraction is not None:
            self.fraction(pct / 100.0)

    def due(self) -> bool:
        return time.monotonic() - self.last >= PROGRESS_INTERVAL


# ------------------------------------------------------------------------------------------------ ffmpeg helpers
def _ffmpeg() -> str:
    try:
        return require_ffmpeg()
    except FFmpegNotFoundError as exc:
        raise RenderError(f"Video cannot be rendered: {exc}.") from None


def _strip_folders(text: str) -> str:
    """``text`` with absolute file paths shortened to their file names (messages for users name files, not the
    server's folders)."""
    return re.sub(r"/(?:[^/\s'\"]+/)+([^/\s'\"]+)", r"\1", text)


def _tail(text: bytes | str, lines: int = 3) -> str:
    """The last ``lines`` lines of an ffmpeg message, joined, with folders stripped from file paths."""
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    text = _strip_folders(text)
    kept = [ln.strip() for ln in text.strip().splitlines() if ln.strip()]
    return " | ".join(kept[-lines:]) or "no details"


def _encoder_command(settings: RenderSettings, output: Path, key_frames: list[int]) -> list[str]:
    """ffmpeg command encoding raw yuv420p frames from stdin into one video-only MP4, with an IDR frame forced at
    every index in ``key_frames`` (stream frame numbers; 0 is always a key frame).

    The frames are already BT.709 limited-range Y'CbCr (made by :mod:`core_engine.ken_burns`), so no conversion
    happens in ffmpeg; ``setparams`` and the output options only tag the stream as BT.709 / tv range.
    ``-progress pipe:1`` reports the number of frames encoded so far on stdout.
    """
    enc = settings.encoder
    fps = settings.fps
    vf = "setparams=colorspace=bt709:color_primaries=bt709:color_trc=bt709:range=tv"
    if enc.pixel_format != "yuv420p":
        vf += f",format={enc.pixel_format}"
    # A forced key frame lands on the first frame whose time is ≥ the given time: aim a quarter frame early.
    times = ",".join(["0"] + [f"{(k - 0.25) / fps:.6f}" for k in key_frames if k > 0])
    return [
        _ffmpeg(), "-nostdin", "-hide_banner", "-loglevel", "error", "-nostats", "-y",
        "-progress", "pipe:1", "-stats_period", f"{ENCODER_STATS_PERIOD:g}",
        "-f", "rawvideo", "-pix_fmt", "yuv420p", "-s", f"{settings.width}x{settings.height}",
        "-r", str(fps), "-i", "pipe:0",
        "-an", "-vf", vf,
        *enc.video_args(), "-pix_fmt", enc.pixel_format,
        "-colorspace", "bt709", "-color_primaries", "bt709", "-color_trc", "bt709", "-color_range", "tv",
        "-force_key_frames", times, "-forced-idr", "1",
        "-f", "mp4", str(output),
    ]  # fmt: skip


class _StreamEncoder:
    """One ffmpeg process encoding raw frames written to its stdin.

    stderr goes to a temporary file (a chatty ffmpeg can never block on a full pipe); a reader thread follows
    ``-progress`` on stdout and keeps :attr:`frames_encoded` up to date.
    """

    def __init__(self, cmd: list[str]) -> None:
        self.frames_encoded = 0
        self.errfile = tempfile.TemporaryFile()
        try:
            self.proc: subprocess.Popen | None = subprocess.Popen(
                cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.errfile
            )
        except BaseException:
            self.errfile.close()
            raise
        self._reader = threading.Thread(target=self._follow, args=(self.proc.stdout,), daemon=True)
        self._reader.start()

    def _follow(self, stream: Any) -> None:
        for line in stream:
            if line.startswith(b"frame="):
                try:
                    self.frames_encoded = int(line[6:].strip())
                except ValueError:
                    pass
        stream.close()

    def write(self, planes: tuple[Plane, ...]) -> None:
        assert self.proc is not None and self.proc.stdin is not None
        for data in planes:
            self.proc.stdin.write(data)

    def finish(self, tick: Callable[[], None]) -> tuple[int, str]:
        """Close the input and wait for the encoder to drain, calling ``tick()`` about every
        :data:`PROGRESS_INTERVAL` seconds meanwhile; returns (exit status, tail of its messages)."""
        assert self.proc is not None
        try:
            self.proc.stdin.close()  # type: ignore[union-attr]
        except BrokenPipeError:
            pass
        while True:
            try:
                rc = self.proc.wait(timeout=max(PROGRESS_INTERVAL, 0.02))
                break
            except subprocess.TimeoutExpired:
                tick()
        self._reader.join(timeout=5)
        self.proc = None
        return rc, self.error_message()

    def kill(self) -> None:
        if self.proc is not None:
            if self.proc.poll() is None:
                self.proc.kill()
            try:
                if self.proc.stdin is not None:
                    self.proc.stdin.close()
            except OSError:
                pass
            self.proc.wait()
            self._reader.join(timeout=5)
            self.proc = None
        if not self.errfile.closed:
            self.errfile.close()

    def error_message(self) -> str:
        """Tail of ffmpeg's messages (waits briefly for a dying process to say why)."""
        if self.proc is not None:
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                pass
        if self.errfile.closed:
            return "no details"
        self.errfile.seek(0)
        text = _tail(self.errfile.read())
        self.errfile.close()
        return text


@dataclass
class _Job:
    """One segment to encode: ``frames`` frames starting at frame ``stream_start`` of this run's encoded stream."""

    index: int
    segment: PlanSegment
    frames: int
    key: str
    stream_start: int = 0
    meta: dict[str, Any] = field(default_factory=dict)


def _mp4_video_samples(path: Path) -> int | None:
    """Number of samples (frames) of the first track of an MP4 file, read from its ``moov/trak/mdia/minf/stbl/stsz``
    box (ISO/IEC 14496-12 §8.7.3) without decoding; ``None`` when the box is not found."""
    with path.open("rb") as fh:

        def boxes(start: int, end: int):  # yields (type, payload start, box end)
            pos = start
            while pos + 8 <= end:
                fh.seek(pos)
                header = fh.read(16)
                size, kind = int.from_bytes(header[:4], "big"), header[4:8]
                body = pos + 8
                if size == 1:
                    size, body = int.from_bytes(header[8:16], "big"), pos + 16
                elif size == 0:
                    size = end - pos
                if size < 8:
                    return
                yield kind, body, pos + size
                pos += size

        file_end = fh.seek(0, os.SEEK_END)
        scope = (0, file_end)
        for wanted in (b"moov", b"trak", b"mdia", b"minf", b"stbl", b"stsz"):
            found = next(((b, e) for k, b, e in boxes(*scope) if k == wanted), None)
            if found is None:
                return None
            scope = found
        fh.seek(scope[0] + 8)  # version/flags, sample_size, then sample_count
        return int.from_bytes(fh.read(4), "big")


def _split_stream(stream: Path, jobs: list[_Job], cache: SegmentCache, fps: int) -> None:
    """Cut the encoded stream at the jobs' (IDR) first frames, without re-encoding, and publish every piece as its
    job's cache entry.

    Raises:
        RenderError: the pieces do not come out with the expected frame counts.
    """
    if len(jobs) == 1:
        cache.publish(stream, jobs[0].key, _VIDEO_EXT)
        return
    run = f".split-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    pattern = cache.dir / f"{run}-%05d.part{_VIDEO_EXT}"
    pieces = [cache.dir / f"{run}-{i:05d}.part{_VIDEO_EXT}" for i in range(len(jobs))]
    cmd = [
        _ffmpeg(), "-nostdin", "-hide_banner", "-loglevel", "error", "-y", "-i", str(stream),
        "-map", "0:v:0", "-c", "copy", "-f", "segment",
        "-segment_frames", ",".join(str(j.stream_start) for j in jobs[1:]),
        "-reset_timestamps", "1", "-segment_format", "mp4", str(pattern),
    ]  # fmt: skip
    try:
        proc = subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        if proc.returncode != 0:
            raise RenderError(f"The encoded video could not be cut into segments ({_tail(proc.stderr)}).")
        counts = [_mp4_video_samples(p) if p.is_file() else None for p in pieces]
        if counts != [j.frames for j in jobs]:
            raise RenderError(
                f"The encoded video was cut into pieces of {counts} frames instead of {[j.frames for j in jobs]}."
            )
        for job, piece in zip(jobs, pieces):
            cache.publish(piece, job.key, _VIDEO_EXT)
    finally:
        for piece in pieces:
            piece.unlink(missing_ok=True)
        stream.unlink(missing_ok=True)


# ---------------------------------------------------------------------------------------------- narration track
def _build_narration(
    plan: RenderPlan, spans: list[SegmentSpan], cache: SegmentCache, key: str, progress: _Progress
) -> Path:
    """Decode, align and encode the narration track once; returns the cache entry (AAC in MP4)."""
    enc = plan.settings.encoder
    rate = enc.audio_sample_rate
    total = len(plan.segments)
    temp = cache.temp_path(key, _AUDIO_EXT)
    cmd = [
        _ffmpeg(), "-nostdin", "-hide_banner", "-loglevel", "error", "-y",
        "-f", "f32le", "-ar", str(rate), "-ac", str(AUDIO_CHANNELS), "-i", "pipe:0",
        "-c:a", enc.audio_codec, "-b:a", enc.audio_bitrate, "-ar", str(rate), "-f", "mp4", str(temp),
    ]  # fmt: skip
    with tempfile.TemporaryFile() as errfile:
        proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=errfile)
        try:
            for i, (seg, span) in enumerate(zip(plan.segments, spans)):
                progress.report(0, f"Preparing narration track ({i + 1} of {total})")
                try:
                    samples = decode_audio(
                        seg.audio_path, rate, AUDIO_CHANNELS, max_seconds=span.sample_count / rate + 1.0
                    )
                except AudioError as exc:
                    raise RenderError(
                        f"Segment {i + 1}: the narration {Path(seg.audio_path).name} could not be read "
                        f"({_strip_folders(str(exc))})."
                    ) from None
                need = span.sample_count
                if samples.shape[0] >= need:
                    block = np.ascontiguousarray(samples[:need], dtype="<f4")
                else:
                    block = np.zeros((need, AUDIO_CHANNELS), dtype="<f4")
                    block[: samples.shape[0]] = samples
                del samples
                try:
                    proc.stdin.write(memoryview(block).cast("B"))
                except BrokenPipeError:
                    break  # ffmpeg died: its exit status and message are reported below
                del block
            try:
                proc.stdin.close()
            except BrokenPipeError:
                pass
            rc = proc.wait()
            if rc != 0 or not temp.is_file():
                errfile.seek(0)
                raise RenderError(f"The narration track could not be encoded ({_tail(errfile.read())}).")
        except BaseException:
            if proc.poll() is None:
                proc.kill()
            proc.wait()
            temp.unlink(missing_ok=True)
            raise
    return cache.publish(temp, key, _AUDIO_EXT)


# ------------------------------------------------------------------------------------------------ frame producer
_DONE = object()


def _open_plain_rgb(path: Path) -> Image.Image | None:
    """The image when it is already upright 8-bit RGB (no EXIF rotation, no alpha, no other mode), decoded; else
    ``None``.

    For such files :func:`load_image_rgb` returns a copy of exactly these pixels; decoding without the copy halves
    the memory a 12-megapixel photo takes while it is being prepared (about 50 MB at the process's peak). Anything
    else, including every error, is left to :func:`load_image_rgb`.
    """
    try:
        img = Image.open(path)
        if img.mode != "RGB" or img.getexif().get(0x0112, 1) in (2, 3, 4, 5, 6, 7, 8):
            img.close()
            return None
        img.load()
        return img
    except Exception:
        return None


def _load_segment_image(job: _Job) -> Any:
    plain = _open_plain_rgb(job.segment.image_path)
    if plain is not None:
        return plain
    try:
        return load_image_rgb(job.segment.image_path)
    except ImageError as exc:
        raise RenderError(f"Segment {job.index + 1}: {_strip_folders(str(exc))}.") from None
    except MemoryError:
        raise RenderError(f"Segment {job.index + 1}: the image is too large to process.") from None


#: Allocations at least this large (bytes) are served by mmap and given back to the system when freed.
MMAP_THRESHOLD = 8 * 1024 * 1024

_LIBC: Any = None


def _libc() -> Any:
    """glibc through ctypes, or ``False`` where there is none (other platforms: memory tuning is skipped)."""
    global _LIBC
    if _LIBC is None:
        try:
            import ctypes

            _LIBC = ctypes.CDLL("libc.so.6")
            _LIBC.mallopt  # noqa: B018  (probe: both functions are glibc's)
            _LIBC.malloc_trim  # noqa: B018
        except (OSError, AttributeError):
            _LIBC = False
    return _LIBC


def _tune_allocator() -> None:
    """Make glibc serve allocations of :data:`MMAP_THRESHOLD` or more (decoded photos, working copies) with mmap,
    so they go back to the system as soon as they are freed.

    By default glibc raises its mmap threshold after the first such block is freed and then keeps later ones in
    the heap, where they fragment: the process would grow by tens of MB over many segments of different photo
    sizes. Frames (≤ 3 MB at 1080p) stay below the threshold and keep being recycled from the heap, so this costs
    a few ms of page faults per segment, not per frame. Process-wide and idempotent; a no-op off glibc.
    """
    libc = _libc()
    if libc:
        libc.mallopt(-3, MMAP_THRESHOLD)  # -3 = M_MMAP_THRESHOLD


def _release_freed_memory() -> None:
    """Return freed heap memory (whole free pages in every arena) to the system (glibc ``malloc_trim``)."""
    libc = _libc()
    if libc:
        libc.malloc_trim(0)


def _producer(jobs: list[_Job], settings: RenderSettings, out: queue.Queue, stop: threading.Event) -> None:
    """Make the frames of every job, in order, into ``out``: ("start", job), then its ("frame", (Y, Cb, Cr))…;
    finally _DONE, or ("error", exc) on failure. Stops early when ``stop`` is set.

    Runs in its own thread: Pillow releases the GIL while decoding and resampling, so frames are made while the
    consumer thread writes earlier frames to ffmpeg and ffmpeg encodes them.
    """

    def put(item: object) -> bool:
        while not stop.is_set():
            try:
                out.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    size = (settings.width, settings.height)
    try:
        for job in jobs:
            image = _load_segment_image(job)
            path = plan_camera(image.size, size, settings.zoom_intensity, motion_for(job.segment.segment_id))
            planes = prepare_yuv_planes(image, path)
            del image  # only the working planes stay alive while frames are made
            job.meta = {"mode": path.mode, "source": path.image_size, "working": planes.y.size}
            _release_freed_memory()
            if not put(("start", job)):
                return
            for frame in iter_yuv_frames(planes, path, job.frames):
                if not put(("frame", frame)):
                    return
            del planes
            _release_freed_memory()
        put(_DONE)
    except BaseException as exc:  # handed to the consumer, which raises it
        put(("error", exc))


# ---------------------------------------------------------------------------------------------------- render_plan
def _concat_line(path: Path) -> str:
    return "file '" + str(path.resolve()).replace("'", "'\\''") + "'\n"


def _join_and_mux(
    segment_files: list[Path], audio_file: Path, temp_output: Path, work_dir: Path, settings: RenderSettings
) -> None:
    list_file = work_dir / f".concat-{os.getpid()}-{uuid.uuid4().hex[:8]}.txt"
    list_file.write_text("ffconcat version 1.0\n" + "".join(_concat_line(p) for p in segment_files), "utf-8")
    cmd = [
        _ffmpeg(), "-nostdin", "-hide_banner", "-loglevel", "error", "-y",
        "-f", "concat", "-safe", "0", "-i", str(list_file),
        "-i", str(audio_file),
        "-map", "0:v:0", "-map", "1:a:0", "-c:v", "copy", "-c:a", "copy",
        "-movflags", "+faststart", "-f", "mp4", str(temp_output),
    ]  # fmt: skip
    try:
        proc = subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    finally:
        list_file.unlink(missing_ok=True)
    if proc.returncode != 0 or not temp_output.is_file():
        raise RenderError(f"Joining the segments into the final video failed ({_tail(proc.stderr)}).")


def _verify_output(path: Path, settings: RenderSettings, total_frames: int) -> None:
    """Check the joined file with MoviePy's ffmpeg probe: a video and an audio stream, the expected size and fps,
    and a duration within 1.5 frames of ``total_frames / fps``.

    Raises:
        RenderError: anything is off (the file is then not published).
    """
    try:
        info = ffmpeg_parse_infos(str(path))
    except (OSError, ValueError, IndexError, KeyError) as exc:
        raise RenderError(f"The finished video could not be checked ({exc}).") from None
    expected = total_frames / settings.fps
    problems = []
    if not info.get("video_found"):
        problems.append("no video stream")
    if not info.get("audio_found"):
        problems.append("no audio stream")
    size = tuple(info.get("video_size") or ())
    if size != (settings.width, settings.height):
        problems.append(f"size {size} instead of {(settings.width, settings.height)}")
    fps = info.get("video_fps") or 0
    if abs(float(fps) - settings.fps) > 0.01:
        problems.append(f"{fps} fps instead of {settings.fps}")
    duration = info.get("duration")
    if duration is None or abs(float(duration) - expected) > 1.5 / settings.fps:
        problems.append(f"duration {duration} s instead of {expected:.3f} s")
    if problems:
        raise RenderError("The finished video is not right (" + "; ".join(problems) + "); it was not saved.")


def _validate(plan: RenderPlan) -> None:
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
        if not Path(seg.audio_path).is_file():
            raise RenderError(f"Segment {i + 1}: the narration audio file {Path(seg.audio_path).name} is missing.")


def _output_unchanged(cache: SegmentCache, output_path: Path, final_key: str) -> dict[str, Any] | None:
    manifest = cache.read_manifest()
    if not manifest or manifest.get("final_key") != final_key:
        return None
    try:
        st = output_path.stat()
    except OSError:
        return None
    if (
        manifest.get("output") != str(output_path.resolve())
        or manifest.get("size") != st.st_size
        or manifest.get("mtime_ns") != st.st_mtime_ns
    ):
        return None
    return manifest


def render_plan(
    plan: RenderPlan,
    output_path: Path,
    on_progress: ProgressCallback | None = None,
    cache_dir: Path | None = None,
    progress_fraction: Callable[[float], None] | None = None,
) -> RenderResult:
    """Render ``plan`` to an MP4 at ``output_path`` (H.264 + AAC, ``plan.settings`` size and fps).

    Args:
        plan: ordered segments (image, narration, duration in seconds) and the output format.
        output_path: the video to write; its folder is created when missing. Written to a temporary file in the
            same folder and moved into place with :func:`os.replace` only on success; on failure the temporary
            files are removed and an existing file at ``output_path`` is left untouched.
        on_progress: ``on_progress(current_segment, total_segments, phase[, percentage])``, see
            :data:`ProgressCallback`; called at every phase change and at least every
            :data:`PROGRESS_INTERVAL` seconds while frames are encoded.
        cache_dir: folder of reusable encoded segments and narration tracks (see :mod:`core_engine.segment_cache`);
            ``None`` renders everything in a temporary folder that is removed afterwards. With a cache, a render
            whose inputs and settings are all unchanged and whose previous output is still in place returns at
            once. Entries are never pruned here (see :func:`prune_cache`, :func:`cache_keys`).
        progress_fraction: optional ``fn(fraction)`` with the overall progress 0.0–1.0 (same as percentage / 100).

    Returns:
        :class:`RenderResult`; ``duration = frame_count / fps`` seconds, which is the sum of the narration
        durations within one frame.

    Raises:
        RenderError: with a message a user understands: no segments, an unusable setting, a missing or unreadable
            image or narration (naming "Segment N", 1-based), ffmpeg missing or failing, disk errors.
    """
    started = time.monotonic()
    output_path = Path(output_path)
    _validate(plan)
    _tune_allocator()
    settings = plan.settings
    total = len(plan.segments)
    progress = _Progress(total, on_progress, progress_fraction)
    spans = plan_timeline(plan)
    total_frames = spans[-1].end_frame
    if total_frames <= 0:
        raise RenderError("The narration is too short to show even one frame of video.")
    progress.report(0, "Checking images and narration")
    keys = _compute_keys(plan, spans)
    _ffmpeg()

    output_path.parent.mkdir(parents=True, exist_ok=True)
    own_work_dir: Path | None = None
    if cache_dir is None:
        own_work_dir = Path(tempfile.mkdtemp(prefix=".render-", dir=output_path.parent))
        cache = SegmentCache(own_work_dir)
    else:
        cache = SegmentCache(cache_dir)
        cache.dir.mkdir(parents=True, exist_ok=True)
        if _output_unchanged(cache, output_path, keys.final_key) is not None:
            logger.info("render of %s skipped: nothing changed since the last render", output_path)
            progress.report(total, "Nothing changed since the last render; keeping the existing video")
            return RenderResult(output_path, total_frames / settings.fps, total_frames, 0, total)

    _remove_stale_temp_outputs(output_path)
    temp_output = output_path.parent / f".{output_path.stem}.{os.getpid()}-{uuid.uuid4().hex[:8]}.part.mp4"
    jobs: list[_Job] = []
    reused = 0
    stop = threading.Event()
    producer: threading.Thread | None = None
    try:
        # Segments to encode (the others are in the cache); their frames start being made right away, in a
        # producer thread, so the first image is decoded while the narration track is prepared.
        queued: set[str] = set()
        stream_frames = 0
        for i, (span, key) in enumerate(zip(spans, keys.segment_keys)):
            if key is None or key in queued or cache.get(key, _VIDEO_EXT) is not None:
                # No frames, identical to an earlier segment of this plan, or already in the cache.
                reused += key is not None
            else:
                jobs.append(_Job(i, plan.segments[i], span.frame_count, key, stream_start=stream_frames))
                queued.add(key)
                stream_frames += span.frame_count
        q: queue.Queue = queue.Queue(maxsize=FRAME_QUEUE_SIZE)
        if jobs:
            producer = threading.Thread(
                target=_producer, args=(jobs, settings, q, stop), name="ken-burns-frames", daemon=True
            )
            producer.start()

        # 1. Narration track.
        audio_file = cache.get(keys.audio_key, _AUDIO_EXT)
        if audio_file is None:
            progress.report(0, "Preparing narration track")
            audio_file = _build_narration(plan, spans, cache, keys.audio_key, progress)
        else:
            logger.debug("narration track reused from cache")
        t_audio = time.monotonic()

        # 2. Segments: every segment to encode goes, in order, through ONE encoder (no start-up and drain per
        # segment) with an IDR frame forced at each segment's first frame; the stream is then cut there into the
        # per-segment cache entries. Segments not encoded count as done from the start.
        already_done = total - len(jobs)
        if reused:
            progress.report(already_done, f"Reusing {reused} unchanged segment{'s' if reused != 1 else ''}")
        if producer is not None:
            stream_file = cache.temp_path(keys.final_key, _VIDEO_EXT)
            try:
                encoder = _StreamEncoder(_encoder_command(settings, stream_file, [j.stream_start for j in jobs]))
            except OSError as exc:
                raise RenderError(f"The video encoder could not be started ({exc}).") from None
            ends = [j.stream_start + j.frames for j in jobs]

            def report_encoding() -> None:
                encoded = encoder.frames_encoded
                finished = sum(1 for end in ends if end <= encoded)
                if finished < len(jobs):
                    job = jobs[finished]
                    share = min(max((encoded - job.stream_start) / job.frames, 0.0), 1.0)
                    phase = (
                        f"Encoding segment {job.index + 1} of {total} ({int(share * 100)}%)"
                        if share > 0
                        else f"Applying Ken Burns effect to segment {job.index + 1} of {total}"
                    )
                else:
                    share, phase = 0.0, "Finishing the video encoding"
                progress.report(already_done + finished, phase, share)

            try:
                current: _Job | None = None
                while True:
                    item = q.get()
                    if item is _DONE:
                        break
                    kind = item[0]
                    if kind == "frame":
                        try:
                            encoder.write(item[1])
                        except OSError:
                            where = f" at segment {current.index + 1}" if current is not None else ""
                            raise RenderError(
                                f"The video encoder stopped{where} ({encoder.error_message()})."
                            ) from None
                        if progress.due():
                            report_encoding()
                    elif kind == "start":
                        current = item[1]
                        logger.debug("segment %d: %s", current.index + 1, current.meta)
                        if current is jobs[0]:
                            report_encoding()
                    elif kind == "error":
                        raise item[1]
                producer.join()
                producer = None
                rc, err = encoder.finish(report_encoding)
                if rc != 0 or not stream_file.is_file():
                    raise RenderError(f"The video encoder failed ({err}).")
                report_encoding()
                _split_stream(stream_file, jobs, cache, settings.fps)
            finally:
                encoder.kill()
                stream_file.unlink(missing_ok=True)
            progress.report(total, f"Encoded {len(jobs)} segment{'s' if len(jobs) != 1 else ''}")

        # 3. Join without re-encoding and add the narration.
        t_segments = time.monotonic()
        progress.report(total, "Joining segments and muxing audio and video")
        segment_files = [cache.path(k, _VIDEO_EXT) for k in keys.segment_keys if k is not None]
        cache.clear_manifest()
        _join_and_mux(segment_files, audio_file, temp_output, cache.dir, settings)
        _verify_output(temp_output, settings, total_frames)
        os.replace(temp_output, output_path)
    except RenderError:
        raise
    except OSError as exc:
        raise RenderError(f"The video could not be written ({exc.strerror or exc}).") from None
    finally:
        stop.set()
        if producer is not None:
            _drain_queue_until_stopped(producer, q)
        temp_output.unlink(missing_ok=True)
        if own_work_dir is not None:
            _remove_tree(own_work_dir)

    if own_work_dir is None:
        st = output_path.stat()
        cache.write_manifest(
            {
                "final_key": keys.final_key,
                "output": str(output_path.resolve()),
                "size": st.st_size,
                "mtime_ns": st.st_mtime_ns,
                "frame_count": total_frames,
            }
        )
    rendered = len(jobs)
    logger.info(
        "rendered %s: %d frames (%.2f s), %d segment(s) encoded, %d reused, in %.1f s "
        "(narration %.1f s, segments %.1f s, join %.1f s)",
        output_path, total_frames, total_frames / settings.fps, rendered, reused, time.monotonic() - started,
        t_audio - started, t_segments - t_audio, time.monotonic() - t_segments,
    )  # fmt: skip
    return RenderResult(output_path, total_frames / settings.fps, total_frames, rendered, reused)


#: Temporary outputs older than this (seconds) were left by a render that crashed; they are removed.
STALE_TEMP_SECONDS = 3600.0


def _remove_stale_temp_outputs(output_path: Path) -> None:
    """Delete ``.<stem>.*.part.mp4`` files beside ``output_path`` that a crashed render left behind."""
    cutoff = time.time() - STALE_TEMP_SECONDS
    for item in output_path.parent.glob(f".{output_path.stem}.*.part.mp4"):
        try:
            if item.stat().st_mtime < cutoff:
                item.unlink()
                logger.info("removed stale temporary file %s", item)
        except OSError:
            pass


def _drain_queue_until_stopped(producer: threading.Thread, q: queue.Queue) -> None:
    """Let a stopped producer exit (it may be blocked on a full queue)."""
    while producer.is_alive():
        try:
            while True:
                q.get_nowait()
        except queue.Empty:
            pass
        producer.join(timeout=0.1)


def _remove_tree(folder: Path) -> None:
    for item in folder.iterdir():
        try:
            item.unlink()
        except OSError:
            pass
    try:
        folder.rmdir()
    except OSError as exc:
        logger.warning("could not remove %s: %s", folder, exc)


# ------------------------------------------------------------------------------------------------- render_project
def render_project(project_id: str, on_progress: ProgressCallback | None = None) -> RenderResult:
    """Render a stored project to ``MEDIA_ROOT/projects/<id>/output/final.mp4``.

    Builds the plan from the project's segments ordered by ``sequence_index`` (image file, audio file and
    ``audio_duration`` in seconds, measured from the audio file when missing), the project's resolution and frame
    rate, and ``GlobalSettings.zoom_intensity``. Encoded segments are cached in ``MEDIA_ROOT/projects/<id>/cache/``
    (removed with the project folder); after a successful render the cache keeps only the current plan's entries.

    Raises:
        RenderError: the project does not exist or has no segments, a segment lacks its image or narration or has
            an unreadable one (naming "Segment N", 1-based), or the render fails.
    """
    from api.models import GlobalSettings, Project
    from django.conf import settings as django_settings
    from django.core.exceptions import ValidationError

    try:
        project = Project.objects.get(pk=project_id)
    except (Project.DoesNotExist, ValidationError, ValueError):
        raise RenderError("The project does not exist (it may have been deleted).") from None
    segments = list(project.segments.order_by("sequence_index"))
    if not segments:
        raise RenderError("There is nothing to render: the project has no segments.")
    plan_segments: list[PlanSegment] = []
    for n, seg in enumerate(segments, 1):
        if not seg.image_file:
            raise RenderError(f"Segment {n} has no image yet.")
        if not seg.audio_file:
            raise RenderError(f"Segment {n} has no narration audio yet.")
        image_path = Path(seg.image_file.path)
        audio_path = Path(seg.audio_file.path)
        duration = seg.audio_duration
        if duration is None or not math.isfinite(duration) or duration <= 0:
            if not audio_path.is_file():
                raise RenderError(f"Segment {n}: the narration audio file {audio_path.name} is missing.")
            try:
                duration = probe_audio(audio_path).duration
            except AudioError as exc:
                raise RenderError(f"Segment {n}: the narration {audio_path.name} could not be read ({exc}).") from None
        plan_segments.append(PlanSegment(str(seg.id), image_path, audio_path, float(duration)))
    settings = RenderSettings(
        width=int(project.resolution_width),
        height=int(project.resolution_height),
        fps=int(project.framerate),
        zoom_intensity=float(GlobalSettings.load().zoom_intensity),
    )
    plan = RenderPlan(tuple(plan_segments), settings)
    media_root = Path(django_settings.MEDIA_ROOT)
    output = project_output_dir(media_root, str(project.id)) / "final.mp4"
    cache_dir = media_root / "projects" / str(project.id) / "cache"
    result = render_plan(plan, output, on_progress, cache_dir)
    prune_cache(cache_dir, cache_keys(plan))
    return result
