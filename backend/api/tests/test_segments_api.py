"""Segments: append, read, edit text/prompt/lock, delete with re-indexing and file removal, reorder."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from rest_framework.test import APIClient

from api.models import Project, ProjectStatus, Segment, text_hash
from api.tests.helpers import (
    SEGMENTS_URL,
    add_segment,
    assert_error,
    create_project,
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


@pytest.fixture
def story(client: APIClient) -> dict:
    """A project with four segments "A".."D"."""
    return import_story(client, ["A", "B", "C", "D"])


def order_in_db(project_id: str) -> list[tuple[str, int]]:
    return list(
        Segment.objects.filter(project_id=project_id)
        .order_by("sequence_index")
        .values_list("text_content", "sequence_index")
    )


def set_processing(project_id: str) -> None:
    assert Project.objects.filter(pk=project_id).update(status=ProjectStatus.PROCESSING) == 1


def reorder(client: APIClient, project_id: str, ids: list):
    return client.post(f"{project_url(project_id)}reorder/", {"segment_ids": ids}, format="json")


# -- create ---------------------------------------------------------------------------------------------------------
def test_create_appends_at_the_end(client: APIClient) -> None:
    project = create_project(client)
    first = add_segment(client, project["id"], "first", "a prompt")
    assert first["sequence_index"] == 0
    assert (first["text_content"], first["image_prompt"], first["project"]) == ("first", "a prompt", project["id"])
    assert first["image_file"] is None and first["audio_file"] is None and first["is_locked"] is False
    second = add_segment(client, project["id"], "second")
    assert second["sequence_index"] == 1
    assert order_in_db(project["id"]) == [("first", 0), ("second", 1)]


def test_create_after_import_and_delete_uses_the_count(client: APIClient, story: dict) -> None:
    assert client.delete(segment_url(story["segments"][1]["id"])).status_code == 204
    new = add_segment(client, story["id"], "E")
    assert new["sequence_index"] == 3  # three segments left → index 3
    assert order_in_db(story["id"]) == [("A", 0), ("C", 1), ("D", 2), ("E", 3)]


def test_create_ignores_client_sequence_index_and_files(client: APIClient, story: dict) -> None:
    response = client.post(
        SEGMENTS_URL,
        {
            "project": story["id"],
            "text_content": "E",
            "sequence_index": 0,
            "audio_duration": 99.0,
            "image_file": "/etc/passwd",
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    seg = Segment.objects.get(pk=response.json()["id"])
    assert seg.sequence_index == 4 and seg.audio_duration is None and not seg.image_file


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"text_content": "no project"}, "project"),
        ({"project": "00000000-0000-0000-0000-000000000000", "text_content": "x"}, "project"),
        ({"project": "not-a-uuid", "text_content": "x"}, "project"),
    ],
)
def test_create_refuses_missing_or_unknown_project(client: APIClient, body: dict, field: str) -> None:
    assert_error(client.post(SEGMENTS_URL, body, format="json"), 400, field)
    assert Segment.objects.count() == 0


def test_create_refuses_text_over_the_limit(client: APIClient) -> None:
    project = create_project(client)
    response = client.post(SEGMENTS_URL, {"project": project["id"], "text_content": "x" * 5001}, format="json")
    assert_error(response, 400, "text_content", "5000")
    assert Segment.objects.count() == 0


def test_create_refused_while_processing(client: APIClient, story: dict) -> None:
    set_processing(story["id"])
    response = client.post(SEGMENTS_URL, {"project": story["id"], "text_content": "E"}, format="json")
    assert_error(response, 409)
    assert Segment.objects.filter(project_id=story["id"]).count() == 4


# -- read -----------------------------------------------------------------------------------------------------------
def test_get_segment_and_unknown_segment(client: APIClient, story: dict) -> None:
    seg = story["segments"][2]
    response = client.get(segment_url(seg["id"]))
    assert response.status_code == 200
    assert response.json() == seg
    assert_error(client.get(segment_url(str(uuid.uuid4()))), 404)
    assert_error(client.get(segment_url("nope")), 404)


# -- edit -----------------------------------------------------------------------------------------------------------
def test_patch_text_prompt_and_lock(client: APIClient, story: dict) -> None:
    seg = story["segments"][1]
    response = client.patch(
        segment_url(seg["id"]), {"text_content": "New words.", "image_prompt": "a red bus"}, format="json"
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["text_content"], body["image_prompt"], body["sequence_index"]) == ("New words.", "a red bus", 1)
    stored = Segment.objects.get(pk=seg["id"])
    assert (stored.text_content, stored.image_prompt) == ("New words.", "a red bus")

    response = client.patch(segment_url(seg["id"]), {"is_locked": True}, format="json")
    assert response.status_code == 200 and response.json()["is_locked"] is True
    assert Segment.objects.get(pk=seg["id"]).is_locked is True


def test_patch_cannot_change_index_duration_or_project(client: APIClient, story: dict) -> None:
    other = create_project(client, "Other")
    seg = story["segments"][0]
    response = client.patch(segment_url(seg["id"]), {"sequence_index": 3, "audio_duration": 5.0}, format="json")
    assert response.status_code == 200
    stored = Segment.objects.get(pk=seg["id"])
    assert stored.sequence_index == 0 and stored.audio_duration is None
    assert_error(client.patch(segment_url(seg["id"]), {"project": other["id"]}, format="json"), 400, "project")
    assert Segment.objects.get(pk=seg["id"]).project_id == uuid.UUID(story["id"])


def test_patch_with_a_json_array_body_is_a_400(client: APIClient, story: dict) -> None:
    seg = story["segments"][0]
    assert_error(client.patch(segment_url(seg["id"]), [{"text_content": "x"}], format="json"), 400, None, "object")
    assert Segment.objects.get(pk=seg["id"]).text_content == "A"


def test_patch_text_over_the_limit_is_refused(client: APIClient, story: dict) -> None:
    seg = story["segments"][0]
    assert_error(client.patch(segment_url(seg["id"]), {"text_content": "y" * 5001}, format="json"), 400, "text_content")
    assert Segment.objects.get(pk=seg["id"]).text_content == "A"


def test_locked_segment_refuses_changes_but_can_be_unlocked(client: APIClient, story: dict, tmp_path: Path) -> None:
    seg = story["segments"][0]
    assert client.patch(segment_url(seg["id"]), {"is_locked": True}, format="json").status_code == 200

    assert_error(client.patch(segment_url(seg["id"]), {"text_content": "changed"}, format="json"), 409)
    assert_error(client.patch(segment_url(seg["id"]), {"image_prompt": "changed"}, format="json"), 409)
    # Unlocking and editing in the same request is still an edit of a locked segment.
    assert_error(
        client.patch(segment_url(seg["id"]), {"is_locked": False, "text_content": "changed"}, format="json"), 409
    )
    assert_error(upload(client, seg["id"], image_file=image_upload()), 409)
    assert_error(upload(client, seg["id"], audio_file=upload_from(write_wav(tmp_path / "a.wav", 0.3))), 409)
    stored = Segment.objects.get(pk=seg["id"])
    assert (stored.text_content, stored.image_prompt, stored.is_locked) == ("A", "", True)
    assert not stored.image_file and not stored.audio_file

    # Setting the lock again is allowed, and so is unlocking; then edits work.
    assert client.patch(segment_url(seg["id"]), {"is_locked": True}, format="json").status_code == 200
    response = client.patch(segment_url(seg["id"]), {"is_locked": False}, format="json")
    assert response.status_code == 200 and response.json()["is_locked"] is False
    response = client.patch(segment_url(seg["id"]), {"text_content": "changed"}, format="json")
    assert response.status_code == 200 and response.json()["text_content"] == "changed"


def test_audio_matches_text(client: APIClient, story: dict, tmp_path: Path) -> None:
    seg = story["segments"][0]
    assert client.get(segment_url(seg["id"])).json()["audio_matches_text"] is None  # no audio
    body = upload(client, seg["id"], audio_file=upload_from(write_wav(tmp_path / "rec.wav", 0.4))).json()
    assert body["audio_matches_text"] is None  # an uploaded recording is not tied to the text
    assert Segment.objects.get(pk=seg["id"]).audio_text_hash == ""

    # Narration generated from the current text (as the TTS task records it) matches until the text changes.
    Segment.objects.filter(pk=seg["id"]).update(audio_text_hash=text_hash("A"))
    assert client.get(segment_url(seg["id"])).json()["audio_matches_text"] is True
    body = client.patch(segment_url(seg["id"]), {"text_content": "A different sentence."}, format="json").json()
    assert body["audio_matches_text"] is False
    # Uploading a recording again clears the link to the text.
    body = upload(client, seg["id"], audio_file=upload_from(write_wav(tmp_path / "rec2.wav", 0.4))).json()
    assert body["audio_matches_text"] is None


# -- delete ---------------------------------------------------------------------------------------------------------
def test_delete_reindexes_the_rest_and_removes_files(client: APIClient, story: dict, tmp_path: Path) -> None:
    victim, neighbour = story["segments"][1], story["segments"][2]
    image = upload(client, victim["id"], image_file=image_upload()).json()["image_file"]
    wav = write_wav(tmp_path / "v.wav", 0.3)
    audio = upload(client, victim["id"], audio_file=upload_from(wav)).json()["audio_file"]
    kept = upload(client, neighbour["id"], image_file=image_upload()).json()["image_file"]
    for url in (image, audio, kept):
        assert media_path(url).is_file()

    response = client.delete(segment_url(victim["id"]))
    assert response.status_code == 204
    assert not Segment.objects.filter(pk=victim["id"]).exists()
    assert not media_path(image).exists() and not media_path(audio).exists()
    assert media_path(kept).is_file()
    assert order_in_db(story["id"]) == [("A", 0), ("C", 1), ("D", 2)]
    detail = client.get(project_url(story["id"])).json()
    assert [s["sequence_index"] for s in detail["segments"]] == [0, 1, 2]
    assert_error(client.get(segment_url(victim["id"])), 404)


def test_delete_first_and_last(client: APIClient, story: dict) -> None:
    assert client.delete(segment_url(story["segments"][0]["id"])).status_code == 204
    assert client.delete(segment_url(story["segments"][3]["id"])).status_code == 204
    assert order_in_db(story["id"]) == [("B", 0), ("C", 1)]


def test_delete_refused_while_processing(client: APIClient, story: dict) -> None:
    set_processing(story["id"])
    assert_error(client.delete(segment_url(story["segments"][0]["id"])), 409)
    assert order_in_db(story["id"]) == [("A", 0), ("B", 1), ("C", 2), ("D", 3)]


def test_delete_unknown_segment_is_404(client: APIClient) -> None:
    assert_error(client.delete(segment_url(str(uuid.uuid4()))), 404)


# -- reorder --------------------------------------------------------------------------------------------------------
def test_reorder_returns_and_stores_the_new_order(client: APIClient, story: dict) -> None:
    ids = [s["id"] for s in story["segments"]]
    new = [ids[3], ids[0], ids[2], ids[1]]
    response = reorder(client, story["id"], new)
    assert response.status_code == 200, response.content
    body = response.json()
    assert [s["id"] for s in body] == new
    assert [s["sequence_index"] for s in body] == [0, 1, 2, 3]
    assert [s["text_content"] for s in body] == ["D", "A", "C", "B"]
    assert order_in_db(story["id"]) == [("D", 0), ("A", 1), ("C", 2), ("B", 3)]
    detail = client.get(project_url(story["id"])).json()
    assert [s["id"] for s in detail["segments"]] == new
    # Reordering back works too (no unique-index clash on the way).
    assert [s["id"] for s in reorder(client, story["id"], ids).json()] == ids


def test_reorder_single_segment(client: APIClient) -> None:
    story = import_story(client, ["only"])
    response = reorder(client, story["id"], [story["segments"][0]["id"]])
    assert response.status_code == 200 and response.json()[0]["sequence_index"] == 0


@pytest.mark.parametrize("case", ["missing", "extra", "duplicate", "foreign", "empty", "not-uuid", "not-list"])
def test_reorder_refuses_a_different_set_of_ids(client: APIClient, story: dict, case: str) -> None:
    ids = [s["id"] for s in story["segments"]]
    foreign = import_story(client, ["other"], title="Other")["segments"][0]["id"]
    segment_ids = {
        "missing": ids[:3],
        "extra": [*ids, str(uuid.uuid4())],
        "duplicate": [ids[0], ids[0], ids[1], ids[2]],
        "foreign": [*ids[:3], foreign],
        "empty": [],
        "not-uuid": [*ids[:3], "abc"],
        "not-list": ids[0],
    }[case]
    assert_error(reorder(client, story["id"], segment_ids), 400, "segment_ids")
    assert order_in_db(story["id"]) == [("A", 0), ("B", 1), ("C", 2), ("D", 3)]


def test_reorder_error_message_for_a_bad_id_is_readable(client: APIClient, story: dict) -> None:
    ids = [s["id"] for s in story["segments"]]
    body = assert_error(reorder(client, story["id"], [*ids[:3], "abc"]), 400, "segment_ids")
    assert body["error"] == "segment_ids.3: Must be a valid UUID."


def test_reorder_refused_while_processing_and_404_for_unknown_project(client: APIClient, story: dict) -> None:
    ids = [s["id"] for s in story["segments"]]
    set_processing(story["id"])
    assert_error(reorder(client, story["id"], ids[::-1]), 409)
    assert order_in_db(story["id"]) == [("A", 0), ("B", 1), ("C", 2), ("D", 3)]
    assert_error(reorder(client, str(uuid.uuid4()), ids), 404)
