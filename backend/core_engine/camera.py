"""Camera control per image: the ``camera`` settings of a segment and the camera path they give one shot.

``camera`` = ``{"motion", "focus", "strength"}`` (DESIGN §4, issue 12 §3):

* ``motion``: ``auto`` (default) | ``zoom_in`` | ``zoom_out`` | ``pan_left`` | ``pan_right`` | ``pan_up`` |
  ``pan_down`` | ``still``.
* ``focus``: ``[x, y]`` in 0–1 image coordinates (0,0 = top-left) or ``None``.
* ``strength``: the tightest zoom factor, 1.0–2.0, or ``None`` for the project's ``zoom_intensity``
  (``GlobalSettings.zoom_intensity``).

The path of one shot is a function of (image size, output size, camera settings, zoom intensity, seed, faces) only
(:func:`plan_shot`); the shot's duration does not change it (frames sample it with the usual easing), so a segment
with several images gets one independent path per image. Geometry and coordinates are those of
:mod:`core_engine.ken_burns` (windows in source pixels, floats).

Motions:

* ``zoom_in`` / ``zoom_out``: an *anchored* zoom (:class:`AnchoredPath`) between the zoom-1 window and the
  zoom-``strength`` window, both centred as close to the focus (default: the image centre) as the image allows; the
  tight window is where a zoom in ends and a zoom out starts. The window scales about the fixed point of the two
  windows, so every window of the shot contains the tight one and lies inside the image.
* ``pan_*``: zoom ``strength`` throughout, the window travels from one edge of the image to the other along the
  named direction (the camera moves right for ``pan_right``); the other axis is centred on the focus (default: the
  middle). With ``strength`` 1.0 and an image of the output's shape there is nothing to travel: the shot is still.
* ``still``: no motion; zoom 1 centred, or zoom ``strength`` centred on the focus when one is set.
* ``auto`` with a focus point: as ``zoom_in``.
* ``auto`` without a focus point, face-aware: faces found by :mod:`core_engine.faces` (each box grown by
  :data:`FACE_MARGIN` of its size on every side) must stay inside every frame: the shot is an anchored zoom in from
  the zoom-1 window (as central as the faces allow) to a window as tight as ``strength`` and the faces allow,
  centred as close to the largest face as keeps every face inside. When the faces together do not fit one frame,
  the smallest are dropped until they do (the largest always stays). Without faces it is exactly the classic Ken
  Burns motion (:func:`core_engine.ken_burns.plan_camera` with :func:`~core_engine.ken_burns.motion_for` of the
  seed): deterministic per seed, long axis travelled for portraits and panoramas.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PIL import Image

from core_engine.faces import DETECTOR_VERSION, Face, cached_faces, faces_for_image
from core_engine.ken_burns import Box, CameraPath, motion_for, plan_camera

__all__ = [
    "FACE_MARGIN",
    "MAX_STRENGTH",
    "MOTIONS",
    "AnchoredPath",
    "CameraError",
    "CameraSettings",
    "camera_key_fields",
    "plan_shot",
    "shot_path_for_image",
]

#: The camera motions, ``auto`` first (the default).
MOTIONS = ("auto", "zoom_in", "zoom_out", "pan_left", "pan_right", "pan_up", "pan_down", "still")

#: Zoom strength range (the same as ``GlobalSettings.zoom_intensity``'s).
MIN_STRENGTH = 1.0
MAX_STRENGTH = 2.0

#: Each detected face box is grown by this fraction of its width/height on every side before it is kept in frame
#: (Haar boxes cut through the forehead and chin; hair and chin then stay visible too).
FACE_MARGIN = 0.15


class CameraError(ValueError):
    """Invalid camera settings; ``field`` names the offending key (``"camera.motion"``, ``"camera.focus"``,
    ``"camera.strength"`` or ``"camera"``) and ``str(err)`` says why, for the user."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class CameraSettings:
    """One image's camera: ``motion`` (one of :data:`MOTIONS`), ``focus`` ``(x, y)`` in 0–1 image coordinates or
    ``None``, ``strength`` (zoom factor 1.0–2.0) or ``None`` for the project's zoom intensity."""

    motion: str = "auto"
    focus: tuple[float, float] | None = None
    strength: float | None = None

    @classmethod
    def from_json(cls, data: Any) -> CameraSettings:
        """Parse and validate the JSON form (``None`` or ``{}`` → the defaults; missing keys → their defaults).

        Raises:
            CameraError: not an object, an unknown key, an unknown motion, a focus that is not two numbers in
                [0, 1], a strength that is not a number in [1.0, 2.0].
        """
        if data is None:
            return cls()
        if not isinstance(data, Mapping):
            raise CameraError("camera", 'Must be an object like {"motion": "zoom_in", "focus": [0.5, 0.4]}.')
        unknown = sorted(set(data) - {"motion", "focus", "strength"})
        if unknown:
            raise CameraError("camera", f"Unknown key(s) {', '.join(unknown)}; use motion, focus and strength.")
        motion = data.get("motion", "auto")
        if motion is None:
            motion = "auto"
        if motion not in MOTIONS:
            raise CameraError("camera.motion", f"Unknown motion {motion!r}; use one of {', '.join(MOTIONS)}.")
        focus = _parse_focus(data.get("focus"))
        strength = data.get("strength")
        if strength is not None:
            if isinstance(strength, bool) or not isinstance(strength, (int, float)) or not math.isfinite(strength):
                raise CameraError("camera.strength", "Must be a number (a zoom factor from 1.0 to 2.0) or null.")
            if not MIN_STRENGTH <= strength <= MAX_STRENGTH:
                raise CameraError(
                    "camera.strength", f"Must be from {MIN_STRENGTH} to {MAX_STRENGTH} (a zoom factor), not {strength}."
                )
            strength = float(strength)
        return cls(str(motion), focus, strength)

    def to_json(self) -> dict[str, Any]:
        """The JSON form: ``{"motion", "focus": [x, y] | None, "strength": float | None}``."""
        return {
            "motion": self.motion,
            "focus": list(self.focus) if self.focus is not None else None,
            "strength": self.strength,
        }


def _parse_focus(value: Any) -> tuple[float, float] | None:
    if value is None:
        return None
    ok = (
        isinstance(value, (list, tuple))
        and len(value) == 2
        and all(isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) for v in value)
    )
    if not ok:
        raise CameraError("camera.focus", "Must be [x, y] with two numbers from 0 to 1, or null.")
    x, y = float(value[0]), float(value[1])
    if not (0.0 <= x <= 1.0 and 0.0 <= y <= 1.0):
        raise CameraError(
            "camera.focus", f"Both coordinates must be from 0 to 1 (fractions of the image), not {value}."
        )
    return (x, y)


def camera_key_fields(camera: CameraSettings) -> dict[str, Any]:
    """What of ``camera`` decides the pixels, for a segment's cache key: its JSON form, plus the face detector's
    version when faces can steer the shot (``auto`` without a focus point)."""
    fields = camera.to_json()
    if camera.motion == "auto" and camera.focus is None:
        fields["faces"] = DETECTOR_VERSION
    return fields


# ------------------------------------------------------------------------------------------------------- geometry
@dataclass(frozen=True)
class AnchoredPath(CameraPath):
    """A zoom whose window scales about a fixed point: at zoom ``z`` the window is ``bw/z × bh/z`` with its
    top-left corner at ``anchor − anchor_frac·(w, h)``.

    Because every window is the tight one scaled up about the same point, each window of the shot contains the
    tightest window, and (the widest being inside the image) lies inside the image. ``start_uv``/``end_uv`` give the
    two end windows in slack coordinates, for information.

    Attributes:
        anchor: the fixed point ``(px, py)``, source pixels.
        anchor_frac: where the fixed point sits in every window, as fractions ``(fx, fy)`` of its width and height.
    """

    anchor: tuple[float, float] = (0.0, 0.0)
    anchor_frac: tuple[float, float] = (0.5, 0.5)

    def window_at(self, s: float) -> Box:
        """Crop window ``(x0, y0, x1, y1)`` at eased progress ``s``; zoom geometric in ``s`` as in the base class."""
        bw, bh = self.base_size
        z = self.zoom_start * (self.zoom_end / self.zoom_start) ** s
        w, h = bw / z, bh / z
        x0 = self.anchor[0] - self.anchor_frac[0] * w
        y0 = self.anchor[1] - self.anchor_frac[1] * h
        return (x0, y0, x0 + w, y0 + h)


def _clamp(v: float, lo: float, hi: float) -> float:
    return lo if v < lo else hi if v > hi else v


def _window(image_size: tuple[int, int], size: tuple[float, float], center: tuple[float, float]) -> Box:
    """A window of ``size`` centred as close to ``center`` as the image allows."""
    iw, ih = image_size
    w, h = size
    x0 = _clamp(center[0] - w / 2.0, 0.0, max(0.0, iw - w))
    y0 = _clamp(center[1] - h / 2.0, 0.0, max(0.0, ih - h))
    return (x0, y0, x0 + w, y0 + h)


def _uv(image_size: tuple[int, int], win: Box) -> tuple[float, float]:
    iw, ih = image_size
    w, h = win[2] - win[0], win[3] - win[1]
    u = 2.0 * win[0] / (iw - w) - 1.0 if iw - w > 1e-9 else 0.0
    v = 2.0 * win[1] / (ih - h) - 1.0 if ih - h > 1e-9 else 0.0
    return (u, v)


def _base(image_size: tuple[int, int], output_size: tuple[int, int]) -> tuple[float, float]:
    return CameraPath(image_size, output_size, "still", 1.0, 1.0, (0.0, 0.0), (0.0, 0.0)).base_size


def _axis_anchor(wide0: float, wide_w: float, tight0: float, tight_w: float) -> tuple[float, float]:
    """Fixed point and its fraction along one axis for scaling window ``[wide0, wide0+wide_w]`` onto
    ``[tight0, tight0+tight_w]``."""
    frac = (wide0 - tight0) / (tight_w - wide_w)
    return wide0 + frac * wide_w, frac


def _anchored(
    image_size: tuple[int, int], output_size: tuple[int, int], wide: Box, tight: Box, zoom: float, zoom_in: bool
) -> CameraPath:
    """The anchored zoom between window ``wide`` (zoom 1) and ``tight`` (zoom ``zoom``), in or out."""
    if zoom <= 1.0 + 1e-9:
        uv = _uv(image_size, wide)
        return CameraPath(image_size, output_size, "still", 1.0, 1.0, uv, uv)
    ax, fx = _axis_anchor(wide[0], wide[2] - wide[0], tight[0], tight[2] - tight[0])
    ay, fy = _axis_anchor(wide[1], wide[3] - wide[1], tight[1], tight[3] - tight[1])
    wide_uv, tight_uv = _uv(image_size, wide), _uv(image_size, tight)
    if zoom_in:
        return AnchoredPath(image_size, output_size, "anchored", 1.0, zoom, wide_uv, tight_uv, (ax, ay), (fx, fy))
    return AnchoredPath(image_size, output_size, "anchored", zoom, 1.0, tight_uv, wide_uv, (ax, ay), (fx, fy))


def _focus_zoom(
    image_size: tuple[int, int], output_size: tuple[int, int], focus_px: tuple[float, float], zoom: float, zoom_in: bool
) -> CameraPath:
    bw, bh = _base(image_size, output_size)
    tight = _window(image_size, (bw / zoom, bh / zoom), focus_px)
    wide = _window(image_size, (bw, bh), focus_px)
    return _anchored(image_size, output_size, wide, tight, zoom, zoom_in)


def _pan(
    image_size: tuple[int, int], output_size: tuple[int, int], motion: str, focus_px: tuple[float, float], zoom: float
) -> CameraPath:
    bw, bh = _base(image_size, output_size)
    cross = _uv(image_size, _window(image_size, (bw / zoom, bh / zoom), focus_px))
    if motion in ("pan_left", "pan_right"):
        a, b = (-1.0, 1.0) if motion == "pan_right" else (1.0, -1.0)
        start, end = (a, cross[1]), (b, cross[1])
    else:
        a, b = (-1.0, 1.0) if motion == "pan_down" else (1.0, -1.0)
        start, end = (cross[0], a), (cross[0], b)
    return CameraPath(image_size, output_size, "pan", zoom, zoom, start, end)


def _face_boxes(image_size: tuple[int, int], faces: Sequence[Face]) -> list[Box]:
    """Face boxes grown by :data:`FACE_MARGIN`, clipped to the image, largest face first."""
    iw, ih = image_size
    boxes = []
    for f in sorted(faces, key=lambda f: -f.area):
        mx, my = f.w * FACE_MARGIN, f.h * FACE_MARGIN
        boxes.append(
            (max(0.0, f.x - mx), max(0.0, f.y - my), min(float(iw), f.x + f.w + mx), min(float(ih), f.y + f.h + my))
        )
    return boxes


def _union(boxes: Sequence[Box]) -> Box:
    return (min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes), max(b[3] for b in boxes))


def _centre_range(lo_edge: float, hi_edge: float, w: float, length: float) -> tuple[float, float]:
    """Window centres (one axis) keeping ``[lo_edge, hi_edge]`` inside a window of width ``w`` inside
    ``[0, length]``."""
    lo = max(hi_edge - w / 2.0, w / 2.0)
    hi = min(lo_edge + w / 2.0, length - w / 2.0)
    return (lo, hi) if lo <= hi else ((lo + hi) / 2.0, (lo + hi) / 2.0)


def _face_zoom(
    image_size: tuple[int, int], output_size: tuple[int, int], faces: Sequence[Face], strength: float
) -> CameraPath:
    iw, ih = image_size
    bw, bh = _base(image_size, output_size)
    boxes = _face_boxes(image_size, faces)
    while len(boxes) > 1 and (
        _union(boxes)[2] - _union(boxes)[0] > bw or _union(boxes)[3] - _union(boxes)[1] > bh
    ):  # the faces together do not fit one frame: drop the smallest
        boxes.pop()
    ux0, uy0, ux1, uy1 = _union(boxes)
    zoom = max(1.0, min(strength, bw / max(ux1 - ux0, 1e-9), bh / max(uy1 - uy0, 1e-9)))
    w, h = bw / zoom, bh / zoom
    lead = boxes[0]
    lead_c = ((lead[0] + lead[2]) / 2.0, (lead[1] + lead[3]) / 2.0)
    cx = _clamp(lead_c[0], *_centre_range(ux0, ux1, w, iw))
    cy = _clamp(lead_c[1], *_centre_range(uy0, uy1, h, ih))
    tight = _window(image_size, (w, h), (cx, cy))
    # The zoom-1 window: as central as possible while containing the tight window.
    wcx = _clamp(iw / 2.0, *_centre_range(tight[0], tight[2], bw, iw))
    wcy = _clamp(ih / 2.0, *_centre_range(tight[1], tight[3], bh, ih))
    wide = _window(image_size, (bw, bh), (wcx, wcy))
    return _anchored(image_size, output_size, wide, tight, zoom, True)


def plan_shot(
    image_size: tuple[int, int],
    output_size: tuple[int, int],
    camera: CameraSettings,
    zoom_intensity: float,
    seed: str,
    faces: Sequence[Face] = (),
) -> CameraPath:
    """The camera path of one shot (see the module docstring for each motion).

    Args:
        image_size: ``(iw, ih)`` of the upright image, pixels.
        output_size: ``(W, H)`` of the video, pixels.
        camera: the image's camera settings.
        zoom_intensity: the project's zoom (≥ 1), used when ``camera.strength`` is ``None``.
        seed: decides the classic motion of ``auto`` without faces (the segment id, or an id per image).
        faces: detected faces (only ``auto`` without a focus point uses them).

    Raises:
        ValueError: a size is not positive or the zoom is below 1.
    """
    iw, ih = image_size
    if iw <= 0 or ih <= 0 or output_size[0] <= 0 or output_size[1] <= 0:
        raise ValueError(f"sizes must be positive (image {image_size}, output {output_size})")
    strength = camera.strength if camera.strength is not None else float(zoom_intensity)
    if not strength >= 1.0:
        raise ValueError(f"the zoom must be at least 1.0, not {strength}")
    motion = camera.motion
    focus_px = (camera.focus[0] * iw, camera.focus[1] * ih) if camera.focus is not None else (iw / 2.0, ih / 2.0)
    if motion == "auto" and camera.focus is not None:
        motion = "zoom_in"
    if motion == "auto":
        if faces:
            return _face_zoom(image_size, output_size, faces, strength)
        return plan_camera(image_size, output_size, strength, motion_for(seed))
    if motion in ("zoom_in", "zoom_out"):
        return _focus_zoom(image_size, output_size, focus_px, strength, motion == "zoom_in")
    if motion.startswith("pan_"):
        return _pan(image_size, output_size, motion, focus_px, strength)
    # still
    zoom = strength if camera.focus is not None else 1.0
    bw, bh = _base(image_size, output_size)
    uv = _uv(image_size, _window(image_size, (bw / zoom, bh / zoom), focus_px))
    return CameraPath(image_size, output_size, "still", zoom, zoom, uv, uv)


def shot_path_for_image(
    image: Image.Image,
    image_path: Path,
    output_size: tuple[int, int],
    camera: CameraSettings,
    zoom_intensity: float,
    seed: str,
) -> CameraPath:
    """:func:`plan_shot` for a loaded picture (upright RGB) read from ``image_path``: faces are detected (once per
    image content, see :func:`core_engine.faces.faces_for_image`) only when the motion is ``auto`` without a focus
    point.

    Raises:
        OSError: the file cannot be read for hashing.
    """
    faces: list[Face] = []
    if camera.motion == "auto" and camera.focus is None:
        from core_engine.render.cache import file_sha256

        faces = faces_for_image(image, file_sha256(image_path))
    return plan_shot(image.size, output_size, camera, zoom_intensity, seed, faces)


def shot_path_without_picture(
    image_size: tuple[int, int],
    image_path: Path,
    output_size: tuple[int, int],
    camera: CameraSettings,
    zoom_intensity: float,
    seed: str,
) -> CameraPath | None:
    """The path :func:`shot_path_for_image` gives the upright picture of ``image_size`` read from ``image_path``,
    planned before the picture is decoded: ``None`` when the motion needs faces that have not been detected yet
    (:func:`core_engine.faces.cached_faces`), which only the decoded picture can give.

    Raises:
        OSError: the file cannot be read for hashing.
    """
    faces: list[Face] = []
    if camera.motion == "auto" and camera.focus is None:
        from core_engine.render.cache import file_sha256

        found = cached_faces(file_sha256(image_path))
        if found is None:
            return None
        faces = found
    return plan_shot(image_size, output_size, camera, zoom_intensity, seed, faces)
