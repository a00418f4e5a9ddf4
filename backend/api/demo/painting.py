"""Painting primitives for the demo scenes (:mod:`api.demo.scenes`): a float canvas with alpha blending, value
noise and fractal noise, and the layers a scene is built from — sky gradients, glows, discs (sun, moon), clouds,
stars and the Milky Way, a sea with perspective waves and glitter, layered land.

Working images are float32 RGB in [0, 1], shape ``(height, width, 3)``; sizes and positions are in pixels; every
random choice comes from the canvas's seeded generator, so a scene is a deterministic function of its name and size.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from PIL import Image


def rgb(r: int, g: int, b: int) -> np.ndarray:
    """A colour from 0-255 channel values, as a float32 ``(3,)`` array in [0, 1]."""
    return np.array([r, g, b], dtype=np.float32) / 255.0


@dataclass
class Canvas:
    """The picture being painted (``img``: float32 RGB in [0, 1], shape ``(h, w, 3)``, painted in place) and the
    seeded generator every random choice of the scene comes from."""

    img: np.ndarray  # (h, w, 3) float32
    rng: np.random.Generator

    @property
    def h(self) -> int:
        return self.img.shape[0]

    @property
    def w(self) -> int:
        return self.img.shape[1]

    def grid(self) -> tuple[np.ndarray, np.ndarray]:
        """Column vector of y and row vector of x pixel centres (broadcastable)."""
        ys = np.arange(self.h, dtype=np.float32)[:, None] + 0.5
        return ys, np.arange(self.w, dtype=np.float32)[None, :] + 0.5

    def blend(self, color: np.ndarray, alpha: np.ndarray, box: tuple[int, int] = (0, 0)) -> None:
        """Paint ``color`` (3,) or (h, w, 3) with opacity ``alpha`` (h, w) at top-left ``box`` (clipped to the
        frame)."""
        y0, x0 = box
        ah, aw = alpha.shape
        ys, xs = max(0, y0), max(0, x0)
        ye, xe = min(self.h, y0 + ah), min(self.w, x0 + aw)
        if ye <= ys or xe <= xs:
            return
        a = alpha[ys - y0 : ye - y0, xs - x0 : xe - x0, None]
        col = color if color.ndim == 1 else color[ys - y0 : ye - y0, xs - x0 : xe - x0]
        region = self.img[ys:ye, xs:xe]
        region += (col - region) * a

    def add(self, color: np.ndarray, amount: np.ndarray) -> None:
        """Add light: ``color`` (3,) times ``amount`` (h, w), full frame."""
        self.img += amount[..., None] * color


def noise(h: int, w: int, cell_y: float, cell_x: float, rng: np.random.Generator) -> np.ndarray:
    """Smooth value noise in [0, 1], shape (h, w): a random grid with cells of ``cell_y`` × ``cell_x`` pixels,
    upscaled bicubically."""
    gh, gw = max(2, int(h / cell_y) + 3), max(2, int(w / cell_x) + 3)
    grid = Image.fromarray(rng.random((gh, gw), dtype=np.float32))  # mode "F"
    big = grid.resize((int(gw * cell_x), int(gh * cell_y)), Image.Resampling.BICUBIC)
    oy, ox = int(cell_y), int(cell_x)  # skip the first cell: bicubic edges are flat there
    return np.asarray(big, dtype=np.float32)[oy : oy + h, ox : ox + w]


def fbm(h: int, w: int, cell: float, rng: np.random.Generator, octaves: int = 4, stretch: float = 1.0) -> np.ndarray:
    """Fractal noise (sum of octaves of :func:`noise`), roughly in [0, 1]; ``stretch`` > 1 elongates it in x."""
    total = np.zeros((h, w), dtype=np.float32)
    amp, norm = 1.0, 0.0
    for _ in range(octaves):
        total += amp * noise(h, w, max(2.0, cell), max(2.0, cell * stretch), rng)
        norm += amp
        amp *= 0.5
        cell /= 2.0
    return total / norm


def profile(w: int, rng: np.random.Generator, spacing: float, amp: float, octaves: int = 4) -> np.ndarray:
    """A smooth random 1-D profile of length ``w`` (pixels), zero-mean-ish, peak amplitude about ``amp``."""
    out = np.zeros(w, dtype=np.float32)
    x = np.arange(w, dtype=np.float32)
    for _ in range(octaves):
        n = int(w / spacing) + 3
        pts = rng.uniform(-1.0, 1.0, n).astype(np.float32)
        xp = np.arange(n, dtype=np.float32) * spacing - spacing
        out += amp * np.interp(x, xp, pts).astype(np.float32)
        spacing /= 2.2
        amp /= 2.4
    return out


def smoothstep(e0: float, e1: float, x: np.ndarray) -> np.ndarray:
    """Hermite step of ``x`` between edges ``e0`` and ``e1``: 0 below ``e0``, 1 above ``e1``, smooth between."""
    t = np.clip((x - e0) / (e1 - e0), 0.0, 1.0)
    return t * t * (3 - 2 * t)


def sky(cv: Canvas, stops: list[tuple[float, tuple[int, int, int]]], horizon: float) -> None:
    """Vertical gradient from the top (position 0) to the horizon line (position 1), continued below."""
    y, _ = cv.grid()
    t = np.clip(y[:, 0] / horizon, 0.0, 1.0)
    pos = np.array([s[0] for s in stops], dtype=np.float32)
    cols = np.array([s[1] for s in stops], dtype=np.float32) / 255.0
    column = np.stack([np.interp(t, pos, cols[:, k]) for k in range(3)], axis=1).astype(np.float32)
    cv.img[:] = column[:, None, :]


def glow(cv: Canvas, cx: float, cy: float, color: np.ndarray, radius: float, strength: float) -> None:
    """Add a Gaussian halo of light (computed only where it is brighter than ~1/1000)."""
    reach = radius * float(np.sqrt(max(1.0, np.log(max(strength, 1e-3) * 1000.0))))
    y0, y1 = max(0, int(cy - reach)), min(cv.h, int(cy + reach) + 1)
    x0, x1 = max(0, int(cx - reach)), min(cv.w, int(cx + reach) + 1)
    if y1 <= y0 or x1 <= x0:
        return
    y = np.arange(y0, y1, dtype=np.float32)[:, None] + 0.5
    x = np.arange(x0, x1, dtype=np.float32)[None, :] + 0.5
    amount = strength * np.exp(-((x - cx) ** 2 + (y - cy) ** 2) / (radius * radius))
    cv.img[y0:y1, x0:x1] += amount[..., None] * color


def disc(
    cv: Canvas,
    cx: float,
    cy: float,
    r: float,
    color: np.ndarray,
    cut: tuple[float, float] | None = None,
    textured: bool = True,
) -> None:
    """An anti-aliased disc; ``cut`` = (dx, dy) offset of a second disc removed from it (a crescent); ``textured``
    adds limb darkening and faint maria (for the moon)."""
    pad = int(r) + 3
    y0, x0 = int(cy) - pad, int(cx) - pad
    yy = np.arange(2 * pad, dtype=np.float32)[:, None] + y0 + 0.5
    xx = np.arange(2 * pad, dtype=np.float32)[None, :] + x0 + 0.5
    alpha = np.clip(r - np.hypot(xx - cx, yy - cy) + 0.5, 0.0, 1.0)
    if cut is not None:
        alpha *= np.clip(np.hypot(xx - cx - cut[0], yy - cy - cut[1]) - r + 0.5, 0.0, 1.0)
    # a little limb darkening and surface texture
    if not textured:
        cv.blend(color, alpha, (y0, x0))
        return
    shade = 0.92 + 0.08 * np.clip(1 - np.hypot(xx - cx, yy - cy) / r, 0, 1)
    tex = 1.0 - 0.08 * noise(2 * pad, 2 * pad, max(3.0, r / 4), max(3.0, r / 4), cv.rng)
    cv.blend(color[None, None, :] * (shade * tex)[..., None], alpha, (y0, x0))


def clouds(
    cv: Canvas, top: float, bottom: float, cover: float, lit: np.ndarray, dark: np.ndarray, light_y: float
) -> None:
    """Horizontal streaky clouds between rows ``top`` and ``bottom``; lit colour towards ``light_y``."""
    y0, y1 = max(0, int(top)), min(cv.h, int(bottom) + 1)
    y = np.arange(y0, y1, dtype=np.float32)[:, None] + 0.5
    n = fbm(y1 - y0, cv.w, 220.0, cv.rng, octaves=5, stretch=4.0)
    span = bottom - top
    band = smoothstep(top, top + 0.3 * span, y) * (1 - smoothstep(bottom - 0.3 * span, bottom, y))
    alpha = smoothstep(1 - cover, 1 - cover + 0.18, n) * band * 0.85
    mix = np.clip(1 - np.abs(y - light_y) / (cv.h * 0.45), 0, 1)
    color = dark[None, None, :] + (lit - dark)[None, None, :] * (mix * (0.6 + 0.4 * n))[..., None]
    cv.blend(color, alpha, (y0, 0))


def stars(
    cv: Canvas,
    count: int,
    horizon: float,
    band: Callable[[np.ndarray, np.ndarray], np.ndarray] | None = None,
    brightness: float = 1.0,
) -> None:
    """Scatter ``count`` stars above ``horizon`` (more near the top; denser inside ``band`` if given)."""
    rng = cv.rng
    n = count * 3
    xs = rng.uniform(0, cv.w - 1, n)
    ys = horizon * (rng.random(n) ** 1.6)
    keep = rng.random(n) < (0.33 if band is None else 0.2 + 0.8 * band(xs, ys))
    xs, ys = xs[keep][:count], ys[keep][:count]
    mag = (rng.pareto(2.2, xs.size) * 0.25 + 0.15).clip(0, 3.0) * brightness
    mag *= np.clip((horizon - ys) / (0.25 * horizon), 0.0, 1.0)  # fade towards the horizon haze
    rows = min(cv.h, int(horizon) + 6)
    points = np.zeros((rows, cv.w), dtype=np.float32)
    np.add.at(points, (ys.astype(int), xs.astype(int)), mag.astype(np.float32))
    small = blur_sep(points, np.array([0.25, 1.0, 0.25], dtype=np.float32))
    big = blur_sep(
        np.where(points > 1.0, points, 0).astype(np.float32),
        np.exp(-(np.linspace(-2.5, 2.5, 9) ** 2)).astype(np.float32) * 0.35,
    )
    tint = rng.choice(np.stack([rgb(255, 255, 255), rgb(200, 215, 255), rgb(255, 236, 210)]), size=1)[0]
    cv.img[:rows] += np.clip(small + big, 0, 1.5)[..., None] * tint


def blur_sep(a: np.ndarray, kernel: np.ndarray) -> np.ndarray:
    """Separable blur with a small 1-D kernel (odd length), edges zero-padded."""
    r = kernel.size // 2
    out = np.zeros_like(a)
    tmp = np.zeros_like(a)
    for i, k in enumerate(kernel):
        s = i - r
        if s >= 0:
            tmp[:, s:] += k * a[:, : a.shape[1] - s]
        else:
            tmp[:, :s] += k * a[:, -s:]
    for i, k in enumerate(kernel):
        s = i - r
        if s >= 0:
            out[s:, :] += k * tmp[: a.shape[0] - s, :]
        else:
            out[:s, :] += k * tmp[-s:, :]
    return out


def sea(
    cv: Canvas,
    horizon: float,
    near: np.ndarray,
    far: np.ndarray,
    glitter_x: float | None,
    glitter_color: np.ndarray,
    glitter_width: float = 0.05,
    wave_contrast: float = 0.12,
) -> None:
    """Sea below ``horizon``: gradient far→near, perspective wave texture, optional glitter column at ``glitter_x``."""
    h0 = int(horizon)
    sh = cv.h - h0
    t = (np.arange(sh, dtype=np.float32) + 0.5) / sh  # 0 at the horizon, 1 at the bottom
    base = far[None, :] + (near - far)[None, :] * (t**0.6)[:, None]
    # wave texture: stretched noise sampled with perspective (rows bunch up towards the horizon)
    tex_h = 900
    tex = fbm(tex_h, cv.w, 60.0, cv.rng, octaves=4, stretch=5.0)
    rows = np.clip((t**0.55) * (tex_h - 1), 0, tex_h - 1).astype(int)
    waves = tex[rows] - 0.5
    ripple = np.sin(np.arange(sh, dtype=np.float32)[:, None] * (0.9 / (0.05 + t[:, None] * 3)) + waves * 9.0)
    light = 1.0 + wave_contrast * (waves * 2.0 + 0.35 * ripple * (0.3 + t[:, None]))
    water = base[:, None, :] * light[..., None]
    if glitter_x is not None:
        _, x = cv.grid()
        width = cv.w * glitter_width * (0.25 + 1.2 * t[:, None])
        column = np.exp(-(((x - glitter_x) / width) ** 2))
        sparkle = np.clip((tex[rows] - 0.45) * 4.0, 0, 1) * (0.6 + 0.4 * np.clip(ripple, 0, 1))
        water += glitter_color[None, None, :] * (column * (0.25 + 0.9 * sparkle) * (1.0 - 0.5 * t[:, None]))[..., None]
    # soft haze line at the horizon
    haze = np.exp(-(((np.arange(sh, dtype=np.float32)) / 6.0) ** 2))[:, None, None]
    water = water * (1 - 0.6 * haze) + cv.img[h0 - 1][None, :, :] * (0.6 * haze)
    cv.img[h0:] = water


def land(
    cv: Canvas,
    top: np.ndarray,
    color_top: np.ndarray,
    color_bottom: np.ndarray,
    rim: np.ndarray | None = None,
    texture: float = 0.18,
) -> None:
    """Fill below the profile ``top`` (y per column) with textured ground (only the rows it covers are computed)."""
    y0 = int(max(0.0, float(top.min()) - 1))
    if y0 >= cv.h:
        return
    y = np.arange(y0, cv.h, dtype=np.float32)[:, None] + 0.5
    below = y - top[None, :]
    alpha = np.clip(below + 0.5, 0.0, 1.0)
    depth = np.clip(below / (cv.h * 0.35), 0, 1)
    tex = fbm(cv.h - y0, cv.w, 40.0, cv.rng, octaves=4, stretch=1.8)
    color = color_top[None, None, :] + (color_bottom - color_top)[None, None, :] * depth[..., None]
    color *= (1 - texture / 2 + texture * tex)[..., None]
    if rim is not None:  # light catching the crest
        color += rim[None, None, :] * np.exp(-np.clip(below, 0, None) / 5.0)[..., None]
    cv.blend(color, alpha, (y0, 0))
