"""StoryReel render benchmark: speed, feature costs, smoothness, incremental re-render, memory, timing, latency.

Run from the repository root::

    python bench/render_bench.py            # full run, 1920x1080 @ 30 fps (about 10 minutes on 2 cores)
    python bench/render_bench.py --quick    # smoke run, 640x360, short clips (about 1 minute)
    python bench/render_bench.py --out DIR  # where videos, logs and the JSON report go (default bench/out/)
    python bench/render_bench.py --only speed,smoothness   # some parts only (for development)
    python bench/render_bench.py --quick --only transitions,sound   # the feature-cost parts, smoke size

It needs the corpus of photos and recordings (``../shared/corpus`` next to the repository, or ``$STORYREEL_CORPUS``)
and exits with code 2 when it is absent. It prints a targets table, writes ``bench/RESULTS.md`` (``--results``
to change; the quick run writes ``<out>/RESULTS-quick.md`` instead) and ``<out>/results.json``, and exits 1 when any
target is missed or could not be measured, 0 otherwise.

Method. Every render runs in its own fresh interpreter (``worker.py``), modules imported before the clock starts;
the numbers cover the render call only: wall time; peak memory = the highest RSS sum of the process and all its
children (ffmpeg included), sampled every 50 ms; CPU used by that process tree ("cores used" = CPU s / wall s) and
by every *other* process on the machine meanwhile ("other load", in cores — a number well above 0 means the
measurement was disturbed). Before each render the bench waits (up to 30 s, 180 s per run) for the machine to be
quiet. Speed numbers are only meaningful with "other load" near 0.

1. **Speed** on a 6-segment story from the corpus (its first six photos, each narration trimmed to 2.5 s: 15 s of
   video; every renderer gets the identical plan):
   a. StoryReel ``render_plan`` without cache;
   b. the encoder floor: the same ffmpeg binary encoding StoryReel's own frames (decoded beforehand to tmpfs and
      piped as rawvideo) with the same codec/preset/bitrate/pixel format/BT.709 options — the cost of encoding
      alone. Two variants: rgb24 in (ffmpeg converts; the target's floor) and yuv420p in (no conversion, like the
      engine's own encoder: the stricter floor);
   c. the MoviePy reference and d. the ffmpeg zoompan reference (see ``references.py``).
   Reported: wall s, frames/s, realtime factor (video s / wall s), peak MB, file size, the encoders' command
   lines, the engine's progress callbacks with timestamps; ratios full/floor, reference/full, zoompan/full.
1b. **Quick preview**: the speed test's plan rendered at Standard quality and as its quick preview draft (480p, ≤ 15
   fps, x264 ultrafast), both without cache: preview time / Standard time ≤ 0.15.
1c. **Transitions** (``features.py``): the speed test's plan with every boundary a cut vs every boundary a 0.5 s
   crossfade, both without cache: crossfades / cuts ≤ 1.1×.
1d. **Captions and music** (``features.py``): the speed test's plan without vs with word-timed captions burned in
   (sentence mode, default style) and the corpus music ducked under the narration (default mix settings), both
   without cache: with / without ≤ 1.15×. The report checks the captions were burned in and the music mixed, and
   gives both outputs' loudness.
   In 1c and 1d the two renders alternate over ``feature_rounds`` rounds (base, variant, base, variant); each ratio
   is taken within a round, the target judged on the median, the spread, CPU-time ratio and each render's stage
   breakdown (audio / segments / join, from the engine's progress callbacks) reported.
2. **Smoothness** of a straight linear pan (constant zoom 1.3, 3.7 source px/frame ≈ 2.4 output px/frame, 4 s) over
   the 16:9 landscape photo, drawn by each renderer's own per-frame code without encoding; jitter =
   std/|mean| of the phase-correlation frame shift (``smoothness.py``), with an upsampled-DFT cross-check.
3. **Incremental re-render** of the 8-segment story (2.5 s each) with a cache, each render followed by the pruning
   ``render_project`` does: full, unchanged, then one photo replaced; times relative to the full render; the cache
   must then hold exactly the current plan's entries.
4. **Memory scaling**: 60 vs 6 segments of 0.5 s at full resolution, no cache, both cycling through the same six
   photos; each rendered twice, highest peak kept; the per-process split at the peak is shown.
5. **Timing**: pts strictly increasing and evenly spaced, frame count = round(total × fps) on the speed-test video,
   and on a 320x180 render of 20 solid-colour segments of irregular durations every segment's first frame within
   one frame of its narration boundary.
6. **Status latency**: the real application server (``manage.py serve``, waitress; own database and media folder)
   rendering a 4-segment corpus project with the full recordings, while 20 client threads poll
   ``GET /api/projects/{id}/status/`` (each every 200 ms, spread evenly: 100 requests/s) for up to 30 s; p50/p99 in
   ms, with the same polling on the idle server as a baseline.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import traceback
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))
sys.path.insert(0, str(BENCH.parent / "backend"))  # core_engine (story.py adds it too, but is imported later)

import numpy as np  # noqa: E402
from core_engine.render_utils import check_ffmpeg, ffmpeg_version, load_image_rgb  # noqa: E402
from metrics import machine_info, wait_for_quiet  # noqa: E402
from smoothness import LinearPan, measure_shifts  # noqa: E402
from story import (  # noqa: E402
    REPO,
    CorpusMissing,
    corpus_dir,
    corpus_photos,
    corpus_plan,
    load_corpus_story,
    plan_frames,
    segment_frame_ranges,
    segment_spec,
    settings_spec,
    solid_png,
    tone_wav,
)

MB = 1024 * 1024


# ----------------------------------------------------------------------------------------------------- configuration


@dataclass(frozen=True)
class BenchConfig:
    """Sizes of every measurement. Durations in seconds, sizes in pixels."""

    width: int = 1920
    height: int = 1080
    fps: int = 30
    speed_segments: int = 6
    speed_seconds: float = 2.5
    speed_rounds: int = 2
    feature_rounds: int = 2  # transitions and sound parts: rounds of (base, variant)
    smooth_frames: int = 120
    smooth_speed: float = 3.7  # source px per frame
    smooth_zoom: float = 1.3
    incr_segments: int = 8
    incr_seconds: float = 2.5
    mem_small: int = 6
    mem_large: int = 60
    mem_seconds: float = 0.5
    mem_repeats: int = 2
    boundary_segments: int = 20
    status_segments: int = 4
    status_clients: int = 20
    status_interval: float = 0.2
    status_max_seconds: float = 30.0


FULL = BenchConfig()
QUICK = BenchConfig(
    width=640,
    height=360,
    speed_segments=2,
    speed_seconds=1.0,
    smooth_frames=30,
    incr_seconds=0.5,
    mem_small=2,
    mem_large=12,
    mem_repeats=1,
    boundary_segments=8,
    status_segments=2,
    status_max_seconds=10.0,
)


# ------------------------------------------------------------------------------------------------------- reporting


@dataclass
class Target:
    """One checked target: ``passed`` is None when it could not be measured (counts as missed)."""

    name: str
    goal: str
    measured: str
    passed: bool | None

    @property
    def verdict(self) -> str:
        return {True: "PASS", False: "FAIL", None: "N/A"}[self.passed]


@dataclass
class Report:
    """Everything the run measured: markdown sections, targets, raw numbers (for results.json)."""

    sections: list[tuple[str, list[str]]] = field(default_factory=list)
    targets: list[Target] = field(default_factory=list)
    data: dict = field(default_factory=dict)

    def section(self, title: str, lines: list[str]) -> None:
        self.sections.append((title, lines))
        print(f"\n## {title}\n" + "\n".join(lines), flush=True)

    def target(self, name: str, goal: str, measured: str, passed: bool | None) -> None:
        self.targets.append(Target(name, goal, measured, passed))

    def targets_table(self) -> list[str]:
        rows = ["| target | goal | measured | result |", "|---|---|---|---|"]
        rows += [f"| {t.name} | {t.goal} | {t.measured} | {t.verdict} |" for t in self.targets]
        return rows

    @property
    def all_passed(self) -> bool:
        return all(t.passed for t in self.targets)


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)


def table(header: list[str], rows: list[list[str]]) -> list[str]:
    """Markdown table lines."""
    return ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)] + ["| " + " | ".join(r) + " |" for r in rows]


def fmt(value: float | None, spec: str = ".2f", unit: str = "") -> str:
    return "n/a" if value is None or (isinstance(value, float) and np.isnan(value)) else f"{value:{spec}}{unit}"


# ------------------------------------------------------------------------------------------------------ running jobs


class JobFailed(RuntimeError):
    """A worker process failed; the message ends with its stderr tail."""


@dataclass
class Run:
    """One measured render: wall seconds, frames, video seconds, peak tree RSS bytes, output path, extras."""

    name: str
    wall_s: float
    frames: int
    video_s: float
    peak_rss: int
    output: Path
    extra: dict
    cpu_s: float = 0.0
    other_cpu_s: float = 0.0
    commands: list = field(default_factory=list)
    peak_parts: list = field(default_factory=list)

    def peak_breakdown(self) -> str:
        """Per-process RSS at the peak sample, e.g. ``python 180 MB + ffmpeg 520 MB``."""
        short = lambda name: "ffmpeg" if "ffmpeg" in name else name  # noqa: E731
        return " + ".join(f"{short(name)} {rss / MB:.0f} MB" for name, rss in self.peak_parts) or "n/a"

    @property
    def other_load(self) -> float:
        """Cores used by other processes on the machine during the render."""
        return self.other_cpu_s / self.wall_s if self.wall_s > 0 else 0.0

    @property
    def disturbed(self) -> bool:
        """Other processes used more than :data:`DISTURBED_CORES` cores (and 0.1 CPU s) meanwhile: timing not
        trustworthy."""
        return self.other_load > DISTURBED_CORES and self.other_cpu_s > 0.1

    def encoder_commands(self) -> list[str]:
        """Distinct video-encoding ffmpeg command lines this render ran, file names replaced by ``…``."""
        seen = []
        for argv in self.commands:
            if "libx264" not in argv:
                continue
            text = " ".join("…" + Path(a).suffix if a.startswith("/") else a for a in argv[1:])
            if text not in seen:
                seen.append(text)
        return seen

    @property
    def fps(self) -> float:
        """Frames rendered per wall-clock second."""
        return self.frames / self.wall_s

    @property
    def realtime(self) -> float:
        """Video seconds per wall-clock second (>1 = faster than real time)."""
        return self.video_s / self.wall_s

    def row(self) -> list[str]:
        size = self.output.stat().st_size / MB if self.output.is_file() else float("nan")
        return [
            self.name,
            fmt(self.wall_s),
            str(self.frames),
            fmt(self.fps, ".1f"),
            fmt(self.realtime, ".2f", "×"),
            fmt(self.peak_rss / MB, ".0f"),
            fmt(size, ".1f"),
            fmt(self.cpu_s / self.wall_s, ".2f"),
            fmt(self.other_load, ".2f") + (" ⚠ disturbed" if self.disturbed else ""),
        ]


RUN_HEADER = [
    "renderer",
    "wall s",
    "frames",
    "frames/s",
    "realtime",
    "peak MB (tree)",
    "file MB",
    "cores used",
    "other load (cores)",
]


#: Before each timed render, wait (up to ``seconds``) until other processes use < DISTURBED_CORES; at most ``budget``
#: seconds of waiting in the whole run. ``seconds`` = 0 disables.
QUIET_WAIT = {"seconds": 30.0, "budget": 180.0}

#: How many times a disturbed speed measurement is taken in all (see :data:`DISTURBED_CORES`).
SPEED_ATTEMPTS = 3


#: A measurement during which other processes used more than this many cores is "disturbed": timing-sensitive
#: renders are then repeated, and a target decided by a disturbed measurement is reported as not measured.
DISTURBED_CORES = 0.15


def run_job(name: str, job: dict, work: Path, video_s: float, attempts: int = 1) -> Run:
    """Run ``job`` in ``worker.py`` (fresh interpreter) and return its measurements.

    Waits first for the machine to be quiet (see :data:`QUIET_WAIT`); the load other processes put on the machine
    during the render is measured and reported with it ("other load"). A disturbed run (see
    :data:`DISTURBED_CORES`) is repeated up to ``attempts`` times in all; the least disturbed run is returned.

    Raises:
        JobFailed: the worker exited non-zero (engine error, ffmpeg error, ...).
    """
    best: Run | None = None
    for attempt_no in range(1, attempts + 1):
        run = _run_once(name, job, work, video_s)
        if best is None or run.other_load < best.other_load:
            best = run
        if not run.disturbed:
            break
        log(
            f"{name}: disturbed by other processes ({run.other_load:.2f} cores)"
            + ("; measuring again" if attempt_no < attempts else "")
        )
    assert best is not None
    return best


def _wait_quiet(name: str) -> None:
    if QUIET_WAIT["seconds"] > 0 and QUIET_WAIT["budget"] > 0:
        t0 = time.monotonic()
        load = wait_for_quiet(max_other_cores=DISTURBED_CORES, timeout=min(QUIET_WAIT["seconds"], QUIET_WAIT["budget"]))
        QUIET_WAIT["budget"] -= time.monotonic() - t0
        if load >= DISTURBED_CORES:
            log(f"{name}: machine still busy ({load:.2f} cores used by other processes); measuring anyway")


def _run_once(name: str, job: dict, work: Path, video_s: float) -> Run:
    _wait_quiet(name)
    safe = "".join(c if c.isalnum() else "_" for c in name)
    job_path, result_path = work / f"{safe}.job.json", work / f"{safe}.result.json"
    job_path.write_text(json.dumps(job, indent=1))
    result_path.unlink(missing_ok=True)
    proc = subprocess.run(
        [sys.executable, str(BENCH / "worker.py"), str(job_path), str(result_path)],
        capture_output=True,
        text=True,
        cwd=REPO,
    )
    (work / f"{safe}.log").write_text(proc.stdout + proc.stderr)
    if proc.returncode != 0 or not result_path.is_file():
        tail = "\n".join((proc.stderr or proc.stdout).strip().splitlines()[-6:])
        raise JobFailed(f"{name}: worker exited with {proc.returncode}:\n{tail}")
    res = json.loads(result_path.read_text())
    run = Run(
        name=name,
        wall_s=res["wall_s"],
        frames=int(res["extra"].get("frames", 0)),
        video_s=video_s,
        peak_rss=res["peak_rss"],
        output=Path(job["output"]),
        extra=res["extra"],
        cpu_s=res["cpu_s"],
        other_cpu_s=res["other_cpu_s"],
        commands=res.get("commands", []),
        peak_parts=res.get("peak_parts", []),
    )
    log(
        f"{name}: {run.wall_s:.2f} s, {run.fps:.1f} frames/s, peak {run.peak_rss / MB:.0f} MB, "
        f"{run.cpu_s / run.wall_s:.2f} cores; other load {run.other_load:.2f} cores"
    )
    return run


def judged(
    passed: bool | None,
    measured: str,
    favour_pass: tuple[Run | None, ...] = (),
    favour_fail: tuple[Run | None, ...] = (),
) -> tuple[str, bool | None]:
    """(measured text, verdict) of a timing target, allowing for disturbed runs.

    Other load only ever slows a render down. ``favour_pass`` are the runs whose slowing makes the target easier
    (e.g. the floor, the reference, the full render a re-render is compared with); ``favour_fail`` those whose
    slowing makes it harder. A pass resting on a disturbed ``favour_pass`` run, or a fail resting on a disturbed
    ``favour_fail`` run, is not trustworthy and becomes "not measured" (None).
    """
    suspects = favour_pass if passed else favour_fail
    bad = [r for r in suspects if r is not None and r.disturbed]
    if passed is None or not bad:
        return measured, passed
    worst = max(r.other_load for r in bad)
    return f"{measured} — disturbed (other processes used up to {worst:.2f} cores)", None


def storyreel_job(plan: dict, output: Path, cache_dir: Path | None = None) -> dict:
    return {
        "kind": "storyreel",
        "plan": plan,
        "output": str(output),
        "cache_dir": str(cache_dir) if cache_dir else None,
    }


def attempt(report: Report, what: str, fn: Callable[[], None]) -> None:
    """Run one part of the bench; an exception is reported (and its targets stay unmeasured) but the run goes on."""
    try:
        fn()
    except Exception as exc:  # one broken part must not hide the others' numbers
        log(f"{what} failed: {exc}")
        (report.data.setdefault("errors", {}))[what] = "".join(traceback.format_exception(exc))
        report.section(f"{what}: error", ["```", *str(exc).splitlines()[-8:], "```"])


def engine_available() -> str | None:
    """None when ``core_engine.render.pipeline.render_plan`` imports, else the reason."""
    try:
        from core_engine.render.pipeline import render_plan  # noqa: F401
    except Exception as exc:  # ImportError, or a syntax error while the engine is being written
        return f"{exc.__class__.__name__}: {exc}"
    return None


# ---------------------------------------------------------------------------------------------- 1b. quick preview
#: The quick preview (issue 12 §5) must take at most this fraction of the Standard render's time.
PREVIEW_TIME_RATIO = 0.15


def bench_preview(cfg: BenchConfig, out: Path, work: Path, report: Report) -> None:
    """The speed test's plan rendered at full settings (Standard quality) and as its quick preview draft
    (``core_engine.presets.preview_settings``: 480p, ≤ 15 fps, x264 ultrafast CRF 30), both without cache."""
    settings = settings_spec(cfg.width, cfg.height, cfg.fps)
    plan = corpus_plan(cfg.speed_segments, cfg.speed_seconds, settings, work)
    video_s = plan_frames(plan) / cfg.fps
    full = run_job("Standard render", storyreel_job(plan, out / "standard.mp4"), work, video_s, SPEED_ATTEMPTS)
    draft_job = {**storyreel_job(plan, out / "preview.mp4"), "preview": True}
    draft = run_job("quick preview", draft_job, work, video_s, SPEED_ATTEMPTS)
    ratio = draft.wall_s / full.wall_s
    report.data["preview"] = {"standard_s": full.wall_s, "preview_s": draft.wall_s, "ratio": ratio}
    report.section(
        f"Quick preview — {len(plan['segments'])} corpus segments, {video_s:.1f} s, {cfg.width}x{cfg.height}",
        [*table(RUN_HEADER, [full.row(), draft.row()]), "", f"- preview / Standard = **{fmt(ratio, '.3f')}**"],
    )
    report.target(
        "quick preview / Standard render",
        f"≤ {PREVIEW_TIME_RATIO}×",
        *judged(ratio <= PREVIEW_TIME_RATIO, fmt(ratio, ".3f", "×"), favour_pass=(full,), favour_fail=(draft,)),
    )


# ---------------------------------------------------------------------------------------- 1c/1d. feature costs
#: Issue 12: a render with crossfades takes at most this many times the same render with cuts.
TRANSITION_TIME_RATIO = 1.1
#: Issue 11: a render with captions and music takes at most this many times the same render without them.
SOUND_TIME_RATIO = 1.15


@dataclass
class Paired:
    """Alternating rounds of a base render and the same render with a feature on (base, variant, base, ...)."""

    base: list[Run]
    variant: list[Run]

    @property
    def ratios(self) -> list[float]:
        """Variant wall time / base wall time, per round."""
        return [v.wall_s / b.wall_s for b, v in zip(self.base, self.variant, strict=True)]

    @property
    def cpu_ratios(self) -> list[float]:
        """Variant CPU seconds / base CPU seconds (process tree), per round."""
        return [v.cpu_s / b.cpu_s for b, v in zip(self.base, self.variant, strict=True) if b.cpu_s > 0]

    @property
    def median(self) -> float:
        """Median over rounds of the wall-time ratio (the judged number)."""
        return float(np.median(self.ratios))


def paired_rounds(base: tuple[str, dict], variant: tuple[str, dict], work: Path, video_s: float, rounds: int) -> Paired:
    """Render the ``(label, job)`` pairs ``base`` and ``variant`` alternately for ``rounds`` rounds (each render in
    its own worker, a disturbed one measured again up to :data:`SPEED_ATTEMPTS` times)."""
    pair = Paired([], [])
    for i in range(rounds):
        pair.base.append(run_job(f"{base[0]} (round {i + 1})", base[1], work, video_s, SPEED_ATTEMPTS))
        pair.variant.append(run_job(f"{variant[0]} (round {i + 1})", variant[1], work, video_s, SPEED_ATTEMPTS))
    return pair


def _paired_lines(pair: Paired, rounds: int) -> list[str]:
    """Run table (with each render's stage breakdown) and the ratio lines of a paired comparison."""
    from features import PHASES, stage_seconds

    rows = []
    for run in [r for b, v in zip(pair.base, pair.variant, strict=True) for r in (b, v)]:
        phases = stage_seconds(run.extra.get("progress", []), run.wall_s)
        rows.append([*run.row(), *(fmt(phases[p]) for p in PHASES)])
    lines = table([*RUN_HEADER, *(f"{p} s" for p in PHASES)], rows)
    return [
        *lines,
        "",
        f"Rounds alternate the two renders ({rounds} rounds); each ratio is taken within a round, the target is "
        "judged on the median over rounds. Stage columns: from the engine's progress callbacks (audio = validation, "
        "narration and mix, while the frame thread starts; segments = frames + encode; join + mux = the rest).",
        f"- wall-time ratio = **{fmt(pair.median, '.3f')}** per round {_spread(pair.ratios)}",
        f"- CPU-time ratio (process tree) per round {_spread(pair.cpu_ratios)}",
    ]


def _paired_target(report: Report, name: str, limit: float, pair: Paired, missing: str | None) -> None:
    """The ratio target of a paired comparison; ``missing`` names a feature the variant did not actually render
    (then the target is not measured)."""
    measured = f"{pair.median:.3f}× (rounds {_spread(pair.ratios)})"
    if missing:
        report.target(name, f"≤ {limit}×", f"{measured} — not comparable: {missing}", None)
        return
    passed = pair.median <= limit
    report.target(
        name, f"≤ {limit}×", *judged(passed, measured, favour_pass=tuple(pair.base), favour_fail=tuple(pair.variant))
    )


def _feature_plan(cfg: BenchConfig, work: Path) -> tuple[dict, float]:
    """The speed test's plan (``speed_segments`` corpus segments of ``speed_seconds`` s) and its video seconds."""
    plan = corpus_plan(cfg.speed_segments, cfg.speed_seconds, settings_spec(cfg.width, cfg.height, cfg.fps), work)
    return plan, plan_frames(plan) / cfg.fps


def bench_transitions(cfg: BenchConfig, out: Path, work: Path, report: Report) -> None:
    """The speed test's plan with every boundary a cut vs every boundary a 0.5 s crossfade (``features.py``)."""
    from features import CROSSFADE_SECONDS, transition_pair

    plan, video_s = _feature_plan(cfg, work)
    cuts, fades = transition_pair(plan)
    pair = paired_rounds(
        ("cuts", storyreel_job(cuts, out / "transitions_cut.mp4")),
        (f"crossfades {CROSSFADE_SECONDS} s", storyreel_job(fades, out / "transitions_crossfade.mp4")),
        work,
        video_s,
        cfg.feature_rounds,
    )
    clips = [r.extra.get("rendered_clips", 0) for r in (pair.base[0], pair.variant[0])]
    missing = None if clips[1] > clips[0] else f"the crossfade render encoded {clips[1]} clips, the cut one {clips[0]}"
    report.data["transitions"] = {"ratios": pair.ratios, "cpu_ratios": pair.cpu_ratios, "clips": clips}
    lines = _paired_lines(pair, cfg.feature_rounds)
    lines.append(f"- clips encoded: {clips[0]} with cuts, {clips[1]} with crossfades (bodies + transition clips)")
    report.section(
        f"Transitions — {len(plan['segments'])} corpus segments, {video_s:.1f} s, {cfg.width}x{cfg.height} @ "
        f"{cfg.fps} fps, cuts vs {CROSSFADE_SECONDS} s crossfades",
        lines,
    )
    _paired_target(report, "render with crossfades / with cuts", TRANSITION_TIME_RATIO, pair, missing)


def _sound_checks(pair: Paired) -> tuple[list[str], str | None]:
    """Report lines showing the variant really burned captions in and mixed music (encoder / mixer command lines,
    loudness of both outputs), and what is missing when it did not."""
    from core_engine.render.loudness import measure_file
    from features import MUSIC_FILE

    variant = pair.variant[0]
    burned = any(any("ass=" in a for a in argv) for argv in variant.commands)
    mixed = any(any(MUSIC_FILE in a for a in argv) for argv in variant.commands)
    lines = [f"- captions burned in (libass `ass` filter in an encoder command): {'yes' if burned else 'NO'}; "
             f"music read by the mixer: {'yes' if mixed else 'NO'}"]  # fmt: skip
    for label, run in (("without", pair.base[0]), ("with captions + music", variant)):
        try:
            loud = measure_file(run.output, true_peak=True)
            lines.append(f"- output {label}: {loud.integrated:.1f} LUFS, true peak {loud.true_peak:.1f} dBTP")
        except Exception as exc:  # a report line, never a reason to lose the timing
            lines.append(f"- output {label}: loudness not measured ({exc})")
    missing = [what for what, ok in (("captions not burned in", burned), ("music not mixed", mixed)) if not ok]
    return lines, "; ".join(missing) or None


def bench_sound(cfg: BenchConfig, out: Path, work: Path, report: Report) -> None:
    """The speed test's plan without vs with word-timed burned-in captions and ducked corpus music
    (``features.py``)."""
    from features import caption_count, sound_pair

    plan, video_s = _feature_plan(cfg, work)
    plain, rich = sound_pair(plan)
    pair = paired_rounds(
        ("no captions, no music", storyreel_job(plain, out / "sound_plain.mp4")),
        ("captions + music", storyreel_job(rich, out / "sound_captions_music.mp4")),
        work,
        video_s,
        cfg.feature_rounds,
    )
    checks, missing = _sound_checks(pair)
    report.data["sound"] = {"ratios": pair.ratios, "cpu_ratios": pair.cpu_ratios, "words": caption_count(rich)}
    lines = _paired_lines(pair, cfg.feature_rounds)
    lines += [
        f"- captions: {caption_count(rich)} words, sentence mode, default style, word timings spread over the "
        f"trimmed recordings by syllables; music: {Path(rich['mix']['music_path']).name}, default mix settings "
        "(−18 dB, ducked under the narration, −14 LUFS)",
        *checks,
    ]
    report.section(
        f"Captions and music — {len(plan['segments'])} corpus segments, {video_s:.1f} s, {cfg.width}x{cfg.height} "
        f"@ {cfg.fps} fps, without vs with both",
        lines,
    )
    _paired_target(report, "render with captions + music / without", SOUND_TIME_RATIO, pair, missing)


# ------------------------------------------------------------------------------------------------------ 1. speed


#: StoryReel encoder settings making a lossless encode of its frames (the picture-quality reference).
LOSSLESS_STORYREEL_ENCODER = {"preset": "ultrafast", "tune": "", "x264_params": "qp=0"}


def _speed_round(
    plan: dict, out: Path, work: Path, video_s: float, cfg: BenchConfig, lossless_frames: Path, first: bool
) -> dict[str, Run]:
    """One alternating round of the timed renders: StoryReel, the floor (rgb24 in), MoviePy, zoompan; on the first
    round also the stricter yuv420p floor and the frames-only diagnostic. Failures are logged and left out."""
    runs: dict[str, Run] = {}

    def measure(key: str, fn: Callable[[], Run]) -> None:
        try:
            runs[key] = fn()
        except Exception as exc:
            log(f"{key} failed: {exc}")
            runs_errors[key] = str(exc)

    runs_errors: dict[str, str] = {}

    def floor(pix_fmt: str, label: str) -> Run:
        shm = Path("/dev/shm") if Path("/dev/shm").is_dir() else Path(tempfile.gettempdir())
        raw = shm / f"storyreel-bench-{os.getpid()}.{pix_fmt}"
        try:
            from references import decode_to_raw

            decode_to_raw(lossless_frames, raw, (cfg.width, cfg.height), pix_fmt)
            job = {
                "kind": "floor",
                "raw_path": str(raw),
                "width": cfg.width,
                "height": cfg.height,
                "fps": cfg.fps,
                "frames": plan_frames(plan),
                "pix_fmt": pix_fmt,
                "output": str(out / f"floor_{pix_fmt}.mp4"),
            }
            return run_job(label, job, work, video_s)
        finally:
            raw.unlink(missing_ok=True)

    zoompan_job = {
        "kind": "zoompan",
        "plan": plan,
        "output": str(out / "zoompan.mp4"),
        "work": str(work / "zoompan"),
        "frame_ranges": segment_frame_ranges(plan),
    }
    measure("storyreel", lambda: run_job("storyreel", storyreel_job(plan, out / "storyreel.mp4"), work, video_s))
    measure("floor", lambda: floor("rgb24", "encoder floor, medium (rgb24 in)"))
    measure(
        "moviepy",
        lambda: run_job(
            "moviepy reference", {"kind": "moviepy", "plan": plan, "output": str(out / "moviepy.mp4")}, work, video_s
        ),
    )
    measure("zoompan", lambda: run_job("zoompan reference", zoompan_job, work, video_s))
    if first:
        measure("floor_yuv", lambda: floor("yuv420p", "encoder floor, medium (yuv420p in)"))
        producer_job = {"kind": "producer", "plan": plan, "output": str(out / "none")}
        measure("producer", lambda: run_job("StoryReel frames only (no encoding)", producer_job, work, video_s))
    return runs


def _lossless_references(plan: dict, out: Path, work: Path, video_s: float) -> dict[str, Path]:
    """Untimed lossless (``-qp 0``) encodes of each pipeline's own frames: StoryReel's (also the frames the floor
    encodes), MoviePy's and zoompan's. Returns renderer key → file."""
    files = {k: out / f"lossless_{k}.mp4" for k in ("storyreel", "moviepy", "zoompan")}
    job = {**storyreel_job(plan, files["storyreel"]), "encoder": LOSSLESS_STORYREEL_ENCODER}
    run_job("lossless: StoryReel frames", job, work, video_s)
    job = {"kind": "moviepy", "plan": plan, "output": str(files["moviepy"]), "lossless": True}
    run_job("lossless: MoviePy frames", job, work, video_s)
    job = {
        "kind": "zoompan",
        "plan": plan,
        "output": str(files["zoompan"]),
        "work": str(work / "zoompan-lossless"),
        "frame_ranges": segment_frame_ranges(plan),
        "lossless": True,
    }
    run_job("lossless: zoompan frames", job, work, video_s)
    return files


def _spread(values: list[float]) -> str:
    return " / ".join(f"{v:.2f}" for v in values) + (
        f" (spread {min(values):.2f}–{max(values):.2f})" if len(values) > 1 else ""
    )


def bench_speed(cfg: BenchConfig, out: Path, work: Path, report: Report) -> None:
    """StoryReel full render vs encoder floor vs MoviePy reference vs zoompan on the same plan, alternating over
    ``cfg.speed_rounds`` rounds; picture quality (VMAF, PSNR) of each output against a lossless encode of the same
    frames."""
    from references import FLOOR_ENCODER, STORYREEL_ENCODER, picture_quality

    settings = settings_spec(cfg.width, cfg.height, cfg.fps)
    plan = corpus_plan(cfg.speed_segments, cfg.speed_seconds, settings, work)
    video_s = plan_frames(plan) / cfg.fps
    report.data["speed_plan"] = plan
    log(f"speed: {len(plan['segments'])} segments, {video_s:.2f} s at {cfg.width}x{cfg.height}@{cfg.fps}")
    lossless = _lossless_references(plan, out, work, video_s)

    rounds = [
        _speed_round(plan, out, work, video_s, cfg, lossless["storyreel"], first=i == 0)
        for i in range(cfg.speed_rounds)
    ]
    runs = rounds[0]
    keys = ("storyreel", "floor", "floor_yuv", "moviepy", "zoompan")

    def ratios(a: str, b: str) -> list[float]:
        return [r[a].wall_s / r[b].wall_s for r in rounds if a in r and b in r]

    r_floor, r_ref, r_zp = ratios("storyreel", "floor"), ratios("moviepy", "storyreel"), ratios("zoompan", "storyreel")
    r_floor_yuv = (
        [runs["storyreel"].wall_s / runs["floor_yuv"].wall_s] if {"storyreel", "floor_yuv"} <= set(runs) else []
    )
    median = lambda v: float(np.median(v)) if v else None  # noqa: E731

    quality: dict[str, dict[str, float]] = {}
    refs = {"storyreel": "storyreel", "floor": "storyreel", "floor_yuv": "storyreel", "moviepy": "moviepy"}
    refs["zoompan"] = "zoompan"
    for key in keys:
        if key in runs:
            try:
                quality[key] = picture_quality(runs[key].output, lossless[refs[key]], work)
            except Exception as exc:
                log(f"quality of {key} failed: {exc}")

    report.data["speed"] = {
        f"round{i + 1}:{k}": {**asdict(r), "output": str(r.output)}
        for i, rr in enumerate(rounds)
        for k, r in rr.items()
    }
    report.data["quality"] = quality
    header = [*RUN_HEADER, "VMAF", "PSNR-Y dB"]
    rows = []
    for i, rr in enumerate(rounds):
        for k in (*keys, "producer"):
            if k in rr:
                q = quality.get(k, {}) if i == 0 else {}
                row = rr[k].row()
                row[0] = f"{row[0]} (round {i + 1})"
                rows.append([*row, fmt(q.get("vmaf")), fmt(q.get("psnr_y"))])
    lines = table(header, rows)
    d_vmaf = quality["storyreel"]["vmaf"] - quality["floor"]["vmaf"] if {"storyreel", "floor"} <= set(quality) else None
    lines += [
        "",
        f"Rounds alternate StoryReel, floor, MoviePy, zoompan ({cfg.speed_rounds} rounds); each ratio is taken within "
        "a round, the target is judged on the median over rounds.",
        f"- full / floor = **{fmt(median(r_floor))}** per round {_spread(r_floor)} (StoryReel time over the time "
        "to encode the same frames, handed over as rgb24, at the floor's `-preset medium` 8000k — the target)",
        f"- full / floor(yuv420p in) = **{fmt(median(r_floor_yuv))}** (round 1; the stricter floor: frames handed over "
        "already converted, as the engine itself does)",
        f"- reference / full = **{fmt(median(r_ref))}** per round {_spread(r_ref)} (how many times faster than the "
        "MoviePy reference, same encoder settings)",
        f"- zoompan / full = **{fmt(median(r_zp))}** per round {_spread(r_zp)}",
        f"- VMAF StoryReel − floor = **{fmt(d_vmaf, '+.2f')}**; VMAF/PSNR are of round 1's outputs against a lossless "
        "(`-qp 0`) encode of each pipeline's own frames (StoryReel's frames for StoryReel and the floors), libvmaf "
        "default model, means over frames.",
        f"- StoryReel encoder: `{' '.join(STORYREEL_ENCODER.video_args())}`; floor: "
        f"`{' '.join(FLOOR_ENCODER.video_args())}`; MoviePy and zoompan use StoryReel's.",
    ]
    lines += ["", "Video encoder command lines seen (file names elided):"]
    for run in runs.values():
        lines += [f"- {run.name}: `{cmd}`" for cmd in run.encoder_commands()[:1]]
    full = runs.get("storyreel")
    if full and full.extra.get("progress"):
        lines += [
            "",
            "StoryReel progress callbacks (s since start → arguments): "
            + ", ".join(f"{t:.2f}→{a}" for t, a in _thin(full.extra["progress"], 12)),
        ]
    report.section(
        f"Speed and picture quality — {len(plan['segments'])} corpus segments, {video_s:.1f} s of video, "
        f"{cfg.width}x{cfg.height} @ {cfg.fps} fps",
        lines,
    )
    m_floor, m_ref = median(r_floor), median(r_ref)
    report.target(
        "full render vs encoder floor (medium)",
        "≤ 0.50×",
        f"{fmt(m_floor, '.2f', '×')} (rounds {_spread(r_floor)})" if r_floor else "n/a",
        None if m_floor is None else m_floor <= 0.5,
    )
    report.target(
        "VMAF StoryReel vs floor",
        "≥ −1.0",
        fmt(d_vmaf, "+.2f")
        + (f" ({quality['storyreel']['vmaf']:.2f} vs {quality['floor']['vmaf']:.2f})" if d_vmaf is not None else ""),
        None if d_vmaf is None else d_vmaf >= -1.0,
    )
    report.target(
        "MoviePy reference / full",
        "≥ 1.5× (faster)",
        f"{fmt(m_ref, '.2f', '×')} (rounds {_spread(r_ref)})" if r_ref else "n/a",
        None if m_ref is None else m_ref >= 1.5,
    )
    report.data["speed_ratios"] = {
        "full_over_floor": r_floor,
        "full_over_floor_yuv": r_floor_yuv,
        "reference_over_full": r_ref,
        "zoompan_over_full": r_zp,
        "vmaf_storyreel_minus_floor": d_vmaf,
    }


def _thin(items: list, n: int) -> list:
    """At most ``n`` evenly spaced items, always including the last."""
    if len(items) <= n:
        return items
    idx = sorted({round(i) for i in np.linspace(0, len(items) - 1, n)})
    return [items[i] for i in idx]


# -------------------------------------------------------------------------------------------------- 2. smoothness


def storyreel_pan_frames(image: Path, pan: LinearPan) -> Iterator[np.ndarray]:
    """StoryReel's frames for ``pan``, made by the engine's own per-frame code (``core_engine.ken_burns``).

    The engine's camera paths ease in and out, so the pan is given to it as explicit windows: a constant-zoom
    ``CameraPath`` sizes the working copy exactly as a render would (``prepare_working_image``), then each window of
    the linear pan is drawn by the call the render makes per frame — ``render_yuv_frame`` on the
    ``to_yuv_planes`` of the working copy (yielding the luma plane, ``(H, W)`` uint8) when the engine has the YUV
    path, else ``render_frame`` (RGB).
    """
    from core_engine import ken_burns

    img = load_image_rgb(image)
    path = ken_burns.CameraPath(
        image_size=img.size,
        output_size=pan.out_size,
        mode="zoom",
        zoom_start=pan.zoom,
        zoom_end=pan.zoom,
        start_uv=(-1.0, 0.0),
        end_uv=(1.0, 0.0),
    )
    working = ken_burns.prepare_working_image(img, path)
    del img
    w, h = pan.out_size
    if hasattr(ken_burns, "render_yuv_frame"):
        planes = ken_burns.to_yuv_planes(working)
        for box in pan.boxes():
            y, _, _ = ken_burns.render_yuv_frame(planes, box, pan.out_size)
            yield np.frombuffer(y, np.uint8).reshape(h, w)
    else:
        for box in pan.boxes():
            yield np.asarray(ken_burns.render_frame(working, box, pan.out_size))


def bench_smoothness(cfg: BenchConfig, report: Report) -> None:
    """Straight linear pan drawn by the three renderers; jitter = std/|mean| of the frame-to-frame shift."""
    from references import moviepy_pan_frames, zoompan_pan_frames

    image = corpus_dir() / "photo_01_landscape_lake_sherburne_3840x2160.jpg"
    src_size = load_image_rgb(image).size
    pan = LinearPan(
        src_size=src_size,
        out_size=(cfg.width, cfg.height),
        zoom=cfg.smooth_zoom,
        speed=cfg.smooth_speed,
        frames=cfg.smooth_frames,
    )
    sources = {
        "StoryReel": storyreel_pan_frames,
        "MoviePy reference": moviepy_pan_frames,
        "ffmpeg zoompan (8000 px)": zoompan_pan_frames,
    }
    rows, results = [], {}
    for name, frames in sources.items():
        try:
            res = measure_shifts(frames(image, pan), cross_check=True)
        except Exception as exc:
            log(f"smoothness {name} failed: {exc}")
            rows.append([name, "error", str(exc).splitlines()[0], "", ""])
            continue
        results[name] = res
        rows.append(
            [
                name,
                fmt(res.mean, ".3f"),
                fmt(res.std, ".4f"),
                fmt(res.max_step_error, ".3f"),
                f"**{res.jitter:.4f}**",
                fmt(res.jitter_check, ".4f"),
            ]
        )
        log(f"smoothness {name}: jitter {res.jitter:.4f}")
    expected = pan.speed * cfg.width / pan.window_size()[0]
    lines = table(
        [
            "renderer",
            "mean shift px/frame",
            "std px",
            "max step error px",
            "jitter = std / abs(mean)",
            "cross-check jitter (upsampled DFT)",
        ],
        rows,
    )
    lines += [
        "",
        f"Pan: {image.name}, window = cover/{pan.zoom}, {pan.speed} source px/frame "
        f"(= {expected:.3f} output px/frame), {pan.frames} frames, no easing; measured on the raw frames "
        "(before encoding). Shift per frame pair by phase correlation of the Hann-windowed luma, sub-pixel peak "
        "by parabolic fit (the reported jitter); the last column re-measures with a 1/50 px upsampled-DFT "
        "peak search. Sub-pixel renderers read a few % off the geometric speed (estimator pixel-locking and "
        "the resampling filter's phase response) by the same amount every frame, which does not add jitter.",
    ]
    sr = results.get("StoryReel")
    if sr and results:
        for name, res in results.items():
            if name != "StoryReel":
                lines.append(f"- {name} jitter is {res.jitter / max(sr.jitter, 1e-9):.1f}× StoryReel's")
    report.section("Motion smoothness — straight linear pan", lines)
    report.data["smoothness"] = {
        k: {"mean": v.mean, "std": v.std, "jitter": v.jitter, "jitter_check": v.jitter_check, "dx": v.dx.tolist()}
        for k, v in results.items()
    }
    report.target(
        "smoothness jitter (StoryReel)",
        "≤ 0.03",
        fmt(sr.jitter if sr else None, ".4f"),
        None if sr is None else sr.jitter <= 0.03,
    )


# ----------------------------------------------------------------------------------------- 3. incremental re-render


def _cache_entries(folder: Path) -> list[Path]:
    """Files in the cache folder (top level; the manifest and any temporary file included)."""
    return sorted(p for p in folder.iterdir() if p.is_file()) if folder.is_dir() else []


def bench_incremental(cfg: BenchConfig, out: Path, work: Path, report: Report) -> None:
    """Full render with a cache, then unchanged and one-photo-changed re-renders; cache contents after each.

    Each render is followed, inside the timed call, by the pruning ``render_project`` does (``prune_cache`` with the
    plan's ``cache_keys``), so the times are those of a re-render through the product.
    """
    settings = settings_spec(cfg.width, cfg.height, cfg.fps)
    plan = corpus_plan(cfg.incr_segments, cfg.incr_seconds, settings, work, prefix="incr")
    video_s = plan_frames(plan) / cfg.fps
    cache = work / "incr-cache"
    output = out / "incremental.mp4"
    used = {s["image_path"] for s in plan["segments"]}
    unused = [p for p in corpus_photos() if str(p) not in used]
    new_photo = next((p for p in unused if "kitten_lawn" in p.name), unused[0])
    changed_plan = json.loads(json.dumps(plan))
    changed_index = len(plan["segments"]) // 2
    changed_plan["segments"][changed_index]["image_path"] = str(new_photo)

    def render(name: str, p: dict) -> tuple[Run, list[Path]]:
        run = run_job(name, {**storyreel_job(p, output, cache), "prune": True}, work, video_s)
        return run, _cache_entries(cache)

    def sequence() -> list[tuple[Run, list[Path]]]:
        """Empty cache → full render → unchanged re-render → one photo changed (a disturbed sequence is redone)."""
        shutil.rmtree(cache, ignore_errors=True)
        output.unlink(missing_ok=True)
        return [
            render("incremental: full (empty cache)", plan),
            render("incremental: unchanged", plan),
            render("incremental: one photo changed", changed_plan),
        ]

    best = None
    for attempt_no in range(1, SPEED_ATTEMPTS + 1):
        result = sequence()
        worst = max(r.other_load for r, _ in result)
        if best is None or worst < max(r.other_load for r, _ in best):
            best = result
        if not any(r.disturbed for r, _ in result):
            break
        log(
            f"incremental sequence disturbed ({worst:.2f} cores of other load)"
            + ("; measuring again" if attempt_no < SPEED_ATTEMPTS else "")
        )
    (full, files_full), (same, files_same), (one, files_one) = best

    def stale(run: Run, files: list[Path]) -> list[str]:
        """Cache files that are neither an entry of the plan nor the manifest."""
        keys = set(run.extra.get("plan_keys", []))
        return [f.name for f in files if f.name != "manifest.json" and f.name.split(".")[0] not in keys]

    stale_one = stale(one, files_one)
    missing_one = set(one.extra.get("plan_keys", [])) - {f.name.split(".")[0] for f in files_one}
    cache_ok = bool(one.extra.get("plan_keys")) and not stale_one and not missing_one
    r_same, r_one = same.wall_s / full.wall_s, one.wall_s / full.wall_s
    seg_counts = lambda r: f"{r.extra.get('rendered_segments')} encoded / {r.extra.get('reused_segments')} reused"  # noqa: E731
    rows = [
        [
            r.name,
            fmt(r.wall_s),
            fmt(r.wall_s / full.wall_s, ".3f", "×"),
            seg_counts(r),
            str(len(f)),
            str(r.extra.get("pruned_files", "n/a")),
        ]
        for r, f in ((full, files_full), (same, files_same), (one, files_one))
    ]
    lines = table(["render", "wall s", "vs full", "segments", "cache files after", "pruned"], rows)
    kinds = lambda files: ", ".join(f"{sum(f.suffix == e for f in files)} {e}" for e in (".mp4", ".m4a", ".json"))  # noqa: E731
    lines += [
        "",
        f"{len(plan['segments'])} segments × {cfg.incr_seconds} s ({video_s:.1f} s of video); segment "
        f"{changed_index + 1} got {new_photo.name}. Cache after the full render: {kinds(files_full)}; after "
        f"the change: {kinds(files_one)} — "
        + (
            "exactly the current plan's entries + manifest."
            if cache_ok
            else f"stale {stale_one}, missing {sorted(missing_one)}."
        ),
    ]
    report.section("Incremental re-render (with cache)", lines)
    report.data["incremental"] = {
        "full": full.wall_s,
        "unchanged": same.wall_s,
        "one_image": one.wall_s,
        "cache_files": [len(files_full), len(files_same), len(files_one)],
        "stale": stale_one,
    }
    report.target(
        "re-render, nothing changed",
        "≤ 0.10× full",
        *judged(r_same <= 0.10, fmt(r_same, ".3f", "×"), favour_pass=(full,), favour_fail=(same,)),
    )
    report.target(
        "re-render, one photo changed",
        "≤ 0.25× full",
        *judged(r_one <= 0.25, fmt(r_one, ".3f", "×"), favour_pass=(full,), favour_fail=(one,)),
    )
    report.target(
        "cache holds only the current plan",
        "only current entries",
        f"{len(files_one)} files, {len(stale_one)} stale",
        cache_ok,
    )


# -------------------------------------------------------------------------------------------------- 4. memory


def bench_memory(cfg: BenchConfig, out: Path, work: Path, report: Report) -> None:
    """Peak process-tree memory of a long (many segments) vs a short render, no cache.

    Both plans cycle through the same photos (the story's first ``mem_small``), so only the number of segments
    differs — not which images (a panorama or a large PNG costs more memory than the others). Each size is rendered
    :attr:`BenchConfig.mem_repeats` times and its highest peak kept: a 50 ms sampler catches a render's true peak
    only with some luck, and more so in a long render, so single runs would bias the comparison towards growth.
    """
    settings = settings_spec(cfg.width, cfg.height, cfg.fps)
    peaks: dict[int, Run] = {}
    rows = []
    for n in (cfg.mem_small, cfg.mem_large):
        plan = corpus_plan(n, cfg.mem_seconds, settings, work, prefix=f"mem{n}", cycle=cfg.mem_small)
        for k in range(cfg.mem_repeats):
            run = run_job(
                f"{n} segments × {cfg.mem_seconds} s (run {k + 1})",
                storyreel_job(plan, out / f"memory_{n}.mp4"),
                work,
                plan_frames(plan) / cfg.fps,
            )
            rows.append([*run.row(), run.peak_breakdown()])
            if n not in peaks or run.peak_rss > peaks[n].peak_rss:
                peaks[n] = run
    small, large = peaks[cfg.mem_small], peaks[cfg.mem_large]
    growth = large.peak_rss / small.peak_rss - 1.0
    peak = max(small.peak_rss, large.peak_rss) / MB
    lines = table([*RUN_HEADER, "processes at the peak"], rows)
    lines += [
        "",
        f"Highest peak of {cfg.mem_small} segments {small.peak_rss / MB:.0f} MB, of {cfg.mem_large} "
        f"segments {large.peak_rss / MB:.0f} MB: growth **{growth * 100:+.1f}%**; highest peak {peak:.0f} MB.",
    ]
    report.section("Memory scaling (no cache)", lines)
    report.data["memory"] = {
        "small": small.peak_rss,
        "large": large.peak_rss,
        "small_parts": small.peak_parts,
        "large_parts": large.peak_parts,
    }
    report.target(
        f"memory {cfg.mem_large} vs {cfg.mem_small} segments",
        "within 10%",
        f"{growth * 100:+.1f}%",
        abs(growth) <= 0.10,
    )
    report.target("peak memory (process tree)", "< 900 MB", f"{peak:.0f} MB", peak < 900)


# ------------------------------------------------------------------------------------------------- 5. timing


def bench_timing(cfg: BenchConfig, out: Path, work: Path, report: Report) -> None:
    """Timestamps of the speed-test video, and picture-change boundaries of a solid-colour render."""
    from timing_check import check_timestamps, colour_boundaries

    lines: list[str] = []
    problems: list[str] = []
    speed_video = out / "storyreel.mp4"
    plan = report.data.get("speed_plan")
    speed_runs = report.data.get("speed", {})  # keyed "round<N>:<renderer>"
    if speed_video.is_file() and plan and any(key.endswith(":storyreel") for key in speed_runs):
        ts = check_timestamps(speed_video, cfg.fps, plan_frames(plan))
        lines.append(
            f"- speed-test video: {ts.frames} frames (expected {ts.expected_frames}), first pts "
            f"{ts.first_pts:.3f} s, max frame-spacing error {ts.max_step_error_ms:.2f} ms; audio "
            f"{ts.audio_seconds:.3f} s vs video {ts.video_seconds:.3f} s "
            f"(Δ {(ts.audio_seconds - ts.video_seconds) * 1000:+.0f} ms) — "
            + ("clean" if ts.ok else "; ".join(ts.problems))
        )
        problems += [f"speed video: {p}" for p in ts.problems]
    elif plan is None:
        lines.append("- speed-test video: not checked (the speed part did not run)")
    else:
        problems.append("no StoryReel speed-test video to check")

    rng = np.random.default_rng(7)
    n = cfg.boundary_segments
    durations = [round(float(d), 4) for d in rng.uniform(0.3, 0.9, n)]
    colours = [tuple(int(c) for c in rng.integers(0, 256, 3)) for _ in range(n)]
    segments = []
    fixtures = work / "boundary"
    fixtures.mkdir(parents=True, exist_ok=True)
    for k, (d, c) in enumerate(zip(durations, colours, strict=False)):
        img = solid_png(fixtures / f"colour_{k:02d}.png", c)
        wav = fixtures / f"tone_{k:02d}_{d:.4f}.wav"
        exact = tone_wav(wav, d, 220.0 + 20 * k)
        durations[k] = exact
        segments.append(segment_spec(f"colour-{k:02d}", img, wav, exact))
    bplan = {"segments": segments, "settings": settings_spec(320, 180, cfg.fps)}
    video = out / "boundaries.mp4"
    run_job("boundary render 320x180", storyreel_job(bplan, video), work, plan_frames(bplan) / cfg.fps)
    ts = check_timestamps(video, cfg.fps, plan_frames(bplan))
    problems += [f"boundary video: {p}" for p in ts.problems]
    br = colour_boundaries(video, (320, 180), cfg.fps, colours, durations)
    problems += [f"boundary video: {p}" for p in br.problems]
    if br.max_error_frames > 1.0:
        problems.append(f"a picture change is {br.max_error_frames:.2f} frames from its narration boundary")
    lines.append(
        f"- boundary render: {n} solid-colour segments of 0.3–0.9 s ({sum(durations):.3f} s), "
        f"{ts.frames} frames (expected {ts.expected_frames}); largest distance between a picture change "
        f"and its narration boundary **{br.max_error_frames:.2f} frames**; audio {ts.audio_seconds:.3f} s vs "
        f"video {ts.video_seconds:.3f} s"
    )
    report.data["timing"] = {"expected": br.expected, "found": br.found, "problems": problems}
    lines.append("- " + ("clean" if not problems else "problems: " + "; ".join(problems)))
    report.section("Timestamps and segment timing", lines)
    report.target(
        "timestamps and boundaries",
        "pts increasing, frame count exact, changes ≤ 1 frame",
        "clean" if not problems else f"{len(problems)} problem(s); max boundary error {br.max_error_frames:.2f} frames",
        not problems,
    )


# -------------------------------------------------------------------------------------------- 6. status latency


def bench_status(cfg: BenchConfig, out: Path, work: Path, report: Report) -> None:
    """Status endpoint latency, 20 clients polling every 200 ms while the server renders (full recordings)."""
    from status_latency import ApiUnavailable, measure_status_latency

    story = load_corpus_story()[: cfg.status_segments]
    items = [(s.image, s.audio) for s in story]
    tmp = Path(tempfile.mkdtemp(prefix="storyreel-bench-api-"))
    try:
        rep = measure_status_latency(
            REPO,
            tmp,
            items,
            out / "server.log",
            resolution=(cfg.width, cfg.height) if (cfg.width, cfg.height) != (1920, 1080) else None,
            clients=cfg.status_clients,
            interval=cfg.status_interval,
            max_seconds=cfg.status_max_seconds,
        )
    except (ApiUnavailable, OSError) as exc:
        report.section("Status endpoint latency", [f"- not available: {exc}"])
        report.target("status p99 under render", "< 50 ms", "not available", None)
        return
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    p50, p95, p99 = rep.percentile(50), rep.percentile(95), rep.percentile(99)
    lines = [
        f"- {len(rep.latencies_ms)} requests from {cfg.status_clients} threads (every {cfg.status_interval} s "
        f"each) over {rep.polled_seconds:.1f} s while rendering {len(items)} corpus segments "
        f"({cfg.width}x{cfg.height}); errors {rep.errors}; statuses seen {' → '.join(rep.statuses_seen)}; "
        f"highest percentage {rep.max_percentage}",
        f"- latency p50 **{p50:.1f} ms**, p95 {p95:.1f} ms, p99 **{p99:.1f} ms**, max "
        f"{max(rep.latencies_ms, default=float('nan')):.1f} ms; server + render + clients used "
        f"{rep.cores_used:.2f} cores, other processes {rep.other_load:.2f} cores",
    ]
    if rep.idle is not None and rep.idle.latencies_ms:
        lines.append(
            f"- before the render (same clients, idle server): p50 {rep.idle.percentile(50):.1f} ms, "
            f"p99 {rep.idle.percentile(99):.1f} ms over {len(rep.idle.latencies_ms)} requests"
        )
    report.section("Status endpoint latency", lines)
    report.data["status"] = {
        "p50": p50,
        "p95": p95,
        "p99": p99,
        "n": len(rep.latencies_ms),
        "errors": rep.errors,
        "idle_p50": rep.idle.percentile(50) if rep.idle else None,
        "idle_p99": rep.idle.percentile(99) if rep.idle else None,
        "other_load": rep.other_load,
    }
    ok: bool | None = bool(rep.latencies_ms) and rep.errors == 0 and p99 < 50
    measured = f"{p99:.1f} ms (p50 {p50:.1f})"
    if not ok and rep.other_load > DISTURBED_CORES:  # other load can only make latency worse
        measured, ok = f"{measured} — disturbed (other processes used {rep.other_load:.2f} cores)", None
    report.target("status p99 under render", "< 50 ms", measured, ok)


# ------------------------------------------------------------------------------------------------------ main


def write_results(path: Path, report: Report, info: dict, quick: bool, elapsed: float) -> None:
    """Write the markdown report: machine, targets, then every section."""
    lines = [
        "# StoryReel render benchmark — results",
        "",
        f"Generated by `python bench/render_bench.py{' --quick' if quick else ''}` in {elapsed / 60:.1f} min "
        "(see the module docstring of `bench/render_bench.py` for the method). Do not edit by hand.",
        "",
        "## Machine",
        "",
        *table(["", ""], [[k, v] for k, v in info.items()]),
        "",
        "## Targets",
        "",
        *report.targets_table(),
        "",
        f"Overall: **{'all targets met' if report.all_passed else 'targets missed'}**",
        "",
    ]
    for title, body in report.sections:
        lines += [f"## {title}", "", *body, ""]
    path.write_text("\n".join(lines))


def run_parts(parts: set[str], cfg: BenchConfig, out: Path, work: Path, report: Report) -> None:
    """Run the selected parts in the bench's order (see :data:`PARTS`); a part that fails is reported and the run
    goes on."""
    fns: dict[str, Callable[[], None]] = {
        "speed": lambda: bench_speed(cfg, out, work, report),
        "preview": lambda: bench_preview(cfg, out, work, report),
        "transitions": lambda: bench_transitions(cfg, out, work, report),
        "sound": lambda: bench_sound(cfg, out, work, report),
        "smoothness": lambda: bench_smoothness(cfg, report),
        "incremental": lambda: bench_incremental(cfg, out, work, report),
        "memory": lambda: bench_memory(cfg, out, work, report),
        "timing": lambda: bench_timing(cfg, out, work, report),
        "status": lambda: bench_status(cfg, out, work, report),
    }
    for part, title in PARTS:
        if part in parts:
            attempt(report, title, fns[part])


#: The parts of the bench (``--only`` names) and their titles, in the order they run.
PARTS = (
    ("speed", "Speed"),
    ("preview", "Quick preview"),
    ("transitions", "Transitions"),
    ("sound", "Captions and music"),
    ("smoothness", "Smoothness"),
    ("incremental", "Incremental re-render"),
    ("memory", "Memory scaling"),
    ("timing", "Timing"),
    ("status", "Status latency"),
)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="short smoke run at 640x360")
    parser.add_argument("--out", type=Path, default=BENCH / "out", help="output folder (default bench/out/)")
    parser.add_argument(
        "--results",
        type=Path,
        default=None,
        help="markdown report path (default bench/RESULTS.md, or <out>/RESULTS-quick.md with --quick)",
    )
    parser.add_argument(
        "--quiet-wait",
        type=float,
        default=30.0,
        help="seconds to wait at most before each render for other processes to calm down "
        "(0: don't; at most max(180 s, 6× this) of waiting in a run)",
    )
    parser.add_argument(
        "--only",
        default=",".join(part for part, _ in PARTS),
        help="comma-separated parts to run (for development): " + ", ".join(part for part, _ in PARTS),
    )
    args = parser.parse_args(argv)
    parts = set(args.only.split(","))
    unknown = parts - {part for part, _ in PARTS}
    if unknown:
        parser.error(f"--only: unknown part(s) {', '.join(sorted(unknown))}")
    try:
        corpus = corpus_dir()
    except CorpusMissing as exc:
        print(f"render_bench: {exc}", file=sys.stderr)
        return 2
    if check_ffmpeg() is None:
        print("render_bench: ffmpeg not found (imageio-ffmpeg is missing)", file=sys.stderr)
        return 2
    cfg = QUICK if args.quick else FULL
    QUIET_WAIT["seconds"] = args.quiet_wait
    QUIET_WAIT["budget"] = max(180.0, 6 * args.quiet_wait)
    out = args.out.resolve()
    work = out / "work"
    work.mkdir(parents=True, exist_ok=True)
    results_path = args.results or ((out / "RESULTS-quick.md") if args.quick else BENCH / "RESULTS.md")
    info = machine_info(ffmpeg_version(), REPO)
    log(f"corpus {corpus}; {info['cpu']}, {info['cores']}; ffmpeg {info['ffmpeg']}; output in {out}")
    report = Report()
    started = time.perf_counter()
    missing_engine = engine_available()
    if missing_engine:
        log(f"engine not importable: {missing_engine}")
        report.section("Engine", [f"- `core_engine.render.pipeline.render_plan` not importable: {missing_engine}"])
    run_parts(parts, cfg, out, work, report)
    _add_missing_targets(report, parts, cfg)
    elapsed = time.perf_counter() - started
    print("\n## Targets\n" + "\n".join(report.targets_table()), flush=True)
    write_results(results_path, report, info, args.quick, elapsed)
    (out / "results.json").write_text(
        json.dumps(
            {"machine": info, "config": asdict(cfg), "targets": [asdict(t) for t in report.targets], **report.data},
            indent=1,
            default=str,
        )
    )
    log(f"done in {elapsed / 60:.1f} min; wrote {results_path}")
    return 0 if report.all_passed else 1


#: Every target, by the part that measures it — so that a part that crashed still shows its targets as N/A.
ALL_TARGETS = {
    "speed": [
        ("full render vs encoder floor (medium)", "≤ 0.50×"),
        ("VMAF StoryReel vs floor", "≥ −1.0"),
        ("MoviePy reference / full", "≥ 1.5× (faster)"),
    ],
    "preview": [("quick preview / Standard render", f"≤ {PREVIEW_TIME_RATIO}×")],
    "transitions": [("render with crossfades / with cuts", f"≤ {TRANSITION_TIME_RATIO}×")],
    "sound": [("render with captions + music / without", f"≤ {SOUND_TIME_RATIO}×")],
    "smoothness": [("smoothness jitter (StoryReel)", "≤ 0.03")],
    "incremental": [
        ("re-render, nothing changed", "≤ 0.10× full"),
        ("re-render, one photo changed", "≤ 0.25× full"),
        ("cache holds only the current plan", "only current entries"),
    ],
    "memory": [("memory {large} vs {small} segments", "within 10%"), ("peak memory (process tree)", "< 900 MB")],
    "timing": [("timestamps and boundaries", "pts increasing, frame count exact, changes ≤ 1 frame")],
    "status": [("status p99 under render", "< 50 ms")],
}


def _add_missing_targets(report: Report, parts: set[str], cfg: BenchConfig) -> None:
    """Add every target of the parts that ran but did not report it (they crashed) as not measured."""
    have = {t.name for t in report.targets}
    for part, targets in ALL_TARGETS.items():
        if part not in parts:
            continue
        for name, goal in targets:
            name = name.format(large=cfg.mem_large, small=cfg.mem_small)
            if name not in have:
                report.target(name, goal, "not measured (error)", None)


if __name__ == "__main__":
    sys.exit(main())
