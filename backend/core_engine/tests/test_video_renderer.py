"""End-to-end renders (small: 320×180 at 12 fps) checked by decoding the result with ffmpeg."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from core_engine import video_renderer as vr
from core_engine.audio_utils import decode_audio, write_wav_pcm16
from core_engine.render_utils import require_ffmpeg
from core_engine.video_renderer import (
    EncoderSettings,
    PlanSegment,
    RenderError,
    RenderPlan,
    RenderSettings,
    cache_keys,
    plan_timeline,
    render_plan,
    render_project,
)

W, H, FPS = 320, 180, 12
SETTINGS = RenderSettings(W, H, FPS)

#: Well separated colours for solid test images (neighbours in the list differ strongly).
PALETTE = [
    (230, 30, 30), (30, 200, 40), (40, 60, 230), (240, 240, 240), (20, 20, 20), (250, 200, 0),
    (0, 200, 220), (200, 0, 200), (128, 128, 128), (255, 128, 0),
]  # fmt: skip


# ------------------------------------------------------------------------------------------------------- helpers
def make_image(path: Path, rgb: tuple[int, int, int], size: tuple[int, int] = (400, 300)) -> Path:
    """A solid-colour PNG (or JPEG, by extension)."""
    Image.new("RGB", size, rgb).save(path)
    return path


def make_tone(path: Path, seconds: float, freq: float = 440.0, rate: int = 22050, amp: float = 0.3) -> float:
    """A mono 16-bit WAV tone (``amp`` 0 = silence); returns its exact duration in seconds (samples / rate)."""
    n = int(round(seconds * rate))
    t = np.arange(n) / rate
    write_wav_pcm16(path, amp * np.sin(2 * np.pi * freq * t), rate)
    return n / rate


def solid_plan(
    folder: Path,
    durations: list[float],
    colours: list[tuple[int, int, int]] | None = None,
    settings_size: tuple[int, int] = (W, H),
    **settings: object,
) -> RenderPlan:
    """A plan of solid-colour segments (or, at a larger ``settings_size``, noisy pictures, which take the encoder
    some time) with tone narrations of the given durations."""
    segs = []
    for i, d in enumerate(durations):
        rgb = (colours or PALETTE)[i % len(colours or PALETTE)]
        if settings_size == (W, H):
            img = make_image(folder / f"img{i}.png", rgb)
        else:
            img = folder / f"img{i}.png"
            noise = Image.effect_noise((800, 450), 80).convert("RGB")
            Image.blend(noise, Image.new("RGB", noise.size, rgb), 0.5).save(img)
        dur = make_tone(folder / f"tone{i}.wav", d, freq=300 + 40 * i)
        segs.append(PlanSegment(f"seg-{i}", img, folder / f"tone{i}.wav", dur))
    return RenderPlan(tuple(segs), RenderSettings(*settings_size, FPS, **settings))  # type: ignore[arg-type]


def ffmpeg_info(path: Path) -> str:
    """What ``ffmpeg -i`` says about a file (there is no ffprobe)."""
    proc = subprocess.run([require_ffmpeg(), "-hide_banner", "-i", str(path)], capture_output=True, text=True)
    return proc.stderr


def decode_frames(path: Path, size: tuple[int, int] = (W, H)) -> np.ndarray:
    """All video frames as RGB uint8 ``(n, H, W, 3)``; ffmpeg converts with the stream's own colour tags."""
    w, h = size
    proc = subprocess.run(
        [require_ffmpeg(), "-v", "error", "-i", str(path), "-map", "0:v:0", "-f", "rawvideo", "-pix_fmt", "rgb24", "-"],
        capture_output=True,
        check=True,
    )
    assert proc.stderr == b"", proc.stderr  # decodes without a single error message
    return np.frombuffer(proc.stdout, np.uint8).reshape(-1, h, w, 3)


def frame_timestamps(path: Path) -> list[int]:
    """Presentation timestamps of the decoded video frames, in the stream's time base, from ``-f framemd5``."""
    proc = subprocess.run(
        [require_ffmpeg(), "-v", "error", "-i", str(path), "-map", "0:v:0", "-f", "framemd5", "-"],
        capture_output=True,
        text=True,
        check=True,
    )
    pts = []
    for line in proc.stdout.splitlines():
        if line.startswith("#") or not line.strip():
            continue
        pts.append(int(line.split(",")[2]))
    return pts


def change_frames(frames: np.ndarray, threshold: float = 25.0) -> list[int]:
    """Indices of frames whose mean colour differs strongly from the previous frame's (cuts between solid images)."""
    means = frames.reshape(frames.shape[0], -1, 3).mean(axis=1)
    jumps = np.abs(np.diff(means, axis=0)).max(axis=1)
    return [int(i) + 1 for i in np.flatnonzero(jumps > threshold)]


def expected_boundaries(plan: RenderPlan) -> tuple[list[float], int]:
    """Narration boundaries T_1..T_{n-1} in seconds (cumulative) and the expected total frame count."""
    t, times = 0.0, []
    for seg in plan.segments:
        t += seg.duration
        times.append(t)
    return times[:-1], int(np.floor(t * plan.settings.fps + 0.5))


# ----------------------------------------------------------------------------------------------------- the tests
def test_end_to_end_render_has_the_right_format_and_length(tmp_path: Path) -> None:
    plan = solid_plan(tmp_path, [0.9, 1.25, 0.6])
    out = tmp_path / "out" / "final.mp4"
    calls: list[tuple] = []
    result = render_plan(plan, out, lambda *a: calls.append(a))

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

    # Progress: (current, total, phase, percentage); monotone; between current/total and (current+1)/total.
    assert all(len(c) == 4 and c[1] == 3 for c in calls)
    currents = [c[0] for c in calls]
    pcts = [c[3] for c in calls]
    assert currents == sorted(currents) and currents[-1] == 3
    assert pcts == sorted(pcts) and pcts[-1] == 100.0
    for cur, total, phase, pct in calls:
        assert cur / total * 100 - 1e-9 <= pct <= (cur + 1) / total * 100 + 1e-9
    phases = [c[2] for c in calls]
    assert any(p.startswith("Preparing narration track") for p in phases)
    assert any(p.startswith("Applying Ken Burns effect to segment 1 of 3") for p in phases)
    assert any(p.startswith("Joining segments") for p in phases)


def test_progress_is_reported_at_least_twice_a_second(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A status poll every few seconds must always see a change: reports come at least every ~0.5 s, and the
    encoding ones say how far the encoder (not just the frame maker) has got."""
    monkeypatch.setattr(vr, "PROGRESS_INTERVAL", 0.05)
    monkeypatch.setattr(vr, "ENCODER_STATS_PERIOD", 0.05)
    plan = solid_plan(tmp_path, [2.0, 2.0, 2.0], settings_size=(640, 360))
    calls: list[tuple[float, int, int, str]] = []

    def three_args(current: int, total: int, phase: str) -> None:  # an older-style callback still works
        calls.append((time.monotonic(), current, total, phase))

    fractions: list[float] = []
    render_plan(plan, tmp_path / "o.mp4", three_args, progress_fraction=fractions.append)
    times = [c[0] for c in calls]
    assert max(np.diff(times)) < 0.5, np.diff(times)
    encoding = [c[3] for c in calls if c[3].startswith("Encoding segment")]
    assert len(encoding) >= 3
    assert fractions == sorted(fractions) and fractions[-1] == 1.0
    assert len(fractions) == len(calls)


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
    for cut, t in zip(cuts, boundaries):
        assert abs(cut - t * FPS) <= 1.0, (cut, t * FPS)  # the new picture shows within one frame of T_i
        assert cut == int(np.floor(t * FPS + 0.5))  # exactly the cumulative rounding rule
    assert frame_timestamps(out) == sorted(set(frame_timestamps(out)))

    # Audio: one track, total length = sum of durations, and every tone/silence edge on its boundary.
    audio = decode_audio(out, 48000, 1)
    total = sum(durations)
    assert abs(audio.shape[0] / 48000 - total) < 0.01
    envelope = np.convolve(np.abs(audio), np.ones(96) / 96, mode="same")
    loud = envelope > 0.16  # half of the tone's mean absolute value (0.5 · 2/π ≈ 0.32)
    edges = np.flatnonzero(np.diff(loud.astype(np.int8))) + 1
    edges = edges[(edges > 2400) & (edges < audio.shape[0] - 2400)]  # not the fade of the filter at both ends
    assert len(edges) == 24
    for edge, t in zip(edges, boundaries):
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

    for span, (_, rgb) in zip(spans[1:], images[1:]):
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
    with pytest.raises(RenderError, match="video encoder .*Encoder not found"):
        render_plan(broken, out)
    assert out.read_bytes() == before
    assert sorted(p.name for p in out.parent.iterdir()) == ["final.mp4"]


def test_missing_files_and_bad_settings_are_reported_before_any_work(tmp_path: Path) -> None:
    plan = solid_plan(tmp_path, [0.5, 0.5])
    segs = list(plan.segments)
    segs[0] = PlanSegment("a", segs[0].image_path, tmp_path / "gone.wav", 0.5)
    with pytest.raises(RenderError, match=r"^Segment 1: the narration audio file gone\.wav is missing"):
        render_plan(RenderPlan(tuple(segs), plan.settings), tmp_path / "x.mp4")
    segs = list(plan.segments)
    segs[1] = PlanSegment("b", tmp_path / "nope.png", segs[1].audio_path, 0.5)
    with pytest.raises(RenderError, match=r"^Segment 2: the image file nope\.png is missing"):
        render_plan(RenderPlan(tuple(segs), plan.settings), tmp_path / "x.mp4")
    segs = list(plan.segments)
    segs[1] = PlanSegment("b", segs[1].image_path, segs[1].audio_path, 0.0)
    with pytest.raises(RenderError, match=r"^Segment 2: the narration has no usable length"):
        render_plan(RenderPlan(tuple(segs), plan.settings), tmp_path / "x.mp4")
    with pytest.raises(RenderError, match="no segments"):
        render_plan(RenderPlan((), SETTINGS), tmp_path / "x.mp4")
    with pytest.raises(RenderError, match="even"):
        render_plan(RenderPlan(plan.segments, RenderSettings(321, 180, 12)), tmp_path / "x.mp4")
    # Damaged narration: named, with the file.
    (tmp_path / "bad.wav").write_bytes(b"RIFF....WAVEjunk" * 20)
    segs = list(plan.segments)
    segs[1] = PlanSegment("b", segs[1].image_path, tmp_path / "bad.wav", 0.5)
    with pytest.raises(RenderError, match=r"^Segment 2: the narration bad\.wav could not be read"):
        render_plan(RenderPlan(tuple(segs), plan.settings), tmp_path / "x.mp4")
    assert not (tmp_path / "x.mp4").exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


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


@pytest.mark.django_db
def test_render_project_builds_the_plan_from_the_database(media_root: Path) -> None:
    from api.models import GlobalSettings, Project, Segment

    project = Project.objects.create(title="Story", resolution_width=W, resolution_height=H, framerate=FPS)
    gs = GlobalSettings.load()
    gs.zoom_intensity = 1.5
    gs.save()
    folder = media_root / "projects" / str(project.id)
    (folder / "images").mkdir(parents=True)
    (folder / "audio").mkdir()
    durations = []
    for i in range(3):
        make_image(folder / "images" / f"{i}.png", PALETTE[i])
        d = make_tone(folder / "audio" / f"{i}.wav", 0.5 + 0.25 * i)
        durations.append(d)
        Segment.objects.create(
            project=project,
            sequence_index=2 - i,  # stored out of order: the plan must follow sequence_index
            image_file=f"projects/{project.id}/images/{i}.png",
            audio_file=f"projects/{project.id}/audio/{i}.wav",
            audio_duration=d if i != 1 else None,  # a missing duration is measured from the file
        )
    calls: list[tuple] = []
    result = render_project(str(project.id), lambda *a: calls.append(a))
    out = folder / "output" / "final.mp4"
    assert result.output_path == out and out.is_file()
    frames = decode_frames(out)
    # sequence_index order is 2, 1, 0 → the last created image (index 2) comes first.
    first, last = frames[1].reshape(-1, 3).mean(axis=0), frames[-2].reshape(-1, 3).mean(axis=0)
    assert np.abs(first - PALETTE[2]).max() < 6 and np.abs(last - PALETTE[0]).max() < 6
    assert result.frame_count == int(np.floor(sum(durations) * FPS + 0.5))
    assert calls[-1][0] == calls[-1][1] == 3

    cache = folder / "cache"
    entries = {p.name.split(".")[0] for p in cache.iterdir() if p.name != "manifest.json"}
    plan_segments = tuple(
        PlanSegment(str(s.id), Path(s.image_file.path), Path(s.audio_file.path), s.audio_duration or durations[1])
        for s in project.segments.order_by("sequence_index")
    )
    assert entries == cache_keys(RenderPlan(plan_segments, RenderSettings(W, H, FPS, zoom_intensity=1.5)))

    # A new picture for one segment: only that segment is encoded again, and the old entry is pruned.
    seg = project.segments.get(sequence_index=1)
    make_image(folder / "images" / "new.png", PALETTE[5])
    seg.image_file = f"projects/{project.id}/images/new.png"
    seg.save()
    again = render_project(str(project.id))
    assert (again.rendered_segments, again.reused_segments) == (1, 2)
    assert len([p for p in cache.iterdir() if p.suffix == ".mp4"]) == 3

    # A segment without a picture is refused with its 1-based number.
    seg.image_file = None
    seg.save()
    with pytest.raises(RenderError, match="^Segment 2 has no image"):
        render_project(str(project.id))
    with pytest.raises(RenderError, match="does not exist"):
        render_project("00000000-0000-0000-0000-000000000000")


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
