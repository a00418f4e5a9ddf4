"""Transitions benchmark (issue 12 §6): a render with crossfades stays within 1.1× the same render with cuts.

Run from the repository root::

    .venv/bin/python bench/transitions_bench.py                 # 1920x1080 @ 30 fps, 6 segments of 2.5 s
    .venv/bin/python bench/transitions_bench.py --size 1280x720 # smaller
    .venv/bin/python bench/transitions_bench.py --kinds crossfade,fade_black,slide_left --repeats 3

Method: the first six corpus photos (``../shared/corpus`` or ``$STORYREEL_CORPUS``; exit 2 when absent), each with a
2.5 s tone as narration (15 s of video); ``render_plan`` without cache, once per transition kind (0.5 s), the kinds
interleaved and repeated (``--repeats``, default 2), best wall time kept. A crossfade costs, per transition frame,
a second Ken Burns resample and a numpy blend in the frame thread; the encoder (the bottleneck) sees the same
number of frames. Exit 1 when a kind's best time exceeds 1.1× the cuts' best time. Also reported: CPU seconds of
the process and its ffmpeg children (``getrusage``), the fairer comparison on a machine busy with other work.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "backend"))

import numpy as np
from core_engine.audio_utils import write_wav_pcm16
from core_engine.render.pipeline import render_plan
from core_engine.render.plan import PlanSegment, RenderPlan, RenderSettings
from core_engine.render.shots import ShotSettings, Transition

TARGET_RATIO = 1.1
SEGMENT_SECONDS = 2.5


def _cpu_seconds() -> float:
    """User + system CPU seconds of this process and its finished children (the ffmpeg processes)."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _corpus() -> Path | None:
    root = Path(os.environ.get("STORYREEL_CORPUS", Path(__file__).resolve().parents[2] / "shared" / "corpus"))
    return root if root.is_dir() else None


def _plan(corpus: Path, folder: Path, size: tuple[int, int], fps: int, kind: str) -> RenderPlan:
    photos = sorted(corpus.glob("photo_0[1-6]_*"))[:6]
    segments = []
    for i, photo in enumerate(photos):
        wav = folder / f"tone{i}.wav"
        if not wav.exists():
            rate = 22050
            t = np.arange(int(SEGMENT_SECONDS * rate)) / rate
            write_wav_pcm16(wav, 0.3 * np.sin(2 * np.pi * (300 + 40 * i) * t), rate)
        segments.append(PlanSegment(f"bench-{i}", photo, wav, SEGMENT_SECONDS))
    return RenderPlan(tuple(segments), RenderSettings(size[0], size[1], fps), ShotSettings(Transition(kind, 0.5)))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size", default="1920x1080")
    parser.add_argument("--fps", type=int, default=30)
    parser.add_argument("--kinds", default="crossfade")
    parser.add_argument("--repeats", type=int, default=2)
    args = parser.parse_args()
    corpus = _corpus()
    if corpus is None:
        print("transitions bench: the corpus is missing (../shared/corpus or $STORYREEL_CORPUS)", file=sys.stderr)
        return 2
    w, h = (int(v) for v in args.size.split("x"))
    kinds = ["cut", *[k for k in args.kinds.split(",") if k and k != "cut"]]
    best: dict[str, float] = {}
    best_cpu: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="transitions-bench-") as tmp:
        folder = Path(tmp)
        for _ in range(args.repeats):
            for kind in kinds:
                plan = _plan(corpus, folder, (w, h), args.fps, kind)
                cpu0, started = _cpu_seconds(), time.monotonic()
                result = render_plan(plan, folder / f"{kind}.mp4")
                wall, cpu = time.monotonic() - started, _cpu_seconds() - cpu0
                best[kind] = min(best.get(kind, wall), wall)
                best_cpu[kind] = min(best_cpu.get(kind, cpu), cpu)
                print(
                    f"  {kind:<11} {wall:6.2f} s wall, {cpu:6.2f} s CPU"
                    f"  ({result.frame_count} frames, {result.rendered_clips} clips)"
                )
    print(f"\nTransitions at {w}x{h} @ {args.fps} fps, 6 × {SEGMENT_SECONDS} s (best of {args.repeats}):")
    missed = False
    for kind in kinds:
        ratio, cpu_ratio = best[kind] / best["cut"], best_cpu[kind] / best_cpu["cut"]
        ok = ratio <= TARGET_RATIO
        missed |= not ok
        print(
            f"  {kind:<11} {best[kind]:6.2f} s  {ratio:5.3f}× cuts  {'ok' if ok else 'MISSED'} (≤ {TARGET_RATIO}×);"
            f"  CPU {best_cpu[kind]:6.2f} s  {cpu_ratio:5.3f}× cuts"
        )
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
