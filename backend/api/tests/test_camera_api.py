"""Camera per segment, format and quality options, camera stills and the quick preview through the real API
(issue 12 §3–5)."""

from __future__ import annotations

import io
import math
from pathlib import Path

import numpy as np
import pytest
from core_engine.render_utils import probe_video
from django.conf import settings
from PIL import Image, ImageDraw
from rest_framework.test import APIClient

from api.models import Project, ProjectStatus
from api.task_manager import TaskManager
from api.tests.helpers import import_story, media_path
from api.tests.test_render_api import RENDER_TIMEOUT, create_project, render_and_wait

pytestmark = pytest.mark.django_db(transaction=True)

DEFAULT_CAMERA = {"motion": "auto", "focus": None, "strength": None}


def one_segment(client: APIClient) -> tuple[str, str]:
    project = import_story(client, ["Once."])
    return project["id"], project["segments"][0]["id"]


# -- camera ---------------------------------------------------------------------------------------------------------
def test_segment_camera_defaults_and_round_trip(client: APIClient) -> None:
    _, seg = one_segment(client)
    assert client.get(f"/api/segments/{seg}/").json()["camera"] == DEFAULT_CAMERA
    body = {"motion": "zoom_out", "focus": [0.25, 0.75], "strength": 1.6}
    resp = client.patch(f"/api/segments/{seg}/", {"camera": body}, format="json")
    assert resp.status_code == 200, resp.content
    assert resp.json()["camera"] == body
    assert client.get(f"/api/segments/{seg}/").json()["camera"] == body
    resp = client.patch(f"/api/segments/{seg}/", {"camera": {"motion": "pan_up"}}, format="json")
    assert resp.json()["camera"] == {"motion": "pan_up", "focus": None, "strength": None}


@pytest.mark.parametrize(
    ("camera", "key"),
    [
        ({"motion": "spin"}, "motion"),
        ({"focus": [0.5, 2]}, "focus"),
        ({"focus": "centre"}, "focus"),
        ({"strength": 3}, "strength"),
        ({"tilt": 1}, None),
        ("zoom_in", None),
    ],
)
def test_invalid_camera_is_a_400_naming_the_field(client: APIClient, camera: object, key: str | None) -> None:
    _, seg = one_segment(client)
    resp = client.patch(f"/api/segments/{seg}/", {"camera": camera}, format="json")
    assert resp.status_code == 400
    body = resp.json()
    assert "camera" in body
    assert body["error"].startswith(f"camera.{key}:" if key else "camera:"), body
    assert client.get(f"/api/segments/{seg}/").json()["camera"] == DEFAULT_CAMERA


# -- format and quality ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("size", [(1920, 1080), (1280, 720), (1080, 1920), (1080, 1080), (1080, 1350)])
@pytest.mark.parametrize("fps", [24, 25, 30, 60])
def test_format_presets_are_accepted(client: APIClient, size: tuple[int, int], fps: int) -> None:
    project, _ = one_segment(client)
    patch = {"resolution_width": size[0], "resolution_height": size[1], "framerate": fps}
    resp = client.patch(f"/api/projects/{project}/", patch, format="json")
    assert resp.status_code == 200, resp.content
    assert {k: resp.json()[k] for k in patch} == patch


@pytest.mark.parametrize(
    ("patch", "field"),
    [
        ({"framerate": 29}, "framerate"),
        ({"framerate": 50}, "framerate"),
        ({"resolution_width": 1081}, "resolution_width"),
        ({"resolution_height": 1351}, "resolution_height"),
        ({"resolution_width": 3840, "resolution_height": 1000}, "resolution_width"),  # wider than 3:1
        ({"resolution_width": 400, "resolution_height": 1800}, "resolution_width"),  # taller than 1:3
        ({"quality": "ultra"}, "quality"),
    ],
)
def test_impossible_formats_are_a_400_naming_the_field(client: APIClient, patch: dict, field: str) -> None:
    project, _ = one_segment(client)
    resp = client.patch(f"/api/projects/{project}/", patch, format="json")
    assert resp.status_code == 400, resp.content
    assert field in resp.json() and resp.json()["error"].startswith(f"{field}:")
    stored = Project.objects.get(pk=project)
    assert (stored.resolution_width, stored.resolution_height, stored.framerate, stored.quality) == (
        1920,
        1080,
        30,
        "standard",
    )


def test_quality_is_a_project_option(client: APIClient) -> None:
    project, _ = one_segment(client)
    assert client.get(f"/api/projects/{project}/").json()["quality"] == "standard"
    for quality in ("high", "small", "standard"):
        resp = client.patch(f"/api/projects/{project}/", {"quality": quality}, format="json")
        assert resp.status_code == 200 and resp.json()["quality"] == quality


# -- camera stills --------------------------------------------------------------------------------------------------
def _red_centroid(jpeg: bytes) -> tuple[float, float, tuple[int, int]]:
    frame = np.asarray(Image.open(io.BytesIO(jpeg)).convert("RGB")).astype(int)
    red = (frame[..., 0] > 170) & (frame[..., 1] < 90) & (frame[..., 2] < 90)
    ys, xs = np.nonzero(red)
    assert len(xs) > 10
    return xs.mean() + 0.5, ys.mean() + 0.5, (frame.shape[1], frame.shape[0])


def test_camera_preview_shows_first_and_last_frame_of_the_shot(client: APIClient, tmp_path: Path) -> None:
    project, seg = one_segment(client)
    image = Image.new("RGB", (1600, 1200), (30, 80, 130))
    focus = (0.7, 0.35)
    cx, cy = focus[0] * 1600, focus[1] * 1200
    ImageDraw.Draw(image).ellipse((cx - 10, cy - 10, cx + 10, cy + 10), fill=(255, 0, 0))
    path = tmp_path / "dot.png"
    image.save(path)
    with path.open("rb") as fh:
        assert client.patch(f"/api/segments/{seg}/", {"image_file": fh}, format="multipart").status_code == 200
    camera = {"motion": "zoom_in", "focus": list(focus), "strength": 1.8}
    assert client.patch(f"/api/segments/{seg}/", {"camera": camera}, format="json").status_code == 200

    last = client.get(f"/api/segments/{seg}/camera-preview/?frame=last")
    assert last.status_code == 200 and last["Content-Type"] == "image/jpeg"
    x, y, size = _red_centroid(last.content)
    assert size == (640, 360)  # the project's 16:9 at 640 pixels wide
    assert math.hypot(x - 320, y - 180) < 3.0
    first = client.get(f"/api/segments/{seg}/camera-preview/?frame=first")
    x0, y0, _ = _red_centroid(first.content)
    assert math.hypot(x0 - 320, y0 - 180) > 20  # the whole picture: the dot is off centre

    client.patch(f"/api/projects/{project}/", {"resolution_width": 1080, "resolution_height": 1920}, format="json")
    tall = client.get(f"/api/segments/{seg}/camera-preview/?frame=last")
    x, y, size = _red_centroid(tall.content)
    assert size == (360, 640)
    assert math.hypot(x - 180, y - 320) < 3.0


def test_camera_preview_errors(client: APIClient) -> None:
    _, seg = one_segment(client)
    resp = client.get(f"/api/segments/{seg}/camera-preview/?frame=first")
    assert resp.status_code == 400 and resp.json()["error"].startswith("image_file:")
    resp = client.get(f"/api/segments/{seg}/camera-preview/?frame=middle")
    assert resp.status_code == 400 and resp.json()["error"].startswith("frame:")


# -- quick preview --------------------------------------------------------------------------------------------------
def _preview_and_wait(client: APIClient, project_id: str) -> dict:
    resp = client.post(f"/api/projects/{project_id}/preview/")
    assert resp.status_code == 202, resp.content
    assert resp.json()["task_id"] == f"preview_{project_id}"
    TaskManager.get_instance().wait(f"preview_{project_id}", timeout=RENDER_TIMEOUT)
    return client.get(f"/api/projects/{project_id}/preview/").json()


def _tree(folder: Path) -> dict[str, int]:
    return {str(p.relative_to(folder)): p.stat().st_mtime_ns for p in folder.rglob("*") if p.is_file()}


def test_preview_renders_a_draft_without_touching_the_real_render(client: APIClient, tmp_path: Path) -> None:
    project = create_project(client, tmp_path, durations=(1.0, 0.75))
    pid = project["id"]
    assert client.get(f"/api/projects/{pid}/preview/").json()["status"] == "NONE"

    status = _preview_and_wait(client, pid)
    assert status["status"] == "COMPLETED", status
    video = media_path(status["preview_url"].split("?")[0])
    info = probe_video(video)
    assert (info.width, info.height, status["width"], status["height"]) == (320, 180, 320, 180)
    assert info.frame_count == round(1.75 * 12)
    stored = Project.objects.get(pk=pid)
    assert stored.status == ProjectStatus.DRAFT and stored.output_path is None
    project_dir = Path(settings.MEDIA_ROOT) / "projects" / pid
    assert not (project_dir / "output" / "final.mp4").exists() and not (project_dir / "cache").exists()

    # after a real render, a new preview leaves the video, its cache and the project's state as they were
    done = render_and_wait(client, pid)
    assert done["status"] == "COMPLETED"
    before = {**_tree(project_dir / "output"), **_tree(project_dir / "cache")}
    stored = Project.objects.get(pk=pid)
    client.patch(f"/api/segments/{project['segments'][0]['id']}/", {"camera": {"motion": "still"}}, format="json")
    status = _preview_and_wait(client, pid)
    assert status["status"] == "COMPLETED"
    assert {**_tree(project_dir / "output"), **_tree(project_dir / "cache")} == before
    after = Project.objects.get(pk=pid)
    assert (after.status, after.output_path, after.output_info) == (
        stored.status,
        stored.output_path,
        stored.output_info,
    )


def test_preview_of_a_project_that_is_not_ready_is_a_400(client: APIClient, tmp_path: Path) -> None:
    project = create_project(client, tmp_path, files=False)
    resp = client.post(f"/api/projects/{project['id']}/preview/")
    assert resp.status_code == 400
    assert set(resp.json()["missing_images"]) == {s["id"] for s in project["segments"]}
