"""Background music and loudness options on ``PATCH /api/projects/{id}/``: upload (multipart ``music_file``, checked
like narration uploads), removal (``null``), ``music_volume`` / ``ducking`` / ``loudness_target`` with 400s naming
the field, and a real render through the API that uses them (only the audio is redone when only the music
changes)."""

from __future__ import annotations

from pathlib import Path

import pytest
from core_engine.render_utils import probe_video
from core_engine.tests.render.helpers import ebur128
from rest_framework.test import APIClient

from api.models import Project, ProjectStatus
from api.tests.helpers import assert_error, convert_audio, media_path, upload_from, write_wav
from api.tests.test_render_api import create_project, final_path, render_and_wait

pytestmark = pytest.mark.django_db(transaction=True)


def _url(project_id: str) -> str:
    return f"/api/projects/{project_id}/"


def _patch_music(client: APIClient, project_id: str, path: Path, **fields: object):
    return client.patch(_url(project_id), {"music_file": upload_from(path), **fields}, format="multipart")


def test_defaults_of_a_new_project(client, tmp_path):
    project = create_project(client, tmp_path, files=False)
    assert project["music_file"] is None
    assert (project["music_volume"], project["ducking"], project["loudness_target"]) == (-18.0, True, -14)


def test_upload_replace_and_remove_music(client, tmp_path, media_root):
    project = create_project(client, tmp_path, files=False)
    music = convert_audio(write_wav(tmp_path / "song.wav", 3.0, freq=660), ".ogg")
    resp = _patch_music(client, project["id"], music, music_volume="-12.5", ducking="false", loudness_target="-16")
    assert resp.status_code == 200, resp.content
    body = resp.json()
    assert body["music_volume"] == -12.5 and body["ducking"] is False and body["loudness_target"] == -16
    first = media_path(body["music_file"])
    assert first.is_file() and first.suffix == ".ogg"
    assert first.parent == media_root / "projects" / project["id"] / "music"
    assert first.read_bytes() == music.read_bytes()
    assert client.get(body["music_file"]).status_code == 200  # the browser can play it

    flac = convert_audio(write_wav(tmp_path / "other.wav", 2.0, freq=550), ".flac")
    body = _patch_music(client, project["id"], flac).json()
    second = media_path(body["music_file"])
    assert second.is_file() and second != first and not first.exists()  # the replaced file is deleted

    resp = client.patch(_url(project["id"]), {"music_file": None}, format="json")
    assert resp.status_code == 200 and resp.json()["music_file"] is None
    assert not second.exists()
    assert Project.objects.get(pk=project["id"]).music_volume == -12.5  # the other options are kept


@pytest.mark.parametrize(
    ("payload", "field", "words"),
    [
        ({"music_volume": 3}, "music_volume", ["less than or equal to 0"]),
        ({"music_volume": -41}, "music_volume", ["greater than or equal to -40"]),
        ({"music_volume": "loud"}, "music_volume", ["number"]),
        ({"ducking": "sometimes"}, "ducking", ["boolean"]),
        ({"loudness_target": -18}, "loudness_target", ["-14", "-16", "-23"]),
        ({"loudness_target": "max"}, "loudness_target", []),
    ],
)
def test_bad_options_are_400_naming_the_field(client, tmp_path, payload, field, words):
    project = create_project(client, tmp_path, files=False)
    resp = client.patch(_url(project["id"]), payload, format="json")
    assert_error(resp, 400, field, *words)
    assert Project.objects.get(pk=project["id"]).music_volume == -18.0


def test_bad_music_files_are_400_naming_music_file_and_change_nothing(client, tmp_path, media_root):
    project = create_project(client, tmp_path, files=False)
    good = write_wav(tmp_path / "ok.wav", 1.0)
    assert _patch_music(client, project["id"], good).status_code == 200
    kept = Project.objects.get(pk=project["id"]).music_file.name
    bad_ext = tmp_path / "song.txt"
    bad_ext.write_text("not audio")
    not_audio = tmp_path / "fake.mp3"
    not_audio.write_bytes(b"\x00" * 4096)
    empty = tmp_path / "empty.wav"
    empty.write_bytes(b"")
    for path, words in ((bad_ext, ["not supported"]), (not_audio, ["audio"]), (empty, ["empty"])):
        resp = _patch_music(client, project["id"], path, music_volume="-6")
        body = assert_error(resp, 400, "music_file", *words)
        assert "audio_file" not in str(body) and str(media_root) not in str(body)
    project_row = Project.objects.get(pk=project["id"])
    assert project_row.music_file.name == kept and project_row.music_volume == -18.0
    assert not list((media_root / "tmp").iterdir())


def test_music_cannot_change_while_processing(client, tmp_path):
    project = create_project(client, tmp_path, files=False)
    Project.objects.filter(pk=project["id"]).update(status=ProjectStatus.PROCESSING)
    resp = _patch_music(client, project["id"], write_wav(tmp_path / "m.wav", 1.0))
    assert resp.status_code == 409
    assert not Project.objects.get(pk=project["id"]).music_file


def test_render_with_music_then_change_only_the_music(client, tmp_path):
    project = create_project(client, tmp_path, durations=(2.0, 1.5))
    music = write_wav(tmp_path / "music.wav", 1.0, freq=1000)
    assert _patch_music(client, project["id"], music, loudness_target="-16").status_code == 200
    status = render_and_wait(client, project["id"])
    assert status["status"] == "COMPLETED", status
    video = final_path(project["id"])
    info = probe_video(video)
    assert info.frame_count == round(3.5 * 12) and info.audio_codec == "aac"
    integrated, true_peak = ebur128(video)
    assert abs(integrated - -16.0) <= 1.0 and true_peak <= -1.0, (integrated, true_peak)

    cache = video.parent.parent / "cache"
    segments = sorted(cache.glob("*.mp4"))
    stamps = [p.stat().st_mtime_ns for p in segments]
    assert len(segments) == 2
    resp = client.patch(_url(project["id"]), {"music_volume": -8, "ducking": False}, format="json")
    assert resp.status_code == 200
    status = render_and_wait(client, project["id"])
    assert status["status"] == "COMPLETED", status
    assert [p.stat().st_mtime_ns for p in sorted(cache.glob("*.mp4"))] == stamps  # no segment re-encoded
    assert probe_video(video).frame_count == info.frame_count
    assert len(list(cache.glob("*.m4a"))) == 2  # the narration track and the current mix (the old mix pruned)
