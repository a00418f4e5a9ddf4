"""Camera paths and frames of the Ken Burns effect (no encoding; fast)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from PIL import Image

from core_engine import ken_burns as kb

OUT = (320, 180)
IDS = [f"segment-{i}" for i in range(40)]
SHAPES = {
    "landscape 16:9": (3840, 2160),
    "photo 4:3": (4032, 3024),
    "photo 3:2": (4272, 2848),
    "square": (2000, 2000),
    "portrait": (1451, 2000),
    "tall portrait": (1280, 1920),
    "panorama 3.5:1": (6144, 1753),
    "tiny": (100, 80),
}


def test_ease_in_out_is_smoothstep_monotone_and_flat_at_the_ends() -> None:
    ps = np.linspace(0.0, 1.0, 1001)
    s = np.array([kb.ease_in_out(p) for p in ps])
    assert s[0] == 0.0 and s[-1] == 1.0
    assert np.all(np.diff(s) >= 0.0)
    np.testing.assert_allclose(s, 3 * ps**2 - 2 * ps**3, atol=1e-12)
    np.testing.assert_allclose(s + s[::-1], 1.0, atol=1e-12)  # symmetric: ease in = ease out
    assert kb.ease_in_out(0.001) < 1e-5 and 1 - kb.ease_in_out(0.999) < 1e-5  # zero velocity at both ends
    assert kb.ease_in_out(-3.0) == 0.0 and kb.ease_in_out(7.0) == 1.0


@pytest.mark.parametrize("shape", list(SHAPES), ids=list(SHAPES))
@pytest.mark.parametrize("out", [(320, 180), (1920, 1080), (1080, 1920)], ids=["320x180", "1080p", "vertical"])
@pytest.mark.parametrize("zoom", [1.0, 1.3, 2.0])
def test_windows_stay_inside_the_image_with_the_output_aspect(shape: str, out: tuple[int, int], zoom: float) -> None:
    iw, ih = SHAPES[shape]
    for seg_id in IDS[:12]:
        path = kb.plan_camera((iw, ih), out, zoom, kb.motion_for(seg_id))
        bw, _ = path.base_size
        for x0, y0, x1, y1 in path.windows(25):
            assert -1e-9 <= x0 < x1 <= iw + 1e-9
            assert -1e-9 <= y0 < y1 <= ih + 1e-9
            assert (x1 - x0) / (y1 - y0) == pytest.approx(out[0] / out[1], rel=1e-9)
            z = bw / (x1 - x0)
            assert 1.0 - 1e-9 <= z <= zoom + 1e-9


def test_zoom_motion_spans_the_whole_zoom_range_and_positions_are_sub_pixel() -> None:
    path = kb.plan_camera((4272, 2848), (1920, 1080), 1.3, kb.motion_for("abc"))
    assert path.mode == "zoom"
    assert {path.zoom_start, path.zoom_end} == {1.0, 1.3}
    windows = path.windows(90)
    coords = np.array(windows).ravel()
    fractional = np.abs(coords - np.round(coords)) > 1e-3
    assert fractional.mean() > 0.5  # never snapped to whole pixels
    widths = np.array([w[2] - w[0] for w in windows])
    # Zoom changes monotonically (eased), in one direction.
    steps = np.diff(widths)
    assert np.all(steps <= 1e-9) or np.all(steps >= -1e-9)


def test_motion_is_deterministic_per_segment_id() -> None:
    a1, a2 = kb.motion_for("7c1e-segment"), kb.motion_for("7c1e-segment")
    assert a1 == a2
    p1 = kb.plan_camera((3000, 2000), OUT, 1.3, a1)
    p2 = kb.plan_camera((3000, 2000), OUT, 1.3, a2)
    assert p1.windows(30) == p2.windows(30)


def test_different_ids_give_different_motions() -> None:
    motions = [kb.motion_for(i) for i in IDS]
    assert len({(m.angle, m.amplitude) for m in motions}) == len(IDS)
    assert {m.zoom_in for m in motions} == {True, False}
    assert {m.reverse for m in motions} == {True, False}
    paths = {tuple(kb.plan_camera((3000, 2000), OUT, 1.3, m).windows(5)) for m in motions}
    assert len(paths) == len(IDS)
    angles = np.array([m.angle for m in motions])
    assert angles.min() >= 0.0 and angles.max() < 2 * math.pi
    assert np.ptp(angles) > math.pi  # spread over the circle, not clustered


@pytest.mark.parametrize("size", [(1451, 2000), (1280, 1920), (2000, 2000)], ids=["portrait", "tall", "square"])
def test_tall_images_travel_vertically_showing_the_whole_picture(size: tuple[int, int]) -> None:
    iw, ih = size
    for seg_id in IDS[:6]:
        path = kb.plan_camera(size, (1920, 1080), 1.3, kb.motion_for(seg_id))
        assert path.mode == "travel"
        windows = path.windows(40)
        for x0, _, x1, _ in windows:
            assert x0 == pytest.approx(0.0, abs=1e-9) and x1 == pytest.approx(iw)  # full width, no zoom
        tops = [w[1] for w in windows]
        assert {round(tops[0], 6), round(tops[-1], 6)} == {0.0, round(ih - (windows[0][3] - windows[0][1]), 6)}
        assert min(w[1] for w in windows) == pytest.approx(0.0, abs=1e-9)
        assert max(w[3] for w in windows) == pytest.approx(ih)  # every row of the picture is shown
        assert np.all(np.diff(tops) >= -1e-9) or np.all(np.diff(tops) <= 1e-9)  # one way, no back and forth


def test_panorama_travels_horizontally_showing_the_whole_picture() -> None:
    iw, ih = 6144, 1753
    seen_directions = set()
    for seg_id in IDS[:10]:
        path = kb.plan_camera((iw, ih), (1920, 1080), 1.3, kb.motion_for(seg_id))
        assert path.mode == "travel"
        windows = path.windows(60)
        for _, y0, _, y1 in windows:
            assert y0 == pytest.approx(0.0, abs=1e-9) and y1 == pytest.approx(ih)
        assert min(w[0] for w in windows) == pytest.approx(0.0, abs=1e-9)
        assert max(w[2] for w in windows) == pytest.approx(iw)
        seen_directions.add(windows[-1][0] > windows[0][0])
    assert seen_directions == {True, False}  # both left→right and right→left occur


def test_moderately_different_aspects_still_zoom() -> None:
    for size in [(4032, 3024), (4272, 2848), (3840, 2160)]:
        assert kb.plan_camera(size, (1920, 1080), 1.3, kb.motion_for("x")).mode == "zoom"


def test_working_image_is_just_big_enough() -> None:
    img = Image.new("RGB", (4272, 2848), (10, 20, 30))
    path = kb.plan_camera(img.size, OUT, 1.3, kb.motion_for("w"))
    working = kb.prepare_working_image(img, path)
    tightest = path.base_size[0] / path.max_zoom * working.sx  # working pixels across the tightest window
    assert OUT[0] <= tightest <= OUT[0] * 1.05
    # A small source is kept as is (frames upscale it).
    small = Image.new("RGB", (200, 150))
    path_small = kb.plan_camera(small.size, (1920, 1080), 1.3, kb.motion_for("w"))
    kept = kb.prepare_working_image(small, path_small)
    assert kept.image is small and kept.sx == kept.sy == 1.0


def _ramp_panorama(width: int, height: int) -> Image.Image:
    """Horizontal brightness ramp: a frame's mean brightness is then linear in the window's x position."""
    row = np.linspace(20, 235, width, dtype=np.float64)
    arr = np.repeat(row[None, :], height, axis=0)
    return Image.fromarray(np.dstack([arr, arr, arr]).round().astype(np.uint8))


def test_straight_pan_moves_evenly_frame_to_frame() -> None:
    """A travel (straight horizontal pan at constant zoom) is measured on the rendered pixels: on a ramp image a
    frame's mean brightness is proportional to the window's position, so whole-pixel snapping would show as
    uneven steps. Mid-segment (where smoothstep's speed is nearly constant) the steps must be even."""
    img = _ramp_panorama(560, 200)  # 2.8:1 → travel of 204 px; mid-segment ~0.5 px per frame over 600 frames
    path = kb.plan_camera(img.size, OUT, 1.3, kb.motion_for("pan"))
    assert path.mode == "travel"
    working = kb.prepare_working_image(img, path)
    n = 600
    means = np.array([np.asarray(f, dtype=np.float64)[..., 1].mean() for f in kb.iter_frames(working, path, n)])
    steps = np.diff(means)[n // 3 : 2 * n // 3]
    assert np.all(np.sign(steps) == np.sign(steps.mean()))  # always forwards
    assert np.std(steps) / abs(np.mean(steps)) < 0.1
    # The same measure on the window positions rounded to whole pixels is far worse (what the test guards).
    xs = np.array([w[0] for w in path.windows(n)])
    snapped = np.diff(np.round(xs))[n // 3 : 2 * n // 3]
    assert np.std(snapped) / abs(np.mean(snapped)) > 0.3
    # The eased speed profile: slow at both ends, fastest in the middle.
    all_steps = np.abs(np.diff(means))
    assert all_steps[:10].mean() < all_steps[n // 2 - 5 : n // 2 + 5].mean() / 4
    assert all_steps[-10:].mean() < all_steps[n // 2 - 5 : n // 2 + 5].mean() / 4


def test_yuv_frames_match_the_rgb_frames_in_bt709() -> None:
    rng = np.random.default_rng(3)
    arr = rng.integers(0, 256, (15, 20, 3), dtype=np.uint8)  # smooth colour fields once upscaled
    img = Image.fromarray(arr).resize((640, 480), Image.Resampling.BICUBIC)
    path = kb.plan_camera(img.size, OUT, 1.3, kb.motion_for("yuv"))
    working = kb.prepare_working_image(img, path)
    planes = kb.to_yuv_planes(working)
    window = path.window_at(0.37)
    y, cb, cr = kb.render_yuv_frame(planes, window, OUT)
    assert (y.shape, cb.shape, cr.shape) == ((180, 320), (90, 160), (90, 160))
    assert all(p.dtype == np.uint8 and p.flags.c_contiguous for p in (y, cb, cr))  # written to ffmpeg as is
    rgb = np.asarray(kb.render_frame(working, window, OUT), dtype=np.float64) / 255.0
    expect_y = 16 + 219 * (0.2126 * rgb[..., 0] + 0.7152 * rgb[..., 1] + 0.0722 * rgb[..., 2])
    got_y = np.frombuffer(y, np.uint8).reshape(180, 320).astype(np.float64)
    assert np.abs(got_y - expect_y).mean() < 0.75
    ey = (expect_y - 16) / 219
    expect_cr = 128 + 224 * (rgb[..., 0] - ey) / 1.5748
    expect_cr = expect_cr.reshape(90, 2, 160, 2).mean(axis=(1, 3))
    got_cr = np.frombuffer(cr, np.uint8).reshape(90, 160).astype(np.float64)
    assert np.abs(got_cr - expect_cr).mean() < 1.0


def test_solid_colours_convert_exactly() -> None:
    for rgb, yuv in [((255, 0, 0), (63, 102, 240)), ((0, 255, 0), (173, 42, 26)), ((0, 0, 255), (32, 240, 118)),
                     ((255, 255, 255), (235, 128, 128)), ((0, 0, 0), (16, 128, 128))]:  # fmt: skip
        img = Image.new("RGB", (64, 36), rgb)
        path = kb.plan_camera(img.size, (32, 18), 1.3, kb.motion_for("c"))
        planes = kb.to_yuv_planes(kb.prepare_working_image(img, path))
        y, cb, cr = kb.render_yuv_frame(planes, path.window_at(0.5), (32, 18))
        assert (y.flat[50], cb.flat[20], cr.flat[20]) == yuv


def test_yuv_frames_are_placed_like_pillows_box_resize() -> None:
    # The OpenCV warp samples the same sub-pixel grid as Pillow's resize(box=...): on a detailed image the two
    # differ only by the interpolation kernel (a few levels), never by a shift.
    rng = np.random.default_rng(5)
    arr = rng.integers(0, 256, (90, 160, 3), dtype=np.uint8)
    img = Image.fromarray(arr).resize((1280, 720), Image.Resampling.BICUBIC)
    path = kb.plan_camera(img.size, OUT, 1.3, kb.motion_for("placement"))
    planes = kb.prepare_yuv_planes(img, path)
    for s in (0.0, 0.41, 1.0):
        window = path.window_at(s)
        y, _, _ = kb.render_yuv_frame(planes, window, OUT)
        box = tuple(c * f for c, f in zip(window, (planes.sx, planes.sy, planes.sx, planes.sy), strict=True))
        ref = np.asarray(planes.y.resize(OUT, Image.Resampling.BILINEAR, box=box), dtype=np.float64)
        assert np.abs(y.astype(np.float64) - ref).mean() < 3.0
        shifted = np.abs(y[:, 1:].astype(np.float64) - ref[:, :-1]).mean()
        assert shifted > 3 * np.abs(y.astype(np.float64) - ref).mean()


def test_invalid_arguments_are_rejected() -> None:
    with pytest.raises(ValueError):
        kb.plan_camera((0, 10), OUT, 1.3, kb.motion_for("a"))
    with pytest.raises(ValueError):
        kb.plan_camera((10, 10), OUT, 0.9, kb.motion_for("a"))


def test_banded_preparation_matches_the_whole_image_path() -> None:
    rng = np.random.default_rng(5)
    img = Image.fromarray(rng.integers(0, 256, (30, 40, 3), dtype=np.uint8)).resize((1600, 1200))
    path = kb.plan_camera(img.size, (640, 360), 1.3, kb.motion_for("bands"))
    direct = kb.prepare_yuv_planes(img, path)
    two_step = kb.to_yuv_planes(kb.prepare_working_image(img, path))
    assert (direct.sx, direct.sy) == (two_step.sx, two_step.sy) and direct.sx < 1.0
    for a, b in zip((direct.y, direct.cb, direct.cr), (two_step.y, two_step.cb, two_step.cr), strict=True):
        assert a.size == b.size
        assert np.abs(np.asarray(a, dtype=int) - np.asarray(b, dtype=int)).max() <= 1
    whole = np.asarray(img.resize(direct.y.size, Image.Resampling.LANCZOS), dtype=int)
    banded = np.asarray(kb.prepare_working_image(img, path).image, dtype=int)
    assert np.abs(whole - banded).max() <= 1  # bands put every filter centre where one whole resize does
