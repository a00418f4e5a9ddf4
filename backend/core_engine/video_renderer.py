"""The Django entry point of the engine: :func:`render_project` builds a project's render plan from the ORM and
renders it with :func:`core_engine.render.pipeline.render_plan`. It is the only place in ``core_engine`` that
touches Django (DESIGN §2); the engine itself lives in :mod:`core_engine.render`."""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path
from typing import Any

from core_engine.audio_utils import AudioError, probe_audio
from core_engine.camera import CameraError, CameraSettings
from core_engine.presets import preview_settings, quality_encoder
from core_engine.render.cache import prune_cache
from core_engine.render.keys import cache_keys
from core_engine.render.mix import MixSettings
from core_engine.render.pipeline import render_plan
from core_engine.render.plan import PlanSegment, RenderError, RenderPlan, RenderResult, RenderSettings
from core_engine.render.progress import ProgressCallback
from core_engine.render.shots import ShotSettings, Transition
from core_engine.render_utils import project_output_dir

__all__ = ["build_project_plan", "preview_paths", "render_preview", "render_project"]


def _plan_segment(n: int, seg: Any, captions: bool = False) -> PlanSegment:
    """The plan segment of ``seg`` (an ``api.models.Segment``, 1-based number ``n``); the duration is measured
    from the audio file when it is not stored. With ``captions``, the text and up-to-date word timings come
    along."""
    if not seg.image_file:
        raise RenderError(f"Segment {n} has no image yet.")
    if not seg.audio_file:
        raise RenderError(f"Segment {n} has no narration audio yet.")
    image_path = Path(seg.image_file.path)
    audio_path = Path(seg.audio_file.path)
    duration = seg.audio_duration
    if duration is None or not math.isfinite(duration) or duration <= 0:
        if not audio_path.is_file():
            raise RenderError(f"Segment {n}: the narration audio file {audio_path.name} is missing.")
        try:
            duration = probe_audio(audio_path).duration
        except AudioError as exc:
            raise RenderError(f"Segment {n}: the narration {audio_path.name} could not be read ({exc}).") from None
    extras = tuple(Path(e.image_file.path) for e in seg.extra_images.order_by("position"))
    try:
        camera = CameraSettings.from_json(seg.camera or None)
    except CameraError as exc:
        raise RenderError(f"Segment {n}: the camera setting is invalid ({exc}).") from None
    if not captions:
        return PlanSegment(str(seg.id), image_path, audio_path, float(duration), extras, camera=camera)
    from api.word_timings import ensure_word_timings

    timings = ensure_word_timings(seg)
    return PlanSegment(
        str(seg.id),
        image_path,
        audio_path,
        float(duration),
        extras,
        seg.text_content,
        tuple(timings) if timings else None,
        camera,
    )


def _shot_settings(project: Any) -> ShotSettings:
    """The project's transition and shot limits (validated by the API; a stored value the engine refuses fails the
    render with a message, see :func:`core_engine.render.shots.validate_shot_settings`)."""
    transition = project.transition or {}
    return ShotSettings(
        Transition(str(transition.get("kind", "cut")), float(transition.get("duration", 0.5))),
        float(project.min_shot),
        float(project.max_shot),
    )


def _quality_encoder(quality: str) -> Any:
    try:
        return quality_encoder(quality or "standard")
    except ValueError as exc:
        raise RenderError(f"The project's quality setting is invalid ({exc}).") from None


def build_project_plan(project_id: str) -> tuple[RenderPlan, Path, Path]:
    """The render plan of a stored project, its output file and its cache folder.

    The plan follows the project's segments ordered by ``sequence_index`` (image file and extra images, audio file
    and ``audio_duration`` in seconds, measured from the audio file when missing), the project's resolution, frame
    rate, transition and shot limits, its ``quality`` preset (:mod:`core_engine.presets`), each segment's ``camera``
    (its first image's shot), ``GlobalSettings.zoom_intensity``, the captions (``caption_mode``/``caption_style``,
    each segment's text and word timings) and the project's music, music volume, ducking and loudness target
    (:class:`~core_engine.render.mix.MixSettings`). Output: ``MEDIA_ROOT/projects/<id>/output/final.mp4``; cache:
    ``MEDIA_ROOT/projects/<id>/cache/`` (removed with the project folder).

    Raises:
        RenderError: the project does not exist or has no segments, or a segment lacks its image or narration or
            has an unreadable one (naming "Segment N", 1-based).
    """
    from api.captions import caption_options
    from api.models import GlobalSettings, Project
    from django.conf import settings as django_settings
    from django.core.exceptions import ValidationError

    try:
        project = Project.objects.get(pk=project_id)
    except (Project.DoesNotExist, ValidationError, ValueError):
        raise RenderError("The project does not exist (it may have been deleted).") from None
    segments = list(project.segments.order_by("sequence_index"))
    if not segments:
        raise RenderError("There is nothing to render: the project has no segments.")
    settings = RenderSettings(
        width=int(project.resolution_width),
        height=int(project.resolution_height),
        fps=int(project.framerate),
        zoom_intensity=float(GlobalSettings.load().zoom_intensity),
        encoder=_quality_encoder(project.quality),
        captions=caption_options(project),
    )
    mix = MixSettings(
        music_path=Path(project.music_file.path) if project.music_file else None,
        music_volume=float(project.music_volume),
        ducking=bool(project.ducking),
        loudness_target=float(project.loudness_target),
    )
    captions = settings.captions is not None
    plan = RenderPlan(
        tuple(_plan_segment(n, seg, captions) for n, seg in enumerate(segments, 1)),
        settings,
        shots=_shot_settings(project),
        mix=mix,
    )
    media_root = Path(django_settings.MEDIA_ROOT)
    output = project_output_dir(media_root, str(project.id)) / "final.mp4"
    return plan, output, media_root / "projects" / str(project.id) / "cache"


def render_project(project_id: str, on_progress: ProgressCallback | None = None) -> RenderResult:
    """Render a stored project to ``MEDIA_ROOT/projects/<id>/output/final.mp4`` (plan: :func:`build_project_plan`).

    ``on_progress(record)`` receives every :class:`~core_engine.render.progress.ProgressRecord` and may raise
    ``RenderCancelled`` (see :func:`~core_engine.render.pipeline.render_plan`). After a successful render the cache
    keeps only the current plan's entries.

    Raises:
        RenderError: as :func:`build_project_plan`, or the render fails (message for the user).
        RenderCancelled: the callback cancelled the render (the previous video is kept).
    """
    plan, output, cache_dir = build_project_plan(project_id)
    result = render_plan(plan, output, on_progress, cache_dir)
    prune_cache(cache_dir, cache_keys(plan))
    return result


def preview_paths(media_root: Path, project_id: str) -> tuple[Path, Path]:
    """Where a project's quick preview lives: ``(MEDIA_ROOT/projects/<id>/preview/preview.mp4, its own cache folder
    MEDIA_ROOT/projects/<id>/preview/cache)`` — apart from the real render's ``output/`` and ``cache/``."""
    folder = media_root / "projects" / str(project_id) / "preview"
    return folder / "preview.mp4", folder / "cache"


def render_preview(project_id: str, on_progress: ProgressCallback | None = None) -> RenderResult:
    """Render a stored project's quick preview: the same plan as :func:`render_project` at the draft settings of
    :func:`core_engine.presets.preview_settings` (480p, ≤ 15 fps, x264 ultrafast), written to
    :func:`preview_paths` with its own cache. The real render's cache, manifest and ``final.mp4`` are not touched.

    Raises:
        RenderError, RenderCancelled: as :func:`render_project`.
    """
    from django.conf import settings as django_settings

    plan, _, _ = build_project_plan(project_id)
    draft = dataclasses.replace(plan, settings=preview_settings(plan.settings))
    output, cache_dir = preview_paths(Path(django_settings.MEDIA_ROOT), project_id)
    result = render_plan(draft, output, on_progress, cache_dir)
    prune_cache(cache_dir, cache_keys(draft))
    return result
