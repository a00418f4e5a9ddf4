"""Property-based fuzzing of the whole API against its OpenAPI schema (issue 9): schemathesis generates requests for
every operation of ``GET /api/schema/`` (examples, boundary and invalid values, random data, and stateful chains such
as create → patch → delete) and sends them to a real ``manage.py serve`` (waitress) on loopback with its own
temporary database and media folder. It fails on any 5xx and on any response that contradicts the schema: an
undocumented status code, content type or header, or a body that does not validate.

Settings (seed, example budget, the two request-judging checks left out and why) live in ``schemathesis.toml`` next
to this file; a run takes about a minute. To reproduce a failure by hand, start ``manage.py serve`` and run
``python -m schemathesis.cli --config-file backend/api/tests/schemathesis.toml run http://127.0.0.1:8000/api/schema/``.
"""

from __future__ import annotations

import json
import re
import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from api.tests.test_server import PYTHON, Server, http, start_server

CONFIG = Path(__file__).with_name("schemathesis.toml")
HTTP_METHODS = {"get", "put", "post", "patch", "delete", "head", "options", "trace"}
#: Upper bound for the whole run; it takes about a minute on a loaded 2-core machine.
RUN_TIMEOUT_SECONDS = 600


@pytest.fixture
def api_server(tmp_path: Path) -> Iterator[Server]:
    data = tmp_path / "server"
    data.mkdir()
    srv = start_server(data)
    yield srv
    if srv.proc.poll() is None:
        srv.proc.send_signal(signal.SIGTERM)
        srv.proc.wait(30)


def test_the_api_conforms_to_its_schema_under_fuzzing(api_server: Server, tmp_path: Path) -> None:
    status, body, _ = http("GET", f"{api_server.api}/schema/")
    assert status == 200
    operations = sum(1 for item in json.loads(body)["paths"].values() for method in item if method in HTTP_METHODS)
    assert operations >= 20  # every route of api/urls.py (test_schema.py checks they are all there)

    command = [PYTHON, "-m", "schemathesis.cli", "--config-file", str(CONFIG), "--no-color", "run"]
    run = subprocess.run(
        [*command, "--output-truncate", "false", f"{api_server.api}/schema/"],
        cwd=tmp_path,  # anything schemathesis writes stays in the test's folder
        env={**api_server.env, "PYTHONPATH": ""},
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT_SECONDS,
    )
    output = run.stdout + run.stderr
    assert run.returncode == 0, f"schemathesis found problems:\n{output[-20000:]}"
    counts = re.search(r"Selected: (\d+)/(\d+)\s+Tested: (\d+)", output)
    assert counts, output[-5000:]
    selected, total, tested = map(int, counts.groups())
    # schemathesis leaves out the operation that serves the schema it loaded (GET /api/schema/): every other one runs
    assert selected == total == tested == operations - 1, f"not every operation was tested:\n{output[-5000:]}"
    assert api_server.proc.poll() is None, (api_server.data / "server.log").read_text()[-5000:]
