"""End-to-end renders of :func:`core_engine.render.pipeline.render_plan` (small: 320×180 at 12 fps), checked by
decoding the result with ffmpeg; the progress records it reports; cancellation."""

from __future__ import annotations

import itertools
import threading
import time
from pathlib import Path

import numpy as np
import psutil
import pytest
from PIL import Image

from core_engine.audio_utils import decode_audio
from core_engine.render import progress as progress_module
from core_engine.render import segments as segments_module
from core_engine.render.pipeline import render_plan
from core_engine.render.plan import EncoderSettings, PlanSegment, RenderError, RenderPlan, RenderSettings, plan_timeline
from core_engine.render.progress import ProgressRecord, RenderCancelled, Stage
from core_engine.tests.render.helpers import (
    FPS,
    PALETTE,
    SETTINGS,
    H,
    W,
    change_frames,
    decode_frames,
    expected_boundaries,
    ffmpeg_info,
    frame_timestamps,
    make_image,
    make_tone,
    solid_plan,
)


def test_end_to_end_render_has_the_right_format_and_length(tmp_path: Path) -> None:
    plan = solid_plan(tmp_path, [0.9, 1.25, 0.6])
    out = tmp_path / "out" / "final.mp4"
    calls: list[ProgressRecord] = []
    result = render_plan(plan, out, calls.append)

    assert result.output_path == out and out.is_file()
    _, n_expected = expected_boundaries(plan)
    assert result.frame_count == n_expected == 33
    assert result.duration == pytest.approx(n_expected / FPS)
    assert abs(result.duration - sum(s.duration for s in plan.segments)) <= 1 / FPS
    assert (result.rendered_segments, result.reused_segments) == (3, 0)

    info = ffmpeg_info(out)
    video = next(line for line in info.splitlines() if "Video:" in line)
    audio = next(line for line in info.splitlines() if "Audio:" in line)
    assert "h264 (High)" in video and "yuv420p(tv, bt709, progressive)" in video
    assert f"{W}x{H}" in video and f"{FPS} fps" in video
    assert "aac" in audio and "48000 Hz" in audio
    # faststart: the index (moov) comes before the media data (mdat)
    head = out.read_bytes()
    assert head.find(b"moov") < head.find(b"mdat")

    frames = decode_frames(out)
    assert frames.shape == (n_expected, H, W, 3)
    pts = frame_timestamps(out)
    assert len(pts) == n_expected
    steps = np.diff(pts)
    assert np.all(steps > 0) and len(set(steps.tolist())) == 1  # strictly increasing, evenly spaced

    narration = decode_audio(out, 48000, 1)
    assert abs(narration.shape[0] / 48000 - sum(s.duration for s in plan.segments)) < 1 / FPS

    # Only the video is left in the output folder (no temporary files, no work folder).
    assert sorted(p.name for p in out.parent.iterdir()) == ["final.mp4"]

    # Progress records: monotone; between int(current/total*100) and (current+1)/total*100.
    assert all(isinstance(c, ProgressRecord) and c.total_segments == 3 for c in calls)
    currents = [c.current_segment for c in calls]
    pcts = [c.percentage for c in calls]
    assert currents == sorted(currents) and currents[-1] == 3
    assert pcts == sorted(pcts) and pcts[-1] == 100
    for c in calls:
        assert isinstance(c.percentage, int)
        assert int(c.current_segment / c.total_segments * 100) <= c.percentage
        assert c.percentage <= (c.current_segment + 1) / c.total_segments * 100 + 1e-9
    phases = [c.current_phase for c in calls]
    assert any(p.startswith("Preparing narration track") for p in phases)
    assert any(p.startswith("Applying Ken Burns effect to segment 1 of 3") for p in phases)
    assert any(p.startswith("Joining segments") for p in phases)


def test_progress_is_reported_at_least_twice_a_second(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A status poll every few seconds must always see a change: while frames are encoded, reports come at least
    every ~0.5 s (the engine's promise is every PROGRESS_INTERVAL, here 0.05 s; the margin absorbs a loaded
    machine), and the encoding ones say how far the encoder (not just the frame maker) has got."""
    monkeypatch.setattr(progress_module, "PROGRESS_INTERVAL", 0.05)
    monkeypatch.setattr(segments_module, "ENCODER_STATS_PERIOD", 0.05)
    plan = solid_plan(tmp_path, [2.0, 2.0, 2.0], settings_size=(640, 360))
    calls: list[tuple[float, ProgressRecord]] = []
    render_plan(plan, tmp_path / "o.mp4", lambda record: calls.append((time.monotonic(), record)))
    encoding_at = [i for i, c in enumerate(calls) if c[1].stage.startswith("SCENE_BUILD")]
    times = [c[0] for c in calls[encoding_at[0] : encoding_at[-1] + 1]]
    assert max(np.diff(times)) < 0.5, np.diff(times)
    encoding = [c[1] for c in calls if c[1].current_phase.startswith("Encoding segment")]
    assert len(encoding) >= 3
    fractions = [c[1].percentage for c in calls]
    assert fractions == sorted(fractions) and fractions[-1] == 100


def test_progress_records_follow_the_stages_in_order_with_an_eta(tmp_path: Path) -> None:
    """VALIDATE → AUDIO_PREP → SCENE_BUILD[1..n] → CONCAT → FINALIZE, never going back; the percentage is an int
    that never decreases and equals int(current/total*100) at every segment boundary; an ETA once work has
    moved, 0 at the end."""
    plan = solid_plan(tmp_path, [0.8, 0.6, 0.9, 0.5])
    calls: list[ProgressRecord] = []
    render_plan(plan, tmp_path / "o.mp4", calls.append)

    order = ["VALIDATE", "AUDIO_PREP", "SCENE_BUILD[1]", "SCENE_BUILD[2]", "SCENE_BUILD[3]", "SCENE_BUILD[4]"]
    order += ["CONCAT", "FINALIZE"]
    stages = [c.stage for c in calls]
    seen = list(dict.fromkeys(stages))  # distinct, in order of first appearance
    assert seen == order, seen
    assert [order.index(s) for s in stages] == sorted(order.index(s) for s in stages)  # never back
    assert stages[0] == Stage.VALIDATE and stages[-1] == Stage.FINALIZE
    assert Stage.scene_build(3) == "SCENE_BUILD[3]"

    pcts = [c.percentage for c in calls]
    assert all(isinstance(p, int) and 0 <= p <= 100 for p in pcts)
    assert pcts == sorted(pcts) and pcts[0] == 0 and pcts[-1] == 100
    boundaries = [c for c in calls if c.current_phase.startswith("Encoded segment")]
    assert [c.current_segment for c in boundaries] == [1, 2, 3]
    for record in boundaries:  # exactly the boundary value
        assert record.percentage == int(record.current_segment / 4 * 100), record
    for previous, record in itertools.pairwise(calls):
        assert record.current_segment >= previous.current_segment
    assert calls[0].eta_seconds is None  # nothing has moved yet
    moving = [c for c in calls if 0 < c.percentage < 100]
    assert moving and all(c.eta_seconds is not None and c.eta_seconds >= 0 for c in moving)
    assert calls[-1].eta_seconds == 0.0
    assert calls[-1].to_dict().keys() == {
        "current_segment", "total_segments", "percentage", "current_phase", "stage", "eta_seconds",
    }  # fmt: skip


def _ffmpeg_children() -> list[psutil.Process]:
    return [p for p in psutil.Process().children(recursive=True) if "ffmpeg" in p.name()]


def _producer_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "ken-burns-frames"]


@pytest.mark.parametrize("cancel_at", ["AUDIO_PREP", "SCENE_BUILD[2]", "CONCAT", "FINALIZE"])
def test_a_cancel_from_the_callback_cleans_up_and_keeps_the_previous_video(tmp_path: Path, cancel_at: str) -> None:
    """The callback raises RenderCancelled at a stage: ffmpeg and the producer thread are gone, no temporary file
    is left, the previous video and the valid cache entries stay, and a later render reuses them."""
    (tmp_path / "old").mkdir()
    out, cache = tmp_path / "out" / "final.mp4", tmp_path / "cache"
    render_plan(solid_plan(tmp_path / "old", [0.5], colours=[PALETTE[3]]), out, cache_dir=cache)
    before = out.read_bytes()
    entries_before = {p.name for p in cache.iterdir() if p.name != "manifest.json"}
    plan = solid_plan(tmp_path, [1.5, 1.5, 1.5], settings_size=(640, 360))

    def on_progress(record: ProgressRecord) -> None:
        if record.stage == cancel_at:
            raise RenderCancelled("stop")

    with pytest.raises(RenderCancelled):
        render_plan(plan, out, on_progress, cache_dir=cache)
    assert not _ffmpeg_children() and not _producer_threads()
    assert out.read_bytes() == before
    assert sorted(p.name for p in out.parent.iterdir()) == ["final.mp4"]
    assert not [p for p in cache.iterdir() if p.name.startswith(".")]  # no partial entries, streams or lists
    assert entries_before <= {p.name for p in cache.iterdir()}  # nothing valid was removed
    # The cache stays valid: rendering again works and reuses whatever was finished before the cancel.
    result = render_plan(plan, out, cache_dir=cache)
    assert result.rendered_segments + result.reused_segments == 3
    if cancel_at in ("CONCAT", "FINALIZE"):
        assert result.rendered_segments == 0
    assert decode_frames(out, (640, 360)).shape[0] == result.frame_count


def test_a_cancel_asked_while_frames_flow_lands_at_the_next_report(tmp_path: Path) -> None:
    """A job runner sets a flag from another thread; the callback raises at its next report, which comes at most
    PROGRESS_INTERVAL (0.25 s) later while frames flow, and ffmpeg is killed rather than left to finish."""
    plan = solid_plan(tmp_path, [6.0, 6.0], settings_size=(640, 360))
    cancel = threading.Event()
    asked: list[float] = []
    seen_after: list[ProgressRecord] = []

    def on_progress(record: ProgressRecord) -> None:
        if cancel.is_set():
            seen_after.append(record)
            raise RenderCancelled("user cancelled")
        if record.current_phase.startswith("Encoding segment 1") and not asked:
            asked.append(time.monotonic())
            cancel.set()

    out = tmp_path / "o.mp4"
    with pytest.raises(RenderCancelled):
        render_plan(plan, out, on_progress)
    ended = time.monotonic()
    assert asked, "never reached the encoding stage"
    # Seen at the very next report, before the second segment was encoded. (The encoder may have crossed the
    # boundary into segment 2 within that report interval on a fast run, so the stage may be either.)
    assert len(seen_after) == 1, seen_after
    assert seen_after[0].stage in ("SCENE_BUILD[1]", "SCENE_BUILD[2]") and seen_after[0].current_segment <= 1
    assert ended - asked[0] < 2.0  # report interval + cleanup, with room for a loaded machine
    assert not _ffmpeg_children() and not _producer_threads()
    assert not out.exists() and not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


def test_picture_changes_within_one_frame_of_every_narration_boundary(tmp_path: Path) -> None:
    """25 segments of uneven length (0.37–1.9 s): cumulative rounding keeps every cut on its boundary, and the
    narration of each segment starts where its picture does."""
    rng = np.random.default_rng(2024)
    durations = [float(d) for d in rng.uniform(0.37, 1.9, 25)]
    segs = []
    for i, d in enumerate(durations):
        img = make_image(tmp_path / f"img{i}.png", PALETTE[i % len(PALETTE)])
        # Narration alternates tone / silence, so the audio boundaries can be found in the decoded track too.
        dur = make_tone(tmp_path / f"n{i}.wav", d, amp=0.5 if i % 2 == 0 else 0.0)
        segs.append(PlanSegment(f"uneven-{i}", img, tmp_path / f"n{i}.wav", dur))
    plan = RenderPlan(tuple(segs), SETTINGS)
    out = tmp_path / "final.mp4"
    result = render_plan(plan, out)

    boundaries, n_expected = expected_boundaries(plan)
    frames = decode_frames(out)
    assert frames.shape[0] == result.frame_count == n_expected
    cuts = change_frames(frames)
    assert len(cuts) == len(boundaries) == 24
    for cut, t in zip(cuts, boundaries, strict=True):
        assert abs(cut - t * FPS) <= 1.0, (cut, t * FPS)  # the new picture shows within one frame of T_i
        assert cut == int(np.floor(t * FPS + 0.5))  # exactly the cumulative rounding rule
    assert frame_timestamps(out) == sorted(set(frame_timestamps(out)))

    # Audio: one track, total length = sum of durations, and every tone/silence edge on its boundary.
    audio = decode_audio(out, 48000, 1)
    total = sum(durations)
    assert abs(audio.shape[0] / 48000 - total) < 0.01
    envelope = np.convolve(np.abs(audio), np.ones(96) / 96, mode="same")
    # Half of the tones' mean absolute value (the track is loudness-normalised, so measured rather than 0.5 · 2/π).
    loud = envelope > 0.5 * np.percentile(envelope, 99)
    edges = np.flatnonzero(np.diff(loud.astype(np.int8))) + 1
    edges = edges[(edges > 2400) & (edges < audio.shape[0] - 2400)]  # not the fade of the filter at both ends
    assert len(edges) == 24
    for edge, t in zip(edges, boundaries, strict=True):
        assert abs(edge / 48000 - t) < 0.003, (edge / 48000, t)


@pytest.mark.parametrize("rgb", [(255, 0, 0), (0, 255, 0), (0, 0, 255), (128, 128, 128), (255, 255, 255), (16, 16, 16)])
def test_pure_colours_come_back_within_four_levels(tmp_path: Path, rgb: tuple[int, int, int]) -> None:
    """BT.709 both ways: the engine's RGB→Y'CbCr and the player's decode (driven by the stream's tags) agree."""
    img = make_image(tmp_path / "c.png", rgb)
    dur = make_tone(tmp_path / "c.wav", 0.5)
    out = tmp_path / "c.mp4"
    render_plan(RenderPlan((PlanSegment("colour", img, tmp_path / "c.wav", dur),), SETTINGS), out)
    frames = decode_frames(out)
    centre = frames[:, 40:140, 60:260].reshape(-1, 3).astype(int)
    assert np.abs(centre - np.array(rgb)).max() <= 4, centre.mean(axis=0)


def _exif_rotated_jpeg(path: Path) -> Path:
    """Stored 300×200 with the left half red and the right half blue, EXIF orientation 6 (rotate 90° clockwise
    to display): shown upright it is 200×300 with red on top and blue below."""
    img = Image.new("RGB", (300, 200), (255, 0, 0))
    img.paste((0, 0, 255), (150, 0, 300, 200))
    exif = Image.Exif()
    exif[0x0112] = 6
    img.save(path, exif=exif, quality=95)
    return path


def test_exif_rotation_and_every_image_mode_render(tmp_path: Path) -> None:
    images: list[tuple[Path, tuple[int, int, int] | None]] = []
    images.append((_exif_rotated_jpeg(tmp_path / "rotated.jpg"), None))
    Image.new("CMYK", (400, 300), (0, 255, 255, 0)).save(tmp_path / "cmyk.jpg", quality=95)
    images.append((tmp_path / "cmyk.jpg", (255, 0, 0)))
    Image.new("RGBA", (400, 300), (0, 255, 0, 128)).save(tmp_path / "rgba.png")
    images.append((tmp_path / "rgba.png", (0, 128, 0)))  # composited over black
    Image.new("L", (400, 300), 200).save(tmp_path / "grey.png")
    images.append((tmp_path / "grey.png", (200, 200, 200)))
    Image.new("RGB", (400, 300), (255, 128, 0)).convert("P", palette=Image.Palette.ADAPTIVE).save(tmp_path / "p.png")
    images.append((tmp_path / "p.png", (255, 128, 0)))
    Image.new("I;16", (400, 300), 40000).save(tmp_path / "deep.png")
    images.append((tmp_path / "deep.png", (156, 156, 156)))  # 16-bit grey scaled to 8 bits

    segs = []
    for i, (img, _) in enumerate(images):
        dur = make_tone(tmp_path / f"m{i}.wav", 1.25)  # 15 frames: frame 7 is the middle of the camera path
        segs.append(PlanSegment(f"mode-{i}", img, tmp_path / f"m{i}.wav", dur))
    plan = RenderPlan(tuple(segs), SETTINGS)
    out = tmp_path / "modes.mp4"
    render_plan(plan, out)
    frames = decode_frames(out).astype(int)
    spans = plan_timeline(plan)
    assert frames.shape[0] == spans[-1].end_frame

    # EXIF: upright portrait → travels vertically; mid-way the red/blue edge runs horizontally across the frame.
    mid = frames[spans[0].start_frame + 7]
    assert np.abs(mid[:, 20] - mid[:, W - 20]).max() <= 6  # rows are uniform: the stripes are horizontal
    assert np.abs(mid[10, W // 2] - (255, 0, 0)).max() <= 8  # red on top
    assert np.abs(mid[H - 10, W // 2] - (0, 0, 255)).max() <= 8  # blue below

    for span, (_, rgb) in zip(spans[1:], images[1:], strict=True):
        frame = frames[span.start_frame + span.frame_count // 2]
        got = frame[40:140, 60:260].reshape(-1, 3).mean(axis=0)
        assert np.abs(got - np.array(rgb)).max() <= 5, (rgb, got)


def test_unreadable_image_fails_naming_the_segment_and_keeps_the_previous_video(tmp_path: Path) -> None:
    plan = solid_plan(tmp_path, [0.6, 0.6, 0.6])
    out_dir = tmp_path / "output"
    out = out_dir / "final.mp4"
    cache = tmp_path / "cache"
    render_plan(plan, out, cache_dir=cache)
    before = out.read_bytes()

    bad = tmp_path / "photo.jpg"
    bad.write_bytes(b"\xff\xd8\xff\xe0 this is not really a JPEG" * 10)
    segs = list(plan.segments)
    segs[1] = PlanSegment("seg-new", bad, segs[1].audio_path, segs[1].duration)
    broken = RenderPlan(tuple(segs), plan.settings)
    with pytest.raises(RenderError) as err:
        render_plan(broken, out, cache_dir=cache)
    message = str(err.value)
    assert message.startswith("Segment 2:") and "photo.jpg" in message and "could not be read" in message
    assert str(tmp_path) not in message  # names the file, not the server's folders

    assert out.read_bytes() == before
    assert sorted(p.name for p in out_dir.iterdir()) == ["final.mp4"]
    assert not [p for p in cache.iterdir() if ".part" in p.name]

    # A truncated photo (valid header, data cut off) fails the same way.
    full = tmp_path / "cut.jpg"
    Image.effect_noise((400, 300), 60).convert("RGB").save(full, quality=90)
    full.write_bytes(full.read_bytes()[:2000])
    segs[1] = PlanSegment("seg-cut", full, segs[1].audio_path, segs[1].duration)
    with pytest.raises(RenderError, match=r"^Segment 2: .*cut\.jpg"):
        render_plan(RenderPlan(tuple(segs), plan.settings), out, cache_dir=cache)
    assert out.read_bytes() == before
    assert sorted(p.name for p in out_dir.iterdir()) == ["final.mp4"]


def test_encoder_failure_keeps_the_previous_video(tmp_path: Path) -> None:
    plan = solid_plan(tmp_path, [0.5, 0.5])
    out = tmp_path / "out" / "final.mp4"
    render_plan(plan, out)
    before = out.read_bytes()
    broken = RenderPlan(plan.segments, RenderSettings(W, H, FPS, encoder=EncoderSettings(codec="no_such_codec")))
    with pytest.raises(RenderError, match=r"video encoder .*Encoder not found"):
        render_plan(broken, out)
    assert out.read_bytes() == before
    assert sorted(p.name for p in out.parent.iterdir()) == ["final.mp4"]


def test_corpus_photos_render(tmp_path: Path, corpus: Path) -> None:
    photos = [
        "photo_07_panorama_apollo11_lunar_surface_6144x1753.jpg",
        "more/photo_13_kitten_exif_orientation6_2028x1373.jpg",
        "more/photo_14_city_cmyk_1922x1500.jpg",
    ]
    photos = [p if (corpus / p).is_file() else Path(p).name for p in photos]
    speech = corpus / "more" / "speech_06_female_vctk_p240_mp3_24k_mono_4.9s.mp3"
    if not speech.is_file():
        speech = corpus / "speech_01_female_ljspeech_wav_pcm16_22k_mono_9.7s.wav"
    from core_engine.audio_utils import probe_audio

    duration = probe_audio(speech).duration
    segs = tuple(PlanSegment(f"corpus-{i}", corpus / p, speech, duration) for i, p in enumerate(photos))
    plan = RenderPlan(segs, SETTINGS)
    out = tmp_path / "corpus.mp4"
    result = render_plan(plan, out)
    frames = decode_frames(out)
    assert frames.shape[0] == result.frame_count == int(np.floor(3 * duration * FPS + 0.5))
    assert frames.reshape(frames.shape[0], -1).std(axis=1).min() > 5  # real pictures, never a blank frame
    assert "yuv420p(tv, bt709, progressive)" in ffmpeg_info(out)


def test_a_segment_shorter_than_half_a_frame_and_a_repeated_segment(tmp_path: Path) -> None:
    plan = solid_plan(tmp_path, [0.5, 0.04, 0.5])
    spans = plan_timeline(plan)
    assert [s.frame_count for s in spans] == [6, 0, 6]  # the blink gets no frame; its narration still plays
    out = tmp_path / "blink.mp4"
    result = render_plan(plan, out)
    assert (result.rendered_segments, result.reused_segments) == (2, 0)
    frames = decode_frames(out)
    assert frames.shape[0] == 12 and change_frames(frames) == [6]
    assert abs(decode_audio(out, 48000, 1).shape[0] / 48000 - 1.04) < 0.005

    # The very same segment twice (same id, same picture): encoded once, used twice.
    twice = RenderPlan((plan.segments[0], plan.segments[2], plan.segments[0]), plan.settings)
    result = render_plan(twice, tmp_path / "twice.mp4")
    assert (result.rendered_segments, result.reused_segments) == (2, 1)
    frames = decode_frames(tmp_path / "twice.mp4")
    assert frames.shape[0] == 18 and change_frames(frames) == [6, 12]
    assert np.abs(frames[2].astype(int) - frames[14].astype(int)).max() <= 2
