"""Measurement helpers: peak memory of a process tree, wall-clock timing, machine description."""

from __future__ import annotations

import contextlib
import os
import platform
import subprocess
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import psutil


def tree_rss_by_process(
    proc: psutil.Process, descendants: list[psutil.Process] | None = None
) -> list[tuple[int, str, int]]:
    """(pid, name, RSS bytes) of ``proc`` and each of its ``descendants`` (default: found now; processes that vanish
    meanwhile are left out)."""
    try:
        procs = [proc, *(proc.children(recursive=True) if descendants is None else descendants)]
    except psutil.Error:
        return []
    out = []
    for p in procs:
        with contextlib.suppress(psutil.Error):
            out.append((p.pid, p.name(), p.memory_info().rss))
    return out


def tree_rss(proc: psutil.Process) -> int:
    """Resident set size of ``proc`` plus all its descendants, in bytes."""
    return sum(rss for _, _, rss in tree_rss_by_process(proc))


class TreeMemorySampler:
    """Samples the RSS sum of a process tree every ``interval`` seconds in a daemon thread; keeps the peak.

    Use as a context manager around the measured work::

        with TreeMemorySampler() as mem:
            work()
        mem.peak_bytes, mem.base_bytes
    """

    def __init__(self, pid: int | None = None, interval: float = 0.05):
        self.proc = psutil.Process(pid or os.getpid())
        self.interval = interval
        self.base_bytes = 0
        self.peak_bytes = 0
        self.samples = 0
        #: Command line of every descendant process seen (by pid), e.g. to show which ffmpeg options were used.
        self.commands: dict[int, list[str]] = {}
        #: (process name, RSS bytes) of each process of the tree at the peak sample.
        self.peak_parts: list[tuple[str, int]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="mem-sampler", daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self._sample()
            self._stop.wait(self.interval)

    def _sample(self) -> None:
        # One scan of the process table per sample (psutil reads every process's /proc stat file to find the
        # tree): this thread shares the measured process's interpreter lock and the machine's cores.
        try:
            children = self.proc.children(recursive=True)
        except psutil.Error:
            children = []
        for child in children:
            if child.pid not in self.commands:
                with contextlib.suppress(psutil.Error):
                    self.commands[child.pid] = child.cmdline()
        parts = tree_rss_by_process(self.proc, children)
        rss = sum(r for _, _, r in parts)
        self.samples += 1
        if rss > self.peak_bytes:
            self.peak_bytes = rss
            self.peak_parts = [(name, r) for _, name, r in parts]

    def __enter__(self) -> TreeMemorySampler:
        self.base_bytes = tree_rss(self.proc)
        self.peak_bytes = 0
        self._sample()
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        self._sample()


def system_busy_seconds() -> float:
    """CPU seconds all cores have spent busy since boot (everything but idle and iowait; guest time is already in
    user time on Linux)."""
    t = psutil.cpu_times()
    busy = sum(getattr(t, f) for f in t._fields if f not in ("idle", "iowait", "guest", "guest_nice"))
    return float(busy)


def tree_cpu_seconds(proc: psutil.Process) -> float:
    """CPU seconds used by ``proc`` and its descendants: live processes' own time plus the time of the children
    they have already waited for."""
    total = 0.0
    try:
        procs = [proc, *proc.children(recursive=True)]
    except psutil.Error:
        return 0.0
    for p in procs:
        try:
            t = p.cpu_times()
            total += t.user + t.system + t.children_user + t.children_system
        except psutil.Error:
            pass
    return total


class CpuAccount:
    """CPU used by a process tree vs by everything else on the machine between ``__enter__`` and ``__exit__``.

    ``tree_seconds``: CPU seconds of the tree (``cores_used = tree_seconds / wall``); ``other_seconds``: CPU seconds
    of all other processes — a measure of how much the machine was disturbed during the measurement.
    """

    def __init__(self, pid: int | None = None):
        self.proc = psutil.Process(pid or os.getpid())
        self.tree_seconds = 0.0
        self.other_seconds = 0.0
        self.wall = 0.0

    def __enter__(self) -> CpuAccount:
        self._sys0, self._tree0, self._t0 = system_busy_seconds(), tree_cpu_seconds(self.proc), time.perf_counter()
        return self

    def __exit__(self, *exc) -> None:
        self.wall = time.perf_counter() - self._t0
        self.tree_seconds = tree_cpu_seconds(self.proc) - self._tree0
        self.other_seconds = max(0.0, system_busy_seconds() - self._sys0 - self.tree_seconds)


def wait_for_quiet(max_other_cores: float = 0.25, timeout: float = 30.0, probe: float = 1.0) -> float:
    """Wait until other processes use less than ``max_other_cores`` cores (measured over ``probe`` s), at most
    ``timeout`` s. Returns the load (cores) seen last."""
    deadline = time.monotonic() + timeout
    while True:
        with CpuAccount() as acc:
            time.sleep(probe)
        load = acc.other_seconds / acc.wall
        if load < max_other_cores or time.monotonic() >= deadline:
            return load


@dataclass
class Stopwatch:
    """Wall-clock seconds between ``start()`` and ``stop()`` (``time.perf_counter``)."""

    started: float = 0.0
    seconds: float = 0.0

    def __enter__(self) -> Stopwatch:
        self.started = time.perf_counter()
        return self

    def __exit__(self, *exc) -> None:
        self.seconds = time.perf_counter() - self.started


def cpu_model() -> str:
    """CPU model name from /proc/cpuinfo (Linux) or ``platform.processor()``."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def git_revision(repo: Path) -> str:
    """Short commit of the working tree (``+dirty`` when it has changes), or ``unknown``."""
    try:
        rev = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=repo, capture_output=True, text=True, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=repo,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        return rev + ("+dirty" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def machine_info(ffmpeg_version: str | None, repo: Path) -> dict[str, str]:
    """What the numbers were measured on: cores, CPU, memory, OS, Python, ffmpeg, commit, date (UTC)."""
    from importlib.metadata import PackageNotFoundError, version

    def ver(dist: str) -> str:
        try:
            return version(dist)
        except PackageNotFoundError:
            return "missing"

    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "cpu": cpu_model(),
        "cores": f"{psutil.cpu_count(logical=True)} logical / {psutil.cpu_count(logical=False)} physical",
        "memory": f"{psutil.virtual_memory().total / 2**30:.1f} GiB",
        "os": platform.platform(),
        "python": platform.python_version(),
        "ffmpeg": ffmpeg_version or "missing",
        "libraries": ", ".join(f"{d} {ver(d)}" for d in ("numpy", "pillow", "moviepy", "imageio-ffmpeg", "django")),
        "commit": git_revision(repo),
    }
