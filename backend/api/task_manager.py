"""In-process background task manager (DESIGN §5).

One ``ThreadPoolExecutor(max_workers=1)`` runs every heavy job (renders and narration) one after another, and an
in-memory registry keeps each task's progress for the status endpoints. The registry is guarded by a lock and every
read returns a copy, so status polls never wait for a running job.
"""

from __future__ import annotations

import contextlib
import copy
import logging
import os
import sys
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from core_engine.render.progress import ProgressRecord, Stage

logger = logging.getLogger(__name__)


class TaskStatus:
    """Task states as reported by :meth:`TaskManager.get_task_status`."""

    PENDING = "PENDING"
    RUNNING = "RUNNING"
    COMPLETED = "COMPLETED"
    FAILED = "FAILED"


#: Nice value of the worker thread (renders, narration) and of every thread and process it starts (the frame
#: producer, ffmpeg, espeak): request threads keep the server's own priority, so status polls stay fast while a render
#: keeps the CPU busy (issue 9, row 14). Linux only: there the nice value is per thread and inherited by new threads
#: and child processes.
WORKER_NICE = 10


def lower_worker_priority() -> None:
    """``ThreadPoolExecutor`` initializer: give the calling thread :data:`WORKER_NICE` (Linux; elsewhere a no-op,
    because ``setpriority`` would renice the whole server). Never raises."""
    if sys.platform != "linux":
        return
    with contextlib.suppress(OSError):
        tid = threading.get_native_id()
        os.setpriority(os.PRIO_PROCESS, tid, max(os.getpriority(os.PRIO_PROCESS, tid), WORKER_NICE))


class TaskManager:
    """Process singleton owning the worker thread and the task registry.

    Task record (what :meth:`get_task_status` returns)::

        {task_id, status, progress: ProgressRecord.to_dict(), error, result,
         created_at, started_at, finished_at, extra: {...}}

    ``progress`` has the keys of :class:`core_engine.render.progress.ProgressRecord` (``current_segment,
    total_segments, percentage, current_phase, stage, eta_seconds``); ``percentage`` is an int 0–100 that never
    decreases during one run of a task id.
    """

    _instance: TaskManager | None = None
    _instance_lock = threading.Lock()

    def __init__(self) -> None:
        self._executor = ThreadPoolExecutor(
            max_workers=1, thread_name_prefix="storyreel-worker", initializer=lower_worker_priority
        )
        self._lock = threading.Lock()
        self._tasks: dict[str, dict[str, Any]] = {}
        self._futures: dict[str, Future] = {}

    @classmethod
    def get_instance(cls) -> TaskManager:
        """The process-wide manager, created on first use."""
        with cls._instance_lock:
            if cls._instance is None:
                cls._instance = cls()
            return cls._instance

    # -- submitting -------------------------------------------------------------------------------------------------
    def submit_task(self, fn: Callable[..., Any], *args: Any, task_id: str | None = None, **extra: Any) -> str:
        """Queue ``fn(*args)`` on the worker and return its task id (``task_id`` or a new UUID).

        A task id that is already queued or running is refused with ``RuntimeError`` (callers check state first).
        ``extra`` keys are kept in the record's ``extra`` dict (e.g. segment ids of a narration batch).
        """
        task_id = task_id or uuid.uuid4().hex
        with self._lock:
            if self._is_active(task_id):
                raise RuntimeError(f"task {task_id} is already running")
            self._tasks[task_id] = {
                "task_id": task_id,
                "status": TaskStatus.PENDING,
                "progress": ProgressRecord().to_dict(),
                "error": None,
                "result": None,
                "created_at": time.time(),
                "started_at": None,
                "finished_at": None,
                "extra": dict(extra),
            }
            self._futures[task_id] = self._executor.submit(self._run, task_id, fn, args)
        return task_id

    def _run(self, task_id: str, fn: Callable[..., Any], args: tuple) -> None:
        with self._lock:
            rec = self._tasks[task_id]
            rec["status"] = TaskStatus.RUNNING
            rec["started_at"] = time.time()
        try:
            result = fn(*args)
        except Exception as exc:  # the task function normally handles its own errors; this is the safety net
            logger.exception("task %s failed", task_id)
            self.fail_task(task_id, str(exc) or exc.__class__.__name__)
        else:
            with self._lock:
                still_running = self._tasks[task_id]["status"] == TaskStatus.RUNNING
            if still_running:
                self.complete_task(task_id, result)
        finally:
            from django.db import connection

            connection.close()

    # -- reporting --------------------------------------------------------------------------------------------------
    def update_task_progress(self, task_id: str, record: ProgressRecord) -> None:
        """Store ``record`` as the task's progress; its percentage is clamped to 0–99 while the task runs (100 means
        done) and never moves backwards."""
        with self._lock:
            rec = self._tasks.get(task_id)
            if rec is None:
                return
            progress = record.to_dict()
            progress["percentage"] = max(rec["progress"]["percentage"], min(99, int(record.percentage)))
            rec["progress"] = progress

    def complete_task(self, task_id: str, result: Any = None, current_phase: str = "Done") -> None:
        """Mark a task COMPLETED with 100 %."""
        with self._lock:
            rec = self._tasks.get(task_id)
            if rec is None:
                return
            total = rec["progress"].get("total_segments", 0)
            rec["status"] = TaskStatus.COMPLETED
            rec["result"] = result
            rec["finished_at"] = time.time()
            rec["progress"] = ProgressRecord(total, total, 100, current_phase, Stage.DONE, 0.0).to_dict()

    def fail_task(self, task_id: str, error: str) -> None:
        """Mark a task FAILED with a human-readable ``error``."""
        with self._lock:
            rec = self._tasks.get(task_id)
            if rec is None:
                return
            rec["status"] = TaskStatus.FAILED
            rec["error"] = error
            rec["finished_at"] = time.time()

    def update_extra(self, task_id: str, mutate: Callable[[dict[str, Any]], None]) -> None:
        """Apply ``mutate`` to the task's ``extra`` dict under the registry lock."""
        with self._lock:
            rec = self._tasks.get(task_id)
            if rec is not None:
                mutate(rec["extra"])

    # -- reading ----------------------------------------------------------------------------------------------------
    def get_task_status(self, task_id: str) -> dict[str, Any] | None:
        """A deep copy of the task record, or ``None`` for an unknown id."""
        with self._lock:
            rec = self._tasks.get(task_id)
            return copy.deepcopy(rec) if rec is not None else None

    def is_active(self, task_id: str) -> bool:
        """True while the task is queued or running."""
        with self._lock:
            return self._is_active(task_id)

    def _is_active(self, task_id: str) -> bool:  # caller holds self._lock
        rec = self._tasks.get(task_id)
        return rec is not None and rec["status"] in (TaskStatus.PENDING, TaskStatus.RUNNING)

    def wait(self, task_id: str, timeout: float | None = None) -> None:
        """Block until the task's job has finished (for the CLI and tests); raises ``TimeoutError``."""
        with self._lock:
            fut = self._futures.get(task_id)
        if fut is not None:
            fut.result(timeout=timeout)  # _run records a task's own errors, so only the timeout propagates
