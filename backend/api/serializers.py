"""DRF serializers: the JSON shapes of DESIGN §4."""

from __future__ import annotations

import math
from typing import Any

from django.db import transaction
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from api.captions import CaptionFilesField, CaptionStyleField
from api.importers import MAX_PROMPT_LENGTH, MAX_RAW_TEXT_LENGTH, MAX_TEXT_LENGTH
from api.models import GlobalSettings, LoudnessTarget, Project, ProjectStatus, Segment
from api.picture_options import MAX_SHOT_LIMIT, MIN_SHOT_LIMIT, TransitionSerializer, validate_picture_options
from api.schema import CameraField, OutputInfoField, StorySegmentsField, WordTimingSerializer
from api.validators import validate_audio_upload
from api.word_timings import current_word_timings


def _absolute(request, url: str | None) -> str | None:
    if not url:
        return None
    return request.build_absolute_uri(url) if request is not None else url


class SegmentSerializer(serializers.ModelSerializer):
    """A segment. ``image_file``/``audio_file`` are absolute URLs (or null); files are uploaded by a multipart
    ``PATCH`` (:class:`api.schema.SegmentUploadSerializer`), so here they are read-only. ``needs_narration`` is
    :attr:`Segment.needs_narration`."""

    image_file = serializers.SerializerMethodField()
    images = serializers.SerializerMethodField()
    audio_file = serializers.SerializerMethodField()
    audio_matches_text = serializers.BooleanField(read_only=True, allow_null=True)
    word_timings = serializers.SerializerMethodField()
    needs_narration = serializers.BooleanField(
        read_only=True, help_text="Unlocked, with text, and without narration or with narration of an older text."
    )
    text_content = serializers.CharField(
        allow_blank=True, required=False, max_length=MAX_TEXT_LENGTH, trim_whitespace=False
    )
    image_prompt = serializers.CharField(allow_blank=True, required=False, max_length=MAX_PROMPT_LENGTH)
    camera = CameraField(required=False)

    class Meta:
        model = Segment
        fields = [
            "id",
            "project",
            "sequence_index",
            "text_content",
            "image_prompt",
            "image_file",
            "images",
            "audio_file",
            "audio_duration",
            "audio_matches_text",
            "word_timings",
            "needs_narration",
            "is_locked",
            "camera",
        ]
        read_only_fields = ["id", "sequence_index", "audio_duration"]

    def get_image_file(self, obj: Segment) -> str | None:
        return _absolute(self.context.get("request"), obj.image_file.url if obj.image_file else None)

    def get_images(self, obj: Segment) -> list[str]:
        """Every image of the segment in the order shown (absolute URLs): ``image_file`` first, then the extra
        images (``POST /segments/{id}/images/``); at most 3."""
        request = self.context.get("request")
        files = ([obj.image_file] if obj.image_file else []) + [e.image_file for e in obj.extra_images.all()]
        return [url for url in (_absolute(request, f.url) for f in files) if url]

    def get_audio_file(self, obj: Segment) -> str | None:
        return _absolute(self.context.get("request"), obj.audio_file.url if obj.audio_file else None)

    @extend_schema_field(WordTimingSerializer(many=True, allow_null=True))
    def get_word_timings(self, obj: Segment) -> list[dict[str, Any]] | None:
        """``[{"word", "start", "end"}]`` in seconds from the segment's start, or null (no narration, or timings
        that do not belong to the current text); see :mod:`api.word_timings`."""
        return current_word_timings(obj)

    def validate_project(self, project: Project) -> Project:
        if self.instance is not None and project.pk != self.instance.project_id:
            raise serializers.ValidationError("A segment cannot move to another project.")
        return project


class MusicFileField(serializers.FileField):
    """``music_file``: written as a multipart upload (``null``, or an empty multipart value, removes the music),
    read as the absolute URL of the stored file (or null)."""

    def to_representation(self, value) -> str | None:
        if not value:
            return None
        return _absolute(self.context.get("request"), value.url)


class ProjectSerializer(serializers.ModelSerializer):
    """A project as listed on the dashboard: fields of DESIGN §3 plus ``segment_count``, ``output_url``,
    ``thumbnail_url`` (first segment's image) and ``output_info`` (facts about the last good render, shaped as
    :class:`api.schema.OutputInfoSerializer`), and the audio options: ``music_file`` (URL; multipart upload to set,
    null to remove, checked like narration uploads), ``music_volume`` (dB relative to the narration, −40…0, default
    −18), ``ducking`` (default true), ``loudness_target`` (LUFS: −14 default, −16 or −23)."""

    segment_count = serializers.SerializerMethodField()
    output_info = OutputInfoField(read_only=True, allow_null=True)
    quality = serializers.ChoiceField(
        choices=["standard", "high", "small"],
        required=False,
        help_text="Encoder preset: standard (H.264 8000 kb/s), high (CRF 18), small (about a third of the size).",
    )
    output_url = serializers.SerializerMethodField()
    thumbnail_url = serializers.SerializerMethodField()
    transition = TransitionSerializer(required=False)
    min_shot = serializers.FloatField(
        required=False, min_value=MIN_SHOT_LIMIT, max_value=MAX_SHOT_LIMIT, help_text="Shortest shot, seconds."
    )
    max_shot = serializers.FloatField(
        required=False, min_value=MIN_SHOT_LIMIT, max_value=MAX_SHOT_LIMIT, help_text="Longest shot, seconds."
    )
    music_file = MusicFileField(required=False, allow_null=True, max_length=None)
    music_volume = serializers.FloatField(required=False, min_value=-40.0, max_value=0.0)
    loudness_target = serializers.ChoiceField(
        choices=LoudnessTarget.values,
        required=False,
        error_messages={"invalid_choice": "Choose -14, -16 or -23 LUFS (got {input})."},
    )
    caption_style = CaptionStyleField(required=False)
    caption_files = CaptionFilesField(source="*", read_only=True, allow_null=True)

    class Meta:
        model = Project
        fields = [
            "id",
            "title",
            "created_at",
            "updated_at",
            "status",
            "resolution_width",
            "resolution_height",
            "framerate",
            "output_path",
            "output_url",
            "output_info",
            "render_error",
            "segment_count",
            "thumbnail_url",
            "transition",
            "min_shot",
            "max_shot",
            "music_file",
            "music_volume",
            "ducking",
            "loudness_target",
            "caption_mode",
            "caption_style",
            "caption_files",
            "quality",
        ]
        read_only_fields = ["id", "created_at", "updated_at", "status", "output_path", "output_info", "render_error"]

    def validate_title(self, value: str) -> str:
        value = value.strip()
        if not value:
            raise serializers.ValidationError("The title must not be empty.")
        return value

    def validate(self, attrs: dict) -> dict:
        """The output format as a whole: even sizes, a supported frame rate, a shape between 1:3 and 3:1
        (:func:`core_engine.presets.format_errors`)."""
        from core_engine.presets import format_errors

        width = attrs.get("resolution_width", getattr(self.instance, "resolution_width", 1920))
        height = attrs.get("resolution_height", getattr(self.instance, "resolution_height", 1080))
        fps = attrs.get("framerate", getattr(self.instance, "framerate", 30))
        errors = format_errors(width, height, fps)
        if errors:
            raise serializers.ValidationError({field: [message] for field, message in errors.items()})
        music = attrs.get("music_file")
        if music is not None:
            checked = validate_audio_upload(music, field="music_file")  # 400 {"music_file": [reason]}
            music.name = f"music{checked.ext}"  # stored under the detected container's extension
        return validate_picture_options(attrs, self.instance)

    def create(self, validated_data: dict) -> Project:
        return Project.objects.create(**validated_data)  # transition is a JSON value, not a nested object

    def update(self, instance: Project, validated_data: dict) -> Project:
        """Save the changes (``transition`` is stored as a JSON value, not a nested object); a replaced or removed
        music file is deleted once the row no longer points at it."""
        old_music = instance.music_file.name if instance.music_file else None
        for key, value in validated_data.items():
            setattr(instance, key, value)
        instance.save()
        if old_music and "music_file" in validated_data and instance.music_file.name != old_music:
            storage = instance.music_file.storage
            transaction.on_commit(lambda: storage.delete(old_music))
        return instance

    def get_segment_count(self, obj: Project) -> int:
        # annotated by ProjectViewSet.get_queryset; a project just created has none
        return getattr(obj, "num_segments", 0)

    def get_output_url(self, obj: Project) -> str | None:
        return obj.output_path if obj.status == ProjectStatus.COMPLETED else None

    def get_thumbnail_url(self, obj: Project) -> str | None:
        name = getattr(obj, "first_image", None)  # annotated by ProjectViewSet.get_queryset
        if not name:
            return None
        return _absolute(self.context.get("request"), Segment.image_file.field.storage.url(name))


class ProjectDetailSerializer(ProjectSerializer):
    """A project with its ``segments`` in story order."""

    segments = SegmentSerializer(many=True, read_only=True)

    class Meta(ProjectSerializer.Meta):
        fields = [*ProjectSerializer.Meta.fields, "segments"]


class ImportSerializer(serializers.Serializer):
    """``POST /projects/import/`` body: ``format`` json (with ``segments``) or text (with ``raw_text``)."""

    format = serializers.ChoiceField(choices=["json", "text"])
    title = serializers.CharField(max_length=200)
    segments = StorySegmentsField(required=False)
    raw_text = serializers.CharField(
        required=False, allow_blank=True, trim_whitespace=False, max_length=MAX_RAW_TEXT_LENGTH
    )
    resolution_width = serializers.IntegerField(required=False, min_value=16, max_value=3840)
    resolution_height = serializers.IntegerField(required=False, min_value=16, max_value=2160)
    framerate = serializers.IntegerField(required=False, min_value=1, max_value=60)

    def validate(self, attrs: dict) -> dict:
        if attrs["format"] == "json" and "segments" not in attrs:
            raise serializers.ValidationError({"segments": ["Required for format 'json'."]})
        if attrs["format"] == "text" and not attrs.get("raw_text", "").strip():
            raise serializers.ValidationError({"raw_text": ["Required for format 'text': paste the story text."]})
        return attrs


class ReorderSerializer(serializers.Serializer):
    """``POST /projects/{id}/reorder/`` body: every segment id of the project, in the new order."""

    segment_ids = serializers.ListField(child=serializers.UUIDField(), allow_empty=False)


class ImageUploadSerializer(serializers.Serializer):
    """``POST /segments/{id}/images/`` body (multipart): one image (JPEG/PNG/WebP, ≤ 25 MB, ≤ 80 MP)."""

    image_file = serializers.FileField()


class ImageOrderSerializer(serializers.Serializer):
    """``POST /segments/{id}/images/reorder/`` body: the current image indices (0 = ``image_file``) in the new
    order."""

    order = serializers.ListField(child=serializers.IntegerField(min_value=0), allow_empty=False, max_length=3)


class GenerateAllAudioSerializer(serializers.Serializer):
    """``POST /projects/{id}/generate-all-audio/`` options."""

    skip_locked = serializers.BooleanField(default=True)
    force = serializers.BooleanField(default=False)


class GlobalSettingsSerializer(serializers.ModelSerializer):
    """The app-wide settings; ranges come from the model validators (tts_speed 0.5–2.0, zoom_intensity 1.0–2.0)."""

    subtitle_color = serializers.RegexField(
        r"^#[0-9A-Fa-f]{6}$", max_length=7, required=False, error_messages={"invalid": "Use a colour like #FFFFFF."}
    )

    class Meta:
        model = GlobalSettings
        fields = ["default_voice_id", "tts_speed", "zoom_intensity", "subtitle_font", "subtitle_color"]

    def validate(self, attrs: dict) -> dict:
        # NaN and infinities pass the range validators (every comparison with NaN is false): refuse them here.
        for name in ("tts_speed", "zoom_intensity"):
            if name in attrs and not math.isfinite(attrs[name]):
                raise serializers.ValidationError({name: ["Must be a finite number."]})
        return attrs

    def validate_default_voice_id(self, value: str) -> str:
        if not value:
            return value
        from core_engine.tts import get_engine

        engine = get_engine()
        if engine is None:
            raise serializers.ValidationError("No speech engine is available to check the voice.")
        if not engine.has_voice(value):
            raise serializers.ValidationError(f"Unknown voice '{value}'; see /api/settings/voices/.")
        return value
