"""Incremental re-renders through the segment cache, and the distributed worker's units of work
(:func:`encode_segment`, :func:`join_and_mux`)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest

from core_engine.render.cache import MANIFEST_NAME, prune_cache
from core_engine.render.join import join_and_mux
from core_engine.render.keys import cache_keys
from core_engine.render.pipeline import render_plan
from core_engine.render.plan import RenderError, RenderPlan
from core_engine.render.progress import ProgressRecord
from core_engine.render.segments import encode_segment
from core_engine.tests.render.helpers import (
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
    calls: list[ProgressRecord] = []
    again = render_plan(changed, out, calls.append, cache_dir=cache)
    assert (again.rendered_segments, again.reused_segments) == (1, 3)
    assert (calls[-1].current_segment, calls[-1].total_segments) == (4, 4)
    reuse = next(c for c in calls if "Reusing 3 unchanged segments" in c.current_phase)
    assert reuse.current_segment == 3 and reuse.percentage == 75  # reused segments count as done from the start
    assert any("segment 3 of 4" in c.current_phase for c in calls)

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
    assert (
        len([n for n in kept if n.endswith(".mp4")]) == 4 and len([n for n in kept if n.endswith(".m4a")]) == 2
    )  # narration + final mix

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


def test_a_distributed_render_encodes_segments_one_by_one_then_joins(tmp_path: Path) -> None:
    """What a fan-out over workers does: encode_segment for every index (any order, repeatable), then
    join_and_mux; the result equals a single-process render's frames and timing."""
    plan = solid_plan(tmp_path, [0.5, 0.04, 0.9, 0.5])  # segment 2 gets no frame
    cache, out = tmp_path / "cache", tmp_path / "out" / "final.mp4"

    with pytest.raises(RenderError, match=r"^Segment 1 has not been encoded yet"):
        join_and_mux(plan, cache, out)
    assert not out.exists()

    records: list[ProgressRecord] = []
    entries = [encode_segment(plan, i, cache, records.append) for i in (3, 0, 1, 2)]
    assert entries[2] is None and all(e is not None and e.is_file() for e in entries[:2] + entries[3:])
    assert {r.stage for r in records} >= {"SCENE_BUILD[4]", "SCENE_BUILD[1]", "SCENE_BUILD[3]"}
    assert all(r.total_segments == 1 for r in records)
    stamp = entries[0].stat().st_mtime_ns if entries[0] else 0
    assert encode_segment(plan, 3, cache) == entries[0]  # idempotent: already in the cache, not encoded again
    assert entries[0] is not None and entries[0].stat().st_mtime_ns == stamp

    result = join_and_mux(plan, cache, out)
    _, n_expected = expected_boundaries(plan)
    assert result.frame_count == n_expected and (result.rendered_segments, result.reused_segments) == (0, 3)
    frames = decode_frames(out)
    assert frames.shape[0] == n_expected
    reference = render_plan(plan, tmp_path / "single.mp4")
    assert reference.frame_count == n_expected
    assert change_frames(frames) == change_frames(decode_frames(tmp_path / "single.mp4"))
    assert {p.name.split(".")[0] for p in cache.iterdir() if p.name != MANIFEST_NAME} == cache_keys(plan)

    stamp = out.stat().st_mtime_ns
    again = join_and_mux(plan, cache, out)  # idempotent: nothing changed, the video is kept as it is
    assert again.frame_count == n_expected and out.stat().st_mtime_ns == stamp
    with pytest.raises(IndexError):
        encode_segment(plan, 4, cache)
