"""Celery tasks of the distributed backend: one generic task runs any job record (DESIGN §5, §8).

The message carries only the job id; the job row says which task function to run with which arguments, so the
task functions are exactly those of the embedded backend and no engine code knows which backend runs it.
"""

from __future__ import annotations

import logging
import os
import signal

from celery import Task, shared_task
from celery.signals import worker_process_init

logger = logging.getLogger(__name__)


@worker_process_init.connect  # type: ignore[untyped-decorator]  # celery ships no type hints
def _die_with_parent(**kwargs: object) -> None:
    """Pool processes (and so their ffmpeg children's pipes) end when the worker's main process is killed."""
    try:
        import ctypes

        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        pr_set_pdeathsig = 1
        libc.prctl(pr_set_pdeathsig, signal.SIGKILL)
    except (OSError, AttributeError):  # not Linux: rely on Celery's own orphan detection
        logger.debug("prctl(PR_SET_PDEATHSIG) unavailable in pid %d", os.getpid())


@shared_task(  # type: ignore[untyped-decorator]  # celery ships no type hints
    bind=True, name="storyreel.run_job", acks_late=True, reject_on_worker_lost=True
)
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
