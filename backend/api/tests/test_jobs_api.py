"""Durable job records on the embedded backend, through the real API: the status contract from the job row, the job
detail with its log, cancel (queued and running), and start-up recovery of interrupted jobs.

Renders are real and tiny (160×90, 8 fps); the ones a test cancels mid-way are long enough (two minutes of silent
narration) to still be encoding when the cancel arrives.
"""

from __future__ import annotations

import time
import uuid
from datetime import timedelta
from pathlib import Path

import psutil
import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from api.job_runtime import job_log_path
from api.models import Job, JobKind, JobState, Project, ProjectStatus
from api.task_manager import INTERRUPTED_ERROR, TaskManager, function_path
from api.tasks import CANCELLED_KEPT_PHASE, CANCELLED_PHASE, recover_interrupted_renders, render_task_function
from api.tests.helpers import import_story, write_image, write_silence, write_wav
from api.tests.test_render_api import final_path

pytestmark = pytest.mark.django_db(transaction=True)

RENDER_TIMEOUT = 120
STATUS_KEYS = {"project_id", "status", "progress", "output_url", "error", "job_id", "stage", "log_tail"}


def make_project(client: APIClient, tmp_path: Path, durations=(1.0, 0.5), size=(160, 90), fps=8, long=False) -> dict:
    """A project with one image and one narration per segment (tones, or silence of ``durations`` s when
    ``long``)."""
    project = import_story(client, [f"Part {i + 1}." for i in range(len(durations))], title="Jobs")
    resp = client.patch(
        f"/api/projects/{project['id']}/",
        {"resolution_width": size[0], "resolution_height": size[1], "framerate": fps},
        format="json",
    )
    assert resp.status_code == 200, resp.data
    colours = [(200, 40, 40), (40, 160, 60), (40, 60, 200)]
    for i, (seg, seconds) in enumerate(zip(project["segments"], durations, strict=True)):
        set_files(client, tmp_path, seg["id"], colours[i % 3], seconds, long)
    return project


def set_files(client: APIClient, tmp_path: Path, segment_id: str, colour, seconds: float, long=False) -> None:
    image = write_image(tmp_path / f"{segment_id}-{seconds}.png", "PNG", size=(320, 180), colour=colour)
    if long:
        audio = write_silence(tmp_path / f"{segment_id}-{seconds}.flac", seconds)
    else:
        audio = write_wav(tmp_path / f"{segment_id}-{seconds}.wav", seconds)
    with image.open("rb") as img, audio.open("rb") as snd:
        resp = client.patch(f"/api/segments/{segment_id}/", {"image_file": img, "audio_file": snd}, format="multipart")
    assert resp.status_code == 200, resp.data


def status_of(client: APIClient, project_id: str) -> dict:
    resp = client.get(f"/api/projects/{project_id}/status/")
    assert resp.status_code == 200
    assert set(resp.data) == STATUS_KEYS, resp.data
    return resp.data


def render(client: APIClient, project_id: str, wait: bool = True) -> dict:
    resp = client.post(f"/api/projects/{project_id}/render/")
    assert resp.status_code == 202, resp.data
    if wait:
        TaskManager.get_instance().wait(resp.data["task_id"], timeout=RENDER_TIMEOUT)
    return status_of(client, project_id)


def poll(fn, timeout: float, interval: float = 0.05):
    """Call ``fn`` until it returns something truthy; fails after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = fn()
        if value:
            return value
        assert time.monotonic() < deadline, f"condition not met within {timeout} s"
        time.sleep(interval)


def ffmpeg_children() -> list[psutil.Process]:
    return [p for p in psutil.Process().children(recursive=True) if "ffmpeg" in p.name().lower()]


# -- status and job records -----------------------------------------------------------------------------------------


def test_completed_status_comes_from_the_job_record(client, tmp_path, django_assert_num_queries):
    project = make_project(client, tmp_path)
    status = render(client, project["id"])
    with django_assert_num_queries(1):  # the project and its latest job in one read
        assert status_of(client, project["id"]) == status
    assert status["status"] == "COMPLETED", status
    assert status["progress"] == {
        "current_segment": 2,
        "total_segments": 2,
        "percentage": 100,
        "current_phase": "Export complete",
        "stage": "DONE",
        "eta_seconds": 0.0,
    }
    assert status["stage"] == "DONE" and status["error"] is None
    assert 0 < len(status["log_tail"]) <= 20 and all(isinstance(line, str) for line in status["log_tail"])
    job = Job.objects.get(pk=status["job_id"])
    assert (job.kind, job.state, job.attempt) == (JobKind.RENDER, "SUCCEEDED", 1)
    assert job.task_id == f"render_{project['id']}"
    assert job.started_at and job.finished_at and job.heartbeat_at and job.worker.startswith("embedded@")

    detail = client.get(f"/api/jobs/{job.id}/")
    assert detail.status_code == 200
    body = detail.data
    assert body["state"] == "SUCCEEDED" and body["project_id"] == project["id"]
    assert body["progress"]["percentage"] == 100
    assert body["log_tail"][-len(status["log_tail"]) :] == status["log_tail"]
    log = job_log_path(job.id)
    assert log.is_file() and log.parent == Path(job_log_path(job.id)).parent
    text = log.read_text()
    assert "Export complete" in text and "[SCENE_BUILD[1]]" in text
    full = client.get(f"/api/jobs/{job.id}/log/")
    assert full.status_code == 200 and full.content.decode() == text

    # The answer is the job row's: a fresh task manager (what a restarted process has) reports the same.
    TaskManager._instance = None
    try:
        assert status_of(client, project["id"]) == status
    finally:
        TaskManager._instance = None


def test_failed_status_keeps_the_last_progress_and_the_job_says_why(client, tmp_path):
    project = make_project(client, tmp_path)
    broken = Path(Project.objects.get(pk=project["id"]).segments.order_by("sequence_index")[1].image_file.path)
    broken.write_bytes(b"not an image")
    status = render(client, project["id"])
    assert status["status"] == "FAILED" and "Segment 2" in status["error"]
    assert status["progress"] is not None and status["progress"]["total_segments"] == 2
    assert status["progress"]["percentage"] < 100
    job = client.get(f"/api/jobs/{status['job_id']}/").data
    assert job["state"] == "FAILED" and job["error"] == status["error"]
    assert any("Segment 2" in line for line in status["log_tail"])


def test_unknown_job_is_404(client):
    assert client.get(f"/api/jobs/{uuid.uuid4()}/").status_code == 404
    assert client.get("/api/jobs/not-a-uuid/").status_code == 404


def test_narration_jobs_are_recorded(client):
    project = import_story(client, ["Hello there.", "Second part."])
    resp = client.post(f"/api/projects/{project['id']}/generate-all-audio/", {}, format="json")
    assert resp.status_code == 202, resp.data
    TaskManager.get_instance().wait(resp.data["task_id"], timeout=60)
    job = Job.objects.get(task_id=resp.data["task_id"])
    assert job.kind == JobKind.NARRATION and str(job.project_id) == project["id"]
    assert job.segment_ids == [s["id"] for s in project["segments"]]
    assert job.state == "SUCCEEDED" and len(job.extra["completed_segments"]) == 2
    task = client.get(f"/api/tasks/{resp.data['task_id']}/status/").data
    assert task["status"] == "COMPLETED" and task["progress"]["percentage"] == 100


# -- cancel ---------------------------------------------------------------------------------------------------------


def test_cancel_with_nothing_running_is_409(client, tmp_path):
    project = make_project(client, tmp_path)
    resp = client.post(f"/api/projects/{project['id']}/cancel/")
    assert resp.status_code == 409 and resp.data["error"]
    assert client.post(f"/api/projects/{uuid.uuid4()}/cancel/").status_code == 404


def test_cancel_a_queued_render_returns_to_draft_at_once(client, tmp_path, hold_worker):
    project = make_project(client, tmp_path)
    render(client, project["id"], wait=False)
    resp = client.post(f"/api/projects/{project['id']}/cancel/")
    assert resp.status_code == 202 and resp.data["cancel"] == "cancelled"
    status = status_of(client, project["id"])
    assert status["status"] == "DRAFT" and status["stage"] == "CANCELLED"
    assert status["progress"]["current_phase"] == CANCELLED_PHASE
    hold_worker.set()
    # the worker skips the cancelled job; a new render is accepted and completes
    assert render(client, project["id"])["status"] == "COMPLETED"


def _cancel_while_encoding(client: APIClient, project_id: str) -> float:
    """Start a render, cancel it once frames are being encoded; returns seconds from the cancel to CANCELLED."""
    render(client, project_id, wait=False)
    poll(lambda: (status_of(client, project_id)["stage"] or "").startswith("SCENE_BUILD"), 60)
    assert ffmpeg_children(), "the encoder should be running"
    started = time.monotonic()
    resp = client.post(f"/api/projects/{project_id}/cancel/")
    assert resp.status_code == 202 and resp.data["cancel"] == "cancelling", resp.data
    poll(lambda: status_of(client, project_id)["status"] != "PROCESSING", 10, 0.02)
    elapsed = time.monotonic() - started
    TaskManager.get_instance().wait(f"render_{project_id}", timeout=30)
    return elapsed


def test_cancel_a_running_render_stops_it_and_keeps_the_previous_video(client, tmp_path):
    project = make_project(client, tmp_path, durations=(1.0, 0.5))
    assert render(client, project["id"])["status"] == "COMPLETED"
    video = final_path(project["id"])
    good = video.read_bytes()
    first = project["segments"][0]["id"]
    set_files(client, tmp_path, first, (10, 200, 200), 120.0, long=True)  # now a minute-long render

    elapsed = _cancel_while_encoding(client, project["id"])
    assert elapsed < 2.0, f"the render took {elapsed:.2f} s to stop"
    status = status_of(client, project["id"])
    assert status["status"] == "COMPLETED" and status["stage"] == "CANCELLED"
    assert status["progress"]["current_phase"] == CANCELLED_KEPT_PHASE
    assert status["output_url"] == f"/media/projects/{project['id']}/output/final.mp4"
    assert video.read_bytes() == good
    assert sorted(p.name for p in video.parent.iterdir()) == ["final.mp4"]  # no partial output left
    assert poll(lambda: not ffmpeg_children(), 5)
    job = Job.objects.get(pk=status["job_id"])
    assert job.state == JobState.CANCELLED and job.finished_at is not None


def test_cancel_without_a_previous_video_returns_to_draft(client, tmp_path):
    project = make_project(client, tmp_path, durations=(120.0,), long=True)
    elapsed = _cancel_while_encoding(client, project["id"])
    assert elapsed < 2.0, f"the render took {elapsed:.2f} s to stop"
    status = status_of(client, project["id"])
    assert status["status"] == "DRAFT" and status["output_url"] is None and status["stage"] == "CANCELLED"
    assert status["progress"]["current_phase"] == CANCELLED_PHASE
    assert not final_path(project["id"]).exists()
    assert not list(final_path(project["id"]).parent.glob("*.part.mp4"))


# -- restart recovery (embedded) ------------------------------------------------------------------------------------


def _left_behind(project_id: str, attempt: int) -> Job:
    """What a stopped server leaves: the project PROCESSING and its render job RUNNING with an old heartbeat."""
    Project.objects.filter(pk=project_id).update(status=ProjectStatus.PROCESSING)
    old = timezone.now() - timedelta(minutes=5)
    return Job.objects.create(
        task_id=f"render_{project_id}",
        kind=JobKind.RENDER,
        project_id=project_id,
        function=function_path(render_task_function),
        args=[project_id],
        state=JobState.RUNNING,
        stage="SCENE_BUILD[1]",
        attempt=attempt,
        started_at=old,
        heartbeat_at=old,
        worker="embedded@gone:1",
    )


def test_an_interrupted_render_is_queued_again_and_completes(client, tmp_path):
    project = make_project(client, tmp_path)
    job = _left_behind(project["id"], attempt=1)
    assert recover_interrupted_renders() == 0
    TaskManager.get_instance().wait(job.task_id, timeout=RENDER_TIMEOUT)
    job.refresh_from_db()
    assert job.state == JobState.SUCCEEDED and job.attempt == 2
    status = status_of(client, project["id"])
    assert status["status"] == "COMPLETED" and status["job_id"] == str(job.id)
    assert final_path(project["id"]).is_file()


def test_a_render_interrupted_twice_ends_failed(client, tmp_path):
    project = make_project(client, tmp_path)
    job = _left_behind(project["id"], attempt=2)
    recover_interrupted_renders()
    TaskManager.get_instance().wait(job.task_id, timeout=30)
    job.refresh_from_db()
    assert job.state == JobState.FAILED and job.error == INTERRUPTED_ERROR
    status = status_of(client, project["id"])
    assert status["status"] == "FAILED" and status["error"] == INTERRUPTED_ERROR


# -- readiness ------------------------------------------------------------------------------------------------------


def test_health_is_cheap_and_ready_checks_database_and_ffmpeg(client):
    assert client.get("/api/health/").status_code == 200
    ready = client.get("/api/ready/")
    assert ready.status_code == 200, ready.data
    assert ready.data["database"] == "ok" and ready.data["ffmpeg"] == "ok" and ready.data["backend"] == "embedded"


def test_ready_is_503_without_ffmpeg(client, monkeypatch):
    import core_engine.render_utils as render_utils

    monkeypatch.setattr(render_utils, "ffmpeg_version", lambda: None)
    ready = client.get("/api/ready/")
    assert ready.status_code == 503 and "ffmpeg" in ready.data["error"]


def test_a_logging_reconfiguration_during_a_job_does_not_break_it(settings):
    """``dictConfig`` closes every handler (Django runs it at start-up, while a recovered job may already run): the
    job's log reopens and the job still ends with its outcome."""
    import logging
    import logging.config

    from core_engine.render.progress import ProgressRecord

    manager = TaskManager.get_instance()
    task_id = f"relog_{uuid.uuid4().hex}"

    def work() -> str:
        logging.getLogger("api").info("before the reconfiguration")
        logging.config.dictConfig(settings.LOGGING)
        logging.getLogger("api").info("after the reconfiguration")
        manager.update_task_progress(task_id, ProgressRecord(1, 2, 50, "Half way", "SCENE_BUILD[2]"))
        return "done"

    manager.submit_task(work, task_id=task_id)
    manager.wait(task_id, timeout=30)
    job = Job.objects.get(task_id=task_id)
    assert job.state == JobState.SUCCEEDED, (job.state, job.error)
    text = job_log_path(job.id).read_text()
    assert "before the reconfiguration" in text and "after the reconfiguration" in text and "Half way" in text
