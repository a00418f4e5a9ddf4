"""REST endpoints of DESIGN §4: projects, segments, render/status, narration, settings, tasks, health."""

from __future__ import annotations

import logging
import re
import shutil
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

from core_engine.render.plan import RenderError
from core_engine.render_utils import ffmpeg_version
from core_engine.tts.base import SpeechError, clean_text
from django.conf import settings
from django.db import transaction
from django.db.models import Count, Max, OuterRef, Prefetch, Subquery
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from drf_spectacular.views import SpectacularJSONAPIView
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import BaseSerializer
from rest_framework.views import APIView

from api.exceptions import Conflict
from api.importers import MAX_SEGMENTS, StoryImportError, parse_json_segments, parse_text_story
from api.job_views import cancel_response, render_status_payload
from api.locks import project_lock
from api.maintenance import check_disk_space_for_render
from api.models import GlobalSettings, Project, ProjectStatus, Segment
from api.preview import camera_still, preview_status, start_preview
from api.schema import (
    CancelConflictSerializer,
    CancelResponseSerializer,
    ErrorSerializer,
    GenerateAllNarrationResponseSerializer,
    HealthResponseSerializer,
    NarrationTaskResponseSerializer,
    PreviewStatusSerializer,
    RenderConflictErrorSerializer,
    RenderStatusResponseSerializer,
    RenderTriggerResponseSerializer,
    RenderValidationErrorSerializer,
    SegmentUploadSerializer,
    TaskStatusResponseSerializer,
    VoicesResponseSerializer,
    errors,
)
from api.segment_files import store_audio, store_image
from api.segment_images import add_image, remove_image, reorder_images
from api.serializers import (
    GenerateAllAudioSerializer,
    GlobalSettingsSerializer,
    ImageOrderSerializer,
    ImageUploadSerializer,
    ImportSerializer,
    ProjectDetailSerializer,
    ProjectSerializer,
    ReorderSerializer,
    SegmentSerializer,
)
from api.task_manager import TaskManager
from api.tasks import narration_task_function, start_render
from api.validators import validate_audio_upload, validate_image_upload
from api.word_timings import schedule_word_timings

logger = logging.getLogger(__name__)

_ORDERED_SEGMENTS = Prefetch(
    "segments", queryset=Segment.objects.order_by("sequence_index").prefetch_related("extra_images")
)
# What the dashboard list needs of a project's segments, computed by the database instead of loading every segment.
_FIRST_IMAGE = Segment.objects.filter(project=OuterRef("pk")).order_by("sequence_index").values("image_file")[:1]


def _fresh(project_id: object) -> Project:
    """The project row as it is now (call under :func:`api.locks.project_lock`); 404 when it was deleted."""
    return get_object_or_404(Project.objects.only("id", "status"), pk=project_id)


def _refuse_while_processing(project: Project, what: str) -> None:
    if project.status == ProjectStatus.PROCESSING:
        raise Conflict(f"The video is being rendered; {what} is possible again when the render has finished.")


@extend_schema_view(
    list=extend_schema(
        description="Projects, most recently changed first, 50 a page.",
        responses={200: ProjectSerializer(many=True), 404: OpenApiResponse(ErrorSerializer, "No such page.")},
    ),
    create=extend_schema(description="Create an empty project.", responses={201: ProjectSerializer, **errors(400)}),
    retrieve=extend_schema(
        description="A project with its segments in story order.",
        responses={200: ProjectDetailSerializer, **errors(404)},
    ),
    partial_update=extend_schema(
        description="Change title, output format, `transition` or `min_shot`/`max_shot`, music (`music_file` as "
        "multipart, `music_volume`, `ducking`, `loudness_target`) or captions (`caption_mode`, `caption_style`) "
        "(docs/api.md); refused (409) while rendering.",
        responses={200: ProjectSerializer, **errors(400, 404, 409)},
    ),
    destroy=extend_schema(
        description="Delete the project and its media folder; refused (409) while rendering.",
        responses={204: None, **errors(404, 409)},
    ),
)
class ProjectViewSet(viewsets.ModelViewSet):
    """Projects: CRUD, story import, render trigger and render status, segment reorder, bulk narration, download."""

    serializer_class = ProjectSerializer
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self):
        projects = Project.objects.annotate(
            num_segments=Count("segments"), first_image=Subquery(_FIRST_IMAGE)
        ).order_by("-updated_at")  # Meta.ordering does not apply to aggregated querysets
        return projects if self.action == "list" else projects.prefetch_related(_ORDERED_SEGMENTS)

    def get_serializer_class(self):
        return ProjectDetailSerializer if self.action in ("retrieve", "import_story") else ProjectSerializer

    def perform_update(self, serializer: BaseSerializer[Project]) -> None:
        project = serializer.instance
        assert project is not None  # UpdateModelMixin.update() builds the serializer around get_object()
        with project_lock(project.pk):
            _refuse_while_processing(_fresh(project.pk), "changing the project")
            project.refresh_from_db()  # save() writes every field: never an out-of-date status
            serializer.save()

    def perform_destroy(self, instance: Project) -> None:
        with project_lock(instance.pk):
            _refuse_while_processing(_fresh(instance.pk), "deleting the project")
            folder = Path(settings.MEDIA_ROOT) / instance.media_dir
            instance.delete()
        shutil.rmtree(folder, ignore_errors=True)

    # -- import -----------------------------------------------------------------------------------------------------
    @extend_schema(request=ImportSerializer, responses={201: ProjectDetailSerializer, **errors(400)})
    @action(detail=False, methods=["post"], url_path="import")
    def import_story(self, request: Request) -> Response:
        """Create a project and its segments from a JSON or text story; nothing is created when it is invalid."""
        body = ImportSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        try:
            if data["format"] == "json":
                parsed = parse_json_segments(data["segments"])
            else:
                parsed = parse_text_story(data["raw_text"])
        except StoryImportError as exc:
            return Response(
                {
                    "error": exc.details[0] if len(exc.details) == 1 else f"{len(exc.details)} problems in the story.",
                    "details": exc.details,
                },
                status=status.HTTP_400_BAD_REQUEST,
            )
        options = {k: data[k] for k in ("resolution_width", "resolution_height", "framerate") if k in data}
        title_check = ProjectSerializer(data={"title": data["title"], **options})
        title_check.is_valid(raise_exception=True)
        with transaction.atomic():
            project = title_check.save()
            Segment.objects.bulk_create(
                Segment(project=project, sequence_index=i, text_content=s.text_content, image_prompt=s.image_prompt)
                for i, s in enumerate(parsed)
            )
        project = self.get_queryset().get(pk=project.pk)
        return Response(ProjectDetailSerializer(project, context={"request": request}).data, status=201)

    # -- render -----------------------------------------------------------------------------------------------------
    @extend_schema(
        request=None,
        responses={
            202: RenderTriggerResponseSerializer,
            400: OpenApiResponse(RenderValidationErrorSerializer, "Segments lack an image or narration."),
            **errors(404),
            409: OpenApiResponse(RenderConflictErrorSerializer, "A render of this project is already running."),
            **errors(500, 503, 507),
        },
    )
    @action(detail=True, methods=["post"])
    def render(self, request: Request, pk: str | None = None) -> Response:
        """Start rendering the project's video in the background (202), or say why not (400/409/500/507)."""
        # Accepted under the project lock: an edit accepted earlier is complete, later edits see PROCESSING.
        with project_lock(pk):
            project = self.get_object()
            if project.status != ProjectStatus.PROCESSING:
                check_disk_space_for_render(project)  # InsufficientDiskSpace 507
            task_id = start_render(project)  # RenderNotReady 400, RenderAlreadyRunning 409, FFmpegMissing 500
        total = len(project.segments.all())
        return Response(
            {
                "task_id": task_id,
                "project_id": str(project.pk),
                "status": ProjectStatus.PROCESSING,
                "total_segments": total,
                "message": "Video rendering started",
            },
            status=status.HTTP_202_ACCEPTED,
        )

    @extend_schema(responses={200: RenderStatusResponseSerializer, **errors(404)})
    @action(detail=True, methods=["get"], url_path="status")
    def render_status(self, request: Request, pk: str | None = None) -> Response:
        """Render status from one database read of the project and its latest job (see api.job_views)."""
        return Response(render_status_payload(str(pk)))

    @extend_schema(
        request=None,
        responses={202: CancelResponseSerializer, 409: CancelConflictSerializer, **errors(404)},
    )
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, pk: str | None = None) -> Response:
        """Stop the project's render: a queued one at once, a running one within 2 s (202); 409 when none runs."""
        project = self.get_object()
        return cancel_response(str(project.pk))

    @extend_schema(
        methods=["GET"],
        responses={200: PreviewStatusSerializer, **errors(404)},
        description="The quick preview draft: its task's state and progress, and the URL of the last good draft.",
    )
    @extend_schema(
        methods=["POST"],
        request=None,
        responses={
            202: PreviewStatusSerializer,
            400: OpenApiResponse(RenderValidationErrorSerializer, "Segments lack an image or narration."),
            **errors(404, 409, 500, 507),
        },
        description="Render a low-resolution draft (480p, at most 15 fps, fast settings) in the background, as task "
        "`preview_<id>`. It has its own folder and cache: the real render's video, cache and status are untouched.",
    )
    @action(detail=True, methods=["get", "post"])
    def preview(self, request: Request, pk: str | None = None) -> Response:
        """Start the quick preview (POST, 202) or report it (GET)."""
        if request.method == "POST":
            with project_lock(pk):
                project = self.get_object()
                check_disk_space_for_render(project)  # InsufficientDiskSpace 507
                start_preview(project)  # RenderNotReady 400, Conflict 409, FFmpegMissing 500
            return Response(preview_status(project.pk), status=status.HTTP_202_ACCEPTED)
        project = self.get_object()
        return Response(preview_status(project.pk))

    @extend_schema(
        responses={(200, "video/mp4"): OpenApiResponse(OpenApiTypes.BINARY, "The MP4 as an attachment."), **errors(404)}
    )
    @action(detail=True, methods=["get"])
    def download(self, request: Request, pk: str | None = None) -> FileResponse:
        """The last good video as an attachment named ``<project title>.mp4``."""
        project = self.get_object()
        if not project.output_path:
            raise Http404("This project has no rendered video yet.")
        path = Path(settings.MEDIA_ROOT) / project.output_path.removeprefix(settings.MEDIA_URL)
        if not path.is_file():
            raise Http404("The rendered video file is missing; render again.")
        name = re.sub(r'[\\/:*?"<>|\x00-\x1f]+', " ", project.title).strip() or "video"
        return FileResponse(open(path, "rb"), as_attachment=True, filename=f"{name}.mp4", content_type="video/mp4")

    # -- segments ---------------------------------------------------------------------------------------------------
    @extend_schema(request=ReorderSerializer, responses={200: SegmentSerializer(many=True), **errors(400, 404, 409)})
    @action(detail=True, methods=["post"], pagination_class=None)
    def reorder(self, request: Request, pk: str | None = None) -> Response:
        """Put the segments in the given order; the ids must be exactly the project's segments."""
        project = self.get_object()
        body = ReorderSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        ids = [str(i) for i in body.validated_data["segment_ids"]]
        with project_lock(project.pk), transaction.atomic():
            _refuse_while_processing(_fresh(project.pk), "reordering segments")
            segments = {str(s.id): s for s in Segment.objects.filter(project=project)}
            if len(ids) != len(set(ids)) or set(ids) != set(segments):
                raise ValidationError(
                    {
                        "segment_ids": [
                            "Must list every segment of the project exactly once "
                            f"({len(segments)} segments; got {len(ids)} ids)."
                        ]
                    }
                )
            offset = len(ids) + 1
            for seg in segments.values():  # move out of the way first: sequence_index is unique per project
                seg.sequence_index += offset
                seg.save(update_fields=["sequence_index"])
            for index, seg_id in enumerate(ids):
                segments[seg_id].sequence_index = index
                segments[seg_id].save(update_fields=["sequence_index"])
            project.save(update_fields=["updated_at"])
        ordered = Segment.objects.filter(project=project).order_by("sequence_index")
        return Response(SegmentSerializer(ordered, many=True, context={"request": request}).data)

    @extend_schema(
        request=GenerateAllAudioSerializer,
        responses={
            200: OpenApiResponse(GenerateAllNarrationResponseSerializer, "Nothing to do: `task_id` is null."),
            202: OpenApiResponse(GenerateAllNarrationResponseSerializer, "Narration task started."),
            **errors(400, 404, 409),
        },
    )
    @action(detail=True, methods=["post"], url_path="generate-all-audio")
    def generate_all_audio(self, request: Request, pk: str | None = None) -> Response:
        """Generate narration for every segment that needs it (202), or report that none does (200).

        Skipped: locked segments (when ``skip_locked``), segments without text, and segments whose audio is up to
        date (an uploaded recording, or narration generated from the current text) unless ``force``.
        """
        project = self.get_object()
        _refuse_while_processing(project, "changing narration")
        body = GenerateAllAudioSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        skip_locked, force = body.validated_data["skip_locked"], body.validated_data["force"]
        segments = list(project.segments.all())
        reasons = [seg.narration_skip_reason(skip_locked=skip_locked, force=force) for seg in segments]
        todo = [str(seg.id) for seg, reason in zip(segments, reasons, strict=True) if reason is None]
        counts = {
            "total_segments": len(segments),
            "segments_to_process": len(todo),
            "skipped_locked": reasons.count("locked"),
            "skipped_existing": reasons.count("existing"),
            "skipped_empty": reasons.count("empty"),
        }
        if not todo:
            return Response({"task_id": None, **counts, "message": "Every segment already has narration."})
        task_id = f"tts_all_{project.pk}"
        # What each segment's audio is now: when the job runs it skips segments whose audio changed meanwhile.
        queued_audio = {str(s.id): s.audio_file.name or "" for s in segments if str(s.id) in todo}
        try:
            TaskManager.get_instance().submit_task(
                narration_task_function, task_id, todo, queued_audio, task_id=task_id
            )
        except RuntimeError:
            raise Conflict("Narration for this project is already being generated.") from None
        return Response(
            {"task_id": task_id, **counts, "message": f"Generating narration for {len(todo)} segment(s)"},
            status=status.HTTP_202_ACCEPTED,
        )


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
            _refuse_while_processing(_fresh(project.pk), "adding segments")
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
            _refuse_while_processing(segment.project, "changing images and narration")

    def perform_destroy(self, instance: Segment) -> None:
        with project_lock(instance.project_id), transaction.atomic():
            # Re-read under the lock: a concurrent delete or reorder may have moved (or removed) this segment.
            instance = get_object_or_404(Segment.objects.select_related("project"), pk=instance.pk)
            _refuse_while_processing(instance.project, "deleting segments")
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
        _refuse_while_processing(segment.project, "changing images")

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
        _refuse_while_processing(segment.project, "changing narration")
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


class TaskStatusView(APIView):
    """``GET /tasks/{task_id}/status/``: progress of a background task, with per-segment narration results."""

    @extend_schema(responses={200: TaskStatusResponseSerializer, **errors(404)})
    def get(self, request: Request, task_id: str) -> Response:
        task = TaskManager.get_instance().get_task_status(task_id)
        if task is None:
            raise Http404("Unknown task")
        completed = [
            {**entry, "audio_url": request.build_absolute_uri(entry["audio_url"])}
            for entry in task["extra"].get("completed_segments", [])
        ]
        return Response(
            {
                "task_id": task_id,
                "status": task["status"],
                "progress": task["progress"],  # the ProgressRecord's dict, as for renders
                "current_phase": task["progress"]["current_phase"],  # also here, for older clients
                "completed_segments": completed,
                "errors": task["extra"].get("errors", [])
                + (
                    [{"segment_id": None, "error": task["error"]}]
                    if task["error"] and task_id.startswith("render_")
                    else []
                ),
            }
        )


class SettingsView(APIView):
    """``GET/PATCH /settings/``: the global settings."""

    @extend_schema(responses=GlobalSettingsSerializer)
    def get(self, request: Request) -> Response:
        return Response(GlobalSettingsSerializer(GlobalSettings.load()).data)

    @extend_schema(request=GlobalSettingsSerializer, responses={200: GlobalSettingsSerializer, **errors(400)})
    def patch(self, request: Request) -> Response:
        serializer = GlobalSettingsSerializer(GlobalSettings.load(), data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        serializer.save()
        return Response(serializer.data)


class VoicesView(APIView):
    """``GET /settings/voices/``: the voices the installed speech engine really has."""

    @extend_schema(responses=VoicesResponseSerializer)
    def get(self, request: Request) -> Response:
        from core_engine.tts import get_engine

        engine = get_engine()
        voices = engine.list_voices() if engine else []
        return Response(
            {
                "engine": engine.name if engine else None,
                "default_voice_id": engine.default_voice_id() if engine else None,
                "voices": [{"id": v.id, "name": v.name, "language": v.language, "gender": v.gender} for v in voices],
            }
        )


class HealthView(APIView):
    """``GET /health/``: liveness plus which ffmpeg and speech engine are available."""

    @extend_schema(responses=HealthResponseSerializer)
    def get(self, request: Request) -> Response:
        from core_engine.tts import get_engine

        engine = get_engine()
        return Response({"status": "ok", "ffmpeg": ffmpeg_version(), "tts": engine.name if engine else None})


@extend_schema_view(
    get=extend_schema(
        description="This API's OpenAPI 3.1 schema (JSON): the reference for every request, response and error body."
    )
)
class SchemaView(SpectacularJSONAPIView):
    """``GET /schema/``: the OpenAPI schema, generated from these views and serializers by drf-spectacular."""
