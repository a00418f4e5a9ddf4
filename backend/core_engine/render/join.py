"""Join + mux: the cached segments are joined with ffmpeg's concat demuxer and the narration track added, both
stream-copied (no re-encoding), into a temporary file beside the output; MoviePy's ``ffmpeg_parse_infos`` checks it
(streams, size, fps, duration) before it replaces the output with :func:`os.replace`. A manifest in the cache folder
remembers what the output was made of, so an unchanged plan is not joined again."""

from __future__ import annotations

import logging
import os
import time
import uuid
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from moviepy.video.io.ffmpeg_reader import ffmpeg_parse_infos

from core_engine.captions import TimedText, srt_document
from core_engine.render.cache import VIDEO_EXT, SegmentCache
from core_engine.render.ffmpeg import run_ffmpeg
from core_engine.render.keys import PlanKeys, compute_keys
from core_engine.render.mix import ensure_mix
from core_engine.render.narration import ensure_narration
from core_engine.render.plan import RenderError, RenderPlan, RenderResult, RenderSettings, validate_plan
from core_engine.render.progress import ProgressCallback, ProgressTracker, Stage
from core_engine.render.subtitles import final_captions, write_sidecars

logger = logging.getLogger(__name__)

__all__ = [
    "STALE_TEMP_SECONDS",
    "concat_and_mux",
    "join_and_mux",
    "output_unchanged",
    "publish_video",
    "record_output",
    "remove_stale_temp_outputs",
    "verify_output",
]

#: Temporary outputs older than this (seconds) were left by a render that crashed; they are removed.
STALE_TEMP_SECONDS = 3600.0


def _concat_line(path: Path) -> str:
    return "file '" + str(path.resolve()).replace("'", "'\\''") + "'\n"


def concat_and_mux(
    segment_files: list[Path],
    audio_file: Path,
    temp_output: Path,
    work_dir: Path,
    subtitles: tuple[Path, str] | None = None,
) -> None:
    """Join ``segment_files`` (H.264 MP4s, in order) and add ``audio_file`` (AAC), both stream-copied, into
    ``temp_output`` with the index first (``+faststart``); the concat list is a temporary file in ``work_dir``.
    ``subtitles``: (SRT file, ISO 639-2 language) added as a ``mov_text`` track tagged with that language.

    Raises:
        RenderError: ffmpeg failed (with the tail of its message).
    """
    list_file = work_dir / f".concat-{os.getpid()}-{uuid.uuid4().hex[:8]}.txt"
    list_file.write_text("ffconcat version 1.0\n" + "".join(_concat_line(p) for p in segment_files), "utf-8")
    subs: list[str] = []
    if subtitles is not None:
        subs = ["-f", "srt", "-i", str(subtitles[0]), "-map", "2:s:0", "-c:s", "mov_text",
                "-metadata:s:s:0", f"language={subtitles[1]}"]  # fmt: skip
    try:
        rc, err = run_ffmpeg(
            ["-y", "-f", "concat", "-safe", "0", "-i", str(list_file), "-i", str(audio_file),
             *subs[:4], "-map", "0:v:0", "-map", "1:a:0", *subs[4:], "-c:v", "copy", "-c:a", "copy",
             "-movflags", "+faststart", "-f", "mp4", str(temp_output)]
        )  # fmt: skip
    finally:
        list_file.unlink(missing_ok=True)
    if rc != 0 or not temp_output.is_file():
        raise RenderError(f"Joining the segments into the final video failed ({err}).")


def verify_output(path: Path, settings: RenderSettings, total_frames: int) -> None:
    """Check the joined file with MoviePy's ffmpeg probe: a video and an audio stream, the expected size and fps,
    and a duration within 1.5 frames of ``total_frames / fps``.

    Raises:
        RenderError: anything is off (the file is then not published).
    """
    try:
        with warnings.catch_warnings():  # MoviePy warns that it ignores subtitle streams (the soft captions)
            warnings.simplefilter("ignore", UserWarning)
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


def output_unchanged(cache: SegmentCache, output_path: Path, final_key: str) -> bool:
    """True when the cache's manifest says ``output_path`` was made from ``final_key`` and the file is still the
    one written then (same size and modification time)."""
    manifest = cache.read_manifest()
    if not manifest or manifest.get("final_key") != final_key:
        return False
    try:
        st = output_path.stat()
    except OSError:
        return False
    return (
        manifest.get("output") == str(output_path.resolve())
        and manifest.get("size") == st.st_size
        and manifest.get("mtime_ns") == st.st_mtime_ns
    )


def record_output(cache: SegmentCache, output_path: Path, final_key: str, frame_count: int) -> None:
    """Write the manifest describing the output just published (see :func:`output_unchanged`)."""
    st = output_path.stat()
    manifest: dict[str, Any] = {
        "final_key": final_key,
        "output": str(output_path.resolve()),
        "size": st.st_size,
        "mtime_ns": st.st_mtime_ns,
        "frame_count": frame_count,
    }
    cache.write_manifest(manifest)


def remove_stale_temp_outputs(output_path: Path) -> None:
    """Delete ``.<stem>.*.part.mp4`` files beside ``output_path`` that a crashed render left behind (older than
    :data:`STALE_TEMP_SECONDS`)."""
    cutoff = time.time() - STALE_TEMP_SECONDS
    for item in output_path.parent.glob(f".{output_path.stem}.*.part.mp4"):
        try:
            if item.stat().st_mtime < cutoff:
                item.unlink()
                logger.info("removed stale temporary file %s", item)
        except OSError:
            pass


def publish_video(
    keys: PlanKeys,
    cache: SegmentCache,
    audio_file: Path,
    output_path: Path,
    settings: RenderSettings,
    progress: ProgressTracker | None = None,
    captions: Sequence[TimedText] = (),
) -> None:
    """Join the plan's cached clips (shot bodies and transitions, in video order) with ``audio_file`` into a
    temporary file beside ``output_path``, check it and move it into place with :func:`os.replace`; the temporary
    file is removed whatever happens, so a failure leaves the previous output untouched. ``captions`` (final-video
    times, :func:`final_captions`) become a soft ``mov_text`` track and the sidecar SRT / WebVTT files; without
    them stale sidecar files are removed. The manifest is cleared first (and not rewritten here). Reports
    ``CONCAT`` before joining and ``FINALIZE`` before the check (the last moment a cancel can still keep the
    previous output).

    Raises:
        RenderError: a segment entry is missing from the cache, ffmpeg fails or the result is not right.
        OSError: the output folder cannot be written.
    """
    segment_files = []
    for clip, key in zip(keys.clips, keys.clip_keys, strict=True):
        entry = cache.get(key, VIDEO_EXT)
        if entry is None:
            raise RenderError(f"Segment {clip.segment_index + 1} has not been encoded yet.")
        segment_files.append(entry)
    output_path.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_temp_outputs(output_path)
    temp_output = output_path.parent / f".{output_path.stem}.{os.getpid()}-{uuid.uuid4().hex[:8]}.part.mp4"
    srt_file = cache.dir / f".subtitles-{os.getpid()}-{uuid.uuid4().hex[:8]}.srt"
    try:
        cache.clear_manifest()
        subtitles = None
        if captions:
            srt_file.write_text(srt_document(captions), "utf-8")
            subtitles = (srt_file, settings.captions.language if settings.captions else "und")
        if progress is not None:
            progress.report(
                progress.record.current_segment, "Joining segments and muxing audio and video", Stage.CONCAT
            )
        concat_and_mux(segment_files, audio_file, temp_output, cache.dir, subtitles)
        if progress is not None:
            progress.report(progress.record.current_segment, "Checking the finished video", Stage.FINALIZE)
        verify_output(temp_output, settings, keys.spans[-1].end_frame)
        os.replace(temp_output, output_path)
        write_sidecars(output_path, captions)
    finally:
        temp_output.unlink(missing_ok=True)
        srt_file.unlink(missing_ok=True)


def join_and_mux(
    plan: RenderPlan, cache_dir: Path, output_path: Path, on_progress: ProgressCallback | None = None
) -> RenderResult:
    """The final step of a distributed render: once every segment is in the cache (:func:`encode_segment` of
    :mod:`core_engine.render.segments`), build the narration track if needed, join, mux, check and publish the
    video at ``output_path``. Idempotent: an output already made from exactly these entries is kept as it is;
    otherwise it is written to a temporary file and moved into place with :func:`os.replace`.

    Returns:
        :class:`RenderResult` with ``rendered_segments`` 0 and every segment with frames counted as reused.

    Raises:
        RenderError: invalid plan, missing input, a segment not in the cache yet, or ffmpeg / check failures.
    """
    spans = validate_plan(plan)
    keys = compute_keys(plan, spans)
    total = len(plan.segments)
    frames = spans[-1].end_frame
    result = RenderResult(
        output_path, frames / plan.settings.fps, frames, 0, sum(k is not None for k in keys.segment_keys)
    )
    cache = SegmentCache(cache_dir)
    cache.dir.mkdir(parents=True, exist_ok=True)
    progress = ProgressTracker(total, on_progress)
    if output_unchanged(cache, output_path, keys.final_key):
        progress.report(total, "Nothing changed since the last render; keeping the existing video", Stage.FINALIZE)
        return result
    narration = ensure_narration(plan, spans, cache, keys.audio_key, progress)
    audio_file = ensure_mix(
        narration, plan.mix, spans[-1].end_sample, plan.settings.encoder, cache, keys.mix_key, progress
    )
    progress.report(total, "Every segment is encoded", Stage.CONCAT)
    try:
        publish_video(keys, cache, audio_file, output_path, plan.settings, progress, final_captions(plan, spans))
    except OSError as exc:
        raise RenderError(f"The video could not be written ({exc.strerror or exc}).") from None
    record_output(cache, output_path, keys.final_key, frames)
    return result
