"""Validation that needs files on disk: render readiness and uploaded images/audio."""

from __future__ import annotations

import logging
import re
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from core_engine.audio_utils import CONTAINER_EXTENSIONS, AudioError, probe_audio
from core_engine.render_utils import ALLOWED_IMAGE_FORMATS, ImageError, inspect_image
from django.conf import settings
from django.core.files.base import File
from rest_framework.exceptions import ValidationError

from api.models import Project

logger = logging.getLogger(__name__)

ALLOWED_AUDIO_EXTENSIONS = {".wav", ".mp3", ".flac", ".ogg", ".oga", ".m4a", ".mp4", ".aac"}


@dataclass
class RenderReadiness:
    """Result of :func:`validate_project_for_render`: segment ids (str) lacking a usable file, and messages."""

    missing_images: list[str] = field(default_factory=list)
    missing_audio: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def is_valid(self) -> bool:
        """True when the project can be rendered."""
        return not (self.missing_images or self.missing_audio or self.problems)

    @property
    def message(self) -> str:
        """One sentence for the user listing what is missing."""
        return " ".join(self.problems) or "The project is ready to render."


def _file_on_disk(field_file) -> bool:
    if not field_file:
        return False
    try:
        return Path(field_file.path).is_file()
    except (ValueError, NotImplementedError):
        return False


def validate_project_for_render(project: Project) -> RenderReadiness:
    """Check that every segment has an image and narration audio that exist on disk, with a measured duration.

    Returns a :class:`RenderReadiness` (never raises); a project with no segments is invalid with a message that
    says "no segments".
    """
    result = RenderReadiness()
    segments = list(project.segments.all())  # Segment.Meta.ordering is sequence_index; uses a prefetch if present
    if not segments:
        result.problems.append("The project has no segments; add at least one segment before rendering.")
        return result
    for seg in segments:
        if not _file_on_disk(seg.image_file):
            result.missing_images.append(str(seg.id))
        if not _file_on_disk(seg.audio_file) or not seg.audio_duration or seg.audio_duration <= 0:
            result.missing_audio.append(str(seg.id))
    numbers = {str(s.id): s.sequence_index + 1 for s in segments}
    if result.missing_images:
        result.problems.append(
            "Missing images for segment(s) " + ", ".join(str(numbers[i]) for i in result.missing_images) + "."
        )
    if result.missing_audio:
        result.problems.append(
            "Missing narration audio for segment(s) " + ", ".join(str(numbers[i]) for i in result.missing_audio) + "."
        )
    return result


class StagedUpload:
    """An uploaded file copied to a temporary path under MEDIA_ROOT so ffmpeg and Pillow can read it by name.

    Use as a context manager; the temporary file is removed on exit.
    """

    def __init__(self, upload: File):
        self.upload = upload
        self.path: Path | None = None

    def __enter__(self) -> Path:
        tmp_dir = Path(settings.MEDIA_ROOT) / "tmp"
        tmp_dir.mkdir(parents=True, exist_ok=True)
        suffix = Path(self.upload.name or "").suffix.lower()[:8]
        fd, name = tempfile.mkstemp(prefix="upload_", suffix=suffix, dir=tmp_dir)
        with open(fd, "wb") as out:
            self.upload.seek(0)
            shutil.copyfileobj(self.upload, out, length=1024 * 1024)
        self.upload.seek(0)
        self.path = Path(name)
        return self.path

    def __exit__(self, *exc: object) -> None:
        if self.path is not None:
            self.path.unlink(missing_ok=True)


def validate_image_upload(upload: File) -> str:
    """Check an uploaded image (JPEG/PNG/WebP, ≤ 25 MB, ≤ 80 MP, fully decodable).

    Returns the file extension the server will store it under (from the decoded format, not the client's name).

    Raises:
        ValidationError: ``{"image_file": [reason]}``; the reason never contains a server path.
    """
    path: Path | None = None
    try:
        with StagedUpload(upload) as path:
            info = inspect_image(path)
    except ImageError as exc:
        raise ValidationError({"image_file": [_sentence(_without_paths(str(exc), path))]}) from None
    return ALLOWED_IMAGE_FORMATS[info.format]


@dataclass(frozen=True)
class CheckedAudio:
    """An uploaded narration that passed :func:`validate_audio_upload`: its ``duration`` in seconds and the
    extension (``.wav``, ``.mp3``, ``.flac``, ``.ogg``, ``.m4a``, ``.aac``) of the container the server detected,
    which is what it is stored and served under."""

    duration: float
    ext: str


def validate_audio_upload(upload: File, field: str = "audio_file") -> CheckedAudio:
    """Check an uploaded narration or background music (WAV/MP3/FLAC/OGG/M4A/AAC by content, non-empty, ≤ 192 kHz,
    ≤ 10 minutes, readable); the sample rate and declared length are checked from the header before decoding, and
    decoding streams (see :func:`core_engine.audio_utils.probe_audio`).

    Returns the measured duration and the extension of the detected container (a WAV named ``.mp3`` is a ``.wav``;
    the audio of an MP4 is stored as ``.m4a``).

    Raises:
        ValidationError: ``{field: [reason]}`` (``field``: the request field, ``audio_file`` or ``music_file``);
            the reason never contains a server path.
    """
    ext = Path(upload.name or "").suffix.lower()
    if ext not in ALLOWED_AUDIO_EXTENSIONS:
        raise ValidationError(
            {field: [f"'{ext or 'no extension'}' files are not supported; use WAV, MP3, FLAC, OGG or M4A."]}
        )
    if not upload.size:
        raise ValidationError({field: ["The file is empty."]})
    path: Path | None = None
    try:
        with StagedUpload(upload) as path:
            info = probe_audio(path)
    except AudioError as exc:
        raise ValidationError({field: [_sentence(_without_paths(str(exc), path))]}) from None
    detected = CONTAINER_EXTENSIONS.get(info.container)
    if detected is None:
        raise ValidationError(
            {field: [f"The file is {info.container or 'an unknown'} data, not WAV, MP3, FLAC, OGG or M4A."]}
        )
    return CheckedAudio(duration=info.duration, ext=detected)


_ABSOLUTE_PATH = re.compile(r"(?<![\w.])(?:[A-Za-z]:)?[\\/](?:[^\s'\"\\/]+[\\/])+[^\s'\"]*")


def _without_paths(reason: str, staged: Path | None) -> str:
    """``reason`` with the staged file's path and any other absolute path replaced, so no server path reaches the
    client (decoders name the file they failed on)."""
    if staged is not None:
        reason = reason.replace(str(staged), "the uploaded file")
    reason = reason.replace(str(settings.MEDIA_ROOT), "")
    return _ABSOLUTE_PATH.sub("the uploaded file", reason)


def _sentence(reason: str) -> str:
    reason = reason.strip()
    return (reason[:1].upper() + reason[1:]).rstrip(".") + "."
