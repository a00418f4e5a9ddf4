"""Segment cache: what the keys depend on, incremental re-renders, atomic entries and pruning."""

from __future__ import annotations

import dataclasses
import os
import shutil
from pathlib import Path

import numpy as np
import pytest

from core_engine import video_renderer as vr
from core_engine.segment_cache import MANIFEST_NAME, SegmentCache, file_sha256, make_key, prune_cache
from core_engine.tests.test_video_renderer import (
    FPS,
    PALETTE,
    change_frames,
    decode_frames,
    expected_boundaries,
    frame_timestamps,
    make_image,
    make_tone,
    solid_plan,
)
from core_engine.video_renderer import (
    EncoderSettings,
    PlanSegment,
    RenderPlan,
    RenderSettings,
    audio_track_key,
    cache_keys,
    plan_timeline,
    render_plan,
    segment_cache_key,
)

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
    monkeypatch.setattr(vr, "ENGINE_VERSION", vr.ENGINE_VERSION + "-next")
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


def test_changing_one_image_re_encodes_only_that_segment(tmp_path: Path) -> None:
    durations = [0.7, 0.95, 0.45, 1.1]
    plan = solid_plan(tmp_path, durations)
    out, cache = tmp_path / "out" / "final.mp4", tmp_path / "cache"
    first = render_plan(plan, out, cache_dir=cache)
    assert (first.rendered_segments, first.reused_segments) == (4, 0)

    # Nothing changed: nothing is encoded, the video is not even rewritten.
    stamp = out.stat().st_mtime_ns
    same = render_plan(plan, out, cache_dir=cache)
    assert (same.rendered_segments, same.reused_segments) == (0, 4)
    assert same.frame_count == first.frame_count and out.stat().st_mtime_ns == stamp

    # A new picture for segment 3.
    new_image = make_image(tmp_path / "new.png", PALETTE[7])
    segs = list(plan.segments)
    segs[2] = dataclasses.replace(segs[2], image_path=new_image)
    changed = RenderPlan(tuple(segs), plan.settings)
    calls: list[tuple] = []
    again = render_plan(changed, out, lambda *a: calls.append(a), cache_dir=cache)
    assert (again.rendered_segments, again.reused_segments) == (1, 3)
    assert calls[-1][:2] == (4, 4)
    reuse = next(c for c in calls if "Reusing 3 unchanged segments" in c[2])
    assert reuse[0] == 3 and reuse[3] == pytest.approx(75.0)  # reused segments count as done from the start
    assert any("segment 3 of 4" in c[2] for c in calls)

    # The joined video of reused and new segments is one clean stream with the cuts in place.
    frames = decode_frames(out)
    boundaries, n_expected = expected_boundaries(changed)
    assert frames.shape[0] == n_expected
    pts = frame_timestamps(out)
    assert len(pts) == n_expected and np.all(np.diff(pts) > 0) and len(set(np.diff(pts).tolist())) == 1
    assert change_frames(frames) == [int(np.floor(t * FPS + 0.5)) for t in boundaries]
    third = frames[int(np.floor(boundaries[1] * FPS + 0.5)) + 1].reshape(-1, 3).mean(axis=0)
    assert np.abs(third - PALETTE[7]).max() < 6

    # Pruning keeps exactly the current plan's entries (the old segment 3 goes) and the manifest.
    old_entries = {p.name for p in cache.iterdir()}
    removed = prune_cache(cache, cache_keys(changed))
    assert removed == 1
    kept = {p.name for p in cache.iterdir()}
    assert kept < old_entries and MANIFEST_NAME in kept
    assert {n.split(".")[0] for n in kept if n != MANIFEST_NAME} == cache_keys(changed)
    assert len([n for n in kept if n.endswith(".mp4")]) == 4 and len([n for n in kept if n.endswith(".m4a")]) == 1

    # After pruning, a re-render still reuses everything it needs.
    final = render_plan(changed, out, cache_dir=cache)
    assert (final.rendered_segments, final.reused_segments) == (0, 4)


def test_a_longer_narration_re_encodes_only_segments_whose_frame_count_changed(tmp_path: Path) -> None:
    plan = solid_plan(tmp_path, [0.5, 0.5, 0.5, 0.5])  # 6 frames each at 12 fps
    out, cache = tmp_path / "final.mp4", tmp_path / "cache"
    render_plan(plan, out, cache_dir=cache)
    segs = list(plan.segments)
    dur = make_tone(tmp_path / "longer.wav", 1.0, freq=500)
    segs[1] = dataclasses.replace(segs[1], audio_path=tmp_path / "longer.wav", duration=dur)
    changed = RenderPlan(tuple(segs), plan.settings)
    result = render_plan(changed, out, cache_dir=cache)
    assert (result.rendered_segments, result.reused_segments) == (1, 3)  # later segments keep 6 frames each
    boundaries, n_expected = expected_boundaries(changed)
    frames = decode_frames(out)
    assert frames.shape[0] == n_expected
    assert change_frames(frames) == [int(np.floor(t * FPS + 0.5)) for t in boundaries]


def test_a_lost_output_is_rebuilt_from_the_cache(tmp_path: Path) -> None:
    plan = solid_plan(tmp_path, [0.5, 0.6])
    out, cache = tmp_path / "final.mp4", tmp_path / "cache"
    render_plan(plan, out, cache_dir=cache)
    out.unlink()
    result = render_plan(plan, out, cache_dir=cache)
    assert (result.rendered_segments, result.reused_segments) == (0, 2)
    assert decode_frames(out).shape[0] == result.frame_count


def test_entries_are_published_atomically_and_pruning_removes_strays(tmp_path: Path) -> None:
    cache = SegmentCache(tmp_path / "c")
    key = make_key({"x": 1})
    assert cache.get(key, ".mp4") is None
    temp = cache.temp_path(key, ".mp4")
    assert temp.parent == cache.dir and temp.name.startswith(".") and temp.suffix == ".mp4" and ".part" in temp.name
    temp.write_bytes(b"data")
    assert cache.get(key, ".mp4") is None  # not visible until published
    path = cache.publish(temp, key, ".mp4")
    assert path == cache.get(key, ".mp4") and not temp.exists()

    other = make_key({"x": 2})
    (cache.dir / f"{other}.mp4").write_bytes(b"old")
    (cache.dir / f".{key}.123-abcd.part.mp4").write_bytes(b"crashed half-way")
    (cache.dir / "notes.txt").write_text("?")
    cache.write_manifest({"final_key": "k"})
    assert prune_cache(cache.dir, {key}) == 3
    assert sorted(p.name for p in cache.dir.iterdir()) == sorted([f"{key}.mp4", MANIFEST_NAME])
    assert cache.read_manifest() == {"final_key": "k"}
    assert prune_cache(tmp_path / "missing", set()) == 0


def test_file_hash_follows_the_content(tmp_path: Path) -> None:
    f = tmp_path / "f.bin"
    f.write_bytes(b"one")
    h1 = file_sha256(f)
    assert h1 == file_sha256(f)
    f.write_bytes(b"two!")
    os.utime(f, ns=(f.stat().st_atime_ns, f.stat().st_mtime_ns + 1_000_000))
    assert file_sha256(f) != h1
    with pytest.raises(FileNotFoundError):
        file_sha256(tmp_path / "missing")
