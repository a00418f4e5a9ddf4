"""Status endpoint latency while a render runs, against the real application server (standard library HTTP only).

:func:`measure_status_latency` starts ``manage.py migrate`` + ``manage.py serve --host 127.0.0.1 --port <free port>``
(waitress, one process with request threads and the embedded task manager, exactly as ``npm start`` runs it) with
its own ``STORYREEL_DB_PATH`` / ``STORYREEL_MEDIA_ROOT`` in a temporary folder, builds a project through the API
(``POST /api/projects/import/``, multipart ``PATCH /api/segments/{id}/`` for each photo and recording), starts the
render, and has ``clients`` threads poll ``GET /api/projects/{id}/status/`` every ``interval`` seconds (the
clients' start times spread evenly over one interval) until the project leaves PROCESSING or ``max_seconds`` pass.
Latency is measured per request (connect → full body), in ms. The server is stopped (by its pid) at the end.

The target (issue 9): p99 < 50 ms for 20 clients polling every 200 ms during a 1080p render. Run alone with
``.venv/bin/python bench/status_latency.py [segments]`` (corpus photos and recordings, 1920x1080); ``npm run bench``
runs it as its "Status endpoint latency" section.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import mimetypes
import os
import socket
import subprocess
import sys
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import psutil
from metrics import CpuAccount


class ApiUnavailable(RuntimeError):
    """The server did not start or the API did not answer as the contract says."""


@dataclass
class LatencyReport:
    """Latencies (ms) of the status requests, and what the render did meanwhile."""

    latencies_ms: list[float]
    errors: int
    polled_seconds: float
    final_status: str
    statuses_seen: list[str] = field(default_factory=list)
    max_percentage: int | None = None
    idle: LatencyReport | None = None  # the same polling before the render started
    cores_used: float = 0.0  # CPU of the bench + server + encoders while polling, in cores
    other_load: float = 0.0  # CPU of every other process on the machine while polling, in cores

    def percentile(self, q: float) -> float:
        """``q``-th percentile (0–100) of the latencies, ms."""
        return float(np.percentile(self.latencies_ms, q)) if self.latencies_ms else float("nan")


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Client:
    """Minimal JSON/multipart HTTP client for the local API (one connection per request)."""

    def __init__(self, port: int, timeout: float = 30.0):
        self.port = port
        self.timeout = timeout

    def request(
        self, method: str, path: str, body: bytes | None = None, headers: dict[str, str] | None = None
    ) -> tuple[int, dict | list | None]:
        """Send a request; returns (HTTP status, parsed JSON body or None)."""
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
        try:
            conn.request(method, path, body=body, headers=headers or {})
            resp = conn.getresponse()
            data = resp.read()
        finally:
            conn.close()
        try:
            return resp.status, json.loads(data) if data else None
        except ValueError:
            return resp.status, None

    def json(self, method: str, path: str, payload: dict) -> tuple[int, dict | list | None]:
        return self.request(method, path, json.dumps(payload).encode(), {"Content-Type": "application/json"})

    def multipart(self, method: str, path: str, files: dict[str, Path]) -> tuple[int, dict | list | None]:
        boundary = uuid.uuid4().hex
        parts = []
        for name, file in files.items():
            ctype = mimetypes.guess_type(file.name)[0] or "application/octet-stream"
            parts.append(
                f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{file.name}"\r\n'
                f"Content-Type: {ctype}\r\n\r\n".encode()
                + file.read_bytes()
                + b"\r\n"
            )
        body = b"".join(parts) + f"--{boundary}--\r\n".encode()
        return self.request(method, path, body, {"Content-Type": f"multipart/form-data; boundary={boundary}"})


class DjangoServer:
    """``manage.py serve`` (waitress) in a child process with its own database and media folder; a context
    manager."""

    def __init__(self, repo: Path, tmp: Path, log_path: Path):
        self.repo = repo
        self.tmp = tmp
        self.log_path = log_path
        self.port = free_port()
        self.proc: subprocess.Popen | None = None
        self.env = {
            **os.environ,
            "STORYREEL_DB_PATH": str(tmp / "db.sqlite3"),
            "STORYREEL_MEDIA_ROOT": str(tmp / "media"),
            "PYTHONUNBUFFERED": "1",
            "STORYREEL_MIN_FREE_DISK_MB": os.environ.get("STORYREEL_MIN_FREE_DISK_MB", "100"),
        }

    def __enter__(self) -> DjangoServer:
        manage = str(self.repo / "backend" / "manage.py")
        with self.log_path.open("w") as log:
            mig = subprocess.run(
                [sys.executable, manage, "migrate", "--noinput"],
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                cwd=self.repo,
            )
        if mig.returncode != 0:
            raise ApiUnavailable(f"manage.py migrate failed (see {self.log_path})")
        log = self.log_path.open("a")
        self.proc = subprocess.Popen(
            [sys.executable, manage, "serve", "--host", "127.0.0.1", "--port", str(self.port)],
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=self.repo,
        )
        client = Client(self.port, timeout=2.0)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise ApiUnavailable(f"manage.py serve exited with {self.proc.returncode} (see {self.log_path})")
            try:
                status, _ = client.request("GET", "/api/health/")
                if status == 200:
                    return self
            except OSError:
                pass
            time.sleep(0.25)
        self.__exit__()
        raise ApiUnavailable("the server did not answer GET /api/health/ within 30 s")

    def __exit__(self, *exc) -> None:
        """Stop the server and the encoders its render started (by pid)."""
        if not self.proc or self.proc.poll() is not None:
            return
        try:
            children = psutil.Process(self.proc.pid).children(recursive=True)
        except psutil.Error:
            children = []
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        for child in children:
            with contextlib.suppress(psutil.Error):
                child.terminate()
        psutil.wait_procs(children, timeout=5)


def _expect(status: int, body, ok: tuple[int, ...], what: str):
    if status not in ok:
        raise ApiUnavailable(f"{what}: HTTP {status} {json.dumps(body)[:300] if body is not None else ''}")
    return body


def build_project(
    client: Client, title: str, items: list[tuple[Path, Path]], resolution: tuple[int, int] | None = None
) -> str:
    """Create a project of ``items`` (photo, recording) through the API; returns its id."""
    segments = [
        {"text_content": f"Segment {i + 1} of the benchmark story.", "image_prompt": "bench"} for i in range(len(items))
    ]
    body = _expect(
        *client.json("POST", "/api/projects/import/", {"format": "json", "title": title, "segments": segments}),
        (201,),
        "import",
    )
    project_id = body["id"]
    if resolution:
        _expect(
            *client.json(
                "PATCH",
                f"/api/projects/{project_id}/",
                {"resolution_width": resolution[0], "resolution_height": resolution[1]},
            ),
            (200,),
            "set resolution",
        )
    segs = sorted(body["segments"], key=lambda s: s["sequence_index"])
    for seg, (image, audio) in zip(segs, items, strict=False):
        _expect(
            *client.multipart("PATCH", f"/api/segments/{seg['id']}/", {"image_file": image}),
            (200,),
            f"upload {image.name}",
        )
        _expect(
            *client.multipart("PATCH", f"/api/segments/{seg['id']}/", {"audio_file": audio}),
            (200,),
            f"upload {audio.name}",
        )
    return project_id


def poll_status(
    port: int, project_id: str, clients: int, interval: float, max_seconds: float, until_not: str | None = "PROCESSING"
) -> LatencyReport:
    """``clients`` threads each GET the status every ``interval`` s until the status is not ``until_not`` (None:
    never) or ``max_seconds`` pass."""
    path = f"/api/projects/{project_id}/status/"
    lock = threading.Lock()
    latencies: list[float] = []
    statuses: list[str] = []
    errors = [0]
    max_pct: list[int | None] = [None]
    stop = threading.Event()
    start = time.perf_counter()

    def poller(k: int) -> None:
        client = Client(port, timeout=10.0)
        stop.wait(interval * k / clients)  # spread the clients evenly over the interval (no lock-step bursts)
        while not stop.is_set() and time.perf_counter() - start < max_seconds:
            t0 = time.perf_counter()
            try:
                status, body = client.request("GET", path)
            except OSError:
                status, body = 0, None
            ms = (time.perf_counter() - t0) * 1000
            with lock:
                if status != 200 or not isinstance(body, dict):
                    errors[0] += 1
                else:
                    latencies.append(ms)
                    st = body.get("status")
                    if not statuses or statuses[-1] != st:
                        statuses.append(st)
                    pct = (body.get("progress") or {}).get("percentage")
                    if isinstance(pct, (int, float)):
                        max_pct[0] = max(max_pct[0] or 0, int(pct))
                    if until_not is not None and st != until_not:
                        stop.set()
            stop.wait(interval)

    threads = [threading.Thread(target=poller, args=(k,), daemon=True) for k in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return LatencyReport(
        latencies_ms=latencies,
        errors=errors[0],
        polled_seconds=time.perf_counter() - start,
        final_status=statuses[-1] if statuses else "unknown",
        statuses_seen=statuses,
        max_percentage=max_pct[0],
    )


def measure_status_latency(
    repo: Path,
    tmp: Path,
    items: list[tuple[Path, Path]],
    log_path: Path,
    resolution: tuple[int, int] | None = None,
    clients: int = 20,
    interval: float = 0.2,
    max_seconds: float = 30.0,
    idle_seconds: float = 3.0,
) -> LatencyReport:
    """Start the server, build and render a project of ``items``, and poll its status (see module doc).

    Before the render starts, the same clients poll for ``idle_seconds`` to give an idle baseline
    (``report.idle``).

    Raises:
        ApiUnavailable: the server or an endpoint did not behave (message says which).
    """
    tmp.mkdir(parents=True, exist_ok=True)
    with DjangoServer(repo, tmp, log_path) as server:
        client = Client(server.port)
        project_id = build_project(client, "Benchmark story", items, resolution)
        idle = poll_status(server.port, project_id, clients, interval, idle_seconds, until_not=None)
        _expect(*client.json("POST", f"/api/projects/{project_id}/render/", {}), (202,), "start render")
        with CpuAccount() as cpu:
            busy = poll_status(server.port, project_id, clients, interval, max_seconds)
        busy.idle = idle
        busy.cores_used = cpu.tree_seconds / cpu.wall
        busy.other_load = cpu.other_seconds / cpu.wall
        return busy


def main(argv: list[str]) -> int:
    """Measure once at 1080p with the first ``argv[0]`` corpus segments (default 4); print the figures; exit 1 when
    p99 ≥ 50 ms or a request failed."""
    import tempfile

    from story import load_corpus_story

    repo = Path(__file__).resolve().parents[1]
    count = int(argv[0]) if argv else 4
    items = [(s.image, s.audio) for s in load_corpus_story()[:count]]
    tmp = Path(tempfile.mkdtemp(prefix="storyreel-status-"))
    rep = measure_status_latency(repo, tmp / "api", items, tmp / "server.log", max_seconds=60.0)
    idle = rep.idle
    print(
        f"{len(rep.latencies_ms)} requests, errors {rep.errors}, statuses {' → '.join(rep.statuses_seen)}, "
        f"max {rep.max_percentage} %: p50 {rep.percentile(50):.1f} ms, p95 {rep.percentile(95):.1f} ms, "
        f"p99 {rep.percentile(99):.1f} ms, max {max(rep.latencies_ms, default=float('nan')):.1f} ms; "
        f"idle p50 {idle.percentile(50) if idle else float('nan'):.1f} ms, "
        f"p99 {idle.percentile(99) if idle else float('nan'):.1f} ms; "
        f"cores used {rep.cores_used:.2f}, other processes {rep.other_load:.2f}; log {tmp / 'server.log'}"
    )
    return 0 if rep.errors == 0 and rep.percentile(99) < 50 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
