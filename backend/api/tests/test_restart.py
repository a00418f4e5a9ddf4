"""The embedded backend across real API restarts (``runserver`` subprocess on an SQLite file, real HTTP): the status
is the same before and after a restart, and a render cut off by a killed server is queued again when the server
is back (attempt 2) and completes with the exact video."""

from __future__ import annotations

import signal
from collections.abc import Iterator
from pathlib import Path

import pytest
from core_engine.render_utils import probe_video

from api.tests.servers import Stack, wait_for
from api.tests.test_distributed import job, make_project, start, status, until_done, video

pytestmark = pytest.mark.slow


@pytest.fixture
def api(tmp_path: Path) -> Iterator[Stack]:
    """A migrated SQLite database and the API serving it with the embedded backend."""
    stack = Stack(tmp_path / "embedded")
    try:
        stack.migrate()
        stack.start_api()
        yield stack
    finally:
        stack.close()


def test_status_is_identical_after_a_restart(api: Stack, tmp_path: Path) -> None:
    project = make_project(api, tmp_path, [1.0, 0.5])
    start(api, project["id"])
    before = until_done(api, project["id"], 60)
    assert before["status"] == "COMPLETED" and before["progress"]["current_segment"] == 2
    api.stop_api()
    api.start_api()
    assert status(api, project["id"]) == before


def test_a_render_cut_off_by_a_killed_server_completes_after_the_restart(api: Stack, tmp_path: Path) -> None:
    project = make_project(api, tmp_path, [20.0, 10.0], size=(320, 180), fps=12, silent=True)
    pid = project["id"]
    start(api, pid)
    running = wait_for(
        lambda: (s := status(api, pid))["stage"] and s["stage"].startswith("SCENE_BUILD") and s, 60, "encoding"
    )
    api.stop_api(signal.SIGKILL)  # the server dies mid-render; its ffmpeg child with it
    assert job_state_in_db(api, running["job_id"]) == "RUNNING"
    api.start_api(wait=False)
    # the restarted server queues the job again by itself, before any request reaches it
    wait_for(lambda: job_attempt_in_db(api, running["job_id"]) == 2, 30, "the job queued again at start-up")
    api.wait_api()
    done = until_done(api, pid, 90)
    assert done["status"] == "COMPLETED", done
    assert done["job_id"] == running["job_id"]
    record = job(api, done["job_id"])
    assert record["attempt"] == 2 and record["state"] == "SUCCEEDED"
    assert probe_video(video(api, pid)).frame_count == 360


def job_attempt_in_db(api: Stack, job_id: str) -> int:
    """The job's attempt count, read from the SQLite file directly (no request to the API)."""
    import sqlite3

    with sqlite3.connect(api.workdir / "db.sqlite3") as db:
        (attempt,) = db.execute("SELECT attempt FROM api_job WHERE id = ?", (job_id.replace("-", ""),)).fetchone()
    return int(attempt)


def job_state_in_db(api: Stack, job_id: str) -> str:
    """The job's state as the killed server left it, read from the SQLite file directly."""
    import sqlite3

    with sqlite3.connect(api.workdir / "db.sqlite3") as db:
        (state,) = db.execute("SELECT state FROM api_job WHERE id = ?", (job_id.replace("-", ""),)).fetchone()
    return str(state)
