"""Fixtures shared by the API tests."""

from __future__ import annotations

import threading
import uuid

import pytest
from rest_framework.test import APIClient

from api.task_manager import TaskManager


@pytest.fixture
def client() -> APIClient:
    """DRF's test client: real HTTP requests through the URL conf, views and serializers."""
    return APIClient()


@pytest.fixture
def hold_worker():
    """Occupy the single worker so that a render submitted now stays queued (PROCESSING) until released."""
    manager = TaskManager.get_instance()
    release, started = threading.Event(), threading.Event()

    def block() -> None:
        started.set()
        release.wait(60)

    task_id = manager.submit_task(block, task_id=f"gate_{uuid.uuid4().hex}")
    assert started.wait(10), "the worker did not pick up the gate task"
    yield release
    release.set()
    manager.wait(task_id, timeout=60)
