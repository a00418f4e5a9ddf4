"""Timing checks on a rendered MP4: timestamps, frame count, audio length, and where the picture changes.

* :func:`video_timestamps` decodes with ``ffmpeg -vf showinfo -f null -`` and returns every frame's pts (seconds).
* :func:`check_timestamps` checks pts strictly increasing, evenly spaced at 1/fps, and the frame count.
* :func:`colour_boundaries` finds the first frame of each segment in a render of solid-colour images and compares it
  with the narration boundary (cumulative audio time × fps).
"""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from core_engine.render_utils import require_ffmpeg
from story import REPO  # noqa: F401  (puts backend/ on sys.path)

_SHOWINFO = re.compile(r"\bn:\s*(\d+)\s+pts:\s*(-?\d+)\s+pts_time:\s*(-?[\d.]+)")


def video_timestamps(video: Path) -> list[float]:
    """Presentation time (seconds) of every decoded frame of the first video stream, in decode output order."""
    proc = subprocess.run(
        [
            require_ffmpeg(),
            "-nostdin",
            "-hide_banner",
            "-i",
            str(video),
            "-map",
            "0:v:0",
            "-vf",
            "showinfo",
            "-f",
            "null",
            "-",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    return [float(m.group(3)) for m in _SHOWINFO.finditer(proc.stderr)]


def audio_seconds(video: Path, rate: int = 48000) -> float:
    """Length of the first audio stream in seconds, by decoding it (0.0 when there is none)."""
    proc = subprocess.run(
        [
            require_ffmpeg(),
            "-nostdin",
            "-v",
            "error",
            "-i",
            str(video),
            "-map",
            "0:a:0?",
            "-f",
            "s16le",
            "-ac",
            "1",
            "-ar",
            str(rate),
            "-",
        ],
        capture_output=True,
        check=True,
    )
    return len(proc.stdout) / 2 / rate


@dataclass
class TimestampReport:
    """Outcome of :func:`check_timestamps`; ``problems`` is empty when everything is right."""

    frames: int
    expected_frames: int
    first_pts: float
    max_step_error_ms: float
    video_seconds: float
    audio_seconds: float
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def check_timestamps(video: Path, fps: int, expected_frames: int) -> TimestampReport:
    """Decode ``video`` and check: pts strictly increasing, each step 1/fps (±1 ms), first pts 0, frame count equal to
    ``expected_frames``. Also measures the audio track's length (reported, not judged)."""
    pts = np.array(video_timestamps(video))
    problems = []
    if pts.size == 0:
        return TimestampReport(0, expected_frames, float("nan"), float("nan"), 0.0, 0.0, ["no video frames decoded"])
    steps = np.diff(pts)
    if steps.size and np.any(steps <= 0):
        problems.append(f"pts not strictly increasing at {int(np.sum(steps <= 0))} frame(s)")
    step_err = float(np.max(np.abs(steps - 1.0 / fps)) * 1000) if steps.size else 0.0
    if step_err > 1.0:
        problems.append(f"frame spacing deviates from 1/fps by up to {step_err:.1f} ms")
    if abs(pts[0]) > 1e-3:
        problems.append(f"first frame at {pts[0]:.3f} s, not 0")
    if pts.size != expected_frames:
        problems.append(f"{pts.size} frames, expected {expected_frames}")
    return TimestampReport(
        frames=int(pts.size),
        expected_frames=expected_frames,
        first_pts=float(pts[0]),
        max_step_error_ms=step_err,
        video_seconds=float(pts.size / fps),
        audio_seconds=audio_seconds(video),
        problems=problems,
    )


def decode_frames_rgb(video: Path, size: tuple[int, int]) -> np.ndarray:
    """All frames of ``video`` as RGB uint8, shape ``(n, H, W, 3)`` (only for small renders)."""
    w, h = size
    out = subprocess.run(
        [
            require_ffmpeg(),
            "-nostdin",
            "-v",
            "error",
            "-i",
            str(video),
            "-map",
            "0:v:0",
            "-f",
            "rawvideo",
            "-pix_fmt",
            "rgb24",
            "-",
        ],
        capture_output=True,
        check=True,
    ).stdout
    return np.frombuffer(out, np.uint8).reshape(-1, h, w, 3)


@dataclass
class BoundaryReport:
    """Per segment: expected first frame (cumulative time × fps, float) and the first frame showing its colour."""

    expected: list[float]
    found: list[int | None]
    problems: list[str] = field(default_factory=list)

    @property
    def max_error_frames(self) -> float:
        errs = [abs(f - e) for e, f in zip(self.expected, self.found, strict=False) if f is not None]
        return max(errs) if errs else float("inf")

    @property
    def ok(self) -> bool:
        return not self.problems and self.max_error_frames <= 1.0


def colour_boundaries(
    video: Path, size: tuple[int, int], fps: int, colours: list[tuple[int, int, int]], durations: list[float]
) -> BoundaryReport:
    """Classify every frame of a solid-colour render by its nearest segment colour (mean of the centre quarter) and
    compare each segment's first frame with ``sum(previous durations) * fps``. A segment whose colour never shows,
    or shows out of order, is a problem; so is a boundary more than one frame away from the narration boundary."""
    frames = decode_frames_rgb(video, size)
    h, w = frames.shape[1:3]
    centre = frames[:, h // 4 : 3 * h // 4, w // 4 : 3 * w // 4].reshape(frames.shape[0], -1, 3).mean(axis=1)
    palette = np.array(colours, dtype=np.float64)
    labels = np.argmin(((centre[:, None, :] - palette[None, :, :]) ** 2).sum(axis=2), axis=1)
    expected = list(np.cumsum([0.0, *durations[:-1]]) * fps)
    found: list[int | None] = []
    problems = []
    for k in range(len(colours)):
        idx = np.flatnonzero(labels == k)
        found.append(int(idx[0]) if idx.size else None)
        if not idx.size:
            problems.append(f"segment {k} never on screen")
        elif np.any(np.diff(idx) != 1):
            problems.append(f"segment {k} is not one contiguous run of frames")
    order = [f for f in found if f is not None]
    if order != sorted(order):
        problems.append("segments appear out of order")
    return BoundaryReport(expected=[float(e) for e in expected], found=found, problems=problems)
