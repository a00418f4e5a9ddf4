"""Transitions, several images per segment, word captions and background music in one small render (320×180 at
12 fps): the burned-in captions follow the clips actually encoded (transition clips included), the soft subtitle
track carries the cues on the video's timeline, a text edit re-encodes only the clips that show that text, and a
music change only re-mixes."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import numpy as np
import pytest

from core_engine.camera import CameraSettings
from core_engine.captions import CaptionOptions, CaptionStyle
from core_engine.render.keys import compute_keys
from core_engine.render.mix import MixSettings
from core_engine.render.mp4 import mp4_video_samples
from core_engine.render.pipeline import render_plan
from core_engine.render.plan import PlanSegment, RenderPlan, RenderResult
from core_engine.render.shots import ShotSettings, Transition
from core_engine.render.subtitles import final_captions
from core_engine.tests.render.helpers import FPS, SETTINGS, H, decode_frames, ffmpeg_info, make_image, make_tone
from core_engine.tests.render.test_subtitles import bottom_diff, read_soft_track

TEXTS = ["Red sky.", "Green then blue.", "Yellow end."]
#: Segment b speaks its first word 0.55 s after its start (a cue starts at its first word when that is more than
#: ``CLOSE_GAP_SECONDS`` = 0.5 s in): frame 18 + ⌈0.55·12⌉ = 25, inside the a→b crossfade (frames 10…25), whose
#: first half still shows segment a's cue.
B_WORDS = (
    {"word": "Green", "start": 0.55, "end": 1.0},
    {"word": "then", "start": 1.2, "end": 1.6},
    {"word": "blue.", "start": 2.1, "end": 2.6},
)
STYLE = CaptionStyle(size=150, background="outline")


def _segment(folder: Path, name: str, seconds: float, colours: list[tuple[int, int, int]], text: str) -> PlanSegment:
    images = [make_image(folder / f"{name}-{n}.png", c) for n, c in enumerate(colours)]
    dur = make_tone(folder / f"{name}.wav", seconds)
    words = B_WORDS if name == "b" else None
    return PlanSegment(name, images[0], folder / f"{name}.wav", dur, tuple(images[1:]), text, words)


def _plan(folder: Path, texts: list[str], captions: bool, music_volume: float = -18.0) -> RenderPlan:
    """a: red, 1.5 s; b: green then blue, 3 s (two shots of 1.5 s); c: yellow, 1.5 s — crossfades of 1.25 s (16
    frames) centred on frames 18, 36 and 54; 72 frames in all; a 1 kHz tone as background music."""
    segs = (
        _segment(folder, "a", 1.5, [(230, 30, 30)], texts[0]),
        _segment(folder, "b", 3.0, [(30, 200, 40), (40, 60, 230)], texts[1]),
        _segment(folder, "c", 1.5, [(250, 200, 0)], texts[2]),
    )
    music = folder / "music.wav"
    if not music.exists():
        make_tone(music, 3.0, freq=1000.0, amp=0.5)
    settings = dataclasses.replace(SETTINGS, captions=CaptionOptions("word", STYLE, "eng") if captions else None)
    shots = ShotSettings(Transition("crossfade", 1.25), min_shot=0.75, max_shot=4.0)
    return RenderPlan(segs, settings, shots=shots, mix=MixSettings(music, music_volume=music_volume))


def _srt_time(t: float) -> str:
    ms = round(t * 1000)
    return f"{ms // 3_600_000:02d}:{ms // 60_000 % 60:02d}:{ms // 1000 % 60:02d},{ms % 1000:03d}"


@pytest.fixture(scope="module")
def renders(tmp_path_factory: pytest.TempPathFactory) -> dict:
    folder = tmp_path_factory.mktemp("transitions-captions")
    plain, captioned = _plan(folder, TEXTS, False), _plan(folder, TEXTS, True)
    return {
        "folder": folder,
        "captioned": captioned,
        "plain_result": render_plan(plain, folder / "plain" / "final.mp4", cache_dir=folder / "plain" / "cache"),
        "result": render_plan(captioned, folder / "cap" / "final.mp4", cache_dir=folder / "cap" / "cache"),
    }


def test_frame_count_clips_and_audio(renders: dict) -> None:
    result: RenderResult = renders["result"]
    assert result.frame_count == renders["plain_result"].frame_count == 72
    assert mp4_video_samples(result.output_path) == 72
    assert (result.rendered_clips, result.reused_clips) == (7, 0)  # 4 shot bodies + 3 crossfades
    keys = compute_keys(renders["captioned"])
    assert [(c.kind, c.start, c.frames) for c in keys.clips if c.kind == "transition"] == [
        ("transition", 10, 16),
        ("transition", 28, 16),
        ("transition", 46, 16),
    ]
    info = ffmpeg_info(result.output_path)
    assert "Audio: aac" in info and "Subtitle: mov_text" in info


def test_soft_track_cues_follow_the_video_timeline(renders: dict) -> None:
    plan = renders["captioned"]
    cues = final_captions(plan, compute_keys(plan).spans)
    assert [c.text for c in cues] == TEXTS
    assert [(c.start, c.end) for c in cues] == [(0.0, 1.5), (25 / FPS, 4.5), (4.5, 6.0)]
    srt = read_soft_track(renders["result"].output_path)
    blocks = re.findall(r"(\S+) --> (\S+)\n(.+?)(?:\n\n|\n?$)", srt, re.S)
    assert [(a, b, t) for a, b, t in blocks] == [(_srt_time(c.start), _srt_time(c.end), c.text) for c in cues]
    assert (renders["result"].output_path.parent / "captions.srt").read_text().strip() == srt.strip()


def test_captions_are_burned_into_the_transition_frames_that_show_them(renders: dict) -> None:
    plain = decode_frames(renders["plain_result"].output_path)
    captioned = decode_frames(renders["result"].output_path)
    # Outside the caption area the crossfades are the same picture with and without captions.
    assert np.abs(plain[:, : H // 2].astype(int) - captioned[:, : H // 2].astype(int)).max() <= 12
    shown = bottom_diff(plain, captioned) > 80
    expected = np.zeros(72, bool)
    for cue in final_captions(renders["captioned"], compute_keys(renders["captioned"]).spans):
        expected[round(cue.start * FPS) : round(cue.end * FPS)] = True
    # a→b crossfade (frames 10…25): a's cue until the boundary (frame 18), nothing until b's first word at frame 25
    assert expected[10:26].tolist() == [True] * 8 + [False] * 7 + [True]
    assert expected[28:44].all() and expected[46:62].all()  # cues running through the other two crossfades
    assert (shown == expected).all(), np.flatnonzero(shown != expected)


def test_editing_one_text_re_encodes_only_the_clips_showing_it(renders: dict) -> None:
    folder = renders["folder"]
    edited = _plan(folder, [TEXTS[0], TEXTS[1], "A changed ending."], True)
    result = render_plan(edited, folder / "cap" / "final.mp4", cache_dir=folder / "cap" / "cache")
    # c's body and the b→c crossfade (owned by b, it shows the start of c's cue): 2 clips of 2 segments
    assert (result.rendered_clips, result.reused_clips) == (2, 5)
    assert (result.rendered_segments, result.reused_segments) == (2, 1)
    assert "A changed ending." in read_soft_track(result.output_path)
    # a music change keeps every clip and only re-mixes and re-muxes
    louder = _plan(folder, [TEXTS[0], TEXTS[1], "A changed ending."], True, music_volume=-10.0)
    again = render_plan(louder, folder / "cap" / "final.mp4", cache_dir=folder / "cap" / "cache")
    assert (again.rendered_clips, again.reused_clips) == (0, 7)
    assert compute_keys(louder).mix_key != compute_keys(edited).mix_key
    assert mp4_video_samples(again.output_path) == 72


def test_a_segment_camera_moves_its_first_image_only(tmp_path: Path) -> None:
    plan = _plan(tmp_path, TEXTS, True)
    segs = list(plan.segments)
    segs[1] = dataclasses.replace(segs[1], camera=CameraSettings("pan_left"))
    keys, panned = compute_keys(plan), compute_keys(dataclasses.replace(plan, segments=tuple(segs)))
    changed = [
        (c.kind, c.start) for c, k0, k1 in zip(keys.clips, keys.clip_keys, panned.clip_keys, strict=True) if k0 != k1
    ]
    # green (b's first image): its body and both its crossfades; blue (b's second image) keeps the auto camera
    assert changed == [("transition", 10), ("shot", 26), ("transition", 28)]
