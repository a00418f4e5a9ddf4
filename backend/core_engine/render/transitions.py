"""Frames of clips (:mod:`core_engine.render.shots`): a shot body is a run of one shot's Ken Burns frames; a
transition mixes the two neighbours' frames, made by the frame producer on the yuv420p planes (OpenCV ``addWeighted`` /
``convertScaleAbs``, numpy for the slide; no extra ffmpeg pass, so a transition costs two frame resamples and one
blend per frame).

Weights, for frame ``j`` of a transition of ``n = 2h`` frames (its display interval is ``[j, j + 1)`` in frame
units from the transition's start; the weights are the ramps' values at the interval's centre, ``(j + 0.5) / n``):

* ``crossfade``: ``out = (1 − w)·A + w·B`` with ``w = (j + 0.5)/n`` (linear, as ffmpeg's ``xfade=fade``); 0.5 is
  crossed exactly at the boundary.
* ``fade_black``: the first ``h`` frames fade A to black (``k = 1 − (j + 0.5)/h``), the last ``h`` fade B in from
  black (``k = (j − h + 0.5)/h``); black is Y' 16, Cb = Cr = 128 (BT.709 limited range), so a plane becomes
  ``black + k·(plane − black)``. The picture changes exactly at the boundary.
* ``slide_left``: B enters from the right edge pushing A out to the left; the offset is ``smoothstep((j + 0.5)/n)``
  of the width (rounded to an even number of pixels so the chroma planes move with the luma): half-way at the
  boundary.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Protocol

import cv2
import numpy as np

from core_engine.ken_burns import Plane, ease_in_out
from core_engine.render.shots import Clip, Shot

__all__ = ["BLACK_Y", "NEUTRAL_C", "Frame", "ShotFrames", "blend_frames", "clip_frames"]

#: A yuv420p frame as its three planes, uint8 arrays: Y' ``(H, W)``, Cb and Cr ``(H/2, W/2)``
#: (:func:`core_engine.ken_burns.render_yuv_frame`).
Frame = tuple[Plane, Plane, Plane]

#: Limited-range black: Y' 16, chroma neutral at 128.
BLACK_Y = 16
NEUTRAL_C = 128


class ShotFrames(Protocol):
    """Frames of one shot's camera path, by index in the path (``0 ≤ k < shot.path_frames``)."""

    def frame(self, k: int) -> Frame:
        """The yuv420p frame at path index ``k``."""
        ...


def _scale_towards(plane: Plane, level: int, k: float) -> Plane:
    """``level + k·(plane − level)`` rounded, for ``k ∈ [0, 1]`` (OpenCV ``convertScaleAbs``: one pass in C)."""
    out = cv2.convertScaleAbs(plane, alpha=k, beta=level * (1.0 - k))
    return np.asarray(out, dtype=np.uint8)  # already uint8 (no copy); typed for mypy


def blend_frames(kind: str, a: Frame | None, b: Frame | None, j: int, n: int, size: tuple[int, int]) -> Frame:
    """Frame ``j`` (0-based) of an ``n``-frame transition of ``kind`` from frame ``a`` to frame ``b`` (output
    ``size`` = (W, H), even). For ``fade_black`` only the frame visible at ``j`` is needed (``a`` in the first half,
    ``b`` in the second; the other may be ``None``).

    Raises:
        ValueError: an unknown kind, or a frame that is needed is missing.
    """
    w = (j + 0.5) / n
    if kind == "fade_black":
        h = n / 2
        src, k = (a, 1.0 - (j + 0.5) / h) if j < h else (b, (j - h + 0.5) / h)
        if src is None:
            raise ValueError("fade_black needs the visible frame")
        return (
            _scale_towards(src[0], BLACK_Y, k),
            _scale_towards(src[1], NEUTRAL_C, k),
            _scale_towards(src[2], NEUTRAL_C, k),
        )
    if a is None or b is None:
        raise ValueError(f"{kind} needs both frames")
    if kind == "crossfade":  # (1 − w)·a + w·b per pixel, rounded (OpenCV addWeighted: one pass in C)
        mixed = [np.asarray(cv2.addWeighted(x, 1.0 - w, z, w, 0.0), dtype=np.uint8) for x, z in zip(a, b, strict=True)]
        return (mixed[0], mixed[1], mixed[2])
    if kind == "slide_left":
        width = size[0]
        offset = 2 * round(ease_in_out(w) * width / 2)
        slid: list[Plane] = []
        for x, z, scale in zip(a, b, (1, 2, 2), strict=True):
            o = offset // scale
            slid.append(np.ascontiguousarray(np.concatenate([x[:, o:], z[:, :o]], axis=1)))
        return (slid[0], slid[1], slid[2])
    raise ValueError(f"unknown transition {kind!r}")


def clip_frames(clip: Clip, source: Callable[[Shot], ShotFrames], size: tuple[int, int]) -> Iterator[Frame]:
    """Yield the ``clip.frames`` frames of ``clip``; ``source(shot)`` gives a shot's frames (the caller prepares
    and keeps each shot's image once)."""
    if clip.kind == "shot":
        shot_frames = source(clip.shots[0])
        first = clip.path_offset(0)
        for k in range(first, first + clip.frames):
            yield shot_frames.frame(k)
        return
    a, b = source(clip.shots[0]), source(clip.shots[1])
    off_a, off_b = clip.path_offset(0), clip.path_offset(1)
    n = clip.frames
    for j in range(n):
        need_a = clip.transition != "fade_black" or j < n / 2
        need_b = clip.transition != "fade_black" or j >= n / 2
        fa = a.frame(off_a + j) if need_a else None
        fb = b.frame(off_b + j) if need_b else None
        yield blend_frames(clip.transition, fa, fb, j, n, size)
