"""Captions in real renders (320×180, 12 fps): burned-in text on exactly the frames of its cues, the soft mov_text
track and the sidecar files, picture boundaries and duration unchanged, incremental re-encodes, title-safe
placement at 16:9 / 9:16 / 1:1, and non-Latin scripts drawn with real glyphs (not tofu)."""

from __future__ import annotations

import dataclasses
import itertools
import subprocess
from pathlib import Path

import numpy as np
import pytest

from core_engine.captions import (
    CaptionLayout,
    CaptionOptions,
    CaptionStyle,
    ass_document,
    ass_header,
    build_cues,
    segment_events,
)
from core_engine.render.keys import compute_keys
from core_engine.render.mp4 import mp4_video_samples
from core_engine.render.pipeline import render_plan
from core_engine.render.plan import RenderPlan
from core_engine.render.subtitles import ass_filter, final_captions
from core_engine.render_utils import require_ffmpeg
from core_engine.tests.render.helpers import FPS, H, change_frames, decode_frames, ffmpeg_info, solid_plan

TEXTS = ["Hello world, this is the first segment.", "The second picture.", "And the end."]
STYLE = CaptionStyle(size=150, background="outline")


def with_captions(plan: RenderPlan, texts: list[str], mode: str = "sentence", timings=None) -> RenderPlan:
    segs = tuple(
        dataclasses.replace(s, text=t, word_timings=(timings or {}).get(i))
        for i, (s, t) in enumerate(zip(plan.segments, texts, strict=True))
    )
    settings = dataclasses.replace(plan.settings, captions=CaptionOptions(mode, STYLE, "eng"))
    return dataclasses.replace(plan, segments=segs, settings=settings)


def read_soft_track(path: Path) -> str:
    proc = subprocess.run(
        [require_ffmpeg(), "-v", "error", "-i", str(path), "-map", "0:s:0", "-f", "srt", "-"],
        capture_output=True,
        text=True,
        check=True,
    )
    return proc.stdout


def bottom_diff(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Per frame, the largest difference (0–255) between two renders in the lower third, where captions sit."""
    lower = slice(H * 2 // 3, H)
    return np.abs(a[:, lower].astype(int) - b[:, lower].astype(int)).max(axis=(1, 2, 3))


@pytest.fixture(scope="module")
def renders(tmp_path_factory: pytest.TempPathFactory) -> dict:
    folder = tmp_path_factory.mktemp("captions")
    plain = solid_plan(folder, [2.0, 2.5, 1.5])
    # segment 2 is silent for its first second: its caption starts with its first word, not with the picture
    late = [{"word": w, "start": 1.0 + 0.4 * k, "end": 1.3 + 0.4 * k} for k, w in enumerate(TEXTS[1].split())]
    captioned = with_captions(plain, TEXTS, timings={1: tuple(late)})
    out = {"plain": plain, "captioned": captioned, "folder": folder}
    out["plain_result"] = render_plan(plain, folder / "plain" / "final.mp4", cache_dir=folder / "plain" / "cache")
    out["result"] = render_plan(captioned, folder / "cap" / "final.mp4", cache_dir=folder / "cap" / "cache")
    return out


def test_soft_track_carries_the_cues_tagged_with_the_language(renders: dict) -> None:
    video = renders["result"].output_path
    srt = read_soft_track(video)
    assert "Hello world,\nthis is the first segment." in srt
    assert "00:00:00,000 --> 00:00:02,000" in srt
    assert "00:00:03,000 --> 00:00:04,500\nThe second picture." in srt  # starts with its first word (T=2+1 s)
    assert "00:00:04,500 --> 00:00:06,000\nAnd the end." in srt
    assert "Subtitle: mov_text" in ffmpeg_info(video) and "(eng): Subtitle" in ffmpeg_info(video)
    sidecar = (video.parent / "captions.srt").read_text()
    assert sidecar.strip() == srt.strip()
    assert (video.parent / "captions.vtt").read_text().startswith("WEBVTT")


def test_duration_and_picture_boundaries_unchanged(renders: dict) -> None:
    plain, cap = renders["plain_result"], renders["result"]
    assert cap.frame_count == plain.frame_count == 72
    assert mp4_video_samples(cap.output_path) == 72
    a, b = decode_frames(plain.output_path), decode_frames(cap.output_path)
    assert change_frames(a) == change_frames(b) == [24, 54]
    # above the caption area the pictures are the same
    assert np.abs(a[:, : H // 2].astype(int) - b[:, : H // 2].astype(int)).max() <= 12


def test_burned_in_text_on_the_cue_frames_only(renders: dict) -> None:
    diff = bottom_diff(decode_frames(renders["plain_result"].output_path), decode_frames(renders["result"].output_path))
    shown = diff > 80
    expected = np.zeros(72, bool)
    for cue in final_captions(renders["captioned"], compute_keys(renders["captioned"]).spans):
        expected[round(cue.start * FPS) : round(cue.end * FPS)] = True
    assert expected[:24].all() and not expected[24:36].any() and expected[36:].all()
    assert (shown == expected).all(), np.flatnonzero(shown != expected)


def test_editing_one_text_re_encodes_only_that_segment(renders: dict) -> None:
    folder = renders["folder"]
    texts = [TEXTS[0], "A changed second text.", TEXTS[2]]
    edited = with_captions(renders["plain"], texts)
    result = render_plan(edited, folder / "cap" / "final.mp4", cache_dir=folder / "cap" / "cache")
    assert (result.rendered_segments, result.reused_segments) == (1, 2)
    assert "A changed second text." in read_soft_track(result.output_path)
    # captions off: keys are exactly those of a plan that never had captions
    assert (
        compute_keys(renders["plain"]).segment_keys
        == compute_keys(dataclasses.replace(edited, settings=renders["plain"].settings)).segment_keys
    )
    # a style change re-encodes every captioned segment
    restyled = dataclasses.replace(
        edited,
        settings=dataclasses.replace(edited.settings, captions=CaptionOptions("sentence", CaptionStyle(size=90))),
    )
    assert set(compute_keys(restyled).segment_keys).isdisjoint(compute_keys(edited).segment_keys)


def test_word_mode_render_and_awkward_cache_path(tmp_path: Path) -> None:
    folder = tmp_path / "it's a: [weird], folder; ok"
    folder.mkdir()
    plan = with_captions(solid_plan(folder, [1.5]), ["One two three."], mode="word")
    result = render_plan(plan, folder / "final.mp4", cache_dir=folder / "cache")
    frames = decode_frames(result.output_path)
    assert frames.shape[0] == 18
    # the highlight (yellow) moves: which columns are yellow changes between the first and the last word
    yellow = (frames[:, :, :, 0] > 180) & (frames[:, :, :, 1] > 150) & (frames[:, :, :, 2] < 90)
    cols_first, cols_last = np.flatnonzero(yellow[2].any(axis=0)), np.flatnonzero(yellow[-2].any(axis=0))
    assert cols_first.size and cols_last.size and cols_first.mean() < cols_last.mean()


def render_caption_frame(
    tmp_path: Path, text: str, size: tuple[int, int], style: CaptionStyle, name: str = "frame"
) -> np.ndarray:
    """One frame of captions alone (black background) drawn by libass, as a grey-level array."""
    w, h = size
    opts = CaptionOptions("sentence", style)
    cues = build_cues(text, 4.0, None, CaptionLayout.for_output(w, h, style).max_units)
    events = segment_events(cues[:1], opts, 12, 48)
    return draw_ass(tmp_path, ass_document(ass_header(opts, w, h), [(0, events)], 12), size, name)


def draw_ass(tmp_path: Path, script: str, size: tuple[int, int], name: str) -> np.ndarray:
    """The first frame of an ASS ``script`` drawn by libass (ffmpeg's ``ass`` filter) on black, as a grey-level
    array of ``size`` (width, height)."""
    w, h = size
    ass = tmp_path / f"{name}.ass"
    ass.write_text(script, "utf-8")
    proc = subprocess.run(
        [require_ffmpeg(), "-v", "error", "-f", "lavfi", "-i", f"color=c=black:s={w}x{h}:r=12:d=1",
         "-vf", ass_filter(ass), "-frames:v", "1", "-f", "rawvideo", "-pix_fmt", "gray", "-"],
        capture_output=True, check=True,
    )  # fmt: skip
    return np.frombuffer(proc.stdout, np.uint8).reshape(h, w)


LONG = "Every morning he went out to fish, and every evening he came home with whatever the sea had given him."


URL = "https://www.example.org/stories/the-lighthouse-keeper-and-the-long-night-at-sea is where the story starts."


@pytest.mark.parametrize("size", [(640, 360), (360, 640), (480, 480)])
@pytest.mark.parametrize("background", ["box", "outline"])
@pytest.mark.parametrize("text", [LONG, URL], ids=["phrases", "web-address"])
def test_captions_stay_inside_the_title_safe_area(
    tmp_path: Path, size: tuple[int, int], background: str, text: str
) -> None:
    w, h = size
    for position in ("bottom", "middle"):
        img = render_caption_frame(
            tmp_path, text, size, CaptionStyle(size=70, background=background, position=position)
        )
        ys, xs = np.nonzero(img > 8)
        assert xs.size > 100  # something was drawn
        assert xs.min() >= 0.05 * w and xs.max() < 0.95 * w, (xs.min(), xs.max())
        assert ys.min() >= 0.05 * h and ys.max() < 0.95 * h, (ys.min(), ys.max())
        if position == "bottom":
            assert ys.min() > h / 2
        else:
            assert abs((ys.min() + ys.max()) / 2 - h / 2) < 0.1 * h


@pytest.mark.parametrize(
    ("script", "chars", "word"),
    [("Chinese", "你好世界", ""), ("Arabic", "مرحبا", "مرحبا"), ("Hindi", "नमसत", "नमस्ते")],
)
def test_non_latin_scripts_have_real_glyphs(tmp_path: Path, script: str, chars: str, word: str) -> None:
    """Tofu (the .notdef box) looks the same for every character: real glyphs differ from one another. Arabic and
    Devanagari are also shaped: the joined word is not the row of its isolated letters."""
    style = CaptionStyle(size=120, background="none")
    glyphs = [render_caption_frame(tmp_path, ch, (480, 270), style, f"{script}{i}") for i, ch in enumerate(chars)]
    assert all((g > 128).sum() > 30 for g in glyphs)
    for i in range(len(glyphs)):
        for j in range(i + 1, len(glyphs)):
            if chars[i] != chars[j]:
                assert np.abs(glyphs[i].astype(int) - glyphs[j].astype(int)).max() > 100, (chars[i], chars[j])
    if word:
        joined = render_caption_frame(tmp_path, word, (480, 270), style, f"{script}-word")
        spaced = render_caption_frame(tmp_path, " ".join(word), (480, 270), style, f"{script}-spaced")
        assert (joined > 128).sum() > 0 and np.abs(joined.astype(int) - spaced.astype(int)).max() > 100
        width = [np.ptp(np.nonzero(img > 8)[1]) for img in (joined, spaced)]
        assert width[0] < width[1]  # shaped into one word: narrower than its letters spaced out


def _draw(tmp_path: Path, header: str, style: str, text: str, size: tuple[int, int], name: str) -> np.ndarray:
    """One ASS event (``style``, ``text``) alone on black, drawn by libass, as a grey-level array."""
    return draw_ass(tmp_path, f"{header}Dialogue: 0,0:00:00.00,0:00:01.00,{style},,0,0,0,,{text}\n", size, name)


@pytest.mark.parametrize(
    "text",
    [
        "Every morning he went out to fish, and every evening he came home.",
        "كان يا ما كان في قديم الزمان، صياد عجوز يعيش مع زوجته في كوخ صغير على شاطئ البحر.",
        "في عام 1969 هبطت أبولو 11 على سطح القمر، وعاد روادها الثلاثة بعد 8 أيام.",
        "Shalom: שלום עולם, said the sign in two scripts.",
        "बहुत समय पहले, समुद्र के किनारे एक छोटे से गाँव में एक बूढ़ा मछुआरा रहता था।",
        "很久很久以前，在海边的一个小村庄里，住着一位老渔夫和他的妻子。",
    ],
)
def test_the_word_highlight_lands_on_its_word_in_every_script(tmp_path: Path, text: str) -> None:
    """Word mode draws the cue, then the same text again with every glyph transparent but the current word's. The
    highlight is in place only if the second event lays its glyphs out exactly as the first: each word's pixels must
    fall on the cue's own glyphs. (With libass's VSFilter-compatible left-to-right base direction, right-to-left text
    split by override tags was reordered run by run, and the highlight landed on another word. A line mixing both
    directions still is, so such a cue gets no highlight.)"""
    size = (960, 540)
    opts = CaptionOptions("word")
    max_units = CaptionLayout.for_output(*size, opts.style).max_units
    cue = build_cues(text, 6.0, None, max_units)[0]
    events = segment_events([cue], opts, 12, 72)
    header = ass_header(opts, *size)
    plain = _draw(tmp_path, header, "Word", events[0][3], size, "plain")
    assert (plain > 64).sum() > 500
    highlights = [e[3] for e in events if e[2] == 1]
    if text.startswith("Shalom"):  # left-to-right and right-to-left words in one cue: shown whole, no highlight
        assert highlights == []
        return
    for k, highlight in enumerate(highlights):
        only_word = _draw(tmp_path, header, "Word", highlight, size, f"h{k}")
        drawn = only_word > 64
        # the word's pixels lie on the cue's glyphs (up to sub-pixel shifts: 0.90-1.0 measured; a word drawn
        # over another one covered about half background)
        assert drawn.sum() > 20 and (plain[drawn] > 64).mean() > 0.85, f"word {k} of {cue.lines}"


def test_emoji_have_real_glyphs(tmp_path: Path) -> None:
    """Emoji between words are drawn (Symbola's outlines; libass cannot draw colour emoji), each its own shape, not
    the one tofu box a font without them gives every character."""
    style = CaptionStyle(size=120, background="none")
    frames = [
        render_caption_frame(tmp_path, f"Go {e} go", (480, 270), style, f"emoji{i}") for i, e in enumerate("🚀🌙⭐")
    ]
    middles = [f[:, 200:280].astype(int) for f in frames]  # the emoji sits between the two words, mid-frame
    assert all((m > 128).sum() > 100 for m in middles)
    assert all(np.abs(a - b).max() > 100 for a, b in itertools.combinations(middles, 2))
