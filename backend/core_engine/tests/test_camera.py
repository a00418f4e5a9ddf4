"""Camera control per image (issue 12 §3): settings validation, motions, focus point, face-aware ``auto`` on real
photos with people, and the cached detection."""

from __future__ import annotations

import math
from itertools import pairwise
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw

from core_engine import faces as faces_mod
from core_engine.camera import (
    FACE_MARGIN,
    MOTIONS,
    CameraError,
    CameraSettings,
    camera_key_fields,
    plan_shot,
    shot_path_for_image,
)
from core_engine.faces import Face, faces_for_image
from core_engine.ken_burns import motion_for, plan_camera, prepare_working_image, render_frame
from core_engine.render.cache import file_sha256
from core_engine.render_utils import load_image_rgb

#: Output shapes of the format presets (16:9, 9:16, 1:1, 4:5).
OUTPUTS = [(1920, 1080), (1080, 1920), (1080, 1080), (1080, 1350)]
FRAMES = 60


def inside(
    box: tuple[float, float, float, float], window: tuple[float, float, float, float], tol: float = 1e-6
) -> bool:
    return (
        box[0] >= window[0] - tol
        and box[1] >= window[1] - tol
        and box[2] <= window[2] + tol
        and box[3] <= window[3] + tol
    )


def in_image(window: tuple[float, float, float, float], size: tuple[int, int], tol: float = 1e-6) -> bool:
    return inside(window, (0.0, 0.0, float(size[0]), float(size[1])), tol)


# -- settings -------------------------------------------------------------------------------------------------------
def test_defaults_and_round_trip() -> None:
    assert CameraSettings.from_json(None) == CameraSettings.from_json({}) == CameraSettings()
    cam = CameraSettings.from_json({"motion": "pan_left", "focus": [0.25, 1], "strength": 1.5})
    assert cam == CameraSettings("pan_left", (0.25, 1.0), 1.5)
    assert CameraSettings.from_json(cam.to_json()) == cam
    assert cam.to_json() == {"motion": "pan_left", "focus": [0.25, 1.0], "strength": 1.5}


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ("zoom_in", "camera"),
        ({"motion": "spin"}, "camera.motion"),
        ({"focus": [0.5]}, "camera.focus"),
        ({"focus": [0.5, 1.2]}, "camera.focus"),
        ({"focus": ["a", 0.5]}, "camera.focus"),
        ({"focus": [True, 0.5]}, "camera.focus"),
        ({"strength": 0.9}, "camera.strength"),
        ({"strength": 2.5}, "camera.strength"),
        ({"strength": "big"}, "camera.strength"),
        ({"speed": 2}, "camera"),
    ],
)
def test_invalid_settings_name_the_field(data: object, field: str) -> None:
    with pytest.raises(CameraError) as info:
        CameraSettings.from_json(data)
    assert info.value.field == field
    assert str(info.value)


def test_cache_key_fields_follow_the_settings() -> None:
    assert camera_key_fields(CameraSettings())["faces"] == faces_mod.DETECTOR_VERSION
    assert "faces" not in camera_key_fields(CameraSettings("zoom_in"))
    assert camera_key_fields(CameraSettings("zoom_in", (0.2, 0.3))) != camera_key_fields(CameraSettings("zoom_in"))


# -- motions --------------------------------------------------------------------------------------------------------
def test_auto_without_faces_is_the_classic_motion() -> None:
    for image_size in [(4000, 3000), (1451, 2000), (6144, 1753)]:
        for seed in ["a", "b", "segment-42"]:
            got = plan_shot(image_size, (1920, 1080), CameraSettings(), 1.3, seed)
            assert got == plan_camera(image_size, (1920, 1080), 1.3, motion_for(seed))


@pytest.mark.parametrize("motion", MOTIONS)
@pytest.mark.parametrize("output", OUTPUTS)
def test_every_window_lies_inside_the_image(motion: str, output: tuple[int, int]) -> None:
    for image_size in [(4032, 3024), (1451, 2000), (6144, 1753), (2000, 2000)]:
        for focus in [None, (0.0, 0.0), (0.7, 0.35), (1.0, 1.0)]:
            path = plan_shot(image_size, output, CameraSettings(motion, focus, 1.6), 1.3, "seed")
            for window in path.windows(FRAMES):
                assert in_image(window, image_size), (motion, image_size, focus, window)
                w, h = window[2] - window[0], window[3] - window[1]
                assert math.isclose(w / h, output[0] / output[1], rel_tol=1e-9)


@pytest.mark.parametrize("output", OUTPUTS)
@pytest.mark.parametrize("focus", [(0.5, 0.5), (0.42, 0.58), (0.6, 0.45), (0.35, 0.4)])
def test_zoom_in_ends_and_zoom_out_starts_centred_on_the_focus(output: tuple[int, int], focus: tuple[float, float]):
    image_size = (4032, 3024)
    fx, fy = focus[0] * image_size[0], focus[1] * image_size[1]
    zin = plan_shot(image_size, output, CameraSettings("zoom_in", focus, 1.8), 1.3, "s")
    zout = plan_shot(image_size, output, CameraSettings("zoom_out", focus, 1.8), 1.3, "s")
    for window in (zin.windows(FRAMES)[-1], zout.windows(FRAMES)[0]):
        scale = output[0] / (window[2] - window[0])  # output pixels per source pixel
        cx, cy = (window[0] + window[2]) / 2, (window[1] + window[3]) / 2
        assert math.hypot((cx - fx) * scale, (cy - fy) * scale) < 0.5, (window, focus)
        assert math.isclose((window[2] - window[0]) * 1.8, zin.base_size[0], rel_tol=1e-9)
    # zoom in: the window only shrinks, and always contains the final (tight) window
    windows = zin.windows(FRAMES)
    widths = [w[2] - w[0] for w in windows]
    assert all(a >= b - 1e-9 for a, b in pairwise(widths))
    assert all(inside(windows[-1], w) for w in windows)


def test_focus_near_a_corner_goes_as_close_as_the_frame_allows() -> None:
    image_size = (4032, 3024)
    path = plan_shot(image_size, (1920, 1080), CameraSettings("zoom_in", (0.02, 0.98), 1.5), 1.3, "s")
    last = path.windows(FRAMES)[-1]
    assert last[0] == pytest.approx(0.0, abs=1e-6) and last[3] == pytest.approx(image_size[1], abs=1e-6)


def test_focus_point_lands_at_the_centre_of_the_rendered_last_frame(tmp_path: Path) -> None:
    """A red dot drawn at the focus point of a real-size picture ends within 2 output pixels of frame centre."""
    image = Image.new("RGB", (2400, 1800), (40, 90, 140))
    focus = (0.62, 0.41)
    cx, cy = focus[0] * 2400, focus[1] * 1800
    ImageDraw.Draw(image).ellipse((cx - 12, cy - 12, cx + 12, cy + 12), fill=(255, 0, 0))
    output = (640, 360)
    path = plan_shot(image.size, output, CameraSettings("zoom_in", focus, 1.7), 1.3, "s")
    frame = np.asarray(render_frame(prepare_working_image(image, path), path.windows(30)[-1], output)).astype(int)
    red = (frame[..., 0] > 180) & (frame[..., 1] < 80) & (frame[..., 2] < 80)
    ys, xs = np.nonzero(red)
    assert len(xs) > 20
    assert math.hypot(xs.mean() + 0.5 - output[0] / 2, ys.mean() + 0.5 - output[1] / 2) < 2.0


@pytest.mark.parametrize(
    ("motion", "axis", "sign"),
    [("pan_right", 0, 1), ("pan_left", 0, -1), ("pan_down", 1, 1), ("pan_up", 1, -1)],
)
def test_pans_travel_edge_to_edge(motion: str, axis: int, sign: int) -> None:
    image_size = (4032, 3024)
    path = plan_shot(image_size, (1920, 1080), CameraSettings(motion), 1.3, "s")
    windows = path.windows(FRAMES)
    starts = [w[axis] for w in windows]
    assert all(sign * (b - a) >= -1e-9 for a, b in pairwise(starts))
    limit = image_size[axis] - (windows[0][axis + 2] - windows[0][axis])
    ends = (starts[0], starts[-1]) if sign > 0 else (starts[-1], starts[0])
    assert ends == (pytest.approx(0.0, abs=1e-6), pytest.approx(limit, abs=1e-6))
    assert path.zoom_start == path.zoom_end == 1.3


def test_still_does_not_move() -> None:
    for cam in [CameraSettings("still"), CameraSettings("still", (0.3, 0.3), 1.5)]:
        windows = plan_shot((4032, 3024), (1920, 1080), cam, 1.3, "s").windows(FRAMES)
        assert all(w == windows[0] for w in windows)


# -- faces ----------------------------------------------------------------------------------------------------------
def test_synthetic_faces_stay_in_every_frame() -> None:
    """Faces anywhere, of any size, with every output shape: each (grown) face box is in every window."""
    image_size = (3000, 2000)
    cases = [
        [Face(2700, 100, 200, 200)],
        [Face(100, 1600, 300, 300), Face(2500, 200, 150, 150)],
        [Face(1400, 900, 120, 120), Face(1700, 950, 100, 100), Face(1100, 1000, 90, 90)],
    ]
    for faces in cases:
        for output in OUTPUTS:
            path = plan_shot(image_size, output, CameraSettings(), 1.3, "s", faces)
            windows = path.windows(FRAMES)
            kept = [f for f in faces if all(inside((f.x, f.y, f.x + f.w, f.y + f.h), w) for w in windows)]
            assert faces[0] in kept, (faces, output)  # the largest always stays
            bw, bh = path.base_size
            union = (min(f.x for f in faces), min(f.y for f in faces), max(f.x + f.w for f in faces),
                     max(f.y + f.h for f in faces))  # fmt: skip
            if (union[2] - union[0]) * (1 + 2 * FACE_MARGIN) <= bw and (union[3] - union[1]) * (
                1 + 2 * FACE_MARGIN
            ) <= bh:
                assert kept == faces, (faces, output)
            assert all(in_image(w, image_size) for w in windows)
            assert path.zoom_end >= path.zoom_start  # zooms toward the largest


@pytest.mark.parametrize(
    "name",
    [
        "photo_04_people_party_charades_2240x1680.jpg",
        "more/photo_09_historical_portrait_douglass_grayscale_2089x3000.jpg",
    ],
)
def test_real_faces_stay_inside_every_frame(corpus: Path, tmp_path: Path, monkeypatch, name: str) -> None:
    monkeypatch.setenv("STORYREEL_FACE_CACHE", str(tmp_path / "faces"))
    image_path = corpus / name
    image = load_image_rgb(image_path)
    found = faces_for_image(image, file_sha256(image_path))
    assert found, f"no face found in {name}"
    for output in OUTPUTS:
        path = shot_path_for_image(image, image_path, output, CameraSettings(), 1.3, "segment-1")
        assert path.mode == "anchored"
        for k, window in enumerate(path.windows(FRAMES)):
            for face in found:
                assert inside((face.x, face.y, face.x + face.w, face.y + face.h), window), (output, k, face, window)
        # the shot ends closer to the largest face than it starts
        lead = found[0].center
        first, last = path.windows(FRAMES)[0], path.windows(FRAMES)[-1]

        def dist(w: tuple[float, float, float, float], c: tuple[float, float] = lead) -> float:
            return math.hypot((w[0] + w[2]) / 2 - c[0], (w[1] + w[3]) / 2 - c[1])

        assert dist(last) <= dist(first) + 1e-6


def test_detection_runs_once_per_image_and_is_cached_on_disk(tmp_path: Path, monkeypatch) -> None:
    calls: list[int] = []
    real = faces_mod.detect_faces

    def counting(image: Image.Image) -> list[Face]:
        calls.append(1)
        return real(image)

    monkeypatch.setattr(faces_mod, "detect_faces", counting)
    faces_mod._MEMO.clear()
    image = Image.new("RGB", (300, 200), (120, 120, 120))
    cache = tmp_path / "faces"
    assert faces_for_image(image, "ab" * 32, cache) == []
    assert faces_for_image(image, "ab" * 32, cache) == []
    assert len(calls) == 1 and (cache / f"{'ab' * 32}.json").is_file()
    faces_mod._MEMO.clear()  # a new process: the file answers
    assert faces_for_image(image, "ab" * 32, cache) == []
    assert len(calls) == 1
