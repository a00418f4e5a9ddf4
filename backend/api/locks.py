"""Per-project serialisation of structural changes (issue 9, rows 5 and 6).

Deleting, adding or reordering segments, replacing their files and accepting a render of the same project run one
at a time: each takes :func:`project_lock` and re-reads the project inside it, so a render accepted first makes
later edits answer 409, and an edit accepted first is complete before the render checks the project. The lock is
in-process, which is enough because the API runs as one process (the embedded task manager lives in it; see
``scripts/start.sh``); SQLite's ``BEGIN IMMEDIATE`` transactions serialise the writes themselves.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from django.shortcuts import get_object_or_404

from api.exceptions import Conflict
from api.models import Project, ProjectStatus

_guard = threading.Lock()
_locks: dict[str, threading.Lock] = {}
_users: dict[str, int] = {}


@contextmanager
def project_lock(project_id: object) -> Iterator[None]:
    """Hold the lock of project ``project_id`` (any value whose ``str`` is the id) for the ``with`` block.

    Locks are created on demand and dropped when nobody holds or waits for them, so the table stays small.
    """
    key = str(project_id)
    with _guard:
        lock = _locks.setdefault(key, threading.Lock())
        _users[key] = _users.get(key, 0) + 1
    try:
        with lock:
            yield
    finally:
        with _guard:
            _users[key] -= 1
            if not _users[key]:
                del _users[key]
                del _locks[key]


def fresh_project(project_id: object) -> Project:
    """The project row as it is now (id and status; call under :func:`project_lock`).

    Raises:
        Http404: the project was deleted meanwhile.
    """
    return get_object_or_404(Project.objects.only("id", "status"), pk=project_id)


def refuse_while_processing(project: Project, what: str) -> None:
    """Refuse an edit of ``project`` while it renders; ``what`` names the edit in the message (e.g. "deleting
    segments").

    Raises:
        Conflict: 409, the project is PROCESSING.
    """
    if project.status == ProjectStatus.PROCESSING:
        raise Conflict(f"The video is being rendered; {what} is possible again when the render has finished.")
