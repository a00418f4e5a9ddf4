"""Attaching uploaded images and narration to segments (used by the API and the CLI).

A file is checked completely before anything is stored; the new file is saved under a server-chosen name, and the
file it replaces is deleted only once the segment row points at the new one (after the transaction commits).
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path

from django.core.files import File
from django.db import transaction

from api.models import Segment
from api.validators import CheckedAudio, validate_audio_upload, validate_image_upload
from api.word_timings import schedule_word_timings

logger = logging.getLogger(__name__)


def _warm_face_cache(path: Path) -> None:
    """Detect the faces of a stored image now (in a daemon thread), so the first camera still or render of it finds
    them cached (:func:`core_engine.faces.faces_for_image`); any failure only means it happens at render time."""
    try:
        from core_engine.faces import faces_for_image
        from core_engine.render.cache import file_sha256
        from core_engine.render_utils import load_image_rgb

        faces_for_image(load_image_rgb(path), file_sha256(path))
    except Exception as exc:  # a warm-up must never disturb an upload
        logger.info("face detection for %s deferred to render time: %s", path.name, exc)


def _replace_file(segment: Segment, field: str, upload: File, ext: str, extra: dict | None = None) -> None:
    file_field = getattr(segment, field)
    old_name = file_field.name if file_field else None
    file_field.save(f"upload{ext}", upload, save=False)
    for key, value in (extra or {}).items():
        setattr(segment, key, value)
    segment.save(update_fields=[field, *(extra or {})])
    if old_name and old_name != file_field.name:
        storage = file_field.storage
        transaction.on_commit(lambda: storage.delete(old_name))


def store_image(segment: Segment, upload: File, ext: str) -> None:
    """Make an already validated ``upload`` the segment's image, stored with extension ``ext``; its faces are then
    detected in the background for the ``auto`` camera."""
    _replace_file(segment, "image_file", upload, ext)
    path = Path(segment.image_file.path)
    transaction.on_commit(
        lambda: threading.Thread(target=_warm_face_cache, args=(path,), name="face-warmup", daemon=True).start()
    )


def store_audio(segment: Segment, upload: File, checked: CheckedAudio) -> None:
    """Make an already validated ``upload`` the segment's narration (``checked``: its duration in seconds and the
    extension of the detected container, which it is stored under). An uploaded recording has no text hash (it
    was not generated from the text)."""
    _replace_file(
        segment,
        "audio_file",
        upload,
        checked.ext,
        extra={"audio_duration": checked.duration, "audio_text_hash": ""},
    )


def attach_image(segment: Segment, upload: File) -> None:
    """Validate ``upload`` (JPEG/PNG/WebP, ≤ 25 MB, ≤ 80 MP, decodes) and make it the segment's image.

    Raises:
        rest_framework.exceptions.ValidationError: ``{"image_file": [reason]}``; nothing is changed.
    """
    store_image(segment, upload, validate_image_upload(upload))


def attach_audio(segment: Segment, upload: File) -> None:
    """Validate ``upload`` (WAV/MP3/FLAC/OGG/M4A, readable, 0.05 s – 10 min) and make it the segment's narration,
    with ``audio_duration`` measured from the file and word timings aligned to its text.

    Raises:
        rest_framework.exceptions.ValidationError: ``{"audio_file": [reason]}``; nothing is changed.
    """
    store_audio(segment, upload, validate_audio_upload(upload))
    schedule_word_timings(segment)
