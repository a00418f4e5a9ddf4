"""The narration track, built once per plan: each segment's audio decoded to float PCM at the encoder's sample rate
(48 kHz) in stereo (:func:`core_engine.audio_utils.decode_audio`), trimmed or padded with silence to exactly its
sample span of the timeline, levelled to :data:`~core_engine.render.loudness.NARRATION_REF_LUFS` (so recordings
made at different levels sound equally loud; :func:`level_gain_db`), and streamed in order into one AAC encode. The
result is a cache entry keyed by :func:`core_engine.render.keys.audio_track_key`."""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path

import numpy as np
import numpy.typing as npt

from core_engine.audio_utils import AudioError, decode_audio
from core_engine.render.cache import AUDIO_EXT, SegmentCache
from core_engine.render.ffmpeg import FFmpegProcess, ffmpeg_command, strip_folders
from core_engine.render.loudness import NARRATION_REF_LUFS, measure_samples
from core_engine.render.plan import AUDIO_CHANNELS, PlanSegment, RenderError, RenderPlan, SegmentSpan
from core_engine.render.progress import ProgressTracker, Stage

__all__ = ["MAX_LEVEL_GAIN_DB", "MIN_MEASURE_SECONDS", "build_narration", "ensure_narration", "level_gain_db"]

#: Largest boost (dB) levelling gives a quiet recording (more would mostly raise its noise).
MAX_LEVEL_GAIN_DB = 30.0
#: Narrations shorter than this (seconds) are measured repeated to this length (several 400 ms gating blocks).
MIN_MEASURE_SECONDS = 1.0


def level_gain_db(block: npt.NDArray[np.float32], rate: int, tick: Callable[[], None] | None = None) -> float:
    """Gain in dB that brings ``block`` (float PCM ``(n, channels)`` at ``rate`` Hz) to
    :data:`~core_engine.render.loudness.NARRATION_REF_LUFS` integrated loudness (ITU-R BS.1770, measured by
    ffmpeg's ``ebur128``), at most :data:`MAX_LEVEL_GAIN_DB`; 0 for silence (nothing to measure: it is left as it
    is). A block shorter than :data:`MIN_MEASURE_SECONDS` is measured repeated to that length (``ebur128`` needs
    whole 400 ms blocks). ``tick()`` is called while ffmpeg measures.

    Raises:
        RenderError: ffmpeg fails.
    """
    measured = block
    if 0 < block.shape[0] < MIN_MEASURE_SECONDS * rate:
        # Shorter than ebur128's 400 ms block: measure the sound repeated (a repeated sound is as loud as itself).
        measured = np.tile(block, (math.ceil(MIN_MEASURE_SECONDS * rate / block.shape[0]), 1))
    loudness = measure_samples(measured, rate, tick)
    if not loudness.measurable:
        return 0.0
    return min(NARRATION_REF_LUFS - loudness.integrated, MAX_LEVEL_GAIN_DB)


def _segment_samples(
    index: int, seg: PlanSegment, span: SegmentSpan, rate: int, tick: Callable[[], None] | None = None
) -> npt.NDArray[np.float32]:
    """The segment's narration as ``(span.sample_count, AUDIO_CHANNELS)`` little-endian float32, trimmed or padded
    with silence, levelled by :func:`level_gain_db` (peaks may then exceed full scale: the float samples go to the
    AAC encoder unclipped and the final mix's limiter takes care of them)."""
    try:
        samples = decode_audio(seg.audio_path, rate, AUDIO_CHANNELS, max_seconds=span.sample_count / rate + 1.0)
    except AudioError as exc:
        raise RenderError(
            f"Segment {index + 1}: the narration {Path(seg.audio_path).name} could not be read "
            f"({strip_folders(str(exc))})."
        ) from None
    if tick is not None:
        tick()
    need = span.sample_count
    if samples.shape[0] >= need:
        block = np.ascontiguousarray(samples[:need], dtype="<f4")
    else:
        block = np.zeros((need, AUDIO_CHANNELS), dtype="<f4")
        block[: samples.shape[0]] = samples
    gain = level_gain_db(block, rate, tick)
    if gain != 0.0:
        block *= np.float32(10.0 ** (gain / 20.0))
    return block


def build_narration(
    plan: RenderPlan,
    spans: list[SegmentSpan],
    cache: SegmentCache,
    key: str,
    progress: ProgressTracker | None = None,
    filters: str = "",
) -> Path:
    """Decode, align and encode the narration track; returns the published cache entry (AAC in MP4).
    ``filters``: an ffmpeg filter chain applied before the encode (the quick preview finishes its audio here in
    one go: :func:`core_engine.render.mix.finish_chain`).

    Reports ``AUDIO_PREP`` progress before each segment. On any failure or exception (including
    :class:`~core_engine.render.progress.RenderCancelled` from the callback) ffmpeg is killed and the temporary
    file removed.

    Raises:
        RenderError: a narration file cannot be decoded (naming "Segment N") or the encode fails.
    """
    enc = plan.settings.encoder
    rate = enc.audio_sample_rate
    total = len(plan.segments)
    temp = cache.temp_path(key, AUDIO_EXT)
    cmd = ffmpeg_command(
        "-y", "-f", "f32le", "-ar", str(rate), "-ac", str(AUDIO_CHANNELS), "-i", "pipe:0",
        *(["-af", filters] if filters else []),
        "-c:a", enc.audio_codec, "-b:a", enc.audio_bitrate, "-ar", str(rate), "-f", "mp4", str(temp),
    )  # fmt: skip
    proc = FFmpegProcess(cmd)
    try:
        for i, (seg, span) in enumerate(zip(plan.segments, spans, strict=True)):
            if progress is not None:
                progress.report(progress.record.current_segment, f"Preparing narration track ({i + 1} of {total})",
                                Stage.AUDIO_PREP)  # fmt: skip
            block = _segment_samples(i, seg, span, rate, progress.keep_alive if progress is not None else None)
            try:
                proc.write([block.data.cast("B")])
            except BrokenPipeError:
                break  # ffmpeg died: its exit status and message are reported below
            del block
        rc, err = proc.finish()
        if rc != 0 or not temp.is_file():
            raise RenderError(f"The narration track could not be encoded ({err}).")
    except BaseException:
        proc.kill()
        temp.unlink(missing_ok=True)
        raise
    return cache.publish(temp, key, AUDIO_EXT)


def ensure_narration(
    plan: RenderPlan, spans: list[SegmentSpan], cache: SegmentCache, key: str, progress: ProgressTracker | None = None
) -> Path:
    """The narration track's cache entry, built with :func:`build_narration` only when it is not cached yet
    (idempotent)."""
    cached = cache.get(key, AUDIO_EXT)
    if cached is not None:
        return cached
    if progress is not None:
        progress.report(progress.record.current_segment, "Preparing narration track", Stage.AUDIO_PREP)
    return build_narration(plan, spans, cache, key, progress)
