"""The API contract's response and error shapes for the OpenAPI schema (drf-spectacular, served at ``/api/schema/``).

The views build their JSON by hand where no model serializer fits; the serializers here describe those bodies so the
schema (and the web app's TypeScript types generated from it, ``frontend/lib/api-schema.ts``) say exactly what the
server sends. ``api/tests/test_schema.py`` checks real responses against them.

How to annotate an endpoint (one pattern everywhere)::

    @extend_schema(request=MyBodySerializer, responses={202: MyResultSerializer, **errors(400, 404, 409)})

``errors`` gives the standard error bodies (:data:`ERROR_RESPONSES`); an endpoint whose error body differs (e.g.
render's 400 and 409) lists its own serializer for that code instead.
"""

from __future__ import annotations

from typing import Any, Literal

from drf_spectacular.extensions import OpenApiSerializerExtension, OpenApiSerializerFieldExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiResponse, extend_schema_field
from rest_framework import serializers

from api.importers import MAX_PROMPT_LENGTH, MAX_TEXT_LENGTH
from api.models import ProjectStatus
from api.task_manager import TaskStatus

#: The states of a background task (``TaskManager``); the schema's ``TaskState`` enum.
TASK_STATES = [TaskStatus.PENDING, TaskStatus.RUNNING, TaskStatus.COMPLETED, TaskStatus.FAILED, TaskStatus.CANCELLED]


class StoryReelAutoSchema(AutoSchema):
    """drf-spectacular's schema, plus: a model serializer sends every one of its fields, so in responses they are all
    required (the generated TypeScript types then need no ``?`` for, e.g., a segment's ``text_content``)."""

    def _map_basic_serializer(self, serializer: Any, direction: Any) -> dict[str, Any]:
        schema: dict[str, Any] = super()._map_basic_serializer(serializer, direction)
        if direction == "response" and isinstance(serializer, serializers.ModelSerializer):
            schema["required"] = sorted(schema["properties"])
        return schema

    def _get_response_bodies(self, direction: Literal["request", "response"] = "response") -> dict[str, Any]:
        bodies: dict[str, Any] = super()._get_response_bodies(direction)
        if self.method in ("POST", "PUT", "PATCH", "DELETE"):
            for code, response in GUARD_RESPONSES.items():
                bodies.setdefault(str(code), self._get_response_for_code(response, str(code), direction=direction))
        return bodies


class _TaskStateField(serializers.ChoiceField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(choices=TASK_STATES, **kwargs)


class _ProjectStatusField(serializers.ChoiceField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(choices=ProjectStatus.choices, **kwargs)


# -- errors ---------------------------------------------------------------------------------------------------------
class ErrorSerializer(serializers.Serializer):
    """404/409/500 body: ``{error}`` (a sentence for the user) plus DRF's ``detail`` on 404 and 409."""

    error = serializers.CharField()
    detail = serializers.CharField(required=False)


class ValidationErrorSerializer(serializers.Serializer):
    """400 body: ``{error: "<field>: <first message>", <field>: [messages…]}``; a story import that fails lists every
    problem in ``details`` (``"Segment 2: text_content must not be empty"``)."""

    error = serializers.CharField()
    details = serializers.ListField(child=serializers.CharField(), required=False)


class _FieldErrorsExtension(OpenApiSerializerExtension):
    """Field messages come under the field's own name, so the 400 body allows any further key."""

    target_class = ValidationErrorSerializer

    def map_serializer(self, auto_schema: Any, direction: Any) -> dict[str, Any]:
        return {**super().map_serializer(auto_schema, direction), "additionalProperties": {}}


#: The standard error responses by HTTP status; use :func:`errors` in ``@extend_schema(responses=…)``.
ERROR_RESPONSES: dict[int, OpenApiResponse] = {
    400: OpenApiResponse(ValidationErrorSerializer, "Invalid input: `error` names the field and the reason."),
    404: OpenApiResponse(ErrorSerializer, "No such object."),
    409: OpenApiResponse(ErrorSerializer, "Conflicts with the current state (segment locked, render running)."),
    500: OpenApiResponse(ErrorSerializer, "Server-side failure, e.g. ffmpeg missing (details in the server log)."),
    503: OpenApiResponse(ErrorSerializer, "The task queue (Celery broker) is unreachable; nothing was changed."),
    507: OpenApiResponse(ErrorSerializer, "Not enough free disk space for the render."),
}

#: Responses any operation may give (request guards in ``api.middleware``): listed on every operation.
GUARD_RESPONSES: dict[int, OpenApiResponse] = {
    401: OpenApiResponse(ErrorSerializer, "`STORYREEL_API_TOKEN` is set and the request lacks its Bearer token."),
    403: OpenApiResponse(ErrorSerializer, "A state-changing request from an origin other than the web app."),
    413: OpenApiResponse(ErrorSerializer, "The request body is larger than the documented limit."),
}


def errors(*codes: int) -> dict[int, OpenApiResponse]:
    """The standard error responses for ``codes``, e.g. ``errors(400, 404)``; ``KeyError`` for an unknown code."""
    return {code: ERROR_RESPONSES[code] for code in codes}


# -- progress and render --------------------------------------------------------------------------------------------
class ProgressRecordSerializer(serializers.Serializer):
    """``core_engine.render.progress.ProgressRecord`` as JSON: the ``progress`` of both status endpoints."""

    current_segment = serializers.IntegerField(min_value=0, help_text="Segments completely done.")
    total_segments = serializers.IntegerField(min_value=0, help_text="Segments in the job.")
    percentage = serializers.IntegerField(
        min_value=0, max_value=100, help_text="Overall progress 0–100; never decreases during one job."
    )
    current_phase = serializers.CharField(help_text='What is happening, for the user: "Encoding segment 3 of 12".')
    stage = serializers.CharField(
        help_text="Coarse stage: QUEUED, VALIDATE, AUDIO_PREP, SCENE_BUILD[n], CONCAT, FINALIZE, DONE, CANCELLED."
    )
    eta_seconds = serializers.FloatField(allow_null=True, help_text="Estimated seconds until done; null if unknown.")


class OutputInfoSerializer(serializers.Serializer):
    """Facts about a project's last good render."""

    duration = serializers.FloatField(help_text="Seconds.")
    file_size = serializers.IntegerField(help_text="Bytes.")
    width = serializers.IntegerField(help_text="Pixels.")
    height = serializers.IntegerField(help_text="Pixels.")
    fps = serializers.IntegerField(help_text="Frames per second.")
    frame_count = serializers.IntegerField(help_text="Video frames in the file.")
    rendered_at = serializers.DateTimeField()


class OutputInfoField(serializers.JSONField):
    """``Project.output_info`` (a JSON column) sent as stored; the schema shows its keys
    (:class:`OutputInfoSerializer`)."""


class _OutputInfoFieldExtension(OpenApiSerializerFieldExtension):
    target_class = OutputInfoField

    def map_serializer_field(self, auto_schema: Any, direction: Any) -> dict[str, Any]:
        if direction == "request":  # read-only, so dropped from request bodies: register no OutputInfoRequest
            return {"type": "object"}
        ref: dict[str, Any] = auto_schema.resolve_serializer(OutputInfoSerializer, direction).ref
        return ref


class RenderTriggerResponseSerializer(serializers.Serializer):
    """202 of ``POST /projects/{id}/render/``."""

    task_id = serializers.CharField(help_text="render_<project id>")
    project_id = serializers.UUIDField()
    status = _ProjectStatusField()
    total_segments = serializers.IntegerField()
    message = serializers.CharField()


class RenderValidationErrorSerializer(serializers.Serializer):
    """400 of ``POST /projects/{id}/render/``: which segments lack an image or narration."""

    error = serializers.CharField()
    missing_images = serializers.ListField(child=serializers.UUIDField(), help_text="Segment ids.")
    missing_audio = serializers.ListField(child=serializers.UUIDField(), help_text="Segment ids.")
    message = serializers.CharField()


class RenderConflictErrorSerializer(serializers.Serializer):
    """409 of ``POST /projects/{id}/render/``: a render of this project is already running."""

    error = serializers.CharField()
    project_id = serializers.UUIDField()
    status = _ProjectStatusField()


class RenderStatusResponseSerializer(serializers.Serializer):
    """``GET /projects/{id}/status/``."""

    project_id = serializers.UUIDField()
    status = _ProjectStatusField()
    progress = ProgressRecordSerializer(allow_null=True, help_text="Null unless PROCESSING or COMPLETED.")
    output_url = serializers.CharField(allow_null=True, help_text="URL path of the video when COMPLETED, else null.")
    error = serializers.CharField(allow_null=True, help_text="Why the render failed when FAILED, else null.")
    job_id = serializers.UUIDField(allow_null=True, help_text="The latest render job (`GET /jobs/{id}/`), or null.")
    stage = serializers.CharField(
        allow_null=True, help_text="That job's stage: VALIDATE, AUDIO_PREP, SCENE_BUILD[n], CONCAT, FINALIZE, DONE, …"
    )
    log_tail = serializers.ListField(child=serializers.CharField(), help_text="That job's last log lines (≤ 20).")


class CancelResponseSerializer(RenderStatusResponseSerializer):
    """202 of ``POST /projects/{id}/cancel/``: the status after the request (``cancel``: ``cancelled`` at once for a
    queued render, ``cancelling`` for a running one, which stops within 2 s: keep polling the status)."""

    cancel = serializers.ChoiceField(choices=["cancelled", "cancelling"])
    message = serializers.CharField()


class CancelConflictSerializer(serializers.Serializer):
    """409 of ``POST /projects/{id}/cancel/``: no render of the project is queued or running."""

    error = serializers.CharField()
    project_id = serializers.UUIDField()


class JobSerializer(serializers.Serializer):
    """``GET /jobs/{id}/``: one background job (DESIGN §5)."""

    id = serializers.UUIDField()
    task_id = serializers.CharField(help_text="render_<project id>, tts_<segment id> or tts_all_<project id>.")
    kind = serializers.CharField()
    project_id = serializers.UUIDField(allow_null=True)
    segment_ids = serializers.ListField(child=serializers.CharField())
    state = serializers.ChoiceField(choices=["QUEUED", "RUNNING", "SUCCEEDED", "FAILED", "CANCELLED"])
    stage = serializers.CharField()
    progress = ProgressRecordSerializer()
    error = serializers.CharField(allow_null=True)
    attempt = serializers.IntegerField()
    worker = serializers.CharField(allow_null=True)
    cancel_requested = serializers.BooleanField()
    heartbeat_at = serializers.DateTimeField(allow_null=True)
    created_at = serializers.DateTimeField()
    started_at = serializers.DateTimeField(allow_null=True)
    finished_at = serializers.DateTimeField(allow_null=True)
    extra = serializers.DictField(help_text="Per-job details, e.g. a narration batch's completed_segments/errors.")
    log_tail = serializers.ListField(child=serializers.CharField(), help_text="The last log lines (≤ 200).")
    log_url = serializers.CharField(help_text="URL path of the full log (plain text).")


class ReadyResponseSerializer(serializers.Serializer):
    """``GET /ready/`` (200 ready, 503 not): each check is ``"ok"`` or the reason it failed."""

    ready = serializers.BooleanField()
    backend = serializers.ChoiceField(choices=["embedded", "celery"])
    database = serializers.CharField()
    ffmpeg = serializers.CharField()
    broker = serializers.CharField(required=False, help_text="Celery backend only.")
    workers = serializers.CharField(required=False, help_text="Celery backend only.")
    live_workers = serializers.IntegerField(required=False, help_text="Celery backend only.")
    error = serializers.CharField(required=False, help_text="The failing checks, when not ready.")


# -- narration and tasks --------------------------------------------------------------------------------------------
class NarrationTaskResponseSerializer(serializers.Serializer):
    """202 of ``POST /segments/{id}/generate-audio/``."""

    task_id = serializers.CharField(help_text="tts_<segment id>")
    segment_id = serializers.UUIDField()
    status = _TaskStateField()
    message = serializers.CharField()


class GenerateAllNarrationResponseSerializer(serializers.Serializer):
    """``POST /projects/{id}/generate-all-audio/``: 202 with a task, or 200 with ``task_id`` null (nothing to do)."""

    task_id = serializers.CharField(allow_null=True, help_text="tts_all_<project id>, or null when nothing to do.")
    total_segments = serializers.IntegerField()
    segments_to_process = serializers.IntegerField()
    skipped_locked = serializers.IntegerField()
    skipped_existing = serializers.IntegerField()
    skipped_empty = serializers.IntegerField()
    message = serializers.CharField()


class CompletedNarrationSerializer(serializers.Serializer):
    """One segment narrated by a task."""

    segment_id = serializers.UUIDField()
    audio_url = serializers.URLField(help_text="Absolute URL of the new narration.")
    audio_duration = serializers.FloatField(help_text="Seconds.")


class TaskErrorSerializer(serializers.Serializer):
    """One failure of a task; ``segment_id`` is null for a failure of the whole task (e.g. a render)."""

    segment_id = serializers.UUIDField(allow_null=True)
    error = serializers.CharField()


class TaskStatusResponseSerializer(serializers.Serializer):
    """``GET /tasks/{task_id}/status/``."""

    task_id = serializers.CharField()
    status = _TaskStateField()
    progress = ProgressRecordSerializer()
    completed_segments = CompletedNarrationSerializer(many=True)
    errors = TaskErrorSerializer(many=True)  # type: ignore[assignment]  # DRF pops declared fields: .errors stays


# -- settings and health --------------------------------------------------------------------------------------------
class VoiceSerializer(serializers.Serializer):
    """A voice of the installed speech engine."""

    id = serializers.CharField()
    name = serializers.CharField()
    language = serializers.CharField()
    gender = serializers.CharField(allow_null=True)


class VoicesResponseSerializer(serializers.Serializer):
    """``GET /settings/voices/``."""

    engine = serializers.CharField(allow_null=True, help_text="Speech engine name; null when none is installed.")
    default_voice_id = serializers.CharField(allow_null=True, help_text="The engine's own default voice.")
    voices = VoiceSerializer(many=True)


class HealthResponseSerializer(serializers.Serializer):
    """``GET /health/``."""

    status = serializers.ChoiceField(choices=["ok"])
    ffmpeg = serializers.CharField(allow_null=True, help_text="ffmpeg version, or null when missing.")
    tts = serializers.CharField(allow_null=True, help_text="Speech engine name, or null when none is installed.")


class ImportSegmentSerializer(serializers.Serializer):
    """One segment of a JSON story import (``POST /projects/import/`` with ``format: "json"``)."""

    text_content = serializers.CharField(max_length=MAX_TEXT_LENGTH, help_text="Narration text; must not be empty.")
    image_prompt = serializers.CharField(
        required=False,
        allow_null=True,
        allow_blank=True,
        max_length=MAX_PROMPT_LENGTH,
        help_text="What the picture should show; empty or null for none.",
    )


@extend_schema_field(ImportSegmentSerializer(many=True))
class StorySegmentsField(serializers.JSONField):
    """The ``segments`` of a JSON story import, taken as raw JSON so that ``api.importers`` can name every bad segment
    at once; the schema shows their shape (:class:`ImportSegmentSerializer`)."""


class SegmentUploadSerializer(serializers.Serializer):
    """Multipart body of ``PATCH /segments/{id}/``: an image and/or a narration recording (checked server-side:
    type, size, readable)."""

    image_file = serializers.FileField(required=False)
    audio_file = serializers.FileField(required=False)


class WordTimingSerializer(serializers.Serializer):
    """One spoken word of a segment's narration (``core_engine.alignment.WordTiming``)."""

    word = serializers.CharField(help_text="The word as written in the text, punctuation kept.")
    start = serializers.FloatField(help_text="Seconds from the segment's start.")
    end = serializers.FloatField(help_text="Seconds from the segment's start.")


# -- camera, quality presets and quick preview (issue 12 §3–5) -------------------------------------------------------
class CameraSerializer(serializers.Serializer):
    """A segment's camera (``core_engine.camera.CameraSettings``)."""

    motion = serializers.ChoiceField(
        choices=["auto", "zoom_in", "zoom_out", "pan_left", "pan_right", "pan_up", "pan_down", "still"],
        help_text="auto (default): face-aware; without faces the classic Ken Burns move, fixed per segment.",
    )
    focus = serializers.ListField(
        child=serializers.FloatField(min_value=0.0, max_value=1.0),
        min_length=2,
        max_length=2,
        allow_null=True,
        help_text="[x, y] in 0–1 image coordinates (0,0 = top-left): where a zoom in ends / a zoom out starts.",
    )
    strength = serializers.FloatField(
        min_value=1.0,
        max_value=2.0,
        allow_null=True,
        help_text="Tightest zoom factor; null = the global zoom_intensity.",
    )


@extend_schema_field(CameraSerializer)
class CameraField(serializers.JSONField):
    """``Segment.camera`` (a JSON column): validated by ``core_engine.camera.CameraSettings.from_json`` (400 naming
    ``camera.motion``, ``camera.focus`` or ``camera.strength``) and always sent in full, defaults filled in."""

    def to_internal_value(self, data: Any) -> dict[str, Any]:
        from core_engine.camera import CameraError, CameraSettings

        try:
            return CameraSettings.from_json(data).to_json()
        except CameraError as exc:
            key = exc.field.removeprefix("camera").lstrip(".")
            raise serializers.ValidationError({key: [str(exc)]} if key else [str(exc)]) from None

    def to_representation(self, value: Any) -> Any:
        from core_engine.camera import CameraError, CameraSettings

        try:
            return CameraSettings.from_json(value or None).to_json()
        except CameraError:  # a stored value from an older version: shown (and rendered) as the default
            return CameraSettings().to_json()


class PreviewStatusSerializer(serializers.Serializer):
    """``GET /projects/{id}/preview/``, and the 202 of ``POST``: the quick preview draft of a project."""

    task_id = serializers.CharField(help_text="preview_<project id>")
    status = serializers.ChoiceField(
        choices=["NONE", "PENDING", "RUNNING", "COMPLETED", "FAILED"], help_text="NONE: no preview made yet."
    )
    progress = ProgressRecordSerializer(allow_null=True)
    preview_url = serializers.CharField(allow_null=True, help_text="URL path of the draft MP4 when COMPLETED.")
    width = serializers.IntegerField(allow_null=True, help_text="Pixels of the draft.")
    height = serializers.IntegerField(allow_null=True, help_text="Pixels of the draft.")
    fps = serializers.IntegerField(allow_null=True)
    render_seconds = serializers.FloatField(allow_null=True, help_text="How long the draft took to render.")
    error = serializers.CharField(allow_null=True)
