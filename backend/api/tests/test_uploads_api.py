"""Image and narration uploads (multipart ``PATCH /api/segments/{id}/``): accepted formats, server-chosen names,
measured durations, refusals that name the field and the reason, and refusals that change nothing."""

from __future__ import annotations

import io
import random
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image
from rest_framework.test import APIClient

from api.models import Project, ProjectStatus, Segment
from api.tests.helpers import (
    assert_error,
    convert_audio,
    fetch,
    image_bytes,
    image_upload,
    import_story,
    media_path,
    segment_url,
    upload,
    upload_from,
    write_silence,
    write_wav,
)

pytestmark = pytest.mark.django_db

#: Sample rate of the generated test tones. At 44.1 kHz the one block of samples ffmpeg's Vorbis decoder leaves out
#: at the end of a libvorbis-encoded OGG is under 3 ms, far inside the 0.02 s tolerance.
RATE = 44100


@pytest.fixture
def story(client: APIClient) -> dict:
    return import_story(client, ["The lake was still.", "The city woke up."])


@pytest.fixture
def seg(story: dict) -> dict:
    return story["segments"][0]


def leftovers(media_root: Path) -> list[Path]:
    """Files left in the staging folder (every upload check must clean up after itself)."""
    tmp = media_root / "tmp"
    return sorted(tmp.iterdir()) if tmp.is_dir() else []


def noisy_jpeg(size: tuple[int, int] = (256, 256)) -> bytes:
    """A JPEG whose scan data is most of the file (random pixels), so cutting it leaves a truncated image."""
    rnd = random.Random(7)
    img = Image.frombytes("RGB", size, bytes(rnd.getrandbits(8) for _ in range(size[0] * size[1] * 3)))
    buf = io.BytesIO()
    img.save(buf, format="JPEG", quality=90)
    return buf.getvalue()


def raw_multipart_patch(client: APIClient, url: str, field: str, filename: str, data: bytes):
    """A multipart PATCH written by hand, so the filename reaches the server exactly as a hostile client sends it
    (Django's test client would strip the directories itself)."""
    boundary = "----storyreel-test-boundary"
    body = (
        (
            f"--{boundary}\r\n"
            f'Content-Disposition: form-data; name="{field}"; filename="{filename}"\r\n'
            "Content-Type: application/octet-stream\r\n\r\n"
        ).encode()
        + data
        + f"\r\n--{boundary}--\r\n".encode()
    )
    return client.generic("PATCH", url, body, content_type=f"multipart/form-data; boundary={boundary}")


# -- images: accepted -----------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("fmt", "ext"), [("JPEG", ".jpg"), ("PNG", ".png"), ("WEBP", ".webp")])
def test_image_upload_is_stored_and_served(
    client: APIClient, story: dict, seg: dict, media_root: Path, fmt: str, ext: str
) -> None:
    data = image_bytes(fmt, (64, 36), (10, 120, 200))
    response = upload(client, seg["id"], image_file=SimpleUploadedFile(f"holiday{ext}", data))
    assert response.status_code == 200, response.content
    body = response.json()
    url = body["image_file"]
    assert url.startswith(f"http://testserver/media/projects/{story['id']}/images/")
    stored = media_path(url)
    assert stored.parent == media_root / "projects" / story["id"] / "images"
    assert stored.suffix == ext
    assert stored.name.startswith(seg["id"])  # the server chose the name
    assert "holiday" not in stored.name
    assert stored.read_bytes() == data
    assert Segment.objects.get(pk=seg["id"]).image_file.name == f"projects/{story['id']}/images/{stored.name}"
    status, served, response = fetch(client, url)
    assert status == 200 and served == data
    assert response["Content-Type"] == {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}[fmt]
    assert leftovers(media_root) == []
    # Only the image changed.
    assert body["audio_file"] is None and body["text_content"] == "The lake was still."


def test_image_extension_comes_from_the_content_not_the_client_name(client: APIClient, seg: dict) -> None:
    data = image_bytes("PNG")
    response = upload(client, seg["id"], image_file=SimpleUploadedFile("actually_a_png.jpg", data))
    assert response.status_code == 200, response.content
    stored = media_path(response.json()["image_file"])
    assert stored.suffix == ".png" and stored.read_bytes() == data


@pytest.mark.parametrize("filename", ["../../evil name.jpg", "..\\..\\evil name.jpg", "/etc/evil name.jpg"])
def test_hostile_image_filename_is_not_used(
    client: APIClient, story: dict, seg: dict, media_root: Path, filename: str
) -> None:
    data = image_bytes("JPEG")
    response = raw_multipart_patch(client, segment_url(seg["id"]), "image_file", filename, data)
    assert response.status_code == 200, response.content
    stored = media_path(response.json()["image_file"])
    folder = media_root / "projects" / story["id"] / "images"
    assert stored.resolve().parent == folder.resolve()
    assert "evil" not in stored.name and "name" not in stored.name and ".." not in stored.name
    assert stored.read_bytes() == data
    assert [p.name for p in folder.iterdir()] == [stored.name]
    # Nothing was written anywhere else.
    files = [p for p in media_root.rglob("*") if p.is_file()]
    assert files == [stored]
    assert not any("evil" in str(p) for p in media_root.parent.rglob("*"))


def test_hostile_audio_filename_is_not_used(
    client: APIClient, story: dict, seg: dict, media_root: Path, tmp_path: Path
) -> None:
    data = write_wav(tmp_path / "x.wav", 0.3, RATE).read_bytes()
    response = raw_multipart_patch(client, segment_url(seg["id"]), "audio_file", "../../evil name.wav", data)
    assert response.status_code == 200, response.content
    stored = media_path(response.json()["audio_file"])
    assert stored.resolve().parent == (media_root / "projects" / story["id"] / "audio").resolve()
    assert "evil" not in stored.name and stored.suffix == ".wav"
    assert stored.read_bytes() == data


def test_image_and_audio_in_one_request(client: APIClient, seg: dict, tmp_path: Path) -> None:
    wav = write_wav(tmp_path / "n.wav", 0.5, RATE)
    response = upload(client, seg["id"], image_file=image_upload(), audio_file=upload_from(wav))
    assert response.status_code == 200, response.content
    body = response.json()
    assert media_path(body["image_file"]).is_file() and media_path(body["audio_file"]).is_file()
    assert body["audio_duration"] == pytest.approx(0.5, abs=0.02)


def test_exactly_80_megapixels_is_accepted(client: APIClient, seg: dict, tmp_path: Path) -> None:
    path = tmp_path / "big.png"
    Image.new("1", (10_000, 8_000), 1).save(path)  # 80,000,000 px; one bit each, compresses to a few KB
    response = upload(client, seg["id"], image_file=upload_from(path))
    assert response.status_code == 200, response.content


# -- images: refused ------------------------------------------------------------------------------------------------
def _text_named_jpg(_: Path) -> SimpleUploadedFile:
    return SimpleUploadedFile("photo.jpg", b"This is a text file, not a photograph.\n" * 20)


def _truncated_jpeg(_: Path) -> SimpleUploadedFile:
    data = noisy_jpeg()
    return SimpleUploadedFile("photo.jpg", data[: len(data) // 2])


def _gif(_: Path) -> SimpleUploadedFile:
    return SimpleUploadedFile("anim.gif", image_bytes("GIF"))


def _gif_named_jpg(_: Path) -> SimpleUploadedFile:
    return SimpleUploadedFile("photo.jpg", image_bytes("GIF"))


def _over_25_mb(_: Path) -> SimpleUploadedFile:
    return SimpleUploadedFile("huge.jpg", bytes(26 * 1024 * 1024))


def _over_80_megapixels(tmp_path: Path) -> SimpleUploadedFile:
    path = tmp_path / "bomb.png"
    Image.new("1", (9_000, 9_000), 1).save(path)  # 81 MP in about 30 KB
    return upload_from(path)


def _empty(_: Path) -> SimpleUploadedFile:
    return SimpleUploadedFile("empty.jpg", b"")


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (_text_named_jpg, "not a readable image"),
        (_truncated_jpeg, "truncated"),
        (_gif, "GIF images are not supported"),
        (_gif_named_jpg, "GIF images are not supported"),
        (_over_25_mb, "limit is 25 MB"),
        pytest.param(  # Pillow itself warns about 81 MP before our check refuses it
            _over_80_megapixels,
            "limit is 80",
            marks=pytest.mark.filterwarnings("ignore::PIL.Image.DecompressionBombWarning"),
        ),
        (_empty, "empty"),
    ],
    ids=["text-as-jpg", "truncated-jpeg", "gif", "gif-as-jpg", "over-25MB", "over-80MP", "empty"],
)
def test_bad_image_is_refused_and_the_previous_one_kept(
    client: APIClient,
    seg: dict,
    media_root: Path,
    tmp_path: Path,
    make,
    reason: str,
) -> None:
    before = upload(client, seg["id"], image_file=image_upload("first.png", "PNG")).json()["image_file"]
    before_bytes = media_path(before).read_bytes()

    body = assert_error(upload(client, seg["id"], image_file=make(tmp_path)), 400, "image_file", reason)
    assert body["error"].startswith("image_file:")
    assert reason.lower() in body["image_file"][0].lower()

    assert client.get(segment_url(seg["id"])).json()["image_file"] == before
    assert media_path(before).read_bytes() == before_bytes
    assert [p.name for p in media_path(before).parent.iterdir()] == [media_path(before).name]
    assert leftovers(media_root) == []


def test_image_sent_as_json_string_is_refused(client: APIClient, seg: dict) -> None:
    response = client.patch(segment_url(seg["id"]), {"image_file": "/etc/passwd"}, format="json")
    assert_error(response, 400, "image_file", "multipart")
    assert not Segment.objects.get(pk=seg["id"]).image_file


def test_bad_audio_next_to_good_image_stores_neither(client: APIClient, seg: dict, media_root: Path) -> None:
    response = upload(
        client, seg["id"], image_file=image_upload(), audio_file=SimpleUploadedFile("n.wav", b"RIFF garbage" * 10)
    )
    assert_error(response, 400, "audio_file")
    stored = Segment.objects.get(pk=seg["id"])
    assert not stored.image_file and not stored.audio_file
    assert not (media_root / "projects").exists() or not any(p.is_file() for p in (media_root / "projects").rglob("*"))


# -- audio: accepted ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("ext", [".wav", ".flac", ".ogg", ".mp3", ".m4a"])
def test_audio_upload_duration_is_measured_from_the_file(
    client: APIClient, story: dict, seg: dict, media_root: Path, tmp_path: Path, ext: str
) -> None:
    wav = write_wav(tmp_path / "narration.wav", 0.75, RATE)
    path = wav if ext == ".wav" else convert_audio(wav, ext)
    data = path.read_bytes()
    response = upload(client, seg["id"], audio_file=upload_from(path))
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["audio_duration"] == pytest.approx(0.75, abs=0.02)
    assert body["audio_matches_text"] is None
    stored = media_path(body["audio_file"])
    assert stored.parent == media_root / "projects" / story["id"] / "audio"
    assert stored.suffix == ext and "narration" not in stored.name
    assert stored.read_bytes() == data
    row = Segment.objects.get(pk=seg["id"])
    assert row.audio_duration == pytest.approx(0.75, abs=0.02) and row.audio_text_hash == ""
    status, served, _ = fetch(client, body["audio_file"])
    assert status == 200 and served == data
    assert leftovers(media_root) == []


def test_client_cannot_set_audio_duration(client: APIClient, seg: dict, tmp_path: Path) -> None:
    wav = write_wav(tmp_path / "n.wav", 0.4, RATE)
    response = client.patch(
        segment_url(seg["id"]), {"audio_file": upload_from(wav), "audio_duration": "99"}, format="multipart"
    )
    assert response.status_code == 200, response.content
    assert response.json()["audio_duration"] == pytest.approx(0.4, abs=0.02)


@pytest.mark.parametrize(
    ("name", "seconds"),
    [
        ("speech_01_female_ljspeech_wav_pcm16_22k_mono_9.7s.wav", 9.655),
        ("speech_02_male_librivox_poem_flac16_44k_mono_9.4s.flac", 9.444),
        ("speech_03_female_librivox_potter_mp3_48k_stereo_9.9s.mp3", 9.95),
        ("speech_04_male_librispeech_ogg_16k_mono_14.8s.ogg", 14.84),
    ],
)
def test_real_recordings_from_the_corpus(client: APIClient, seg: dict, corpus: Path, name: str, seconds: float) -> None:
    response = upload(client, seg["id"], audio_file=upload_from(corpus / name))
    assert response.status_code == 200, response.content
    assert response.json()["audio_duration"] == pytest.approx(seconds, abs=0.02)


def test_real_photo_from_the_corpus(client: APIClient, seg: dict, corpus: Path) -> None:
    photo = corpus / "photo_08_object_ultrasound_probe_rgba_1920x1066.png"
    response = upload(client, seg["id"], image_file=upload_from(photo))
    assert response.status_code == 200, response.content
    assert media_path(response.json()["image_file"]).read_bytes() == photo.read_bytes()


def test_audio_just_under_ten_minutes_is_accepted(client: APIClient, seg: dict, tmp_path: Path) -> None:
    path = write_silence(tmp_path / "long.flac", 599.5)
    response = upload(client, seg["id"], audio_file=upload_from(path))
    assert response.status_code == 200, response.content
    assert response.json()["audio_duration"] == pytest.approx(599.5, abs=0.02)


# -- audio: refused -------------------------------------------------------------------------------------------------
def _audio_empty(_: Path) -> SimpleUploadedFile:
    return SimpleUploadedFile("silence.wav", b"")


def _audio_garbage(_: Path) -> SimpleUploadedFile:
    return SimpleUploadedFile("speech.wav", bytes(random.Random(3).getrandbits(8) for _ in range(4096)))


def _audio_text_extension(tmp_path: Path) -> SimpleUploadedFile:
    return upload_from(write_wav(tmp_path / "t.wav", 0.3, RATE), name="speech.txt")


def _audio_no_extension(tmp_path: Path) -> SimpleUploadedFile:
    return upload_from(write_wav(tmp_path / "t.wav", 0.3, RATE), name="speech")


def _audio_over_ten_minutes(tmp_path: Path) -> SimpleUploadedFile:
    return upload_from(write_silence(tmp_path / "long.flac", 601))


def _audio_too_short(tmp_path: Path) -> SimpleUploadedFile:
    return upload_from(write_wav(tmp_path / "blip.wav", 0.02, RATE))


def _image_named_wav(_: Path) -> SimpleUploadedFile:
    return SimpleUploadedFile("speech.wav", image_bytes("PNG"))


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (_audio_empty, "empty"),
        (_audio_garbage, "audio"),
        (_audio_text_extension, "not supported"),
        (_audio_no_extension, "not supported"),
        (_audio_over_ten_minutes, "longer than 10 minutes"),
        (_audio_too_short, "empty"),
        (_image_named_wav, "audio"),
    ],
    ids=["empty", "garbage-as-wav", "txt-extension", "no-extension", "over-10-min", "too-short", "png-as-wav"],
)
def test_bad_audio_is_refused_and_the_previous_one_kept(
    client: APIClient,
    seg: dict,
    media_root: Path,
    tmp_path: Path,
    make,
    reason: str,
) -> None:
    first = upload(client, seg["id"], audio_file=upload_from(write_wav(tmp_path / "first.wav", 0.5, RATE))).json()
    before_bytes = media_path(first["audio_file"]).read_bytes()

    body = assert_error(upload(client, seg["id"], audio_file=make(tmp_path)), 400, "audio_file", reason)
    assert body["error"].startswith("audio_file:")

    now = client.get(segment_url(seg["id"])).json()
    assert now["audio_file"] == first["audio_file"]
    assert now["audio_duration"] == first["audio_duration"]
    assert media_path(first["audio_file"]).read_bytes() == before_bytes
    assert leftovers(media_root) == []


# -- replacing and conflicts ----------------------------------------------------------------------------------------
@pytest.mark.django_db(transaction=True)  # the old file is deleted when the transaction commits
def test_replacing_an_image_deletes_the_old_file_after_saving_the_new(client: APIClient, media_root: Path) -> None:
    seg = import_story(client, ["One."])["segments"][0]
    old = upload(client, seg["id"], image_file=image_upload("a.jpg", "JPEG", colour=(255, 0, 0))).json()["image_file"]
    assert media_path(old).is_file()
    new_data = image_bytes("WEBP", colour=(0, 0, 255))
    response = upload(client, seg["id"], image_file=SimpleUploadedFile("b.webp", new_data))
    assert response.status_code == 200, response.content
    new = response.json()["image_file"]
    assert new != old
    assert not media_path(old).exists()
    assert media_path(new).read_bytes() == new_data
    assert [p.name for p in media_path(new).parent.iterdir()] == [media_path(new).name]
    assert fetch(client, old)[0] == 404


@pytest.mark.django_db(transaction=True)
def test_replacing_audio_deletes_the_old_file_and_updates_the_duration(
    client: APIClient, media_root: Path, tmp_path: Path
) -> None:
    seg = import_story(client, ["One."])["segments"][0]
    old = upload(client, seg["id"], audio_file=upload_from(write_wav(tmp_path / "a.wav", 0.5, RATE))).json()
    new = upload(
        client, seg["id"], audio_file=upload_from(convert_audio(write_wav(tmp_path / "b.wav", 1.0, RATE), ".flac"))
    ).json()
    assert new["audio_file"] != old["audio_file"]
    assert not media_path(old["audio_file"]).exists()
    assert media_path(new["audio_file"]).is_file() and new["audio_file"].endswith(".flac")
    assert new["audio_duration"] == pytest.approx(1.0, abs=0.02)


@pytest.mark.django_db(transaction=True)
def test_refused_replacement_keeps_the_file_on_commit_too(client: APIClient, media_root: Path) -> None:
    seg = import_story(client, ["One."])["segments"][0]
    old = upload(client, seg["id"], image_file=image_upload()).json()["image_file"]
    assert_error(upload(client, seg["id"], image_file=SimpleUploadedFile("x.jpg", b"nope")), 400, "image_file")
    assert media_path(old).is_file()
    assert client.get(segment_url(seg["id"])).json()["image_file"] == old


def test_file_uploads_refused_while_processing(client: APIClient, story: dict, seg: dict, tmp_path: Path) -> None:
    Project.objects.filter(pk=story["id"]).update(status=ProjectStatus.PROCESSING)
    assert_error(upload(client, seg["id"], image_file=image_upload()), 409)
    assert_error(upload(client, seg["id"], audio_file=upload_from(write_wav(tmp_path / "a.wav", 0.3, RATE))), 409)
    row = Segment.objects.get(pk=seg["id"])
    assert not row.image_file and not row.audio_file and row.audio_duration is None
