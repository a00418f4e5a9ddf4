"""Narration endpoints with real synthesis by the built-in engine, task status, staleness flag, settings."""

from __future__ import annotations

import uuid
import wave
from pathlib import Path

import pytest
from django.conf import settings
from rest_framework.test import APIClient

from api.models import Project, ProjectStatus, Segment
from api.task_manager import TaskManager

pytestmark = pytest.mark.django_db(transaction=True)


def import_story(client: APIClient, texts: list[str]) -> dict:
    resp = client.post(
        "/api/projects/import/",
        {"format": "json", "title": "Narrated", "segments": [{"text_content": t} for t in texts]},
        format="json",
    )
    assert resp.status_code == 201, resp.data
    return resp.data


def finish(client: APIClient, task_id: str) -> dict:
    TaskManager.get_instance().wait(task_id, timeout=60)
    resp = client.get(f"/api/tasks/{task_id}/status/")
    assert resp.status_code == 200
    return resp.data


def test_generate_audio_for_one_segment(client):
    project = import_story(client, ["The keeper climbed the stairs one last time."])
    segment_id = project["segments"][0]["id"]
    resp = client.post(f"/api/segments/{segment_id}/generate-audio/")
    assert resp.status_code == 202
    assert resp.data["task_id"] == f"tts_{segment_id}" and resp.data["segment_id"] == segment_id
    assert {"status", "message"} <= set(resp.data)

    task = finish(client, resp.data["task_id"])
    assert task["status"] == "COMPLETED"
    assert task["progress"]["percentage"] == 100
    assert task["progress"] == {
        "current_segment": 1, "total_segments": 1, "percentage": 100, "current_phase": "Narration ready",
        "stage": "DONE", "eta_seconds": 0.0,
    }  # fmt: skip
    assert task["current_phase"] == "Narration ready"
    assert task["errors"] == []
    [done] = task["completed_segments"]
    assert done["segment_id"] == segment_id and done["audio_duration"] > 0.5

    wav_path = Path(settings.MEDIA_ROOT) / "projects" / project["id"] / "audio" / f"{segment_id}.wav"
    with wave.open(str(wav_path)) as wav:
        assert (wav.getnchannels(), wav.getsampwidth()) == (1, 2)
        assert abs(wav.getnframes() / wav.getframerate() - done["audio_duration"]) < 1e-3
    segment = client.get(f"/api/segments/{segment_id}/").data
    assert segment["audio_file"].endswith(f"/media/projects/{project['id']}/audio/{segment_id}.wav")
    assert segment["audio_matches_text"] is True
    assert client.get(done["audio_url"]).status_code == 200

    # editing the text makes the narration stale; restoring it makes it current again
    client.patch(f"/api/segments/{segment_id}/", {"text_content": "Something else entirely."}, format="json")
    assert client.get(f"/api/segments/{segment_id}/").data["audio_matches_text"] is False


def test_generate_audio_errors(client):
    project = import_story(client, ["Words.", "More words."])
    first, second = (s["id"] for s in project["segments"])
    Segment.objects.filter(pk=first).update(text_content="   ")
    resp = client.post(f"/api/segments/{first}/generate-audio/")
    assert resp.status_code == 400 and "text" in resp.data["error"]
    Segment.objects.filter(pk=first).update(text_content="?!... 😀")
    resp = client.post(f"/api/segments/{first}/generate-audio/")
    assert resp.status_code == 400 and "nothing to speak" in resp.data["text_content"][0]

    client.patch(f"/api/segments/{second}/", {"is_locked": True}, format="json")
    resp = client.post(f"/api/segments/{second}/generate-audio/")
    assert resp.status_code == 409 and "locked" in resp.data["error"]

    client.patch(f"/api/segments/{second}/", {"is_locked": False}, format="json")
    Project.objects.filter(pk=project["id"]).update(status=ProjectStatus.PROCESSING)
    assert client.post(f"/api/segments/{second}/generate-audio/").status_code == 409
    assert client.post(f"/api/projects/{project['id']}/generate-all-audio/", {}, format="json").status_code == 409

    assert client.post(f"/api/segments/{uuid.uuid4()}/generate-audio/").status_code == 404


def test_speech_error_is_reported_per_segment(client):
    project = import_story(client, ["?!...", "A real sentence to speak."])
    resp = client.post(f"/api/projects/{project['id']}/generate-all-audio/", {}, format="json")
    assert resp.status_code == 202
    task = finish(client, resp.data["task_id"])
    assert task["status"] == "COMPLETED"
    assert [e["segment_id"] for e in task["errors"]] == [project["segments"][0]["id"]]
    assert task["errors"][0]["error"]
    assert [c["segment_id"] for c in task["completed_segments"]] == [project["segments"][1]["id"]]


def test_generate_all_audio_skipping_rules(client):
    project = import_story(client, ["First.", "Second.", "Third.", "Fourth."])
    ids = [s["id"] for s in project["segments"]]
    Segment.objects.filter(pk=ids[1]).update(is_locked=True)
    Segment.objects.filter(pk=ids[2]).update(text_content="")

    resp = client.post(
        f"/api/projects/{project['id']}/generate-all-audio/", {"skip_locked": True, "force": False}, format="json"
    )
    assert resp.status_code == 202
    assert {
        k: resp.data[k]
        for k in ("total_segments", "segments_to_process", "skipped_locked", "skipped_existing", "skipped_empty")
    } == {"total_segments": 4, "segments_to_process": 2, "skipped_locked": 1, "skipped_existing": 0, "skipped_empty": 1}
    task = finish(client, resp.data["task_id"])
    assert sorted(c["segment_id"] for c in task["completed_segments"]) == sorted([ids[0], ids[3]])

    # nothing left to do: 200 with the same counts and no task
    again = client.post(f"/api/projects/{project['id']}/generate-all-audio/", {}, format="json")
    assert again.status_code == 200
    assert again.data["task_id"] is None and again.data["segments_to_process"] == 0
    assert again.data["skipped_existing"] == 2

    # a changed text makes that narration stale, so it is generated again
    client.patch(f"/api/segments/{ids[0]}/", {"text_content": "First, rewritten."}, format="json")
    stale = client.post(f"/api/projects/{project['id']}/generate-all-audio/", {}, format="json")
    assert stale.status_code == 202 and stale.data["segments_to_process"] == 1
    finish(client, stale.data["task_id"])

    # force regenerates existing narration; skip_locked=false includes locked segments
    forced = client.post(
        f"/api/projects/{project['id']}/generate-all-audio/", {"skip_locked": False, "force": True}, format="json"
    )
    assert forced.status_code == 202
    assert forced.data["segments_to_process"] == 3 and forced.data["skipped_locked"] == 0
    finish(client, forced.data["task_id"])


def test_task_status_unknown_is_404(client):
    assert client.get("/api/tasks/tts_nope/status/").status_code == 404


def test_settings_and_voices(client):
    resp = client.get("/api/settings/")
    assert resp.status_code == 200
    assert resp.data["tts_speed"] == 1.0 and resp.data["zoom_intensity"] == 1.3

    voices = client.get("/api/settings/voices/").data
    assert voices["engine"] == "espeak-ng"
    assert len(voices["voices"]) > 1
    assert {"id", "name", "language", "gender"} <= set(voices["voices"][0])

    voice = voices["voices"][-1]["id"]
    resp = client.patch(
        "/api/settings/", {"default_voice_id": voice, "tts_speed": 1.5, "zoom_intensity": 1.6}, format="json"
    )
    assert resp.status_code == 200
    assert (resp.data["default_voice_id"], resp.data["tts_speed"], resp.data["zoom_intensity"]) == (voice, 1.5, 1.6)

    for field, value in [
        ("tts_speed", 0.4),
        ("tts_speed", 2.1),
        ("zoom_intensity", 0.9),
        ("zoom_intensity", 2.5),
        ("default_voice_id", "no-such-voice"),
        ("subtitle_color", "white"),
        ("tts_speed", "fast"),
    ]:
        bad = client.patch("/api/settings/", {field: value}, format="json")
        assert bad.status_code == 400, (field, value)
        assert field in bad.data and field in bad.data["error"]
    assert client.get("/api/settings/").data["tts_speed"] == 1.5
