"""Motion smoothness: frame-to-frame shift of a straight pan, measured by phase correlation.

A camera that pans at constant speed moves the picture by the same amount every frame. A renderer that places its
crop window on whole source pixels moves it by ``floor(v)`` or ``ceil(v)`` pixels instead, which the eye sees as
judder. We measure the shift between every pair of consecutive frames with phase correlation (numpy FFT of the
Hann-windowed luma, sub-pixel peak by a parabolic fit through the peak and its two neighbours on each axis) and
report ``std(shift) / |mean(shift)|`` along the pan axis: 0 for perfectly even motion, larger is worse.

:class:`LinearPan` defines the one pan every renderer draws: a window of fixed size (constant zoom) moving
horizontally at a constant speed in *source-image pixels per frame*, no easing. The three frame sources (StoryReel,
the MoviePy-style reference and ffmpeg ``zoompan``) are in ``render_bench.py`` / ``references.py``; this module only
defines the path and measures frames.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

#: A crop window in source-image pixels: (left, top, right, bottom), floats.
Box = tuple[float, float, float, float]


@dataclass(frozen=True)
class LinearPan:
    """A straight horizontal pan over an image, at constant zoom and constant speed.

    Attributes:
        src_size: source image (width, height) in pixels, after EXIF orientation.
        out_size: output frame (width, height) in pixels.
        zoom: window = the largest output-aspect window that fits the image, divided by ``zoom`` (>= 1).
        speed: horizontal travel of the window, in source pixels per frame (positive = camera moves right).
            Choose a non-integer value: integer rounding then shows as alternating steps.
        frames: number of frames.
    """

    src_size: tuple[int, int]
    out_size: tuple[int, int]
    zoom: float
    speed: float
    frames: int

    def window_size(self) -> tuple[float, float]:
        """(width, height) of the crop window in source pixels."""
        sw, sh = self.src_size
        aspect = self.out_size[0] / self.out_size[1]
        cover_w, cover_h = (sh * aspect, sh) if sw / sh >= aspect else (sw, sw / aspect)
        return cover_w / self.zoom, cover_h / self.zoom

    def boxes(self) -> list[Box]:
        """One window per frame, centred on the image at the middle frame; raises if the pan leaves the image."""
        sw, sh = self.src_size
        w, h = self.window_size()
        travel = self.speed * (self.frames - 1)
        left0 = (sw - w - travel) / 2.0
        top = (sh - h) / 2.0
        if left0 < 0 or left0 + travel + w > sw:
            raise ValueError(f"pan of {travel:.0f} px does not fit a {w:.0f} px window in a {sw} px image")
        return [(left0 + self.speed * i, top, left0 + self.speed * i + w, top + h) for i in range(self.frames)]


@dataclass(frozen=True)
class SmoothnessResult:
    """Shifts between consecutive frames, in output pixels (``dx`` along the pan axis, ``dy`` across it)."""

    dx: np.ndarray
    dy: np.ndarray
    dx_check: np.ndarray | None = None  # the other estimator's dx, when asked for

    @property
    def jitter_check(self) -> float | None:
        """``std / |mean|`` of the cross-check estimator's horizontal shift, or None."""
        if self.dx_check is None:
            return None
        return float(np.std(self.dx_check) / max(abs(np.mean(self.dx_check)), 1e-9))

    @property
    def mean(self) -> float:
        """Mean horizontal shift per frame, output pixels (sign: content displacement)."""
        return float(np.mean(self.dx))

    @property
    def std(self) -> float:
        """Standard deviation of the horizontal shift, output pixels."""
        return float(np.std(self.dx))

    @property
    def jitter(self) -> float:
        """``std / |mean|`` of the horizontal shift (dimensionless; lower is smoother)."""
        return self.std / max(abs(self.mean), 1e-9)

    @property
    def max_step_error(self) -> float:
        """Largest deviation of one step from the mean step, output pixels."""
        return float(np.max(np.abs(self.dx - self.mean)))


def luma(frame: np.ndarray) -> np.ndarray:
    """BT.709 luma of an RGB uint8 frame ``(H, W, 3)`` as float32 ``(H, W)``; a frame that is already one plane
    ``(H, W)`` (e.g. the Y of a yuv420p frame) is returned as float32."""
    f = frame.astype(np.float32)
    if f.ndim == 2:
        return f
    return 0.2126 * f[..., 0] + 0.7152 * f[..., 1] + 0.0722 * f[..., 2]


def _parabolic(c_minus: float, c0: float, c_plus: float) -> float:
    """Sub-sample offset (in [-0.5, 0.5]) of the vertex of the parabola through three equally spaced samples."""
    denom = c_minus - 2.0 * c0 + c_plus
    return 0.0 if denom == 0 else 0.5 * (c_minus - c_plus) / denom


class PhaseCorrelator:
    """Phase correlation of same-sized grayscale frames; keeps the window between calls.

    Two sub-pixel estimators of the correlation peak:

    * ``"parabolic"`` (the reported metric): a parabola through the peak and its two neighbours on each axis. Cheap,
      but biased towards whole pixels ("pixel locking": a steady 2.40 px/frame reads as ~2.3), by the same amount
      every frame when the true shift is the same every frame.
    * ``"upsampled"`` (cross-check): the correlation re-evaluated on a 1/``upsample`` px grid around the peak by a
      matrix DFT (Guizar-Sicairos et al., Opt. Lett. 33, 156 (2008)); accurate to about 1/``upsample`` px.
    """

    def __init__(self, shape: tuple[int, int], upsample: int = 50):
        h, w = shape
        self.shape = shape
        self.upsample = upsample
        self.window = np.outer(np.hanning(h), np.hanning(w)).astype(np.float32)

    def spectrum(self, gray: np.ndarray) -> np.ndarray:
        """2-D FFT of the mean-removed, Hann-windowed frame."""
        g = gray - gray.mean()
        return np.fft.fft2(g * self.window)

    def cross_power(self, spec_a: np.ndarray, spec_b: np.ndarray) -> np.ndarray:
        """Normalised cross-power spectrum of frames a and b."""
        cross = spec_b * np.conj(spec_a)
        cross /= np.maximum(np.abs(cross), 1e-12)
        return cross

    def shift(self, spec_a: np.ndarray, spec_b: np.ndarray, method: str = "parabolic") -> tuple[float, float]:
        """Displacement (dx, dy) in pixels of the content of frame b relative to frame a (b(x) ≈ a(x - d))."""
        return self.shifts(spec_a, spec_b, (method,))[method]

    def shifts(
        self, spec_a: np.ndarray, spec_b: np.ndarray, methods: tuple[str, ...]
    ) -> dict[str, tuple[float, float]]:
        """:meth:`shift` by each of ``methods``, sharing the correlation surface."""
        h, w = self.shape
        cross = self.cross_power(spec_a, spec_b)
        corr = np.fft.ifft2(cross).real
        py, px = np.unravel_index(int(np.argmax(corr)), corr.shape)
        out = {}
        for method in methods:
            if method == "parabolic":
                ox = _parabolic(corr[py, (px - 1) % w], corr[py, px], corr[py, (px + 1) % w])
                oy = _parabolic(corr[(py - 1) % h, px], corr[py, px], corr[(py + 1) % h, px])
                dx, dy = px + ox, py + oy
                out[method] = (float(dx - w if dx > w / 2 else dx), float(dy - h if dy > h / 2 else dy))
            elif method == "upsampled":
                coarse = np.array([py - h if py > h / 2 else py, px - w if px > w / 2 else px], dtype=float)
                up = self.upsample
                region = int(np.ceil(up * 1.5))
                centre = np.fix(region / 2.0)
                fine = _upsampled_idft(cross, region, up, centre - coarse * up).real
                my, mx = np.unravel_index(int(np.argmax(fine)), fine.shape)
                dy, dx = coarse + (np.array([my, mx], dtype=float) - centre) / up
                out[method] = (float(dx), float(dy))
            else:
                raise ValueError(f"unknown method {method!r}")
        return out


def _upsampled_idft(spectrum: np.ndarray, region: int, factor: int, offsets: np.ndarray) -> np.ndarray:
    """Inverse DFT of ``spectrum`` evaluated on a ``region`` × ``region`` grid with spacing 1/``factor`` samples,
    starting at ``-offsets / factor`` (per axis: rows, columns)."""
    out = spectrum
    for axis_len, offset in zip(spectrum.shape[::-1], offsets[::-1], strict=False):
        phase = 2.0 * np.pi * (np.arange(region) - offset)[:, None] * np.fft.fftfreq(axis_len, factor)[None, :]
        kernel = np.exp(1j * phase).astype(spectrum.dtype)
        out = np.tensordot(kernel, out, axes=(1, -1))
    return out


def measure_shifts(
    frames: Iterable[np.ndarray], method: str = "parabolic", cross_check: bool = False
) -> SmoothnessResult:
    """Shift between each pair of consecutive frames (RGB uint8 ``(H, W, 3)`` or luma ``(H, W)``), streamed: O(1)
    frames in memory.

    ``method`` picks the sub-pixel estimator (see :class:`PhaseCorrelator`). With ``cross_check`` the other
    estimator's horizontal shifts are kept too, in ``result.dx_check``.

    Raises:
        ValueError: fewer than 3 frames.
    """
    other = "upsampled" if method == "parabolic" else "parabolic"
    correlator: PhaseCorrelator | None = None
    prev = None
    dxs: list[float] = []
    dys: list[float] = []
    checks: list[float] = []
    for frame in frames:
        gray = luma(np.asarray(frame))
        if correlator is None:
            correlator = PhaseCorrelator(gray.shape)
        spec = correlator.spectrum(gray)
        if prev is not None:
            found = correlator.shifts(prev, spec, (method, other) if cross_check else (method,))
            dxs.append(found[method][0])
            dys.append(found[method][1])
            if cross_check:
                checks.append(found[other][0])
        prev = spec
    if len(dxs) < 2:
        raise ValueError("need at least 3 frames to measure smoothness")
    return SmoothnessResult(dx=np.array(dxs), dy=np.array(dys), dx_check=np.array(checks) if cross_check else None)


def _self_test() -> None:
    """Check the estimator on synthetic sub-pixel shifts (exact Fourier shifts of a noise texture)."""
    rng = np.random.default_rng(1)
    base = rng.random((180, 320)).astype(np.float64)
    base = np.fft.irfft2(np.fft.rfft2(base) * _lowpass(base.shape), s=base.shape)

    def shifted(d: float) -> np.ndarray:
        fy = np.fft.fftfreq(base.shape[0])[:, None]
        fx = np.fft.rfftfreq(base.shape[1])[None, :]
        spec = np.fft.rfft2(base) * np.exp(-2j * np.pi * (fx * d + fy * 0.0))
        img = np.fft.irfft2(spec, s=base.shape)
        img = (img - img.min()) / (img.max() - img.min()) * 255
        return np.repeat(img[..., None], 3, axis=2).astype(np.uint8)

    for method in ("parabolic", "upsampled"):
        res = measure_shifts((shifted(2.4 * i) for i in range(10)), method)
        assert abs(res.mean - 2.4) < (0.15 if method == "parabolic" else 0.03), (method, res.dx)
        assert res.jitter < 0.02, (method, res.dx)
        res = measure_shifts((shifted(float(int(2.4 * i))) for i in range(10)), method)
        assert res.jitter > 0.1, (method, res.dx)
        assert abs(res.mean - 7 / 3) < 0.02, (method, res.dx)


def _lowpass(shape: tuple[int, int]) -> np.ndarray:
    fy = np.fft.fftfreq(shape[0])[:, None]
    fx = np.fft.rfftfreq(shape[1])[None, :]
    return np.exp(-((fx**2 + fy**2) / (2 * 0.08**2)))


if __name__ == "__main__":
    _self_test()
    print("smoothness self-test ok")
