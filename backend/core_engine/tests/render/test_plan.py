"""The plan's checks and its timeline (no rendering)."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from core_engine.render.pipeline import render_plan
from core_engine.render.plan import PlanSegment, RenderError, RenderPlan, RenderSettings, plan_timeline, validate_plan
from core_engine.tests.render.helpers import SETTINGS, solid_plan


def test_missing_files_and_bad_settings_are_reported_before_any_work(tmp_path: Path) -> None:
    plan = solid_plan(tmp_path, [0.5, 0.5])
    segs = list(plan.segments)
    segs[0] = PlanSegment("a", segs[0].image_path, tmp_path / "gone.wav", 0.5)
    with pytest.raises(RenderError, match=r"^Segment 1: the narration audio file gone\.wav is missing"):
        render_plan(RenderPlan(tuple(segs), plan.settings), tmp_path / "x.mp4")
    segs = list(plan.segments)
    segs[1] = PlanSegment("b", tmp_path / "nope.png", segs[1].audio_path, 0.5)
    with pytest.raises(RenderError, match=r"^Segment 2: the image file nope\.png is missing"):
        render_plan(RenderPlan(tuple(segs), plan.settings), tmp_path / "x.mp4")
    segs = list(plan.segments)
    segs[1] = PlanSegment("b", segs[1].image_path, segs[1].audio_path, 0.0)
    with pytest.raises(RenderError, match=r"^Segment 2: the narration has no usable length"):
        render_plan(RenderPlan(tuple(segs), plan.settings), tmp_path / "x.mp4")
    with pytest.raises(RenderError, match="no segments"):
        render_plan(RenderPlan((), SETTINGS), tmp_path / "x.mp4")
    with pytest.raises(RenderError, match="even"):
        render_plan(RenderPlan(plan.segments, RenderSettings(321, 180, 12)), tmp_path / "x.mp4")
    # Damaged narration: named, with the file.
    (tmp_path / "bad.wav").write_bytes(b"RIFF....WAVEjunk" * 20)
    segs = list(plan.segments)
    segs[1] = PlanSegment("b", segs[1].image_path, tmp_path / "bad.wav", 0.5)
    with pytest.raises(RenderError, match=r"^Segment 2: the narration bad\.wav could not be read"):
        render_plan(RenderPlan(tuple(segs), plan.settings), tmp_path / "x.mp4")
    assert not (tmp_path / "x.mp4").exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


def test_the_timeline_rounds_cumulative_time_never_per_segment(tmp_path: Path) -> None:
    """Three segments of 0.35 s at 12 fps (4.2 frames each): per-segment rounding would give 4+4+4 = 12 frames;
    the cumulative rule gives boundaries at round(4.2)=4, round(8.4)=8, round(12.6)=13, so 13 frames in total,
    and the audio spans tile the samples without gap or overlap."""
    plan = RenderPlan(
        tuple(PlanSegment(f"s{i}", tmp_path / "i.png", tmp_path / "a.wav", 0.35) for i in range(3)),
        RenderSettings(320, 180, 12),
    )
    spans = plan_timeline(plan)
    assert [(s.start_frame, s.end_frame) for s in spans] == [(0, 4), (4, 8), (8, 13)]
    assert [s.frame_count for s in spans] == [4, 4, 5]
    assert spans[0].start_sample == 0 and spans[-1].end_sample == round(1.05 * 48000)
    assert all(a.end_sample == b.start_sample for a, b in itertools.pairwise(spans))
    assert [s.index for s in spans] == [0, 1, 2]


def test_validate_plan_returns_the_timeline_and_refuses_a_plan_without_frames(tmp_path: Path) -> None:
    plan = solid_plan(tmp_path, [0.5, 0.25])
    assert validate_plan(plan) == plan_timeline(plan)
    tiny = RenderPlan((PlanSegment("t", plan.segments[0].image_path, plan.segments[0].audio_path, 0.01),), SETTINGS)
    with pytest.raises(RenderError, match="too short to show even one frame"):
        validate_plan(tiny)
