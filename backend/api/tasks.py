"""Task functions run on the :class:`~api.task_manager.TaskManager` worker: video renders and narration.

Task ids: ``render_<project_id>``, ``tts_<segment_id>`` (one segment), ``tts_all_<project_id>`` (a batch).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from core_engine.render.plan import RenderError, RenderResult
from core_engine.render.progress import ProgressRecord, ProgressTracker, RenderCancelled, Stage
from core_engine.video_renderer import render_project
from django.conf import settings
from django.db import transaction

from api.exceptions import FFmpegMissing, RenderAlreadyRunning, RenderNotReady, RenderQueueUnavailable
from api.models import ACTIVE_JOB_STATES, Job, JobKind, JobState, Project, ProjectStatus, Segment, text_hash
from api.task_manager import INTERRUPTED_ERROR, EnqueueError, TaskManager, task_backend_name

logger = logging.getLogger(__name__)

__all__ = ["INTERRUPTED_ERROR"]

#: ``current_phase`` of a cancelled render, depending on whether the previous video is still there.
CANCELLED_KEPT_PHASE = "Render cancelled; the previous video is kept"
CANCELLED_PHASE = "Render cancelled"


def render_task_id(project_id: str | uuid.UUID) -> str:
    """Task id of a project's render: ``render_<project_id>``."""
    return f"render_{project_id}"


def _video_file(project: Project) -> Path | None:
    """The project's last good video on disk, or ``None``."""
    if not project.output_path:
        return None
    path = Path(settings.MEDIA_ROOT) / project.output_path.removeprefix(settings.MEDIA_URL)
    return path if path.is_file() else None


def _restore_after_cancel(project_id: str | uuid.UUID) -> str:
    """Move a cancelled project back to COMPLETED (its previous video is intact) or DRAFT; returns the phase text."""
    project = Project.objects.get(pk=project_id)
    kept = _video_file(project) is not None
    project.status = ProjectStatus.COMPLETED if kept else ProjectStatus.DRAFT
    project.render_error = None
    project.save(update_fields=["status", "render_error"])
    return CANCELLED_KEPT_PHASE if kept else CANCELLED_PHASE


def render_task_function(project_id: str) -> dict[str, Any] | None:
    """Render a project (already moved to PROCESSING) and record the outcome in the project and its job.

    Success: status COMPLETED, ``output_path`` = ``/media/projects/<id>/output/final.mp4``, ``output_info`` filled,
    job SUCCEEDED. Failure: status FAILED with ``render_error`` in words a user understands, job FAILED; the previous
    video and its ``output_path`` stay as they were. Cancelled (the progress callback raised
    :class:`RenderCancelled`): job CANCELLED, project COMPLETED when its previous video is intact, else DRAFT.
    Returns the ``output_info`` dict on success, ``None`` otherwise.
    """
    task_id = render_task_id(project_id)
    manager = TaskManager.get_instance()

    def on_progress(record: ProgressRecord) -> None:
        manager.update_task_progress(task_id, record)

    try:
        result = render_project(str(project_id), on_progress)
    except RenderCancelled:
        record_render_cancelled(project_id)
        return None
    except Exception as exc:  # an engine bug must still end as FAILED with a message, never a stuck PROCESSING
        if manager.stopping:  # its ffmpeg was stopped by the server's shutdown: queued again at the next start
            logger.warning("render of project %s interrupted by the shutdown; it resumes at the next start", project_id)
            raise  # the task manager leaves the job RUNNING (it is queued again at the next start), never DONE
        if not isinstance(exc, RenderError):
            logger.exception("render of project %s crashed", project_id)
        record_render_failed(project_id, str(exc) if isinstance(exc, RenderError) else unexpected_error(exc))
        return None
    return record_render_succeeded(project_id, result)


def unexpected_error(exc: Exception) -> str:
    """The user-facing message of a render that crashed on an engine bug."""
    return f"The render failed unexpectedly ({exc.__class__.__name__}: {exc}). See the server log for details."


def record_render_succeeded(project_id: str | uuid.UUID, result: RenderResult) -> dict[str, Any]:
    """A render finished: project COMPLETED with ``output_path`` and ``output_info``, its job SUCCEEDED (one
    transaction). Returns ``output_info``: {duration (s), file_size (bytes), width, height, fps, frame_count,
    rendered_at (ISO 8601)}."""
    project = Project.objects.get(pk=project_id)
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
    with transaction.atomic():
        project.save(update_fields=["status", "output_path", "render_error", "output_info"])
        TaskManager.get_instance().complete_task(
            render_task_id(project_id), project.output_info, current_phase="Export complete"
        )
    logger.info("project %s rendered to %s", project_id, output)
    return project.output_info


def record_render_failed(project_id: str | uuid.UUID, error: str) -> None:
    """A render failed: project FAILED with ``error`` (words for the user), its job FAILED; the previous video and
    its ``output_path`` stay as they were."""
    logger.warning("render of project %s failed: %s", project_id, error)
    with transaction.atomic():
        Project.objects.filter(pk=project_id).update(status=ProjectStatus.FAILED, render_error=error)
        TaskManager.get_instance().fail_task(render_task_id(project_id), error)


def record_render_cancelled(project_id: str | uuid.UUID) -> None:
    """A render stopped on request: job CANCELLED, project COMPLETED when its previous video is intact, else
    DRAFT."""
    logger.info("render of project %s cancelled", project_id)
    TaskManager.get_instance().cancel_finished(render_task_id(project_id), _restore_after_cancel(project_id))


def mark_render_interrupted(project_id: str | uuid.UUID) -> None:
    """A render that can no longer run (interrupted too often): the project ends FAILED with "interrupted"."""
    Project.objects.filter(pk=project_id, status=ProjectStatus.PROCESSING).update(
        status=ProjectStatus.FAILED, render_error=INTERRUPTED_ERROR
    )


def cancel_render(project_id: str | uuid.UUID) -> str | None:
    """Stop the project's render: ``"cancelled"`` when it was still queued (the job is CANCELLED and the project
    restored now), ``"cancelling"`` when it runs (it stops at its next progress report, within about a second while
    frames are encoded), ``None`` when no render is queued or running."""
    task_id = render_task_id(project_id)
    job = TaskManager.get_instance().request_cancel(task_id)
    if job is None:
        return None
    with transaction.atomic():
        taken = Job.objects.filter(pk=job.pk, state=JobState.QUEUED).update(state=JobState.CANCELLED)
        if taken:
            phase = _restore_after_cancel(project_id)
    if taken:
        TaskManager.get_instance().cancel_finished(task_id, phase)
        return "cancelled"
    return "cancelling"


def start_render(project: Project) -> str:
    """Validate, move the project to PROCESSING atomically and queue its render; returns the task id.

    The move is one conditional UPDATE, so of two simultaneous calls exactly one starts a render.

    Raises:
        RenderNotReady: 400, segments lack a usable image or narration (their ids).
        RenderAlreadyRunning: 409, a render of the project is already queued or running.
        FFmpegMissing: 500, ffmpeg is not installed.
        RenderQueueUnavailable: 503, the job could not be queued (Celery broker unreachable); nothing changed.
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
    except EnqueueError as exc:  # the broker is unreachable: the project must not stay PROCESSING without a job
        Project.objects.filter(pk=project.pk).update(status=project.status, render_error=project.render_error)
        raise RenderQueueUnavailable(str(exc).split(":")[0]) from None
    return task_id


def recover_interrupted_renders() -> int:
    """Start-up recovery. Embedded backend: jobs a stopped process left QUEUED or RUNNING are queued again
    (:meth:`TaskManager.requeue_interrupted`). Any backend: a project left PROCESSING without a queued or running
    render job is marked FAILED ("interrupted"). Returns how many projects were marked FAILED."""
    manager = TaskManager.get_instance()
    if task_backend_name() == "embedded":
        manager.requeue_interrupted()
    active = Job.objects.filter(kind=JobKind.RENDER, state__in=ACTIVE_JOB_STATES).values("project_id")
    count = (
        Project.objects.filter(status=ProjectStatus.PROCESSING)
        .exclude(pk__in=active)
        .update(status=ProjectStatus.FAILED, render_error=INTERRUPTED_ERROR)
    )
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


def _appender(key: str, entry: dict[str, Any]) -> Callable[[dict[str, Any]], None]:
    """A mutation for :meth:`TaskManager.update_extra` appending ``entry`` to the list ``extra[key]``."""

    def append(extra: dict[str, Any]) -> None:
        extra.setdefault(key, []).append(entry)

    return append


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
            manager.update_extra(task_id, _appender("errors", skipped))
            continue
        except SpeechError as exc:
            error = str(exc)
        except Exception as exc:
            logger.exception("narration of segment %s failed", segment_id)
            error = f"Narration failed unexpectedly ({exc.__class__.__name__}: {exc})."
        else:
            segment.refresh_from_db(fields=["audio_file"])
            entry = {"segment_id": segment_id, "audio_url": segment.audio_file.url, "audio_duration": duration}
            manager.update_extra(task_id, _appender("completed_segments", entry))
            continue
        failures += 1
        manager.update_extra(task_id, _appender("errors", {"segment_id": segment_id, "error": error}))
    if total and failures == total:
        manager.fail_task(task_id, "Narration could not be generated for any segment.")
    else:
        manager.complete_task(task_id, None, current_phase="Narration ready")
