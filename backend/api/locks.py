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
