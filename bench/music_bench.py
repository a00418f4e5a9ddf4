"""Cost of background music (issue 11 §5): the corpus story rendered without music and with the corpus music
(ducked, normalised), each from an empty cache, plus a music-only change re-rendered from the cache.

Target: the render with music takes at most 1.15× the render without. Run from the repo root::

    .venv/bin/python bench/music_bench.py [--segments 4] [--size 640x360] [--fps 24] [--repeat 1]

Prints a Markdown table: wall time per render (seconds), the ratio, the integrated loudness (LUFS) and true peak
(dBTP) of each output as ffmpeg's ``ebur128`` measures it, and what the music-only re-render encoded.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "backend"))

from core_engine.audio_utils import probe_audio  # noqa: E402  (after the path set-up above)
from core_engine.render.loudness import measure_file  # noqa: E402
from core_engine.render.mix import MixSettings  # noqa: E402
from core_engine.render.pipeline import render_plan  # noqa: E402
from core_engine.render.plan import PlanSegment, RenderPlan, RenderSettings  # noqa: E402

CORPUS = REPO.parent / "shared" / "corpus"
MUSIC = "music_01_brahms_hungarian_dance5_ogg_44k_stereo_45.8s.ogg"


def corpus_plan(segments: int, width: int, height: int, fps: int, mix: MixSettings | None) -> RenderPlan:
    """The first ``segments`` segments of the corpus story (photos and real recordings) as a render plan."""
    story = json.loads((CORPUS / "story.json").read_text("utf-8"))
    segs = []
    for i, item in enumerate(story["segments"][:segments]):
        audio = CORPUS / item["audio"]
        segs.append(PlanSegment(f"bench-{i}", CORPUS / item["image"], audio, probe_audio(audio).duration))
    return RenderPlan(tuple(segs), RenderSettings(width, height, fps), mix=mix)


def timed_render(plan: RenderPlan, out: Path, cache: Path | None) -> tuple[float, int]:
    """Wall seconds of one render and the number of segments it encoded."""
    started = time.perf_counter()
    result = render_plan(plan, out, cache_dir=cache)
    return time.perf_counter() - started, result.rendered_segments


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--segments", type=int, default=4)
    parser.add_argument("--size", default="640x360")
    parser.add_argument("--fps", type=int, default=24)
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    if not (CORPUS / "story.json").is_file():
        print(f"corpus not found at {CORPUS}", file=sys.stderr)
        return 2
    width, height = (int(v) for v in args.size.split("x"))
    music = MixSettings(CORPUS / MUSIC)
    plain_plan = corpus_plan(args.segments, width, height, args.fps, None)
    music_plan = corpus_plan(args.segments, width, height, args.fps, music)
    seconds = sum(s.duration for s in plain_plan.segments)
    with tempfile.TemporaryDirectory(prefix="music-bench-") as tmp:
        work = Path(tmp)
        times: dict[str, list[float]] = {"without music": [], "with music": []}
        for _ in range(args.repeat):  # alternate, so machine load hits both alike
            times["without music"].append(timed_render(plain_plan, work / "plain.mp4", None)[0])
            times["with music"].append(timed_render(music_plan, work / "music.mp4", None)[0])
        timed_render(music_plan, work / "cached.mp4", work / "cache")
        louder = RenderPlan(music_plan.segments, music_plan.settings, mix=MixSettings(CORPUS / MUSIC, music_volume=-10))
        remix_seconds, remix_encoded = timed_render(louder, work / "cached.mp4", work / "cache")
        plain = measure_file(work / "plain.mp4", true_peak=True)
        mixed = measure_file(work / "music.mp4", true_peak=True)
    best = {k: min(v) for k, v in times.items()}
    ratio = best["with music"] / best["without music"]
    print(f"Corpus story, {args.segments} segments ({seconds:.1f} s of narration), {width}×{height} at {args.fps} fps")
    print()
    print(f"| render | wall time (best of {args.repeat}) | loudness | true peak |")
    print("|---|---|---|---|")
    print(
        f"| without music | {best['without music']:.1f} s | {plain.integrated:.1f} LUFS | {plain.true_peak:.1f} dBTP |"
    )
    print(f"| with music | {best['with music']:.1f} s | {mixed.integrated:.1f} LUFS | {mixed.true_peak:.1f} dBTP |")
    print()
    print(f"Ratio with/without: {ratio:.3f}× (target ≤ 1.15×): {'PASS' if ratio <= 1.15 else 'FAIL'}")
    print(f"Music volume change from the cache: {remix_seconds:.1f} s, {remix_encoded} segment(s) encoded")
    return 0 if ratio <= 1.15 else 1


if __name__ == "__main__":
    raise SystemExit(main())
