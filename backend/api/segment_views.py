"""Segment endpoints (``/api/segments/``): create, read, edit, upload a picture or a recording, extra pictures,
narration, delete. Kept apart from :mod:`api.views` (projects, settings, tasks)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager

from core_engine.render.plan import RenderError
from core_engine.tts.base import SpeechError, clean_text
from django.db import transaction
from django.db.models import Max
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import BaseSerializer

from api.exceptions import Conflict
from api.importers import MAX_SEGMENTS
from api.locks import fresh_project, project_lock, refuse_while_processing
from api.models import Segment
from api.preview import camera_still
from api.schema import (
    NarrationTaskResponseSerializer,
    SegmentUploadSerializer,
    errors,
)
from api.segment_files import store_audio, store_image
from api.segment_images import add_image, remove_image, reorder_images
from api.serializers import (
    ImageOrderSerializer,
    ImageUploadSerializer,
    SegmentSerializer,
)
from api.task_manager import TaskManager
from api.tasks import narration_task_function
from api.validators import validate_audio_upload, validate_image_upload
from api.word_timings import schedule_word_timings


@extend_schema_view(
    create=extend_schema(
        description="Append a segment to its project; refused (409) while rendering.",
        responses={201: SegmentSerializer, **errors(400, 409)},
    ),
    retrieve=extend_schema(description="One segment.", responses={200: SegmentSerializer, **errors(404)}),
    partial_update=extend_schema(
        description="Edit text, prompt or lock (JSON), or upload `image_file`/`audio_file` (multipart). 409 when the "
        "segment is locked, or for a file while its project renders.",
        request={"application/json": SegmentSerializer, "multipart/form-data": SegmentUploadSerializer},
        responses={200: SegmentSerializer, **errors(400, 404, 409)},
    ),
    destroy=extend_schema(
        description="Delete the segment and its files; the later segments move up. Refused (409) while rendering.",
        responses={204: None, **errors(404, 409)},
    ),
)
class SegmentViewSet(
    mixins.CreateModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Segments: create (appended), read, edit text/prompt/lock, upload image/audio, delete, generate narration."""

    queryset = Segment.objects.select_related("project")
    serializer_class = SegmentSerializer
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def perform_create(self, serializer: BaseSerializer[Segment]) -> None:
        project = serializer.validated_data["project"]
        with project_lock(project.pk), transaction.atomic():
            refuse_while_processing(fresh_project(project.pk), "adding segments")
            if Segment.objects.filter(project=project).count() >= MAX_SEGMENTS:
                raise ValidationError({"project": [f"A project can have at most {MAX_SEGMENTS} segments."]})
            last = Segment.objects.filter(project=project).aggregate(m=Max("sequence_index"))["m"]
            serializer.save(sequence_index=0 if last is None else last + 1)
            project.save(update_fields=["updated_at"])

    def partial_update(self, request: Request, *args, **kwargs) -> Response:
        segment = self.get_object()
        image = request.FILES.get("image_file")
        audio = request.FILES.get("audio_file")
        if not isinstance(request.data, Mapping):  # a JSON array body
            raise ValidationError({"non_field_errors": ["Send the segment's fields as a JSON object."]})
        fields = {k: v for k, v in request.data.items() if k not in ("image_file", "audio_file")}
        for name in ("image_file", "audio_file"):
            if name in request.data and name not in request.FILES:
                raise ValidationError({name: ["Send the file as multipart/form-data."]})
        self._refuse_change(segment, bool(image or audio), set(fields))
        serializer = self.get_serializer(segment, data=fields, partial=True)
        serializer.is_valid(raise_exception=True)
        # Check every file before storing anything, so a refused upload changes nothing.
        image_ext = validate_image_upload(image) if image else None
        checked_audio = validate_audio_upload(audio) if audio else None
        with project_lock(segment.project_id), transaction.atomic():
            # Checked again under the lock: a render accepted or a lock set while the files were checked wins.
            segment = get_object_or_404(Segment.objects.select_related("project"), pk=segment.pk)
            self._refuse_change(segment, bool(image or audio), set(fields))
            serializer.instance = segment
            segment = serializer.save()
            if image and image_ext:
                store_image(segment, image, image_ext)
            if checked_audio:
                store_audio(segment, audio, checked_audio)
        if image or audio or fields:
            segment.project.save(update_fields=["updated_at"])
        if audio or "text_content" in fields:
            schedule_word_timings(segment)  # now, or in the background when long: see api.word_timings
        return Response(self.get_serializer(segment).data)

    @staticmethod
    def _refuse_change(segment: Segment, files: bool, fields: set[str]) -> None:
        if segment.is_locked and (files or fields - {"is_locked"}):
            raise Conflict("This segment is locked; unlock it to change it.")
        if files:
            refuse_while_processing(segment.project, "changing images and narration")

    def perform_destroy(self, instance: Segment) -> None:
        with project_lock(instance.project_id), transaction.atomic():
            # Re-read under the lock: a concurrent delete or reorder may have moved (or removed) this segment.
            instance = get_object_or_404(Segment.objects.select_related("project"), pk=instance.pk)
            refuse_while_processing(instance.project, "deleting segments")
            files = [f.name for f in (instance.image_file, instance.audio_file) if f and f.name]
            files += [e.image_file.name for e in instance.extra_images.all() if e.image_file.name]
            storage = instance.image_file.storage
            project, index = instance.project, instance.sequence_index
            instance.delete()
            for seg in Segment.objects.filter(project=project, sequence_index__gt=index).order_by("sequence_index"):
                seg.sequence_index -= 1
                seg.save(update_fields=["sequence_index"])
            project.save(update_fields=["updated_at"])
        for name in files:
            storage.delete(name)

    # -- images -----------------------------------------------------------------------------------------------------
    @staticmethod
    def _refuse_image_change(segment: Segment) -> None:
        if segment.is_locked:
            raise Conflict("This segment is locked; unlock it to change it.")
        refuse_while_processing(segment.project, "changing images")

    @contextmanager
    def _editing_images(self) -> Iterator[Segment]:
        """The segment, re-read and checked (unlocked, project not rendering) under its project's lock, inside a
        transaction; the project's ``updated_at`` moves when the block succeeds."""
        found = self.get_object()
        with project_lock(found.project_id), transaction.atomic():
            segment = get_object_or_404(Segment.objects.select_related("project"), pk=found.pk)
            self._refuse_image_change(segment)
            yield segment
            segment.project.save(update_fields=["updated_at"])

    def _segment_response(self, segment: Segment) -> Response:
        segment.refresh_from_db()
        return Response(self.get_serializer(segment).data)

    @extend_schema(
        request={"multipart/form-data": ImageUploadSerializer},
        responses={200: SegmentSerializer, **errors(400, 404, 409)},
    )
    @action(detail=True, methods=["post"], url_path="images")
    def add_image(self, request: Request, pk: str | None = None) -> Response:
        """Add an image (multipart ``image_file``, validated like the segment's ``image_file``) after the
        segment's others; at most 3 a segment (400 beyond). The segment's narration time is shared among its
        images (``min_shot``/``max_shot``). 409 when the segment is locked or its project renders."""
        self._refuse_image_change(self.get_object())
        upload = request.FILES.get("image_file")
        if upload is None:
            raise ValidationError({"image_file": ["Send the image as multipart/form-data field image_file."]})
        ext = validate_image_upload(upload)  # checked before the lock: decoding a large image takes a while
        with self._editing_images() as segment:
            add_image(segment, upload, ext)
        return self._segment_response(segment)

    @extend_schema(request=None, responses={200: SegmentSerializer, **errors(404, 409)})
    @action(detail=True, methods=["delete"], url_path=r"images/(?P<index>[0-9]+)")
    def remove_image(self, request: Request, pk: str | None = None, index: str = "0") -> Response:
        """Remove image ``index`` (0-based in ``images``; the later ones move up, so removing 0 makes the second
        image the ``image_file``). 404 when there is no such image; 409 when locked or rendering."""
        with self._editing_images() as segment:
            remove_image(segment, int(index))
        return self._segment_response(segment)

    @extend_schema(request=ImageOrderSerializer, responses={200: SegmentSerializer, **errors(400, 404, 409)})
    @action(detail=True, methods=["post"], url_path="images/reorder")
    def reorder_images(self, request: Request, pk: str | None = None) -> Response:
        """Put the images in a new order: ``{"order": [current indices in the new order]}`` (the first becomes
        ``image_file``). 400 unless it lists every index once; 409 when locked or rendering."""
        body = ImageOrderSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        with self._editing_images() as segment:
            reorder_images(segment, body.validated_data["order"])
        return self._segment_response(segment)

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "frame", str, enum=["first", "last"], default="first", description="Which end of the shot."
            )
        ],
        responses={(200, "image/jpeg"): OpenApiResponse(OpenApiTypes.BINARY, "The frame as JPEG."), **errors(400, 404)},
    )
    @action(detail=True, methods=["get"], url_path="camera-preview")
    def camera_preview(self, request: Request, pk: str | None = None) -> HttpResponse:
        """The first or last frame of the segment's shot as the render will frame it (its camera, the project's
        shape), as a JPEG of at most 640 pixels a side."""
        segment = self.get_object()
        frame = request.query_params.get("frame", "first")
        if frame not in ("first", "last"):
            raise ValidationError({"frame": [f"Must be first or last, not {frame!r}."]})
        if not segment.image_file:
            raise ValidationError({"image_file": ["The segment has no image yet."]})
        try:
            data = camera_still(segment, frame)
        except RenderError as exc:
            raise ValidationError({"image_file": [str(exc)]}) from None
        response = HttpResponse(data, content_type="image/jpeg")
        response["Cache-Control"] = "no-store"
        return response

    @extend_schema(request=None, responses={202: NarrationTaskResponseSerializer, **errors(400, 404, 409)})
    @action(detail=True, methods=["post"], url_path="generate-audio")
    def generate_audio(self, request: Request, pk: str | None = None) -> Response:
        """Generate this segment's narration with the built-in engine in the background (202)."""
        segment = self.get_object()
        if not segment.text_content.strip():
            raise ValidationError({"text_content": ["The segment has no narration text to speak."]})
        try:
            clean_text(segment.text_content)
        except SpeechError as exc:
            raise ValidationError({"text_content": [str(exc)]}) from None
        if segment.is_locked:
            raise Conflict("This segment is locked; unlock it to generate new narration.")
        refuse_while_processing(segment.project, "changing narration")
        task_id = f"tts_{segment.pk}"
        try:
            TaskManager.get_instance().submit_task(
                narration_task_function,
                task_id,
                [str(segment.pk)],
                {str(segment.pk): segment.audio_file.name or ""},
                task_id=task_id,
            )
        except RuntimeError:
            raise Conflict("Narration for this segment is already being generated.") from None
        return Response(
            {
                "task_id": task_id,
                "segment_id": str(segment.pk),
                "status": "PENDING",
                "message": "Narration generation started",
            },
            status=status.HTTP_202_ACCEPTED,
        )
