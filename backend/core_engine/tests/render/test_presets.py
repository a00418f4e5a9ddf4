"""Format and quality presets and the quick preview's draft settings (issue 12 §4–5): real renders of a corpus photo,
checked from the files (size, fps, codec, the rate control x264 wrote into the stream) and compared by size."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import pytest

from core_engine.presets import (
    FORMAT_PRESETS,
    PREVIEW_ENCODER,
    QUALITY_PRESETS,
    format_errors,
    preview_settings,
    quality_encoder,
)
from core_engine.render.keys import segment_cache_key
from core_engine.render.pipeline import render_plan
from core_engine.render.plan import PlanSegment, RenderPlan, RenderSettings
from core_engine.render_utils import probe_video

from .helpers import make_tone

SECONDS = 2.0


def x264_options(path: Path) -> str:
    """The settings x264 records in its SEI message at the start of the stream."""
    data = path.read_bytes()
    match = re.search(rb"x264 - core \d+.*?options: ([^\x00]*)", data)
    assert match, "no x264 settings in the stream"
    return match.group(1).decode("ascii", "replace")


def test_format_errors() -> None:
    for preset in FORMAT_PRESETS:
        for fps in (24, 25, 30, 60):
            assert format_errors(preset.width, preset.height, fps) == {}
    assert set(format_errors(1921, 1080, 30)) == {"resolution_width"}
    assert set(format_errors(1920, 1079, 30)) == {"resolution_height"}
    assert set(format_errors(1920, 1080, 29)) == {"framerate"}
    assert "too wide" in format_errors(3840, 1000, 30)["resolution_width"]
    assert "too tall" in format_errors(400, 1800, 30)["resolution_width"]


def test_preview_settings_keep_the_shape_at_480p() -> None:
    for w, h, expect in [(1920, 1080, (854, 480)), (1080, 1920, (480, 854)), (1080, 1350, (480, 600)),
                         (1080, 1080, (480, 480)), (320, 180, (320, 180))]:  # fmt: skip
        draft = preview_settings(RenderSettings(w, h, 30, 1.4, quality_encoder("high")))
        assert (draft.width, draft.height) == expect
        assert draft.fps == 15 and draft.zoom_intensity == 1.4
        assert draft.encoder.preset == PREVIEW_ENCODER.preset == "ultrafast"
    assert preview_settings(RenderSettings(640, 360, 12)).fps == 12


def test_quality_is_part_of_the_segment_key(tmp_path: Path) -> None:
    image = tmp_path / "a.png"
    image.write_bytes(b"x")
    seg = PlanSegment("s", image, tmp_path / "a.wav", 1.0)
    keys = {segment_cache_key(seg, 12, RenderSettings(320, 180, 12, encoder=enc)) for enc in QUALITY_PRESETS.values()}
    assert len(keys) == len(QUALITY_PRESETS)
    with pytest.raises(ValueError, match="unknown quality"):
        quality_encoder("ultra")


def test_each_quality_preset_encodes_as_documented(corpus: Path, tmp_path: Path) -> None:
    """640×360 at 24 fps, 2 s of a detailed photo: every preset gives H.264 yuv420p of the right size and rate, with
    its own rate control; Small is well under Standard, High above it."""
    audio = tmp_path / "tone.wav"
    duration = make_tone(audio, SECONDS)
    seg = PlanSegment("s", corpus / "photo_02_city_street_bus_iphone_4032x3024.jpg", audio, duration)
    sizes = {}
    for name, encoder in QUALITY_PRESETS.items():
        out = tmp_path / f"{name}.mp4"
        render_plan(RenderPlan((seg,), RenderSettings(640, 360, 24, encoder=encoder)), out)
        info = probe_video(out)
        assert (info.width, info.height, round(info.fps), info.frame_count) == (640, 360, 24, round(SECONDS * 24))
        assert (info.video_codec, info.pixel_format, info.audio_codec) == ("h264", "yuv420p", "aac")
        options = x264_options(out)
        if encoder.crf is not None:
            assert re.search(rf"rc=crf .*crf={encoder.crf}\.0", options), options
        else:
            assert "rc=abr" in options and f"bitrate={int(encoder.bitrate.rstrip('k'))}" in options, options
        if encoder.maxrate:
            assert f"vbv_maxrate={int(encoder.maxrate.rstrip('k'))}" in options, options
        sizes[name] = out.stat().st_size
    print("preset sizes (bytes):", sizes)
    assert sizes["small"] < 0.5 * sizes["standard"]


def test_preview_draft_renders_at_its_settings(tmp_path: Path, corpus: Path) -> None:
    audio = tmp_path / "tone.wav"
    duration = make_tone(audio, 1.6)
    seg = PlanSegment("s", corpus / "photo_04_people_party_charades_2240x1680.jpg", audio, duration)
    draft = preview_settings(RenderSettings(1080, 1920, 30))
    out = tmp_path / "preview.mp4"
    render_plan(RenderPlan((seg,), replace(draft)), out)
    info = probe_video(out)
    assert (info.width, info.height, round(info.fps), info.frame_count) == (480, 854, 15, 24)
    assert "rc=crf" in x264_options(out) and "cabac=0" in x264_options(out)  # ultrafast turns CABAC off


@pytest.mark.parametrize(
    "photo",
    [
        "photo_13_kitten_exif_orientation6_2028x1373.jpg",  # stored sideways (EXIF orientation 6)
        "photo_14_city_cmyk_1922x1500.jpg",  # CMYK JPEG
        "photo_02_city_street_bus_iphone_4032x3024.jpg",  # large enough for a 1/2 DCT-scale decode
    ],
)
def test_draft_shot_has_the_full_renders_camera_path_and_picture(corpus: Path, photo: str) -> None:
    """The quick preview's cheaper picture path (reduced JPEG decode, bilinear prescale) plans the same camera path
    as the full render at the same size, upright, and its working planes differ by only a few levels."""
    import numpy as np

    from core_engine.render.frames import prepare_shot
    from core_engine.render.shots import Shot

    matches = list(corpus.rglob(photo))
    if not matches:
        pytest.skip(f"{photo} is not in the corpus")
    shot = Shot(0, 0, matches[0], "seg-draft", 0, 12)
    draft = preview_settings(RenderSettings(1920, 1080, 30))
    fast = prepare_shot(shot, draft)
    full = prepare_shot(shot, replace(draft, draft=False))
    assert fast.path == full.path
    assert fast.planes.y.size == full.planes.y.size
    for plane in range(3):  # Y, Cb, Cr of a middle frame: PSNR against the full render's, dB
        a, b = fast.frame(6)[plane].astype(np.float64), full.frame(6)[plane].astype(np.float64)
        psnr = 10 * np.log10(255.0**2 / max(float(np.mean((a - b) ** 2)), 1e-9))
        print(photo, plane, f"{psnr:.1f} dB")
        assert psnr > 30.0, (plane, psnr)
