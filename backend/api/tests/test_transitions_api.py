"""Project picture options (``transition``, ``min_shot``, ``max_shot``) and a segment's several images
(``POST /segments/{id}/images/``, ``DELETE …/images/{n}/``, ``POST …/images/reorder/``) through real HTTP, and a
small real render of a project with crossfades and a three-image segment."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from core_engine.video_renderer import build_project_plan, render_project
from rest_framework.test import APIClient

from api.models import Project, ProjectStatus, Segment, SegmentImage
from api.tests.helpers import (
    assert_error,
    image_bytes,
    image_upload,
    import_story,
    media_path,
    project_url,
    segment_url,
    upload,
    upload_from,
    write_wav,
)

pytestmark = pytest.mark.django_db

RED, GREEN, BLUE, YELLOW = (230, 30, 30), (30, 200, 40), (40, 60, 230), (250, 200, 0)


@pytest.fixture
def story(client: APIClient) -> dict:
    return import_story(client, ["The lake was still.", "The city woke up."])


def images_url(segment_id: str, suffix: str = "") -> str:
    return f"{segment_url(segment_id)}images/{suffix}"


def add(client: APIClient, segment_id: str, colour: tuple[int, int, int], fmt: str = "PNG"):
    return client.post(
        images_url(segment_id), {"image_file": image_upload(f"p.{fmt.lower()}", fmt, colour=colour)}, format="multipart"
    )


def colour_of(url: str) -> tuple[int, int, int]:
    from PIL import Image

    with Image.open(media_path(url)) as img:
        return tuple(img.convert("RGB").getpixel((0, 0)))  # type: ignore[return-value]  # RGB pixel


# -- project options ------------------------------------------------------------------------------------------------
def test_picture_options_default_and_round_trip(client: APIClient, story: dict) -> None:
    body = client.get(project_url(story["id"])).json()
    assert body["transition"] == {"kind": "cut", "duration": 0.5}
    assert (body["min_shot"], body["max_shot"]) == (2.5, 8.0)
    r = client.patch(project_url(story["id"]), {"transition": {"kind": "crossfade"}}, format="json")
    assert r.status_code == 200, r.content
    assert r.json()["transition"] == {"kind": "crossfade", "duration": 0.5}  # the duration is kept
    r = client.patch(project_url(story["id"]), {"transition": {"duration": 0.8}, "min_shot": 3}, format="json")
    assert r.status_code == 200 and r.json()["transition"] == {"kind": "crossfade", "duration": 0.8}
    project = Project.objects.get(pk=story["id"])
    assert project.transition == {"kind": "crossfade", "duration": 0.8} and project.min_shot == 3.0


@pytest.mark.parametrize(
    ("payload", "field", "words"),
    [
        ({"transition": {"kind": "spin"}}, "transition", ["spin"]),
        ({"transition": {"duration": 0}}, "transition", ["duration"]),
        ({"transition": {"kind": "crossfade", "duration": -1}}, "transition", ["duration"]),
        ({"transition": {"kind": "crossfade", "duration": 2.5}}, "transition", ["duration"]),
        ({"transition": {"kind": "crossfade", "duration": "soon"}}, "transition", ["duration"]),
        ({"transition": {"kind": "crossfade", "speed": 1}}, "transition", ["speed"]),
        ({"transition": "crossfade"}, "transition", ["kind"]),
        ({"min_shot": 0.1}, "min_shot", []),
        ({"max_shot": 100}, "max_shot", []),
        ({"min_shot": 9, "max_shot": 4}, "max_shot", ["min_shot"]),
        ({"transition": {"kind": "crossfade", "duration": 1.5}, "min_shot": 1.0}, "transition", ["min_shot"]),
    ],
)
def test_bad_picture_options_are_refused_naming_the_field(
    client: APIClient, story: dict, payload: dict, field: str, words: list[str]
) -> None:
    before = client.get(project_url(story["id"])).json()
    r = client.patch(project_url(story["id"]), payload, format="json")
    assert_error(r, 400, field, *words)
    after = client.get(project_url(story["id"])).json()
    assert (after["transition"], after["min_shot"], after["max_shot"]) == (
        before["transition"],
        before["min_shot"],
        before["max_shot"],
    )


def test_a_transition_longer_than_the_shortest_narration_is_refused(
    client: APIClient, story: dict, tmp_path: Path
) -> None:
    seg = story["segments"][0]
    assert upload(client, seg["id"], audio_file=upload_from(write_wav(tmp_path / "n.wav", 0.6))).status_code == 200
    r = client.patch(project_url(story["id"]), {"transition": {"kind": "fade_black", "duration": 1.0}}, format="json")
    assert_error(r, 400, "transition", "shortest segment")
    ok = client.patch(project_url(story["id"]), {"transition": {"kind": "fade_black", "duration": 0.5}}, format="json")
    assert ok.status_code == 200


# -- images ---------------------------------------------------------------------------------------------------------
@pytest.mark.django_db(transaction=True)  # a removed file is deleted when the transaction commits
def test_adding_reordering_and_removing_images(client: APIClient, story: dict) -> None:
    seg = story["segments"][0]
    assert seg["images"] == []
    r = add(client, seg["id"], RED)  # no image yet: it becomes image_file
    assert r.status_code == 200, r.content
    assert r.json()["images"] == [r.json()["image_file"]]
    add(client, seg["id"], GREEN)
    body = add(client, seg["id"], BLUE, "JPEG").json()
    assert len(body["images"]) == 3 and body["images"][0] == body["image_file"]
    assert [colour_of(u) for u in body["images"][:2]] == [RED, GREEN]
    assert client.get(project_url(story["id"])).json()["segments"][0]["images"] == body["images"]

    # A fourth is refused (400 naming the field) and nothing is stored.
    files_before = sorted(p.name for p in media_path(body["images"][0]).parent.iterdir())
    assert_error(add(client, seg["id"], YELLOW), 400, "image_file", "at most 3")
    assert sorted(p.name for p in media_path(body["images"][0]).parent.iterdir()) == files_before

    # Reorder: the third first.
    r = client.post(images_url(seg["id"], "reorder/"), {"order": [2, 0, 1]}, format="json")
    assert r.status_code == 200, r.content
    reordered = r.json()["images"]
    assert reordered == [body["images"][2], body["images"][0], body["images"][1]]
    assert r.json()["image_file"] == reordered[0]
    for bad in ([0, 1], [0, 0, 1], [0, 1, 3], []):
        assert_error(client.post(images_url(seg["id"], "reorder/"), {"order": bad}, format="json"), 400, "order")

    # Remove the first: the next becomes image_file; its file is deleted.
    gone = media_path(reordered[0])
    r = client.delete(images_url(seg["id"], "0/"))
    assert r.status_code == 200, r.content
    assert r.json()["images"] == reordered[1:] and r.json()["image_file"] == reordered[1]
    assert not gone.exists() and all(media_path(u).is_file() for u in reordered[1:])
    assert client.delete(images_url(seg["id"], "5/")).status_code == 404
    assert list(SegmentImage.objects.filter(segment_id=seg["id"]).values_list("position", flat=True)) == [1]


def test_bad_image_uploads_and_locked_or_rendering_segments_are_refused(client: APIClient, story: dict) -> None:
    seg = story["segments"][0]
    add(client, seg["id"], RED)
    r = client.post(
        images_url(seg["id"]), {"image_file": image_upload("p.gif", "GIF", colour=GREEN)}, format="multipart"
    )
    assert_error(r, 400, "image_file")
    from django.core.files.uploadedfile import SimpleUploadedFile

    broken = SimpleUploadedFile("p.png", image_bytes("PNG")[:40])
    assert_error(client.post(images_url(seg["id"]), {"image_file": broken}, format="multipart"), 400, "image_file")
    assert_error(client.post(images_url(seg["id"]), {}, format="multipart"), 400, "image_file")
    assert len(client.get(segment_url(seg["id"])).json()["images"]) == 1

    Segment.objects.filter(pk=seg["id"]).update(is_locked=True)
    assert add(client, seg["id"], GREEN).status_code == 409
    assert client.delete(images_url(seg["id"], "0/")).status_code == 409
    Segment.objects.filter(pk=seg["id"]).update(is_locked=False)
    Project.objects.filter(pk=story["id"]).update(status=ProjectStatus.PROCESSING)
    assert add(client, seg["id"], GREEN).status_code == 409
    assert client.post(images_url(seg["id"], "reorder/"), {"order": [0]}, format="json").status_code == 409


def test_deleting_a_segment_removes_its_extra_images(client: APIClient, story: dict) -> None:
    seg = story["segments"][0]
    add(client, seg["id"], RED)
    urls = add(client, seg["id"], GREEN).json()["images"]
    assert client.delete(segment_url(seg["id"])).status_code == 204
    assert not any(media_path(u).exists() for u in urls)


# -- render ---------------------------------------------------------------------------------------------------------
def test_a_project_with_crossfades_and_three_images_renders_with_shots_on_time(
    client: APIClient, story: dict, tmp_path: Path
) -> None:
    first, second = story["segments"]
    for colour in (RED, GREEN, BLUE):
        add(client, first["id"], colour)
    add(client, second["id"], YELLOW)
    upload(client, first["id"], audio_file=upload_from(write_wav(tmp_path / "a.wav", 3.0)))
    upload(client, second["id"], audio_file=upload_from(write_wav(tmp_path / "b.wav", 1.0)))
    r = client.patch(
        project_url(story["id"]),
        {
            "resolution_width": 320,
            "resolution_height": 180,
            "framerate": 12,
            "transition": {"kind": "crossfade", "duration": 0.5},
            "min_shot": 1.0,
            "max_shot": 2.0,
        },
        format="json",
    )
    assert r.status_code == 200, r.content
    plan, _, _ = build_project_plan(story["id"])
    assert len(plan.segments[0].extra_images) == 2 and plan.shots is not None
    assert plan.shots.transition.kind == "crossfade" and plan.shots.min_shot == 1.0

    result = render_project(story["id"])
    assert result.frame_count == 48 and result.rendered_clips == 7  # 4 shot bodies + 3 crossfades
    from core_engine.tests.render.helpers import decode_frames

    frames = decode_frames(result.output_path)
    assert frames.shape[0] == 48
    means = frames.reshape(48, -1, 3).mean(axis=1)
    # Pure pictures in the middle of each 1 s shot; the mixes centred on 1.0, 2.0 and 3.0 s.
    for colour, frame in ((RED, 4), (GREEN, 18), (BLUE, 30), (YELLOW, 43)):
        assert np.abs(means[frame] - colour).max() < 6, (colour, frame, means[frame])
    for boundary in (12, 24, 36):
        before, after = means[boundary - 4], means[boundary + 3]
        w = (
            (means[boundary - 3 : boundary + 3] - before)
            @ (after - before)
            / float((after - before) @ (after - before))
        )
        assert w[2] < 0.5 < w[3], (boundary, w)
