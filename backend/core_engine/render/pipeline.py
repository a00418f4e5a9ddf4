"""Render plan → MP4 (DESIGN §6): the steps, in order.

1. **Validate** the plan and compute its timeline (:mod:`~core_engine.render.plan`) and cache keys
   (:mod:`~core_engine.render.keys`); with a cache, an unchanged plan whose output is still in place stops here.
2. **Frames** of the segments not in the cache start being made at once in a producer thread
   (:mod:`~core_engine.render.frames`), so the first image is prepared while the narration track is built.
3. **Narration track** (:mod:`~core_engine.render.narration`), built once and cached; then the **final audio**
   (:mod:`~core_engine.render.mix`: background music ducked under the narration, loudness normalised), its own
   cache entry, so a change of music only re-mixes and re-muxes.
4. **Segments** (:mod:`~core_engine.render.segments`): one encode, cut into per-segment cache entries.
5. **Join + mux** (:mod:`~core_engine.render.join`): stream copy into a temporary file, checked, moved into place.

A quick preview (``settings.draft``, :func:`core_engine.presets.preview_settings`) builds its audio (step 3, the mix
in one pass) in a second thread while step 4 encodes the frames, instead of before: the audio is a chain of short
ffmpeg runs that keeps about one core busy, the frames the other. At draft sizes neither takes much memory. The
full render keeps the order above (one big job at a time, bounded memory).

Progress goes to one callback as :class:`~core_engine.render.progress.ProgressRecord` (stages ``VALIDATE →
AUDIO_PREP → SCENE_BUILD[n] → CONCAT → FINALIZE``); when the callback raises
:class:`~core_engine.render.progress.RenderCancelled` every step kills its ffmpeg, stops the producer, removes its
partial files and lets the exception through, leaving the previous output and the valid cache entries as they were.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from core_engine.render.cache import AUDIO_EXT, SegmentCache
from core_engine.render.ffmpeg import ffmpeg_exe
from core_engine.render.frames import FrameProducer, tune_allocator
from core_engine.render.join import output_unchanged, publish_video, record_output
from core_engine.render.keys import PlanKeys, compute_keys
from core_engine.render.loudness import NARRATION_REF_LUFS
from core_engine.render.mix import MixSettings, ensure_mix, finish_chain
from core_engine.render.narration import build_narration, ensure_narration
from core_engine.render.plan import RenderError, RenderPlan, RenderResult, validate_plan
from core_engine.render.progress import ProgressCallback, ProgressRecord, ProgressTracker, RenderCancelled, Stage
from core_engine.render.segments import encode_jobs, plan_jobs
from core_engine.render.subtitles import final_captions

logger = logging.getLogger(__name__)

__all__ = ["render_plan"]


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'s' if n != 1 else ''}"


@contextmanager
def _work_cache(cache_dir: Path | None, output_path: Path) -> Iterator[SegmentCache]:
    """The cache at ``cache_dir``, or a temporary one beside the output that is removed afterwards."""
    if cache_dir is not None:
        cache = SegmentCache(cache_dir)
        cache.dir.mkdir(parents=True, exist_ok=True)
        yield cache
        return
    folder = Path(tempfile.mkdtemp(prefix=".render-", dir=output_path.parent))
    try:
        yield SegmentCache(folder)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def render_plan(
    plan: RenderPlan, output_path: Path, on_progress: ProgressCallback | None = None, cache_dir: Path | None = None
) -> RenderResult:
    """Render ``plan`` to an MP4 at ``output_path`` (H.264 + AAC, ``plan.settings`` size and fps).

    Args:
        plan: ordered segments (image, narration, duration in seconds) and the output format.
        output_path: the video to write; its folder is created when missing. Written to a temporary file in the
            same folder and moved into place with :func:`os.replace` only on success; on failure or cancel the
            temporary files are removed and an existing file at ``output_path`` is left untouched.
        on_progress: ``on_progress(record)`` with a :class:`~core_engine.render.progress.ProgressRecord`, called at
            every phase change and at least every :data:`~core_engine.render.progress.PROGRESS_INTERVAL` seconds
            while segments are encoded; it may raise ``RenderCancelled`` to stop the render.
        cache_dir: folder of reusable encoded segments and narration tracks (see :mod:`core_engine.render.cache`);
            ``None`` renders everything in a temporary folder that is removed afterwards. With a cache, a render
            whose inputs and settings are all unchanged and whose previous output is still in place returns at
            once. Entries are never pruned here (see ``prune_cache`` and ``cache_keys``).

    Returns:
        :class:`RenderResult`; ``duration = frame_count / fps`` seconds, which is the sum of the narration
        durations within one frame.

    Raises:
        RenderError: with a message a user understands: no segments, an unusable setting, a missing or unreadable
            image or narration (naming "Segment N", 1-based), ffmpeg missing or failing, disk errors.
        RenderCancelled: raised by ``on_progress``, after cleaning up.
    """
    output_path = Path(output_path)
    spans = validate_plan(plan)
    tune_allocator()
    total = len(plan.segments)
    progress = ProgressTracker(total, on_progress)
    progress.report(0, "Checking images and narration", Stage.VALIDATE)
    keys = compute_keys(plan, spans)
    ffmpeg_exe()
    output_path.parent.mkdir(parents=True, exist_ok=True)
    frames = spans[-1].end_frame
    with _work_cache(cache_dir, output_path) as cache:
        if cache_dir is not None and output_unchanged(cache, output_path, keys.final_key):
            logger.info("render of %s skipped: nothing changed since the last render", output_path)
            progress.report(total, "Nothing changed since the last render; keeping the existing video", Stage.FINALIZE)
            return RenderResult(output_path, frames / plan.settings.fps, frames, 0, total, 0, len(keys.clips))
        try:
            rendered, reused, clips = _render(plan, keys, cache, output_path, progress)
        except OSError as exc:
            raise RenderError(f"The video could not be written ({exc.strerror or exc}).") from None
        if cache_dir is not None:
            record_output(cache, output_path, keys.final_key, frames)
    return RenderResult(
        output_path, frames / plan.settings.fps, frames, rendered, reused, clips, len(keys.clips) - clips
    )


def _render(
    plan: RenderPlan, keys: PlanKeys, cache: SegmentCache, output_path: Path, progress: ProgressTracker
) -> tuple[int, int, int]:
    """Steps 2–5; returns (segments encoded, segments reused, clips encoded)."""
    started = time.monotonic()
    total = len(plan.segments)
    jobs, reused = plan_jobs(plan, keys, cache)
    encoded = len({j.index for j in jobs})
    already_done = total - encoded  # reused, repeated and frameless segments count as done from the start
    progress.set_baseline(already_done)
    if reused:
        progress.report(already_done, f"Reusing {_plural(reused, 'unchanged segment')}", Stage.VALIDATE)
    producer = FrameProducer(jobs, plan.settings).start() if jobs else None
    audio_job = _AudioJob(plan, keys, cache) if plan.settings.draft else None
    try:
        if audio_job is not None:
            progress.report(already_done, "Preparing the draft's audio and pictures", Stage.AUDIO_PREP)
            audio_job.start()
        else:
            audio_file = _audio(plan, keys, cache, progress)
        t_audio = time.monotonic()
        if producer is not None:
            encode_jobs(jobs, plan.settings, cache, progress, already_done, total, producer)
            progress.report(total, f"Encoded {_plural(encoded, 'segment')}", Stage.scene_build(jobs[-1].index + 1))
        if audio_job is not None:
            audio_file = audio_job.result(progress)
        t_segments = time.monotonic()
        publish_video(keys, cache, audio_file, output_path, plan.settings, progress, final_captions(plan, keys.spans))
    finally:
        if producer is not None:
            producer.stop()
        if audio_job is not None:
            audio_job.stop()
    frames = keys.spans[-1].end_frame
    logger.info(
        "rendered %s: %d frames (%.2f s), %d segment(s) encoded (%d clips), %d reused, in %.1f s "
        "(narration %.1f s, segments %.1f s, join %.1f s)",
        output_path, frames, frames / plan.settings.fps, encoded, len(jobs), reused, time.monotonic() - started,
        t_audio - started, t_segments - t_audio, time.monotonic() - t_segments,
    )  # fmt: skip
    return encoded, reused, len(jobs)


def _audio(plan: RenderPlan, keys: PlanKeys, cache: SegmentCache, progress: ProgressTracker) -> Path:
    """Step 3: the narration track, then the final audio (both cache entries); returns the final audio's file.

    A quick preview without music makes its final audio in one encode instead: the levelled narration goes
    straight through :func:`~core_engine.render.mix.finish_chain` with the gain that brings narration levelled to
    :data:`~core_engine.render.loudness.NARRATION_REF_LUFS` to the target (predicted, not measured: the track's
    integrated loudness is within a fraction of a LU of the level every segment was brought to, unless segments
    are silent or hit :data:`~core_engine.render.narration.MAX_LEVEL_GAIN_DB`), saving an AAC encode, a loudness
    measurement and a decode — a draft's loudness, not the full render's."""
    mix = plan.mix or MixSettings()
    if plan.settings.draft and mix.music_path is None:
        cached = cache.get(keys.mix_key, AUDIO_EXT)
        if cached is not None:
            return cached
        rate = plan.settings.encoder.audio_sample_rate
        gain = mix.loudness_target - NARRATION_REF_LUFS
        chain = finish_chain(gain, keys.spans[-1].end_sample, rate, oversample=False)
        return build_narration(plan, keys.spans, cache, keys.mix_key, progress, chain)
    narration = ensure_narration(plan, keys.spans, cache, keys.audio_key, progress)
    samples = keys.spans[-1].end_sample
    return ensure_mix(
        narration, plan.mix, samples, plan.settings.encoder, cache, keys.mix_key, progress, plan.settings.draft
    )


class _AudioJob:
    """Step 3 of a quick preview, run in its own thread while the frames are encoded.

    It reports no progress of its own (the caller's tracker belongs to the encoding thread); :meth:`stop` makes it
    end early: its next progress report or keep-alive raises :class:`RenderCancelled` in its thread, which kills its
    ffmpeg and removes its temporary file (the usual cancel path of each step).
    """

    def __init__(self, plan: RenderPlan, keys: PlanKeys, cache: SegmentCache) -> None:
        self._stop = threading.Event()
        self._result: Path | None = None
        self._error: BaseException | None = None
        tracker = ProgressTracker(len(plan.segments), self._check)
        self._thread = threading.Thread(
            target=self._run, args=(plan, keys, cache, tracker), name="draft-audio", daemon=True
        )

    def _check(self, _record: ProgressRecord) -> None:
        if self._stop.is_set():
            raise RenderCancelled("the render stopped")

    def _run(self, plan: RenderPlan, keys: PlanKeys, cache: SegmentCache, tracker: ProgressTracker) -> None:
        try:
            self._result = _audio(plan, keys, cache, tracker)
        except BaseException as exc:  # handed to the caller by result()
            self._error = exc

    def start(self) -> None:
        """Start the thread."""
        self._thread.start()

    def result(self, progress: ProgressTracker) -> Path:
        """Wait for the final audio (keeping ``progress`` alive, so a cancel is still noticed) and return its file.

        Raises:
            RenderError: the audio failed (as in a full render); RenderCancelled: from ``progress``.
        """
        while self._thread.is_alive():
            self._thread.join(timeout=0.05)
            progress.keep_alive()
        if self._error is not None:
            raise self._error
        assert self._result is not None
        return self._result

    def stop(self) -> None:
        """Make the thread end as soon as it can and wait for it (idempotent)."""
        self._stop.set()
        self._thread.join()
