"""Regression tests for what the schema fuzzing (``test_schema_fuzz.py``) found, one request each, through DRF's
test client: the fixes stay even if the fuzzer's random choices change."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from api.tests.helpers import IMPORT_URL, assert_error, import_story, segment_url

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "url",
    ["/api/projects/0.5/", "/api/projects/0.5/status/", "/api/segments/a.b/generate-audio/", "/api/nothing-here/"],
)
def test_an_unmatched_url_is_a_json_404(client: APIClient, url: str) -> None:
    response = client.get(url)
    assert response["Content-Type"] == "application/json"
    assert_error(response, 404, None, "not found")


@pytest.mark.parametrize("body", ["[null, null]", '"text"', "3"])
def test_a_segment_patch_that_is_not_an_object_is_a_400(client: APIClient, body: str) -> None:
    segment = import_story(client, ["One."])["segments"][0]
    response = client.generic("PATCH", segment_url(segment["id"]), body, content_type="application/json")
    assert_error(response, 400, None, "JSON object")


def test_a_page_past_the_end_is_the_documented_404(client: APIClient) -> None:
    assert_error(client.get("/api/projects/?page=7"), 404, None, "page")


@pytest.mark.parametrize("prompt", ["", None])
def test_an_import_accepts_an_empty_image_prompt_as_the_schema_says(client: APIClient, prompt: str | None) -> None:
    story = {"format": "json", "title": "T", "segments": [{"text_content": "Hi.", "image_prompt": prompt}]}
    response = client.post(IMPORT_URL, story, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["segments"][0]["image_prompt"] == ""
