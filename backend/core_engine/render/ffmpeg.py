"""The one place where the engine runs ffmpeg: the common arguments, a process in its own process group (so a
cancelled render kills it and nothing it started), following its ``-progress`` output, and turning the tail of its
messages into an error a user can read.

Own process group, same session (``process_group=0``, not ``start_new_session=True``): on Linux with scheduler
autogroups (``/proc/sys/kernel/sched_autogroup_enabled``, on by default in desktop distributions) every new session
gets its own CPU share, equal to the API server's whatever the nice values, so an encoder in a session of its own
took half the CPU from the server and the status poll's p99 reached 60–160 ms during a 1080p render. In the server's
session it inherits the worker's lower priority and the poll stays at p99 ≈ 17 ms (issue 9, row 14).

There is no ffprobe; the binary is the one ``imageio-ffmpeg`` ships (:func:`core_engine.render_utils.require_ffmpeg`,
the same one MoviePy uses).
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import tempfile
import threading
from collections.abc import Callable, Iterable
from typing import IO

import numpy as np
import numpy.typing as npt

from core_engine.render.plan import RenderError
from core_engine.render_utils import FFmpegNotFoundError, require_ffmpeg

__all__ = ["FFmpegProcess", "error_tail", "ffmpeg_command", "ffmpeg_exe", "run_ffmpeg", "strip_folders"]

#: Options every ffmpeg run of the engine starts with: no keyboard input, no banner, only errors on stderr.
COMMON_ARGS = ("-nostdin", "-hide_banner", "-loglevel", "error")


def ffmpeg_exe() -> str:
    """Path of the ffmpeg binary.

    Raises:
        RenderError: ffmpeg is not installed ("Video cannot be rendered: …").
    """
    try:
        return require_ffmpeg()
    except FFmpegNotFoundError as exc:
        raise RenderError(f"Video cannot be rendered: {exc}.") from None


def ffmpeg_command(*args: str) -> list[str]:
    """``[ffmpeg, *COMMON_ARGS, *args]``.

    Raises:
        RenderError: ffmpeg is not installed.
    """
    return [ffmpeg_exe(), *COMMON_ARGS, *args]


def strip_folders(text: str) -> str:
    """``text`` with absolute file paths shortened to their file names (messages for users name files, not the
    server's folders)."""
    return re.sub(r"/(?:[^/\s'\"]+/)+([^/\s'\"]+)", r"\1", text)


def error_tail(text: bytes | str, lines: int = 3) -> str:
    """The last ``lines`` non-empty lines of an ffmpeg message, joined with `` | ``, folders stripped from file
    paths; ``"no details"`` when there is nothing."""
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    text = strip_folders(text)
    kept = [ln.strip() for ln in text.strip().splitlines() if ln.strip()]
    return " | ".join(kept[-lines:]) or "no details"


def _kill_group(proc: subprocess.Popen[bytes]) -> None:
    """SIGKILL the process group of ``proc`` (started with ``process_group=0``, so its group id is its pid)."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)


def run_ffmpeg(args: list[str]) -> tuple[int, str]:
    """Run ``ffmpeg_command(*args)`` to the end in its own process group, with no input.

    Returns:
        (exit status, :func:`error_tail` of its stderr).

    Raises:
        RenderError: ffmpeg is not installed. Any exception while waiting (e.g. ``KeyboardInterrupt``) kills the
            process group first.
    """
    proc = subprocess.Popen(
        ffmpeg_command(*args),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        process_group=0,
    )
    try:
        _, err = proc.communicate()
    except BaseException:
        _kill_group(proc)
        proc.wait()
        raise
    return proc.returncode, error_tail(err)


#: Nice value of an ffmpeg fed by the engine (:class:`FFmpegProcess`): the lowest priority. The frame producer that
#: feeds it is a single Python thread and usually the pipeline's slowest stage; at equal priority the encoder's
#: threads (x264 runs several) took CPU from it and a 1080p bench render took 14-16 s instead of 13.1-13.5 s. When
#: the encoder is the slow stage the producer waits on the pipe and the encoder gets the cores anyway; on a busy
#: machine the user's own programs come first.
FED_PROCESS_NICE = 19


class FFmpegProcess:
    """One ffmpeg process fed through its stdin, in its own process group, at :data:`FED_PROCESS_NICE`.

    stderr goes to a temporary file (a chatty ffmpeg can never block on a full pipe). With ``follow_progress``
    (the command must contain ``-progress pipe:1``) a reader thread follows stdout and keeps
    :attr:`frames_encoded` up to date.

    Raises:
        OSError: the process cannot be started.
    """

    def __init__(self, cmd: list[str], follow_progress: bool = False) -> None:
        self.frames_encoded = 0
        self.errfile: IO[bytes] = tempfile.TemporaryFile()  # noqa: SIM115  (closed by kill()/error_message())
        try:
            self.proc: subprocess.Popen[bytes] | None = subprocess.Popen(
                cmd,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE if follow_progress else subprocess.DEVNULL,
                stderr=self.errfile,
                process_group=0,
            )
        except BaseException:
            self.errfile.close()
            raise
        with contextlib.suppress(OSError, AttributeError):  # AttributeError: no setpriority (Windows)
            # Before the first frame is written, so before x264 starts its threads (they inherit it).
            os.setpriority(os.PRIO_PROCESS, self.proc.pid, FED_PROCESS_NICE)
        self._reader: threading.Thread | None = None
        if follow_progress and self.proc.stdout is not None:
            self._reader = threading.Thread(target=self._follow, args=(self.proc.stdout,), daemon=True)
            self._reader.start()

    def _follow(self, stream: IO[bytes]) -> None:
        for line in stream:
            if line.startswith(b"frame="):
                with contextlib.suppress(ValueError):
                    self.frames_encoded = int(line[6:].strip())
        stream.close()

    def write(self, chunks: Iterable[bytes | memoryview | npt.NDArray[np.uint8]]) -> None:
        """Write ``chunks`` (bytes, or contiguous uint8 arrays such as frame planes, written without a copy) to
        ffmpeg's stdin.

        Raises:
            OSError: ffmpeg has exited (``BrokenPipeError``); see :meth:`error_message`.
        """
        assert self.proc is not None and self.proc.stdin is not None
        for data in chunks:
            self.proc.stdin.write(data.data if isinstance(data, np.ndarray) else data)

    def finish(self, tick: Callable[[], None] | None = None, interval: float = 0.25) -> tuple[int, str]:
        """Close the input and wait for ffmpeg to drain, calling ``tick()`` about every ``interval`` seconds
        meanwhile; returns (exit status, tail of its messages). An exception from ``tick`` propagates (call
        :meth:`kill` to clean up)."""
        assert self.proc is not None
        try:
            if self.proc.stdin is not None:
                self.proc.stdin.close()
        except BrokenPipeError:
            pass
        while True:
            try:
                rc = self.proc.wait(timeout=max(interval, 0.02))
                break
            except subprocess.TimeoutExpired:
                if tick is not None:
                    tick()
        if self._reader is not None:
            self._reader.join(timeout=5)
        self.proc = None
        return rc, self.error_message()

    def kill(self) -> None:
        """Kill ffmpeg's process group (if still running) and release everything; safe to call more than once."""
        if self.proc is not None:
            if self.proc.poll() is None:
                _kill_group(self.proc)
            try:
                if self.proc.stdin is not None:
                    self.proc.stdin.close()
            except OSError:
                pass
            self.proc.wait()
            if self._reader is not None:
                self._reader.join(timeout=5)
            self.proc = None
        if not self.errfile.closed:
            self.errfile.close()

    def error_message(self) -> str:
        """:func:`error_tail` of ffmpeg's messages (waits briefly for a dying process to say why)."""
        if self.proc is not None:
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.proc.wait(timeout=5)
        if self.errfile.closed:
            return "no details"
        self.errfile.seek(0)
        text = error_tail(self.errfile.read())
        self.errfile.close()
        return text
