"""A render spread over Celery workers (DESIGN §5, §8): one task per segment and one building the narration track,
then one join-and-mux task (a chord).

Each segment task encodes its segment into the project's content-keyed segment cache
(:func:`core_engine.render.segments.encode_segment`: idempotent, written to a temporary file then ``os.replace``),
so a redelivered task (its worker died) just encodes the same entry again. When every segment task has returned,
the join task builds the narration track if needed, joins the cached segments, muxes and publishes the video
(:func:`core_engine.render.join.join_and_mux`, also idempotent), and records the outcome exactly as the embedded
render does (:mod:`api.tasks`).

All tasks of one render share the render's one :class:`~api.models.Job` row. Their progress is aggregated there
under a row lock: ``extra["segments"]`` holds each segment's done fraction (0–1), the record's ``current_segment``
counts finished segments and its ``percentage`` is the mean fraction, never going down. Every task checks the row
first: a job that is no longer QUEUED/RUNNING (finished, failed, cancelled) makes the remaining tasks return at once,
and a cancel request stops a running segment at its next progress report.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from core_engine.render.progress import ProgressRecord, RenderCancelled, Stage
from django.db import transaction
from django.utils import timezone

from api.job_runtime import ThreadLogHandler, job_log_path
from api.models import ACTIVE_JOB_STATES, Job, JobState, Segment

logger = logging.getLogger(__name__)

#: Seconds between two progress writes of one segment task while only its percentage changes.
WRITE_INTERVAL = 0.5


def enqueue_render_chord(job: Job) -> None:
    """Send the chord of a render job: ``render_segment(job, i)`` for every segment, then ``render_join(job)``."""
    from celery import chord
    from storyreel.celery import app

    count = Segment.objects.filter(project=job.project).count()
    header = [app.signature("storyreel.render_narration", args=[str(job.id)])]
    header += [app.signature("storyreel.render_segment", args=[str(job.id), i]) for i in range(count)]
    chord(header, app=app)(app.signature("storyreel.render_join", args=[str(job.id)]))


class _SharedProgress:
    """Reports one task's progress into the render job's row, aggregated over all its segment tasks."""

    def __init__(self, job_id: str, index: int | None, worker: str, name: str = "join") -> None:
        self.job_id = job_id
        self.index = index
        self.name = name if index is None else str(index)
        self.worker = worker
        self.last_write = 0.0
        self.last_key: tuple[str, str] = ("", "")
        self.lines: list[str] = []
        self.lock = threading.Lock()
        self.capture = _ThreadLogCapture(self)

    def add_line(self, text: str) -> None:
        with self.lock:
            self.lines.append(f"{time.strftime('%Y-%m-%d %H:%M:%S')} [{self.worker}] {text}")

    def start(self) -> bool:
        """Mark the task as started on this worker (the job becomes RUNNING; ``attempt`` is the most times any of
        its tasks started). False when the job is no longer active."""
        with transaction.atomic():
            job = Job.objects.select_for_update().filter(pk=self.job_id).first()
            if job is None or job.state not in ACTIVE_JOB_STATES:
                return False
            runs = job.extra.setdefault("runs", {})
            name = self.name
            runs[name] = runs.get(name, 0) + 1
            workers = job.extra.setdefault("workers", [])
            if self.worker not in workers:
                workers.append(self.worker)
            job.attempt = max(job.attempt, runs[name])
            job.worker = ", ".join(workers)[:200]
            job.heartbeat_at = timezone.now()
            if job.state == JobState.QUEUED:
                job.state = JobState.RUNNING
                job.started_at = job.heartbeat_at
            job.save(update_fields=["extra", "attempt", "worker", "heartbeat_at", "state", "started_at"])
        what = {"join": "joining the segments", "narration": "the narration track"}.get(name, f"segment {name}")
        self.add_line(f"started {what} (run {runs[name]})")
        self.flush()
        return True

    def on_progress(self, record: ProgressRecord) -> None:
        """Engine callback. Raises :class:`RenderCancelled` once the job is asked to stop (or ended elsewhere)."""
        key = (record.stage, record.current_phase.split(" (")[0])
        now = time.monotonic()
        if key != self.last_key:
            self.last_key = key
            self.add_line(f"[{record.stage}] {record.current_phase}")
        elif now - self.last_write < WRITE_INTERVAL:
            return
        fraction = 1.0 if record.percentage >= 100 else record.percentage / 100.0
        self.flush(record, fraction)

    def flush(self, record: ProgressRecord | None = None, fraction: float | None = None, check: bool = True) -> None:
        """Write the pending log lines and (for a segment task) this segment's fraction into the job row. With
        ``check``, raises :class:`RenderCancelled` when the job was asked to stop or ended elsewhere."""
        self.last_write = time.monotonic()
        with self.lock:
            lines, self.lines = self.lines, []
        with transaction.atomic():
            job = Job.objects.select_for_update().filter(pk=self.job_id).first()
            if job is None:
                raise RenderCancelled("The render's job is gone.")
            if lines:
                tail = [*job.log_lines, *lines]
                job.log_tail = "\n".join(tail[-Job.LOG_TAIL_LINES :])
                _append_log_file(self.job_id, lines)
            stop = job.cancel_requested or job.state not in ACTIVE_JOB_STATES
            if record is not None and not stop:
                job.progress = self._aggregate(job, record, fraction).to_dict()
                job.stage = record.stage
            job.heartbeat_at = timezone.now()
            job.save(update_fields=["log_tail", "progress", "stage", "heartbeat_at", "extra"])
        if stop and check:
            raise RenderCancelled("The render was cancelled.")

    def close(self) -> None:
        """Stop capturing this thread's log records."""
        logging.getLogger().removeHandler(self.capture)

    def _aggregate(self, job: Job, record: ProgressRecord, fraction: float | None) -> ProgressRecord:
        previous = ProgressRecord.from_dict(job.progress)
        segments: dict[str, float] = job.extra.setdefault("segments", {})
        total = max(previous.total_segments, record.total_segments, len(segments), 1)
        if self.index is not None and fraction is not None:
            total = max(total, Segment.objects.filter(project=job.project).count())
            segments[str(self.index)] = max(segments.get(str(self.index), 0.0), fraction)
        done = sum(1 for v in segments.values() if v >= 1.0)
        exact = sum(segments.values()) / total * 100.0
        pct = max(previous.percentage, min(99, int(exact)))
        eta = None
        if job.started_at and pct > 0:
            elapsed = (timezone.now() - job.started_at).total_seconds()
            eta = round(elapsed * (100 - pct) / pct, 1)
        return ProgressRecord(done, total, pct, record.current_phase, record.stage, eta)


class _ThreadLogCapture(ThreadLogHandler):
    """Sends the log records of the thread that created it (INFO and up) to a task's pending job log lines."""

    def __init__(self, reporter: _SharedProgress) -> None:
        super().__init__("%(levelname)s %(name)s: %(message)s")
        self.reporter = reporter
        logging.getLogger().addHandler(self)

    def take(self, text: str) -> None:
        for line in text.splitlines():
            self.reporter.add_line(line)


def _append_log_file(job_id: str, lines: list[str]) -> None:
    path = job_log_path(job_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as fh:
        fh.write("".join(f"{line}\n" for line in lines))


def _job_project(job_id: str) -> str | None:
    job = Job.objects.filter(pk=job_id).only("project_id", "state").first()
    if job is None or job.state not in ACTIVE_JOB_STATES or job.project_id is None:
        return None
    return str(job.project_id)


def render_segment(job_id: str, index: int, worker: str) -> str:
    """Encode segment ``index`` (0-based) of the render job ``job_id`` into the segment cache. Never raises: a
    failure ends the whole job FAILED, a cancel ends it CANCELLED (the join task then does nothing). Returns what
    happened: "encoded", "skipped", "failed" or "cancelled"."""
    from core_engine.render.plan import RenderError
    from core_engine.render.segments import encode_segment
    from core_engine.video_renderer import build_project_plan

    from api.tasks import unexpected_error

    project_id = _job_project(job_id)
    if project_id is None:
        return "skipped"
    reporter = _SharedProgress(job_id, index, worker)
    try:
        if not reporter.start():
            return "skipped"
        plan, _output, cache_dir = build_project_plan(project_id)
        encode_segment(plan, index, cache_dir, reporter.on_progress)
        reporter.flush(ProgressRecord(1, 1, 100, f"Encoded segment {index + 1}", Stage.scene_build(index + 1)), 1.0)
    except RenderCancelled:
        return _end(reporter, project_id, None)
    except RenderError as exc:
        return _end(reporter, project_id, str(exc))
    except Exception as exc:  # an engine bug must still end the job FAILED with a message
        logger.exception("segment %d of job %s crashed", index + 1, job_id)
        return _end(reporter, project_id, unexpected_error(exc))
    finally:
        reporter.close()
    return "encoded"


def render_narration(job_id: str, worker: str) -> str:
    """Build the render's narration track into the cache while the segments encode (the join would otherwise build
    it after them). Never raises; returns "built", "skipped", "failed" or "cancelled" as :func:`render_segment`."""
    from core_engine.render.cache import SegmentCache
    from core_engine.render.keys import compute_keys
    from core_engine.render.narration import ensure_narration
    from core_engine.render.plan import RenderError, validate_plan
    from core_engine.render.progress import ProgressTracker
    from core_engine.video_renderer import build_project_plan

    from api.tasks import unexpected_error

    project_id = _job_project(job_id)
    if project_id is None:
        return "skipped"
    reporter = _SharedProgress(job_id, None, worker, name="narration")
    try:
        if not reporter.start():
            return "skipped"
        plan, _output, cache_dir = build_project_plan(project_id)
        spans = validate_plan(plan)
        cache = SegmentCache(cache_dir)
        cache.dir.mkdir(parents=True, exist_ok=True)
        tracker = ProgressTracker(len(plan.segments), reporter.on_progress)
        ensure_narration(plan, spans, cache, compute_keys(plan, spans).audio_key, tracker)
        reporter.add_line("narration track ready")
        reporter.flush()
    except RenderCancelled:
        return _end(reporter, project_id, None)
    except RenderError as exc:
        return _end(reporter, project_id, str(exc))
    except Exception as exc:  # an engine bug must still end the job FAILED with a message
        logger.exception("narration track of job %s crashed", job_id)
        return _end(reporter, project_id, unexpected_error(exc))
    finally:
        reporter.close()
    return "built"


def render_join(job_id: str, worker: str) -> dict[str, Any] | None:
    """The chord's last step: join the cached segments, mux the narration, publish the video and record the
    outcome (project COMPLETED and job SUCCEEDED, or FAILED/CANCELLED). Does nothing for a job that already ended.
    Returns the ``output_info`` on success."""
    from core_engine.render.cache import prune_cache
    from core_engine.render.join import join_and_mux
    from core_engine.render.keys import cache_keys
    from core_engine.render.plan import RenderError
    from core_engine.video_renderer import build_project_plan

    from api.tasks import record_render_succeeded, unexpected_error

    project_id = _job_project(job_id)
    if project_id is None:
        return None
    reporter = _SharedProgress(job_id, None, worker)
    try:
        if not reporter.start():
            return None
        plan, output, cache_dir = build_project_plan(project_id)
        result = join_and_mux(plan, cache_dir, output, reporter.on_progress)
        prune_cache(cache_dir, cache_keys(plan))
        reporter.add_line("[DONE] Export complete")
        reporter.flush()
    except RenderCancelled:
        _end(reporter, project_id, None)
        return None
    except RenderError as exc:
        _end(reporter, project_id, str(exc))
        return None
    except Exception as exc:  # an engine bug must still end the job FAILED with a message
        logger.exception("join of job %s crashed", job_id)
        _end(reporter, project_id, unexpected_error(exc))
        return None
    finally:
        reporter.close()
    return record_render_succeeded(project_id, result)


def _end(reporter: _SharedProgress, project_id: str, error: str | None) -> str:
    """Record the end of the job once (only the first task to end an active job does): FAILED with ``error``, or
    CANCELLED when ``error`` is ``None``. Returns "failed" or "cancelled"."""
    from api.tasks import record_render_cancelled, record_render_failed

    job_id = reporter.job_id
    reporter.add_line("[CANCELLED] stopped" if error is None else f"[FAILED] {error}")
    reporter.flush(check=False)
    reporter.close()
    with transaction.atomic():
        job = Job.objects.select_for_update().filter(pk=job_id).first()
        if job is not None and job.state in ACTIVE_JOB_STATES:
            if error is None:
                record_render_cancelled(project_id)
            else:
                record_render_failed(project_id, error)
    return "cancelled" if error is None else "failed"
