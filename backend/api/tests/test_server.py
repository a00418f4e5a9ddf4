"""The API as ``npm start`` runs it (issue 9): ``manage.py serve`` (waitress, one process) over real HTTP on loopback,
graceful shutdown on SIGTERM during a render, and ``scripts/start.sh`` restarting cleanly after a crash (row 13).

Each server gets its own temporary database and media folder and a port from 8600–8699.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import psutil
import pytest

from api.tests.helpers import write_image, write_wav

REPO = Path(__file__).resolve().parents[3]
PYTHON = REPO / ".venv" / "bin" / "python"
if not PYTHON.exists():
    PYTHON = Path(sys.executable)
MANAGE = REPO / "backend" / "manage.py"


def free_port() -> int:
    """A port in 8600–8699 nobody listens on."""
    for port in range(8600 + os.getpid() % 50, 8700):
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) != 0:
                return port
    raise RuntimeError("no free port in 8600-8699")


def wait_until(check, timeout: float, what: str, interval: float = 0.1):
    """Poll ``check()`` until it returns a truthy value (returned) or ``timeout`` seconds pass (AssertionError)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


def http(method: str, url: str, body: dict | None = None, headers: dict | None = None) -> tuple[int, bytes, dict]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method, headers=dict(headers or {}))
    if data is not None:
        request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read(), dict(response.headers)
    except urllib.error.HTTPError as err:
        return err.code, err.read(), dict(err.headers)


@dataclass
class Server:
    proc: subprocess.Popen
    port: int
    data: Path
    env: dict

    @property
    def api(self) -> str:
        return f"http://127.0.0.1:{self.port}/api"

    def healthy(self) -> bool:
        try:
            return http("GET", f"{self.api}/health/")[0] == 200
        except OSError:
            return False


def _env(data: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PYTEST"))}
    env.update(
        STORYREEL_DB_PATH=str(data / "db.sqlite3"),
        STORYREEL_MEDIA_ROOT=str(data / "media"),
        STORYREEL_NO_RECOVERY="0",
        STORYREEL_MIN_FREE_DISK_MB="1",
        PYTHONUNBUFFERED="1",
    )
    return env


def start_server(data: Path, port: int | None = None) -> Server:
    env = _env(data)
    if not (data / "db.sqlite3").exists():
        subprocess.run([PYTHON, MANAGE, "migrate", "-v0"], env=env, check=True, cwd=REPO)
    port = port or free_port()
    log = open(data / "server.log", "ab")  # noqa: SIM115 - inherited by the child, closed with the test's tmp dir
    proc = subprocess.Popen(
        [PYTHON, MANAGE, "serve", "--port", str(port)], env=env, cwd=REPO, stdout=log, stderr=subprocess.STDOUT
    )
    server = Server(proc, port, data, env)
    wait_until(lambda: server.healthy() or proc.poll() is not None, 60, "the API to answer")
    assert proc.poll() is None, (data / "server.log").read_text()
    return server


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    srv = start_server(tmp_path)
    yield srv
    if srv.proc.poll() is None:
        srv.proc.send_signal(signal.SIGTERM)
        srv.proc.wait(30)


def curl_upload(server: Server, segment_id: str, **files: Path) -> dict:
    args = ["curl", "-s", "-f", "-X", "PATCH"]
    for field, path in files.items():
        args += ["-F", f"{field}=@{path}"]
    out = subprocess.run([*args, f"{server.api}/segments/{segment_id}/"], capture_output=True, check=True)
    return json.loads(out.stdout)


def make_project(server: Server, tmp_path: Path, segments: int, seconds: float, size=(320, 180), fps=12) -> dict:
    story = {"format": "json", "title": "Served", "segments": [{"text_content": f"S{i}."} for i in range(segments)]}
    status, body, _ = http("POST", f"{server.api}/projects/import/", story)
    assert status == 201, body
    project = json.loads(body)
    patch = {"resolution_width": size[0], "resolution_height": size[1], "framerate": fps}
    assert http("PATCH", f"{server.api}/projects/{project['id']}/", patch)[0] == 200
    for i, seg in enumerate(project["segments"]):
        image = write_image(tmp_path / f"img{i}.png", "PNG", size=(640, 360), colour=(30 * i, 120, 200))
        audio = write_wav(tmp_path / f"aud{i}.wav", seconds, freq=220.0 + 40 * i)
        curl_upload(server, seg["id"], image_file=image, audio_file=audio)
    return project


# -- the application server -------------------------------------------------------------------------------------------
def test_serves_media_ranges_and_guards_over_real_http(server: Server) -> None:
    video = server.data / "media" / "projects" / "p" / "output" / "final.mp4"
    video.parent.mkdir(parents=True)
    video.write_bytes(bytes(range(256)) * 40)
    url = f"http://127.0.0.1:{server.port}/media/projects/p/output/final.mp4"
    status, body, headers = http("GET", url, headers={"Range": "bytes=10-19"})
    assert status == 206 and body == bytes(range(10, 20)) and headers["Content-Range"] == "bytes 10-19/10240"
    status, body, headers = http("GET", url)
    assert status == 200 and len(body) == 10240 and headers["Accept-Ranges"] == "bytes"
    assert http("GET", url, headers={"Range": "bytes=99999-"})[0] == 416
    foreign = {"Origin": "http://evil.example", "Content-Type": "application/x-www-form-urlencoded"}
    request = urllib.request.Request(f"{server.api}/projects/", data=b"title=x", method="POST", headers=foreign)
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=10)
    assert refused.value.code == 403
    assert json.loads(http("GET", f"{server.api}/projects/")[1])["count"] == 0


def test_many_concurrent_requests_get_answers_not_resets(server: Server) -> None:
    ids = []
    for i in range(20):
        story = {"format": "json", "title": f"P{i}", "segments": [{"text_content": "x"}]}
        ids.append(json.loads(http("POST", f"{server.api}/projects/import/", story)[1])["id"])

    def hit(i: int) -> int:
        if i % 2:
            return http("POST", f"{server.api}/projects/{ids[i % len(ids)]}/render/")[0]
        return http("GET", f"{server.api}/projects/")[0]

    with ThreadPoolExecutor(max_workers=50) as pool:
        statuses = list(pool.map(hit, range(100)))
    assert sorted(set(statuses)) == [200, 400], statuses  # 400: no images/audio yet, never a reset or a 5xx


@pytest.mark.slow
def test_sigterm_during_a_render_resumes_it_at_the_next_start(server: Server, tmp_path: Path) -> None:
    project = make_project(server, tmp_path, segments=4, seconds=10.0, size=(640, 360), fps=24)
    status, body, _ = http("POST", f"{server.api}/projects/{project['id']}/render/")
    assert status == 202, body
    api = psutil.Process(server.proc.pid)

    def encoder_running() -> list[psutil.Process]:
        return [c for c in api.children(recursive=True) if "ffmpeg" in c.name()]

    children = wait_until(encoder_running, 60, "the render's ffmpeg to start", 0.05)
    server.proc.send_signal(signal.SIGTERM)
    assert server.proc.wait(20) == 0
    _, alive = psutil.wait_procs(children, timeout=10)
    assert not alive, "ffmpeg children outlived the server"
    output = server.data / "media" / "projects" / project["id"] / "output"
    assert not (output / "final.mp4").exists()  # never a half-written video

    # A restart cleans up what the render left and queues the interrupted render again (its second attempt).
    restarted = start_server(server.data, server.port)
    try:
        assert not list(output.glob(".*.part.mp4")) and not list(output.glob(".render-*"))

        def finished() -> dict | None:
            state = json.loads(http("GET", f"{restarted.api}/projects/{project['id']}/status/")[1])
            return state if state["status"] in ("COMPLETED", "FAILED") else None

        final = wait_until(finished, 180, "the resumed render", 0.5)
        assert final["status"] == "COMPLETED", final
        job = json.loads(http("GET", f"{restarted.api}/jobs/{final['job_id']}/")[1])
        assert job["state"] == "SUCCEEDED" and job["attempt"] == 2, job
        assert (output / "final.mp4").is_file()
    finally:
        restarted.proc.send_signal(signal.SIGTERM)
        restarted.proc.wait(30)


# -- row 13: npm start after a crash ---------------------------------------------------------------------------------
def _start_script(data: Path, api_port: int) -> subprocess.Popen:
    env = _env(data)
    env.update(STORYREEL_SKIP_SETUP="1", STORYREEL_NO_WEB="1", STORYREEL_API_PORT=str(api_port))
    log = open(data / "start.log", "ab")  # noqa: SIM115 - inherited by the child
    return subprocess.Popen(
        ["bash", str(REPO / "scripts" / "start.sh")], env=env, cwd=REPO, stdout=log, stderr=subprocess.STDOUT,
        start_new_session=True,
    )  # fmt: skip


def _listener(port: int) -> psutil.Process | None:
    for conn in psutil.net_connections(kind="tcp"):
        if conn.status == psutil.CONN_LISTEN and conn.laddr.port == port and conn.pid:
            return psutil.Process(conn.pid)
    return None


def test_npm_start_recovers_from_a_crash(tmp_path: Path) -> None:
    subprocess.run([PYTHON, MANAGE, "migrate", "-v0"], env=_env(tmp_path), check=True, cwd=REPO)
    port = free_port()
    health = f"http://127.0.0.1:{port}/api/health/"

    def healthy() -> bool:
        try:
            return http("GET", health)[0] == 200
        except OSError:
            return False

    first = _start_script(tmp_path, port)
    try:
        wait_until(healthy, 90, "the first start")
        old_api = _listener(port)
        assert old_api is not None
        # The launcher dies without cleaning up (kill -9): its API is left holding the port.
        first.send_signal(signal.SIGKILL)
        first.wait(10)
        assert old_api.is_running() and healthy()

        second = _start_script(tmp_path, port)
        try:
            wait_until(lambda: (p := _listener(port)) is not None and p.pid != old_api.pid and healthy(), 90, "restart")
            assert not old_api.is_running()
            log = (tmp_path / "start.log").read_text()
            assert "stopping a leftover server from an earlier run" in log
            # Now the API of the running start crashes: the launcher notices and exits instead of hanging on.
            new_api = _listener(port)
            assert new_api is not None
            new_api.send_signal(signal.SIGKILL)
            assert second.wait(30) != 0
        finally:
            if second.poll() is None:
                os.killpg(second.pid, signal.SIGTERM)
                second.wait(30)
    finally:
        if first.poll() is None:
            os.killpg(first.pid, signal.SIGKILL)
        leftover = _listener(port)
        if leftover is not None:
            leftover.kill()


def test_a_stale_next_server_from_this_checkout_is_stopped_and_a_foreign_one_reported(tmp_path: Path) -> None:
    from api.ports import free_port as free

    port = free_port()
    listen = (
        "import socket,time;s=socket.socket();s.setsockopt(socket.SOL_SOCKET,socket.SO_REUSEADDR,1);"
        f"s.bind(('127.0.0.1',{port}));s.listen();time.sleep(120)"
    )
    # A leftover web server of this checkout: named next-server, working in ./frontend.
    stale = subprocess.Popen(["bash", "-c", f'exec -a next-server "{PYTHON}" -c "{listen}"'], cwd=REPO / "frontend")
    try:
        wait_until(lambda: _listener(port) is not None, 10, "the fake next-server to listen")
        assert free(port) is None
        assert stale.wait(10) is not None
    finally:
        if stale.poll() is None:
            stale.kill()
    # Another program on the port: left alone, and the message says what holds the port.
    other = subprocess.Popen([PYTHON, "-c", listen], cwd=tmp_path)
    try:
        wait_until(lambda: _listener(port) is not None, 10, "the other program to listen")
        message = free(port)
        assert message is not None and f"Port {port} is in use by pid {other.pid}" in message
        assert other.poll() is None
    finally:
        other.kill()
        other.wait(10)
