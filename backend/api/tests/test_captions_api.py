"""Captions through the real API: the project options (validation, defaults from the global settings), a real small
render with captions (soft track in the MP4, sidecar SRT / WebVTT files timed to the video) and the 404s."""

from __future__ import annotations

from pathlib import Path

import pytest
from rest_framework.test import APIClient

from api.models import GlobalSettings
from api.tests.helpers import assert_error, create_project, fetch
from api.tests.test_render_api import create_project as create_render_project
from api.tests.test_render_api import render_and_wait

pytestmark = pytest.mark.django_db(transaction=True)


def test_caption_options_default_off_with_style_from_global_settings(client: APIClient) -> None:
    settings = GlobalSettings.load()
    settings.subtitle_font, settings.subtitle_color = "DejaVu Sans", "#FFEE00"
    settings.save()
    project = client.get(f"/api/projects/{create_project(client)['id']}/").data
    assert project["caption_mode"] == "off"
    style = project["caption_style"]
    assert style["font"] == "DejaVu Sans" and style["color"] == "#FFEE00"
    assert style["position"] == "bottom" and style["background"] == "outline" and style["size"] == 56


def test_patch_caption_options_merges_style(client: APIClient) -> None:
    pid = create_project(client)["id"]
    resp = client.patch(f"/api/projects/{pid}/", {"caption_mode": "word", "caption_style": {"size": 80}}, format="json")
    assert resp.status_code == 200, resp.data
    resp = client.patch(f"/api/projects/{pid}/", {"caption_style": {"background": "box"}}, format="json")
    assert resp.status_code == 200, resp.data
    data = client.get(f"/api/projects/{pid}/").data
    assert data["caption_mode"] == "word"
    assert data["caption_style"]["size"] == 80 and data["caption_style"]["background"] == "box"


@pytest.mark.parametrize(
    ("body", "field", "word"),
    [
        ({"caption_mode": "karaoke"}, "caption_mode", "karaoke"),
        ({"caption_style": "big"}, "caption_style", "object"),
        ({"caption_style": {"size": 5}}, "caption_style", "size"),
        ({"caption_style": {"color": "red"}}, "caption_style", "color"),
        ({"caption_style": {"position": "top"}}, "caption_style", "position"),
        ({"caption_style": {"background": "glow"}}, "caption_style", "background"),
        ({"caption_style": {"font": "A, B"}}, "caption_style", "font"),
        ({"caption_style": {"shadow": 3}}, "caption_style", "shadow"),
    ],
)
def test_bad_caption_options_are_400_naming_the_field(client: APIClient, body: dict, field: str, word: str) -> None:
    pid = create_project(client)["id"]
    resp = client.patch(f"/api/projects/{pid}/", body, format="json")
    assert resp.status_code == 400, resp.data
    assert field in resp.data and word in str(resp.data)


def test_render_with_captions_has_soft_track_and_sidecars(client: APIClient, tmp_path: Path) -> None:
    from core_engine.render.mp4 import mp4_video_samples
    from django.conf import settings

    project = create_render_project(client, tmp_path, durations=(1.5, 1.0))
    pid = project["id"]
    assert fetch(client, f"/api/projects/{pid}/captions.vtt")[0] == 404  # nothing rendered yet
    assert client.patch(f"/api/projects/{pid}/", {"caption_mode": "sentence"}, format="json").status_code == 200
    status = render_and_wait(client, pid)
    assert status["status"] == "COMPLETED", status
    code, body, resp = fetch(client, f"/api/projects/{pid}/captions.vtt")
    assert code == 200 and resp["Content-Type"].startswith("text/vtt")
    text = body.decode()
    assert text.startswith("WEBVTT") and "Segment 1." in text and "Segment 2." in text
    assert "00:00:01.500 --> 00:00:02.500" in text  # the second cue starts on the picture change
    resp = client.get(f"/api/projects/{pid}/captions.srt", {"download": "1"})
    assert resp.status_code == 200 and "attachment" in resp["Content-Disposition"]
    assert "00:00:00,000 --> 00:00:01,500\nSegment 1." in b"".join(resp.streaming_content).decode()
    files = client.get(f"/api/projects/{pid}/").data["caption_files"]
    assert files == {
        "srt": status["output_url"].replace("final.mp4", "captions.srt"),
        "vtt": status["output_url"].replace("final.mp4", "captions.vtt"),
    }
    assert fetch(client, files["vtt"])[1].decode() == text  # the media URL a <track> loads, no token needed
    video = Path(settings.MEDIA_ROOT) / status["output_url"].removeprefix(settings.MEDIA_URL)
    assert mp4_video_samples(video) == 30
    # captions off again: the next render has none, and the sidecars go with them
    assert client.patch(f"/api/projects/{pid}/", {"caption_mode": "off"}, format="json").status_code == 200
    assert render_and_wait(client, pid)["status"] == "COMPLETED"
    assert fetch(client, f"/api/projects/{pid}/captions.srt")[0] == 404
    assert fetch(client, f"/api/projects/{pid}/captions.vtt")[0] == 404
    assert client.get(f"/api/projects/{pid}/").data["caption_files"] is None


def test_captions_file_404s(client: APIClient) -> None:
    pid = create_project(client)["id"]
    assert_error(client.get(f"/api/projects/{pid}/captions.srt"), 404)
    assert client.get("/api/projects/00000000-0000-0000-0000-000000000000/captions.vtt").status_code == 404
    assert client.get(f"/api/projects/{pid}/captions.txt").status_code == 404  # only srt and vtt
