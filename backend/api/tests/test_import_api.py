"""``POST /api/projects/import/``: JSON and text stories become a project with ordered segments, or a 400 that says
which segment/block is wrong and creates nothing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from rest_framework.test import APIClient

from api.models import Project, Segment
from api.tests.helpers import IMPORT_URL, assert_error, project_url

pytestmark = pytest.mark.django_db


def post_import(client: APIClient, body: dict):
    return client.post(IMPORT_URL, body, format="json")


def import_text(client: APIClient, raw_text: str, title: str = "Pasted"):
    return post_import(client, {"format": "text", "title": title, "raw_text": raw_text})


def texts_and_prompts(body: dict) -> list[tuple[str, str]]:
    return [(s["text_content"], s["image_prompt"]) for s in body["segments"]]


def assert_nothing_created() -> None:
    assert Project.objects.count() == 0
    assert Segment.objects.count() == 0


# -- JSON format ----------------------------------------------------------------------------------------------------
def test_json_import_creates_project_with_segments_in_array_order(client: APIClient) -> None:
    response = post_import(
        client,
        {
            "format": "json",
            "title": "  The lake  ",
            "segments": [
                {"text_content": "  First light on the water. ", "image_prompt": " lake at dawn "},
                {"text_content": "The city wakes."},  # prompt optional
                {"text_content": "Night falls.", "image_prompt": None},  # null prompt means none
            ],
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["title"] == "The lake"
    assert body["status"] == "DRAFT"
    assert (body["resolution_width"], body["resolution_height"], body["framerate"]) == (1920, 1080, 30)
    assert body["segment_count"] == 3
    assert texts_and_prompts(body) == [
        ("First light on the water.", "lake at dawn"),
        ("The city wakes.", ""),
        ("Night falls.", ""),
    ]
    assert [s["sequence_index"] for s in body["segments"]] == [0, 1, 2]
    for seg in body["segments"]:
        assert seg["project"] == body["id"]
        assert seg["image_file"] is None and seg["audio_file"] is None
        assert seg["audio_duration"] is None and seg["audio_matches_text"] is None
        assert seg["is_locked"] is False

    # The database agrees, and the detail endpoint returns the same order.
    project = Project.objects.get(pk=body["id"])
    stored = list(project.segments.order_by("sequence_index").values_list("text_content", "sequence_index"))
    assert stored == [("First light on the water.", 0), ("The city wakes.", 1), ("Night falls.", 2)]
    detail = client.get(project_url(body["id"])).json()
    assert [s["id"] for s in detail["segments"]] == [s["id"] for s in body["segments"]]


def test_json_import_of_the_corpus_story_ignores_extra_keys(client: APIClient, corpus: Path) -> None:
    story = json.loads((corpus / "story.json").read_text(encoding="utf-8"))
    assert any("image" in s for s in story["segments"])  # extra keys the importer must ignore
    response = post_import(client, {"format": "json", **story})
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["title"] == story["title"].strip()
    assert texts_and_prompts(body) == [
        (s["text_content"].strip(), (s.get("image_prompt") or "").strip()) for s in story["segments"]
    ]


def test_json_import_passes_output_format_options(client: APIClient) -> None:
    response = post_import(
        client,
        {
            "format": "json",
            "title": "Small",
            "segments": [{"text_content": "One."}],
            "resolution_width": 640,
            "resolution_height": 360,
            "framerate": 24,
        },
    )
    assert response.status_code == 201, response.content
    project = Project.objects.get(pk=response.json()["id"])
    assert (project.resolution_width, project.resolution_height, project.framerate) == (640, 360, 24)


@pytest.mark.parametrize("bad_text", ["", "   \n\t ", None, 42])
def test_json_import_refuses_segment_without_text_and_creates_nothing(client: APIClient, bad_text: object) -> None:
    segments = [{"text_content": "Fine."}, {"text_content": bad_text, "image_prompt": "x"}, {"text_content": "Also."}]
    if bad_text is None:
        del segments[1]["text_content"]
    body = assert_error(post_import(client, {"format": "json", "title": "T", "segments": segments}), 400)
    assert "Segment 2" in body["error"]
    assert "text_content" in body["error"]
    assert "non-empty" in body["error"]
    assert body["details"] == [body["error"]]
    assert_nothing_created()


def test_json_import_lists_every_bad_segment(client: APIClient) -> None:
    segments = [
        {"text_content": "Fine."},
        {"text_content": ""},
        "not an object",
        {"text_content": "Ok.", "image_prompt": 7},
    ]
    body = assert_error(post_import(client, {"format": "json", "title": "T", "segments": segments}), 400)
    details = body["details"]
    assert len(details) == 3, details
    assert details[0].startswith("Segment 2") and "text_content" in details[0]
    assert details[1].startswith("Segment 3") and "object" in details[1]
    assert details[2].startswith("Segment 4") and "image_prompt" in details[2]
    assert "3" in body["error"]  # "3 problems in the story."
    assert_nothing_created()


def test_json_import_refuses_text_over_the_length_limit(client: APIClient) -> None:
    segments = [{"text_content": "Short."}, {"text_content": "x" * 5001}]
    body = assert_error(post_import(client, {"format": "json", "title": "T", "segments": segments}), 400)
    assert "Segment 2" in body["error"] and "5000" in body["error"]
    assert_nothing_created()


def test_json_import_accepts_text_at_the_length_limit(client: APIClient) -> None:
    response = post_import(client, {"format": "json", "title": "T", "segments": [{"text_content": "x" * 5000}]})
    assert response.status_code == 201, response.content
    assert len(response.json()["segments"][0]["text_content"]) == 5000


@pytest.mark.parametrize("segments", [{"text_content": "A dict, not a list"}, "Just a string", 3])
def test_json_import_refuses_segments_that_are_not_a_list(client: APIClient, segments: object) -> None:
    body = assert_error(post_import(client, {"format": "json", "title": "T", "segments": segments}), 400)
    assert "segments" in body["error"] and "list" in body["error"]
    assert_nothing_created()


def test_json_import_refuses_empty_segment_list(client: APIClient) -> None:
    body = assert_error(post_import(client, {"format": "json", "title": "T", "segments": []}), 400)
    assert "no segments" in body["error"]
    assert_nothing_created()


def test_json_import_requires_segments(client: APIClient) -> None:
    assert_error(post_import(client, {"format": "json", "title": "T"}), 400, "segments")
    assert_nothing_created()


@pytest.mark.parametrize("title", [None, "", "   "])
def test_import_requires_a_title(client: APIClient, title: str | None) -> None:
    body = {"format": "json", "segments": [{"text_content": "One."}]}
    if title is not None:
        body["title"] = title
    assert_error(post_import(client, body), 400, "title")
    assert_nothing_created()


def test_import_refuses_title_over_200_characters(client: APIClient) -> None:
    body = {"format": "json", "title": "t" * 201, "segments": [{"text_content": "One."}]}
    assert_error(post_import(client, body), 400, "title", "200")
    assert_nothing_created()


@pytest.mark.parametrize("fmt", ["yaml", "", None])
def test_import_refuses_unknown_format(client: APIClient, fmt: str | None) -> None:
    body = {"title": "T", "segments": [{"text_content": "One."}], "raw_text": "Text: one"}
    if fmt is not None:
        body["format"] = fmt
    assert_error(post_import(client, body), 400, "format")
    assert_nothing_created()


def test_import_refuses_odd_resolution_and_creates_nothing(client: APIClient) -> None:
    body = {"format": "json", "title": "T", "segments": [{"text_content": "One."}], "resolution_width": 641}
    assert_error(post_import(client, body), 400, "resolution_width", "even")
    assert_nothing_created()


# -- text format ----------------------------------------------------------------------------------------------------
LABELLED = """Text: Before sunrise the lake lay perfectly still,
and the mountains looked close enough to touch.
Prompt: still mountain lake at dawn
---
text: By eight the city had woken up.
PROMPT: city street with a bus,
morning light
   -----  \x20
TEXT: Night fell.
"""


def test_text_import_with_labels_separators_and_continuation_lines(client: APIClient) -> None:
    response = import_text(client, LABELLED)
    assert response.status_code == 201, response.content
    body = response.json()
    assert texts_and_prompts(body) == [
        (
            "Before sunrise the lake lay perfectly still, and the mountains looked close enough to touch.",
            "still mountain lake at dawn",
        ),
        ("By eight the city had woken up.", "city street with a bus, morning light"),
        ("Night fell.", ""),
    ]
    assert [s["sequence_index"] for s in body["segments"]] == [0, 1, 2]
    assert Segment.objects.filter(project_id=body["id"]).count() == 3


def test_text_import_with_crlf_line_ends(client: APIClient) -> None:
    response = import_text(client, LABELLED.replace("\n", "\r\n"))
    assert response.status_code == 201, response.content
    body = response.json()
    assert [t for t, _ in texts_and_prompts(body)] == [
        "Before sunrise the lake lay perfectly still, and the mountains looked close enough to touch.",
        "By eight the city had woken up.",
        "Night fell.",
    ]
    assert body["segments"][1]["image_prompt"] == "city street with a bus, morning light"
    assert all("\r" not in t and "\r" not in p for t, p in texts_and_prompts(body))


def test_text_import_keeps_blank_line_inside_a_text_as_a_paragraph_break(client: APIClient) -> None:
    raw = "Text: First paragraph\ncontinues here.\n\nSecond paragraph.\nPrompt: a picture\n"
    response = import_text(client, raw)
    assert response.status_code == 201, response.content
    assert texts_and_prompts(response.json()) == [("First paragraph continues here.\n\nSecond paragraph.", "a picture")]


def test_text_import_two_dashes_are_not_a_separator(client: APIClient) -> None:
    response = import_text(client, "Text: one\n--\ntwo\n---\nText: three")
    assert response.status_code == 201, response.content
    assert [t for t, _ in texts_and_prompts(response.json())] == ["one -- two", "three"]


def test_text_import_without_labels_makes_one_segment_per_paragraph(client: APIClient) -> None:
    raw = (
        "The lake was still.\nThe mountains were close.\n"
        "\n\n"
        "   The city woke up.   \n"
        " \t \n"
        "Night fell\non the   harbour.\n"
        "---\n"
        "The end.\n\n"
    )
    response = import_text(client, raw)
    assert response.status_code == 201, response.content
    assert texts_and_prompts(response.json()) == [
        ("The lake was still. The mountains were close.", ""),
        ("The city woke up.", ""),
        ("Night fell on the harbour.", ""),
        ("The end.", ""),
    ]


def test_text_import_block_with_only_a_prompt_is_refused_naming_the_block(client: APIClient) -> None:
    raw = "Text: one\nPrompt: p1\n---\nPrompt: only a picture\n---\nText: three\n"
    body = assert_error(import_text(client, raw), 400)
    assert "Block 2" in body["error"]
    assert "Text:" in body["error"]  # says what to add
    assert "line 4" in body["error"]
    assert body["details"] == [body["error"]]
    assert_nothing_created()


def test_text_import_numbers_blocks_by_position_even_after_a_block_with_two_problems(client: APIClient) -> None:
    # Block 1 has two problems (a repeated label, and no text); block 2 has one. Each is named by its own number.
    raw = "Prompt: a\nPrompt: b\n---\nPrompt: only a picture\n---\nText: fine\n"
    body = assert_error(import_text(client, raw), 400)
    details = body["details"]
    assert len(details) == 3, details
    assert details[0].startswith("Block 1") and details[1].startswith("Block 1")
    assert details[2].startswith("Block 2"), details
    assert_nothing_created()


def test_text_import_numbers_blocks_by_position_after_a_block_with_text_before_its_label(client: APIClient) -> None:
    raw = "stray words\nText: one\n---\nPrompt: only a picture\n"
    body = assert_error(import_text(client, raw), 400)
    details = body["details"]
    assert len(details) == 2, details
    assert details[0].startswith("Block 1") and "before any" in details[0]
    assert details[1].startswith("Block 2"), details
    assert_nothing_created()


def test_text_import_ignores_empty_blocks_between_separators(client: APIClient) -> None:
    response = import_text(client, "---\nText: one\n---\n\n---\n---\nText: two\n---\n")
    assert response.status_code == 201, response.content
    assert [t for t, _ in texts_and_prompts(response.json())] == ["one", "two"]


@pytest.mark.parametrize("raw_text", ["", "   \n\r\n\t"])
def test_text_import_refuses_empty_raw_text(client: APIClient, raw_text: str) -> None:
    assert_error(import_text(client, raw_text), 400, "raw_text")
    assert_nothing_created()


def test_text_import_requires_raw_text(client: APIClient) -> None:
    assert_error(post_import(client, {"format": "text", "title": "T"}), 400, "raw_text")
    assert_nothing_created()


def test_text_import_of_only_separators_has_no_segments(client: APIClient) -> None:
    body = assert_error(import_text(client, "---\n-----\n"), 400)
    assert "no segments" in body["error"]
    assert_nothing_created()


def test_text_import_refuses_paragraph_over_the_length_limit(client: APIClient) -> None:
    body = assert_error(import_text(client, "Short one.\n\n" + "word " * 1200), 400)
    assert "Paragraph 2" in body["error"] and "5000" in body["error"]
    assert_nothing_created()
