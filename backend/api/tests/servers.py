"""Real servers on loopback for the distributed-backend tests: Redis, a throwaway PostgreSQL cluster, the API
(``runserver``) and Celery workers, each a child process started on a free port and stopped at the end.

Debian's ``redis-server`` and ``postgresql`` are installed here when missing (as ``scripts/test.sh`` installs
chromium), if the tests run as root; otherwise the tests that need them are skipped with the command to run.
PostgreSQL refuses to run as root, so its cluster runs as the ``postgres`` user the package creates.
"""

from __future__ import annotations

import contextlib
import glob
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[3]
BACKEND = REPO / "backend"
PYTHON = sys.executable
CELERY = str(Path(PYTHON).parent / "celery")


def free_port(first: int, last: int) -> int:
    """A TCP port in ``[first, last]`` nobody listens on (another run may take it meanwhile; callers retry)."""
    for port in range(first, last + 1):
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError(f"no free port in {first}-{last}")


def wait_for(check: Callable[[], Any], timeout: float, what: str, interval: float = 0.1) -> Any:
    """Poll ``check()`` until it returns something truthy; raises ``TimeoutError`` naming ``what``."""
    deadline = time.monotonic() + timeout
    last_error: Exception | None = None
    while time.monotonic() < deadline:
        try:
            value = check()
            if value:
                return value
        except Exception as exc:  # not up yet
            last_error = exc
        time.sleep(interval)
    raise TimeoutError(f"{what} not ready within {timeout} s ({last_error})")


def ensure_debian_package(binary_glob: str, package: str) -> str:
    """Path of a binary from a Debian package, installing the package when missing (root only) or skipping."""
    found = sorted(glob.glob(binary_glob))
    if found:
        return found[-1]
    if os.geteuid() != 0:
        pytest.skip(f"{package} is missing: run 'sudo apt-get install -y {package}'")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "update", "-qq"], check=True, env=env, capture_output=True)
    subprocess.run(["apt-get", "install", "-y", "-qq", package], check=True, env=env, capture_output=True)
    found = sorted(glob.glob(binary_glob))
    if not found:
        pytest.skip(f"installing {package} did not provide {binary_glob}")
    return found[-1]


def stop(proc: subprocess.Popen[bytes], sig: int = signal.SIGTERM, timeout: float = 10) -> None:
    """Stop a child started with ``start_new_session=True`` and everything in its process group."""
    if proc.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, sig)
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(5)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)  # children that outlived their leader


@contextlib.contextmanager
def redis_server(workdir: Path) -> Iterator[str]:
    """A Redis without persistence on a free loopback port; yields its URL."""
    binary = ensure_debian_package("/usr/bin/redis-server", "redis-server")
    port = free_port(16700, 16749)
    log = (workdir / "redis.log").open("wb")
    proc = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        wait_for(lambda: _redis_ping(port), 10, "redis-server")
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        stop(proc)
        log.close()


def _redis_ping(port: int) -> bool:
    with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
        s.sendall(b"PING\r\n")
        return s.recv(16).startswith(b"+PONG")


@contextlib.contextmanager
def postgres_cluster() -> Iterator[str]:
    """A throwaway PostgreSQL cluster (fsync off) on a free loopback port with a ``storyreel`` database; yields
    its URL. Runs as the ``postgres`` user when the tests run as root."""
    initdb = ensure_debian_package("/usr/lib/postgresql/*/bin/initdb", "postgresql")
    bindir = Path(initdb).parent
    # Its own folder outside pytest's (which only root may enter), owned by the user the server runs as.
    home = Path(tempfile.mkdtemp(prefix="storyreel-pg-"))
    data = home / "data"
    data.mkdir()
    as_user: list[str] = []
    if os.geteuid() == 0:
        home.chmod(0o755)
        shutil.chown(home, "postgres")
        shutil.chown(data, "postgres")
        as_user = ["runuser", "-u", "postgres", "--"]
    port = free_port(16750, 16799)

    def run(*cmd: str) -> None:
        done = subprocess.run([*as_user, *cmd], capture_output=True, cwd="/", check=False)
        if done.returncode:
            raise RuntimeError(f"{Path(cmd[0]).name} failed: {done.stderr.decode(errors='replace')[-2000:]}")

    try:
        run(str(bindir / "initdb"), "-D", str(data), "-U", "storyreel", "--auth=trust", "-E", "UTF8", "--no-sync")
        options = f"-p {port} -k {data} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off"
        run(str(bindir / "pg_ctl"), "-D", str(data), "-o", options, "-l", str(home / "server.log"), "-w", "start")
        try:
            run(str(bindir / "createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", "storyreel", "storyreel")
            yield f"postgresql://storyreel@127.0.0.1:{port}/storyreel"
        finally:
            run(str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop")
    finally:
        shutil.rmtree(home, ignore_errors=True)


class Stack:
    """The distributed setup of the README on loopback: the API in Celery mode and N workers sharing a media
    folder, a PostgreSQL database and a Redis broker."""

    def __init__(self, workdir: Path, database_url: str | None = None, broker_url: str | None = None) -> None:
        """Celery backend with ``broker_url`` (and ``database_url``); embedded backend on an SQLite file in
        ``workdir`` without them."""
        self.workdir = workdir
        self.media = workdir / "media"
        self.media.mkdir(parents=True, exist_ok=True)
        self.env = {
            **os.environ,
            "STORYREEL_MEDIA_ROOT": str(self.media),
            "STORYREEL_DB_PATH": str(workdir / "db.sqlite3"),
            "PYTHONUNBUFFERED": "1",
        }
        for name in ("DJANGO_SETTINGS_MODULE", "STORYREEL_NO_RECOVERY", "STORYREEL_DATABASE_URL"):
            self.env.pop(name, None)  # a served API recovers interrupted jobs, as in production
        self.env["STORYREEL_TASK_BACKEND"] = "celery" if broker_url else "embedded"
        if database_url:
            self.env["STORYREEL_DATABASE_URL"] = database_url
        if broker_url:
            self.env["STORYREEL_BROKER_URL"] = broker_url
            # a killed worker's task comes back after ~20 s (+ the 2 s restore interval) instead of 2 hours
            self.env["STORYREEL_VISIBILITY_TIMEOUT"] = "20"
            self.env["STORYREEL_UNACKED_RESTORE_INTERVAL"] = "2"
        self.api: subprocess.Popen[bytes] | None = None
        self.api_url = ""
        self.workers: dict[str, subprocess.Popen[bytes]] = {}

    def _spawn(self, name: str, cmd: list[str], env: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
        log = (self.workdir / f"{name}.log").open("ab")
        return subprocess.Popen(
            cmd,
            cwd=BACKEND,
            env=env or self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )

    def migrate(self) -> None:
        subprocess.run(
            [PYTHON, "manage.py", "migrate", "-v0"], cwd=BACKEND, env=self.env, check=True, capture_output=True
        )

    def start_api(self, env: dict[str, str] | None = None, wait: bool = True) -> None:
        """Start ``runserver --noreload`` on a free port; with ``wait``, until it answers (:meth:`wait_api`)."""
        port = free_port(8700, 8799)
        self.api = self._spawn("api", [PYTHON, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"], env)
        self.api_url = f"http://127.0.0.1:{port}"
        if wait:
            self.wait_api()

    def wait_api(self) -> None:
        wait_for(lambda: self.get("/api/health/")[0] == 200, 30, "the API")

    def stop_api(self, sig: int = signal.SIGTERM) -> None:
        if self.api is not None:
            stop(self.api, sig)
            self.api = None

    def start_worker(self, name: str) -> None:
        self.workers[name] = self._spawn(
            name,
            [
                CELERY, "-A", "storyreel.celery", "worker", "-n", f"{name}@%h", "--concurrency=1",
                "--prefetch-multiplier=1", "--without-gossip", "--without-mingle", "--loglevel=INFO",
            ],
        )  # fmt: skip

    def live_workers(self) -> int:
        _, body = self.get("/api/ready/")
        return int(body.get("live_workers", 0))

    def ensure_workers(self, names: list[str], timeout: float = 60) -> None:
        """Start the named workers that are not running and wait until that many answer a ping."""
        for name in names:
            proc = self.workers.get(name)
            if proc is None or proc.poll() is not None:
                self.start_worker(name)
        wait_for(lambda: self.live_workers() >= len(names), timeout, f"{len(names)} workers", interval=0.5)

    def kill_worker(self, name: str) -> None:
        """SIGKILL a worker and its whole process group (pool process, ffmpeg): a machine that died."""
        proc = self.workers.pop(name)
        stop(proc, signal.SIGKILL)

    def close(self) -> None:
        self.stop_api()
        for proc in self.workers.values():
            stop(proc)
        self.workers.clear()

    # -- HTTP ---------------------------------------------------------------------------------------------------------
    def request(
        self, method: str, path: str, body: dict[str, Any] | None = None, files: dict[str, Path] | None = None
    ) -> tuple[int, Any]:
        """One HTTP request to the API; JSON body or multipart ``files``; returns (status, decoded JSON or text)."""
        headers: dict[str, str] = {}
        data: bytes | None = None
        if files:
            boundary = uuid.uuid4().hex
            parts = []
            for field, path_ in files.items():
                parts.append(
                    f'--{boundary}\r\nContent-Disposition: form-data; name="{field}"; filename="{path_.name}"\r\n'
                    "Content-Type: application/octet-stream\r\n\r\n".encode()
                    + path_.read_bytes()
                    + b"\r\n"
                )
            data = b"".join(parts) + f"--{boundary}--\r\n".encode()
            headers["Content-Type"] = f"multipart/form-data; boundary={boundary}"
        elif body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        req = urllib.request.Request(self.api_url + path, data=data, method=method, headers=headers)
        try:
            with urllib.request.urlopen(req, timeout=30) as resp:
                status, raw = resp.status, resp.read()
        except urllib.error.HTTPError as err:
            status, raw = err.code, err.read()
        try:
            return status, json.loads(raw)
        except ValueError:
            return status, raw.decode(errors="replace")

    def get(self, path: str) -> tuple[int, Any]:
        return self.request("GET", path)
