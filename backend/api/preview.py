"""Quick preview drafts (issue 12 §5) and camera stills (§3) for the editor.

* Quick preview: ``POST /projects/{id}/preview/`` queues :func:`preview_task_function` on the task manager (task id
  ``preview_<project id>``); it renders the project's draft with :func:`core_engine.video_renderer.render_preview`
  into ``MEDIA_ROOT/projects/<id>/preview/`` with its own cache, so the real render's cache, ``final.mp4``,
  ``output_path`` and status are never touched. Facts about the last good draft are kept beside it in
  ``preview.json`` (so they survive a restart); ``GET /projects/{id}/preview/`` reports them with the task's state.
* Camera stills: :func:`camera_still` renders the first or last frame of a segment's shot with the engine's own
  camera code (:func:`core_engine.camera.shot_path_for_image`, :func:`core_engine.ken_burns.render_frame`).
"""

from __future__ import annotations

import dataclasses
import io
import json
import logging
import os
import time
from pathlib import Path
from typing import Any

from core_engine.render.plan import RenderError
from core_engine.render.progress import ProgressRecord
from django.conf import settings

from api.exceptions import Conflict
from api.models import GlobalSettings, Project, Segment
from api.task_manager import TaskManager

logger = logging.getLogger(__name__)

#: Longest side of a camera still, pixels (enough for the editor's card; the framing does not depend on size).
STILL_MAX_SIDE = 640


def preview_task_id(project_id: object) -> str:
    """Task id of a project's quick preview: ``preview_<project_id>``."""
    return f"preview_{project_id}"


def _info_path(project_id: object) -> Path:
    from core_engine.video_renderer import preview_paths

    return preview_paths(Path(settings.MEDIA_ROOT), str(project_id))[0].with_name("preview.json")


def read_preview_info(project_id: object) -> dict[str, Any] | None:
    """Facts about the project's last good draft (``{url, width, height, fps, render_seconds, frame_count}``), or
    ``None`` when there is none (or its file is gone)."""
    try:
        info = json.loads(_info_path(project_id).read_text("utf-8"))
    except (OSError, ValueError):
        return None
    video = Path(settings.MEDIA_ROOT) / str(info.get("url", "")).removeprefix(settings.MEDIA_URL)
    return info if isinstance(info, dict) and video.is_file() else None


def preview_task_function(project_id: str) -> dict[str, Any] | None:
    """Render the project's quick preview and record it in ``preview.json``; failures end the task FAILED with a
    message for the user and leave the previous draft as it was."""
    from core_engine.video_renderer import render_preview

    task_id = preview_task_id(project_id)
    manager = TaskManager.get_instance()

    def on_progress(record: ProgressRecord) -> None:
        manager.update_task_progress(task_id, record)

    started = time.monotonic()
    try:
        result = render_preview(str(project_id), on_progress)
    except RenderError as exc:
        manager.fail_task(task_id, str(exc))
        return None
    except Exception as exc:
        logger.exception("preview of project %s crashed", project_id)
        manager.fail_task(task_id, f"The preview failed unexpectedly ({exc.__class__.__name__}).")
        return None
    rel = Path(result.output_path).resolve().relative_to(Path(settings.MEDIA_ROOT).resolve()).as_posix()
    from core_engine.presets import preview_settings
    from core_engine.video_renderer import build_project_plan

    draft = preview_settings(build_project_plan(str(project_id))[0].settings)
    info = {
        "url": f"{settings.MEDIA_URL}{rel}",
        "width": draft.width,
        "height": draft.height,
        "fps": draft.fps,
        "frame_count": result.frame_count,
        "render_seconds": round(time.monotonic() - started, 3),
        "version": int(Path(result.output_path).stat().st_mtime),
    }
    path = _info_path(project_id)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.part")
    tmp.write_text(json.dumps(info), "utf-8")
    os.replace(tmp, path)
    manager.complete_task(task_id, info, current_phase="Preview ready")
    return info


def start_preview(project: Project) -> str:
    """Validate and queue the project's quick preview; returns the task id.

    Raises:
        RenderNotReady: 400, segments lack an image or narration.
        FFmpegMissing: 500.
        Conflict: 409, a preview of this project is already queued or running.
    """
    from core_engine.render_utils import check_ffmpeg

    from api.exceptions import FFmpegMissing, RenderNotReady
    from api.validators import validate_project_for_render

    readiness = validate_project_for_render(project)
    if not readiness.is_valid:
        raise RenderNotReady(readiness.missing_images, readiness.missing_audio, readiness.message)
    if check_ffmpeg() is None:
        raise FFmpegMissing()
    task_id = preview_task_id(project.pk)
    try:
        TaskManager.get_instance().submit_task(preview_task_function, str(project.pk), task_id=task_id)
    except RuntimeError:
        raise Conflict("A preview of this project is already being made.") from None
    return task_id


def preview_status(project_id: object) -> dict[str, Any]:
    """The body of ``GET /projects/{id}/preview/`` (:class:`api.schema.PreviewStatusSerializer`)."""
    task_id = preview_task_id(project_id)
    task = TaskManager.get_instance().get_task_status(task_id)
    info = read_preview_info(project_id)
    state = task["status"] if task else ("COMPLETED" if info else "NONE")
    url = None
    if info:
        url = f"{info['url']}?v={info.get('version', 0)}"  # a new draft gets a new URL (no stale browser cache)
    return {
        "task_id": task_id,
        "status": state,
        "progress": task["progress"] if task else None,
        "preview_url": url,
        "width": info["width"] if info else None,
        "height": info["height"] if info else None,
        "fps": info["fps"] if info else None,
        "render_seconds": info["render_seconds"] if info else None,
        "error": task["error"] if task and state == "FAILED" else None,
    }


def camera_still(segment: Segment, frame: str) -> bytes:
    """JPEG of the first (``frame="first"``) or last (``"last"``) frame of the segment's shot, as the render will
    frame it (same camera path, same resampling), at the project's shape scaled to :data:`STILL_MAX_SIDE`.

    Raises:
        RenderError: the segment has no image or it cannot be read (message for the user).
    """
    from core_engine.camera import CameraSettings, shot_path_for_image
    from core_engine.ken_burns import prepare_working_image, render_frame
    from core_engine.render.frames import load_segment_image

    if not segment.image_file:
        raise RenderError("The segment has no image yet.")
    project = segment.project
    w, h = project.resolution_width, project.resolution_height
    scale = min(1.0, STILL_MAX_SIDE / max(w, h))
    size = (max(2, round(w * scale)), max(2, round(h * scale)))
    image_path = Path(segment.image_file.path)
    image = load_segment_image(segment.sequence_index, image_path)
    camera = CameraSettings.from_json(segment.camera or None)
    zoom = float(GlobalSettings.load().zoom_intensity)
    try:  # the path of the real output size (what the render shows), drawn at the still's size
        path = shot_path_for_image(image, image_path, (w, h), camera, zoom, str(segment.id))
    except OSError as exc:
        raise RenderError(f"The image could not be read ({exc.strerror or exc}).") from None
    working = prepare_working_image(image, dataclasses.replace(path, output_size=size))
    window = path.window_at(0.0 if frame == "first" else 1.0)
    out = io.BytesIO()
    render_frame(working, window, size).save(out, "JPEG", quality=88)
    return out.getvalue()
