"""The ``render_story`` and ``render`` management commands with real files and real small renders."""

from __future__ import annotations

import io
import json
import uuid
from pathlib import Path

import pytest
from core_engine.render_utils import probe_video
from django.core.management import call_command
from django.core.management.base import CommandError

from api.models import Project, ProjectStatus
from api.tests.helpers import write_image, write_wav

pytestmark = pytest.mark.django_db(transaction=True)

SMALL = ["--width", "320", "--height", "180", "--fps", "12"]


def write_story(folder: Path, segments: list[dict]) -> Path:
    story = folder / "story.json"
    story.write_text(json.dumps({"title": "CLI story", "segments": segments}), encoding="utf-8")
    return story


def test_render_story_imports_renders_and_prints_the_path(tmp_path):
    media = tmp_path / "files"
    write_image(media / "one.png", "PNG", size=(400, 300), colour=(250, 120, 0))
    write_image(media / "two.jpg", "JPEG", size=(300, 400), colour=(0, 120, 250))
    write_wav(media / "one.wav", 0.8)
    write_wav(media / "two.wav", 0.6)
    story = write_story(
        tmp_path,
        [
            {"text_content": "One.", "image": "files/one.png", "audio": "files/one.wav"},
            {"text_content": "Two.", "image": "files/two.jpg", "audio": "files/two.wav"},
        ],
    )
    out = tmp_path / "exported" / "story.mp4"
    stdout = io.StringIO()
    call_command("render_story", str(story), "--out", str(out), *SMALL, stdout=stdout, stderr=io.StringIO())
    assert stdout.getvalue().strip().splitlines()[-1] == str(out)
    info = probe_video(out)
    assert (info.width, info.height, info.fps, info.frame_count) == (320, 180, 12, round(1.4 * 12))
    project = Project.objects.get(title="CLI story")
    assert project.status == ProjectStatus.COMPLETED

    # `render PROJECT_ID` renders the existing project again and prints final.mp4's path
    stdout = io.StringIO()
    call_command("render", str(project.id), stdout=stdout, stderr=io.StringIO())
    final = Path(stdout.getvalue().strip().splitlines()[-1])
    assert final.name == "final.mp4" and final.is_file()


def test_render_story_errors_name_the_segment(tmp_path):
    write_wav(tmp_path / "a.wav", 0.5)
    story = write_story(tmp_path, [{"text_content": "One.", "image": "missing.png", "audio": "a.wav"}])
    with pytest.raises(CommandError, match=r"Segment 1: image file .*missing\.png does not exist"):
        call_command("render_story", str(story), *SMALL)
    assert not Project.objects.exists()  # nothing half-imported

    (tmp_path / "bad.png").write_bytes(b"not an image")
    story = write_story(tmp_path, [{"text_content": "One.", "image": "bad.png", "audio": "a.wav"}])
    with pytest.raises(CommandError, match=r"Segment 1: image bad\.png"):
        call_command("render_story", str(story), *SMALL)

    story = write_story(tmp_path, [{"text_content": ""}])
    with pytest.raises(CommandError, match="Segment 1: text_content"):
        call_command("render_story", str(story), *SMALL)

    with pytest.raises(CommandError, match="--width must be an even number"):
        call_command("render_story", str(story), "--width", "321")


def test_render_unknown_or_unready_project(tmp_path):
    with pytest.raises(CommandError, match="No project"):
        call_command("render", str(uuid.uuid4()))
    with pytest.raises(CommandError, match="No project"):
        call_command("render", "not-a-uuid")
    project = Project.objects.create(title="Empty")
    with pytest.raises(CommandError, match="no segments"):
        call_command("render", str(project.id))
