"""The process running a job (DESIGN §5): its log, its heartbeat, its progress writes, and its priority.

:class:`RunningJob` is what :meth:`api.task_manager.TaskManager.run_job` keeps while a job runs, in whichever process
runs it (the API's embedded worker thread or a Celery worker): a :class:`JobLogHandler` that collects the job
thread's log records into ``MEDIA_ROOT/logs/<job id>.log`` and a tail kept on the job row, a heartbeat thread that
proves the worker alive every :data:`HEARTBEAT_INTERVAL` s, and :meth:`RunningJob.report`, which stores progress
records (monotone, throttled) and turns a requested cancel into :class:`~core_engine.render.progress.RenderCancelled`.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
import threading
import time
from collections import deque
from dataclasses import replace
from pathlib import Path

from core_engine.render.progress import ProgressRecord, RenderCancelled
from django.conf import settings
from django.db import connection
from django.utils import timezone

from api.models import Job

logger = logging.getLogger(__name__)

#: Seconds between two progress writes to the job row while nothing but the percentage changes.
PROGRESS_WRITE_INTERVAL = 0.5
#: Seconds between two heartbeats of a running job.
HEARTBEAT_INTERVAL = 2.0


def job_log_path(job_id: object) -> Path:
    """Full log of a job: ``MEDIA_ROOT/logs/<job id>.log``."""
    return Path(settings.MEDIA_ROOT) / "logs" / f"{job_id}.log"


class ThreadLogHandler(logging.Handler):
    """Takes the log records (INFO and up) of one thread, the one that created it, formatted with ``fmt``; subclasses
    say what to do with each record's text in :meth:`take`. A record that fails to format is dropped: a broken log
    call must not break the job that made it."""

    def __init__(self, fmt: str) -> None:
        super().__init__(level=logging.INFO)
        self.thread_id = threading.get_ident()
        self.setFormatter(logging.Formatter(fmt))

    def emit(self, record: logging.LogRecord) -> None:
        if record.thread != self.thread_id:
            return
        try:
            text = self.format(record)
        except Exception:
            return
        self.take(text)

    def take(self, text: str) -> None:
        """Handle one formatted record (may span several lines)."""
        raise NotImplementedError


class JobLogHandler(ThreadLogHandler):
    """Collects the log records a job's thread emits: appended to the job's log file, last lines kept in memory."""

    def __init__(self, job: Job) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")
        self.tail: deque[str] = deque(job.log_lines, maxlen=Job.LOG_TAIL_LINES)
        self.lock_tail = threading.Lock()
        self.path = job_log_path(job.id)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.file = self.path.open("a", encoding="utf-8")
        self.finished = False

    def line(self, text: str) -> None:
        """Add one line written by the job manager itself (phase changes, outcome)."""
        stamped = f"{time.strftime('%Y-%m-%d %H:%M:%S')} {text}"
        with self.lock_tail:
            self.tail.append(stamped)
            self._write(stamped)

    def take(self, text: str) -> None:
        with self.lock_tail:
            for part in text.splitlines() or [""]:
                self.tail.append(part)
            self._write(text)

    def _write(self, text: str) -> None:
        """Append to the log file (caller holds ``lock_tail``). A logging reconfiguration (``dictConfig`` closes
        every handler) reopens it; a failing write never breaks the job."""
        try:
            if self.file.closed and not self.finished:
                self.file = self.path.open("a", encoding="utf-8")
            self.file.write(text + "\n")
            self.file.flush()
        except (OSError, ValueError) as exc:
            logger.debug("job log %s not written: %s", self.path, exc)

    def tail_text(self) -> str:
        with self.lock_tail:
            return "\n".join(self.tail)

    def close(self) -> None:
        """Called by logging (e.g. a ``dictConfig`` closes every handler): the file reopens at the next line."""
        with self.lock_tail:
            self.file.close()
        super().close()

    def finish(self) -> None:
        """The job is over: close the file for good."""
        with self.lock_tail:
            self.finished = True
            self.file.close()


class RunningJob:
    """What the process running a job keeps while it runs: monotone percentage, throttled writes, log, heartbeat."""

    def __init__(self, job: Job) -> None:
        self.job_id = job.id
        self.task_id = job.task_id
        self.started = time.monotonic()
        self.record = ProgressRecord.from_dict(job.progress)
        self.last_write = 0.0
        self.last_phase = ""
        self.log = JobLogHandler(job)
        logging.getLogger().addHandler(self.log)
        self._stop = threading.Event()
        self._heart = threading.Thread(target=self._beat, name=f"heartbeat-{job.id}", daemon=True)
        self._heart.start()

    def _beat(self) -> None:
        while not self._stop.wait(HEARTBEAT_INTERVAL):
            try:
                Job.objects.filter(pk=self.job_id).update(heartbeat_at=timezone.now(), log_tail=self.log.tail_text())
            except Exception as exc:  # the database may be briefly unreachable; the next beat retries
                logger.warning("heartbeat of job %s failed: %s", self.job_id, exc)
        connection.close()

    def report(self, record: ProgressRecord) -> None:
        """Store ``record`` (percentage made monotone and kept below 100 while running, ETA filled in).

        Raises:
            RenderCancelled: a cancel was requested for this job.
        """
        pct = max(self.record.percentage, min(99, int(record.percentage)))
        eta = record.eta_seconds
        if eta is None and pct > 0:
            eta = round((time.monotonic() - self.started) * (100 - pct) / pct, 1)
        changed = (record.current_phase, record.stage, record.current_segment) != (
            self.record.current_phase,
            self.record.stage,
            self.record.current_segment,
        )
        self.record = replace(record, percentage=pct, eta_seconds=eta)
        if record.current_phase and record.current_phase.split(" (")[0] != self.last_phase:
            self.last_phase = record.current_phase.split(" (")[0]
            self.log.line(f"[{record.stage}] {record.current_phase}")
        now = time.monotonic()
        if not changed and now - self.last_write < PROGRESS_WRITE_INTERVAL:
            return
        self.last_write = now
        written = Job.objects.filter(pk=self.job_id, cancel_requested=False).update(
            progress=self.record.to_dict(), stage=self.record.stage, heartbeat_at=timezone.now()
        )
        if not written:
            raise RenderCancelled("The render was cancelled.")

    def close(self) -> None:
        self._stop.set()
        self._heart.join(timeout=HEARTBEAT_INTERVAL + 5)
        logging.getLogger().removeHandler(self.log)
        self.log.finish()


#: Nice value of the worker thread (renders, narration) and of every thread and process it starts (the frame
#: producer, ffmpeg, espeak; the encoders the engine feeds go lower still, ``core_engine.render.ffmpeg.
#: FED_PROCESS_NICE``): request threads keep the server's own priority, so status polls stay fast while a render
#: keeps the CPU busy (issue 9, row 14). Linux only: there the nice value is per thread and inherited by new threads
#: and child processes, which stay in the server's session (and so its scheduler autogroup) for it to count.
WORKER_NICE = 10


def lower_worker_priority() -> None:
    """``ThreadPoolExecutor`` initializer: give the calling thread :data:`WORKER_NICE` (Linux; elsewhere a no-op,
    because ``setpriority`` would renice the whole server). Never raises."""
    if sys.platform != "linux":
        return
    with contextlib.suppress(OSError):
        tid = threading.get_native_id()
        os.setpriority(os.PRIO_PROCESS, tid, max(os.getpriority(os.PRIO_PROCESS, tid), WORKER_NICE))
