"""``word_timings`` in segment JSON: aligned on upload, re-aligned when the text changes, taken from espeak-ng when
narration is generated, replaced when it is regenerated, never stale."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pytest
from rest_framework.test import APIClient

from api.models import Segment
from api.task_manager import TaskManager
from api.tests.helpers import import_story, segment_url, upload, upload_from, write_wav

pytestmark = pytest.mark.django_db(transaction=True)

LIBRISPEECH = "speech_04_male_librispeech_ogg_16k_mono_14.8s.ogg"
TEXT = (
    "With her white paint and her scarlet smokestack, the Inverashiel, one of the two small steamers that during "
    "the summer months plied up and down the loch, and incidentally carried on communication between Inverashiel "
    "and Crianan."
)


def _words(segment: dict) -> list[str]:
    return [w["word"] for w in segment["word_timings"]]


def _check(timings: list[dict], duration: float) -> None:
    assert timings and all(set(w) == {"word", "start", "end"} for w in timings)
    starts = [w["start"] for w in timings]
    assert starts == sorted(starts)
    assert all(0 <= w["start"] <= w["end"] <= duration + 1e-3 for w in timings)


def _generate(client: APIClient, segment_id: str) -> dict:
    resp = client.post(f"/api/segments/{segment_id}/generate-audio/")
    assert resp.status_code == 202, resp.content
    TaskManager.get_instance().wait(resp.data["task_id"], timeout=60)
    return client.get(segment_url(segment_id)).json()


def test_uploaded_recording_is_aligned_and_realigned_when_the_text_changes(client: APIClient, corpus: Path) -> None:
    project = import_story(client, [TEXT])
    segment_id = project["segments"][0]["id"]
    assert project["segments"][0]["word_timings"] is None  # no narration yet

    resp = upload(client, segment_id, audio_file=upload_from(corpus / LIBRISPEECH))
    assert resp.status_code == 200, resp.content
    body = resp.json()
    _check(body["word_timings"], body["audio_duration"])
    assert _words(body)[:3] == ["With", "her", "white"] and _words(body)[-1] == "Crianan."
    paint = body["word_timings"][3]
    assert paint["word"] == "paint" and abs(paint["start"] - 0.94) < 0.06  # independent timing: 0.94 s
    assert Segment.objects.get(pk=segment_id).word_timings_method == "pocketsphinx"
    assert client.get(segment_url(segment_id)).json()["word_timings"] == body["word_timings"]

    # editing the text re-aligns the same recording to the new words
    new_text = "With her white paint and her scarlet smokestack, the steamer Inverashiel."
    resp = client.patch(segment_url(segment_id), {"text_content": new_text}, format="json")
    assert resp.status_code == 200
    assert _words(resp.json()) == new_text.split()
    assert client.get(segment_url(segment_id)).json()["word_timings"] == resp.json()["word_timings"]

    # timings stored for another text are never shown (e.g. a text change written around the API)
    Segment.objects.filter(pk=segment_id).update(text_content="Something else.")
    assert client.get(segment_url(segment_id)).json()["word_timings"] is None


def test_a_new_recording_replaces_the_timings(client: APIClient, corpus: Path, tmp_path: Path) -> None:
    text = (
        "Oh, I do feel so ill all over me, my dear Ribby; I have swallowed a large tin patty-pan with a sharp "
        "scalloped edge!"
    )
    project = import_story(client, [text])
    segment_id = project["segments"][0]["id"]
    first = upload(client, segment_id, audio_file=upload_from(corpus / LIBRISPEECH)).json()
    second = upload(
        client, segment_id, audio_file=upload_from(corpus / "speech_03_female_librivox_potter_mp3_48k_stereo_9.9s.mp3")
    ).json()
    _check(second["word_timings"], second["audio_duration"])
    assert Segment.objects.get(pk=segment_id).word_timings_method == "pocketsphinx"
    assert second["word_timings"] != first["word_timings"]
    key = Segment.objects.get(pk=segment_id).word_timings_key
    assert key and key != ""

    # a tone has no words to find, but every word still gets a time (the fallback), inside the audio
    tone = upload(client, segment_id, audio_file=upload_from(write_wav(tmp_path / "tone.wav", 2.0))).json()
    assert [w["word"] for w in tone["word_timings"]] == text.split()
    _check(tone["word_timings"], tone["audio_duration"])


def test_generated_narration_carries_espeak_timings_and_regenerating_updates_them(client: APIClient) -> None:
    project = import_story(client, ["The keeper climbed the stairs one last time."])
    segment_id = project["segments"][0]["id"]
    segment = _generate(client, segment_id)
    _check(segment["word_timings"], segment["audio_duration"])
    assert _words(segment) == ["The", "keeper", "climbed", "the", "stairs", "one", "last", "time."]
    assert Segment.objects.get(pk=segment_id).word_timings_method == "espeak"

    # the text changes: the old narration still says the old words, and its timings say so until it is regenerated
    client.patch(segment_url(segment_id), {"text_content": "A storm rolled in from the sea."}, format="json")
    stale = client.get(segment_url(segment_id)).json()
    assert stale["audio_matches_text"] is False and stale["word_timings"] == segment["word_timings"]
    fresh = _generate(client, segment_id)
    assert fresh["audio_matches_text"] is True
    assert _words(fresh) == ["A", "storm", "rolled", "in", "from", "the", "sea."]
    _check(fresh["word_timings"], fresh["audio_duration"])


def test_a_long_recording_is_aligned_in_the_background(client: APIClient, corpus: Path, tmp_path: Path) -> None:
    from core_engine.audio_utils import decode_audio, write_wav_pcm16

    from api.word_timings import SYNC_ALIGN_MAX_SECONDS

    clip = decode_audio(corpus / LIBRISPEECH, 16000)
    repeats = int(SYNC_ALIGN_MAX_SECONDS // 14.84) + 1
    write_wav_pcm16(tmp_path / "long.wav", np.tile(clip, repeats), 16000)
    project = import_story(client, [" ".join([TEXT] * repeats)])
    segment_id = project["segments"][0]["id"]
    body = upload(client, segment_id, audio_file=upload_from(tmp_path / "long.wav")).json()
    assert body["audio_duration"] > SYNC_ALIGN_MAX_SECONDS and body["word_timings"] is None  # not yet: never stale

    deadline = time.monotonic() + 180
    while (timings := client.get(segment_url(segment_id)).json()["word_timings"]) is None:
        assert time.monotonic() < deadline, "background alignment did not finish within 180 s"
        time.sleep(0.2)
    assert len(timings) == 36 * repeats
    _check(timings, body["audio_duration"])
    # the last "Crianan." of each repetition starts 14.84 s after the previous one's (independent timing 13.96 s)
    assert abs(timings[-1]["start"] - (13.96 + 14.84 * (repeats - 1))) < 0.06


def test_the_demo_story_has_word_timings(client: APIClient) -> None:
    from io import StringIO

    from django.core.management import call_command

    from api.word_timings import ensure_word_timings

    call_command("seed_demo", stdout=StringIO(), stderr=StringIO())
    segment = Segment.objects.order_by("sequence_index").first()
    assert segment is not None
    body = client.get(segment_url(str(segment.pk))).json()
    assert [w["word"] for w in body["word_timings"]] == segment.text_content.split()
    _check(body["word_timings"], body["audio_duration"])
    # the stored key matches text and audio, so a render's check finds nothing to recompute
    assert ensure_word_timings(segment) == body["word_timings"]
    assert segment.word_timings_method == "espeak"
