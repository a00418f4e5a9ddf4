"""Word timings of a segment's narration, stored with the segment and kept in step with its text and audio.

Where it runs, and why: timings are computed **when what they depend on changes**, never on read — the narration
task right after synthesis (free: espeak-ng reports its word events while speaking), and the ``PATCH
/segments/{id}/`` request that uploads a recording or edits the text of a segment with an uploaded recording
(:func:`schedule_word_timings`). Forced alignment costs about 0.5 s for a 15 s recording and 1.5 s for 60 s (the
decoder is built once per process), so recordings up to :data:`SYNC_ALIGN_MAX_SECONDS` are aligned inside the
request: its response and every later read already carry the new timings. A 10-minute recording takes about 23 s
of CPU, so longer recordings are aligned on a dedicated background thread (one at a time, in
submission order, so the last edit wins) and the segment shows ``word_timings: null`` until they are ready — absent,
never stale. The embedded task queue was not used: it has one worker shared with renders, so timings could wait
behind a long render. Reads never compute anything and stay fast. Recordings longer than
``core_engine.alignment.ALIGN_UTTERANCE_MAX_SECONDS`` are aligned in windows (``core_engine.alignment.windows``), so
the aligner's memory stays that of one window.

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
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

from core_engine.alignment import align_recording, file_sha256, timings_to_json
from core_engine.audio_utils import AudioError
from django.db import close_old_connections

from api.models import GlobalSettings, Segment, text_hash

logger = logging.getLogger(__name__)

#: Longest recording (s) aligned inside the request that changed it; longer ones go to the background thread.
SYNC_ALIGN_MAX_SECONDS = 60.0

_background = ThreadPoolExecutor(max_workers=1, thread_name_prefix="word-timings")


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


def _current_key(segment: Segment) -> str | None:
    """``"<spoken text hash>:<sha256 of the audio file>"``, or ``None`` when the audio cannot be read."""
    try:
        return f"{_spoken_text_hash(segment)}:{file_sha256(segment.audio_file.path)}"
    except (OSError, ValueError) as exc:
        logger.warning("word timings of segment %s: audio unreadable (%s)", segment.pk, exc)
        return None


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
    key = _current_key(segment)
    if key is None:
        return None
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


def _refresh_in_background(segment_id: str) -> None:
    close_old_connections()
    try:
        segment = Segment.objects.filter(pk=segment_id).first()
        if segment is not None:
            refresh_word_timings(segment)
    except Exception:  # a background failure leaves null timings, never a dead thread
        logger.exception("background word timings of segment %s failed", segment_id)
    finally:
        close_old_connections()


def schedule_word_timings(segment: Segment) -> Future[None] | None:
    """After an upload or a text edit: refresh the timings now when the recording is at most
    :data:`SYNC_ALIGN_MAX_SECONDS` long (returns ``None``), else clear them and queue the refresh on the background
    thread (returns its future)."""
    if not segment.audio_file or (segment.audio_duration or 0.0) <= SYNC_ALIGN_MAX_SECONDS:
        refresh_word_timings(segment)
        return None
    if _current_key(segment) == segment.word_timings_key:
        return None  # still up to date (e.g. generated narration whose text was edited)
    _save(segment, None, "", "")
    return _background.submit(_refresh_in_background, str(segment.pk))
