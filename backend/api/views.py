"""REST endpoints of DESIGN §4: projects (with render, status, preview, import, reorder), settings, tasks, health;
segments are in :mod:`api.segment_views`, job records in :mod:`api.job_views`."""

from __future__ import annotations

import logging
import re
import shutil
from pathlib import Path

from core_engine.render_utils import ffmpeg_version
from django.conf import settings
from django.db import transaction
from django.db.models import Count, OuterRef, Prefetch, Subquery
from django.http import FileResponse, Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from drf_spectacular.views import SpectacularJSONAPIView
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import BaseSerializer
from rest_framework.views import APIView

from api.exceptions import Conflict
from api.importers import StoryImportError, parse_json_segments, parse_text_story
from api.job_views import cancel_response, render_status_payload
from api.locks import fresh_project, project_lock, refuse_while_processing
from api.maintenance import check_disk_space_for_render
from api.models import GlobalSettings, Project, ProjectStatus, Segment
from api.preview import preview_status, start_preview
from api.schema import (
    CancelConflictSerializer,
    CancelResponseSerializer,
    ErrorSerializer,
    GenerateAllNarrationResponseSerializer,
    HealthResponseSerializer,
    PreviewStatusSerializer,
    RenderConflictErrorSerializer,
    RenderStatusResponseSerializer,
    RenderTriggerResponseSerializer,
    RenderValidationErrorSerializer,
    TaskStatusResponseSerializer,
    VoicesResponseSerializer,
    errors,
)
from api.serializers import (
    GenerateAllAudioSerializer,
    GlobalSettingsSerializer,
    ImportSerializer,
    ProjectDetailSerializer,
    ProjectSerializer,
    ReorderSerializer,
    SegmentSerializer,
)
from api.task_manager import TaskManager
from api.tasks import narration_task_function, start_render

logger = logging.getLogger(__name__)

_ORDERED_SEGMENTS = Prefetch(
    "segments", queryset=Segment.objects.order_by("sequence_index").prefetch_related("extra_images")
)
# What the dashboard list needs of a project's segments, computed by the database instead of loading every segment.
_FIRST_IMAGE = Segment.objects.filter(project=OuterRef("pk")).order_by("sequence_index").values("image_file")[:1]


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
            refuse_while_processing(fresh_project(project.pk), "changing the project")
            project.refresh_from_db()  # save() writes every field: never an out-of-date status
            serializer.save()

    def perform_destroy(self, instance: Project) -> None:
        with project_lock(instance.pk):
            refuse_while_processing(fresh_project(instance.pk), "deleting the project")
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
            refuse_while_processing(fresh_project(project.pk), "reordering segments")
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
        refuse_while_processing(project, "changing narration")
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
