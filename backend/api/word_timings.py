"""Word timings of a segment's narration, stored with the segment and kept in step with its text and audio.

Where it runs, and why: timings are computed **synchronously, in the request or task that changes what they depend
on** — the narration task right after synthesis (free: espeak-ng reports its word events while speaking), and the
``PATCH /segments/{id}/`` request that uploads a recording or edits the text of a segment with an uploaded recording
(forced alignment: pocketsphinx aligns a 15 s recording in about 0.5 s, the decoder is built once per process).
So by the time a segment's JSON can be read, its timings describe its current text and audio; reads never compute
anything and stay fast. A background job was rejected: the embedded task queue has one worker shared with renders,
so timings could lag behind an upload for minutes, and the JSON would have to say "pending".

Never stale: every stored set carries the key it was computed from (``"<text_hash>:<sha256 of the audio>"``).
:func:`current_word_timings` (the serializer) shows them only when the key's text part matches the spoken text,
and :func:`ensure_word_timings` (for renders and captions) checks the whole key, audio hash included, and recomputes
when it differs — e.g. for audio written by a path that does not call :func:`refresh_word_timings`.

The spoken text is the segment's text for an uploaded recording; for generated narration it is the text it was
generated from (its timings stay those of what the audio says even after the text is edited, until the narration is
regenerated — ``audio_matches_text`` is then ``false``).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from core_engine.alignment import (
    METHOD_ESPEAK,
    WordTiming,
    align_recording,
    file_sha256,
    timings_to_json,
)
from core_engine.audio_utils import AudioError

from api.models import GlobalSettings, Segment, text_hash

logger = logging.getLogger(__name__)

_FIELDS = ["word_timings", "word_timings_key", "word_timings_method"]


def _spoken_text_hash(segment: Segment) -> str:
    return segment.audio_text_hash or text_hash(segment.text_content)


def current_word_timings(segment: Segment) -> list[dict[str, Any]] | None:
    """The stored ``[{"word", "start", "end"}]`` (seconds from the segment's start) when they belong to the segment's
    current spoken text; ``None`` when there is no audio or the stored timings are for another text."""
    if not segment.audio_file or segment.word_timings is None:
        return None
    if not segment.word_timings_key.startswith(_spoken_text_hash(segment) + ":"):
        return None
    return list(segment.word_timings)


def _alignment_language() -> str | None:
    """Language of uploaded recordings: that of the default narration voice (``"fr-fr+f3"`` → ``"fr-fr"``);
    ``None`` (English) when none is set."""
    voice = GlobalSettings.load().default_voice_id
    return voice.split("+", 1)[0] if voice else None


def _save(segment: Segment, timings: list[dict[str, Any]] | None, key: str, method: str) -> None:
    segment.word_timings, segment.word_timings_key, segment.word_timings_method = timings, key, method
    Segment.objects.filter(pk=segment.pk).update(word_timings=timings, word_timings_key=key, word_timings_method=method)


def store_word_timings(segment: Segment, timings: list[WordTiming], method: str = METHOD_ESPEAK) -> None:
    """Store timings computed elsewhere (espeak-ng's, at synthesis) for the segment's current audio and spoken text.

    Raises:
        OSError: the audio file cannot be read (to hash it).
    """
    path = Path(segment.audio_file.path)
    text_part = _spoken_text_hash(segment)
    key = f"{text_part}:{file_sha256(path)}"
    _save(segment, timings_to_json(timings), key, method)


def refresh_word_timings(segment: Segment, force: bool = False) -> list[dict[str, Any]] | None:
    """Recompute the segment's word timings if its text or audio changed since they were computed (or ``force``),
    store them, and return them (``None`` without audio, ``[]`` without words).

    Uploaded recordings are aligned (:func:`core_engine.alignment.align_recording`: pocketsphinx for English, else
    the syllable spread). Generated narration whose timings are missing is aligned the same way when its audio
    still matches the text; otherwise it gets none until regenerated. Never raises for bad audio: an unreadable
    file stores ``None`` (and logs why).
    """
    if not segment.audio_file:
        if segment.word_timings is not None or segment.word_timings_key:
            _save(segment, None, "", "")
        return None
    path = Path(segment.audio_file.path)
    try:
        audio_part = file_sha256(path)
    except OSError as exc:
        logger.warning("word timings of segment %s: audio unreadable (%s)", segment.pk, exc)
        return None
    key = f"{_spoken_text_hash(segment)}:{audio_part}"
    if key == segment.word_timings_key and not force:
        return segment.word_timings
    if segment.audio_text_hash and segment.audio_matches_text is False:
        _save(segment, None, "", "")  # generated from a text we no longer have: nothing true to say
        return None
    try:
        timings, method = align_recording(segment.text_content, path, _alignment_language())
    except AudioError as exc:
        logger.warning("word timings of segment %s: %s", segment.pk, exc)
        _save(segment, None, key, "")
        return None
    except Exception:  # timings are an extra: an engine bug must never fail the upload or edit that triggered them
        logger.exception("word timings of segment %s could not be computed", segment.pk)
        _save(segment, None, "", "")
        return None
    data = timings_to_json(timings)
    _save(segment, data, key, method)
    return data


def ensure_word_timings(segment: Segment) -> list[dict[str, Any]] | None:
    """Up-to-date timings for a render or captions: :func:`refresh_word_timings` (checks text and audio hashes,
    recomputes only when stale). Same return values."""
    return refresh_word_timings(segment)
