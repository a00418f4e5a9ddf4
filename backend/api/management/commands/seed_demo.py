"""``manage.py seed_demo``: create the demo story once, with procedural pictures and built-in narration.

Idempotent: when a project with the demo title exists (or, with ``--if-empty``, any project at all) it reports that
and changes nothing. Everything is generated locally in a few seconds: images with numpy/Pillow
(:mod:`api.demo.scenes`), narration with the built-in speech engine (:func:`core_engine.tts.synthesize_narration`) using
the global voice and speed settings.
"""

from __future__ import annotations

import hashlib
import logging
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from core_engine.alignment import METHOD_ESPEAK, timings_to_json
from core_engine.tts import SpeechError, get_engine, synthesize_narration
from django.core.files.base import ContentFile
from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction

from api.demo.scenes import DEFAULT_SIZE, scene_jpeg
from api.demo.story import DEMO_SEGMENTS, DEMO_TITLE
from api.models import GlobalSettings, Project, Segment, text_hash

logger = logging.getLogger(__name__)


class Command(BaseCommand):
    """Create "The Lighthouse Keeper's Last Night" (five narrated, illustrated segments) unless it already exists."""

    help = (
        "Create the demo story (five segments with generated pictures and narration) unless a project with its "
        "title exists; with --if-empty, only when there are no projects at all. Prints the project id."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--if-empty", action="store_true", help="Do nothing if any project exists (for first-run set-up)."
        )

    def handle(self, *args: object, **options: object) -> None:
        if options.get("if_empty") and Project.objects.exists():
            self.stdout.write("Projects already exist; the demo was not created.")
            return
        existing = Project.objects.filter(title=DEMO_TITLE).order_by("created_at").first()
        if existing is not None:
            self.stdout.write(f'The demo project "{DEMO_TITLE}" already exists; nothing created.')
            self.stdout.write(f"Project id: {existing.id}")
            return

        started = time.monotonic()
        with tempfile.TemporaryDirectory(prefix="storyreel-demo-") as tmp:
            narrations = self._narrate(Path(tmp))
            with ThreadPoolExecutor(max_workers=2) as pool:  # numpy and Pillow release the GIL for the heavy parts
                images = list(pool.map(lambda seg: scene_jpeg(seg.scene, DEFAULT_SIZE), DEMO_SEGMENTS))
            project = self._store(images, narrations)

        voiced = sum(1 for n in narrations if n is not None)
        self.stdout.write(
            self.style.SUCCESS(
                f'Created the demo project "{DEMO_TITLE}": {len(DEMO_SEGMENTS)} segments, {voiced} narrated, '
                f"in {time.monotonic() - started:.1f} s."
            )
        )
        self.stdout.write(f"Project id: {project.id}")

    def _narrate(self, folder: Path) -> list[tuple[bytes, float, list[dict[str, Any]] | None] | None]:
        """WAV bytes, duration (seconds) and espeak-ng word timings (JSON shape) per segment, or ``None`` where
        narration could not be made."""
        engine = get_engine()
        if engine is None:
            self.stderr.write("No speech engine is available: the demo is created without narration.")
            return [None] * len(DEMO_SEGMENTS)
        settings = GlobalSettings.load()
        voice_id = settings.default_voice_id.strip() or None
        speed = settings.tts_speed or 1.0
        out: list[tuple[bytes, float, list[dict[str, Any]] | None] | None] = []
        if voice_id is not None and not engine.has_voice(voice_id):
            self.stderr.write(f"The voice '{voice_id}' is not installed; using the default voice instead.")
            voice_id = None
        for index, seg in enumerate(DEMO_SEGMENTS):
            path = folder / f"narration_{index}.wav"
            try:
                narration = synthesize_narration(seg.text, path, voice_id=voice_id, speed=speed, engine=engine)
            except SpeechError as err:
                self.stderr.write(f"Segment {index + 1} was not narrated: {err}")
                out.append(None)
                continue
            words = narration.word_timings
            out.append((path.read_bytes(), narration.duration, timings_to_json(words) if words is not None else None))
        return out

    def _store(
        self, images: list[bytes], narrations: list[tuple[bytes, float, list[dict[str, Any]] | None] | None]
    ) -> Project:
        """Create the project and its segments, saving files through the models' storage (all or nothing)."""
        saved: list = []
        try:
            with transaction.atomic():
                project = Project.objects.create(title=DEMO_TITLE)
                for index, (seg, image) in enumerate(zip(DEMO_SEGMENTS, images, strict=False)):
                    segment = Segment(
                        project=project, sequence_index=index, text_content=seg.text, image_prompt=seg.image_prompt
                    )
                    segment.image_file.save(f"{seg.scene}.jpg", ContentFile(image), save=False)
                    saved.append(segment.image_file)
                    narration = narrations[index]
                    if narration is not None:
                        wav, duration, words = narration
                        segment.audio_file.save(f"narration_{index}.wav", ContentFile(wav), save=False)
                        saved.append(segment.audio_file)
                        segment.audio_duration = duration
                        segment.audio_text_hash = text_hash(seg.text)
                        if words is not None:
                            segment.word_timings, segment.word_timings_method = words, METHOD_ESPEAK
                            segment.word_timings_key = f"{segment.audio_text_hash}:{hashlib.sha256(wav).hexdigest()}"
                    segment.save()
        except Exception:
            for field_file in saved:  # the rows are rolled back; do not leave their files behind
                try:
                    field_file.storage.delete(field_file.name)
                except OSError:
                    logger.warning("Could not remove %s after a failed demo seed", field_file.name)
            raise
        return project
