"""Measure the quality presets (issue 12 §4): file size and VMAF of each preset's encoder settings against a
lossless reference of real Ken Burns footage.

Reference: ``SECONDS`` s per corpus photo at 1920×1080, 30 fps, made by the engine's own camera code
(:mod:`core_engine.ken_burns`) and stored losslessly (libx264 ``-qp 0``). Each preset re-encodes it with exactly
the settings the renderer uses (:func:`core_engine.presets.quality_encoder`), and ffmpeg's ``libvmaf`` scores it
(``-lavfi "[0:v][1:v]libvmaf=n_threads=2"``, both inputs' timestamps renumbered first so that frame *n* meets
frame *n*: the MKV reference's millisecond time base otherwise pairs some frames with their neighbours).
Run: ``.venv/bin/python bench/quality_presets.py`` (takes minutes).
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "backend"))

from core_engine.ken_burns import iter_yuv_frames, motion_for, plan_camera, prepare_yuv_planes  # noqa: E402
from core_engine.presets import QUALITY_PRESETS, quality_encoder  # noqa: E402
from core_engine.render_utils import load_image_rgb, require_ffmpeg  # noqa: E402

CORPUS = ROOT.parent / "shared" / "corpus"
PHOTOS = ["photo_02_city_street_bus_iphone_4032x3024.jpg", "photo_04_people_party_charades_2240x1680.jpg"]
SIZE = (1920, 1080)
FPS = 30
SECONDS = 3.0


def reference(folder: Path) -> Path:
    ff = require_ffmpeg()
    out = folder / "reference.mkv"
    cmd = [ff, "-nostdin", "-hide_banner", "-loglevel", "error", "-y", "-f", "rawvideo", "-pix_fmt", "yuv420p",
           "-s", f"{SIZE[0]}x{SIZE[1]}", "-r", str(FPS), "-i", "pipe:0", "-c:v", "libx264", "-qp", "0",
           "-preset", "ultrafast", str(out)]  # fmt: skip
    proc = subprocess.Popen(cmd, stdin=subprocess.PIPE)
    assert proc.stdin is not None
    for name in PHOTOS:
        image = load_image_rgb(CORPUS / name)
        path = plan_camera(image.size, SIZE, 1.3, motion_for(name))
        planes = prepare_yuv_planes(image, path)
        for frame in iter_yuv_frames(planes, path, int(SECONDS * FPS)):
            for plane in frame:  # bytes or numpy planes, depending on the engine version
                proc.stdin.write(plane if isinstance(plane, bytes) else plane.tobytes())
    proc.stdin.close()
    assert proc.wait() == 0
    return out


def encode(ref: Path, name: str, folder: Path) -> tuple[Path, float]:
    enc = quality_encoder(name)
    out = folder / f"{name}.mp4"
    # enc.video_args(): codec, preset, tune, x264 parameters and rate control, exactly as the renderer passes them.
    cmd = [require_ffmpeg(), "-nostdin", "-hide_banner", "-loglevel", "error", "-y", "-i", str(ref), "-an",
           *enc.video_args(), "-pix_fmt", enc.pixel_format, str(out)]  # fmt: skip
    t = time.monotonic()
    subprocess.run(cmd, check=True)
    return out, time.monotonic() - t


def vmaf(distorted: Path, ref: Path) -> float:
    cmd = [require_ffmpeg(), "-nostdin", "-hide_banner", "-i", str(distorted), "-i", str(ref),
           "-lavfi", f"[0:v]setpts=N/{FPS}/TB[d];[1:v]setpts=N/{FPS}/TB[r];[d][r]libvmaf=n_threads=2",
           "-f", "null", "-"]  # fmt: skip
    err = subprocess.run(cmd, capture_output=True, text=True, check=True).stderr
    match = re.search(r"VMAF score: ([0-9.]+)", err)
    assert match, err[-500:]
    return float(match.group(1))


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        ref = reference(folder)
        rows = {}
        for name in QUALITY_PRESETS:
            out, seconds = encode(ref, name, folder)
            rows[name] = {"bytes": out.stat().st_size, "vmaf": round(vmaf(out, ref), 2), "encode_s": round(seconds, 1)}
            print(name, rows[name], flush=True)
        std = rows["standard"]["bytes"]
        for row in rows.values():
            row["size_vs_standard"] = round(row["bytes"] / std, 3)
        print(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()
