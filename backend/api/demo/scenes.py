"""Procedural scenes for the demo story, drawn at run time with numpy and Pillow (nothing large is committed).

Each scene is a deterministic function of its name and size: gradient skies with sun, moon, clouds, stars and the
Milky Way; layered hills; a sea with perspective waves and glitter; a headland with a striped lighthouse whose lamp
and beam can be lit; a boat with a lantern; gulls. Fine detail everywhere so that a slow Ken Burns pan is visible.

Working images are float32 RGB in [0, 1], shape ``(height, width, 3)``. The painting primitives (canvas, noise,
sky, sea, land, …) are in :mod:`api.demo.painting`; the objects (lighthouse, boat, gulls, headland) and the scenes
are here.
"""

from __future__ import annotations

import io
import zlib
from collections.abc import Callable

import numpy as np
from PIL import Image, ImageDraw

from api.demo.painting import (
    Canvas,
    clouds,
    disc,
    fbm,
    glow,
    land,
    noise,
    profile,
    rgb,
    sea,
    sky,
    smoothstep,
    stars,
)

#: Default size of the demo pictures, in pixels (16:9, larger than 1080p so the camera can pan and zoom).
DEFAULT_SIZE = (2400, 1350)


def _lighthouse(
    cv: Canvas,
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
    white, red = rgb(238, 234, 226), rgb(178, 38, 40)
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
    dark = rgb(40, 32, 30) * light
    window_col = rgb(255, 200, 110) if lit else dark
    body_col = np.where(door[..., None], dark[None, None, :], body_col)
    body_col = np.where(win[..., None], window_col[None, None, :], body_col)
    cv.blend(body_col, body, (y0, x0))
    # gallery (balcony), lantern room, roof
    gy1, gy0 = top, top - gallery_h
    gallery = np.clip(top_hw * 1.45 - np.abs(dx) + 0.5, 0, 1) * ((yy >= gy0) & (yy <= gy1))
    cv.blend(rgb(30, 30, 34) * max(light, 0.3), gallery, (y0, x0))
    ly1, ly0 = gy0, gy0 - lantern_h
    lantern = np.clip(top_hw * 0.85 - np.abs(dx) + 0.5, 0, 1) * ((yy >= ly0) & (yy <= ly1))
    if lit:
        glass = np.broadcast_to(rgb(255, 236, 170), (bh, bw, 3))
    else:
        glass = (rgb(70, 90, 110) + rgb(120, 130, 140) * np.clip(side * u + 0.3, 0, 1)[..., None]) * light
    bars = (np.abs(dx) % (top_hw * 0.45) < 1.5) & ((yy >= ly0) & (yy <= ly1))
    cv.blend(glass, lantern, (y0, x0))
    cv.blend(rgb(25, 25, 28), lantern * bars, (y0, x0))
    ry1, ry0 = ly0, ly0 - roof_h
    roof_hw = top_hw * 1.0 * np.clip((yy - ry0) / roof_h, 0, 1)
    roof = np.clip(roof_hw - np.abs(dx) + 0.5, 0, 1) * ((yy >= ry0) & (yy <= ry1))
    cv.blend(rgb(150, 36, 38) * max(light, 0.25), roof, (y0, x0))
    lamp_y = (ly0 + ly1) / 2
    if lit:
        glow(cv, cx, lamp_y, rgb(255, 220, 150), height * 0.12, 0.9)
        glow(cv, cx, lamp_y, rgb(255, 200, 120), height * 0.5, 0.18)
        if beam_angle is not None:
            y, x = cv.grid()
            ang = np.arctan2(y - lamp_y, x - cx)
            diff = np.angle(np.exp(1j * (ang - beam_angle))).astype(np.float32)
            dist = np.hypot(x - cx, y - lamp_y)
            beam = np.exp(-((diff / 0.045) ** 2)) * np.clip(dist / 40.0, 0, 1) * np.exp(-dist / (cv.w * 0.9))
            cv.add(beam_color if beam_color is not None else rgb(255, 230, 170), (0.55 * beam).astype(np.float32))


def _shape(
    cv: Canvas,
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


def _boat(cv: Canvas, cx: float, wy: float, size: float, light: float) -> None:
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

    _shape(cv, (x0, y0, x1, y1), hull, rgb(20, 18, 22) * light)
    lantern_x, lantern_y = cx + size * 0.02, wy - size * 0.75
    glow(cv, lantern_x, lantern_y, rgb(255, 190, 90), size * 0.06, 1.2)
    glow(cv, lantern_x, lantern_y, rgb(255, 170, 80), size * 0.35, 0.35)
    # the lantern's wobbly reflection
    y, x = cv.grid()
    refl = np.exp(-(((x - lantern_x) / (size * 0.05)) ** 2)) * np.exp(-np.clip(y - wy, 0, None) / (size * 0.5))
    refl *= (y > wy) * (0.5 + 0.5 * np.sin(y * 0.9))
    cv.add(rgb(255, 180, 90), (0.6 * refl).astype(np.float32))


def _gulls(cv: Canvas, count: int, area: tuple[float, float, float, float], color: np.ndarray) -> None:
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
    cv: Canvas,
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
        smoothstep(edge_x, edge_x + cv.w * 0.06, x) if facing_left else 1 - smoothstep(edge_x - cv.w * 0.06, edge_x, x)
    )
    top = cv.h + 5 - (cv.h + 5 - plateau) * rise + profile(cv.w, cv.rng, 160.0, 14.0) * rise
    land(cv, top, top_col, bottom_col, rim, texture=0.3)
    # rock strata on the steep face
    y0 = int(max(0.0, float(top.min())))
    y = np.arange(y0, cv.h, dtype=np.float32)[:, None] + 0.5
    steep = np.abs(np.gradient(top))[None, :] > 2.0
    face = steep & (y > top[None, :]) & (y < horizon + (cv.h - horizon) * 0.9)
    streak = noise(cv.h - y0, cv.w, 80.0, 3.0, cv.rng)
    cv.blend(bottom_col * 0.6 * (0.7 + 0.6 * streak[..., None]), face.astype(np.float32) * 0.7, (y0, 0))
    return top


def _finish(cv: Canvas, vignette: float = 0.28) -> Image.Image:
    y, x = cv.grid()
    r2 = ((x / cv.w - 0.5) ** 2 + (y / cv.h - 0.5) ** 2) / 0.5
    img = cv.img * (1 - vignette * r2)[..., None]
    img *= 255.0
    img += cv.rng.random((cv.h, cv.w, 1), dtype=np.float32)  # dither (+ rounding) against banding in gradients
    return Image.fromarray(np.clip(img, 0, 255).astype(np.uint8))  # mode "RGB"


# --- the five scenes -----------------------------------------------------------------------------------------------


def _sunset(cv: Canvas) -> None:
    h, w = cv.h, cv.w
    hz = h * 0.62
    sky(
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
    glow(cv, sx, sy, rgb(255, 170, 90), h * 0.35, 0.35)
    glow(cv, sx, sy, rgb(255, 220, 160), h * 0.09, 0.6)
    clouds(cv, h * 0.08, hz * 0.85, 0.42, rgb(255, 170, 150), rgb(90, 50, 100), sy)
    disc(cv, sx, sy, h * 0.05, rgb(255, 246, 214) * 1.2, textured=False)
    glow(cv, sx, sy, rgb(255, 200, 120), h * 0.06, 0.25)
    far = hz - 30 + profile(w, cv.rng, 400, 26) - 40 * np.exp(-(((np.arange(w) - w * 0.1) / (w * 0.12)) ** 2))
    far = hz + 5 - (hz + 5 - far) * (1 - smoothstep(w * 0.24, w * 0.31, np.arange(w, dtype=np.float32)))
    land(cv, far.astype(np.float32), rgb(140, 72, 104), rgb(120, 62, 96), None, texture=0.05)
    sea(cv, hz, rgb(40, 28, 66), rgb(206, 118, 104), sx, rgb(255, 190, 110), 0.045)
    top = _headland(cv, hz, w * 0.62, h * 0.58, True, rgb(92, 70, 62), rgb(36, 26, 36), rgb(255, 150, 80) * 0.5)
    lx = w * 0.8
    _lighthouse(cv, lx, float(top[int(lx)]) + 6, h * 0.35, lit=False, light=0.85, side=-1.0)
    _gulls(cv, 4, (w * 0.15, h * 0.12, w * 0.5, h * 0.35), rgb(40, 24, 50))


def _dusk_beam(cv: Canvas) -> None:
    h, w = cv.h, cv.w
    hz = h * 0.6
    sky(cv, [(0, (10, 18, 48)), (0.45, (34, 54, 104)), (0.8, (104, 104, 146)), (1, (226, 150, 122))], hz)
    stars(cv, 500, hz * 0.7, brightness=0.8)
    clouds(cv, h * 0.2, hz * 0.9, 0.3, rgb(200, 130, 140), rgb(40, 46, 84), hz)
    sea(cv, hz, rgb(10, 18, 40), rgb(70, 80, 120), w * 0.72, rgb(170, 120, 120), 0.07, wave_contrast=0.18)
    top = _headland(cv, hz, w * 0.36, h * 0.56, False, rgb(40, 48, 56), rgb(12, 14, 22), rgb(120, 110, 150) * 0.25)
    lx = w * 0.2
    _lighthouse(cv, lx, float(top[int(lx)]) + 6, h * 0.34, lit=True, light=0.45, side=1.0, beam_angle=0.12)


def _midnight_boat(cv: Canvas) -> None:
    h, w = cv.h, cv.w
    hz = h * 0.58
    sky(cv, [(0, (4, 7, 22)), (0.6, (14, 24, 58)), (1, (34, 50, 86))], hz)
    stars(cv, 1400, hz)
    mx, my = w * 0.78, h * 0.18
    glow(cv, mx, my, rgb(170, 190, 230), h * 0.25, 0.22)
    disc(cv, mx, my, h * 0.055, rgb(240, 238, 222))
    sea(cv, hz, rgb(6, 10, 24), rgb(30, 44, 76), mx, rgb(190, 200, 230), 0.05, wave_contrast=0.25)
    top = _headland(cv, hz, w * 0.2, h * 0.5, False, rgb(22, 26, 34), rgb(6, 8, 12), None)
    lx = w * 0.09
    _lighthouse(cv, lx, float(top[int(lx)]) + 6, h * 0.36, lit=True, light=0.2, side=1.0, beam_angle=0.16)
    _boat(cv, w * 0.5, h * 0.74, h * 0.12, 1.0)


def _starfield(cv: Canvas) -> None:
    h, w = cv.h, cv.w
    hz = h * 0.74
    sky(cv, [(0, (2, 4, 16)), (0.6, (10, 16, 42)), (1, (30, 38, 68))], hz)
    y, x = cv.grid()
    # Milky Way: a diagonal band of mottled light, and more stars inside it
    nx, ny, c = 0.45, 1.0, -(0.45 * w * 0.55 + 1.0 * h * 0.1)
    norm = np.hypot(nx, ny)

    def band(xs: np.ndarray, ys: np.ndarray) -> np.ndarray:
        return np.exp(-((((nx * xs + ny * ys + c) / norm) / (h * 0.16)) ** 2))

    dist = band(x, y)
    mottle = fbm(h, w, 180.0, cv.rng, octaves=5, stretch=1.0)
    cv.add(rgb(150, 160, 200), (0.32 * dist * np.clip(mottle * 1.6 - 0.35, 0, 1.2)).astype(np.float32))
    cv.add(rgb(60, 40, 30), -(0.25 * dist * np.clip(0.6 - mottle, 0, 1)).astype(np.float32))  # dust lanes
    stars(cv, 4500, hz, band=band)
    disc(cv, w * 0.16, h * 0.16, h * 0.045, rgb(246, 240, 220), cut=(h * 0.02, -h * 0.012))
    glow(cv, w * 0.16, h * 0.16, rgb(150, 160, 200), h * 0.12, 0.12)
    sea(cv, hz, rgb(6, 8, 20), rgb(24, 30, 52), None, rgb(0, 0, 0))
    xs = np.arange(w, dtype=np.float32)
    for k, (base, amp, col) in enumerate(
        [(hz - 20, 40, (20, 24, 40)), (hz + 60, 70, (12, 14, 26)), (h * 0.9, 60, (5, 6, 12))]
    ):
        prof = base + profile(w, cv.rng, 520 - 120 * k, amp)
        if k == 0:
            prof = np.where(xs > w * 0.55, prof, h + 5)
        if k == 1:
            prof = prof + 80 * smoothstep(w * 0.45, w * 0.25, xs)
        land(cv, prof.astype(np.float32), rgb(*col), rgb(*col) * 0.7, None, texture=0.15)
        if k == 0:
            lx = w * 0.7
            _lighthouse(cv, lx, float(prof[int(lx)]) + 4, h * 0.16, lit=True, light=0.12, side=1.0)


def _dawn(cv: Canvas) -> None:
    h, w = cv.h, cv.w
    hz = h * 0.6
    sky(cv, [(0, (104, 146, 204)), (0.45, (186, 170, 204)), (0.8, (246, 182, 166)), (1, (255, 218, 156))], hz)
    sx, sy = w * 0.68, hz + h * 0.005
    glow(cv, sx, sy, rgb(255, 200, 130), h * 0.4, 0.35)
    glow(cv, sx, sy, rgb(255, 240, 200), h * 0.08, 0.7)
    clouds(cv, h * 0.05, hz * 0.8, 0.45, rgb(255, 200, 190), rgb(150, 140, 180), sy)
    disc(cv, sx, sy, h * 0.06, rgb(255, 250, 230) * 1.2, textured=False)
    glow(cv, sx, sy, rgb(255, 230, 170), h * 0.07, 0.25)
    far = hz - 18 + profile(w, cv.rng, 380, 20)
    far = hz + 5 - (hz + 35 - far) * smoothstep(w * 0.82, w * 0.9, np.arange(w, dtype=np.float32))
    land(cv, far.astype(np.float32), rgb(170, 150, 170), rgb(160, 140, 160), None, texture=0.05)
    sea(cv, hz, rgb(60, 100, 140), rgb(220, 190, 180), sx, rgb(255, 220, 150), 0.05)
    top = _headland(cv, hz, w * 0.42, h * 0.57, False, rgb(104, 136, 70), rgb(40, 60, 40), rgb(255, 210, 140) * 0.4)
    lx = w * 0.21
    _lighthouse(cv, lx, float(top[int(lx)]) + 6, h * 0.35, lit=False, light=1.0, side=1.0)
    _gulls(cv, 7, (w * 0.4, h * 0.1, w * 0.9, h * 0.4), rgb(70, 60, 80))


#: Scene painters by name.
SCENES: dict[str, Callable[[Canvas], None]] = {
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
    cv = Canvas(np.zeros((h, w, 3), dtype=np.float32), np.random.default_rng(seed))
    painter(cv)
    return _finish(cv)


def scene_jpeg(name: str, size: tuple[int, int] = DEFAULT_SIZE, quality: int = 90) -> bytes:
    """:func:`render_scene` encoded as a baseline JPEG (bytes)."""
    buf = io.BytesIO()
    render_scene(name, size).save(buf, format="JPEG", quality=quality)
    return buf.getvalue()
