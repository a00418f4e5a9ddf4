"""The render pipeline through the real API: trigger, validation, status machine, real small renders, failures,
ffmpeg discovery, concurrency, recovery after a stopped server.

Renders are real (320×180, 12 fps, segments of about a second) and run on the real TaskManager worker; tests that
must observe a render while it is queued hold the single worker with a gate task instead of sleeping.
"""

from __future__ import annotations

import contextlib
import threading
import uuid
from pathlib import Path

import pytest
from core_engine.render_utils import probe_video
from django.conf import settings
from rest_framework.test import APIClient

from api.models import Project, ProjectStatus
from api.task_manager import TaskManager
from api.tasks import INTERRUPTED_ERROR, recover_interrupted_renders
from api.tests.helpers import import_story, media_path, write_image, write_wav

pytestmark = pytest.mark.django_db(transaction=True)

RENDER_TIMEOUT = 120  # seconds; a small render takes a few


def create_project(client: APIClient, tmp_path: Path, durations=(1.0, 0.75), files=True) -> dict:
    """A 320×180 12 fps project with one image and one WAV per segment, made through the API."""
    project = import_story(client, [f"Segment {i + 1}." for i in range(len(durations))], title="Render test")
    resp = client.patch(
        f"/api/projects/{project['id']}/",
        {"resolution_width": 320, "resolution_height": 180, "framerate": 12},
        format="json",
    )
    assert resp.status_code == 200, resp.data
    if files:
        colours = [(200, 40, 40), (40, 160, 60), (40, 60, 200), (220, 200, 40)]
        for i, (seg, seconds) in enumerate(zip(project["segments"], durations, strict=True)):
            attach_files(client, tmp_path, seg["id"], colours[i % len(colours)], seconds)
    return client.get(f"/api/projects/{project['id']}/").data


def attach_files(client: APIClient, tmp_path: Path, segment_id: str, colour, seconds: float) -> None:
    image = write_image(tmp_path / f"{segment_id}.png", "PNG", size=(480, 270), colour=colour)
    audio = write_wav(tmp_path / f"{segment_id}.wav", seconds)
    with image.open("rb") as img, audio.open("rb") as wav:
        resp = client.patch(f"/api/segments/{segment_id}/", {"image_file": img, "audio_file": wav}, format="multipart")
    assert resp.status_code == 200, resp.data


#: The keys of every ``progress`` object (the engine's ProgressRecord, DESIGN §4 plus stage and ETA).
PROGRESS_KEYS = {"current_segment", "total_segments", "percentage", "current_phase", "stage", "eta_seconds"}


def render_and_wait(client: APIClient, project_id: str) -> dict:
    resp = client.post(f"/api/projects/{project_id}/render/")
    assert resp.status_code == 202, resp.data
    TaskManager.get_instance().wait(resp.data["task_id"], timeout=RENDER_TIMEOUT)
    return client.get(f"/api/projects/{project_id}/status/").data


def final_path(project_id: str) -> Path:
    return Path(settings.MEDIA_ROOT) / "projects" / project_id / "output" / "final.mp4"


# -- trigger and validation -----------------------------------------------------------------------------------------


def test_trigger_success_returns_202_and_moves_to_processing(client, tmp_path, hold_worker):
    project = create_project(client, tmp_path)
    resp = client.post(f"/api/projects/{project['id']}/render/")
    assert resp.status_code == 202
    assert resp.data == {
        "task_id": f"render_{project['id']}",
        "project_id": project["id"],
        "status": "PROCESSING",
        "total_segments": 2,
        "message": "Video rendering started",
    }
    assert Project.objects.get(pk=project["id"]).status == ProjectStatus.PROCESSING
    status = client.get(f"/api/projects/{project['id']}/status/").data
    assert status["status"] == "PROCESSING"
    assert status["progress"]["percentage"] == 0 and "current_phase" in status["progress"]
    assert set(status["progress"]) == PROGRESS_KEYS
    assert status["output_url"] is None and status["error"] is None
    hold_worker.set()
    TaskManager.get_instance().wait(resp.data["task_id"], timeout=RENDER_TIMEOUT)


def test_missing_images_and_audio_are_listed(client, tmp_path):
    project = create_project(client, tmp_path, files=False)
    first, second = (s["id"] for s in project["segments"])
    attach_files(client, tmp_path, first, (10, 10, 10), 1.0)
    # the second segment gets only an image
    with write_image(tmp_path / "b.png", "PNG").open("rb") as img:
        assert client.patch(f"/api/segments/{second}/", {"image_file": img}, format="multipart").status_code == 200
    resp = client.post(f"/api/projects/{project['id']}/render/")
    assert resp.status_code == 400
    assert resp.data["missing_images"] == []
    assert resp.data["missing_audio"] == [second]
    assert set(resp.data) == {"error", "missing_images", "missing_audio", "message"}
    assert resp.data["error"] == "The project is not ready to render."
    assert "2" in resp.data["message"] and resp.data["error"]
    assert Project.objects.get(pk=project["id"]).status == ProjectStatus.DRAFT


def test_missing_images_are_listed(client, tmp_path):
    project = create_project(client, tmp_path, files=False)
    resp = client.post(f"/api/projects/{project['id']}/render/")
    assert resp.status_code == 400
    ids = [s["id"] for s in project["segments"]]
    assert resp.data["missing_images"] == ids and resp.data["missing_audio"] == ids


def test_no_segments_is_refused(client):
    project = client.post("/api/projects/", {"title": "Empty"}, format="json").data
    resp = client.post(f"/api/projects/{project['id']}/render/")
    assert resp.status_code == 400
    assert "no segments" in resp.data["message"]


def test_validation_checks_files_on_disk(client, tmp_path):
    project = create_project(client, tmp_path)
    segment = project["segments"][1]
    stored = media_path(segment["image_file"])
    assert stored.is_file()
    stored.unlink()  # the row still names it, but it is gone
    resp = client.post(f"/api/projects/{project['id']}/render/")
    assert resp.status_code == 400
    assert resp.data["missing_images"] == [segment["id"]]


def test_already_processing_is_409(client, tmp_path, hold_worker):
    project = create_project(client, tmp_path)
    first = client.post(f"/api/projects/{project['id']}/render/")
    assert first.status_code == 202
    second = client.post(f"/api/projects/{project['id']}/render/")
    assert second.status_code == 409
    assert second.data["project_id"] == project["id"] and second.data["status"] == "PROCESSING"
    assert set(second.data) == {"error", "project_id", "status"}
    assert second.data["error"]
    hold_worker.set()
    TaskManager.get_instance().wait(first.data["task_id"], timeout=RENDER_TIMEOUT)


def test_concurrent_triggers_give_one_202_and_one_409(client, tmp_path, hold_worker):
    project = create_project(client, tmp_path)
    barrier = threading.Barrier(2)
    codes: list[int] = []

    def trigger() -> None:
        from django.db import connection

        barrier.wait(5)
        codes.append(APIClient().post(f"/api/projects/{project['id']}/render/").status_code)
        connection.close()

    threads = [threading.Thread(target=trigger) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(codes) == [202, 409]
    hold_worker.set()
    TaskManager.get_instance().wait(f"render_{project['id']}", timeout=RENDER_TIMEOUT)


def test_ffmpeg_missing_gives_500(client, tmp_path, monkeypatch):
    import core_engine.render_utils as render_utils

    project = create_project(client, tmp_path)
    monkeypatch.setattr(render_utils, "check_ffmpeg", lambda: None)
    resp = client.post(f"/api/projects/{project['id']}/render/")
    assert resp.status_code == 500
    assert "ffmpeg is required" in resp.data["error"]
    assert set(resp.data) == {"error"}
    assert Project.objects.get(pk=project["id"]).status == ProjectStatus.DRAFT


# -- status ---------------------------------------------------------------------------------------------------------


def test_status_of_draft(client):
    project = client.post("/api/projects/", {"title": "Draft"}, format="json").data
    resp = client.get(f"/api/projects/{project['id']}/status/")
    assert resp.status_code == 200
    assert resp.data == {
        "project_id": project["id"],
        "status": "DRAFT",
        "progress": None,
        "output_url": None,
        "error": None,
        "job_id": None,
        "stage": None,
        "log_tail": [],
    }


def test_status_of_unknown_project_is_404(client):
    assert client.get(f"/api/projects/{uuid.uuid4()}/status/").status_code == 404


# -- real renders ---------------------------------------------------------------------------------------------------


def test_end_to_end_render_then_rerender(client, tmp_path):
    project = create_project(client, tmp_path, durations=(1.0, 0.75))
    status = render_and_wait(client, project["id"])
    assert status["status"] == "COMPLETED", status
    assert status["progress"]["percentage"] == 100
    assert status["progress"]["current_phase"] == "Export complete"
    assert status["progress"] == {
        "current_segment": 2, "total_segments": 2, "percentage": 100, "current_phase": "Export complete",
        "stage": "DONE", "eta_seconds": 0.0,
    }  # fmt: skip
    assert status["output_url"] == f"/media/projects/{project['id']}/output/final.mp4"
    assert status["error"] is None
    video = final_path(project["id"])
    info = probe_video(video)
    assert (info.width, info.height, info.fps) == (320, 180, 12)
    assert info.video_codec == "h264" and info.audio_codec == "aac" and info.pixel_format == "yuv420p"
    assert info.frame_count == round(1.75 * 12)
    assert abs(info.duration - 1.75) <= 1 / 12 + 0.03
    detail = client.get(f"/api/projects/{project['id']}/").data
    assert detail["output_info"]["file_size"] == video.stat().st_size
    assert detail["output_url"] == status["output_url"]
    # the video is served with Range support for seeking
    ranged = client.get(status["output_url"], HTTP_RANGE="bytes=0-1023")
    assert ranged.status_code == 206 and len(b"".join(ranged.streaming_content)) == 1024

    # re-render of a COMPLETED project is accepted and completes again
    status = render_and_wait(client, project["id"])
    assert status["status"] == "COMPLETED"


def test_failed_render_keeps_previous_video_and_retry_works(client, tmp_path):
    project = create_project(client, tmp_path)
    assert render_and_wait(client, project["id"])["status"] == "COMPLETED"
    video = final_path(project["id"])
    good = video.read_bytes()
    output_path = Project.objects.get(pk=project["id"]).output_path

    # damage segment 2's image on disk: the render must fail and say which segment
    second = project["segments"][1]
    stored = media_path(second["image_file"])
    original = stored.read_bytes()
    stored.write_bytes(b"this is not an image")
    status = render_and_wait(client, project["id"])
    assert status["status"] == "FAILED"
    assert status["output_url"] is None
    assert "Segment 2" in status["error"]
    assert video.read_bytes() == good
    assert Project.objects.get(pk=project["id"]).output_path == output_path
    leftovers = [p.name for p in video.parent.iterdir() if p.name != "final.mp4"]
    assert leftovers == []

    # retry of a FAILED project is accepted
    stored.write_bytes(original)
    assert render_and_wait(client, project["id"])["status"] == "COMPLETED"


# -- recovery -------------------------------------------------------------------------------------------------------


def test_stale_processing_becomes_failed_interrupted(client):
    project = Project.objects.create(title="Left behind", status=ProjectStatus.PROCESSING)
    other = Project.objects.create(title="Untouched", status=ProjectStatus.COMPLETED)
    assert recover_interrupted_renders() == 1
    project.refresh_from_db()
    other.refresh_from_db()
    assert project.status == ProjectStatus.FAILED and "interrupted" in project.render_error
    assert other.status == ProjectStatus.COMPLETED
    status = client.get(f"/api/projects/{project.id}/status/").data
    assert status["status"] == "FAILED" and status["error"] == INTERRUPTED_ERROR


def test_progress_while_rendering_is_the_engine_record(client, tmp_path):
    """Every status poll during a real render returns the engine's record: the same keys, a stage of the render's
    stages, a percentage that never goes down; the task status endpoint returns the same shape."""
    project = create_project(client, tmp_path, durations=(1.0, 0.75))
    resp = client.post(f"/api/projects/{project['id']}/render/")
    assert resp.status_code == 202
    manager = TaskManager.get_instance()
    seen = []
    while True:
        status = client.get(f"/api/projects/{project['id']}/status/").data
        if status["status"] != "PROCESSING":
            break
        seen.append(status["progress"])
        task = client.get(f"/api/tasks/{resp.data['task_id']}/status/").data
        assert set(task["progress"]) == PROGRESS_KEYS and task["current_phase"] == task["progress"]["current_phase"]
        with contextlib.suppress(TimeoutError):
            manager.wait(resp.data["task_id"], timeout=0.05)
    assert status["status"] == "COMPLETED", status
    assert seen and all(set(p) == PROGRESS_KEYS for p in seen)
    pcts = [p["percentage"] for p in seen]
    assert pcts == sorted(pcts) and all(isinstance(p, int) and 0 <= p <= 99 for p in pcts)
    stages = {p["stage"] for p in seen}
    assert stages <= {"QUEUED", "VALIDATE", "AUDIO_PREP", "SCENE_BUILD[1]", "SCENE_BUILD[2]", "CONCAT", "FINALIZE"}
