"""Transitions and several images per segment (issue 12 §1–§2), measured on decoded frames of small renders
(320×180 at 12 fps, solid-colour pictures so every frame is either one picture, or a mix of two)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest

from core_engine.render.join import join_and_mux
from core_engine.render.pipeline import render_plan
from core_engine.render.plan import PlanSegment, RenderError, RenderPlan, validate_plan
from core_engine.render.segments import encode_segment
from core_engine.render.shots import ShotSettings, Transition, plan_clips, plan_shots, shot_count
from core_engine.tests.render.helpers import FPS, SETTINGS, decode_frames, frame_timestamps, make_image, make_tone

RED, GREEN, BLUE, YELLOW, CYAN, MAGENTA = (
    (230, 30, 30), (30, 200, 40), (40, 60, 230), (250, 200, 0), (0, 200, 220), (200, 0, 200),
)  # fmt: skip


def _segment(folder: Path, name: str, seconds: float, colours: list[tuple[int, int, int]]) -> PlanSegment:
    images = [make_image(folder / f"{name}-{n}.png", c) for n, c in enumerate(colours)]
    dur = make_tone(folder / f"{name}.wav", seconds)
    return PlanSegment(name, images[0], folder / f"{name}.wav", dur, tuple(images[1:]))


def _mixed_plan(folder: Path, kind: str) -> RenderPlan:
    """Segment 1: red, 1 s; segment 2: green then blue, 2 s (two shots of 1 s: min_shot 0.75); segment 3: yellow,
    1.25 s. Picture changes at 1.0 s (segments), 2.0 s (shots inside segment 2) and 3.0 s (segments)."""
    segs = (
        _segment(folder, "a", 1.0, [RED]),
        _segment(folder, "b", 2.0, [GREEN, BLUE]),
        _segment(folder, "c", 1.25, [YELLOW]),
    )
    return RenderPlan(segs, SETTINGS, ShotSettings(Transition(kind, 0.5), min_shot=0.75, max_shot=4.0))


def _is(frames: np.ndarray, colour: tuple[int, int, int]) -> np.ndarray:
    """Per frame: the frame is this solid colour (all but 0.5 % of its pixels within 10 levels in every channel;
    a slide that has moved by 2 pixels already fails)."""
    diff = np.abs(frames.astype(np.int16) - np.array(colour, np.int16)).max(axis=3)
    return (diff > 10).reshape(frames.shape[0], -1).mean(axis=1) < 0.005


def _midpoint(frames: np.ndarray, before: tuple[int, int, int], after: tuple[int, int, int], near: float) -> float:
    """Time (s) of the middle of the change from the ``before`` picture to the ``after`` picture around ``near``
    seconds: the centre of the run of frames that are neither (the transition), or for a cut the moment the first
    ``after`` frame appears. Frame ``j`` is on screen during ``[j, j + 1) / fps``."""
    lo, hi = int(near * FPS) - 12, int(near * FPS) + 12
    window = frames[lo:hi]
    a, b = _is(window, before), _is(window, after)
    last_a = lo + int(np.flatnonzero(a).max())
    first_b = lo + int(np.flatnonzero(b).min())
    assert last_a < first_b
    # Frames last_a + 1 … first_b − 1 are the transition; its middle is half-way between their edges.
    return (last_a + 1 + first_b) / 2 / FPS


@pytest.mark.parametrize("kind", ["cut", "crossfade", "fade_black", "slide_left"])
def test_every_transition_is_centred_on_its_boundary_and_the_length_does_not_change(tmp_path: Path, kind: str) -> None:
    plan = _mixed_plan(tmp_path, kind)
    result = render_plan(plan, tmp_path / "out.mp4")
    total = sum(s.duration for s in plan.segments)
    assert result.frame_count == int(np.floor(total * FPS + 0.5))  # 51 frames, as with cuts
    frames = decode_frames(tmp_path / "out.mp4")
    assert frames.shape[0] == result.frame_count
    pts = frame_timestamps(tmp_path / "out.mp4")
    assert len(set(np.diff(pts).tolist())) == 1  # one constant frame duration: the clips join seamlessly

    changes = [(RED, GREEN, 1.0), (GREEN, BLUE, 2.0), (BLUE, YELLOW, 3.0)]
    for before, after, boundary in changes:
        mid = _midpoint(frames, before, after, boundary)
        assert abs(mid - boundary) <= 1 / FPS, (kind, boundary, mid)
        lo = int(boundary * FPS) - 6
        mixed = ~(_is(frames[lo : lo + 12], before) | _is(frames[lo : lo + 12], after))
        # 0.5 s at 12 fps: 3 frames each side of the boundary; none for a cut.
        assert int(mixed.sum()) == (0 if kind == "cut" else 6), (kind, boundary, mixed)

    if kind == "crossfade":  # the mix passes 50 % exactly between the two frames around the boundary
        b = 12
        red, green = np.array(RED, np.float32), np.array(GREEN, np.float32)
        means = frames[b - 3 : b + 3].reshape(6, -1, 3).mean(axis=1)
        w = (means - red) @ (green - red) / float((green - red) @ (green - red))
        assert np.all(np.diff(w) > 0.1) and w[2] < 0.5 < w[3]
        assert np.allclose(w, [(j + 0.5) / 6 for j in range(6)], atol=0.05)
    if kind == "fade_black":  # through black: the two frames at the boundary are the darkest
        luma = frames[9:15].mean(axis=(1, 2, 3))
        assert luma[2] < 0.3 * luma[0] and luma[3] < 0.3 * luma[5] and luma.argmin() in (2, 3)


def test_changing_one_image_re_encodes_only_its_shot_and_its_two_transitions(tmp_path: Path) -> None:
    colours = [RED, GREEN, BLUE, YELLOW]
    segs = tuple(_segment(tmp_path, f"s{i}", 1.0, [c]) for i, c in enumerate(colours))
    plan = RenderPlan(segs, SETTINGS, ShotSettings(Transition("crossfade", 0.5)))
    out, cache = tmp_path / "final.mp4", tmp_path / "cache"
    first = render_plan(plan, out, cache_dir=cache)
    # 4 bodies + 3 transitions
    assert (first.rendered_clips, first.reused_clips) == (7, 0)
    entries = {p.name for p in cache.iterdir()}

    changed_segs = list(segs)
    changed_segs[2] = dataclasses.replace(segs[2], image_path=make_image(tmp_path / "new.png", MAGENTA))
    changed = RenderPlan(tuple(changed_segs), plan.settings, plan.shots)
    again = render_plan(changed, out, cache_dir=cache)
    assert (again.rendered_clips, again.reused_clips) == (3, 4)  # segment 3's body, transitions 2→3 and 3→4
    assert (again.rendered_segments, again.reused_segments) == (2, 2)  # segment 2 owns the transition 2→3
    new_entries = {p.name for p in cache.iterdir()} - entries
    assert len([n for n in new_entries if n.endswith(".mp4")]) == 3

    frames = decode_frames(out)
    reference = decode_frames(render_plan(changed, tmp_path / "fresh.mp4").output_path)
    assert frames.shape == reference.shape
    assert np.abs(frames.astype(np.int16) - reference).mean() < 1.5  # same picture as a render from scratch
    assert abs(_midpoint(frames, GREEN, MAGENTA, 2.0) - 2.0) <= 1 / FPS
    assert abs(_midpoint(frames, MAGENTA, YELLOW, 3.0) - 3.0) <= 1 / FPS


def test_shot_count_rules() -> None:
    # Enough time: every image, equal shares (3 × 2.5 s in 7.5 s).
    assert shot_count(7.5, 3, 2.5) == 3
    # Narration shorter than the images need: fewer images, never a shot under min_shot.
    assert shot_count(7.4, 3, 2.5) == 2 and shot_count(4.9, 3, 2.5) == 1
    # A segment shorter than min_shot shows its first image for all of it.
    assert shot_count(1.0, 3, 2.5) == 1
    # Longer than n · max_shot: still every image, shots grow past max_shot (equal shares, no gap).
    assert shot_count(40.0, 3, 2.5) == 3
    assert shot_count(40.0, 1, 2.5) == 1


def test_multi_image_switch_times_follow_cumulative_time_and_the_min_max_rules(tmp_path: Path) -> None:
    segs = (
        _segment(tmp_path, "a", 3.0, [RED, GREEN, BLUE]),  # 3 shots of 1.0 s
        _segment(tmp_path, "b", 1.3, [YELLOW, CYAN, MAGENTA]),  # 1.3 / 0.5 → only 2 fit: 2 shots of 0.65 s
        _segment(tmp_path, "c", 0.4, [GREEN, RED, BLUE]),  # shorter than min_shot: its first image only
        _segment(tmp_path, "d", 2.5, [BLUE, RED]),  # 2 shots of 1.25 s: past max_shot 1.0 rather than a gap
    )
    plan = RenderPlan(segs, SETTINGS, ShotSettings(Transition("cut"), min_shot=0.5, max_shot=1.0))
    result = render_plan(plan, tmp_path / "out.mp4")
    frames = decode_frames(tmp_path / "out.mp4")
    assert frames.shape[0] == result.frame_count == int(np.floor(7.2 * FPS + 0.5))
    # Expected shots: (colour, start time) from cumulative time.
    expected = [
        (RED, 0.0), (GREEN, 1.0), (BLUE, 2.0),
        (YELLOW, 3.0), (CYAN, 3.65),
        (GREEN, 4.3),
        (BLUE, 4.7), (RED, 5.95),
    ]  # fmt: skip
    starts = [int(np.floor(t * FPS + 0.5)) for _, t in expected] + [frames.shape[0]]
    for (colour, _), a, b in zip(expected, starts, starts[1:], strict=False):
        assert _is(frames[a:b], colour).all(), (colour, a, b)
    assert not _is(frames, MAGENTA).any()  # segment b's third image does not fit


def test_transitions_are_shortened_next_to_short_shots_and_stay_centred(tmp_path: Path) -> None:
    segs = (
        _segment(tmp_path, "a", 1.0, [RED]),
        _segment(tmp_path, "b", 0.25, [GREEN]),  # 3 frames: at most 1 frame each side
        _segment(tmp_path, "c", 1.0, [BLUE]),
    )
    plan = RenderPlan(segs, SETTINGS, ShotSettings(Transition("crossfade", 1.0)))  # 6 frames each side asked
    spans = validate_plan(plan)
    shots = plan_shots(plan, spans)
    assert [(s.lead_in, s.lead_out) for s in shots] == [(0, 1), (1, 1), (1, 0)]
    clips = plan_clips(plan, spans)
    assert sum(c.frames for c in clips) == spans[-1].end_frame
    for clip in clips:
        if clip.kind == "transition":
            assert clip.start + clip.frames / 2 == clip.shots[1].start  # centred on the boundary
    assert [c.kind for c in clips] == ["shot", "transition", "shot", "transition", "shot"]


def test_unusable_picture_options_are_refused(tmp_path: Path) -> None:
    base = _mixed_plan(tmp_path, "crossfade")
    for shots in (
        ShotSettings(Transition("spin", 0.5)),
        ShotSettings(Transition("crossfade", 0.0)),
        ShotSettings(Transition("crossfade", 3.0)),
        ShotSettings(min_shot=3.0, max_shot=2.0),
    ):
        with pytest.raises(RenderError):
            validate_plan(dataclasses.replace(base, shots=shots))
    missing = dataclasses.replace(base.segments[1], extra_images=(tmp_path / "gone.png",))
    with pytest.raises(RenderError, match=r"^Segment 2: the image file gone.png is missing"):
        validate_plan(dataclasses.replace(base, segments=(base.segments[0], missing)))


def test_a_distributed_render_with_crossfades_equals_a_single_process_render(tmp_path: Path) -> None:
    """encode_segment encodes every clip a segment owns (its shots and its outgoing transitions); after all
    segments, in any order, join_and_mux gives the same picture as render_plan."""
    plan = _mixed_plan(tmp_path, "crossfade")
    cache = tmp_path / "cache"
    for index in (2, 0, 1):
        assert encode_segment(plan, index, cache) is not None
    stamp = {p.name: p.stat().st_mtime_ns for p in cache.iterdir()}
    encode_segment(plan, 1, cache)  # idempotent
    assert {p.name: p.stat().st_mtime_ns for p in cache.iterdir()} == stamp
    assert len([n for n in stamp if n.endswith(".mp4")]) == 7  # 4 shot bodies + 3 transitions
    result = join_and_mux(plan, cache, tmp_path / "joined.mp4")
    joined = decode_frames(tmp_path / "joined.mp4")
    single = decode_frames(render_plan(plan, tmp_path / "single.mp4").output_path)
    assert joined.shape == single.shape and result.frame_count == joined.shape[0]
    assert np.abs(joined.astype(np.int16) - single).mean() < 1.5
