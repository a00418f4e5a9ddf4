"""Run one measured render in a fresh process: ``python bench/worker.py JOB.json RESULT.json``.

Every timed render of the bench runs here, alone in its own interpreter, so that its peak memory is not inflated by
what earlier measurements left in the heap, and an engine crash cannot take the bench down. Modules are imported
before the clock starts; the clock and the memory sampler cover only the render call.

JOB.json: ``{"kind": "storyreel" | "producer" | "floor" | "moviepy" | "zoompan", "output": path, ...}``
(``producer``: StoryReel's frame production alone, no encoding — a diagnostic; ``storyreel`` takes an optional
``"encoder"`` dict of ``EncoderSettings`` fields, and its plan spec may carry captions, a transition and music (see
``story.py``); ``moviepy``/``zoompan`` an optional ``"lossless": true``: the untimed lossless encodes picture
quality is measured against).
RESULT.json: ``{"wall_s": seconds, "peak_rss": bytes (process tree: this process + ffmpeg children),
"base_rss": bytes before the call, "samples": int, "cpu_s": CPU seconds of the tree, "other_cpu_s": CPU seconds
of every other process on the machine meanwhile, "commands": [argv of every child process seen], "extra": {...}}``.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import story  # noqa: F401  (puts backend/ on sys.path)
from metrics import CpuAccount, Stopwatch, TreeMemorySampler


def build_plan(spec: dict, encoder: dict | None = None):
    """``RenderPlan`` from a plan spec dict (see ``story.py``), with the engine's default (production) encoder, or
    ``EncoderSettings(**encoder)`` (e.g. the lossless reference encode); the spec's optional captions, transition
    (``shots``) and background music (``mix``) become ``CaptionOptions`` (default style), ``ShotSettings`` and
    ``MixSettings``."""
    from core_engine.render.plan import EncoderSettings, RenderPlan, RenderSettings

    st = spec["settings"]
    settings = RenderSettings(
        width=st["width"],
        height=st["height"],
        fps=st["fps"],
        zoom_intensity=st["zoom_intensity"],
        encoder=EncoderSettings(**encoder) if encoder else EncoderSettings(),
        captions=_captions(st.get("captions")),
    )
    segments = tuple(_segment(s) for s in spec["segments"])
    return RenderPlan(segments=segments, settings=settings, shots=_shots(spec.get("shots")), mix=_mix(spec.get("mix")))


def _segment(s: dict):
    """A ``PlanSegment`` from a segment spec (text and word timings only when captions need them)."""
    from core_engine.render.plan import PlanSegment

    timings = s.get("word_timings")
    return PlanSegment(
        segment_id=s["segment_id"],
        image_path=Path(s["image_path"]),
        audio_path=Path(s["audio_path"]),
        duration=float(s["duration"]),
        text=s.get("text", ""),
        word_timings=tuple(timings) if timings is not None else None,
    )


def _captions(spec: dict | None):
    """``CaptionOptions`` (default style) from ``{"mode": ...}``, or None (no captions)."""
    if not spec:
        return None
    from core_engine.captions import CaptionOptions

    return CaptionOptions(mode=spec.get("mode", "sentence"))


def _shots(spec: dict | None):
    """``ShotSettings`` with the spec's transition (``{"kind", "duration"}``), or None (cuts)."""
    if not spec:
        return None
    from core_engine.render.shots import ShotSettings, Transition

    return ShotSettings(transition=Transition(**spec["transition"]))


def _mix(spec: dict | None):
    """``MixSettings`` from ``{"music_path": str, ...}`` (other fields at their defaults), or None (no music)."""
    if not spec:
        return None
    from core_engine.render.mix import MixSettings

    fields = {k: v for k, v in spec.items() if k != "music_path"}
    return MixSettings(music_path=Path(spec["music_path"]), **fields)


def _as_preview(plan, preview: bool):
    """``plan``, or with ``preview`` its quick preview draft (``core_engine.presets.preview_settings``)."""
    if not preview:
        return plan
    from dataclasses import replace

    from core_engine.presets import preview_settings

    return replace(plan, settings=preview_settings(plan.settings))


def _prepare_storyreel(job: dict, output: Path):
    """The StoryReel engine rendering the job's plan (with its cache and pruning when asked)."""
    from core_engine.render.pipeline import render_plan

    plan = _as_preview(build_plan(job["plan"], job.get("encoder")), bool(job.get("preview")))
    cache_dir = Path(job["cache_dir"]) if job.get("cache_dir") else None
    progress: list[tuple[float, list]] = []
    t0 = [0.0]

    def on_progress(record) -> None:  # a core_engine.render.progress.ProgressRecord
        fields = [record.current_segment, record.total_segments, record.current_phase, record.percentage]
        progress.append((time.perf_counter() - t0[0], [*fields, record.stage, record.eta_seconds]))

    def run() -> dict:
        t0[0] = time.perf_counter()
        res = render_plan(plan, output, on_progress=on_progress, cache_dir=cache_dir)
        extra = {}
        if cache_dir is not None and job.get("prune"):
            # What render_project does after every render: keep only the current plan's entries.
            from core_engine.render.cache import prune_cache
            from core_engine.render.keys import cache_keys

            keep = cache_keys(plan)
            extra["pruned_files"] = prune_cache(cache_dir, keep)
            extra["plan_keys"] = sorted(keep)
        return {
            "frames": int(res.frame_count),
            "duration": float(res.duration),
            "rendered_segments": _count(res.rendered_segments),
            "reused_segments": _count(res.reused_segments),
            "rendered_clips": int(getattr(res, "rendered_clips", 0)),
            "progress": [
                (round(t, 3), [a if isinstance(a, (int, float, str)) else str(a) for a in args]) for t, args in progress
            ],
            **extra,
        }

    return run


def _prepare_producer(job: dict):
    """The engine's frame production alone (frames discarded)."""
    from core_engine import ken_burns
    from core_engine.render.plan import plan_timeline
    from core_engine.render_utils import load_image_rgb

    plan = build_plan(job["plan"])
    size = (plan.settings.width, plan.settings.height)

    def produce() -> dict:
        """The engine's per-segment frame production (as its producer thread does it), frames discarded."""
        frames = 0
        for seg, span in zip(plan.segments, plan_timeline(plan), strict=False):
            image = load_image_rgb(seg.image_path)
            path = ken_burns.plan_camera(
                image.size, size, plan.settings.zoom_intensity, ken_burns.motion_for(seg.segment_id)
            )
            working = ken_burns.prepare_working_image(image, path)
            del image
            if hasattr(ken_burns, "iter_yuv_frames"):
                frames_iter = ken_burns.iter_yuv_frames(ken_burns.to_yuv_planes(working), path, span.frame_count)
            else:
                frames_iter = (f.tobytes() for f in ken_burns.iter_frames(working, path, span.frame_count))
            for _ in frames_iter:
                frames += 1
        return {"frames": frames}

    return produce


def prepare(job: dict):
    """Import what the job needs and return a zero-argument callable doing the measured work (returns extras)."""
    kind = job["kind"]
    output = Path(job["output"])
    if kind == "storyreel":
        return _prepare_storyreel(job, output)
    if kind == "producer":
        return _prepare_producer(job)
    if kind == "floor":
        from references import encode_floor

        size = (job["width"], job["height"])
        return lambda: {
            "frames": encode_floor(
                Path(job["raw_path"]), job["frames"], size, job["fps"], output, job.get("pix_fmt", "rgb24")
            )
        }
    if kind == "moviepy":
        import moviepy  # noqa: F401  (import cost is not part of the render)
        from references import render_moviepy

        return lambda: {"frames": render_moviepy(job["plan"], output, bool(job.get("lossless")))}
    if kind == "zoompan":
        from references import render_zoompan

        work = Path(job["work"])
        work.mkdir(parents=True, exist_ok=True)
        ranges = [tuple(r) for r in job["frame_ranges"]]
        return lambda: {"frames": render_zoompan(job["plan"], output, work, ranges, bool(job.get("lossless")))}
    raise ValueError(f"unknown job kind {kind!r}")


def _count(value) -> int:
    """The engine may report segments as a count or as a collection of ids."""
    return int(value) if isinstance(value, (int, float)) else len(value)


def main(job_path: str, result_path: str) -> int:
    job = json.loads(Path(job_path).read_text())
    work = prepare(job)
    with TreeMemorySampler(interval=0.05) as mem, CpuAccount() as cpu, Stopwatch() as clock:
        extra = work()
    Path(result_path).write_text(
        json.dumps(
            {
                "wall_s": clock.seconds,
                "peak_rss": mem.peak_bytes,
                "base_rss": mem.base_bytes,
                "samples": mem.samples,
                "cpu_s": cpu.tree_seconds,
                "other_cpu_s": cpu.other_seconds,
                "extra": extra,
                "commands": [cmd for cmd in mem.commands.values() if cmd],
                "peak_parts": mem.peak_parts,
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
