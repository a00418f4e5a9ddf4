"""Task functions run on the :class:`~api.task_manager.TaskManager` worker: video renders and narration.

Task ids: ``render_<project_id>``, ``tts_<segment_id>`` (one segment), ``tts_all_<project_id>`` (a batch).
"""

from __future__ import annotations

import functools
import logging
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from core_engine.render.plan import RenderError
from core_engine.render.progress import ProgressRecord, ProgressTracker, Stage
from core_engine.video_renderer import render_project
from django.conf import settings
from django.db import transaction

from api.exceptions import FFmpegMissing, RenderAlreadyRunning, RenderNotReady
from api.models import Project, ProjectStatus, Segment, text_hash
from api.task_manager import TaskManager

logger = logging.getLogger(__name__)

#: Error shown for a render a stopped server left behind.
INTERRUPTED_ERROR = "Render interrupted: the server stopped before the video was finished. Retry to render again."


def render_task_id(project_id: object) -> str:
    """Task id of a project's render: ``render_<project_id>``."""
    return f"render_{project_id}"


def render_task_function(project_id: str) -> dict | None:
    """Render a project (already moved to PROCESSING) and record the outcome.

    Success: status COMPLETED, ``output_path`` = ``/media/projects/<id>/output/final.mp4``, ``output_info`` filled.
    Failure: status FAILED with ``render_error`` in words a user understands; the previous video and its
    ``output_path`` stay as they were. Returns the ``output_info`` dict on success, ``None`` on failure.
    """
    task_id = render_task_id(project_id)
    manager = TaskManager.get_instance()

    def on_progress(record: ProgressRecord) -> None:
        manager.update_task_progress(task_id, record)

    project = Project.objects.get(pk=project_id)
    try:
        result = render_project(str(project_id), on_progress)
    except RenderError as exc:
        error = str(exc)
    except Exception as exc:  # an engine bug must still end as FAILED with a message, never a stuck PROCESSING
        logger.exception("render of project %s crashed", project_id)
        error = f"The render failed unexpectedly ({exc.__class__.__name__}: {exc}). See the server log for details."
    else:
        output = Path(result.output_path)
        rel = output.resolve().relative_to(Path(settings.MEDIA_ROOT).resolve()).as_posix()
        project.status = ProjectStatus.COMPLETED
        project.output_path = f"{settings.MEDIA_URL}{rel}"
        project.render_error = None
        project.output_info = {
            "duration": round(result.duration, 3),
            "file_size": output.stat().st_size,
            "width": project.resolution_width,
            "height": project.resolution_height,
            "fps": project.framerate,
            "frame_count": result.frame_count,
            "rendered_at": datetime.now(UTC).isoformat(),
        }
        project.save(update_fields=["status", "output_path", "render_error", "output_info"])
        manager.complete_task(task_id, project.output_info, current_phase="Export complete")
        logger.info("project %s rendered to %s", project_id, output)
        return project.output_info
    logger.warning("render of project %s failed: %s", project_id, error)
    project.status = ProjectStatus.FAILED
    project.render_error = error
    project.save(update_fields=["status", "render_error"])
    manager.fail_task(task_id, error)
    return None


def start_render(project: Project) -> str:
    """Validate, move the project to PROCESSING atomically and queue its render; returns the task id.

    The move is one conditional UPDATE, so of two simultaneous calls exactly one starts a render.

    Raises:
        RenderNotReady: 400, segments lack a usable image or narration (their ids).
        RenderAlreadyRunning: 409, a render of the project is already queued or running.
        FFmpegMissing: 500, ffmpeg is not installed.
    """
    from core_engine.render_utils import check_ffmpeg

    from api.validators import validate_project_for_render

    if project.status == ProjectStatus.PROCESSING:
        raise RenderAlreadyRunning(str(project.pk))
    readiness = validate_project_for_render(project)
    if not readiness.is_valid:
        raise RenderNotReady(readiness.missing_images, readiness.missing_audio, readiness.message)
    if check_ffmpeg() is None:
        raise FFmpegMissing()
    moved = (
        Project.objects.filter(pk=project.pk)
        .exclude(status=ProjectStatus.PROCESSING)
        .update(status=ProjectStatus.PROCESSING, render_error=None)
    )
    if not moved:
        raise RenderAlreadyRunning(str(project.pk))
    task_id = render_task_id(project.pk)
    try:
        TaskManager.get_instance().submit_task(render_task_function, str(project.pk), task_id=task_id)
    except RuntimeError:
        raise RenderAlreadyRunning(str(project.pk)) from None
    return task_id


def recover_interrupted_renders() -> int:
    """Mark projects left PROCESSING with no live render task as FAILED ("interrupted"). Returns how many."""
    manager = TaskManager.get_instance()
    count = 0
    for project in Project.objects.filter(status=ProjectStatus.PROCESSING).only("id", "status", "render_error"):
        if manager.is_active(render_task_id(project.id)):
            continue
        project.status = ProjectStatus.FAILED
        project.render_error = INTERRUPTED_ERROR
        project.save(update_fields=["status", "render_error"])
        count += 1
    if count:
        logger.warning("marked %d interrupted render(s) as FAILED", count)
    return count


# -- narration ------------------------------------------------------------------------------------------------------


def narration_path(segment: Segment) -> Path:
    """Where generated narration for a segment lives: ``MEDIA_ROOT/projects/<project>/audio/<segment>.wav``."""
    return Path(settings.MEDIA_ROOT) / "projects" / str(segment.project_id) / "audio" / f"{segment.id}.wav"


class NarrationSkipped(Exception):
    """The segment changed after its narration was queued (locked, or its audio replaced): nothing was changed;
    ``str()`` says why."""


def _skip_reason(current: Segment, queued_audio: str | None) -> str | None:
    """Why narration must not replace ``current``'s audio now, or None. ``queued_audio`` is the audio file name the
    segment had when the job was queued (None: unknown, then any uploaded recording is kept)."""
    if current.is_locked:
        return "The segment was locked after narration was queued; it was left as it is."
    name = current.audio_file.name or ""
    if queued_audio is not None and name != queued_audio:
        return "The segment got new audio after narration was queued; it was kept."
    if queued_audio is None and name and not current.audio_text_hash:
        return "The segment has an uploaded recording; it was kept."
    return None


def narrate_segment(segment: Segment, queued_audio: str | None = None) -> float:
    """Synthesise a segment's text with the built-in engine and attach it as the segment's audio.

    Uses ``GlobalSettings`` voice and speed. Returns the duration in seconds. The segment is checked again right
    before synthesis and, under a row lock, before its audio is replaced: a segment locked meanwhile, or whose
    audio is no longer ``queued_audio`` (the file name when the job was queued), is left untouched.

    Raises:
        core_engine.tts.SpeechError: the text has nothing to speak or the engine failed.
        NarrationSkipped: the segment changed after queueing (see above); nothing was changed.
    """
    from core_engine.alignment import METHOD_ESPEAK, file_sha256, timings_to_json
    from core_engine.tts import synthesize_narration

    from api.models import GlobalSettings

    if reason := _skip_reason(segment, queued_audio):
        raise NarrationSkipped(reason)
    prefs = GlobalSettings.load()
    out = narration_path(segment)
    out.parent.mkdir(parents=True, exist_ok=True)
    # Synthesised beside the final name and moved into place only once the segment is known to still want it.
    part = out.with_name(f".{out.stem}.part.wav")
    spoken_text = segment.text_content
    narration = synthesize_narration(spoken_text, part, voice_id=prefs.default_voice_id or None, speed=prefs.tts_speed)
    duration = narration.duration
    rel = out.relative_to(Path(settings.MEDIA_ROOT)).as_posix()
    # The word timings come with the audio (espeak-ng's word events) and are stored in the same transaction.
    words = narration.word_timings
    with transaction.atomic():
        current = Segment.objects.select_for_update().get(pk=segment.pk)
        if reason := _skip_reason(current, queued_audio):
            part.unlink(missing_ok=True)
            raise NarrationSkipped(reason)
        part.replace(out)
        old_name = current.audio_file.name if current.audio_file else None
        current.audio_file.name = rel
        current.audio_duration = duration
        current.audio_text_hash = text_hash(spoken_text)
        current.word_timings = timings_to_json(words) if words is not None else None
        current.word_timings_key = f"{current.audio_text_hash}:{file_sha256(out)}" if words is not None else ""
        current.word_timings_method = METHOD_ESPEAK if words is not None else ""
        current.save(
            update_fields=[
                "audio_file",
                "audio_duration",
                "audio_text_hash",
                "word_timings",
                "word_timings_key",
                "word_timings_method",
            ]
        )
    if words is None:
        from api.word_timings import refresh_word_timings

        refresh_word_timings(current)
    if old_name and old_name != rel:
        current.audio_file.storage.delete(old_name)
    return duration


def _append_to(key: str, item: dict[str, object], extra: dict[str, Any]) -> None:
    extra.setdefault(key, []).append(item)


def narration_task_function(task_id: str, segment_ids: list[str], queued_audio: dict[str, str] | None = None) -> None:
    """Generate narration for ``segment_ids`` in order, recording each success in the task's
    ``completed_segments`` and each failure in ``errors`` (one segment's failure does not stop the others).

    Each segment is read again when its turn comes: ``queued_audio`` maps segment id → its audio file name when the
    job was queued; a segment locked since, or whose audio changed since (e.g. a recording was uploaded), is
    skipped and reported in ``errors``, and nothing the user uploaded is replaced or deleted.

    The task ends FAILED only when every segment failed.
    """
    from core_engine.tts import SpeechError

    manager = TaskManager.get_instance()
    total = len(segment_ids)
    progress = ProgressTracker(total, lambda record: manager.update_task_progress(task_id, record))
    failures = 0
    for done, segment_id in enumerate(segment_ids):
        progress.report(done, f"Generating narration for segment {done + 1} of {total}", Stage.NARRATE)
        try:
            segment = Segment.objects.get(pk=segment_id)
            duration = narrate_segment(segment, (queued_audio or {}).get(segment_id))
        except Segment.DoesNotExist:
            error = "The segment was deleted."
        except NarrationSkipped as exc:  # reported, but not a failure: the user's newer choice was kept
            skipped = {"segment_id": segment_id, "error": str(exc), "skipped": True}
            manager.update_extra(task_id, functools.partial(_append_to, "errors", skipped))
            continue
        except SpeechError as exc:
            error = str(exc)
        except Exception as exc:
            logger.exception("narration of segment %s failed", segment_id)
            error = f"Narration failed unexpectedly ({exc.__class__.__name__}: {exc})."
        else:
            segment.refresh_from_db(fields=["audio_file"])
            entry = {"segment_id": segment_id, "audio_url": segment.audio_file.url, "audio_duration": duration}
            manager.update_extra(task_id, lambda extra, e=entry: extra.setdefault("completed_segments", []).append(e))
            continue
        failures += 1
        manager.update_extra(
            task_id,
            lambda extra, e={"segment_id": segment_id, "error": error}: extra.setdefault("errors", []).append(e),
        )
    if total and failures == total:
        manager.fail_task(task_id, "Narration could not be generated for any segment.")
    else:
        manager.complete_task(task_id, None, current_phase="Narration ready")
