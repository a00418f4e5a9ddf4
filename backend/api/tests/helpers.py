"""Shared factories for the API tests: small real images and recordings on disk, projects made through the API.

Everything is generated, nothing is mocked: images are written by Pillow, WAV files by the app's own
``write_wav_pcm16`` and other audio containers by the same ffmpeg binary the app uses.
"""

from __future__ import annotations

import io
import subprocess
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import numpy as np
from core_engine.audio_utils import write_wav_pcm16
from core_engine.render_utils import require_ffmpeg
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image
from rest_framework.test import APIClient

PROJECTS_URL = "/api/projects/"
IMPORT_URL = "/api/projects/import/"
SEGMENTS_URL = "/api/segments/"


def project_url(project_id: str) -> str:
    return f"{PROJECTS_URL}{project_id}/"


def segment_url(segment_id: str) -> str:
    return f"{SEGMENTS_URL}{segment_id}/"


# -- images ---------------------------------------------------------------------------------------------------------
def image_bytes(
    fmt: str = "JPEG", size: tuple[int, int] = (64, 36), colour: tuple[int, int, int] = (200, 40, 40)
) -> bytes:
    """Encoded bytes of a single-colour RGB image (``fmt`` is a Pillow format name: JPEG, PNG, WEBP, GIF)."""
    buf = io.BytesIO()
    Image.new("RGB", size, colour).save(buf, format=fmt)
    return buf.getvalue()


def write_image(
    path: Path, fmt: str = "JPEG", size: tuple[int, int] = (64, 36), colour: tuple[int, int, int] = (200, 40, 40)
) -> Path:
    """Write a single-colour image file and return its path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(image_bytes(fmt, size, colour))
    return path


def image_upload(
    name: str = "photo.jpg",
    fmt: str = "JPEG",
    size: tuple[int, int] = (64, 36),
    colour: tuple[int, int, int] = (200, 40, 40),
) -> SimpleUploadedFile:
    """An in-memory upload of a freshly encoded image."""
    return SimpleUploadedFile(name, image_bytes(fmt, size, colour))


# -- audio ----------------------------------------------------------------------------------------------------------
def tone(seconds: float, sample_rate: int = 16000, freq: float = 440.0, amplitude: float = 0.3) -> np.ndarray:
    """``round(seconds * sample_rate)`` float32 samples of a sine tone."""
    n = round(seconds * sample_rate)
    t = np.arange(n, dtype=np.float64) / sample_rate
    return (amplitude * np.sin(2 * np.pi * freq * t)).astype(np.float32)


def write_wav(path: Path, seconds: float, sample_rate: int = 16000, freq: float = 440.0) -> Path:
    """Write a mono 16-bit WAV tone of exactly ``round(seconds * sample_rate)`` samples."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_wav_pcm16(path, tone(seconds, sample_rate, freq), sample_rate)
    return path


def ffmpeg(*args: str) -> None:
    """Run the app's ffmpeg binary quietly; raises ``CalledProcessError`` on failure."""
    subprocess.run(
        [require_ffmpeg(), "-nostdin", "-hide_banner", "-loglevel", "error", "-y", *args],
        check=True,
        capture_output=True,
    )


#: Codec arguments for each container the tests convert a WAV to.
_CODECS = {
    ".mp3": ["-c:a", "libmp3lame", "-b:a", "64k"],
    ".ogg": ["-c:a", "libvorbis", "-q:a", "2"],
    ".flac": ["-c:a", "flac"],
    ".m4a": ["-c:a", "aac", "-b:a", "64k"],
}


def convert_audio(wav: Path, ext: str) -> Path:
    """Encode ``wav`` as ``ext`` (.mp3, .ogg, .flac, .m4a) next to it with the app's ffmpeg; returns the new path."""
    out = Path(wav).with_suffix(ext)
    ffmpeg("-i", str(wav), *_CODECS[ext], str(out))
    return out


def write_silence(path: Path, seconds: float, sample_rate: int = 8000) -> Path:
    """A long but tiny file of digital silence (FLAC/OGG compress it to almost nothing), made by ffmpeg."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    codec = _CODECS[path.suffix]
    ffmpeg("-f", "lavfi", "-i", f"anullsrc=r={sample_rate}:cl=mono", "-t", f"{seconds:.3f}", *codec, str(path))
    return path


def upload_from(path: Path, name: str | None = None) -> SimpleUploadedFile:
    """An upload with the bytes of ``path`` (named ``name`` or the file's own name)."""
    path = Path(path)
    return SimpleUploadedFile(name or path.name, path.read_bytes())


# -- API ------------------------------------------------------------------------------------------------------------
def create_project(client: APIClient, title: str = "A story", **fields: Any) -> dict:
    """``POST /api/projects/`` and return the 201 JSON."""
    response = client.post(PROJECTS_URL, {"title": title, **fields}, format="json")
    assert response.status_code == 201, response.content
    return response.json()


def add_segment(client: APIClient, project_id: str, text: str = "Once upon a time.", prompt: str = "") -> dict:
    """``POST /api/segments/`` and return the 201 JSON."""
    response = client.post(
        SEGMENTS_URL, {"project": project_id, "text_content": text, "image_prompt": prompt}, format="json"
    )
    assert response.status_code == 201, response.content
    return response.json()


def import_story(client: APIClient, texts: list[str], title: str = "Imported") -> dict:
    """Create a project with one segment per text through ``POST /api/projects/import/``; returns the detail JSON."""
    response = client.post(
        IMPORT_URL,
        {"format": "json", "title": title, "segments": [{"text_content": t} for t in texts]},
        format="json",
    )
    assert response.status_code == 201, response.content
    return response.json()


def upload(client: APIClient, segment_id: str, **files: SimpleUploadedFile):
    """Multipart ``PATCH /api/segments/{id}/`` with the given file fields; returns the response."""
    return client.patch(segment_url(segment_id), files, format="multipart")


def media_path(url: str) -> Path:
    """The file under MEDIA_ROOT that a ``/media/...`` URL (absolute or not) points at."""
    path = urlparse(url).path
    assert path.startswith(settings.MEDIA_URL), url
    return Path(settings.MEDIA_ROOT) / path[len(settings.MEDIA_URL) :]


def fetch(client: APIClient, url: str, **headers: str) -> tuple[int, bytes, Any]:
    """GET ``url`` (absolute or path) through the test client; returns (status, body bytes, response)."""
    response = client.get(urlparse(url).path, headers=headers)
    body = b"".join(response.streaming_content) if getattr(response, "streaming", False) else response.content
    return response.status_code, body, response


def assert_error(response, status: int, field: str | None = None, *words: str) -> dict:
    """Check an error response: status, an ``error`` string, the field named (as key or in the text), the words."""
    assert response.status_code == status, (response.status_code, response.content)
    body = response.json()
    assert isinstance(body.get("error"), str) and body["error"], body
    text = str(body).lower()
    if field is not None:
        assert field in body or field.lower() in body["error"].lower(), body
    for word in words:
        assert word.lower() in text, (word, body)
    return body
