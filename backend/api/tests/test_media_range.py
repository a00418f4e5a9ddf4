"""``/media/``: whole files, single byte ranges (206/416) so a ``<video>`` can seek, and no way out of MEDIA_ROOT."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from django.test import Client

from api.tests.helpers import fetch

SIZE = 1000
URL = "/media/projects/p1/output/final.mp4"


@pytest.fixture
def client() -> Client:
    return Client()


@pytest.fixture
def data(media_root: Path) -> bytes:
    """1000 random bytes stored as ``MEDIA_ROOT/projects/p1/output/final.mp4``."""
    payload = bytes(random.Random(11).getrandbits(8) for _ in range(SIZE))
    path = media_root / "projects" / "p1" / "output" / "final.mp4"
    path.parent.mkdir(parents=True)
    path.write_bytes(payload)
    return payload


@pytest.fixture
def secret(tmp_path: Path) -> Path:
    """A file next to (outside) MEDIA_ROOT that must never be served."""
    path = tmp_path / "secret.txt"
    path.write_text("SECRET_KEY = 'do not serve me'\n")
    return path


def test_whole_file(client: Client, data: bytes) -> None:
    status, body, response = fetch(client, URL)
    assert status == 200
    assert body == data
    assert response["Accept-Ranges"] == "bytes"
    assert response["Content-Length"] == str(SIZE)
    assert response["Content-Type"] == "video/mp4"
    assert "Content-Range" not in response


@pytest.mark.parametrize(
    ("header", "start", "end"),
    [
        ("bytes=0-99", 0, 99),
        ("bytes=100-", 100, SIZE - 1),
        ("bytes=-50", SIZE - 50, SIZE - 1),
        ("bytes=999-999", 999, 999),
        ("bytes=990-5000", 990, SIZE - 1),  # the end is clipped to the file
        ("bytes=-5000", 0, SIZE - 1),  # a suffix longer than the file is the whole file
        ("bytes=0-", 0, SIZE - 1),
    ],
)
def test_single_range_is_206_with_exactly_those_bytes(
    client: Client, data: bytes, header: str, start: int, end: int
) -> None:
    status, body, response = fetch(client, URL, Range=header)
    assert status == 206
    assert response["Content-Range"] == f"bytes {start}-{end}/{SIZE}"
    assert response["Content-Length"] == str(end - start + 1)
    assert response["Accept-Ranges"] == "bytes"
    assert response["Content-Type"] == "video/mp4"
    assert response.has_header("Last-Modified")
    assert body == data[start : end + 1]


def test_ranges_can_be_stitched_back_into_the_file(client: Client, data: bytes) -> None:
    parts = [fetch(client, URL, Range=f"bytes={i}-{i + 127}")[1] for i in range(0, SIZE, 128)]
    assert b"".join(parts) == data


@pytest.mark.parametrize("header", [f"bytes={SIZE}-", f"bytes={SIZE + 500}-{SIZE + 600}", "bytes=-0"])
def test_unsatisfiable_range_is_416(client: Client, data: bytes, header: str) -> None:
    status, body, response = fetch(client, URL, Range=header)
    assert status == 416
    assert response["Content-Range"] == f"bytes */{SIZE}"
    assert body == b""


@pytest.mark.parametrize(
    "header",
    [
        "bytes=0-1,5-6",  # several ranges: the whole file is allowed
        "items=0-99",  # unknown unit
        "bytes=abc",  # not a range
        "bytes=50-10",  # last before first: an invalid range-spec is ignored (RFC 9110 §14.1.1)
        "bytes=-",  # neither first nor suffix length
    ],
)
def test_range_that_is_not_a_single_valid_byte_range_gets_the_whole_file(
    client: Client, data: bytes, header: str
) -> None:
    status, body, response = fetch(client, URL, Range=header)
    assert status == 200
    assert body == data
    assert "Content-Range" not in response


def test_empty_file(client: Client, media_root: Path) -> None:
    (media_root / "empty.wav").write_bytes(b"")
    status, body, _ = fetch(client, "/media/empty.wav")
    assert status == 200 and body == b""
    status, _, response = fetch(client, "/media/empty.wav", Range="bytes=0-")
    assert status == 416 and response["Content-Range"] == "bytes */0"


@pytest.mark.parametrize("headers", [{}, {"Range": "bytes=0-9"}])
def test_missing_file_and_folder_are_404(client: Client, data: bytes, headers: dict) -> None:
    assert fetch(client, "/media/projects/p1/output/other.mp4", **headers)[0] == 404
    assert fetch(client, "/media/projects/p1/output/", **headers)[0] == 404
    assert fetch(client, "/media/projects/p1/output", **headers)[0] == 404


@pytest.mark.parametrize("headers", [{}, {"Range": "bytes=0-9"}])
@pytest.mark.parametrize(
    "url",
    [
        "/media/../secret.txt",
        "/media/projects/../../secret.txt",
        "/media/%2e%2e/secret.txt",
        "/media/..%2fsecret.txt",
        "/media/../backend/settings.py",
    ],
)
def test_path_traversal_is_404(client: Client, data: bytes, secret: Path, url: str, headers: dict) -> None:
    status, body, _ = fetch(client, url, **headers)
    assert status == 404
    assert b"do not serve me" not in body


@pytest.mark.parametrize("headers", [{}, {"Range": "bytes=0-9"}])
def test_absolute_path_stays_inside_media_root(client: Client, secret: Path, headers: dict) -> None:
    status, body, _ = fetch(client, f"/media/{secret}", **headers)
    assert status == 404
    assert b"do not serve me" not in body
