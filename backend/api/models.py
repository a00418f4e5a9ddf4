"""Persistence for StoryReel: projects, their ordered segments, and the global settings (DESIGN §3)."""

from __future__ import annotations

import hashlib
import uuid
from pathlib import Path

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models


class ProjectStatus(models.TextChoices):
    """Render state machine: DRAFT → PROCESSING → COMPLETED | FAILED; COMPLETED/FAILED → PROCESSING."""

    DRAFT = "DRAFT", "Draft"
    PROCESSING = "PROCESSING", "Processing"
    COMPLETED = "COMPLETED", "Completed"
    FAILED = "FAILED", "Failed"


class CaptionMode(models.TextChoices):
    """Captions of a render: none, whole phrases, or phrases with the spoken word highlighted."""

    OFF = "off", "Off"
    SENTENCE = "sentence", "Sentence"
    WORD = "word", "Word"


def text_hash(text: str) -> str:
    """SHA-256 hex digest of a narration text, used to tell whether audio was made from the current text."""
    return hashlib.sha256(text.strip().encode("utf-8")).hexdigest()


def _segment_upload_path(instance: Segment, filename: str, kind: str) -> str:
    # The server chooses the name: never the client's path, only its (already validated) extension.
    ext = Path(filename).suffix.lower()
    return f"projects/{instance.project_id}/{kind}/{instance.id}_{uuid.uuid4().hex[:8]}{ext}"


def segment_image_upload(instance: Segment, filename: str) -> str:
    """Storage name for a segment image: ``projects/<project>/images/<segment>_<random><ext>``."""
    return _segment_upload_path(instance, filename, "images")


def segment_audio_upload(instance: Segment, filename: str) -> str:
    """Storage name for a segment narration: ``projects/<project>/audio/<segment>_<random><ext>``."""
    return _segment_upload_path(instance, filename, "audio")


def default_transition() -> dict:
    """A new project's transition: ``{"kind": "cut", "duration": 0.5}`` (seconds; see
    :mod:`core_engine.render.shots`)."""
    return {"kind": "cut", "duration": 0.5}


def project_music_upload(instance: Project, filename: str) -> str:
    """Storage name for a project's background music: ``projects/<project>/music/<random><ext>``."""
    ext = Path(filename).suffix.lower()
    return f"projects/{instance.id}/music/{uuid.uuid4().hex[:12]}{ext}"


class LoudnessTarget(models.IntegerChoices):
    """Integrated loudness of the final mix (LUFS, ITU-R BS.1770)."""

    STREAMING = -14, "−14 LUFS (streaming platforms)"
    PODCAST = -16, "−16 LUFS (podcasts)"
    BROADCAST = -23, "−23 LUFS (broadcast, EBU R 128)"


class Project(models.Model):
    """A story to be rendered: title, output format, render status and the last good render."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    title = models.CharField(max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    status = models.CharField(max_length=16, choices=ProjectStatus.choices, default=ProjectStatus.DRAFT)
    resolution_width = models.PositiveIntegerField(
        default=1920, validators=[MinValueValidator(16), MaxValueValidator(3840)]
    )
    resolution_height = models.PositiveIntegerField(
        default=1080, validators=[MinValueValidator(16), MaxValueValidator(2160)]
    )
    framerate = models.PositiveIntegerField(default=30, validators=[MinValueValidator(1), MaxValueValidator(60)])
    output_path = models.CharField(max_length=500, null=True, blank=True)  # noqa: DJ001 - the API sends null for "no video yet"
    # Why the last render failed, in words for the user; kept across restarts ("interrupted").
    render_error = models.TextField(null=True, blank=True)  # noqa: DJ001 - the API sends null for "no error"
    # Facts about the last good render for the preview: {duration (s), file_size (bytes), width, height, fps,
    # rendered_at (ISO 8601)}.
    output_info = models.JSONField(null=True, blank=True)
    # Between every two shots: {"kind": cut|crossfade|fade_black|slide_left, "duration": seconds}; and the limits
    # of a shot's length (seconds) when a segment's narration is shared among its images (core_engine.render.shots).
    transition = models.JSONField(default=default_transition)
    min_shot = models.FloatField(default=2.5)
    max_shot = models.FloatField(default=8.0)
    # Background music (any audio format narration uploads accept), its level relative to the narration (dB, where
    # it plays at full level), whether it dips under the narration, and the final mix's loudness.
    music_file = models.FileField(upload_to=project_music_upload, max_length=500, blank=True, null=True)
    music_volume = models.FloatField(default=-18.0, validators=[MinValueValidator(-40.0), MaxValueValidator(0.0)])
    ducking = models.BooleanField(default=True)
    loudness_target = models.IntegerField(choices=LoudnessTarget.choices, default=LoudnessTarget.STREAMING)
    # Captions (core_engine.captions): "off" | "sentence" | "word", and the style keys the user set
    # ({font, color, size, position, background, highlight_color}, all optional; api.captions fills the rest).
    caption_mode = models.CharField(max_length=8, choices=CaptionMode.choices, default=CaptionMode.OFF)
    caption_style = models.JSONField(default=dict, blank=True)
    # Encoder preset of the render (core_engine.presets.QUALITY_PRESETS): standard (H.264 8000k), high (CRF 18),
    # small (about a third of standard's size).
    quality = models.CharField(max_length=16, default="standard")

    class Meta:
        ordering = ["-updated_at"]

    def __str__(self) -> str:
        return self.title

    @property
    def media_dir(self) -> str:
        """Media-relative folder of this project's files: ``projects/<id>``."""
        return f"projects/{self.id}"


class Segment(models.Model):
    """One narrated picture of a story, shown for exactly its narration's duration."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="segments")
    sequence_index = models.PositiveIntegerField()
    text_content = models.TextField(blank=True, default="")
    image_prompt = models.TextField(blank=True, default="")
    image_file = models.FileField(upload_to=segment_image_upload, max_length=500, blank=True, null=True)
    audio_file = models.FileField(upload_to=segment_audio_upload, max_length=500, blank=True, null=True)
    audio_duration = models.FloatField(null=True, blank=True)
    # text_hash() of the text the narration was generated from; empty for uploaded recordings.
    audio_text_hash = models.CharField(max_length=64, blank=True, default="")
    is_locked = models.BooleanField(default=False)
    # When each word of the narration is spoken: [{"word", "start", "end"}] in seconds from the segment start
    # (core_engine.alignment), computed from the text and audio named by word_timings_key
    # ("<text_hash>:<sha256 of the audio file>") by word_timings_method ("espeak", "pocketsphinx", "syllables").
    word_timings = models.JSONField(null=True, blank=True)
    word_timings_key = models.CharField(max_length=160, blank=True, default="")
    word_timings_method = models.CharField(max_length=16, blank=True, default="")
    # How the camera moves over the image: {"motion", "focus": [x, y] | null, "strength": float | null}
    # (core_engine.camera.CameraSettings); {} means the defaults (auto, face-aware).
    camera = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["sequence_index"]
        constraints = [
            models.UniqueConstraint(fields=["project", "sequence_index"], name="unique_segment_index_per_project")
        ]

    def __str__(self) -> str:
        return f"{self.project_id}#{self.sequence_index}"

    @property
    def audio_matches_text(self) -> bool | None:
        """True if the audio was generated from the current text, False if the text changed since, None if the
        audio is an uploaded recording or missing."""
        if not self.audio_file or not self.audio_text_hash:
            return None
        return self.audio_text_hash == text_hash(self.text_content)

    def narration_skip_reason(self, *, skip_locked: bool = True, force: bool = False) -> str | None:
        """Why generating narration for all segments leaves this one alone, or ``None`` when it narrates it.

        ``"locked"`` (locked and ``skip_locked``), ``"empty"`` (no text to speak) or ``"existing"`` (it has
        narration that is up to date: generated from the current text, or an uploaded recording, whose text is not
        tracked; ``force`` regenerates it anyway). The one rule behind ``generate-all-audio`` and
        :attr:`needs_narration`.
        """
        if skip_locked and self.is_locked:
            return "locked"
        if not self.text_content.strip():
            return "empty"
        if not force and self.audio_file and self.audio_matches_text is not False:
            return "existing"
        return None

    @property
    def needs_narration(self) -> bool:
        """True when the segment needs (re)generated narration: unlocked, with text, and without narration or with
        narration generated from an older text (what ``generate-all-audio`` with its defaults narrates)."""
        return self.narration_skip_reason() is None


def segment_extra_image_upload(instance: SegmentImage, filename: str) -> str:
    """Storage name for a segment's extra image: ``projects/<project>/images/<segment>_<random><ext>``."""
    ext = Path(filename).suffix.lower()
    return f"projects/{instance.segment.project_id}/images/{instance.segment_id}_{uuid.uuid4().hex[:8]}{ext}"


class SegmentImage(models.Model):
    """An image a segment shows after its ``image_file`` (``position`` 1 or 2: the segment's second and third
    image; at most 3 images a segment). The segment's narration time is shared among its images."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    segment = models.ForeignKey(Segment, on_delete=models.CASCADE, related_name="extra_images")
    position = models.PositiveSmallIntegerField()
    image_file = models.FileField(upload_to=segment_extra_image_upload, max_length=500)

    class Meta:
        ordering = ["position"]
        constraints = [models.UniqueConstraint(fields=["segment", "position"], name="unique_extra_image_position")]

    def __str__(self) -> str:
        return f"{self.segment_id}/{self.position}"


class GlobalSettings(models.Model):
    """Singleton of app-wide settings (narration voice and speed, Ken Burns zoom, subtitle style)."""

    default_voice_id = models.CharField(max_length=100, blank=True, default="")
    tts_speed = models.FloatField(default=1.0, validators=[MinValueValidator(0.5), MaxValueValidator(2.0)])
    zoom_intensity = models.FloatField(default=1.3, validators=[MinValueValidator(1.0), MaxValueValidator(2.0)])
    subtitle_font = models.CharField(max_length=100, blank=True, default="")
    subtitle_color = models.CharField(max_length=7, default="#FFFFFF")

    class Meta:
        verbose_name_plural = "global settings"

    def __str__(self) -> str:
        return "Global settings"

    def save(self, *args, **kwargs) -> None:
        self.pk = 1
        super().save(*args, **kwargs)

    @classmethod
    def load(cls) -> GlobalSettings:
        """Return the one settings row, creating it with defaults on first use."""
        obj, _ = cls.objects.get_or_create(pk=1)
        return obj


class JobState(models.TextChoices):
    """Life of a background job (DESIGN §5): QUEUED → RUNNING → SUCCEEDED | FAILED | CANCELLED."""

    QUEUED = "QUEUED", "Queued"
    RUNNING = "RUNNING", "Running"
    SUCCEEDED = "SUCCEEDED", "Succeeded"
    FAILED = "FAILED", "Failed"
    CANCELLED = "CANCELLED", "Cancelled"


#: States in which a job still has work to do.
ACTIVE_JOB_STATES = (JobState.QUEUED, JobState.RUNNING)


class JobKind(models.TextChoices):
    """What a background job does."""

    RENDER = "render", "Render"
    NARRATION = "narration", "Narration"
    OTHER = "other", "Other"


class Job(models.Model):
    """The durable record of one background job (a render or a narration batch), shared by every process.

    ``task_id`` follows the seeds' convention (``render_<project_id>``, ``tts_<segment_id>``,
    ``tts_all_<project_id>``) and is reused by later runs, so at most one job per task id is QUEUED or RUNNING (a
    partial unique constraint). ``function`` (dotted path) and ``args`` (JSON list) say what to run, so any worker —
    or the API process after a restart — can run it again. ``progress`` is a
    :class:`core_engine.render.progress.ProgressRecord` as a dict; ``log_tail`` holds the last
    :data:`LOG_TAIL_LINES` log lines (the full log is ``MEDIA_ROOT/logs/<id>.log``); ``extra`` holds per-job results
    (e.g. ``completed_segments`` and ``errors`` of a narration batch).
    """

    LOG_TAIL_LINES = 200

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    task_id = models.CharField(max_length=120, db_index=True)
    kind = models.CharField(max_length=16, choices=JobKind.choices, default=JobKind.OTHER)
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="jobs", null=True, blank=True)
    segment_ids = models.JSONField(default=list, blank=True)
    function = models.CharField(max_length=200, blank=True, default="")
    args = models.JSONField(default=list, blank=True)
    state = models.CharField(max_length=16, choices=JobState.choices, default=JobState.QUEUED)
    stage = models.CharField(max_length=40, default="QUEUED")
    progress = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True, default="")
    log_tail = models.TextField(blank=True, default="")
    extra = models.JSONField(default=dict, blank=True)
    attempt = models.PositiveIntegerField(default=0)
    worker = models.CharField(max_length=200, blank=True, default="")
    cancel_requested = models.BooleanField(default=False)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-created_at",)
        indexes = (models.Index(fields=["project", "kind", "-created_at"], name="job_project_kind_created"),)
        constraints = (
            models.UniqueConstraint(
                fields=["task_id"],
                condition=models.Q(state__in=["QUEUED", "RUNNING"]),
                name="one_active_job_per_task_id",
            ),
        )

    def __str__(self) -> str:
        return f"{self.task_id} ({self.state})"

    @property
    def log_lines(self) -> list[str]:
        """The stored log tail as a list of lines (oldest first)."""
        return self.log_tail.splitlines()
