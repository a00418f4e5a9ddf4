"""``manage.py seed_demo``: one narrated, illustrated demo project, created once."""

from __future__ import annotations

import wave
from io import StringIO

import numpy as np
import pytest
from core_engine.tts import synthesize_to_wav
from django.core.management import call_command
from PIL import Image

from api.demo.scenes import SCENES, render_scene
from api.demo.story import DEMO_SEGMENTS, DEMO_TITLE
from api.models import GlobalSettings, Project, Segment, text_hash


def run_seed(*args: str) -> str:
    out = StringIO()
    call_command("seed_demo", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


@pytest.mark.django_db
def test_seed_creates_one_narrated_illustrated_project(media_root) -> None:
    output = run_seed()
    project = Project.objects.get()
    assert project.title == DEMO_TITLE
    assert str(project.id) in output
    segments = list(project.segments.order_by("sequence_index"))
    assert len(segments) == len(DEMO_SEGMENTS) == 5
    assert [s.sequence_index for s in segments] == list(range(5))
    for seg, spec in zip(segments, DEMO_SEGMENTS, strict=False):
        assert seg.text_content == spec.text and seg.image_prompt == spec.image_prompt
        image_path = media_root / seg.image_file.name
        assert image_path.is_file() and image_path.stat().st_size < 5 * 1024 * 1024
        assert seg.image_file.name.startswith(f"projects/{project.id}/images/")
        with Image.open(image_path) as img:
            img.load()
            assert img.width >= 1920 and img.height >= 1080
        audio_path = media_root / seg.audio_file.name
        assert seg.audio_file.name.startswith(f"projects/{project.id}/audio/")
        with wave.open(str(audio_path), "rb") as wav:
            duration = wav.getnframes() / wav.getframerate()
            assert (wav.getnchannels(), wav.getsampwidth()) == (1, 2)
        assert seg.audio_duration == pytest.approx(duration)
        assert seg.audio_duration > 0.5
        assert seg.audio_text_hash == text_hash(seg.text_content)
        assert seg.audio_matches_text is True


@pytest.mark.django_db
def test_seed_twice_creates_nothing_new(media_root) -> None:
    run_seed()
    files_before = sorted(p for p in media_root.rglob("*") if p.is_file())
    project_id = Project.objects.get().id
    output = run_seed()
    assert "already exists" in output and str(project_id) in output
    assert Project.objects.count() == 1 and Segment.objects.count() == 5
    assert sorted(p for p in media_root.rglob("*") if p.is_file()) == files_before


@pytest.mark.django_db
def test_if_empty_skips_when_any_project_exists(media_root) -> None:
    Project.objects.create(title="My own story")
    output = run_seed("--if-empty")
    assert "not created" in output
    assert not Project.objects.filter(title=DEMO_TITLE).exists()
    assert not any(media_root.rglob("*.wav"))


@pytest.mark.django_db
def test_uses_global_speed_and_survives_unknown_voice(media_root, tmp_path) -> None:
    settings = GlobalSettings.load()
    settings.tts_speed = 2.0
    settings.default_voice_id = "no-such-voice"
    settings.save()
    run_seed()
    fast = [s.audio_duration for s in Segment.objects.order_by("sequence_index")]
    normal = [synthesize_to_wav(spec.text, tmp_path / f"{i}.wav") for i, spec in enumerate(DEMO_SEGMENTS)]
    assert len(fast) == 5 and all(f < 0.75 * n for f, n in zip(fast, normal, strict=False))


def test_scenes_are_deterministic_detailed_and_distinct() -> None:
    small = (480, 270)
    first = {name: np.asarray(render_scene(name, small), dtype=np.float32) for name in SCENES}
    for name, pixels in first.items():
        assert pixels.shape == (270, 480, 3)
        assert np.array_equal(pixels, np.asarray(render_scene(name, small), dtype=np.float32))
        assert pixels.std() > 12, f"{name} is too flat for a visible pan"
        # texture everywhere, not only in one band: every horizontal quarter has detail
        for quarter in np.array_split(pixels, 4, axis=0):
            assert np.abs(np.diff(quarter, axis=1)).mean() > 0.2
    names = list(first)
    for i, a in enumerate(names):
        for b in names[i + 1 :]:
            assert np.abs(first[a] - first[b]).mean() > 10, f"{a} and {b} look alike"
