"""Shared part of the ``render`` and ``render_story`` commands: run a render on the task manager and show a
terminal progress bar fed by the same progress the status endpoint reports."""

from __future__ import annotations

import contextlib
import sys
from pathlib import Path

from django.conf import settings
from django.core.management.base import CommandError
from tqdm import tqdm

from api.exceptions import RenderRefused
from api.models import Project, ProjectStatus
from api.task_manager import TaskManager, TaskStatus
from api.tasks import start_render


def render_with_progress(project: Project, poll_seconds: float = 0.25) -> Path:
    """Render ``project`` and return the path of its ``final.mp4``.

    Raises:
        CommandError: the project is not ready (which segments lack files), already rendering, or the render failed
            (with the user-facing reason).
    """
    try:
        task_id = start_render(project)
    except RenderRefused as exc:
        raise CommandError(exc.message) from None
    manager = TaskManager.get_instance()
    with tqdm(
        total=100,
        unit="%",
        desc="Rendering",
        file=sys.stderr,
        dynamic_ncols=True,
        bar_format="{desc}: {percentage:3.0f}%|{bar}| {elapsed}<{remaining} {postfix}",
    ) as bar:
        while True:
            with contextlib.suppress(TimeoutError):
                manager.wait(task_id, timeout=poll_seconds)
            task = manager.get_task_status(task_id) or {}
            progress = task.get("progress", {})
            bar.n = progress.get("percentage", 0)
            bar.set_postfix_str(progress.get("current_phase", ""), refresh=False)
            bar.refresh()
            if task.get("status") in (TaskStatus.COMPLETED, TaskStatus.FAILED, TaskStatus.CANCELLED):
                break
    project.refresh_from_db()
    if project.status != ProjectStatus.COMPLETED or not project.output_path:
        reason = project.render_error or "the render was cancelled"
        raise CommandError(f"Render failed: {reason}")
    return Path(settings.MEDIA_ROOT) / project.output_path.removeprefix(settings.MEDIA_URL)
