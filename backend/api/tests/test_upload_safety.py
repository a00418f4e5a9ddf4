"""Issue 9 for uploads and media through the real API: bounded audio decoding (row 2), no server paths in messages
(row 11), files stored and served under the detected type (row 12), never serving outside the media folder (row 9),
and the start-up clean-up and disk-space check of renders."""

from __future__ import annotations

import os
import resource
import time
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from api import maintenance
from api.maintenance import InsufficientDiskSpace, check_disk_space_for_render, clean_render_leftovers
from api.models import Project, Segment
from api.tests.helpers import (
    assert_error,
    fetch,
    ffmpeg,
    image_upload,
    import_story,
    upload,
    upload_from,
    write_silence,
    write_wav,
)

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def segment_id(client: APIClient) -> str:
    return import_story(client, ["One."])["segments"][0]["id"]


def _silent_flac(path: Path, seconds: float, rate: int) -> Path:
    ffmpeg("-f", "lavfi", "-i", f"anullsrc=r={rate}:cl=mono", "-t", f"{seconds:.3f}", "-c:a", "flac", str(path))
    return path


# -- row 2: memory stays bounded --------------------------------------------------------------------------------------
def test_a_huge_sample_rate_is_refused_from_the_header_before_decoding(client, segment_id, tmp_path) -> None:
    # Row 2 used 599 s; 30 s at 384 kHz is refused the same way (from the header) and is quicker to make.
    flac = _silent_flac(tmp_path / "silence.flac", 30, 384000)
    started = time.monotonic()
    response = upload(client, segment_id, audio_file=upload_from(flac))
    assert_error(response, 400, "audio_file", "384 khz", "192 khz")
    assert time.monotonic() - started < 2  # header only, no decoding
    assert Segment.objects.get().audio_file.name in ("", None)


def test_a_declared_length_over_the_limit_is_refused_from_the_header(client, segment_id, tmp_path) -> None:
    flac = write_silence(tmp_path / "long.flac", 700)
    assert_error(upload(client, segment_id, audio_file=upload_from(flac)), 400, "audio_file", "10 minutes")


def test_measuring_a_long_upload_keeps_memory_flat(client, segment_id, tmp_path) -> None:
    # 599 s at 48 kHz: decoding it whole to float32 took ~115 MB per copy (and the old probe made three copies).
    flac = _silent_flac(tmp_path / "long.flac", 599, 48000)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    response = upload(client, segment_id, audio_file=upload_from(flac))
    assert response.status_code == 200, response.content
    assert abs(response.json()["audio_duration"] - 599) < 0.01
    grown_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    assert grown_mb < 60, f"peak memory grew by {grown_mb:.0f} MB while measuring the upload"


# -- row 11: no server paths in messages ------------------------------------------------------------------------------
def test_an_html_file_named_jpg_is_refused_without_a_server_path(client, segment_id) -> None:
    page = SimpleUploadedFile("photo.jpg", b"<!doctype html><html><body>hi</body></html>")
    body = assert_error(upload(client, segment_id, image_file=page), 400, "image_file")
    text = str(body)
    assert str(settings.MEDIA_ROOT) not in text and "/tmp" not in text and "upload_" not in text, text
    assert "/" not in body["image_file"][0], body


def test_an_unreadable_audio_file_is_refused_without_a_server_path(client, segment_id) -> None:
    junk = SimpleUploadedFile("voice.mp3", b"ID3" + b"\x00" * 64 + b"not audio at all" * 20)
    body = assert_error(upload(client, segment_id, audio_file=junk), 400, "audio_file")
    assert str(settings.MEDIA_ROOT) not in str(body) and "upload_" not in str(body), body


# -- row 12: stored and served under the detected type ---------------------------------------------------------------
def test_a_wav_named_mp3_is_stored_and_served_as_wav(client, segment_id, tmp_path) -> None:
    wav = write_wav(tmp_path / "voice.wav", 0.5)
    response = upload(client, segment_id, audio_file=upload_from(wav, "voice.mp3"))
    assert response.status_code == 200, response.content
    url = response.json()["audio_file"]
    assert url.endswith(".wav"), url
    status, _, served = fetch(client, url)
    assert status == 200 and served["Content-Type"] in ("audio/x-wav", "audio/wav")


def test_the_audio_of_an_mp4_with_video_is_stored_as_m4a(client, segment_id, tmp_path) -> None:
    mp4 = tmp_path / "clip.mp4"
    ffmpeg(
        "-f", "lavfi", "-i", "testsrc=size=64x36:rate=10", "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=16000",
        "-t", "0.6", "-c:v", "libx264", "-c:a", "aac", "-shortest", str(mp4),
    )  # fmt: skip
    response = upload(client, segment_id, audio_file=upload_from(mp4))
    assert response.status_code == 200, response.content
    url = response.json()["audio_file"]
    assert url.endswith(".m4a"), url
    status, _, served = fetch(client, url)
    assert status == 200 and served["Content-Type"] == "audio/mp4"


def test_an_image_named_jpg_is_stored_under_its_real_format(client, segment_id) -> None:
    response = upload(client, segment_id, image_file=image_upload("photo.jpg", fmt="PNG"))
    assert response.status_code == 200, response.content
    assert response.json()["image_file"].endswith(".png")


# -- row 9: never serve outside MEDIA_ROOT ----------------------------------------------------------------------------
def test_symlinks_out_of_the_media_folder_are_not_served(client: APIClient, tmp_path: Path) -> None:
    outside = tmp_path / "secret.txt"
    outside.write_text("root:x:0:0\n")
    root = Path(settings.MEDIA_ROOT)
    (root / "projects").mkdir()
    os.symlink(outside, root / "projects" / "passwd.jpg")
    os.symlink("/etc/passwd", root / "etc-passwd")
    os.symlink(tmp_path, root / "linked-dir")
    inside = root / "projects" / "ok.txt"
    inside.write_text("fine")
    os.symlink(inside, root / "projects" / "alias.txt")  # a link that stays inside is fine
    for path in ("projects/passwd.jpg", "etc-passwd", "linked-dir/secret.txt"):
        for headers in ({}, {"Range": "bytes=0-3"}):
            status, body, _ = fetch(client, f"/media/{path}", **headers)
            assert status == 404, (path, headers, status)
            assert b"root:" not in body
    assert fetch(client, "/media/projects/alias.txt")[0] == 200
    assert fetch(client, "/media/projects/alias.txt", Range="bytes=0-1")[1] == b"fi"


# -- renders: leftovers and disk space -------------------------------------------------------------------------------
def test_leftovers_of_crashed_work_are_removed_and_user_files_kept(tmp_path: Path) -> None:
    root = Path(settings.MEDIA_ROOT)
    project = root / "projects" / "p1"
    keep = [project / "output" / "final.mp4", project / "images" / "a.jpg", project / "audio" / "s.wav"]
    keep.append(project / "cache" / "abc.mp4")
    drop = [
        project / "output" / ".final.123-abcd.part.mp4",
        project / "cache" / ".abc.123-abcd.part.mp4",
        project / "audio" / ".s.part.wav",
        root / "tmp" / "upload_x.jpg",
    ]
    for path in keep + drop:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"x")
    (project / "output" / ".render-xyz").mkdir()
    (project / "output" / ".render-xyz" / "seg.mp4").write_bytes(b"x")
    assert clean_render_leftovers() == len(drop) + 1
    assert all(p.exists() for p in keep)
    assert not any(p.exists() for p in drop) and not (project / "output" / ".render-xyz").exists()


def test_a_render_is_refused_when_the_disk_is_nearly_full(client, monkeypatch, tmp_path) -> None:
    project = import_story(client, ["One."])
    seg = Segment.objects.get()
    seg.image_file.save("a.jpg", image_upload(), save=False)
    seg.audio_file.save("a.wav", upload_from(write_wav(tmp_path / "a.wav", 0.5)), save=False)
    seg.audio_duration = 0.5
    seg.save()
    monkeypatch.setattr(maintenance.shutil, "disk_usage", lambda _: SimpleNamespace(free=100 * 1024 * 1024))
    response = client.post(f"/api/projects/{project['id']}/render/")
    body = assert_error(response, 507, None, "disk space", "mb free")
    assert str(settings.MEDIA_ROOT) not in body["error"]
    assert Project.objects.get().status == "DRAFT"
    monkeypatch.setattr(maintenance.shutil, "disk_usage", lambda _: SimpleNamespace(free=10**12))
    check_disk_space_for_render(Project.objects.get())  # plenty: no error
    with pytest.raises(InsufficientDiskSpace):
        monkeypatch.setattr(maintenance.shutil, "disk_usage", lambda _: SimpleNamespace(free=0))
        check_disk_space_for_render(Project.objects.get())
