"""The distributed backend with real parts on loopback (DESIGN §8): Redis, a throwaway PostgreSQL cluster, the API
in Celery mode (``runserver`` subprocess, real HTTP) and two Celery worker processes sharing a media folder.

Two projects render at once on the two workers; a render is cancelled; a worker is SIGKILLed mid-render and the
render completes on the other one (the broker gives the unacknowledged task back after the visibility timeout,
20 s here); readiness reports the broker and the workers. Renders are tiny (160×90, 12 fps) except the ones that
must still be running when they are cancelled or killed.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest
from core_engine.render_utils import probe_video
from PIL import Image

from api.tests.helpers import write_image, write_silence, write_wav
from api.tests.servers import Stack, postgres_cluster, redis_server, wait_for

pytestmark = pytest.mark.slow

WORKERS = ["render1", "render2"]
COLOURS = [(200, 40, 40), (40, 160, 60), (40, 60, 200)]


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """Redis + PostgreSQL + migrated database + API (celery backend) + two workers, for the whole session."""
    root = tmp_path_factory.mktemp("distributed")
    with redis_server(root) as broker, postgres_cluster() as database:
        stack = Stack(root, database, broker)
        try:
            stack.migrate()
            stack.start_api()
            stack.ensure_workers(WORKERS)
            yield stack
        finally:
            stack.close()


def make_project(stack: Stack, tmp: Path, durations: list[float], size=(160, 90), fps=12, silent=False) -> dict:
    """A project made through the HTTP API: one image and one narration (a tone, or silence) per segment."""
    code, project = stack.request(
        "POST",
        "/api/projects/import/",
        {"format": "json", "title": "Distributed", "segments": [{"text_content": f"Part {i}."} for i in durations]},
    )
    assert code == 201, project
    pid = project["id"]
    code, _ = stack.request(
        "PATCH", f"/api/projects/{pid}/", {"resolution_width": size[0], "resolution_height": size[1], "framerate": fps}
    )
    assert code == 200
    for i, (seg, seconds) in enumerate(zip(project["segments"], durations, strict=True)):
        image = write_image(tmp / f"{seg['id']}.png", "PNG", size=(320, 180), colour=COLOURS[i % 3])
        audio = (
            write_silence(tmp / f"{seg['id']}.flac", seconds)
            if silent
            else write_wav(tmp / f"{seg['id']}.wav", seconds)
        )
        code, body = stack.request(
            "PATCH", f"/api/segments/{seg['id']}/", files={"image_file": image, "audio_file": audio}
        )
        assert code == 200, body
    return project


def status(stack: Stack, pid: str) -> dict:
    code, body = stack.get(f"/api/projects/{pid}/status/")
    assert code == 200, body
    return body


def start(stack: Stack, pid: str) -> None:
    code, body = stack.request("POST", f"/api/projects/{pid}/render/")
    assert code == 202, body


def until_done(stack: Stack, pid: str, timeout: float) -> dict:
    return wait_for(lambda: (s := status(stack, pid))["status"] != "PROCESSING" and s, timeout, f"render of {pid}")


def job(stack: Stack, job_id: str) -> dict:
    code, body = stack.get(f"/api/jobs/{job_id}/")
    assert code == 200, body
    return body


def video(stack: Stack, pid: str) -> Path:
    return stack.media / "projects" / pid / "output" / "final.mp4"


def colour_at(path: Path, frame: int, tmp: Path) -> tuple[int, int, int]:
    """Mean colour of one frame of a video (decoded with the app's ffmpeg)."""
    from api.tests.helpers import ffmpeg

    out = tmp / f"frame-{frame}.png"
    ffmpeg("-i", str(path), "-vf", f"select=eq(n\\,{frame})", "-frames:v", "1", str(out))
    with Image.open(out) as im:
        r, g, b = (int(sum(c) / len(c)) for c in zip(*im.convert("RGB").getdata(), strict=True))
    return r, g, b


def encoders_of(stack: Stack, worker: str) -> list[psutil.Process]:
    """The ffmpeg processes a worker runs (children of its pool process, in their own process group)."""
    root = psutil.Process(stack.workers[worker].pid)
    return [p for p in root.children(recursive=True) if "ffmpeg" in p.name()]


def gone(procs: list[psutil.Process]) -> bool:
    for proc in procs:
        try:
            if proc.status() != psutil.STATUS_ZOMBIE:
                return False
        except psutil.NoSuchProcess:
            continue
    return True


def assert_completed(stack: Stack, pid: str, body: dict, segments: int, frames: int) -> dict:
    assert body["status"] == "COMPLETED", body
    assert body["progress"] == {
        "current_segment": segments,
        "total_segments": segments,
        "percentage": 100,
        "current_phase": "Export complete",
        "stage": "DONE",
        "eta_seconds": 0.0,
    }
    assert body["output_url"] == f"/media/projects/{pid}/output/final.mp4" and body["error"] is None
    assert body["stage"] == "DONE" and body["job_id"] and 0 < len(body["log_tail"]) <= 20
    assert probe_video(video(stack, pid)).frame_count == frames
    return job(stack, body["job_id"])


def test_two_projects_render_at_once_on_two_workers(stack: Stack, tmp_path: Path) -> None:
    stack.ensure_workers(WORKERS)
    a = make_project(stack, tmp_path, [1.0, 0.5])
    b = make_project(stack, tmp_path, [0.75, 1.0, 0.5])
    start(stack, a["id"])
    start(stack, b["id"])
    seen: dict[str, list[int]] = {a["id"]: [], b["id"]: []}

    def both_done() -> bool:
        states = []
        for pid, pcts in seen.items():
            body = status(stack, pid)
            if body["status"] == "PROCESSING":
                pcts.append(body["progress"]["percentage"])
            states.append(body["status"])
        return "PROCESSING" not in states

    wait_for(both_done, 60, "both renders", interval=0.05)
    for pcts in seen.values():  # progress aggregated over the segment tasks never goes down
        assert pcts == sorted(pcts) and all(0 <= p <= 99 for p in pcts), pcts
    done_a, done_b = status(stack, a["id"]), status(stack, b["id"])
    job_a = assert_completed(stack, a["id"], done_a, 2, 18)
    job_b = assert_completed(stack, b["id"], done_b, 3, 27)
    assert job_a["state"] == job_b["state"] == "SUCCEEDED"
    # the 5 segment tasks, 2 narration tracks and 2 joins were spread over both workers (prefetch 1, one task at a
    # time each)
    used = {w.split("@")[0] for j in (job_a, job_b) for w in j["worker"].split(", ")}
    assert used == set(WORKERS), (job_a["worker"], job_b["worker"])
    assert job_a["attempt"] == job_b["attempt"] == 1
    # one task per segment, one for the narration track and a join, each run once
    assert job_a["extra"]["runs"] == {"narration": 1, "0": 1, "1": 1, "join": 1}
    assert job_b["extra"]["runs"] == {"narration": 1, "0": 1, "1": 1, "2": 1, "join": 1}
    assert job_b["extra"]["segments"] == {"0": 1.0, "1": 1.0, "2": 1.0}
    # the picture changes exactly on the narration boundary (frame 12 = 1.0 s at 12 fps)
    path = video(stack, a["id"])
    red, green = colour_at(path, 11, tmp_path), colour_at(path, 12, tmp_path)
    assert red[0] > red[1] + 60 and green[1] > green[0] + 60, (red, green)
    # the status is the job row's: the same through a restarted API
    before = status(stack, a["id"])
    stack.stop_api()
    stack.start_api()
    assert status(stack, a["id"]) == before


def test_cancel_under_celery(stack: Stack, tmp_path: Path) -> None:
    stack.ensure_workers(WORKERS)
    # Big enough to be caught encoding: at 160x90 12 fps the 1,440 frames took 0.7 s, less than the status poll
    # could reliably see (3,600 frames at 640x360 take several seconds).
    project = make_project(stack, tmp_path, [120.0], size=(640, 360), fps=30, silent=True)
    pid = project["id"]
    start(stack, pid)
    wait_for(lambda: (status(stack, pid)["stage"] or "").startswith("SCENE_BUILD"), 120, "encoding")
    asked = time.monotonic()
    code, body = stack.request("POST", f"/api/projects/{pid}/cancel/")
    assert code == 202 and body["cancel"] == "cancelling", body
    done = until_done(stack, pid, 10)
    assert time.monotonic() - asked < 2.0
    assert done["status"] == "DRAFT" and done["stage"] == "CANCELLED"
    assert done["progress"]["current_phase"] == "Render cancelled"
    assert wait_for(lambda: job(stack, done["job_id"])["state"] == "CANCELLED", 10, "job CANCELLED")
    assert not video(stack, pid).exists()
    code, body = stack.request("POST", f"/api/projects/{pid}/cancel/")
    assert code == 409


def test_a_killed_worker_loses_nothing(stack: Stack, tmp_path: Path) -> None:
    stack.ensure_workers(WORKERS)
    # long enough to be killed mid-render, short enough to re-render in a few seconds; one segment per worker
    project = make_project(stack, tmp_path, [15.0, 15.0], size=(320, 180), fps=12, silent=True)
    pid = project["id"]
    start(stack, pid)
    running = wait_for(
        lambda: (s := status(stack, pid))["stage"] and s["stage"].startswith("SCENE_BUILD") and s, 60, "encoding"
    )
    victim = job(stack, running["job_id"])["worker"].split(", ")[0].split("@")[0]
    encoders = wait_for(lambda: encoders_of(stack, victim), 10, "the worker's encoder")
    stack.kill_worker(victim)
    killed = time.monotonic()
    # its ffmpeg (in its own process group, so not hit by the kill) ends with it: nothing encodes for a dead task
    wait_for(lambda: gone(encoders), 10, "the killed worker's ffmpeg to exit")
    done = until_done(stack, pid, 60)
    assert time.monotonic() - killed < 60
    record = assert_completed(stack, pid, done, 2, 360)
    assert record["attempt"] == 2  # the killed worker's segment ran again on the other one
    assert sorted(record["extra"]["runs"].values()) == [1, 1, 1, 2]


def test_ready_reports_broker_and_workers(stack: Stack) -> None:
    stack.ensure_workers(WORKERS)
    code, body = stack.get("/api/ready/")
    assert code == 200, body
    assert body["backend"] == "celery" and body["broker"] == body["workers"] == body["database"] == "ok"
    assert body["live_workers"] == len(WORKERS)


@pytest.mark.django_db
def test_ready_is_503_when_the_broker_is_down(client, settings) -> None:
    from storyreel.celery import app

    from api.tests.servers import free_port

    settings.STORYREEL_TASK_BACKEND = "celery"
    saved = app.conf.broker_url
    app.conf.broker_url = f"redis://127.0.0.1:{free_port(16700, 16799)}/0"  # nothing listens there
    try:
        resp = client.get("/api/ready/")
    finally:
        app.conf.broker_url = saved
    assert resp.status_code == 503, resp.data
    assert resp.data["broker"].startswith("unreachable") and "broker" in resp.data["error"]
    assert resp.data["database"] == "ok"


@pytest.mark.django_db
def test_ready_is_503_without_a_live_worker(client, settings, tmp_path: Path) -> None:
    from storyreel.celery import app

    settings.STORYREEL_TASK_BACKEND = "celery"
    saved = app.conf.broker_url
    with redis_server(tmp_path) as lonely_broker:  # a broker no worker listens to
        app.conf.broker_url = lonely_broker
        try:
            resp = client.get("/api/ready/")
        finally:
            app.conf.broker_url = saved
    assert resp.status_code == 503, resp.data
    assert resp.data["broker"] == "ok" and "no live worker" in resp.data["workers"]


def test_a_failed_segment_fails_the_render_with_its_reason_in_the_log(stack: Stack, tmp_path: Path) -> None:
    stack.ensure_workers(WORKERS)
    project = make_project(stack, tmp_path, [0.5, 0.5, 0.5])
    pid = project["id"]
    broken = next((stack.media / "projects" / pid / "images").glob(f"{project['segments'][1]['id']}_*"))
    broken.write_bytes(b"not an image any more")
    start(stack, pid)
    done = until_done(stack, pid, 60)
    assert done["status"] == "FAILED" and "Segment 2" in done["error"], done
    assert done["progress"] is not None and done["progress"]["percentage"] < 100
    record = job(stack, done["job_id"])
    assert record["state"] == "FAILED" and record["error"] == done["error"]
    assert any(line.endswith(f"[FAILED] {done['error']}") for line in done["log_tail"]), done["log_tail"]
    assert not video(stack, pid).exists()


@pytest.mark.django_db(transaction=True)
def test_render_is_503_and_changes_nothing_when_the_broker_is_down(client, settings, tmp_path: Path) -> None:
    from storyreel.celery import app

    from api.models import Job, Project
    from api.task_manager import TaskManager
    from api.tests.servers import free_port
    from api.tests.test_render_api import create_project

    project = create_project(client, tmp_path, durations=(0.5,))
    settings.STORYREEL_TASK_BACKEND = "celery"
    saved = app.conf.broker_url
    app.conf.broker_url = f"redis://127.0.0.1:{free_port(16700, 16799)}/0"  # nothing listens there
    TaskManager._instance = None  # a manager reading the celery backend
    try:
        resp = client.post(f"/api/projects/{project['id']}/render/")
    finally:
        app.conf.broker_url = saved
        TaskManager._instance = None
    assert resp.status_code == 503, resp.data
    assert set(resp.data) == {"error"} and "could not be queued" in resp.data["error"]
    assert Project.objects.get(pk=project["id"]).status == "DRAFT"
    assert not Job.objects.filter(state__in=["QUEUED", "RUNNING"]).exists()
    assert client.get(f"/api/projects/{project['id']}/status/").data["status"] == "DRAFT"
