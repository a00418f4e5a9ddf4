"""Procedural scenes for the demo story, drawn at run time with numpy and Pillow (nothing large is committed).

Each scene is a deterministic function of its name and size: gradient skies with sun, moon, clouds, stars and the
Milky Way; layered hills; a sea with perspective waves and glitter; a headland with a striped lighthouse whose lamp
and beam can be lit; a boat with a lantern; gulls. Fine detail everywhere so that a slow Ken Burns pan is visible.

Working images are float32 RGB in [0, 1], shape ``(height, width, 3)``.
"""

from __future__ import annotations

import io
import zlib
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageDraw

#: Default size of the demo pictures, in pixels (16:9, larger than 1080p so the camera can pan and zoom).
DEFAULT_SIZE = (2400, 1350)


def _c(r: int, g: int, b: int) -> np.ndarray:
    return np.array([r, g, b], dtype=np.float32) / 255.0


@dataclass
class _Canvas:
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


def _noise(h: int, w: int, cell_y: float, cell_x: float, rng: np.random.Generator) -> np.ndarray:
    """Smooth value noise in [0, 1], shape (h, w): a random grid with cells of ``cell_y`` × ``cell_x`` pixels,
    upscaled bicubically."""
    gh, gw = max(2, int(h / cell_y) + 3), max(2, int(w / cell_x) + 3)
    grid = Image.fromarray(rng.random((gh, gw), dtype=np.float32))  # mode "F"
    big = grid.resize((int(gw * cell_x), int(gh * cell_y)), Image.Resampling.BICUBIC)
    oy, ox = int(cell_y), int(cell_x)  # skip the first cell: bicubic edges are flat there
    return np.asarray(big, dtype=np.float32)[oy : oy + h, ox : ox + w]


def _fbm(h: int, w: int, cell: float, rng: np.random.Generator, octaves: int = 4, stretch: float = 1.0) -> np.ndarray:
    """Fractal noise (sum of octaves of :func:`_noise`), roughly in [0, 1]; ``stretch`` > 1 elongates it in x."""
    total = np.zeros((h, w), dtype=np.float32)
    amp, norm = 1.0, 0.0
    for _ in range(octaves):
        total += amp * _noise(h, w, max(2.0, cell), max(2.0, cell * stretch), rng)
        norm += amp
        amp *= 0.5
        cell /= 2.0
    return total / norm


def _profile(w: int, rng: np.random.Generator, spacing: float, amp: float, octaves: int = 4) -> np.ndarray:
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


def _smoothstep(e0: float, e1: float, x: np.ndarray) -> np.ndarray:
    t = np.clip((x - e0) / (e1 - e0), 0.0, 1.0)
    return t * t * (3 - 2 * t)


def _sky(cv: _Canvas, stops: list[tuple[float, tuple[int, int, int]]], horizon: float) -> None:
    """Vertical gradient from the top (position 0) to the horizon line (position 1), continued below."""
    y, _ = cv.grid()
    t = np.clip(y[:, 0] / horizon, 0.0, 1.0)
    pos = np.array([s[0] for s in stops], dtype=np.float32)
    cols = np.array([s[1] for s in stops], dtype=np.float32) / 255.0
    column = np.stack([np.interp(t, pos, cols[:, k]) for k in range(3)], axis=1).astype(np.float32)
    cv.img[:] = column[:, None, :]


def _glow(cv: _Canvas, cx: float, cy: float, color: np.ndarray, radius: float, strength: float) -> None:
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


def _disc(
    cv: _Canvas,
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
    tex = 1.0 - 0.08 * _noise(2 * pad, 2 * pad, max(3.0, r / 4), max(3.0, r / 4), cv.rng)
    cv.blend(color[None, None, :] * (shade * tex)[..., None], alpha, (y0, x0))


def _clouds(
    cv: _Canvas, top: float, bottom: float, cover: float, lit: np.ndarray, dark: np.ndarray, light_y: float
) -> None:
    """Horizontal streaky clouds between rows ``top`` and ``bottom``; lit colour towards ``light_y``."""
    y0, y1 = max(0, int(top)), min(cv.h, int(bottom) + 1)
    y = np.arange(y0, y1, dtype=np.float32)[:, None] + 0.5
    n = _fbm(y1 - y0, cv.w, 220.0, cv.rng, octaves=5, stretch=4.0)
    span = bottom - top
    band = _smoothstep(top, top + 0.3 * span, y) * (1 - _smoothstep(bottom - 0.3 * span, bottom, y))
    alpha = _smoothstep(1 - cover, 1 - cover + 0.18, n) * band * 0.85
    mix = np.clip(1 - np.abs(y - light_y) / (cv.h * 0.45), 0, 1)
    color = dark[None, None, :] + (lit - dark)[None, None, :] * (mix * (0.6 + 0.4 * n))[..., None]
    cv.blend(color, alpha, (y0, 0))


def _stars(
    cv: _Canvas,
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
    small = _blur_sep(points, np.array([0.25, 1.0, 0.25], dtype=np.float32))
    big = _blur_sep(
        np.where(points > 1.0, points, 0).astype(np.float32),
        np.exp(-(np.linspace(-2.5, 2.5, 9) ** 2)).astype(np.float32) * 0.35,
    )
    tint = rng.choice(np.stack([_c(255, 255, 255), _c(200, 215, 255), _c(255, 236, 210)]), size=1)[0]
    cv.img[:rows] += np.clip(small + big, 0, 1.5)[..., None] * tint


def _blur_sep(a: np.ndarray, kernel: np.ndarray) -> np.ndarray:
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


def _sea(
    cv: _Canvas,
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
    tex = _fbm(tex_h, cv.w, 60.0, cv.rng, octaves=4, stretch=5.0)
    rows = np.clip((t**0.55) * (tex_h - 1), 0, tex_h - 1).astype(int)
    waves = tex[rows] - 0.5
    ripple = np.sin(np.arange(sh, dtype=np.float32)[:, None] * (0.9 / (0.05 + t[:, None] * 3)) + waves * 9.0)
    light = 1.0 + wave_contrast * (waves * 2.0 + 0.35 * ripple * (0.3 + t[:, None]))
    sea = base[:, None, :] * light[..., None]
    if glitter_x is not None:
        _, x = cv.grid()
        width = cv.w * glitter_width * (0.25 + 1.2 * t[:, None])
        column = np.exp(-(((x - glitter_x) / width) ** 2))
        sparkle = np.clip((tex[rows] - 0.45) * 4.0, 0, 1) * (0.6 + 0.4 * np.clip(ripple, 0, 1))
        sea += glitter_color[None, None, :] * (column * (0.25 + 0.9 * sparkle) * (1.0 - 0.5 * t[:, None]))[..., None]
    # soft haze line at the horizon
    haze = np.exp(-(((np.arange(sh, dtype=np.float32)) / 6.0) ** 2))[:, None, None]
    sea = sea * (1 - 0.6 * haze) + cv.img[h0 - 1][None, :, :] * (0.6 * haze)
    cv.img[h0:] = sea


def _land(
    cv: _Canvas,
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
    tex = _fbm(cv.h - y0, cv.w, 40.0, cv.rng, octaves=4, stretch=1.8)
    color = color_top[None, None, :] + (color_bottom - color_top)[None, None, :] * depth[..., None]
    color *= (1 - texture / 2 + texture * tex)[..., None]
    if rim is not None:  # light catching the crest
        color += rim[None, None, :] * np.exp(-np.clip(below, 0, None) / 5.0)[..., None]
    cv.blend(color, alpha, (y0, 0))


def _lighthouse(
    cv: _Canvas,
    cx: float,
    ground: float,
    height: float,
    lit: bool,
    light: float = 1.0,
    side: float = 1.0,
    beam_angle: float | None = None,
    beam_color: np.ndarray | None = None,
) -> None:
    """A tapered red-and-white striped tower standing at (``cx``, ``ground``), ``height`` pixels tall.

    ``light`` scales its colours (1 = daylight, 0.1 = night silhouette); ``side`` = +1 lit from the right, −1 from
    the left; ``lit`` turns the lamp on; ``beam_angle`` (radians, 0 = to the right, π = to the left) adds a beam.
    """
    base_hw, top_hw = height * 0.11, height * 0.065
    top = ground - height
    gallery_h, lantern_h, roof_h = height * 0.035, height * 0.09, height * 0.07
    pad = int(base_hw * 2) + 4
    y0, x0 = int(top - lantern_h - roof_h - gallery_h) - 4, int(cx) - pad
    bh, bw = int(ground - y0) + 4, 2 * pad
    yy = np.arange(bh, dtype=np.float32)[:, None] + y0 + 0.5
    xx = np.arange(bw, dtype=np.float32)[None, :] + x0 + 0.5
    dx = xx - cx
    # tower body
    tt = np.clip((ground - yy) / height, 0, 1)
    hw = base_hw + (top_hw - base_hw) * tt
    body = np.clip(hw - np.abs(dx) + 0.5, 0, 1) * ((yy >= top) & (yy <= ground))
    stripes = np.floor((ground - yy) / (height / 7.0)) % 2 == 1
    white, red = _c(238, 234, 226), _c(178, 38, 40)
    col = np.where(stripes[..., None], red[None, None, :], white[None, None, :])
    u = np.clip(dx / np.maximum(hw, 1), -1, 1)
    shade = 0.35 + 0.65 * np.clip(0.5 + 0.6 * side * u + 0.25 * np.sqrt(1 - u * u), 0, 1)
    body_col = col * (shade[..., None] * light)
    # door and a couple of windows
    door = (np.abs(dx) < base_hw * 0.22) & (yy > ground - height * 0.09)
    win = (np.abs(dx) < top_hw * 0.18) & (
        ((yy > ground - height * 0.55) & (yy < ground - height * 0.5))
        | ((yy > ground - height * 0.8) & (yy < ground - height * 0.75))
    )
    dark = _c(40, 32, 30) * light
    window_col = _c(255, 200, 110) if lit else dark
    body_col = np.where(door[..., None], dark[None, None, :], body_col)
    body_col = np.where(win[..., None], window_col[None, None, :], body_col)
    cv.blend(body_col, body, (y0, x0))
    # gallery (balcony), lantern room, roof
    gy1, gy0 = top, top - gallery_h
    gallery = np.clip(top_hw * 1.45 - np.abs(dx) + 0.5, 0, 1) * ((yy >= gy0) & (yy <= gy1))
    cv.blend(_c(30, 30, 34) * max(light, 0.3), gallery, (y0, x0))
    ly1, ly0 = gy0, gy0 - lantern_h
    lantern = np.clip(top_hw * 0.85 - np.abs(dx) + 0.5, 0, 1) * ((yy >= ly0) & (yy <= ly1))
    if lit:
        glass = np.broadcast_to(_c(255, 236, 170), (bh, bw, 3))
    else:
        glass = (_c(70, 90, 110) + _c(120, 130, 140) * np.clip(side * u + 0.3, 0, 1)[..., None]) * light
    bars = (np.abs(dx) % (top_hw * 0.45) < 1.5) & ((yy >= ly0) & (yy <= ly1))
    cv.blend(glass, lantern, (y0, x0))
    cv.blend(_c(25, 25, 28), lantern * bars, (y0, x0))
    ry1, ry0 = ly0, ly0 - roof_h
    roof_hw = top_hw * 1.0 * np.clip((yy - ry0) / roof_h, 0, 1)
    roof = np.clip(roof_hw - np.abs(dx) + 0.5, 0, 1) * ((yy >= ry0) & (yy <= ry1))
    cv.blend(_c(150, 36, 38) * max(light, 0.25), roof, (y0, x0))
    lamp_y = (ly0 + ly1) / 2
    if lit:
        _glow(cv, cx, lamp_y, _c(255, 220, 150), height * 0.12, 0.9)
        _glow(cv, cx, lamp_y, _c(255, 200, 120), height * 0.5, 0.18)
        if beam_angle is not None:
            y, x = cv.grid()
            ang = np.arctan2(y - lamp_y, x - cx)
            diff = np.angle(np.exp(1j * (ang - beam_angle))).astype(np.float32)
            dist = np.hypot(x - cx, y - lamp_y)
            beam = np.exp(-((diff / 0.045) ** 2)) * np.clip(dist / 40.0, 0, 1) * np.exp(-dist / (cv.w * 0.9))
            cv.add(beam_color if beam_color is not None else _c(255, 230, 170), (0.55 * beam).astype(np.float32))


def _shape(
    cv: _Canvas,
    bbox: tuple[int, int, int, int],
    draw: Callable[[ImageDraw.ImageDraw, float], None],
    color: np.ndarray,
    ss: int = 4,
) -> None:
    """Draw anti-aliased vector shapes: ``draw(d, s)`` paints in local pixel coords × ``s`` on a supersampled mask
    covering ``bbox`` = (x0, y0, x1, y1); the mask is filled with ``color``."""
    x0, y0, x1, y1 = bbox
    mask = Image.new("L", ((x1 - x0) * ss, (y1 - y0) * ss), 0)
    draw(ImageDraw.Draw(mask), ss)
    alpha = np.asarray(mask.resize((x1 - x0, y1 - y0), Image.Resampling.BOX), dtype=np.float32) / 255.0
    cv.blend(color, alpha, (y0, x0))


def _boat(cv: _Canvas, cx: float, wy: float, size: float, light: float) -> None:
    """A small fishing boat at water line ``wy``, ``size`` pixels long, with a warm lantern and its reflection."""
    x0, y0 = int(cx - size), int(wy - size * 1.1)
    x1, y1 = int(cx + size), int(wy + size * 0.2)

    def hull(d: ImageDraw.ImageDraw, s: float) -> None:
        lx, ly = (cx - x0) * s, (wy - y0) * s
        L = size * s
        d.polygon(
            [
                (lx - L * 0.5, ly - L * 0.12),
                (lx + L * 0.55, ly - L * 0.16),
                (lx + L * 0.38, ly + L * 0.04),
                (lx - L * 0.4, ly + L * 0.04),
            ],
            fill=255,
        )
        d.rectangle([lx - L * 0.2, ly - L * 0.28, lx + L * 0.08, ly - L * 0.1], fill=255)  # wheelhouse
        d.line([(lx + L * 0.02, ly - L * 0.12), (lx + L * 0.02, ly - L * 0.95)], fill=255, width=max(1, int(s * 2)))
        d.line([(lx + L * 0.02, ly - L * 0.9), (lx + L * 0.45, ly - L * 0.18)], fill=255, width=max(1, int(s)))

    _shape(cv, (x0, y0, x1, y1), hull, _c(20, 18, 22) * light)
    lantern_x, lantern_y = cx + size * 0.02, wy - size * 0.75
    _glow(cv, lantern_x, lantern_y, _c(255, 190, 90), size * 0.06, 1.2)
    _glow(cv, lantern_x, lantern_y, _c(255, 170, 80), size * 0.35, 0.35)
    # the lantern's wobbly reflection
    y, x = cv.grid()
    refl = np.exp(-(((x - lantern_x) / (size * 0.05)) ** 2)) * np.exp(-np.clip(y - wy, 0, None) / (size * 0.5))
    refl *= (y > wy) * (0.5 + 0.5 * np.sin(y * 0.9))
    cv.add(_c(255, 180, 90), (0.6 * refl).astype(np.float32))


def _gulls(cv: _Canvas, count: int, area: tuple[float, float, float, float], color: np.ndarray) -> None:
    """``count`` gulls as small curved "m" strokes inside ``area`` = (x0, y0, x1, y1) in pixels."""
    rng = cv.rng
    for _ in range(count):
        gx, gy = rng.uniform(area[0], area[2]), rng.uniform(area[1], area[3])
        span = rng.uniform(14, 34)
        x0, y0 = int(gx - span) - 2, int(gy - span * 0.5) - 2
        x1, y1 = int(gx + span) + 2, int(gy + span * 0.4) + 2
        lift = rng.uniform(0.15, 0.35)

        def draw(
            d: ImageDraw.ImageDraw,
            s: float,
            gx: float = gx,
            gy: float = gy,
            span: float = span,
            lift: float = lift,
            x0: int = x0,
            y0: int = y0,
        ) -> None:
            cxl, cyl = (gx - x0) * s, (gy - y0) * s
            w = span * s
            pts_l = [(cxl - w * (1 - k / 8), cyl - w * lift * np.sin(np.pi * k / 8)) for k in range(9)]
            pts_r = [(cxl + w * k / 8, cyl - w * lift * np.sin(np.pi * k / 8)) for k in range(9)]
            d.line(pts_l, fill=255, width=max(1, int(2.2 * s)), joint="curve")
            d.line(pts_r, fill=255, width=max(1, int(2.2 * s)), joint="curve")

        _shape(cv, (x0, y0, x1, y1), draw, color)


def _headland(
    cv: _Canvas,
    horizon: float,
    edge_x: float,
    plateau: float,
    facing_left: bool,
    top_col: np.ndarray,
    bottom_col: np.ndarray,
    rim: np.ndarray | None,
) -> np.ndarray:
    """A grassy cliff rising from the water on one side of the frame; returns its top profile (y per column)."""
    x = np.arange(cv.w, dtype=np.float32)
    rise = (
        _smoothstep(edge_x, edge_x + cv.w * 0.06, x)
        if facing_left
        else 1 - _smoothstep(edge_x - cv.w * 0.06, edge_x, x)
    )
    top = cv.h + 5 - (cv.h + 5 - plateau) * rise + _profile(cv.w, cv.rng, 160.0, 14.0) * rise
    _land(cv, top, top_col, bottom_col, rim, texture=0.3)
    # rock strata on the steep face
    y0 = int(max(0.0, float(top.min())))
    y = np.arange(y0, cv.h, dtype=np.float32)[:, None] + 0.5
    steep = np.abs(np.gradient(top))[None, :] > 2.0
    face = steep & (y > top[None, :]) & (y < horizon + (cv.h - horizon) * 0.9)
    streak = _noise(cv.h - y0, cv.w, 80.0, 3.0, cv.rng)
    cv.blend(bottom_col * 0.6 * (0.7 + 0.6 * streak[..., None]), face.astype(np.float32) * 0.7, (y0, 0))
    return top


def _finish(cv: _Canvas, vignette: float = 0.28) -> Image.Image:
    y, x = cv.grid()
    r2 = ((x / cv.w - 0.5) ** 2 + (y / cv.h - 0.5) ** 2) / 0.5
    img = cv.img * (1 - vignette * r2)[..., None]
    img *= 255.0
    img += cv.rng.random((cv.h, cv.w, 1), dtype=np.float32)  # dither (+ rounding) against banding in gradients
    return Image.fromarray(np.clip(img, 0, 255).astype(np.uint8))  # mode "RGB"


# --- the five scenes -----------------------------------------------------------------------------------------------


def _sunset(cv: _Canvas) -> None:
    h, w = cv.h, cv.w
    hz = h * 0.62
    _sky(
        cv,
        [
            (0, (34, 22, 70)),
            (0.35, (112, 48, 112)),
            (0.62, (226, 104, 84)),
            (0.85, (252, 168, 92)),
            (1, (255, 212, 140)),
        ],
        hz,
    )
    sx, sy = w * 0.36, hz - h * 0.035
    _glow(cv, sx, sy, _c(255, 170, 90), h * 0.35, 0.35)
    _glow(cv, sx, sy, _c(255, 220, 160), h * 0.09, 0.6)
    _clouds(cv, h * 0.08, hz * 0.85, 0.42, _c(255, 170, 150), _c(90, 50, 100), sy)
    _disc(cv, sx, sy, h * 0.05, _c(255, 246, 214) * 1.2, textured=False)
    _glow(cv, sx, sy, _c(255, 200, 120), h * 0.06, 0.25)
    far = hz - 30 + _profile(w, cv.rng, 400, 26) - 40 * np.exp(-(((np.arange(w) - w * 0.1) / (w * 0.12)) ** 2))
    far = hz + 5 - (hz + 5 - far) * (1 - _smoothstep(w * 0.24, w * 0.31, np.arange(w, dtype=np.float32)))
    _land(cv, far.astype(np.float32), _c(140, 72, 104), _c(120, 62, 96), None, texture=0.05)
    _sea(cv, hz, _c(40, 28, 66), _c(206, 118, 104), sx, _c(255, 190, 110), 0.045)
    top = _headland(cv, hz, w * 0.62, h * 0.58, True, _c(92, 70, 62), _c(36, 26, 36), _c(255, 150, 80) * 0.5)
    lx = w * 0.8
    _lighthouse(cv, lx, float(top[int(lx)]) + 6, h * 0.35, lit=False, light=0.85, side=-1.0)
    _gulls(cv, 4, (w * 0.15, h * 0.12, w * 0.5, h * 0.35), _c(40, 24, 50))


def _dusk_beam(cv: _Canvas) -> None:
    h, w = cv.h, cv.w
    hz = h * 0.6
    _sky(cv, [(0, (10, 18, 48)), (0.45, (34, 54, 104)), (0.8, (104, 104, 146)), (1, (226, 150, 122))], hz)
    _stars(cv, 500, hz * 0.7, brightness=0.8)
    _clouds(cv, h * 0.2, hz * 0.9, 0.3, _c(200, 130, 140), _c(40, 46, 84), hz)
    _sea(cv, hz, _c(10, 18, 40), _c(70, 80, 120), w * 0.72, _c(170, 120, 120), 0.07, wave_contrast=0.18)
    top = _headland(cv, hz, w * 0.36, h * 0.56, False, _c(40, 48, 56), _c(12, 14, 22), _c(120, 110, 150) * 0.25)
    lx = w * 0.2
    _lighthouse(cv, lx, float(top[int(lx)]) + 6, h * 0.34, lit=True, light=0.45, side=1.0, beam_angle=0.12)


def _midnight_boat(cv: _Canvas) -> None:
    h, w = cv.h, cv.w
    hz = h * 0.58
    _sky(cv, [(0, (4, 7, 22)), (0.6, (14, 24, 58)), (1, (34, 50, 86))], hz)
    _stars(cv, 1400, hz)
    mx, my = w * 0.78, h * 0.18
    _glow(cv, mx, my, _c(170, 190, 230), h * 0.25, 0.22)
    _disc(cv, mx, my, h * 0.055, _c(240, 238, 222))
    _sea(cv, hz, _c(6, 10, 24), _c(30, 44, 76), mx, _c(190, 200, 230), 0.05, wave_contrast=0.25)
    top = _headland(cv, hz, w * 0.2, h * 0.5, False, _c(22, 26, 34), _c(6, 8, 12), None)
    lx = w * 0.09
    _lighthouse(cv, lx, float(top[int(lx)]) + 6, h * 0.36, lit=True, light=0.2, side=1.0, beam_angle=0.16)
    _boat(cv, w * 0.5, h * 0.74, h * 0.12, 1.0)


def _starfield(cv: _Canvas) -> None:
    h, w = cv.h, cv.w
    hz = h * 0.74
    _sky(cv, [(0, (2, 4, 16)), (0.6, (10, 16, 42)), (1, (30, 38, 68))], hz)
    y, x = cv.grid()
    # Milky Way: a diagonal band of mottled light, and more stars inside it
    nx, ny, c = 0.45, 1.0, -(0.45 * w * 0.55 + 1.0 * h * 0.1)
    norm = np.hypot(nx, ny)

    def band(xs: np.ndarray, ys: np.ndarray) -> np.ndarray:
        return np.exp(-((((nx * xs + ny * ys + c) / norm) / (h * 0.16)) ** 2))

    dist = band(x, y)
    mottle = _fbm(h, w, 180.0, cv.rng, octaves=5, stretch=1.0)
    cv.add(_c(150, 160, 200), (0.32 * dist * np.clip(mottle * 1.6 - 0.35, 0, 1.2)).astype(np.float32))
    cv.add(_c(60, 40, 30), -(0.25 * dist * np.clip(0.6 - mottle, 0, 1)).astype(np.float32))  # dust lanes
    _stars(cv, 4500, hz, band=band)
    _disc(cv, w * 0.16, h * 0.16, h * 0.045, _c(246, 240, 220), cut=(h * 0.02, -h * 0.012))
    _glow(cv, w * 0.16, h * 0.16, _c(150, 160, 200), h * 0.12, 0.12)
    _sea(cv, hz, _c(6, 8, 20), _c(24, 30, 52), None, _c(0, 0, 0))
    xs = np.arange(w, dtype=np.float32)
    for k, (base, amp, col) in enumerate(
        [(hz - 20, 40, (20, 24, 40)), (hz + 60, 70, (12, 14, 26)), (h * 0.9, 60, (5, 6, 12))]
    ):
        prof = base + _profile(w, cv.rng, 520 - 120 * k, amp)
        if k == 0:
            prof = np.where(xs > w * 0.55, prof, h + 5)
        if k == 1:
            prof = prof + 80 * _smoothstep(w * 0.45, w * 0.25, xs)
        _land(cv, prof.astype(np.float32), _c(*col), _c(*col) * 0.7, None, texture=0.15)
        if k == 0:
            lx = w * 0.7
            _lighthouse(cv, lx, float(prof[int(lx)]) + 4, h * 0.16, lit=True, light=0.12, side=1.0)


def _dawn(cv: _Canvas) -> None:
    h, w = cv.h, cv.w
    hz = h * 0.6
    _sky(cv, [(0, (104, 146, 204)), (0.45, (186, 170, 204)), (0.8, (246, 182, 166)), (1, (255, 218, 156))], hz)
    sx, sy = w * 0.68, hz + h * 0.005
    _glow(cv, sx, sy, _c(255, 200, 130), h * 0.4, 0.35)
    _glow(cv, sx, sy, _c(255, 240, 200), h * 0.08, 0.7)
    _clouds(cv, h * 0.05, hz * 0.8, 0.45, _c(255, 200, 190), _c(150, 140, 180), sy)
    _disc(cv, sx, sy, h * 0.06, _c(255, 250, 230) * 1.2, textured=False)
    _glow(cv, sx, sy, _c(255, 230, 170), h * 0.07, 0.25)
    far = hz - 18 + _profile(w, cv.rng, 380, 20)
    far = hz + 5 - (hz + 35 - far) * _smoothstep(w * 0.82, w * 0.9, np.arange(w, dtype=np.float32))
    _land(cv, far.astype(np.float32), _c(170, 150, 170), _c(160, 140, 160), None, texture=0.05)
    _sea(cv, hz, _c(60, 100, 140), _c(220, 190, 180), sx, _c(255, 220, 150), 0.05)
    top = _headland(cv, hz, w * 0.42, h * 0.57, False, _c(104, 136, 70), _c(40, 60, 40), _c(255, 210, 140) * 0.4)
    lx = w * 0.21
    _lighthouse(cv, lx, float(top[int(lx)]) + 6, h * 0.35, lit=False, light=1.0, side=1.0)
    _gulls(cv, 7, (w * 0.4, h * 0.1, w * 0.9, h * 0.4), _c(70, 60, 80))


#: Scene painters by name.
SCENES: dict[str, Callable[[_Canvas], None]] = {
    "sunset": _sunset,
    "dusk_beam": _dusk_beam,
    "midnight_boat": _midnight_boat,
    "starfield": _starfield,
    "dawn": _dawn,
}


def render_scene(name: str, size: tuple[int, int] = DEFAULT_SIZE) -> Image.Image:
    """Draw scene ``name`` at ``size`` = (width, height) pixels; deterministic for a given name and size.

    Raises:
        KeyError: unknown scene name.
    """
    painter = SCENES[name]
    w, h = size
    seed = zlib.crc32(f"{name}:{w}x{h}".encode())
    cv = _Canvas(np.zeros((h, w, 3), dtype=np.float32), np.random.default_rng(seed))
    painter(cv)
    return _finish(cv)


def scene_jpeg(name: str, size: tuple[int, int] = DEFAULT_SIZE, quality: int = 90) -> bytes:
    """:func:`render_scene` encoded as a baseline JPEG (bytes)."""
    buf = io.BytesIO()
    render_scene(name, size).save(buf, format="JPEG", quality=quality)
    return buf.getvalue()
