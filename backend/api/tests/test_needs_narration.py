"""``needs_narration``: the server's one rule for "this segment needs (re)generated narration", sent per segment and
applied by ``generate-all-audio``."""

from __future__ import annotations

from pathlib import Path

import pytest
from rest_framework.test import APIClient

from api.models import Segment, text_hash
from api.task_manager import TaskManager
from api.tests.helpers import import_story, project_url, segment_url, upload, upload_from, write_wav

GENERATED = "projects/p/audio/generated.wav"


@pytest.mark.parametrize(
    ("text", "locked", "audio", "made_from", "needs", "reason"),
    [
        ("Words.", False, "", None, True, None),  # no narration yet
        ("   ", False, "", None, False, "empty"),  # nothing to speak
        ("Words.", True, "", None, False, "locked"),  # locked segments are left alone
        ("Words.", False, GENERATED, "Words.", False, "existing"),  # generated from the current text
        ("Words.", False, GENERATED, " Words. ", False, "existing"),  # surrounding spaces do not count
        ("New words.", False, GENERATED, "Words.", True, None),  # generated from an older text
        ("New words.", True, GENERATED, "Words.", False, "locked"),
        ("Words.", False, "projects/p/audio/recording.mp3", "", False, "existing"),  # an uploaded recording
    ],
)
def test_rule(text, locked, audio, made_from, needs, reason):
    segment = Segment(
        text_content=text,
        is_locked=locked,
        audio_file=audio or None,
        audio_text_hash=text_hash(made_from) if made_from else "",
    )
    assert segment.needs_narration is needs
    assert segment.narration_skip_reason() == reason


def test_generate_all_options_change_the_rule():
    stale_locked = Segment(text_content="New.", is_locked=True, audio_file=GENERATED, audio_text_hash=text_hash("Old."))
    assert stale_locked.narration_skip_reason(skip_locked=False) is None
    current = Segment(text_content="Same.", audio_file=GENERATED, audio_text_hash=text_hash("Same."))
    assert current.narration_skip_reason(force=True) is None
    assert Segment(text_content="", audio_file=GENERATED).narration_skip_reason(force=True) == "empty"


@pytest.mark.django_db(transaction=True)
def test_segments_report_it_and_generate_all_follows_it(client: APIClient, tmp_path: Path):
    """Real narration by the built-in engine, a real uploaded recording, and the flags the API sends after each."""
    story = import_story(client, ["The keeper climbed.", "The lamp was lit.", "A ship passed.", "Dawn came."])
    pid = story["id"]
    ids = [s["id"] for s in story["segments"]]
    assert [s["needs_narration"] for s in story["segments"]] == [True, True, True, True]

    response = client.post(f"/api/segments/{ids[0]}/generate-audio/")
    assert response.status_code == 202
    TaskManager.get_instance().wait(response.data["task_id"], timeout=60)
    recording = upload(client, ids[1], audio_file=upload_from(write_wav(tmp_path / "take.wav", 1.0)))
    assert recording.status_code == 200 and recording.json()["needs_narration"] is False
    locked = client.patch(segment_url(ids[2]), {"is_locked": True}, format="json")
    assert locked.json()["needs_narration"] is False

    def flags() -> list[bool]:
        return [s["needs_narration"] for s in client.get(project_url(pid)).json()["segments"]]

    assert flags() == [False, False, False, True]
    edited = client.patch(segment_url(ids[0]), {"text_content": "The keeper climbed slowly."}, format="json")
    assert edited.json()["needs_narration"] is True  # the narration is of the older text now
    client.patch(segment_url(ids[1]), {"text_content": "The lamp was lit at dusk."}, format="json")
    assert flags() == [True, False, False, True]  # a recording's text is not tracked, so it stays

    batch = client.post(f"/api/projects/{pid}/generate-all-audio/", {}, format="json")
    assert batch.status_code == 202
    assert batch.data["segments_to_process"] == sum(flags()) == 2
    task = TaskManager.get_instance()
    task.wait(batch.data["task_id"], timeout=60)
    done = client.get(f"/api/tasks/{batch.data['task_id']}/status/").json()["completed_segments"]
    assert sorted(c["segment_id"] for c in done) == sorted([ids[0], ids[3]])
    assert flags() == [False, False, False, False]
