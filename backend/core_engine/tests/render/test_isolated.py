"""The engine run in a child process (:mod:`core_engine.render.isolated`): same video, same progress records, same
cancel semantics as in-process, and errors that come back as the same exceptions."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import psutil
import pytest

from core_engine.render.isolated import render_plan_isolated
from core_engine.render.pipeline import render_plan
from core_engine.render.plan import RenderError
from core_engine.render.progress import ProgressRecord, RenderCancelled
from core_engine.tests.render.helpers import solid_plan


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _render_children() -> list[psutil.Process]:
    """ffmpeg encoders and render processes below this test process (the fork server itself stays)."""
    return [
        p
        for p in psutil.Process().children(recursive=True)
        if "ffmpeg" in p.name() or "storyreel-render" in " ".join(p.cmdline())
    ]


def test_the_child_makes_the_same_video_and_reports_progress_in_the_calling_thread(tmp_path: Path) -> None:
    plan = solid_plan(tmp_path, [0.6, 0.9])
    records: list[tuple[int, ProgressRecord]] = []
    inside = render_plan(plan, tmp_path / "inside.mp4")
    result = render_plan_isolated(plan, tmp_path / "child.mp4", lambda r: records.append((os.getpid(), r)))
    assert _sha(tmp_path / "child.mp4") == _sha(tmp_path / "inside.mp4")
    assert result.frame_count == inside.frame_count and Path(result.output_path) == tmp_path / "child.mp4"
    assert records and {pid for pid, _ in records} == {os.getpid()}  # the callback ran here, not in the child
    assert records[-1][1].percentage == 100 and records[-1][1].stage == "FINALIZE"


def test_a_cancel_from_the_callback_stops_the_child_and_keeps_the_previous_video(tmp_path: Path) -> None:
    out = tmp_path / "out" / "final.mp4"
    (tmp_path / "old").mkdir()
    render_plan(solid_plan(tmp_path / "old", [0.5]), out)
    before = out.read_bytes()

    def on_progress(record: ProgressRecord) -> None:
        if record.stage.startswith("SCENE_BUILD"):
            raise RenderCancelled("stop")

    with pytest.raises(RenderCancelled):
        render_plan_isolated(solid_plan(tmp_path, [1.5, 1.5], settings_size=(640, 360)), out, on_progress)
    assert out.read_bytes() == before
    assert sorted(p.name for p in out.parent.iterdir()) == ["final.mp4"]  # no temporary file left by the child
    psutil.wait_procs(_render_children(), timeout=10)
    assert not _render_children()


def test_an_engine_error_comes_back_as_the_same_exception(tmp_path: Path) -> None:
    plan = solid_plan(tmp_path, [0.5])
    Path(plan.segments[0].image_path).write_bytes(b"not an image")
    with pytest.raises(RenderError) as raised:
        render_plan_isolated(plan, tmp_path / "o.mp4")
    with pytest.raises(RenderError) as inside:
        render_plan(plan, tmp_path / "o.mp4")
    assert str(raised.value) == str(inside.value)
