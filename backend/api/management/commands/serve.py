"""``manage.py serve``: the API behind a production WSGI server (waitress), as ``npm start`` runs it.

One process with a pool of request threads: the embedded task manager (renders, narration) lives in this process,
so it must never be forked into several workers. At start-up it refuses an exposed address without a token,
removes what interrupted renders and uploads left behind and marks renders a stopped server left as interrupted.
On SIGTERM or SIGINT it stops accepting connections, stops the ffmpeg/speech children of a running job, records a
running render as interrupted (its project can be rendered again; the last good video is untouched because a
render only ever replaces ``final.mp4`` by renaming a finished file) and exits.
"""

from __future__ import annotations

import contextlib
import ipaddress
import logging
import os
import signal
import socket
import sys
import threading
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

logger = logging.getLogger("api.serve")

#: Seconds the children of a running job get to exit after SIGTERM before they are killed.
CHILD_GRACE_SECONDS = 3.0


def is_loopback(host: str) -> bool:
    """True for ``localhost`` and loopback IPs (127.0.0.0/8, ::1); False for anything reachable from elsewhere,
    including ``0.0.0.0``/``::`` (every interface) and host names."""
    if host.strip("[]").lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_bind_address(host: str, token: str) -> None:
    """Refuse to expose the API beyond this machine without ``STORYREEL_API_TOKEN``.

    Raises:
        CommandError: ``host`` is not a loopback address and ``token`` is empty; the message says why and how.
    """
    if not is_loopback(host) and not token:
        raise CommandError(
            f"Refusing to listen on {host}: that address is reachable from other machines, and without "
            "STORYREEL_API_TOKEN anyone who can reach it could read and change your projects and run renders. "
            "Set STORYREEL_API_TOKEN to a long random secret (the web app sends it), or listen on 127.0.0.1."
        )


def port_in_use(host: str, port: int) -> bool:
    """True when something already accepts connections on ``host:port``."""
    family = socket.AF_INET6 if ":" in host.strip("[]") else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.settimeout(0.5)
        return probe.connect_ex((host.strip("[]"), port)) == 0


def stop_children(grace: float = CHILD_GRACE_SECONDS) -> int:
    """Terminate every child process of this server (ffmpeg encoders, speech engines), killing those still alive
    after ``grace`` seconds. Returns how many there were."""
    import psutil

    children = psutil.Process().children(recursive=True)
    for child in children:
        with contextlib.suppress(psutil.NoSuchProcess):
            child.terminate()
    _, alive = psutil.wait_procs(children, timeout=grace)
    for child in alive:
        with contextlib.suppress(psutil.NoSuchProcess):
            child.kill()
    return len(children)


class Command(BaseCommand):
    help = "Serve the StoryReel API with waitress (one process, threads), shutting down gracefully on SIGTERM."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--host", default=os.environ.get("STORYREEL_API_HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("STORYREEL_API_PORT", "8000")))
        parser.add_argument("--threads", type=int, default=8, help="request threads (default 8)")

    def handle(self, *args: Any, **options: Any) -> None:
        from storyreel.wsgi import application
        from waitress.server import create_server

        from api.maintenance import clean_render_leftovers
        from api.task_manager import TaskManager
        from api.tasks import recover_interrupted_renders

        host, port = options["host"], options["port"]
        check_bind_address(host, settings.STORYREEL_API_TOKEN)
        if port_in_use("127.0.0.1" if host in ("0.0.0.0", "::") else host, port):
            raise CommandError(
                f"Port {port} on {host} is already in use (another StoryReel API, or another program). Stop it "
                "or choose another port with STORYREEL_API_PORT."
            )
        removed = clean_render_leftovers()
        recovered = recover_interrupted_renders()
        server = create_server(
            application,
            host=host,
            port=port,
            threads=options["threads"],
            connection_limit=512,
            backlog=2048,
            channel_timeout=120,
            max_request_body_size=settings.STORYREEL_MAX_UPLOAD_BYTES + 1024 * 1024,
            ident="StoryReel",
        )
        stopping = threading.Event()

        def on_signal(signum: int, frame: object) -> None:
            if stopping.is_set():
                return
            stopping.set()
            raise KeyboardInterrupt  # leaves server.run() in the main thread

        signal.signal(signal.SIGTERM, on_signal)
        signal.signal(signal.SIGINT, on_signal)
        self.stdout.write(
            f"StoryReel API on http://{host}:{port}/api/ (waitress, {options['threads']} threads"
            + (", token required" if settings.STORYREEL_API_TOKEN else "")
            + (f"; removed {removed} leftover file(s)" if removed else "")
            + (f"; {recovered} interrupted render(s) marked" if recovered else "")
            + ")"
        )
        self.stdout.flush()
        try:
            server.run()
        except KeyboardInterrupt:
            pass
        finally:
            server.close()
        self.stdout.write("StoryReel API stopping: interrupting running work")
        self.stdout.flush()
        TaskManager.get_instance().begin_shutdown()
        stop_children()
        self.stdout.write("A render that was running resumes when the API starts again")
        self.stdout.flush()
        sys.stderr.flush()
        # The worker thread may still be unwinding a job whose children were just stopped; it holds nothing that
        # must be flushed (renders publish by renaming finished files), so do not wait for it.
        os._exit(0)
