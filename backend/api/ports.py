"""Free a port for ``npm start`` after a crash (issue 9, row 13); no Django needed.

``python backend/api/ports.py PORT [PORT …]`` checks each TCP port on 127.0.0.1. A port held by a process this
checkout started earlier (a ``next-server``/``next start`` whose working folder is this repository's ``frontend``,
or a ``manage.py serve``/``runserver`` running from this repository) is a leftover of a crashed run: it is stopped
(SIGTERM, then SIGKILL after 5 s). A port held by anything else is reported with its process id and command and the
exit status is 1, so ``npm start`` stops with a clear message instead of failing later with EADDRINUSE.
"""

from __future__ import annotations

import contextlib
import socket
import sys
from pathlib import Path

import psutil

#: This repository (``backend/api/ports.py`` → three levels up).
REPO_DIR = Path(__file__).resolve().parents[2]


def port_is_open(port: int, host: str = "127.0.0.1") -> bool:
    """True when something accepts TCP connections on ``host:port``."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.settimeout(0.5)
        return probe.connect_ex((host, port)) == 0


def listeners(port: int) -> list[psutil.Process]:
    """Processes listening on TCP ``port`` (any address)."""
    found: dict[int, psutil.Process] = {}
    for conn in psutil.net_connections(kind="tcp"):
        if conn.status == psutil.CONN_LISTEN and conn.laddr and conn.laddr.port == port and conn.pid:
            with contextlib.suppress(psutil.NoSuchProcess):
                found[conn.pid] = psutil.Process(conn.pid)
    return list(found.values())


def is_our_leftover(proc: psutil.Process, repo: Path = REPO_DIR) -> bool:
    """True when ``proc`` is a StoryReel server started from ``repo``: a Next.js server (process name or command
    ``next-server``, or ``next start``) working in ``repo/frontend``, or the API (``manage.py serve`` or
    ``runserver``) working in ``repo``."""
    try:
        cmdline = " ".join(proc.cmdline())
        name = proc.name()
        cwd = Path(proc.cwd()).resolve()
    except (psutil.NoSuchProcess, psutil.AccessDenied, OSError):
        return False
    repo = repo.resolve()
    is_next = "next-server" in name or "next-server" in cmdline or "next start" in cmdline
    if is_next and cwd == repo / "frontend":
        return True
    is_api = "manage.py" in cmdline and (" serve" in cmdline or " runserver" in cmdline)
    return is_api and (cwd == repo or repo in cwd.parents)


def free_port(port: int, repo: Path = REPO_DIR) -> str | None:
    """Stop leftovers of this checkout on ``port``; returns None when the port is free afterwards, else a message
    naming what holds it."""
    if not port_is_open(port):
        return None
    holders = listeners(port)
    ours = [p for p in holders if is_our_leftover(p, repo)]
    for proc in ours:
        print(f"StoryReel: stopping a leftover server from an earlier run on port {port} (pid {proc.pid})")
        try:
            # Its own children too (npm → next-server), so nothing of the old run keeps the port.
            family = [*proc.children(recursive=True), proc]
        except psutil.NoSuchProcess:
            continue
        for member in family:
            with contextlib.suppress(psutil.NoSuchProcess):
                member.terminate()
        _, alive = psutil.wait_procs(family, timeout=5)
        for member in alive:
            with contextlib.suppress(psutil.NoSuchProcess):
                member.kill()
        psutil.wait_procs(alive, timeout=5)
    others = [p for p in holders if p not in ours]
    if not others and not port_is_open(port):
        return None
    described = []
    for proc in others:
        try:
            described.append(f"pid {proc.pid} ({' '.join(proc.cmdline())[:120]})")
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            described.append(f"pid {proc.pid}")
    holder = ", ".join(described) or "a process this user cannot see"
    return (
        f"Port {port} is in use by {holder}, which is not a StoryReel server from this folder. Stop it, or choose "
        "other ports with STORYREEL_API_PORT / STORYREEL_WEB_PORT."
    )


def main(argv: list[str]) -> int:
    """Free every port in ``argv``; prints a message and returns 1 for the first one that stays taken."""
    for arg in argv:
        problem = free_port(int(arg))
        if problem:
            print(f"StoryReel: {problem}", file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
