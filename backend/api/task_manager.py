"""Background jobs with durable records (DESIGN §5): one API, two backends.

Every job is a :class:`~api.models.Job` row: what to run (``function`` + ``args``), its state
(QUEUED → RUNNING → SUCCEEDED | FAILED | CANCELLED), stage, progress record, error, log tail, attempt, worker and
heartbeat. The row is the only truth; nothing about a job lives only in a process's memory, so status answers are
the same after a restart and whichever process ran the job.

Backends (``STORYREEL_TASK_BACKEND``):

- ``embedded`` (default): one ``ThreadPoolExecutor(max_workers=1)`` in the API process runs jobs one after another.
- ``celery``: the API process only enqueues the job id (task ``storyreel.run_job``, :mod:`api.celery_tasks`);
  Celery workers run it. Both call :meth:`TaskManager.run_job`, which calls the same task function; while it runs,
  the process keeps an :class:`api.job_runtime.RunningJob` (log, heartbeat, throttled progress writes).

Task functions report with :meth:`TaskManager.update_task_progress` (a
:class:`~core_engine.render.progress.ProgressRecord`); that call raises
:class:`~core_engine.render.progress.RenderCancelled` once a cancel was requested, which is how a render stops.
"""

from __future__ import annotations

import importlib
import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import replace
from datetime import timedelta
from typing import Any, cast

from core_engine.render.progress import ProgressRecord, RenderCancelled, Stage
from django.conf import settings
from django.db import IntegrityError, close_old_connections, connection, transaction
from django.utils import timezone

from api.job_runtime import RunningJob, lower_worker_priority
from api.models import ACTIVE_JOB_STATES, Job, JobKind, JobState, Segment

logger = logging.getLogger(__name__)

#: A RUNNING job whose heartbeat is older than this (seconds) has lost its worker (a redelivered task may take it).
HEARTBEAT_STALE_SECONDS = 10.0
#: Runs a job may get before an interrupted one ends FAILED (DESIGN §5).
MAX_ATTEMPTS = 2
#: Error of a job stopped by a server or worker that went away too often.
INTERRUPTED_ERROR = "Render interrupted: the server stopped before the video was finished. Retry to render again."


class EnqueueError(Exception):
    """The job was recorded but could not be handed to the backend (e.g. the Celery broker is unreachable); the job
    is marked FAILED. ``str(err)`` names the cause."""


class TaskStatus:
    """Task states as reported by :meth:`TaskManager.get_task_status` (the seeds' names for job states)."""

    PENDING = "PENDING"
    RUNNING = "RUNNING"
    COMPLETED = "COMPLETED"
    FAILED = "FAILED"
    CANCELLED = "CANCELLED"


_TASK_STATUS = {
    JobState.QUEUED: TaskStatus.PENDING,
    JobState.RUNNING: TaskStatus.RUNNING,
    JobState.SUCCEEDED: TaskStatus.COMPLETED,
    JobState.FAILED: TaskStatus.FAILED,
    JobState.CANCELLED: TaskStatus.CANCELLED,
}


def task_backend_name() -> str:
    """``"celery"`` or ``"embedded"`` from ``STORYREEL_TASK_BACKEND`` (default embedded)."""
    return "celery" if getattr(settings, "STORYREEL_TASK_BACKEND", "embedded") == "celery" else "embedded"


def function_path(fn: Callable[..., Any]) -> str:
    """``"module:qualname"`` of a function, or ``""`` when it cannot be imported back (a closure, a lambda)."""
    qualname = getattr(fn, "__qualname__", "")
    if "<" in qualname or not getattr(fn, "__module__", None):
        return ""
    return f"{fn.__module__}:{qualname}"


def import_function(path: str) -> Callable[..., Any]:
    """Inverse of :func:`function_path`; raises ``ImportError``/``AttributeError`` for an unknown path."""
    module, _, qualname = path.partition(":")
    obj: Any = importlib.import_module(module)
    for part in qualname.split("."):
        obj = getattr(obj, part)
    if not callable(obj):
        raise TypeError(f"{path} is not a function")
    return cast(Callable[..., Any], obj)


def describe_task(task_id: str, args: tuple[Any, ...]) -> dict[str, Any]:
    """Kind, project and segments of a job from its task id convention (``render_<project>``,
    ``tts_all_<project>`` with the segment ids as second argument, ``tts_<segment>``); other ids are kind other."""
    if task_id.startswith("render_"):
        return {"kind": JobKind.RENDER, "project_id": task_id.removeprefix("render_")}
    if task_id.startswith("preview_"):  # the quick preview draft (api.preview)
        return {"kind": JobKind.OTHER, "project_id": task_id.removeprefix("preview_")}
    if task_id.startswith("tts_all_"):
        segment_ids = [str(s) for s in args[1]] if len(args) > 1 else []
        return {"kind": JobKind.NARRATION, "project_id": task_id.removeprefix("tts_all_"), "segment_ids": segment_ids}
    if task_id.startswith("tts_"):
        segment_id = task_id.removeprefix("tts_")
        project_id = Segment.objects.filter(pk=segment_id).values_list("project_id", flat=True).first()
        return {"kind": JobKind.NARRATION, "project_id": project_id, "segment_ids": [segment_id]}
    return {"kind": JobKind.OTHER}


class TaskManager:
    """Process singleton: submits jobs to the configured backend and keeps their records.

    Task record (what :meth:`get_task_status` returns, the seeds' shape)::

        {task_id, job_id, status, stage, progress: ProgressRecord.to_dict(), error, result, created_at, started_at,
         finished_at, extra: {...}}
    """

    _instance: TaskManager | None = None
    _instance_lock = threading.Lock()

    def __init__(self) -> None:
        self.backend = task_backend_name()
        self._executor: ThreadPoolExecutor | None = None
        self._lock = threading.Lock()
        self._futures: dict[str, Future[None]] = {}
        self._running: dict[str, RunningJob] = {}
        #: Set by :meth:`begin_shutdown`: the serving process is stopping.
        self.stopping = False

    @classmethod
    def get_instance(cls) -> TaskManager:
        """The process-wide manager, created on first use."""
        with cls._instance_lock:
            if cls._instance is None:
                cls._instance = cls()
            return cls._instance

    # -- submitting -------------------------------------------------------------------------------------------------
    def submit_task(self, fn: Callable[..., Any], *args: Any, task_id: str | None = None, **extra: Any) -> str:
        """Record a QUEUED job running ``fn(*args)`` and hand it to the backend; returns its task id.

        ``task_id`` defaults to a new UUID hex. ``extra`` keys start the job's ``extra`` dict. ``args`` must be JSON
        values (they are stored so that any worker, or this process after a restart, can run the job).

        Raises:
            RuntimeError: a job with this task id is already queued or running.
            ValueError: the celery backend was asked to run a function it cannot import by name.
            EnqueueError: the backend refused the job (broker unreachable); the job is recorded FAILED.
        """
        task_id = task_id or uuid.uuid4().hex
        path = function_path(fn)
        if self.backend == "celery" and not path:
            raise ValueError(f"{fn!r} cannot run on a Celery worker: only module-level functions can")
        try:
            with transaction.atomic():
                job = Job.objects.create(
                    task_id=task_id,
                    function=path,
                    args=list(args),
                    extra=dict(extra),
                    progress=ProgressRecord(current_phase="Queued").to_dict(),
                    **describe_task(task_id, args),
                )
        except IntegrityError:
            raise RuntimeError(f"task {task_id} is already running") from None
        try:
            self._enqueue(job, fn)
        except Exception as exc:
            logger.exception("job %s (%s) could not be queued", job.id, task_id)
            self._finish(job.id, JobState.FAILED, error="The job could not be queued.")
            raise EnqueueError(f"{exc.__class__.__name__}: {exc}") from exc
        return task_id

    def _enqueue(self, job: Job, fn: Callable[..., Any] | None = None) -> None:
        if self.backend == "celery":
            from storyreel.celery import app

            if job.kind == JobKind.RENDER and getattr(settings, "STORYREEL_RENDER_FANOUT", True):
                from api.fanout import enqueue_render_chord

                enqueue_render_chord(job)  # one task per segment, then join-and-mux
            else:
                app.send_task("storyreel.run_job", args=[str(job.id)])
            return
        with self._lock:
            if self._executor is None:
                self._executor = ThreadPoolExecutor(
                    max_workers=1, thread_name_prefix="storyreel-worker", initializer=lower_worker_priority
                )
            self._futures[job.task_id] = self._executor.submit(self._run_embedded, str(job.id), fn)

    def _run_embedded(self, job_id: str, fn: Callable[..., Any] | None) -> None:
        try:
            self.run_job(job_id, fn, worker=f"embedded@{socket.gethostname()}:{os.getpid()}")
        finally:
            connection.close()

    # -- running ----------------------------------------------------------------------------------------------------
    def run_job(self, job_id: str, fn: Callable[..., Any] | None = None, worker: str = "") -> None:
        """Run one job in this process (both backends call this): claim it (QUEUED, or RUNNING with a stale
        heartbeat: its worker died), run its function, record the outcome. A job already finished, cancelled, or
        running with a live heartbeat elsewhere is left alone (a redelivered message does nothing twice)."""
        close_old_connections()
        job = Job.objects.filter(pk=job_id).first()
        if job is None or job.state not in ACTIVE_JOB_STATES:
            return
        stale = timezone.now() - timedelta(seconds=HEARTBEAT_STALE_SECONDS)
        if job.state == JobState.RUNNING and job.heartbeat_at and job.heartbeat_at > stale:
            logger.info("job %s is running on %s; not taking it", job_id, job.worker)
            return
        if job.attempt >= MAX_ATTEMPTS:
            self._finish(job.id, JobState.FAILED, error=INTERRUPTED_ERROR)
            self._after_interrupted(job)
            return
        now = timezone.now()
        claimed = Job.objects.filter(pk=job.pk, state=job.state, attempt=job.attempt).update(
            state=JobState.RUNNING, attempt=job.attempt + 1, worker=worker, started_at=now, heartbeat_at=now
        )
        if not claimed:
            return
        job.refresh_from_db()
        running = RunningJob(job)
        running.log.line(f"job {job.id} ({job.task_id}) attempt {job.attempt} on {worker or 'this process'}")
        with self._lock:
            self._running[job.task_id] = running
        try:
            self._call(job, fn)
        finally:
            with self._lock:
                self._running.pop(job.task_id, None)
            running.close()
            Job.objects.filter(pk=job.pk).update(log_tail=running.log.tail_text())

    def _call(self, job: Job, fn: Callable[..., Any] | None) -> None:
        """Run the job's function and make sure the job ends: SUCCEEDED when the function returned without
        recording an outcome itself, FAILED (and a render's project FAILED) when it raised."""
        error = None
        result: Any = None
        try:
            result = (fn or import_function(job.function))(*job.args)
        except Exception as exc:  # the task function normally handles its own errors; this is the safety net
            if not self.stopping:
                logger.exception("task %s failed", job.task_id)
            error = str(exc) or exc.__class__.__name__
        if not Job.objects.filter(pk=job.pk, state=JobState.RUNNING).exists():
            return  # the function recorded its outcome
        if error is not None and self.stopping:
            return  # stopped by the shutdown: left RUNNING, queued again at the next start-up
        if error is None:
            self.complete_task(job.task_id, result)
            return
        try:
            self.fail_task(job.task_id, error)
        finally:
            if job.kind == JobKind.RENDER and job.project_id:
                from api.models import Project, ProjectStatus

                Project.objects.filter(pk=job.project_id, status=ProjectStatus.PROCESSING).update(
                    status=ProjectStatus.FAILED, render_error=f"The render failed unexpectedly ({error})."
                )

    def begin_shutdown(self) -> None:
        """The serving process is stopping (SIGTERM): from now on a job that fails because its children are being
        stopped records nothing, so it stays RUNNING and the next start-up queues it again (DESIGN §5; after
        :data:`MAX_ATTEMPTS` runs it ends FAILED "interrupted")."""
        self.stopping = True

    def _after_interrupted(self, job: Job) -> None:
        if job.kind == JobKind.RENDER and job.project_id:
            from api.tasks import mark_render_interrupted

            mark_render_interrupted(job.project_id)

    # -- reporting --------------------------------------------------------------------------------------------------
    def update_task_progress(self, task_id: str, record: ProgressRecord) -> None:
        """Record the progress of the running job ``task_id`` (percentage kept monotone, < 100 until done).

        Writes to the job row at every phase/segment change and otherwise at most every
        :data:`api.job_runtime.PROGRESS_WRITE_INTERVAL` s.

        Raises:
            RenderCancelled: a cancel was requested for the job (the caller stops and cleans up).
        """
        with self._lock:
            running = self._running.get(task_id)
        if running is not None:
            running.report(record)
            return
        job = Job.objects.filter(task_id=task_id, state__in=ACTIVE_JOB_STATES).first()
        if job is not None:
            if job.cancel_requested:
                raise RenderCancelled("The render was cancelled.")
            Job.objects.filter(pk=job.pk).update(progress=record.to_dict(), stage=record.stage)

    def log_line(self, task_id: str, text: str) -> None:
        """Add a line to the running job's log (no-op when the job does not run in this process)."""
        with self._lock:
            running = self._running.get(task_id)
        if running is not None:
            running.log.line(text)

    def update_extra(self, task_id: str, mutate: Callable[[dict[str, Any]], None]) -> None:
        """Apply ``mutate`` to the active job's ``extra`` dict (read-modify-write in one transaction)."""
        with transaction.atomic():
            job = Job.objects.select_for_update().filter(task_id=task_id).order_by("-created_at").first()
            if job is not None:
                mutate(job.extra)
                job.save(update_fields=["extra"])

    def complete_task(self, task_id: str, result: Any = None, current_phase: str = "Done") -> None:
        """Mark the job SUCCEEDED with 100 % (current = total segments), stage DONE."""
        job = self._latest(task_id)
        if job is None:
            return
        record = ProgressRecord.from_dict(job.progress)
        done = replace(
            record,
            current_segment=record.total_segments,
            percentage=100,
            current_phase=current_phase,
            stage=Stage.DONE,
            eta_seconds=0.0,
        )
        extra = {**job.extra, "result": result} if result is not None else job.extra
        self.log_line(task_id, f"[{Stage.DONE}] {current_phase}")
        self._finish(job.id, JobState.SUCCEEDED, progress=done.to_dict(), extra=extra)

    def fail_task(self, task_id: str, error: str) -> None:
        """Mark the job FAILED with a human-readable ``error``; its last known progress stays."""
        job = self._latest(task_id)
        if job is None:
            return
        self.log_line(task_id, f"[FAILED] {error}")
        self._finish(job.id, JobState.FAILED, error=error)

    def cancel_finished(self, task_id: str, current_phase: str) -> None:
        """Mark the job CANCELLED (stage CANCELLED, ``current_phase`` saying so); called once the work stopped."""
        job = self._latest(task_id)
        if job is None:
            return
        record = replace(
            ProgressRecord.from_dict(job.progress), current_phase=current_phase, stage=Stage.CANCELLED, eta_seconds=None
        )
        self.log_line(task_id, f"[{Stage.CANCELLED}] {current_phase}")
        self._finish(job.id, JobState.CANCELLED, progress=record.to_dict())

    def request_cancel(self, task_id: str) -> Job | None:
        """Ask the active job ``task_id`` to stop. A QUEUED job ends CANCELLED at once (no worker will run it); a
        RUNNING one gets ``cancel_requested`` and stops at its next progress report. Returns the job as it was
        before, or ``None`` when nothing with this task id is queued or running."""
        job = Job.objects.filter(task_id=task_id, state__in=ACTIVE_JOB_STATES).first()
        if job is None:
            return None
        Job.objects.filter(pk=job.pk).update(cancel_requested=True)
        return job

    def _finish(self, job_id: Any, state: str, **fields: Any) -> None:
        if state == JobState.SUCCEEDED:
            fields.setdefault("stage", Stage.DONE)
        elif state == JobState.CANCELLED:
            fields.setdefault("stage", Stage.CANCELLED)
        Job.objects.filter(pk=job_id).update(state=state, finished_at=timezone.now(), **fields)

    # -- reading ----------------------------------------------------------------------------------------------------
    def _latest(self, task_id: str) -> Job | None:
        return Job.objects.filter(task_id=task_id).order_by("-created_at").first()

    def get_task_status(self, task_id: str) -> dict[str, Any] | None:
        """The latest job with this task id in the seeds' task record shape, or ``None`` for an unknown id."""
        job = self._latest(task_id)
        if job is None:
            return None
        p = ProgressRecord.from_dict(job.progress)
        return {
            "task_id": task_id,
            "job_id": str(job.id),
            "status": _TASK_STATUS[JobState(job.state)],
            "stage": job.stage,
            "progress": p.to_dict(),
            "error": job.error or None,
            "result": job.extra.get("result"),
            "created_at": job.created_at.timestamp(),
            "started_at": job.started_at.timestamp() if job.started_at else None,
            "finished_at": job.finished_at.timestamp() if job.finished_at else None,
            "extra": job.extra,
        }

    def is_active(self, task_id: str) -> bool:
        """True while a job with this task id is queued or running."""
        return Job.objects.filter(task_id=task_id, state__in=ACTIVE_JOB_STATES).exists()

    def wait(self, task_id: str, timeout: float | None = None, poll: float = 0.1) -> None:
        """Block until the job ``task_id`` is no longer queued or running (for the CLI and tests).

        Raises:
            TimeoutError: still active after ``timeout`` seconds.
        """
        with self._lock:
            fut = self._futures.get(task_id)
        if fut is not None:
            fut.result(timeout=timeout)  # run_job records a task's own errors, so only the timeout propagates
            return
        deadline = None if timeout is None else time.monotonic() + timeout
        while self.is_active(task_id):
            if deadline is not None and time.monotonic() > deadline:
                raise TimeoutError(f"task {task_id} still running after {timeout} s")
            time.sleep(poll)

    # -- start-up ---------------------------------------------------------------------------------------------------
    def requeue_interrupted(self) -> list[str]:
        """Embedded backend, at start-up: queue again every job a stopped process left QUEUED or RUNNING (a job
        that already had :data:`MAX_ATTEMPTS` runs ends FAILED "interrupted" instead, when it is picked up).
        Returns the task ids queued again. Jobs whose function cannot be imported end FAILED at once."""
        requeued = []
        for job in Job.objects.filter(state__in=ACTIVE_JOB_STATES).order_by("created_at"):
            if task_backend_name() == "embedded" and job.task_id in self._futures:
                continue  # this process queued it
            if not job.function:
                self._finish(job.id, JobState.FAILED, error=INTERRUPTED_ERROR)
                self._after_interrupted(job)
                continue
            Job.objects.filter(pk=job.pk).update(state=JobState.QUEUED, heartbeat_at=None)
            job.state = JobState.QUEUED
            self._enqueue(job)
            requeued.append(job.task_id)
        if requeued:
            logger.warning("queued %d interrupted job(s) again: %s", len(requeued), ", ".join(requeued))
        return requeued
