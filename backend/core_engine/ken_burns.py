"""Ken Burns camera paths and frame generation.

A segment's picture is shown through a moving *crop window* (the "camera"): a rectangle with the output's aspect
ratio, placed over the source image with sub-pixel precision and resampled to the output size for every frame.

Geometry (all in source-image pixels, floats; origin at the top-left corner of the upright image):

* The *base window* is the largest output-shaped rectangle that fits in the image ("cover" fit): for an image of
  ``iw × ih`` and an output of aspect ``A = W / H`` it is ``ih·A × ih`` when the image is wider than ``A``, else
  ``iw × iw/A``.
* At zoom ``z ≥ 1`` the window is the base window divided by ``z``.
* Its position is given in normalised *slack* coordinates ``(u, v) ∈ [-1, 1]²``: ``u = -1`` puts the window against
  the left edge, ``u = +1`` against the right edge (likewise ``v`` top/bottom), so every ``|u|, |v| ≤ 1`` keeps the
  window inside the image.

Two kinds of motion:

* ``"zoom"`` (image aspect close to the output's): the zoom goes ``1 → zoom_intensity`` or back, interpolated
  geometrically (constant perceived zoom speed), while the window drifts from ``-d`` to ``+d`` in slack
  coordinates along a direction ``d`` chosen from the segment id.
* ``"travel"`` (aspect differs by more than :data:`TRAVEL_ASPECT_RATIO`, e.g. a portrait photo in a 16:9 video or a
  3.5:1 panorama): zoom stays 1 so the whole short axis is visible, and the window travels from one end of the long
  axis to the other, so the whole picture is seen. The direction (left→right or right→left, top→bottom or
  bottom→top) comes from the segment id.

Both are eased with *smoothstep* ``s(p) = 3p² − 2p³`` (the cubic Hermite ease with zero velocity at both ends).

The motion of a segment is derived only from a SHA-256 of its id (:func:`motion_for`), so a re-render reproduces
exactly the same frames.

Frames. The source is pre-scaled once per segment (Lanczos, in bands to bound memory) to a *working* size just big
enough for the tightest window (about output × zoom × 1.02), then every frame is one bilinear resample of the
float crop window — never rounded to whole pixels (Pillow ``resize(box=...)`` for RGB frames, OpenCV
``warpAffine`` on the same sampling grid for the encoder's Y'CbCr planes). Two outputs: RGB ``PIL.Image`` frames
(:func:`prepare_working_image`, :func:`render_frame`, :func:`iter_frames`) and, for the encoder, yuv420p planes in
BT.709 limited range (:func:`prepare_yuv_planes`, :func:`render_yuv_frame`, :func:`iter_yuv_frames`): the colour
conversion is done once per segment on the working image and each frame resamples a luma and two quarter-size
chroma planes, half the work of an RGB frame, with nothing left for ffmpeg to convert.
"""

from __future__ import annotations

import hashlib
import logging
import math
from collections.abc import Iterator
from dataclasses import dataclass, field

import cv2
import numpy as np
import numpy.typing as npt
from PIL import Image

logger = logging.getLogger(__name__)

#: An image whose aspect ratio differs from the output's by more than this factor (either way) is shown with a
#: "travel" motion along its long axis instead of a zoom. 1.4 keeps 4:3 and 3:2 photos in a 16:9 video on the zoom
#: motion, and sends squares, portraits and panoramas travelling.
TRAVEL_ASPECT_RATIO = 1.4

#: The working copy of a source image is pre-scaled so that, at the tightest zoom of the path, one output pixel
#: covers at least this many working pixels (> 1 keeps the per-frame resample a slight downscale, so the bilinear
#: filter stays antialiased and no detail is lost at full zoom).
WORKING_MARGIN = 1.02

#: Resampling filter for every frame (a triangle filter: continuous in the sub-pixel offset, so motion is smooth;
#: Pillow's BOX filter is *not*, it samples the box at pixel centres).
FRAME_RESAMPLE = Image.Resampling.BILINEAR

Box = tuple[float, float, float, float]

#: One 8-bit image plane, shape ``(rows, columns)``.
Plane = npt.NDArray[np.uint8]


def ease_in_out(p: float) -> float:
    """Smoothstep easing ``3p² − 2p³`` of a progress ``p`` clamped to [0, 1].

    Monotone non-decreasing, ``s(0) = 0``, ``s(1) = 1``, zero slope at both ends (cubic Hermite interpolation
    between a standstill and a standstill).
    """
    p = 0.0 if p <= 0.0 else 1.0 if p >= 1.0 else p
    return p * p * (3.0 - 2.0 * p)


@dataclass(frozen=True)
class MotionChoice:
    """The per-segment choices derived from the segment id; independent of image and output size.

    Attributes:
        zoom_in: True: zoom ``1 → zoom_intensity``; False: the reverse.
        angle: pan direction of the zoom motion, radians in ``[0, 2π)`` (0 = towards the right, π/2 = down).
        amplitude: how far the zoom motion drifts, as a fraction (0.6–1.0) of the available slack.
        reverse: travel motion goes right→left / bottom→top instead of left→right / top→bottom.
    """

    zoom_in: bool
    angle: float
    amplitude: float
    reverse: bool


def motion_for(segment_id: str) -> MotionChoice:
    """Derive the motion of a segment from a SHA-256 of its id (deterministic, uniformly spread).

    Different ids give different motions (the angle and amplitude are continuous, taken from 32 and 16 bits of
    the digest).
    """
    digest = hashlib.sha256(f"storyreel-ken-burns:{segment_id}".encode()).digest()
    angle = int.from_bytes(digest[1:5], "big") / 2**32 * 2.0 * math.pi
    amplitude = 0.6 + 0.4 * int.from_bytes(digest[5:7], "big") / 65535.0
    return MotionChoice(
        zoom_in=bool(digest[0] & 1), angle=round(angle, 12), amplitude=round(amplitude, 12), reverse=bool(digest[7] & 1)
    )


@dataclass(frozen=True)
class CameraPath:
    """Where the crop window is, as a function of eased progress, for one image and one output size.

    Attributes:
        image_size: ``(iw, ih)`` of the upright source image, pixels.
        output_size: ``(W, H)`` of the video, pixels.
        mode: ``"zoom"`` or ``"travel"`` (see the module docstring).
        zoom_start, zoom_end: zoom factors (≥ 1) at progress 0 and 1.
        start_uv, end_uv: window position in slack coordinates at progress 0 and 1.
    """

    image_size: tuple[int, int]
    output_size: tuple[int, int]
    mode: str
    zoom_start: float
    zoom_end: float
    start_uv: tuple[float, float]
    end_uv: tuple[float, float]

    @property
    def base_size(self) -> tuple[float, float]:
        """``(bw, bh)``: the largest output-shaped window that fits in the image (zoom 1), pixels."""
        iw, ih = self.image_size
        out_w, out_h = self.output_size
        aspect = out_w / out_h
        if iw / ih > aspect:
            return ih * aspect, float(ih)
        return float(iw), iw / aspect

    @property
    def max_zoom(self) -> float:
        return max(self.zoom_start, self.zoom_end)

    def window_at(self, s: float) -> Box:
        """Crop window ``(x0, y0, x1, y1)`` in source pixels (floats, never rounded) at eased progress ``s ∈ [0, 1]``.

        The zoom is interpolated geometrically, ``z = z0·(z1/z0)^s``; the position linearly in slack coordinates.
        The window always lies inside the image.
        """
        iw, ih = self.image_size
        bw, bh = self.base_size
        z = self.zoom_start * (self.zoom_end / self.zoom_start) ** s
        w, h = bw / z, bh / z
        u = self.start_uv[0] + (self.end_uv[0] - self.start_uv[0]) * s
        v = self.start_uv[1] + (self.end_uv[1] - self.start_uv[1]) * s
        cx = iw / 2.0 + u * (iw - w) / 2.0
        cy = ih / 2.0 + v * (ih - h) / 2.0
        x0 = min(max(cx - w / 2.0, 0.0), iw - w)
        y0 = min(max(cy - h / 2.0, 0.0), ih - h)
        return (x0, y0, x0 + w, y0 + h)

    def frame_progress(self, index: int, n_frames: int) -> float:
        """Eased progress of frame ``index`` of ``n_frames``: ``s(index / (n_frames − 1))``; a lone frame sits at
        0.5."""
        if n_frames <= 1:
            return 0.5
        return ease_in_out(index / (n_frames - 1))

    def windows(self, n_frames: int) -> list[Box]:
        """Crop windows of every frame of a segment of ``n_frames`` frames (first frame at the path's start, last at
        its end)."""
        return [self.window_at(self.frame_progress(k, n_frames)) for k in range(n_frames)]


def plan_camera(
    image_size: tuple[int, int], output_size: tuple[int, int], zoom_intensity: float, motion: MotionChoice
) -> CameraPath:
    """Build the camera path of one segment.

    Args:
        image_size: ``(iw, ih)`` of the upright image, pixels (both ≥ 1).
        output_size: ``(W, H)`` of the video, pixels.
        zoom_intensity: the tightest zoom of a zoom motion (1.0 = no zoom; the default setting is 1.3).
        motion: from :func:`motion_for`.

    Raises:
        ValueError: a size is not positive or ``zoom_intensity < 1``.
    """
    iw, ih = image_size
    out_w, out_h = output_size
    if iw <= 0 or ih <= 0 or out_w <= 0 or out_h <= 0:
        raise ValueError(f"sizes must be positive (image {image_size}, output {output_size})")
    if not zoom_intensity >= 1.0:
        raise ValueError(f"zoom_intensity must be at least 1.0, not {zoom_intensity}")
    ratio = (iw / ih) / (out_w / out_h)
    if ratio > TRAVEL_ASPECT_RATIO or ratio < 1.0 / TRAVEL_ASPECT_RATIO:
        # Image much wider (ratio > 1) or much taller than the output: travel along the long axis at zoom 1.
        a, b = (-1.0, 1.0) if not motion.reverse else (1.0, -1.0)
        start, end = ((a, 0.0), (b, 0.0)) if ratio > 1.0 else ((0.0, a), (0.0, b))
        return CameraPath(image_size, output_size, "travel", 1.0, 1.0, start, end)
    dx, dy = math.cos(motion.angle), math.sin(motion.angle)
    scale = motion.amplitude / max(abs(dx), abs(dy))  # onto the square of slack coordinates, then shrink
    tight = (dx * scale, dy * scale)
    wide = (-tight[0], -tight[1])
    if motion.zoom_in:
        return CameraPath(image_size, output_size, "zoom", 1.0, float(zoom_intensity), wide, tight)
    return CameraPath(image_size, output_size, "zoom", float(zoom_intensity), 1.0, tight, wide)


@dataclass
class WorkingImage:
    """A source image pre-scaled once per segment, plus the factors mapping source to working pixels.

    Attributes:
        image: RGB ``PIL.Image`` of size ``(round(iw·sx), round(ih·sy))``.
        sx, sy: working pixels per source pixel along x and y (1.0 when the source was kept as is).
    """

    image: Image.Image
    sx: float
    sy: float


def prepare_working_image(image: Image.Image, path: CameraPath) -> WorkingImage:
    """Pre-scale ``image`` (RGB, upright, size ``path.image_size``) just enough for ``path``.

    The working copy is sized so that the tightest window of the path still has :data:`WORKING_MARGIN` working
    pixels per output pixel (about ``output × zoom × 1.02``); images already smaller are kept as they are (frames
    then upscale). The one-off downscale uses Lanczos, so per-frame resampling can be a cheap bilinear.
    """
    iw, ih = path.image_size
    bw, _ = path.base_size
    tightest = bw / path.max_zoom
    factor = WORKING_MARGIN * path.output_size[0] / tightest
    if factor >= 1.0:
        return WorkingImage(image, 1.0, 1.0)
    ww, wh = max(1, math.ceil(iw * factor)), max(1, math.ceil(ih * factor))
    return WorkingImage(_resize_in_bands(image, (ww, wh)), ww / iw, wh / ih)


#: Rows of the working image made per step by :func:`_resize_in_bands`.
PRESCALE_BAND_ROWS = 64


def _resize_in_bands(image: Image.Image, size: tuple[int, int]) -> Image.Image:
    """Lanczos downscale of ``image`` to ``size``, made in horizontal bands of the output.

    Same pixels as one ``image.resize(size, LANCZOS)``: band ``[j0, j1)`` is resized from the source box
    ``[j0·s, j1·s)`` (``s`` = source rows per output row), which puts every output row's filter centre where the
    whole-image resize puts it, and Pillow's filter reads the source outside the box as needed. But Pillow's
    intermediate (horizontally resized) image only ever holds one band instead of the whole picture: at 1080p
    that keeps about 30 MB off the peak memory while a 12-megapixel photo is being prepared.
    """
    iw, ih = image.size
    ww, wh = size
    if wh <= PRESCALE_BAND_ROWS:
        return image.resize(size, Image.Resampling.LANCZOS)
    out = Image.new(image.mode, size)
    rows_per_row = ih / wh
    for j0 in range(0, wh, PRESCALE_BAND_ROWS):
        j1 = min(wh, j0 + PRESCALE_BAND_ROWS)
        band = image.resize((ww, j1 - j0), Image.Resampling.LANCZOS, box=(0, j0 * rows_per_row, iw, j1 * rows_per_row))
        out.paste(band, (0, j0))
    return out


def render_frame(working: WorkingImage, window: Box, output_size: tuple[int, int]) -> Image.Image:
    """Resample one crop window (source pixels, floats) of ``working`` to an RGB frame of ``output_size``.

    Pillow's ``resize(box=...)`` takes the float box as is (sub-pixel placement, no rounding).
    """
    ww, wh = working.image.size
    x0, y0, x1, y1 = window
    box = (
        max(0.0, x0 * working.sx),
        max(0.0, y0 * working.sy),
        min(float(ww), x1 * working.sx),
        min(float(wh), y1 * working.sy),
    )
    return working.image.resize(output_size, FRAME_RESAMPLE, box=box)


def iter_frames(working: WorkingImage, path: CameraPath, n_frames: int) -> Iterator[Image.Image]:
    """Yield the ``n_frames`` RGB frames (``PIL.Image`` of ``path.output_size``) of one segment.

    ``working`` comes from :func:`prepare_working_image` (the caller can then drop the full-size source, so memory
    is one working copy plus the frame being made).
    """
    for k in range(n_frames):
        yield render_frame(working, path.window_at(path.frame_progress(k, n_frames)), path.output_size)


# ------------------------------------------------------------------------------------------------- Y'CbCr frames
#: RGB → Y'CbCr, ITU-R BT.709 matrix (Kr = 0.2126, Kb = 0.0722), limited ("tv") range: Y' = 16 + 219·E'y,
#: Cb = 128 + 224·(B' − E'y)/1.8556, Cr = 128 + 224·(R' − E'y)/1.5748, with R', G', B' in [0, 1]
#: (ITU-R BT.709-6 items 3.2–3.5 for E'y and the colour differences, BT.601/709 quantisation for the ranges).
#: As a Pillow ``convert(matrix=...)`` 12-tuple: one row (r, g, b, offset) per output channel, on 0–255 values.
_KR, _KB = 0.2126, 0.0722
_KG = 1.0 - _KR - _KB
BT709_LIMITED_MATRIX = (
    219 / 255 * _KR, 219 / 255 * _KG, 219 / 255 * _KB, 16.0,
    -224 / 255 * _KR / (2 * (1 - _KB)), -224 / 255 * _KG / (2 * (1 - _KB)), 224 / 255 * 0.5, 128.0,
    224 / 255 * 0.5, -224 / 255 * _KG / (2 * (1 - _KR)), -224 / 255 * _KB / (2 * (1 - _KR)), 128.0,
)  # fmt: skip


@dataclass
class YuvPlanes:
    """A working image as 8-bit BT.709 limited-range planes, for making yuv420p frames directly.

    Attributes:
        y: luma plane (mode ``L``), same size as the working image.
        cb, cr: chroma planes (mode ``L``) at half the working size (2×2 averages, i.e. chroma sited at the centre
            of each 2×2 luma block).
        sx, sy: working (luma) pixels per source pixel, as in :class:`WorkingImage`.
        arrays: the three planes as uint8 ``(rows, columns)`` arrays (copies made once per segment), which
            :func:`render_yuv_frame` resamples with OpenCV.
    """

    y: Image.Image
    cb: Image.Image
    cr: Image.Image
    sx: float
    sy: float
    arrays: tuple[Plane, Plane, Plane] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        # uint8 (rows, columns) copies of the three planes, for OpenCV (made once per segment).
        self.arrays = (np.asarray(self.y), np.asarray(self.cb), np.asarray(self.cr))

    @property
    def nbytes(self) -> int:
        """Approximate memory held by the planes (the images and their array copies), bytes."""
        return 2 * sum(p.width * p.height for p in (self.y, self.cb, self.cr))


def to_yuv_planes(working: WorkingImage) -> YuvPlanes:
    """Convert a working image to BT.709 limited-range Y'CbCr planes with 2×2-subsampled chroma (4:2:0)."""
    ycc = working.image.convert("RGB", matrix=BT709_LIMITED_MATRIX)
    y, cb, cr = ycc.split()
    del ycc
    return YuvPlanes(y, cb.reduce(2), cr.reduce(2), working.sx, working.sy)


def working_scale(path: CameraPath) -> float:
    """Working pixels per source pixel that :func:`prepare_working_image` and :func:`prepare_yuv_planes` aim at
    for ``path``: :data:`WORKING_MARGIN` × output width / width of the tightest window (≥ 1 means the source is
    used as it is)."""
    bw, _ = path.base_size
    return WORKING_MARGIN * path.output_size[0] / (bw / path.max_zoom)


def prepare_yuv_planes(
    image: Image.Image, path: CameraPath, resample: Image.Resampling = Image.Resampling.LANCZOS
) -> YuvPlanes:
    """:func:`prepare_working_image` followed by :func:`to_yuv_planes`, made band by band.

    Each band of :data:`PRESCALE_BAND_ROWS` working rows is downscaled, converted and split into the planes in
    turn, so the full-size RGB working copy never exists: while a 12-megapixel photo is prepared for 1080p, memory
    holds the decoded photo, the planes and one band. Same result as the two-step path (within one level of
    rounding).

    ``image`` is normally the picture at ``path.image_size``; it may also be a reduced decode of it (a JPEG decoded
    at a DCT scale, :func:`core_engine.render_utils.load_image_rgb` with ``min_size``), which is then taken to
    cover the same picture (exact up to the decoder's rounding of each side, under one decoded pixel) and
    downscaled to the same working size. ``resample``: the prescale filter (Lanczos; the quick preview uses
    bilinear, a narrower and cheaper antialiased filter).
    """
    iw, ih = path.image_size
    dw, dh = image.size
    factor = working_scale(path)
    if factor >= 1.0:
        return to_yuv_planes(WorkingImage(image, dw / iw, dh / ih))
    ww, wh = max(1, math.ceil(iw * factor)), max(1, math.ceil(ih * factor))
    y = Image.new("L", (ww, wh))
    cb = Image.new("L", ((ww + 1) // 2, (wh + 1) // 2))
    cr = Image.new("L", cb.size)
    rows_per_row = dh / wh
    for j0 in range(0, wh, PRESCALE_BAND_ROWS):  # PRESCALE_BAND_ROWS is even: chroma rows line up
        j1 = min(wh, j0 + PRESCALE_BAND_ROWS)
        band = image.resize((ww, j1 - j0), resample, box=(0, j0 * rows_per_row, dw, j1 * rows_per_row))
        band_y, band_cb, band_cr = band.convert("RGB", matrix=BT709_LIMITED_MATRIX).split()
        y.paste(band_y, (0, j0))
        cb.paste(band_cb.reduce(2), (0, j0 // 2))
        cr.paste(band_cr.reduce(2), (0, j0 // 2))
    return YuvPlanes(y, cb, cr, ww / iw, wh / ih)


def _plane_box(window: Box, fx: float, fy: float, size: tuple[int, int]) -> Box:
    x0, y0, x1, y1 = window
    w, h = size
    return (max(0.0, x0 * fx), max(0.0, y0 * fy), min(float(w), x1 * fx), min(float(h), y1 * fy))


def _warp_plane(plane: Plane, box: Box, size: tuple[int, int]) -> Plane:
    """Bilinear resample of the float ``box`` (plane pixels, edges) of ``plane`` to ``size`` (``W, H``) pixels.

    One ``cv2.warpAffine`` with the inverse map ``x_src = x0 + (x + ½)·sx − ½`` (OpenCV puts pixel centres at
    integer coordinates, Pillow's box at pixel edges), i.e. the same sampling grid as Pillow's
    ``resize(size, BILINEAR, box=box)``. OpenCV interpolates with 2 taps per axis at 1/32-pixel steps instead of
    Pillow's scaled triangle filter: identical placement, about 2× cheaper; measured on the macaque photo at
    1080p the two differ by 51 dB PSNR at the widest window (per-frame downscale 1.33, where Pillow's filter is
    wider) and 57 dB at the tightest (1.02), far below what the encoder changes (≈ 40 dB), and the smoothness
    jitter stays far under the benchmark's 0.03 (see ``bench/RESULTS.md``).
    """
    x0, y0, x1, y1 = box
    out_w, out_h = size
    sx, sy = (x1 - x0) / out_w, (y1 - y0) / out_h
    matrix = np.array([[sx, 0.0, x0 + 0.5 * sx - 0.5], [0.0, sy, y0 + 0.5 * sy - 0.5]])
    out = cv2.warpAffine(
        plane, matrix, size, flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP, borderMode=cv2.BORDER_REPLICATE
    )
    return np.asarray(out, dtype=np.uint8)  # already uint8 (no copy); typed for mypy


def render_yuv_frame(planes: YuvPlanes, window: Box, output_size: tuple[int, int]) -> tuple[Plane, Plane, Plane]:
    """One crop window (source pixels, floats) of ``planes`` as a yuv420p frame: ``(Y, Cb, Cr)`` uint8 arrays of
    ``(H, W)``, ``(H/2, W/2)`` and ``(H/2, W/2)`` (``output_size`` ``(W, H)`` must be even).

    The luma and both chroma planes are resampled with the same sub-pixel box (halved for chroma), bilinear (see
    :func:`_warp_plane`), so colours stay aligned with the picture. Each array is C-contiguous and supports the
    buffer protocol; written one after the other, the three are one raw ``yuv420p`` frame for ffmpeg.
    """
    out_w, out_h = output_size
    half = (out_w // 2, out_h // 2)
    y, cb, cr = planes.arrays
    y_box = _plane_box(window, planes.sx, planes.sy, planes.y.size)
    c_box = _plane_box(window, planes.sx * 0.5, planes.sy * 0.5, planes.cb.size)
    return (_warp_plane(y, y_box, output_size), _warp_plane(cb, c_box, half), _warp_plane(cr, c_box, half))


def iter_yuv_frames(planes: YuvPlanes, path: CameraPath, n_frames: int) -> Iterator[tuple[Plane, Plane, Plane]]:
    """Yield the ``n_frames`` yuv420p frames of one segment as ``(Y, Cb, Cr)`` plane arrays (see
    :func:`render_yuv_frame`)."""
    for k in range(n_frames):
        yield render_yuv_frame(planes, path.window_at(path.frame_progress(k, n_frames)), path.output_size)
