"""Shared helpers of the engine tests: small solid-colour plans (320×180 at 12 fps) and decoding with ffmpeg."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import numpy as np
from PIL import Image

from core_engine.audio_utils import write_wav_pcm16
from core_engine.render.plan import PlanSegment, RenderPlan, RenderSettings
from core_engine.render_utils import require_ffmpeg

W, H, FPS = 320, 180, 12
SETTINGS = RenderSettings(W, H, FPS)

#: Well separated colours for solid test images (neighbours in the list differ strongly).
PALETTE = [
    (230, 30, 30), (30, 200, 40), (40, 60, 230), (240, 240, 240), (20, 20, 20), (250, 200, 0),
    (0, 200, 220), (200, 0, 200), (128, 128, 128), (255, 128, 0),
]  # fmt: skip


def make_image(path: Path, rgb: tuple[int, int, int], size: tuple[int, int] = (400, 300)) -> Path:
    """A solid-colour PNG (or JPEG, by extension)."""
    Image.new("RGB", size, rgb).save(path)
    return path


def make_tone(path: Path, seconds: float, freq: float = 440.0, rate: int = 22050, amp: float = 0.3) -> float:
    """A mono 16-bit WAV tone (``amp`` 0 = silence); returns its exact duration in seconds (samples / rate)."""
    n = round(seconds * rate)
    t = np.arange(n) / rate
    write_wav_pcm16(path, amp * np.sin(2 * np.pi * freq * t), rate)
    return n / rate


def solid_plan(
    folder: Path,
    durations: list[float],
    colours: list[tuple[int, int, int]] | None = None,
    settings_size: tuple[int, int] = (W, H),
    **settings: object,
) -> RenderPlan:
    """A plan of solid-colour segments (or, at a larger ``settings_size``, noisy pictures, which take the encoder
    some time) with tone narrations of the given durations."""
    segs = []
    for i, d in enumerate(durations):
        rgb = (colours or PALETTE)[i % len(colours or PALETTE)]
        if settings_size == (W, H):
            img = make_image(folder / f"img{i}.png", rgb)
        else:
            img = folder / f"img{i}.png"
            noise = Image.effect_noise((800, 450), 80).convert("RGB")
            Image.blend(noise, Image.new("RGB", noise.size, rgb), 0.5).save(img)
        dur = make_tone(folder / f"tone{i}.wav", d, freq=300 + 40 * i)
        segs.append(PlanSegment(f"seg-{i}", img, folder / f"tone{i}.wav", dur))
    return RenderPlan(tuple(segs), RenderSettings(*settings_size, FPS, **settings))  # type: ignore[arg-type]


def ffmpeg_info(path: Path) -> str:
    """What ``ffmpeg -i`` says about a file (there is no ffprobe)."""
    proc = subprocess.run([require_ffmpeg(), "-hide_banner", "-i", str(path)], capture_output=True, text=True)
    return proc.stderr


def decode_frames(path: Path, size: tuple[int, int] = (W, H)) -> np.ndarray:
    """All video frames as RGB uint8 ``(n, H, W, 3)``; ffmpeg converts with the stream's own colour tags."""
    w, h = size
    proc = subprocess.run(
        [require_ffmpeg(), "-v", "error", "-i", str(path), "-map", "0:v:0", "-f", "rawvideo", "-pix_fmt", "rgb24", "-"],
        capture_output=True,
        check=True,
    )
    assert proc.stderr == b"", proc.stderr  # decodes without a single error message
    return np.frombuffer(proc.stdout, np.uint8).reshape(-1, h, w, 3)


def frame_timestamps(path: Path) -> list[int]:
    """Presentation timestamps of the decoded video frames, in the stream's time base, from ``-f framemd5``."""
    proc = subprocess.run(
        [require_ffmpeg(), "-v", "error", "-i", str(path), "-map", "0:v:0", "-f", "framemd5", "-"],
        capture_output=True,
        text=True,
        check=True,
    )
    pts = []
    for line in proc.stdout.splitlines():
        if line.startswith("#") or not line.strip():
            continue
        pts.append(int(line.split(",")[2]))
    return pts


def change_frames(frames: np.ndarray, threshold: float = 25.0) -> list[int]:
    """Indices of frames whose mean colour differs strongly from the previous frame's (cuts between solid images)."""
    means = frames.reshape(frames.shape[0], -1, 3).mean(axis=1)
    jumps = np.abs(np.diff(means, axis=0)).max(axis=1)
    return [int(i) + 1 for i in np.flatnonzero(jumps > threshold)]


def expected_boundaries(plan: RenderPlan) -> tuple[list[float], int]:
    """Narration boundaries T_1..T_{n-1} in seconds (cumulative) and the expected total frame count."""
    t, times = 0.0, []
    for seg in plan.segments:
        t += seg.duration
        times.append(t)
    return times[:-1], int(np.floor(t * plan.settings.fps + 0.5))


def ebur128(path: Path, start: float | None = None, seconds: float | None = None) -> tuple[float, float]:
    """(integrated loudness LUFS, true peak dBTP) of the file's audio (optionally of ``seconds`` from ``start``),
    read from the summary of ffmpeg's ``ebur128=peak=true`` (ITU-R BS.1770-4), independently of the engine's own
    measuring code."""
    span = ["-ss", f"{start:.4f}", "-t", f"{seconds:.4f}"] if start is not None and seconds is not None else []
    proc = subprocess.run(
        [require_ffmpeg(), "-nostats", "-hide_banner", *span, "-i", str(path), "-vn",
         "-af", "ebur128=peak=true", "-f", "null", "-"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    summary = proc.stderr[proc.stderr.rindex("Summary:") :]
    integrated = re.search(r"I:\s+(-?[0-9.]+) LUFS", summary)
    peak = re.search(r"Peak:\s+(-?[0-9.]+|-inf) dBFS", summary)
    assert integrated and peak, summary
    return float(integrated.group(1)), float(peak.group(1))
