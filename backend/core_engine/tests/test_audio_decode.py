"""Long recordings (issue 9, row 2: the API stays within tens of MB whatever the upload): ``decode_audio`` reads
ffmpeg's output straight into one buffer, ``frame_levels_db`` works in fixed-size passes."""

from __future__ import annotations

import subprocess
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import numpy as np

from core_engine.alignment import frame_levels_db
from core_engine.audio_utils import decode_audio
from core_engine.render_utils import require_ffmpeg

RATE = 16000
T = TypeVar("T")


def _noise_flac(path: Path, seconds: float) -> Path:
    cmd = [require_ffmpeg(), "-v", "error", "-f", "lavfi", "-i", f"anoisesrc=r={RATE}:a=0.1:d={seconds}"]
    subprocess.run([*cmd, "-c:a", "flac", str(path)], check=True)
    return path


def _peak_bytes(fn: Callable[[], T]) -> tuple[T, int]:
    """``fn()`` and the peak of Python and numpy allocations (bytes) while it ran."""
    tracemalloc.start()
    try:
        result = fn()
        return result, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_a_long_recording_is_read_whole_into_one_buffer(tmp_path: Path) -> None:
    flac = _noise_flac(tmp_path / "long.flac", 300)
    samples = decode_audio(flac, RATE, 1, max_seconds=600)
    assert samples.shape == (300 * RATE,) and samples.dtype == np.float32
    assert np.abs(samples).max() <= 1.0 and samples.std() > 0.01


def test_frame_levels_of_a_long_recording_work_in_fixed_passes() -> None:
    rng = np.random.default_rng(1)
    samples = (0.1 * rng.standard_normal(600 * RATE)).astype(np.float32)  # 10 minutes, 38 MB
    levels, peak = _peak_bytes(lambda: frame_levels_db(samples, RATE))
    assert levels.shape == (1 + (samples.size - 400) // 160,)
    assert abs(levels.mean() + 20.0) < 0.2 and np.all(np.abs(levels + 20.0) < 4.0)  # the noise's RMS level: -20 dBFS
    assert peak < 25e6, f"peak {peak / 1e6:.1f} MB"  # one pass over the whole recording took 270 MB
