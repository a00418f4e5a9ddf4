"""Where the engine's ffmpeg runs (core_engine.render.ffmpeg): its own process group, so that a cancel kills it and
everything it started, but the caller's session, so that on Linux it shares the caller's scheduler autogroup and
competes with the caller's threads by nice value (issue 9, row 14: a session of its own took half the CPU from the
API server), at the lowest priority (the producer feeding it comes first)."""

from __future__ import annotations

import os
import sys

import pytest

from core_engine.render.ffmpeg import FED_PROCESS_NICE, FFmpegProcess, ffmpeg_command

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="process groups and sessions are POSIX")


def _autogroup(pid: int) -> str | None:
    """The scheduler autogroup of a process ("/autogroup-<n>"), or None where none applies: not Linux, a kernel
    without autogroups, or a process in a non-root CPU cgroup (a container, a systemd slice), for which the kernel
    prints nothing and the cgroup, not the session, sets the CPU share."""
    try:
        with open(f"/proc/{pid}/autogroup") as f:
            fields = f.read().split()
    except OSError:
        return None
    return fields[0] if fields else None


def test_ffmpeg_runs_in_its_own_group_within_the_callers_session() -> None:
    # ffmpeg waits for its (never written) stdin; the test inspects the live process, then kills its group.
    proc = FFmpegProcess(
        ffmpeg_command("-f", "rawvideo", "-s", "16x16", "-pix_fmt", "gray", "-i", "pipe:0", "-f", "null", "-")
    )
    try:
        assert proc.proc is not None
        pid = proc.proc.pid
        assert os.getpgid(pid) == pid  # its own group: a cancel's killpg reaches it and its children
        assert os.getpgid(pid) != os.getpgid(0)
        assert os.getsid(pid) == os.getsid(0)  # the caller's session
        assert _autogroup(pid) == _autogroup(os.getpid())  # hence the caller's CPU share, where autogroups exist
        assert os.getpriority(os.PRIO_PROCESS, pid) == FED_PROCESS_NICE  # below the thread that feeds it
    finally:
        proc.kill()
    assert proc.proc is None
