"""Celery tasks of the distributed backend: one generic task runs any job record (DESIGN §5, §8).

The message carries only the job id; the job row says which task function to run with which arguments, so the
task functions are exactly those of the embedded backend and no engine code knows which backend runs it.
"""

from __future__ import annotations

import logging
import os
import signal
from typing import Any

from celery import Task, shared_task
from celery.signals import worker_process_init

logger = logging.getLogger(__name__)


@worker_process_init.connect
def _die_with_parent(**kwargs: object) -> None:
    """Pool processes (and so their ffmpeg children's pipes) end when the worker's main process is killed."""
    try:
        import ctypes

        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        pr_set_pdeathsig = 1
        libc.prctl(pr_set_pdeathsig, signal.SIGKILL)
    except (OSError, AttributeError):  # not Linux: rely on Celery's own orphan detection
        logger.debug("prctl(PR_SET_PDEATHSIG) unavailable in pid %d", os.getpid())


@shared_task(bind=True, name="storyreel.run_job", acks_late=True, reject_on_worker_lost=True)
def run_job(self: Task, job_id: str) -> None:
    """Run the job ``job_id`` on this worker (:meth:`api.task_manager.TaskManager.run_job`); a redelivered message
    for a job that finished or runs elsewhere does nothing."""
    from django.db import connection

    from api.task_manager import TaskManager

    hostname = self.request.hostname or "celery"
    try:
        TaskManager.get_instance().run_job(job_id, worker=f"{hostname}:{os.getpid()}")
    finally:
        connection.close()


@shared_task(bind=True, name="storyreel.render_segment", acks_late=True, reject_on_worker_lost=True)
def render_segment(self: Task, job_id: str, index: int) -> str:
    """One segment of a render spread over the workers (:func:`api.fanout.render_segment`)."""
    from django.db import connection

    from api.fanout import render_segment as run

    try:
        return run(job_id, index, f"{self.request.hostname or 'celery'}:{os.getpid()}")
    finally:
        connection.close()


@shared_task(bind=True, name="storyreel.render_narration", acks_late=True, reject_on_worker_lost=True)
def render_narration(self: Task, job_id: str) -> str:
    """The narration track of a render spread over the workers (:func:`api.fanout.render_narration`)."""
    from django.db import connection

    from api.fanout import render_narration as run

    try:
        return run(job_id, f"{self.request.hostname or 'celery'}:{os.getpid()}")
    finally:
        connection.close()


@shared_task(bind=True, name="storyreel.render_join", acks_late=True, reject_on_worker_lost=True)
def render_join(self: Task, _segment_results: list[str], job_id: str) -> dict[str, Any] | None:
    """The join-and-mux step after every segment task of a render (:func:`api.fanout.render_join`)."""
    from django.db import connection

    from api.fanout import render_join as run

    try:
        return run(job_id, f"{self.request.hostname or 'celery'}:{os.getpid()}")
    finally:
        connection.close()
