"""Segment encodes and their cache entries.

Every segment to encode goes, in order, through ONE ``libx264`` encode (no start-up and drain per segment) with an
IDR frame forced at each segment's first frame; the stream is then cut there, without re-encoding, into one cache
entry per segment, keyed by everything that decides its pixels (:func:`core_engine.render.keys.segment_cache_key`).
So a re-render only encodes the segments whose picture changed, and a distributed worker can encode a single
segment (:func:`encode_segment`) into the same cache. One encoder runs at a time (x264 at 1080p holds about half a
gigabyte); while it drains, the producer thread already prepares the next segment's image.

MoviePy's ``FFMPEG_VideoWriter`` is not used for these encodes: it hard-codes ``-pix_fmt rgb24`` (or ``rgba``) for its
input and ignores its ``pixel_format`` argument, so frames could not be handed over as yuv420p; it appends ``-pix_fmt
yuva420p`` for libx264, which libx264 cannot encode; and its ``close()`` ignores ffmpeg's exit status. Sending yuv420p
instead of RGB halves the bytes per frame and the per-frame resampling work and removes ffmpeg's RGB→YUV conversion.
"""

from __future__ import annotations

import logging
import os
import uuid
from pathlib import Path

from core_engine.render import progress as _progress
from core_engine.render.cache import VIDEO_EXT, SegmentCache
from core_engine.render.ffmpeg import FFmpegProcess, ffmpeg_command, run_ffmpeg
from core_engine.render.frames import DONE, FrameProducer, SegmentJob
from core_engine.render.keys import PlanKeys, compute_keys
from core_engine.render.mp4 import mp4_video_samples
from core_engine.render.plan import RenderError, RenderPlan, RenderSettings, validate_plan
from core_engine.render.progress import ProgressCallback, ProgressTracker, Stage
from core_engine.render.subtitles import CaptionEvent, ass_filter, write_stream_ass

logger = logging.getLogger(__name__)

__all__ = ["ENCODER_STATS_PERIOD", "encode_jobs", "encode_segment", "encoder_command", "plan_jobs"]

#: How often (seconds) the encoder reports how many frames it has encoded (ffmpeg ``-stats_period``).
ENCODER_STATS_PERIOD = 0.25


def plan_jobs(plan: RenderPlan, keys: PlanKeys, cache: SegmentCache) -> tuple[list[SegmentJob], int]:
    """The clips that must be encoded (:mod:`core_engine.render.shots`), in order, placed one after another in one
    stream; and how many segments are reused (they have frames and none of their clips needs encoding). A clip
    already in the cache, or identical to an earlier clip of this plan, is not encoded again."""
    jobs: list[SegmentJob] = []
    queued: set[str] = set()
    stream_frames = 0
    for clip, key, events in zip(keys.clips, keys.clip_keys, _clip_captions(keys), strict=True):
        if key in queued or cache.get(key, VIDEO_EXT) is not None:
            continue
        i = clip.segment_index
        jobs.append(
            SegmentJob(i, plan.segments[i], clip.frames, key, stream_start=stream_frames, clip=clip, captions=events)
        )
        queued.add(key)
        stream_frames += clip.frames
    encoded = {j.index for j in jobs}
    reused = sum(1 for i, k in enumerate(keys.segment_keys) if k is not None and i not in encoded)
    return jobs, reused


def _clip_captions(keys: PlanKeys) -> list[tuple[CaptionEvent, ...]]:
    """Each clip's burned-in caption events (none when the keys were made without them)."""
    return keys.clip_captions or [() for _ in keys.clips]


def encoder_command(
    settings: RenderSettings, output: Path, key_frames: list[int], subtitles: Path | None = None
) -> list[str]:
    """ffmpeg command encoding raw yuv420p frames from stdin into one video-only MP4, with an IDR frame forced at
    every index in ``key_frames`` (stream frame numbers; 0 is always a key frame).

    The frames are already BT.709 limited-range Y'CbCr (made by :mod:`core_engine.ken_burns`), so no conversion
    happens in ffmpeg; ``setparams`` and the output options only tag the stream as BT.709 / tv range.
    ``-progress pipe:1`` reports the number of frames encoded so far on stdout. ``subtitles``: an ASS script with
    stream times (:func:`core_engine.render.subtitles.write_stream_ass`) that libass draws into the frames.
    """
    enc = settings.encoder
    fps = settings.fps
    vf = "setparams=colorspace=bt709:color_primaries=bt709:color_trc=bt709:range=tv"
    if subtitles is not None:
        vf += "," + ass_filter(subtitles)
    if enc.pixel_format != "yuv420p":
        vf += f",format={enc.pixel_format}"
    # A forced key frame lands on the first frame whose time is ≥ the given time: aim a quarter frame early.
    times = ",".join(["0"] + [f"{(k - 0.25) / fps:.6f}" for k in key_frames if k > 0])
    return ffmpeg_command(
        "-nostats", "-y", "-progress", "pipe:1", "-stats_period", f"{ENCODER_STATS_PERIOD:g}",
        "-f", "rawvideo", "-pix_fmt", "yuv420p", "-s", f"{settings.width}x{settings.height}",
        "-r", str(fps), "-i", "pipe:0",
        "-an", "-vf", vf,
        *enc.video_args(), "-pix_fmt", enc.pixel_format,
        "-colorspace", "bt709", "-color_primaries", "bt709", "-color_trc", "bt709", "-color_range", "tv",
        "-force_key_frames", times, "-forced-idr", "1",
        "-f", "mp4", str(output),
    )  # fmt: skip


def _split_stream(stream: Path, jobs: list[SegmentJob], cache: SegmentCache) -> None:
    """Cut the encoded stream at the jobs' (IDR) first frames, without re-encoding, and publish every piece as its
    job's cache entry.

    Raises:
        RenderError: the pieces do not come out with the expected frame counts.
    """
    if len(jobs) == 1:
        cache.publish(stream, jobs[0].key, VIDEO_EXT)
        return
    run = f".split-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    pattern = cache.dir / f"{run}-%05d.part{VIDEO_EXT}"
    pieces = [cache.dir / f"{run}-{i:05d}.part{VIDEO_EXT}" for i in range(len(jobs))]
    try:
        rc, err = run_ffmpeg(
            ["-y", "-i", str(stream), "-map", "0:v:0", "-c", "copy", "-f", "segment",
             "-segment_frames", ",".join(str(j.stream_start) for j in jobs[1:]),
             "-reset_timestamps", "1", "-segment_format", "mp4", str(pattern)]
        )  # fmt: skip
        if rc != 0:
            raise RenderError(f"The encoded video could not be cut into segments ({err}).")
        counts = [mp4_video_samples(p) if p.is_file() else None for p in pieces]
        if counts != [j.frames for j in jobs]:
            raise RenderError(
                f"The encoded video was cut into pieces of {counts} frames instead of {[j.frames for j in jobs]}."
            )
        for job, piece in zip(jobs, pieces, strict=True):
            cache.publish(piece, job.key, VIDEO_EXT)
    finally:
        for piece in pieces:
            piece.unlink(missing_ok=True)
        stream.unlink(missing_ok=True)


class _StreamRun:
    """Feeds the producer's frames into one encoder and reports progress while it does."""

    def __init__(
        self, jobs: list[SegmentJob], encoder: FFmpegProcess, progress: ProgressTracker, done: int, total: int
    ) -> None:
        self.jobs = jobs
        self.encoder = encoder
        self.progress = progress
        self.already_done = done
        self.total = total
        # One group per segment: its first clip (for progress messages), where it starts and ends in the stream.
        self.groups: list[tuple[SegmentJob, int, int]] = []
        for job in jobs:
            if self.groups and self.groups[-1][0].index == job.index:
                first, start, _ = self.groups[-1]
                self.groups[-1] = (first, start, job.stream_start + job.frames)
            else:
                self.groups.append((job, job.stream_start, job.stream_start + job.frames))
        self.current: SegmentJob | None = None
        self.finished = 0  # segments the encoder had finished at the last report

    def report(self) -> None:
        """How far the encoder (not just the frame maker) has got, as it reports itself. Every segment boundary
        the encoder has passed since the last report gets its own record first (``current_segment`` = segments
        done, ``SCENE_BUILD[n]`` of the next), so no stage is skipped however fast the encode."""
        encoded = self.encoder.frames_encoded
        groups = self.groups
        finished = sum(1 for _, _, end in groups if end <= encoded)
        for done in range(self.finished + 1, min(finished, len(groups) - 1) + 1):
            last, following = groups[done - 1][0], groups[done][0]
            self.progress.report(
                self.already_done + done,
                f"Encoded segment {last.index + 1} of {self.total}",
                Stage.scene_build(following.index + 1),
            )
        self.finished = max(self.finished, finished)
        if finished < len(groups):
            job, start, end = groups[finished]
            share = min(max((encoded - start) / (end - start), 0.0), 1.0)
            phase = (
                f"Encoding segment {job.index + 1} of {self.total} ({int(share * 100)}%)"
                if share > 0
                else f"Applying Ken Burns effect to segment {job.index + 1} of {self.total}"
            )
        else:
            job, share, phase = groups[-1][0], 0.0, "Finishing the video encoding"
        self.progress.report(self.already_done + finished, phase, Stage.scene_build(job.index + 1), share)

    def feed(self, producer: FrameProducer) -> None:
        """Write every frame to the encoder until the producer is done; reports at least every
        :data:`~core_engine.render.progress.PROGRESS_INTERVAL` seconds, frames or not."""
        while True:
            item = producer.get(timeout=_progress.PROGRESS_INTERVAL)
            if item is DONE:
                return
            if item is not None:
                self._handle(item)
            if self.progress.due():
                self.report()

    def _handle(self, item: object) -> None:
        assert isinstance(item, tuple)
        kind, value = item
        if kind == "frame":
            try:
                self.encoder.write(value)
            except OSError:
                where = f" at segment {self.current.index + 1}" if self.current is not None else ""
                raise RenderError(f"The video encoder stopped{where} ({self.encoder.error_message()}).") from None
        elif kind == "start":
            self.current = value
            logger.debug("segment %d: %s", value.index + 1, value.meta)
            if value is self.jobs[0]:
                self.report()
        elif kind == "error":
            raise value


def encode_jobs(
    jobs: list[SegmentJob],
    settings: RenderSettings,
    cache: SegmentCache,
    progress: ProgressTracker,
    already_done: int = 0,
    total: int | None = None,
    producer: FrameProducer | None = None,
) -> None:
    """Encode ``jobs`` (from :func:`plan_jobs`) through one encoder and publish each as its cache entry.

    ``already_done`` segments count as done for progress (``SCENE_BUILD[n]`` records, ``n`` the 1-based segment
    being built), out of ``total`` (default: the number of jobs). ``producer``: a :class:`FrameProducer` of
    ``jobs`` already started (so the first image is prepared while other work runs); made here when ``None``.
    On any failure or exception (including
    :class:`~core_engine.render.progress.RenderCancelled` raised by the progress callback) ffmpeg's process group
    is killed, the producer thread stopped and the partial stream removed; entries already published stay.

    Raises:
        RenderError: an image cannot be read ("Segment N: …"), the encoder cannot start, stops or fails, or the
            stream cannot be cut into segments.
    """
    if not jobs:
        return
    total = len(jobs) if total is None else total
    stream_file = cache.temp_path(jobs[-1].key, VIDEO_EXT)
    ass_file = cache.temp_path(jobs[-1].key, ".ass")
    if producer is None:
        producer = FrameProducer(jobs, settings).start()
    try:
        pieces = [(j.stream_start, j.captions) for j in jobs]
        subtitles = ass_file if write_stream_ass(ass_file, pieces, settings) else None
        try:
            cmd = encoder_command(settings, stream_file, [j.stream_start for j in jobs], subtitles)
            encoder = FFmpegProcess(cmd, True)
        except OSError as exc:
            raise RenderError(f"The video encoder could not be started ({exc}).") from None
        try:
            run = _StreamRun(jobs, encoder, progress, already_done, total)
            run.feed(producer)
            producer.stop()
            rc, err = encoder.finish(run.report, _progress.PROGRESS_INTERVAL)
            if rc != 0 or not stream_file.is_file():
                raise RenderError(f"The video encoder failed ({err}).")
            run.report()
            _split_stream(stream_file, jobs, cache)
        finally:
            encoder.kill()
    finally:
        producer.stop()
        stream_file.unlink(missing_ok=True)
        ass_file.unlink(missing_ok=True)


def encode_segment(
    plan: RenderPlan, index: int, cache_dir: Path, on_progress: ProgressCallback | None = None
) -> Path | None:
    """Encode segment ``index`` (0-based) of ``plan`` into the cache at ``cache_dir`` — one unit of work for a
    distributed worker: every clip the segment owns (its shots' bodies and its outgoing transitions, see
    :mod:`core_engine.render.shots`). Idempotent: clips already in the cache are kept; new ones are written to a
    temporary file and published with :func:`os.replace`.

    Progress records count this one segment (``total_segments`` = 1, stage ``SCENE_BUILD[index + 1]``).

    Returns:
        The cache entry of the segment's first clip, or ``None`` for a segment too short to get a frame (nothing
        to encode).

    Raises:
        RenderError: as :func:`encode_jobs`, and for an invalid plan or a missing input file.
        IndexError: ``index`` is not a segment of the plan.
    """
    spans = validate_plan(plan)
    segment = plan.segments[index]
    keys = compute_keys(plan, spans)
    if keys.segment_keys[index] is None:
        return None
    cache = SegmentCache(cache_dir)
    owned = [
        (c, k, ev)
        for c, k, ev in zip(keys.clips, keys.clip_keys, _clip_captions(keys), strict=True)
        if c.segment_index == index
    ]
    jobs: list[SegmentJob] = []
    stream_frames = 0
    for clip, key, events in owned:
        if cache.get(key, VIDEO_EXT) is None and key not in {j.key for j in jobs}:
            jobs.append(
                SegmentJob(index, segment, clip.frames, key, stream_start=stream_frames, clip=clip, captions=events)
            )
            stream_frames += clip.frames
    if jobs:
        progress = ProgressTracker(1, on_progress)
        encode_jobs(jobs, plan.settings, cache, progress, 0, len(plan.segments))
        progress.report(1, f"Encoded segment {index + 1}", Stage.scene_build(index + 1))
    return cache.path(owned[0][1], VIDEO_EXT)
