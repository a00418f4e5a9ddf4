"""Projects: create, list (paginated, with segment count and thumbnail), detail, edit, delete, 404 and 409."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from rest_framework.test import APIClient

from api.models import Project, ProjectStatus, Segment
from api.tests.helpers import (
    PROJECTS_URL,
    add_segment,
    assert_error,
    create_project,
    fetch,
    image_upload,
    import_story,
    media_path,
    project_url,
    upload,
    upload_from,
    write_wav,
)

pytestmark = pytest.mark.django_db


def set_processing(project_id: str) -> None:
    assert Project.objects.filter(pk=project_id).update(status=ProjectStatus.PROCESSING) == 1


# -- create ---------------------------------------------------------------------------------------------------------
def test_create_project_with_defaults(client: APIClient) -> None:
    body = create_project(client, "  My first story  ")
    assert body["title"] == "My first story"
    assert body["status"] == "DRAFT"
    assert (body["resolution_width"], body["resolution_height"], body["framerate"]) == (1920, 1080, 30)
    assert body["segment_count"] == 0
    assert body["output_path"] is None and body["output_url"] is None and body["thumbnail_url"] is None
    assert uuid.UUID(body["id"])
    project = Project.objects.get(pk=body["id"])
    assert project.title == "My first story" and project.status == ProjectStatus.DRAFT


def test_create_project_with_format_and_ignores_read_only_fields(client: APIClient) -> None:
    response = client.post(
        PROJECTS_URL,
        {
            "title": "Small",
            "resolution_width": 1280,
            "resolution_height": 720,
            "framerate": 24,
            "status": "COMPLETED",
            "output_path": "/media/evil.mp4",
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    project = Project.objects.get(pk=response.json()["id"])
    assert (project.resolution_width, project.resolution_height, project.framerate) == (1280, 720, 24)
    assert project.status == ProjectStatus.DRAFT and project.output_path is None


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "title"),
        ({"title": ""}, "title"),
        ({"title": "   "}, "title"),
        ({"title": "x" * 201}, "title"),
        ({"title": "T", "resolution_width": 1921}, "resolution_width"),
        ({"title": "T", "resolution_height": 1081}, "resolution_height"),
        ({"title": "T", "resolution_width": 8}, "resolution_width"),
        ({"title": "T", "resolution_width": 4000}, "resolution_width"),
        ({"title": "T", "framerate": 0}, "framerate"),
        ({"title": "T", "framerate": 61}, "framerate"),
        ({"title": "T", "framerate": "fast"}, "framerate"),
    ],
)
def test_create_project_refuses_bad_fields(client: APIClient, body: dict, field: str) -> None:
    assert_error(client.post(PROJECTS_URL, body, format="json"), 400, field)
    assert Project.objects.count() == 0


# -- list -----------------------------------------------------------------------------------------------------------
def test_list_is_paginated_with_segment_count_output_url_and_thumbnail(client: APIClient) -> None:
    empty = create_project(client, "Empty")
    story = import_story(client, ["One.", "Two.", "Three."], title="Story")
    first, second = story["segments"][0], story["segments"][1]
    # The thumbnail is the first segment's picture, not the second's.
    assert upload(client, second["id"], image_file=image_upload("b.png", "PNG")).status_code == 200
    response = client.get(PROJECTS_URL)
    assert response.status_code == 200
    page = response.json()
    assert set(page) == {"count", "next", "previous", "results"}
    assert page["count"] == 2 and page["next"] is None and page["previous"] is None
    rows = {row["id"]: row for row in page["results"]}
    assert rows[empty["id"]]["segment_count"] == 0
    assert rows[story["id"]]["segment_count"] == 3
    assert rows[story["id"]]["thumbnail_url"] is None  # first segment has no image yet
    assert all(row["output_url"] is None for row in page["results"])
    assert "segments" not in rows[story["id"]]

    image = upload(client, first["id"], image_file=image_upload("a.jpg", "JPEG")).json()["image_file"]
    row = next(r for r in client.get(PROJECTS_URL).json()["results"] if r["id"] == story["id"])
    assert row["thumbnail_url"] == image
    assert row["thumbnail_url"].startswith("http://testserver/media/projects/")
    status, data, _ = fetch(client, row["thumbnail_url"])
    assert status == 200 and data == media_path(image).read_bytes()


def test_list_pages_hold_50_projects(client: APIClient) -> None:
    Project.objects.bulk_create(Project(title=f"P{i}") for i in range(51))
    page1 = client.get(PROJECTS_URL).json()
    assert page1["count"] == 51 and len(page1["results"]) == 50
    assert page1["next"] is not None and page1["previous"] is None
    page2 = client.get(PROJECTS_URL, {"page": 2}).json()
    assert len(page2["results"]) == 1 and page2["next"] is None and page2["previous"] is not None
    ids = {r["id"] for r in page1["results"]} | {r["id"] for r in page2["results"]}
    assert len(ids) == 51
    assert_error(client.get(PROJECTS_URL, {"page": 3}), 404)


def test_output_url_only_when_completed(client: APIClient) -> None:
    body = create_project(client, "Rendered")
    Project.objects.filter(pk=body["id"]).update(
        status=ProjectStatus.COMPLETED, output_path=f"/media/projects/{body['id']}/output/final.mp4"
    )
    row = client.get(PROJECTS_URL).json()["results"][0]
    assert row["output_url"] == f"/media/projects/{body['id']}/output/final.mp4"
    Project.objects.filter(pk=body["id"]).update(status=ProjectStatus.FAILED)
    assert client.get(PROJECTS_URL).json()["results"][0]["output_url"] is None


# -- detail ---------------------------------------------------------------------------------------------------------
def test_detail_has_segments_ordered_by_sequence_index(client: APIClient) -> None:
    body = create_project(client)
    project = Project.objects.get(pk=body["id"])
    # Stored out of order on purpose: the detail must sort them.
    for index, text in [(2, "third"), (0, "first"), (1, "second")]:
        Segment.objects.create(project=project, sequence_index=index, text_content=text)
    response = client.get(project_url(body["id"]))
    assert response.status_code == 200
    detail = response.json()
    assert [s["text_content"] for s in detail["segments"]] == ["first", "second", "third"]
    assert [s["sequence_index"] for s in detail["segments"]] == [0, 1, 2]
    assert detail["segment_count"] == 3


@pytest.mark.parametrize("method", ["get", "patch", "delete"])
def test_unknown_project_is_404(client: APIClient, method: str) -> None:
    url = project_url(str(uuid.uuid4()))
    response = getattr(client, method)(url, {"title": "x"} if method == "patch" else None, format="json")
    assert_error(response, 404)


def test_malformed_project_id_is_404(client: APIClient) -> None:
    assert_error(client.get(project_url("not-a-uuid")), 404)


# -- edit -----------------------------------------------------------------------------------------------------------
def test_patch_title_and_resolution(client: APIClient) -> None:
    body = create_project(client, "Old")
    response = client.patch(
        project_url(body["id"]), {"title": " New ", "resolution_width": 1280, "resolution_height": 720}, format="json"
    )
    assert response.status_code == 200, response.content
    data = response.json()
    assert (data["title"], data["resolution_width"], data["resolution_height"]) == ("New", 1280, 720)
    project = Project.objects.get(pk=body["id"])
    assert (project.title, project.resolution_width, project.resolution_height, project.framerate) == (
        "New",
        1280,
        720,
        30,
    )


def test_patch_odd_width_is_checked_against_the_stored_height(client: APIClient) -> None:
    body = create_project(client, "T")
    assert_error(
        client.patch(project_url(body["id"]), {"resolution_width": 1279}, format="json"),
        400,
        "resolution_width",
        "even",
    )
    assert_error(
        client.patch(project_url(body["id"]), {"resolution_height": 719}, format="json"),
        400,
        "resolution_height",
        "even",
    )
    project = Project.objects.get(pk=body["id"])
    assert (project.resolution_width, project.resolution_height) == (1920, 1080)


@pytest.mark.parametrize("title", ["", "   "])
def test_patch_empty_title_is_refused(client: APIClient, title: str) -> None:
    body = create_project(client, "Kept")
    assert_error(client.patch(project_url(body["id"]), {"title": title}, format="json"), 400, "title")
    assert Project.objects.get(pk=body["id"]).title == "Kept"


def test_patch_cannot_set_status(client: APIClient) -> None:
    body = create_project(client)
    response = client.patch(project_url(body["id"]), {"status": "COMPLETED"}, format="json")
    assert response.status_code == 200
    assert Project.objects.get(pk=body["id"]).status == ProjectStatus.DRAFT


def test_patch_and_delete_are_refused_while_processing(client: APIClient, media_root: Path) -> None:
    body = create_project(client, "Busy")
    seg = add_segment(client, body["id"])
    assert upload(client, seg["id"], image_file=image_upload()).status_code == 200
    folder = media_root / "projects" / body["id"]
    assert folder.is_dir()
    set_processing(body["id"])

    assert_error(client.patch(project_url(body["id"]), {"title": "Changed"}, format="json"), 409)
    assert_error(client.delete(project_url(body["id"])), 409)

    project = Project.objects.get(pk=body["id"])
    assert project.title == "Busy" and project.status == ProjectStatus.PROCESSING
    assert Segment.objects.filter(project=project).count() == 1
    assert folder.is_dir()


# -- delete ---------------------------------------------------------------------------------------------------------
def test_delete_removes_project_segments_and_media_folder(client: APIClient, media_root: Path, tmp_path: Path) -> None:
    keep = import_story(client, ["Other."], title="Other")
    gone = import_story(client, ["One.", "Two."], title="Gone")
    seg = gone["segments"][0]
    assert upload(client, seg["id"], image_file=image_upload()).status_code == 200
    assert upload(client, seg["id"], audio_file=upload_from(write_wav(tmp_path / "n.wav", 0.3))).status_code == 200
    kept_seg = keep["segments"][0]
    assert upload(client, kept_seg["id"], image_file=image_upload()).status_code == 200
    folder = media_root / "projects" / gone["id"]
    output = folder / "output"
    output.mkdir()
    (output / "final.mp4").write_bytes(b"not really a video")
    assert (folder / "images").is_dir() and (folder / "audio").is_dir()

    response = client.delete(project_url(gone["id"]))
    assert response.status_code == 204
    assert not folder.exists()
    assert not Project.objects.filter(pk=gone["id"]).exists()
    assert not Segment.objects.filter(project_id=gone["id"]).exists()
    assert_error(client.get(project_url(gone["id"])), 404)
    # The other project and its files are untouched.
    assert (media_root / "projects" / keep["id"] / "images").is_dir()
    assert Segment.objects.filter(project_id=keep["id"]).count() == 1


def test_delete_project_without_media_folder(client: APIClient) -> None:
    body = create_project(client)
    assert client.delete(project_url(body["id"])).status_code == 204
    assert Project.objects.count() == 0


# -- status ---------------------------------------------------------------------------------------------------------
def test_status_of_a_new_project(client: APIClient) -> None:
    body = create_project(client)
    response = client.get(f"{project_url(body['id'])}status/")
    assert response.status_code == 200
    assert response.json() == {
        "project_id": body["id"],
        "status": "DRAFT",
        "progress": None,
        "output_url": None,
        "error": None,
        "job_id": None,
        "stage": None,
        "log_tail": [],
    }


def test_status_of_unknown_project_is_404(client: APIClient) -> None:
    assert_error(client.get(f"{project_url(str(uuid.uuid4()))}status/"), 404)


def test_status_of_malformed_project_id_is_404(client: APIClient) -> None:
    assert_error(client.get(f"{project_url('not-a-uuid')}status/"), 404)
