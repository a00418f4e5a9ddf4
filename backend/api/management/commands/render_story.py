"""``python backend/manage.py render_story STORY.json [--out FILE] [--width W --height H --fps F]``.

Imports a story (the JSON import format, where each segment may also name ``image`` and ``audio`` files relative
to the JSON file), renders it with a terminal progress bar and prints the output path.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

from django.conf import settings
from django.core.files import File
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from rest_framework.exceptions import ValidationError

from api.cli import render_with_progress
from api.importers import StoryImportError, parse_json_segments
from api.models import Project, Segment
from api.segment_files import attach_audio, attach_image


class Command(BaseCommand):
    help = "Import a story JSON (with image/audio files), render it to MP4 and print the output path."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "story", help="story JSON: {title, segments:[{text_content, image_prompt?, image?, audio?}]}"
        )
        parser.add_argument("--out", help="copy the rendered MP4 to this file as well")
        parser.add_argument("--width", type=int, default=1920, help="video width in pixels (default 1920)")
        parser.add_argument("--height", type=int, default=1080, help="video height in pixels (default 1080)")
        parser.add_argument("--fps", type=int, default=30, help="frames per second (default 30)")

    def handle(self, *args, **options) -> None:
        for key, low, high in (("width", 16, 3840), ("height", 16, 2160), ("fps", 1, 60)):
            if not low <= options[key] <= high or (key != "fps" and options[key] % 2):
                raise CommandError(f"--{key} must be {'an even number ' if key != 'fps' else ''}from {low} to {high}")
        story_path = Path(options["story"]).resolve()
        try:
            story = json.loads(story_path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise CommandError(f"Cannot read {story_path}: {exc}") from None
        if not isinstance(story, dict) or not isinstance(story.get("title"), str) or not story["title"].strip():
            raise CommandError("The story JSON needs a non-empty 'title' and a 'segments' list.")
        try:
            parsed = parse_json_segments(story.get("segments"))
        except StoryImportError as exc:
            raise CommandError("; ".join(exc.details)) from None

        try:
            with transaction.atomic():
                project = Project.objects.create(
                    title=story["title"].strip()[:200],
                    resolution_width=options["width"],
                    resolution_height=options["height"],
                    framerate=options["fps"],
                )
                for index, (item, seg) in enumerate(zip(story["segments"], parsed, strict=False)):
                    segment = Segment.objects.create(
                        project=project,
                        sequence_index=index,
                        text_content=seg.text_content,
                        image_prompt=seg.image_prompt,
                    )
                    for key, attach in (("image", attach_image), ("audio", attach_audio)):
                        if item.get(key):
                            self._attach(segment, index, key, story_path.parent / item[key], attach)
        except CommandError:
            # the rows are rolled back; remove the files stored before the failing one
            shutil.rmtree(Path(settings.MEDIA_ROOT) / project.media_dir, ignore_errors=True)
            raise
        self.stdout.write(f"Imported '{project.title}' as project {project.id} ({len(parsed)} segments)")
        output = render_with_progress(project)
        if options["out"]:
            out = Path(options["out"]).resolve()
            out.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(output, out)
            output = out
        self.stdout.write(str(output))

    @staticmethod
    def _attach(segment: Segment, index: int, key: str, path: Path, attach: Callable[[Segment, File], None]) -> None:
        if not path.is_file():
            raise CommandError(f"Segment {index + 1}: {key} file {path} does not exist")
        with path.open("rb") as fh:
            try:
                attach(segment, File(fh, name=path.name))
            except ValidationError as exc:
                reasons = _messages(exc.detail)
                raise CommandError(f"Segment {index + 1}: {key} {path.name}: {' '.join(reasons)}") from None


def _messages(detail: object) -> list[str]:
    """Every message of a DRF error ``detail`` (nested dicts and lists flattened), in order."""
    if isinstance(detail, dict):
        return [m for value in detail.values() for m in _messages(value)]
    if isinstance(detail, list):
        return [m for value in detail for m in _messages(value)]
    return [str(detail)]
