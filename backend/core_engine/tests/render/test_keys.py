"""Cache keys: what they depend on and what they ignore."""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import pytest

from core_engine.render import keys as keys_module
from core_engine.render.cache import file_sha256
from core_engine.render.keys import audio_track_key, segment_cache_key
from core_engine.render.plan import EncoderSettings, PlanSegment, RenderSettings, plan_timeline
from core_engine.tests.render.helpers import make_image, make_tone, solid_plan

BASE = RenderSettings(320, 180, 12)


@pytest.fixture
def segment(tmp_path: Path) -> PlanSegment:
    make_image(tmp_path / "a.png", (200, 10, 10))
    make_tone(tmp_path / "a.wav", 1.0)
    return PlanSegment("seg-a", tmp_path / "a.png", tmp_path / "a.wav", 1.0)


def test_segment_key_changes_with_everything_that_changes_pixels(
    tmp_path: Path, segment: PlanSegment, monkeypatch: pytest.MonkeyPatch
) -> None:
    key = segment_cache_key(segment, 12, BASE)
    assert len(key) == 64 and key == segment_cache_key(segment, 12, BASE)  # stable

    make_image(tmp_path / "b.png", (200, 10, 11))  # one level of one channel
    different = {
        "image bytes": segment_cache_key(dataclasses.replace(segment, image_path=tmp_path / "b.png"), 12, BASE),
        "frame count": segment_cache_key(segment, 13, BASE),
        "width": segment_cache_key(segment, 12, dataclasses.replace(BASE, width=322)),
        "height": segment_cache_key(segment, 12, dataclasses.replace(BASE, height=182)),
        "fps": segment_cache_key(segment, 12, dataclasses.replace(BASE, fps=24)),
        "zoom": segment_cache_key(segment, 12, dataclasses.replace(BASE, zoom_intensity=1.31)),
        "segment id (motion)": segment_cache_key(dataclasses.replace(segment, segment_id="seg-b"), 12, BASE),
        "codec": segment_cache_key(segment, 12, dataclasses.replace(BASE, encoder=EncoderSettings(codec="libx265"))),
        "bitrate": segment_cache_key(segment, 12, dataclasses.replace(BASE, encoder=EncoderSettings(bitrate="4000k"))),
        "preset": segment_cache_key(segment, 12, dataclasses.replace(BASE, encoder=EncoderSettings(preset="slow"))),
        "tune": segment_cache_key(segment, 12, dataclasses.replace(BASE, encoder=EncoderSettings(tune="film"))),
        "x264 params": segment_cache_key(
            segment, 12, dataclasses.replace(BASE, encoder=EncoderSettings(x264_params="ref=3"))
        ),
        "pixel format": segment_cache_key(
            segment, 12, dataclasses.replace(BASE, encoder=EncoderSettings(pixel_format="yuv444p"))
        ),
    }
    monkeypatch.setattr(keys_module, "ENGINE_VERSION", keys_module.ENGINE_VERSION + "-next")
    different["engine version"] = segment_cache_key(segment, 12, BASE)
    monkeypatch.undo()
    for what, other in different.items():
        assert other != key, what
    assert len(set(different.values())) == len(different)


def test_segment_key_ignores_what_does_not_change_pixels(tmp_path: Path, segment: PlanSegment) -> None:
    key = segment_cache_key(segment, 12, BASE)
    # Different narration (content and length) with the same frame count.
    make_tone(tmp_path / "other.wav", 1.02, freq=900)
    other_audio = dataclasses.replace(segment, audio_path=tmp_path / "other.wav", duration=1.02)
    assert segment_cache_key(other_audio, 12, BASE) == key
    # The same picture bytes under another name and folder.
    (tmp_path / "copy").mkdir()
    shutil.copy(segment.image_path, tmp_path / "copy" / "renamed.png")
    renamed = dataclasses.replace(segment, image_path=tmp_path / "copy" / "renamed.png")
    assert segment_cache_key(renamed, 12, BASE) == key
    # Audio encoder settings do not touch the video.
    audio_changed = dataclasses.replace(BASE, encoder=EncoderSettings(audio_bitrate="128k", audio_codec="libopus"))
    assert segment_cache_key(segment, 12, audio_changed) == key
    # The project title is not part of a plan at all; the key is made only of the values listed in its docstring.


def test_narration_key_follows_audio_content_and_boundaries(tmp_path: Path) -> None:
    plan = solid_plan(tmp_path, [0.5, 0.7])
    spans = plan_timeline(plan)
    hashes = [file_sha256(s.audio_path) for s in plan.segments]
    key = audio_track_key(spans, hashes, BASE.encoder)
    assert audio_track_key(spans, list(reversed(hashes)), BASE.encoder) != key
    shifted = [dataclasses.replace(s, start_sample=s.start_sample + 1) for s in spans]
    assert audio_track_key(shifted, hashes, BASE.encoder) != key
    assert audio_track_key(spans, hashes, EncoderSettings(audio_bitrate="128k")) != key
    assert audio_track_key(spans, hashes, EncoderSettings(preset="slow")) == key  # video settings don't matter
