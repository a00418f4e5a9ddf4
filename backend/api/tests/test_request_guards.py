"""Issue 9 through the real API: cross-site requests (row 1), the optional API token, request limits (rows 4, 7),
the same text rules on every path (row 10) and the exposed-address refusal of ``manage.py serve``."""

from __future__ import annotations

import json
import uuid

import pytest
from django.core.management import CommandError, call_command
from django.test import override_settings
from rest_framework.test import APIClient

from api.importers import MAX_PROMPT_LENGTH, MAX_SEGMENTS
from api.models import GlobalSettings, Project, ProjectStatus, Segment
from api.tests.helpers import IMPORT_URL, PROJECTS_URL, assert_error, create_project, import_story

pytestmark = pytest.mark.django_db(transaction=True)

EVIL = "http://evil.example"
WEB_APP = "http://localhost:3000"


# -- row 1: cross-site requests -------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("application/x-www-form-urlencoded", "title=Pwned"),
        ("text/plain", "title=Pwned"),
        (
            "multipart/form-data; boundary=xx",
            '--xx\r\nContent-Disposition: form-data; name="title"\r\n\r\nPwned\r\n--xx--',
        ),
        ("application/json", json.dumps({"title": "Pwned"})),
    ],
)
def test_a_foreign_origin_cannot_create_a_project(client: APIClient, content_type: str, body: str) -> None:
    response = client.generic("POST", PROJECTS_URL, body, content_type=content_type, headers={"Origin": EVIL})
    body_json = assert_error(response, 403, None, "cross-site")
    assert "evil" not in body_json["error"]  # the message explains; it does not echo the attacker's input
    assert not Project.objects.exists()


def test_a_foreign_origin_cannot_start_a_render_or_delete(client: APIClient) -> None:
    project = import_story(client, ["One."])
    for method, url in [
        ("POST", f"{PROJECTS_URL}{project['id']}/render/"),
        ("DELETE", f"{PROJECTS_URL}{project['id']}/"),
        ("PATCH", f"{PROJECTS_URL}{project['id']}/"),
        ("DELETE", f"/api/segments/{project['segments'][0]['id']}/"),
    ]:
        response = client.generic(method, url, "", content_type="text/plain", headers={"Origin": EVIL})
        assert response.status_code == 403, (method, url, response.content)
    assert Project.objects.get().status == ProjectStatus.DRAFT
    assert Segment.objects.count() == 1


@pytest.mark.parametrize("origin", ["null", "http://localhost:3000.evil.example", "https://localhost:3000", "junk"])
def test_odd_origins_are_refused(client: APIClient, origin: str) -> None:
    response = client.post(PROJECTS_URL, {"title": "x"}, format="json", headers={"Origin": origin})
    assert response.status_code == 403
    assert not Project.objects.exists()


def test_a_foreign_referer_without_origin_is_refused(client: APIClient) -> None:
    response = client.post(PROJECTS_URL, {"title": "x"}, format="json", headers={"Referer": f"{EVIL}/page.html"})
    assert response.status_code == 403
    assert not Project.objects.exists()


def test_the_web_app_curl_and_reads_are_allowed(client: APIClient) -> None:
    assert client.post(PROJECTS_URL, {"title": "a"}, format="json", headers={"Origin": WEB_APP}).status_code == 201
    referer = {"Referer": "http://127.0.0.1:3000/projects/1"}
    assert client.post(PROJECTS_URL, {"title": "b"}, format="json", headers=referer).status_code == 201
    assert client.post(PROJECTS_URL, {"title": "c"}, format="json").status_code == 201  # curl, the CLI
    # the API's own origin (the same host and port as the request)
    own = {"Origin": "http://testserver"}
    assert client.post(PROJECTS_URL, {"title": "d"}, format="json", headers=own).status_code == 201
    # reads are never refused (CORS decides whether a foreign page may see the answer)
    assert client.get(PROJECTS_URL, headers={"Origin": EVIL}).status_code == 200
    assert Project.objects.count() == 4


@override_settings(CORS_ALLOWED_ORIGINS=["http://192.168.1.5:4000"])
def test_the_allowed_origins_follow_the_frontend_origin_setting(client: APIClient) -> None:
    ok = client.post(PROJECTS_URL, {"title": "a"}, format="json", headers={"Origin": "http://192.168.1.5:4000"})
    assert ok.status_code == 201
    refused = client.post(PROJECTS_URL, {"title": "b"}, format="json", headers={"Origin": WEB_APP})
    assert refused.status_code == 403


# -- optional API token ---------------------------------------------------------------------------------------------
@override_settings(STORYREEL_API_TOKEN="tok-123")
def test_with_a_token_every_api_request_needs_it_except_health(client: APIClient) -> None:
    assert_error(client.get(PROJECTS_URL), 401, None, "token")
    assert client.post(PROJECTS_URL, {"title": "x"}, format="json").status_code == 401
    assert client.get(PROJECTS_URL, headers={"Authorization": "Bearer wrong"}).status_code == 401
    assert client.get(PROJECTS_URL, headers={"Authorization": "Basic tok-123"}).status_code == 401
    assert not Project.objects.exists()
    assert client.get("/api/health/").status_code == 200
    assert client.options(PROJECTS_URL, headers={"Origin": WEB_APP}).status_code == 200  # CORS preflight
    auth = {"Authorization": "Bearer tok-123"}
    created = client.post(PROJECTS_URL, {"title": "x"}, format="json", headers=auth)
    assert created.status_code == 201
    assert client.get(PROJECTS_URL, headers=auth).status_code == 200
    # the download link may carry it as a query parameter (a navigation cannot send headers); nothing else may
    download = f"{PROJECTS_URL}{created.json()['id']}/download/"
    assert client.get(f"{download}?access_token=tok-123").status_code == 404  # passed the guard: no video yet
    assert client.get(f"{download}?access_token=nope").status_code == 401
    assert client.get(f"{PROJECTS_URL}?access_token=tok-123").status_code == 401
    # …and so may the link to a job's full log (the web app's "Full log" link on a failed render)
    log = f"/api/jobs/{uuid.uuid4()}/log/"
    assert client.get(f"{log}?access_token=tok-123").status_code == 404  # passed the guard: no such job
    assert client.get(f"{log}?access_token=nope").status_code == 401
    assert client.get(f"/api/jobs/{uuid.uuid4()}/?access_token=tok-123").status_code == 401


@override_settings(STORYREEL_API_TOKEN="")
def test_an_exposed_address_without_a_token_refuses_to_start() -> None:
    with pytest.raises(CommandError, match="STORYREEL_API_TOKEN"):
        call_command("serve", "--host", "0.0.0.0", "--port", "8699")
    with pytest.raises(CommandError, match="reachable from other machines"):
        call_command("serve", "--host", "192.168.1.20", "--port", "8699")


def test_loopback_addresses_are_recognised() -> None:
    from api.management.commands.serve import check_bind_address, is_loopback

    assert is_loopback("127.0.0.1") and is_loopback("localhost") and is_loopback("::1") and is_loopback("[::1]")
    assert not is_loopback("0.0.0.0") and not is_loopback("::") and not is_loopback("example.com")
    check_bind_address("0.0.0.0", "a-token")  # allowed with a token


# -- rows 4 and 7: request limits -----------------------------------------------------------------------------------
def test_an_oversized_json_body_is_refused_before_it_is_read(client: APIClient) -> None:
    body = json.dumps({"format": "text", "title": "Big", "raw_text": "word " * (11 * 1024 * 1024 // 5)})
    assert_error(client.generic("POST", IMPORT_URL, body, content_type="application/json"), 413, None, "limit")
    assert not Project.objects.exists()


@override_settings(STORYREEL_MAX_UPLOAD_BYTES=1024)
def test_an_oversized_upload_is_refused(client: APIClient) -> None:
    project = import_story(client, ["One."])
    body = b'--xx\r\nContent-Disposition: form-data; name="image_file"; filename="a.jpg"\r\n\r\n'
    body += b"x" * 4096 + b"\r\n--xx--\r\n"
    response = client.generic(
        "PATCH", f"/api/segments/{project['segments'][0]['id']}/", body, content_type="multipart/form-data; boundary=xx"
    )
    assert_error(response, 413, None, "upload")


def test_a_form_with_too_many_fields_is_a_400(client: APIClient) -> None:
    project = create_project(client)
    body = "&".join(f"f{i}=1" for i in range(2000))
    response = client.generic(
        "PATCH", f"{PROJECTS_URL}{project['id']}/", body, content_type="application/x-www-form-urlencoded"
    )
    assert_error(response, 400, None, "fields")


def test_deeply_nested_json_is_a_400(client: APIClient) -> None:
    nested = "[" * 1000 + "]" * 1000
    body = f'{{"format": "json", "title": "Deep", "segments": {nested}}}'
    assert_error(client.generic("POST", IMPORT_URL, body, content_type="application/json"), 400, None, "nested")
    body = f'{{"format": "json", "title": "Deep", "segments": {"[" * 40 + "]" * 40}}}'
    assert_error(client.generic("POST", IMPORT_URL, body, content_type="application/json"), 400, None, "nested")
    assert not Project.objects.exists()


@pytest.mark.parametrize("value", ["NaN", "nan", "Infinity", "-inf"])
def test_settings_refuse_non_finite_numbers(client: APIClient, value: str) -> None:
    for field in ("zoom_intensity", "tts_speed"):
        assert_error(client.patch("/api/settings/", {field: value}, format="json"), 400, field)
    assert GlobalSettings.load().zoom_intensity == 1.3


def test_every_text_field_has_a_limit_on_every_path(client: APIClient) -> None:
    long_prompt = "p" * (MAX_PROMPT_LENGTH + 1)
    response = client.post(
        IMPORT_URL,
        {"format": "json", "title": "T", "segments": [{"text_content": "ok", "image_prompt": long_prompt}]},
        format="json",
    )
    assert_error(response, 400, None, "image prompt", str(MAX_PROMPT_LENGTH))
    project = import_story(client, ["One."])
    segment_id = project["segments"][0]["id"]
    patch = client.patch(f"/api/segments/{segment_id}/", {"image_prompt": long_prompt}, format="json")
    assert_error(patch, 400, "image_prompt")
    assert_error(client.patch(f"{PROJECTS_URL}{project['id']}/", {"title": "t" * 201}, format="json"), 400, "title")
    font = client.patch("/api/settings/", {"subtitle_font": "f" * 101}, format="json")
    assert_error(font, 400, "subtitle_font")


# -- row 10: the same text rules on import and PATCH ----------------------------------------------------------------
@pytest.mark.parametrize("field", ["text_content", "image_prompt"])
def test_null_characters_are_refused_on_import_as_on_patch(client: APIClient, field: str) -> None:
    item = {"text_content": "hello", field: "hello\u0000world"}
    response = client.post(IMPORT_URL, {"format": "json", "title": "T", "segments": [item]}, format="json")
    assert_error(response, 400, None, "null")
    assert not Project.objects.exists()
    project = import_story(client, ["One."])
    patch = client.patch(f"/api/segments/{project['segments'][0]['id']}/", {field: "a\u0000b"}, format="json")
    assert_error(patch, 400, field)


def test_a_project_has_a_bounded_number_of_segments(client: APIClient) -> None:
    project = import_story(client, [f"S{i}." for i in range(MAX_SEGMENTS)])
    response = client.post("/api/segments/", {"project": project["id"], "text_content": "one more"}, format="json")
    assert_error(response, 400, "project", str(MAX_SEGMENTS))
    assert Segment.objects.count() == MAX_SEGMENTS
