"""Fixtures shared by the API tests."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient


@pytest.fixture
def client() -> APIClient:
    """DRF's test client: real HTTP requests through the URL conf, views and serializers."""
    return APIClient()
