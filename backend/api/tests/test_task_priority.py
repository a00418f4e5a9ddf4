"""Background jobs run below the request threads' priority (issue 9, row 14: status polls stay fast during a render):
the worker thread, and every process it starts, get ``WORKER_NICE``; the server's other threads keep theirs."""

from __future__ import annotations

import os
import subprocess
import sys
import threading

import pytest

from api.job_runtime import WORKER_NICE
from api.task_manager import TaskManager

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="per-thread nice values are a Linux feature")


def _nice_of_this_thread_and_a_child() -> tuple[int, int]:
    own = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
    child = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpriority(os.PRIO_PROCESS, 0))"],
        capture_output=True,
        text=True,
        check=True,
    )
    return own, int(child.stdout)


@pytest.mark.django_db(transaction=True)  # the job record is written from the worker thread
def test_the_worker_and_its_children_run_at_a_lower_priority() -> None:
    manager = TaskManager()
    before = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
    manager.submit_task(_nice_of_this_thread_and_a_child, task_id="nice-check")
    manager._futures["nice-check"].result(timeout=60)
    status = manager.get_task_status("nice-check")
    assert status is not None and status["status"] == "COMPLETED", status
    assert status["result"] == [max(before, WORKER_NICE)] * 2  # (thread, child), stored as JSON
    assert os.getpriority(os.PRIO_PROCESS, threading.get_native_id()) == before  # request threads keep theirs
