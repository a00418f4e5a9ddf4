"""Story import formats (DESIGN §4, ``POST /api/projects/import/``).

Both formats produce a list of :class:`ImportedSegment` in story order or raise :class:`StoryImportError` with one
message per problem, each naming the segment or block (1-based) and, for text, the line.

Text format::

    Text: Before sunrise the lake lay perfectly still,
    and the mountains looked close enough to touch.     <- continues "Text"
    Prompt: still mountain lake at dawn
    ---                                                  <- a line of three or more dashes ends a block
    text: By eight the city had woken up.
    PROMPT: city street with a bus

Labels are case-insensitive; a line without a label continues the previous label's value; surrounding spaces on the
separator and CRLF line ends are tolerated. A paste with no labels at all becomes one segment per paragraph
(paragraphs are separated by blank lines or separator lines).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

#: Most segments one import may create.
MAX_SEGMENTS = 500
#: Longest narration text of one segment, in characters.
MAX_TEXT_LENGTH = 5000
#: Longest image prompt of one segment, in characters.
MAX_PROMPT_LENGTH = 2000
#: Longest pasted story for the text format, in characters (500 full segments with prompts fit).
MAX_RAW_TEXT_LENGTH = 4_000_000

_SEPARATOR = re.compile(r"^\s*-{3,}\s*$")
_LABEL = re.compile(r"^\s*(text|prompt)\s*:\s?(.*)$", re.IGNORECASE)


@dataclass(frozen=True)
class ImportedSegment:
    """One segment of an imported story: narration text and image prompt (both stripped)."""

    text_content: str
    image_prompt: str = ""


class StoryImportError(ValueError):
    """An import that cannot be accepted; ``details`` lists every problem as a sentence naming its place."""

    def __init__(self, details: list[str]):
        super().__init__("; ".join(details))
        self.details = details


def _check_lengths(segments: list[ImportedSegment], label: str) -> list[str]:
    problems = []
    if not segments:
        problems.append("The story has no segments.")
    if len(segments) > MAX_SEGMENTS:
        problems.append(f"The story has {len(segments)} segments; at most {MAX_SEGMENTS} can be imported.")
    for number, seg in enumerate(segments, start=1):
        if len(seg.text_content) > MAX_TEXT_LENGTH:
            problems.append(
                f"{label} {number}: the text is {len(seg.text_content)} characters; the limit is {MAX_TEXT_LENGTH}."
            )
        if len(seg.image_prompt) > MAX_PROMPT_LENGTH:
            problems.append(
                f"{label} {number}: the image prompt is {len(seg.image_prompt)} characters; "
                f"the limit is {MAX_PROMPT_LENGTH}."
            )
        if "\x00" in seg.text_content or "\x00" in seg.image_prompt:
            # The same rule as the segment API (DRF's ProhibitNullCharactersValidator).
            problems.append(f"{label} {number}: null characters are not allowed.")
    return problems


def parse_text_story(raw_text: str) -> list[ImportedSegment]:
    """Parse the labelled/paragraph text format described in the module docstring.

    Raises:
        StoryImportError: a labelled block without narration text, or a story with no segments.
    """
    lines = raw_text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    if not any(_LABEL.match(line) for line in lines):
        return _parse_paragraphs(lines)

    segments: list[ImportedSegment] = []
    problems: list[str] = []
    block: list[tuple[int, str]] = []
    blocks_seen = 0  # non-empty blocks so far: a block's number is its position, however many problems came before

    def flush() -> None:
        nonlocal blocks_seen
        if any(text.strip() for _, text in block):
            blocks_seen += 1
            segment = _parse_block(block, blocks_seen, problems)
            if segment is not None:
                segments.append(segment)
        block.clear()

    for line_no, line in enumerate(lines, start=1):
        if _SEPARATOR.match(line):
            flush()
        else:
            block.append((line_no, line))
    flush()
    problems += _check_lengths(segments, "Block") if not problems else []
    if problems:
        raise StoryImportError(problems)
    return segments


def _parse_block(block: list[tuple[int, str]], number: int, problems: list[str]) -> ImportedSegment | None:
    """One labelled block (``(line number, line)`` pairs) as a segment, or ``None`` with the reasons appended to
    ``problems`` (a second label of one kind, text before any label, no narration text)."""
    values: dict[str, list[str]] = {"text": [], "prompt": []}
    current: str | None = None
    for line_no, line in block:
        match = _LABEL.match(line)
        if match:
            current = match.group(1).lower()
            if values[current]:
                problems.append(f"Block {number} (line {line_no}): a second '{match.group(1)}:' label in one block.")
            values[current].append(match.group(2))
        elif current is None:
            if line.strip():
                problems.append(f"Block {number} (line {line_no}): text before any 'Text:' or 'Prompt:' label.")
        else:
            values[current].append(line)
    text = _join(values["text"])
    if not text:
        problems.append(f"Block {number} (starting at line {block[0][0]}): no narration text (add a 'Text:' line).")
        return None
    return ImportedSegment(text, _join(values["prompt"]))


def _join(parts: list[str]) -> str:
    """Join continuation lines into one value: single spaces inside paragraphs, blank lines kept as breaks."""
    text = "\n".join(p.strip() for p in parts).strip()
    paragraphs = [" ".join(p.split()) for p in re.split(r"\n\s*\n", text)]
    return "\n\n".join(p for p in paragraphs if p)


def _parse_paragraphs(lines: list[str]) -> list[ImportedSegment]:
    segments: list[ImportedSegment] = []
    current: list[str] = []
    for line in [*lines, ""]:
        if not line.strip() or _SEPARATOR.match(line):
            if current:
                segments.append(ImportedSegment(" ".join(" ".join(current).split())))
                current = []
        else:
            current.append(line.strip())
    problems = _check_lengths(segments, "Paragraph")
    if problems:
        raise StoryImportError(problems)
    return segments


def parse_json_segments(items: object) -> list[ImportedSegment]:
    """Validate the ``segments`` array of the JSON format: objects with a non-empty ``text_content`` string and an
    optional ``image_prompt`` string. Array order is story order.

    Raises:
        StoryImportError: naming each bad segment (1-based) and the reason.
    """
    if not isinstance(items, list):
        raise StoryImportError(["segments: must be a list of objects with text_content."])
    segments: list[ImportedSegment] = []
    problems: list[str] = []
    for number, item in enumerate(items, start=1):
        if not isinstance(item, dict):
            problems.append(f"Segment {number}: must be an object with text_content.")
            continue
        text = item.get("text_content")
        prompt = item.get("image_prompt", "")
        if not isinstance(text, str) or not text.strip():
            problems.append(f"Segment {number}: text_content must be a non-empty string.")
            continue
        if prompt is None:
            prompt = ""
        if not isinstance(prompt, str):
            problems.append(f"Segment {number}: image_prompt must be a string.")
            continue
        segments.append(ImportedSegment(text.strip(), prompt.strip()))
    if not problems:
        problems = _check_lengths(segments, "Segment")
    if problems:
        raise StoryImportError(problems)
    return segments
