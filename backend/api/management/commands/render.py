"""``python backend/manage.py render PROJECT_ID``: render an existing project with a terminal progress bar."""

from __future__ import annotations

import uuid

from django.core.management.base import BaseCommand, CommandError

from api.cli import render_with_progress
from api.models import Project


class Command(BaseCommand):
    help = "Render an existing project to MP4 and print the output path."

    def add_arguments(self, parser) -> None:
        parser.add_argument("project_id", help="the project's id (UUID)")

    def handle(self, *args, **options) -> None:
        project_id = _as_uuid(options["project_id"])
        project = Project.objects.filter(pk=project_id).first() if project_id is not None else None
        if project is None:
            raise CommandError(f"No project with id {options['project_id']}")
        path = render_with_progress(project)
        self.stdout.write(str(path))


def _as_uuid(value: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(value)
    except ValueError:
        return None
