"""Run :func:`~core_engine.render.pipeline.render_plan` in a child process, so that a render's Python work (the
frame producer, progress bookkeeping) never holds the interpreter lock of the process that serves requests.

Why: in the embedded task backend the render used to run in a thread of the API server. Its frame producer holds
the GIL for short stretches many times per frame; on a 2-core machine kept busy by the encoder, the producer thread
is often descheduled while holding it, and every request thread waits for it: the status poll's p99 reached
80–130 ms during a 1080p render (issue 9, row 14: target < 50 ms). In a child process the server keeps its GIL.

The child is forked from a ``multiprocessing`` fork server (started once per process, with the engine preloaded,
so a render starts in milliseconds and no state of the multi-threaded server is copied). Progress records come
back through a pipe and go to the caller's callback in the calling thread, with the same semantics as
:func:`render_plan`: when the callback raises :class:`RenderCancelled`, the child is told to stop, stops at its
next report (cleaning up its ffmpeg and temporary files exactly as an in-process cancel does) and the exception
propagates. The child stops by itself when the parent goes away (the pipe breaks at its next report).
"""

from __future__ import annotations

import contextlib
import multiprocessing
import multiprocessing.connection
import pickle
import signal
from multiprocessing.context import ForkServerContext
from pathlib import Path
from typing import Any

from core_engine.render.pipeline import render_plan
from core_engine.render.plan import RenderError, RenderPlan, RenderResult
from core_engine.render.progress import ProgressCallback, ProgressRecord, RenderCancelled

__all__ = ["CANCEL_GRACE_SECONDS", "render_plan_isolated"]

#: Seconds a cancelled child gets to clean up (kill its ffmpeg, remove temporary files) before it is terminated.
CANCEL_GRACE_SECONDS = 30.0

_POLL_SECONDS = 0.5
_context: ForkServerContext | None = None


def _fork_server() -> ForkServerContext:
    global _context
    if _context is None:
        ctx = multiprocessing.get_context("forkserver")
        ctx.set_forkserver_preload(["core_engine.render.pipeline"])
        _context = ctx
    return _context


def _portable(exc: BaseException) -> BaseException:
    """``exc`` if it survives pickling, else a :class:`RenderError` carrying its class name and message."""
    try:
        pickle.loads(pickle.dumps(exc))
    except Exception:
        return RenderError(f"{exc.__class__.__name__}: {exc}")
    return exc


def _child(conn: multiprocessing.connection.Connection, plan: RenderPlan, output: Path, cache_dir: Path | None) -> None:
    """The child process: render, sending ``("progress", record)`` per report and finally ``("result", result)``
    or ``("error", exception)``. A ``"cancel"`` message, SIGTERM or a broken pipe stop it as a cancel."""

    def on_term(signum: int, frame: object) -> None:
        # Not a cancel: the server is shutting down, and its job stays running to be resumed at the next start.
        raise RenderError("The render was stopped because the server is shutting down.")

    signal.signal(signal.SIGTERM, on_term)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the server, which stops its children itself

    def report(record: ProgressRecord) -> None:
        try:
            conn.send(("progress", record))
            cancelled = conn.poll() and conn.recv() == "cancel"
        except (OSError, EOFError):
            raise RenderCancelled("The process that started the render has gone.") from None
        if cancelled:
            raise RenderCancelled("The render was cancelled.")

    try:
        result = render_plan(plan, output, report, cache_dir)
        conn.send(("result", result))
    except BaseException as exc:  # every outcome goes back to the parent, which raises it there
        with contextlib.suppress(OSError, EOFError):
            conn.send(("error", _portable(exc)))
    finally:
        conn.close()


def render_plan_isolated(
    plan: RenderPlan, output: Path, on_progress: ProgressCallback | None = None, cache_dir: Path | None = None
) -> RenderResult:
    """:func:`~core_engine.render.pipeline.render_plan` with the same arguments, result and exceptions, run in a
    child process (see the module docstring). ``on_progress`` runs in the calling thread.

    Raises:
        RenderError: as ``render_plan``; also when the child process dies without an answer (its exit code is
            named) or is stopped by SIGTERM (the server's shutdown stops its children).
        RenderCancelled: ``on_progress`` raised it (the child has stopped and cleaned up).
    """
    ctx = _fork_server()
    conn, child_conn = ctx.Pipe()
    proc = ctx.Process(target=_child, args=(child_conn, plan, output, cache_dir), name="storyreel-render")
    proc.start()
    child_conn.close()
    try:
        return _relay(conn, proc, on_progress)
    except RenderCancelled:
        _stop(conn, proc)
        raise
    finally:
        conn.close()
        proc.join(timeout=CANCEL_GRACE_SECONDS)
        if proc.is_alive():
            proc.kill()
            proc.join()


def _relay(
    conn: multiprocessing.connection.Connection, proc: Any, on_progress: ProgressCallback | None
) -> RenderResult:
    """Pass the child's progress records to ``on_progress`` until its result or error arrives."""
    while True:
        if not conn.poll(_POLL_SECONDS):
            if not proc.is_alive() and not conn.poll():
                raise RenderError(f"The render process stopped unexpectedly (exit code {proc.exitcode}).")
            continue
        try:
            kind, value = conn.recv()
        except EOFError:
            proc.join(timeout=5)
            raise RenderError(f"The render process stopped unexpectedly (exit code {proc.exitcode}).") from None
        if kind == "progress":
            if on_progress is not None:
                on_progress(value)
        elif kind == "result":
            return value  # type: ignore[no-any-return]  # a RenderResult, pickled by the child
        else:
            raise value


def _stop(conn: multiprocessing.connection.Connection, proc: Any) -> None:
    """Ask the child to stop at its next report and wait for its answer (it cleans up first); terminate it after
    :data:`CANCEL_GRACE_SECONDS`."""
    try:
        conn.send("cancel")
        while conn.poll(CANCEL_GRACE_SECONDS):
            kind, _ = conn.recv()
            if kind != "progress":
                return
    except (OSError, EOFError):
        return
    proc.terminate()
