"""Cue building and caption layout (core_engine.captions): broadcast limits, phrase-boundary breaks, minimum time on
screen, word timings, frame snapping, ASS / SRT / WebVTT output."""

from __future__ import annotations

import itertools
import random
import re

import pytest

from core_engine.alignment import split_words
from core_engine.captions import (
    MAX_LINE_UNITS,
    MIN_CUE_SECONDS,
    TITLE_SAFE_MARGIN,
    CaptionLayout,
    CaptionOptions,
    CaptionStyle,
    TimedText,
    ass_document,
    ass_header,
    build_cues,
    language_code,
    segment_events,
    srt_document,
    text_units,
    vtt_document,
)

STORY = (
    "Once upon a time, in a small village by the sea, there lived an old fisherman and his wife. They had a little "
    "house and a boat, but they were poor. Yes. Every morning he went out to fish, and every evening he came home "
    "with whatever the sea had given him, which was often very little indeed."
)
ARTICLES = {"a", "an", "the", "of", "to", "in", "by", "with"}


def timings_for(text: str, seconds_per_word: float = 0.3, start: float = 0.0) -> list[dict]:
    words = split_words(text)
    return [
        {"word": w.text, "start": start + i * seconds_per_word, "end": start + (i + 0.8) * seconds_per_word}
        for i, w in enumerate(words)
    ]


def squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


@pytest.mark.parametrize("max_units", [42, 30, 22])
def test_cues_keep_broadcast_limits_and_all_the_text(max_units: int) -> None:
    duration = 20.0
    cues = build_cues(STORY, duration, timings_for(STORY, 0.3), max_units)
    assert cues
    assert " ".join(" ".join(c.lines) for c in cues) == squash(STORY)  # nothing lost, nothing repeated
    for c in cues:
        assert 1 <= len(c.lines) <= 2
        assert all(text_units(line) <= max_units for line in c.lines), c.lines
    for a, b in itertools.pairwise(cues):
        assert a.end <= b.start + 1e-9 and a.start < a.end
    assert cues[0].start == 0.0 and cues[-1].end <= duration


def test_lines_break_at_phrase_boundaries() -> None:
    cues = build_cues(STORY, 20.0, timings_for(STORY, 0.3))
    lines = [line for c in cues for line in c.lines]
    # no line ends on an article or preposition (the phrase would be torn apart)
    assert not [ln for ln in lines if ln.split()[-1].lower() in ARTICLES], lines
    # most lines end at punctuation or before a conjunction
    good = sum(1 for ln in lines if re.search(r"[,.;:!?]$", ln)) / len(lines)
    assert good >= 0.5, lines


def test_sentence_ends_end_cues_and_short_sentences_are_merged() -> None:
    cues = build_cues(STORY, 20.0, timings_for(STORY, 0.3))
    texts = [" ".join(c.lines) for c in cues]
    assert any(t.endswith("fisherman and his wife.") for t in texts), texts
    # "Yes." alone would be 0.3 s on screen: it shares a cue with a neighbour
    assert "Yes." not in texts
    assert all(c.end - c.start >= MIN_CUE_SECONDS - 1e-9 for c in cues), [(c.start, c.end) for c in cues]


def test_cue_starts_follow_word_timings() -> None:
    text = "The first phrase is here. After a long pause, the second phrase."
    timings = timings_for("The first phrase is here.", 0.35, 0.2) + timings_for(
        "After a long pause, the second phrase.", 0.35, 5.0
    )
    cues = build_cues(text, 8.0, timings)
    assert len(cues) == 2
    assert cues[0].start == 0.0  # speech starts within half a second: the caption comes with the picture
    assert cues[1].start == pytest.approx(5.0)
    # the first cue leaves after its last word (plus a short hold), not at the next cue 3 s later
    assert cues[0].end < 3.0
    assert cues[1].end == 8.0  # the last cue stays to the end of the segment (its speech ends within 1 s)


@pytest.mark.parametrize("seed", range(40))
def test_cues_never_overlap_whatever_the_pauses(seed: int) -> None:
    # Pauses drawn around the gap-closing and hold thresholds (0.5 s, 0.6 s), where two cues once overlapped: libass
    # then moved the later one out of the way, so a whole cue (and its highlighted words) sat a line too low.
    rng = random.Random(seed)
    timings, t = [], 0.0
    for w in split_words(STORY):
        length = rng.uniform(0.12, 0.5)
        timings.append({"word": w.text, "start": t, "end": t + length})
        pause = rng.choice([0.0, 0.05, 0.3, 0.45, 0.52, 0.55, 0.58, 0.65, 1.2])
        t += length + (pause if w.text[-1] in ",." or rng.random() < 0.3 else 0.02)
    cues = build_cues(STORY, t + rng.choice([0.0, 0.4, 2.0]), timings)
    for a, b in itertools.pairwise(cues):
        assert a.end <= b.start + 1e-9, (a.end, b.start)
    events = segment_events(cues, CaptionOptions(mode="word"), 30, round(t * 30) + 60)
    for layer in (0, 1):
        spans = sorted((a, b) for a, b, lay, _ in events if lay == layer)
        assert all(p[1] <= q[0] for p, q in itertools.pairwise(spans)), f"layer {layer} events overlap"


def test_a_word_wider_than_a_line_is_cut_into_pieces_that_fit() -> None:
    url = "https://www.example.org/stories/the-lighthouse-keeper-and-the-long-night-at-sea"
    text = f"Read more at {url} before you go. Ünterwäschefabrikationsgesellschaftsvorsitzender!"
    cues = build_cues(text, 8.0, timings_for(text, 0.5), max_units=22)
    lines = [line for c in cues for line in c.lines]
    assert all(text_units(line) <= 22 for line in lines), lines
    # the pieces are the word as written, in order, and each ends after a "/", "-" or "." where it can
    pieces = [w.text for c in cues for w in c.words]
    end = pieces.index("before")
    assert end > 4 and "".join(pieces[3:end]) == url and all(p[-1] in "/-." for p in pieces[3 : end - 1]), pieces
    assert "".join(pieces[end + 3 :]) == "Ünterwäschefabrikationsgesellschaftsvorsitzender!"
    # the word's time is shared by its pieces, one after another
    url_words = [w for c in cues for w in c.words][3:end]
    assert url_words[0].start == pytest.approx(1.5) and url_words[-1].end == pytest.approx(1.5 + 0.8 * 0.5)
    assert all(a.end == pytest.approx(b.start) for a, b in itertools.pairwise(url_words))


def test_without_timings_words_are_spread_by_characters() -> None:
    text = "Short. " + "A much longer second sentence with many more characters in it."
    cues = build_cues(text, 10.0)
    assert len(cues) == 2
    share = cues[1].start / 10.0
    assert share == pytest.approx(len("Short. ") / len(text), abs=0.06)


def test_mismatched_timings_are_ignored() -> None:
    text = "One two three four."
    cues = build_cues(text, 4.0, [{"word": "One", "start": 3.5, "end": 3.9}])
    assert cues[0].start == 0.0 and cues[-1].end == 4.0


def test_short_segment_gets_one_cue_over_its_whole_length() -> None:
    cues = build_cues("Hi there.", 0.5)
    assert [(c.start, c.end, c.lines) for c in cues] == [(0.0, 0.5, ("Hi there.",))]
    assert build_cues("   ", 3.0) == [] and build_cues("Text", 0.0) == []


def test_cjk_counts_wide_characters_double() -> None:
    text = "从前有一个小村庄，村里住着一位老渔夫和他的妻子。他们很穷，但是很快乐。每天早上他都出海打鱼。"
    cues = build_cues(text, 10.0)
    for c in cues:
        assert all(len(line) <= MAX_LINE_UNITS // 2 for line in c.lines), c.lines
    assert "".join("".join(c.lines) for c in cues) == text
    assert text_units("你好") == 4 and text_units("ab") == 2 and text_units("नमस्ते") == 4


@pytest.mark.parametrize(("w", "h"), [(1920, 1080), (1080, 1920), (1080, 1080), (320, 180)])
def test_layout_stays_in_title_safe_area(w: int, h: int) -> None:
    for background in ("none", "box", "outline"):
        lay = CaptionLayout.for_output(w, h, CaptionStyle(background=background))
        assert lay.margin_h >= w * TITLE_SAFE_MARGIN + lay.border - 1
        assert lay.margin_v >= h * TITLE_SAFE_MARGIN + lay.border - 1
        assert 12 <= lay.max_units <= MAX_LINE_UNITS
        assert lay.max_units * 0.42 * lay.font_size <= w - 2 * lay.margin_h + 1
    assert CaptionLayout.for_output(1920, 1080, CaptionStyle()).max_units == 42
    assert CaptionLayout.for_output(1080, 1920, CaptionStyle()).max_units < 30  # narrow output: shorter lines
    big = CaptionLayout.for_output(1920, 2160, CaptionStyle()).font_size
    assert big == 2 * CaptionLayout.for_output(1920, 1080, CaptionStyle()).font_size  # scales with the height


def test_word_mode_highlights_each_word_once_in_frame_order() -> None:
    text = "Hello brave new world."
    cues = build_cues(text, 2.0, timings_for(text, 0.45))
    events = segment_events(cues, CaptionOptions(mode="word"), fps=12, frames=24)
    assert events[0] == (0, 24, 0, "Hello brave new world.")  # the whole cue underneath
    words = [e for e in events if e[2] == 1]
    assert len(words) == 4 and len(events) == 5
    assert words[0][0] == 0 and words[-1][1] == 24
    assert all(a[1] == b[0] for a, b in itertools.pairwise(words))  # no gap, no overlap
    for (_, _, _, ass), word in zip(words, ["Hello", "brave", "new", "world."], strict=True):
        assert ass.count("\\1a&H00&") == 1 and ("\\1a&H00&}" + word + "{\\1a&HFF&}") in ass
        assert re.sub(r"{[^}]*}", "", ass) == text  # same text, same layout as the cue underneath
    sentence = segment_events(cues, CaptionOptions(mode="sentence"), fps=12, frames=24)
    assert sentence == [(0, 24, 0, "Hello brave new world.")]


def test_events_are_clipped_to_the_segment_frames() -> None:
    cues = build_cues("A line of text.", 2.0)
    assert segment_events(cues, CaptionOptions(), fps=12, frames=20) == [(0, 20, 0, "A line of text.")]


def test_ass_text_cannot_inject_overrides() -> None:
    cues = build_cues(r"Braces {\b1} and back\Nslash.", 2.0)
    ((_, _, _, text),) = segment_events(cues, CaptionOptions(), 10, 20)
    assert "{\\b1}" not in text and "\\{" in text and "\\N" not in text.replace("\\\u2060N", "")


def test_ass_document_moves_events_to_stream_time_half_a_frame_early() -> None:
    header = ass_header(CaptionOptions(), 320, 180)
    assert "PlayResX: 320" in header and "Style: Default,Noto Sans," in header
    doc = ass_document(header, [(0, [(0, 12, 0, "a")]), (30, [(0, 6, 0, "b"), (2, 4, 1, "c")])], fps=12)
    assert "Dialogue: 0,0:00:00.00,0:00:00.96,Default,,0,0,0,,a" in doc
    assert "Dialogue: 0,0:00:02.46,0:00:02.96,Default,,0,0,0,,b" in doc
    assert "Dialogue: 1,0:00:02.62,0:00:02.79,Word,,0,0,0,,c" in doc


def test_ass_style_follows_options() -> None:
    style = CaptionStyle(font="DejaVu Sans", color="#FF8000", size=100, position="middle", background="box")
    header = ass_header(CaptionOptions(style=style), 1920, 1080)
    line = next(ln for ln in header.splitlines() if ln.startswith("Style:")).split(",")
    assert line[1] == "DejaVu Sans" and line[2] == "100" and line[3] == "&H000080FF"
    assert line[15] == "3" and line[18] == "5"  # opaque box, middle centre


def test_srt_and_vtt() -> None:
    cues = [TimedText(0.0, 1.5, "One\ntwo"), TimedText(61.25, 3725.001, "a < b & c --> d")]
    assert srt_document(cues) == (
        "1\n00:00:00,000 --> 00:00:01,500\nOne\ntwo\n\n2\n00:01:01,250 --> 01:02:05,001\na < b & c --> d\n"
    )
    vtt = vtt_document(cues)
    assert vtt.startswith("WEBVTT\n\n00:00:00.000 --> 00:00:01.500\nOne\ntwo\n")
    assert "a &lt; b &amp; c --&gt; d" in vtt


def test_language_code() -> None:
    assert language_code("en-us") == "eng" and language_code("fr-fr+f3") == "fra"
    assert language_code("cmn") == "cmn" and language_code("") == "und" and language_code("x-weird") == "und"
