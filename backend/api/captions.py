"""Captions in the API: the ``caption_style`` field of a project (validation, defaults from ``GlobalSettings``), the
render's caption options, and the sidecar files ``GET /api/projects/{id}/captions.srt`` / ``captions.vtt``."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from core_engine.captions import CAPTION_BACKGROUNDS, CAPTION_POSITIONS, CaptionOptions, CaptionStyle, language_code
from core_engine.render.subtitles import sidecar_paths
from django.conf import settings
from django.http import FileResponse, Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.generics import get_object_or_404
from rest_framework.request import Request
from rest_framework.views import APIView

from api.models import CaptionMode, GlobalSettings, Project
from api.schema import errors

__all__ = [
    "CaptionFilesField",
    "CaptionStyleField",
    "CaptionStyleSerializer",
    "CaptionsFileView",
    "CaptionsSrtView",
    "CaptionsVttView",
    "caption_file_urls",
    "caption_options",
    "effective_caption_style",
]

#: Font size range (ASS size at 1080 output lines; see :class:`core_engine.captions.CaptionStyle`).
MIN_SIZE, MAX_SIZE = 16, 160
_COLOUR = r"^#[0-9A-Fa-f]{6}$"
_BAD_FONT_CHARS = re.compile(r"[,{}\\\x00-\x1f]")


class CaptionStyleSerializer(serializers.Serializer):
    """How captions look; every key is optional in a PATCH (unset keys keep their value or default: ``font`` and
    ``color`` from the global ``subtitle_font`` / ``subtitle_color``)."""

    font = serializers.CharField(max_length=100, required=False, help_text="Font family, e.g. 'Noto Sans'.")
    color = serializers.RegexField(_COLOUR, required=False, help_text="Text colour, #RRGGBB.")
    size = serializers.IntegerField(
        min_value=MIN_SIZE, max_value=MAX_SIZE, required=False, help_text="Line height in pixels at 1080 lines."
    )
    position = serializers.ChoiceField(CAPTION_POSITIONS, required=False)
    background = serializers.ChoiceField(CAPTION_BACKGROUNDS, required=False)
    highlight_color = serializers.RegexField(
        _COLOUR, required=False, help_text="Colour of the spoken word in word mode, #RRGGBB."
    )

    def validate_font(self, value: str) -> str:
        value = value.strip()
        if not value or _BAD_FONT_CHARS.search(value):
            raise serializers.ValidationError("Give a font family name without commas, braces or backslashes.")
        return value


@extend_schema_field(CaptionStyleSerializer)
class CaptionStyleField(serializers.Field):
    """``caption_style`` of a project: reads as the full effective style, writes as a partial object merged into the
    stored one (400 naming ``caption_style`` and the key at fault)."""

    def to_representation(self, value: Any) -> dict[str, Any]:
        return effective_caption_style(value).as_dict()

    def to_internal_value(self, data: Any) -> dict[str, Any]:
        if not isinstance(data, dict):
            raise serializers.ValidationError("Expected an object with font, color, size, position, background.")
        unknown = sorted(set(data) - set(CaptionStyleSerializer().fields))
        if unknown:
            raise serializers.ValidationError({k: ["Unknown caption style key."] for k in unknown})
        ser = CaptionStyleSerializer(data=data)
        if not ser.is_valid():
            raise serializers.ValidationError(ser.errors)
        current = getattr(self.parent.instance, "caption_style", None) or {}
        return {**current, **ser.validated_data}


class CaptionFilesSerializer(serializers.Serializer):
    """Media URLs of the caption files of the last good video."""

    srt = serializers.CharField(help_text="SubRip file, URL-relative (e.g. /media/projects/<id>/output/captions.srt).")
    vtt = serializers.CharField(help_text="WebVTT file, URL-relative; what the player's <track> loads.")


@extend_schema_field(CaptionFilesSerializer)
class CaptionFilesField(serializers.Field):
    """``caption_files`` of a project (read-only, the whole project as source): ``{srt, vtt}`` URL-relative media
    paths of the captions that go with the last good video, or ``null`` when it has none. Media URLs need no API
    token, so a ``<track>`` element can load them."""

    def to_representation(self, value: Project) -> dict[str, str] | None:
        return caption_file_urls(value)


def caption_file_urls(project: Project) -> dict[str, str] | None:
    """``{"srt": url, "vtt": url}`` (URL-relative, beside ``output_path``) when the last good video has captions,
    else ``None``."""
    if not project.output_path or project.status != "COMPLETED":
        return None
    output = Path(settings.MEDIA_ROOT) / project.output_path.removeprefix(settings.MEDIA_URL)
    paths = sidecar_paths(output)
    if not all(p.is_file() for p in paths):
        return None
    folder = project.output_path.rsplit("/", 1)[0]
    return {p.suffix[1:]: f"{folder}/{p.name}" for p in paths}


def effective_caption_style(stored: dict[str, Any] | None) -> CaptionStyle:
    """The style a render uses: :class:`CaptionStyle` defaults, then the global ``subtitle_font`` /
    ``subtitle_color``, then the keys stored on the project."""
    glob = GlobalSettings.load()
    base: dict[str, Any] = CaptionStyle().as_dict()
    if glob.subtitle_font.strip():
        base["font"] = glob.subtitle_font.strip()
    if glob.subtitle_color:
        base["color"] = glob.subtitle_color
    base.update({k: v for k, v in (stored or {}).items() if k in base})
    return CaptionStyle(**base)


def caption_options(project: Project) -> CaptionOptions | None:
    """The render's caption options, or ``None`` when captions are off. The soft track's language is that of the
    default narration voice (``"en-us"`` → ``"eng"``)."""
    if project.caption_mode == CaptionMode.OFF:
        return None
    voice = GlobalSettings.load().default_voice_id or "en"
    return CaptionOptions(project.caption_mode, effective_caption_style(project.caption_style), language_code(voice))


_TYPES = {"srt": "application/x-subrip; charset=utf-8", "vtt": "text/vtt; charset=utf-8"}


class CaptionsFileView(APIView):
    """``GET /api/projects/{id}/captions.srt`` and ``captions.vtt`` (:attr:`fmt`): the captions of the last good
    video, timed to it; ``?download=1`` sends the file as an attachment named after the project. 404 when the
    project has no video, or its video was rendered without captions."""

    fmt = "vtt"

    def get(self, request: Request, id: str) -> FileResponse:
        project = get_object_or_404(Project, pk=id)
        if not project.output_path:
            raise Http404("This project has no rendered video with captions.")
        output = Path(settings.MEDIA_ROOT) / project.output_path.removeprefix(settings.MEDIA_URL)
        path = next(p for p in sidecar_paths(output) if p.suffix == f".{self.fmt}")
        if not path.is_file():
            raise Http404("The last rendered video has no captions; turn captions on and render again.")
        download = request.query_params.get("download") in ("1", "true")
        name = re.sub(r'[\\/:*?"<>|\x00-\x1f]+', " ", project.title).strip() or "captions"
        return FileResponse(
            open(path, "rb"), as_attachment=download, filename=f"{name}.{self.fmt}", content_type=_TYPES[self.fmt]
        )


_DOWNLOAD = OpenApiParameter("download", OpenApiTypes.BOOL, required=False, description="Send as an attachment.")
_ID = OpenApiParameter("id", OpenApiTypes.UUID, OpenApiParameter.PATH, description="The project.")


class CaptionsSrtView(CaptionsFileView):
    """``GET /api/projects/{id}/captions.srt``: SubRip captions of the last good video."""

    fmt = "srt"

    @extend_schema(
        parameters=[_ID, _DOWNLOAD],
        responses={(200, "application/x-subrip"): OpenApiResponse(OpenApiTypes.STR, "SubRip text."), **errors(404)},
    )
    def get(self, request: Request, id: str) -> FileResponse:
        return super().get(request, id)


class CaptionsVttView(CaptionsFileView):
    """``GET /api/projects/{id}/captions.vtt``: WebVTT captions of the last good video (for a ``<track>``)."""

    fmt = "vtt"

    @extend_schema(
        parameters=[_ID, _DOWNLOAD],
        responses={(200, "text/vtt"): OpenApiResponse(OpenApiTypes.STR, "WebVTT text."), **errors(404)},
    )
    def get(self, request: Request, id: str) -> FileResponse:
        return super().get(request, id)
