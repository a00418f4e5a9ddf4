"""Attaching uploaded images and narration to segments (used by the API and the CLI).

A file is checked completely before anything is stored; the new file is saved under a server-chosen name, and the
file it replaces is deleted only once the segment row points at the new one (after the transaction commits).
"""

from __future__ import annotations

from django.core.files import File
from django.db import transaction

from api.models import Segment
from api.validators import CheckedAudio, validate_audio_upload, validate_image_upload
from api.word_timings import schedule_word_timings


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
    """Make an already validated ``upload`` the segment's image, stored with extension ``ext``."""
    _replace_file(segment, "image_file", upload, ext)


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
