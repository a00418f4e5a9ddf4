"""The OpenAPI schema at ``/api/schema/``: it lists every route of ``api/urls.py`` with the declared shapes, it is
free of drf-spectacular warnings, and real responses of the API validate against it (JSON Schema 2020-12, which
OpenAPI 3.1 schemas are)."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from core_engine.render.progress import ProgressRecord
from django.core.management import call_command
from django.urls import URLPattern
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012
from rest_framework.test import APIClient

from api import urls
from api.tests.helpers import image_upload, import_story, segment_url, upload

pytestmark = pytest.mark.django_db

_SCHEMA_URI = "urn:storyreel:openapi"


@pytest.fixture
def openapi(client: APIClient) -> dict[str, Any]:
    response = client.get("/api/schema/")
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("application/vnd.oai.openapi+json")
    return response.json()


def _openapi_path(pattern: URLPattern) -> str:
    """``/api/...`` path of a URL pattern as OpenAPI writes it (DRF's ``pk`` is the model's ``id``)."""
    text = str(pattern.pattern).lstrip("^").rstrip("$")
    text = re.sub(r"\(\?P<pk>[^)]*\)", "{id}", text)
    text = re.sub(r"\(\?P<(\w+)>[^)]*\)", r"{\1}", text)
    text = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", text)
    return f"/api/{text}"


def _routes() -> list[tuple[str, str]]:
    """(method, OpenAPI path) of every endpoint in ``api/urls.py``, except DRF's browsable API root and the
    ``.json`` format-suffix variants, which are not part of the contract."""
    routes = []
    for pattern in urls.urlpatterns:
        assert isinstance(pattern, URLPattern)
        if pattern.name == "api-root" or "(?P<format>" in str(pattern.pattern):
            continue
        view = pattern.callback
        actions = getattr(view, "actions", None)
        if actions is not None:  # a viewset route: HTTP method → action
            # DRF adds "head" to this (shared) dict once the route has served a GET; HEAD is implied by GET.
            methods = [m for m in actions if m in view.cls.http_method_names and m != "head"]
        else:
            cls = view.view_class
            methods = [m for m in ("get", "post", "patch", "put", "delete") if hasattr(cls, m)]
        routes += [(m, _openapi_path(pattern)) for m in methods]
    return routes


def test_schema_lists_every_route_with_a_success_response(openapi):
    routes = _routes()
    assert len(routes) >= 20  # sanity: the walk found the router's routes too
    for method, path in routes:
        assert path in openapi["paths"], f"{path} missing from the schema"
        operation = openapi["paths"][path].get(method)
        assert operation is not None, f"{method.upper()} {path} missing from the schema"
        assert any(code.startswith("2") for code in operation["responses"]), (method, path)
    assert openapi["openapi"].startswith("3.1")


def test_schema_generation_has_no_warnings(tmp_path: Path):
    """The same check as ``manage.py spectacular --validate --fail-on-warn`` (it raises on any warning)."""
    out = tmp_path / "schema.json"
    call_command("spectacular", "--validate", "--fail-on-warn", "--format", "openapi-json", "--file", str(out))
    assert out.stat().st_size > 10_000


def test_progress_record_component_matches_the_engine_dataclass(openapi):
    schemas = openapi["components"]["schemas"]
    record = schemas["ProgressRecord"]
    assert list(record["properties"]) == [f.name for f in dataclasses.fields(ProgressRecord)]
    assert set(record["required"]) == set(record["properties"])
    assert record["properties"]["eta_seconds"]["type"] == ["number", "null"]
    assert _ref_of(schemas["TaskStatusResponse"]["properties"]["progress"]) == "ProgressRecord"
    assert _ref_of(schemas["RenderStatusResponse"]["properties"]["progress"]) == "ProgressRecord"
    assert {"type": "null"} in schemas["RenderStatusResponse"]["properties"]["progress"]["oneOf"]
    # what the engine sends validates as it is
    for progress in (ProgressRecord(), ProgressRecord(2, 5, 40, "Encoding segment 3 of 5", "SCENE_BUILD[3]", 12.5)):
        _validate(openapi, progress.to_dict(), {"$ref": f"{_SCHEMA_URI}#/components/schemas/ProgressRecord"})


def test_declared_error_bodies(openapi):
    render = openapi["paths"]["/api/projects/{id}/render/"]["post"]["responses"]
    assert {code: _ref_of(_json(r)) for code, r in render.items()} == {
        "202": "RenderTriggerResponse",
        "400": "RenderValidationError",
        "404": "Error",
        "409": "RenderConflictError",
        "500": "Error",
        "503": "Error",
        "507": "Error",
        # the request guards (token, cross-site origin, body size) on every state-changing operation
        "401": "Error",
        "403": "Error",
        "413": "Error",
    }
    patch = openapi["paths"]["/api/segments/{id}/"]["patch"]
    assert {code: _ref_of(_json(r)) for code, r in patch["responses"].items()} == {
        "200": "Segment",
        "400": "ValidationError",
        "404": "Error",
        "409": "Error",
        "401": "Error",
        "403": "Error",
        "413": "Error",
    }
    assert set(patch["requestBody"]["content"]) == {"application/json", "multipart/form-data"}
    schemas = openapi["components"]["schemas"]
    assert schemas["TaskError"]["properties"]["segment_id"]["type"] == ["string", "null"]
    assert "default_voice_id" in schemas["VoicesResponse"]["required"]
    assert "frame_count" in schemas["OutputInfo"]["required"]
    assert schemas["Segment"]["properties"]["needs_narration"] == {
        "type": "boolean",
        "readOnly": True,
        "description": schemas["Segment"]["properties"]["needs_narration"]["description"],
    }
    assert "needs_narration" not in schemas["PatchedSegmentRequest"]["properties"]
    download = openapi["paths"]["/api/projects/{id}/download/"]["get"]["responses"]["200"]
    assert list(download["content"]) == ["video/mp4"]


def test_real_responses_match_the_schema(client: APIClient, openapi):
    """Each response below is checked against the schema's body for its own method, path and status code."""
    story = import_story(client, ["The lake was still.", "The city woke up."])
    pid, first, second = story["id"], story["segments"][0]["id"], story["segments"][1]["id"]

    def check(method: str, path: str, url: str, body: Any = None, fmt: str = "json", status: int = 200) -> Any:
        response = getattr(client, method)(url, body, format=fmt) if body is not None else getattr(client, method)(url)
        assert response.status_code == status, (method, url, response.status_code, response.content)
        if status != 204:
            _validate(openapi, response.json(), _response_schema(openapi, method, path, status))
        return response.json() if status != 204 else None

    check("get", "/api/health/", "/api/health/")
    check(
        "post",
        "/api/projects/import/",
        "/api/projects/import/",
        {"format": "json", "title": "x", "segments": [{}]},
        status=400,
    )
    assert upload(client, first, image_file=image_upload()).status_code == 200
    check("get", "/api/projects/", "/api/projects/")
    check("post", "/api/projects/", "/api/projects/", {"title": "Second"}, status=201)
    check("post", "/api/projects/", "/api/projects/", {"title": "Odd", "resolution_width": 641}, status=400)
    check("get", "/api/projects/{id}/", f"/api/projects/{pid}/")
    check("patch", "/api/projects/{id}/", f"/api/projects/{pid}/", {"title": "Renamed"})
    check("get", "/api/projects/{id}/", "/api/projects/00000000-0000-0000-0000-000000000000/", status=404)
    check("get", "/api/projects/{id}/status/", f"/api/projects/{pid}/status/")
    not_ready = check("post", "/api/projects/{id}/render/", f"/api/projects/{pid}/render/", status=400)
    assert not_ready["missing_audio"] == [first, second]
    check("post", "/api/projects/{id}/reorder/", f"/api/projects/{pid}/reorder/", {"segment_ids": [second, first]})
    check("get", "/api/projects/{id}/download/", f"/api/projects/{pid}/download/", status=404)

    check("get", "/api/segments/{id}/", segment_url(first))
    check("patch", "/api/segments/{id}/", segment_url(first), {"image_file": image_upload()}, fmt="multipart")
    check("patch", "/api/segments/{id}/", segment_url(second), {"is_locked": True})
    check("patch", "/api/segments/{id}/", segment_url(second), {"text_content": "Changed"}, status=409)
    check("post", "/api/segments/{id}/generate-audio/", f"/api/segments/{second}/generate-audio/", status=409)
    blank = check("post", "/api/segments/", "/api/segments/", {"project": pid, "text_content": ""}, status=201)
    check("post", "/api/segments/{id}/generate-audio/", f"/api/segments/{blank['id']}/generate-audio/", status=400)
    check("delete", "/api/segments/{id}/", segment_url(blank["id"]), status=204)

    empty = check("post", "/api/projects/", "/api/projects/", {"title": "Empty"}, status=201)
    nothing = check(
        "post", "/api/projects/{id}/generate-all-audio/", f"/api/projects/{empty['id']}/generate-all-audio/", {}
    )
    assert nothing["task_id"] is None
    check("get", "/api/tasks/{task_id}/status/", "/api/tasks/tts_unknown/status/", status=404)
    check("get", "/api/settings/", "/api/settings/")
    check("patch", "/api/settings/", "/api/settings/", {"tts_speed": 9}, status=400)
    check("get", "/api/settings/voices/", "/api/settings/voices/")


# -- helpers --------------------------------------------------------------------------------------------------------
def _json(response: dict[str, Any]) -> dict[str, Any]:
    return response["content"]["application/json"]["schema"]


def _ref_of(schema: dict[str, Any]) -> str | None:
    """Component name a schema refers to, directly or as the non-null branch of a ``oneOf``."""
    if "$ref" in schema:
        return str(schema["$ref"]).rsplit("/", 1)[-1]
    for branch in schema.get("oneOf", []):
        if "$ref" in branch:
            return str(branch["$ref"]).rsplit("/", 1)[-1]
    return None


def _response_schema(openapi: dict[str, Any], method: str, path: str, status: int) -> dict[str, Any]:
    """The documented JSON body of ``method path`` for ``status`` (fails when that status is not documented)."""
    responses = openapi["paths"][path][method]["responses"]
    assert str(status) in responses, f"{method.upper()} {path} answered {status}, which the schema does not list"
    pointer = "/".join(
        p.replace("~", "~0").replace("/", "~1")
        for p in ("paths", path, method, "responses", str(status), "content", "application/json", "schema")
    )
    return {"$ref": f"{_SCHEMA_URI}#/{quote(pointer, safe='/~')}"}


def _validate(openapi: dict[str, Any], instance: Any, schema: dict[str, Any]) -> None:
    """Validate ``instance`` against ``schema`` (a ``$ref`` into the whole OpenAPI document)."""
    resource = Resource.from_contents(openapi, default_specification=DRAFT202012)
    registry: Registry = Registry().with_resource(_SCHEMA_URI, resource)
    errors = sorted(Draft202012Validator(schema, registry=registry).iter_errors(instance), key=str)
    assert not errors, [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in errors]
