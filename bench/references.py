"""The yardsticks StoryReel is measured against, all driven by the same plan spec (see ``story.py``).

* **Encoder floor** (:func:`encode_floor`): the same ffmpeg binary encoding already-rendered raw frames at the
  production settings — rgb24 in (converted by ffmpeg), and yuv420p in (no conversion, like the engine's own
  encoder). Nothing can render faster than this; it is what the encoder alone costs.
* **MoviePy reference** (:func:`render_moviepy`): the classic Python Ken Burns — for each segment a
  ``VideoClip(frame_function)`` whose frame is an ``int()``-rounded PIL crop of the photo resized to the output
  with LANCZOS, with the narration as ``AudioFileClip``; clips concatenated and written by ``write_videofile``
  (StoryReel's encoder settings, AAC 192k). The photo is prepared once per segment the way a careful
  implementation does (upright RGB, cropped to the output aspect, resized to ``zoom_intensity`` × the output size)
  so the per-frame work is one crop + one LANCZOS resize of a ~1.3×-output image. This is the faster of the common
  variants; nothing is made slower than a typical tool would be.
* **ffmpeg zoompan** (:func:`render_zoompan`): the common pure-ffmpeg recipe — per segment
  ``crop to 16:9, scale=8000:-2, zoompan=z=…:x=…:y=…:d=N:s=WxH:fps=F`` (the 8000 px upscale is the usual cure for
  zoompan's whole-pixel judder) with the narration padded/trimmed to the segment, encoded per segment, then joined
  with the concat demuxer (``-c copy``).

Both references draw the same camera move: zoom from 1 to ``zoom_intensity`` while drifting from the left edge to
the right edge of the zoomed window, linear in time (:func:`kenburns_box`). For the smoothness test, each also
draws an explicit :class:`smoothness.LinearPan` (:func:`moviepy_pan_frames`, :func:`zoompan_pan_frames`).
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path

import numpy as np
from core_engine.render.plan import EncoderSettings
from core_engine.render_utils import load_image_rgb, require_ffmpeg
from PIL import Image
from smoothness import Box, LinearPan
from story import REPO  # noqa: F401  (puts backend/ on sys.path)

#: Production encoder settings: StoryReel's own (libx264 8000k, its preset/tune/x264 params, yuv420p, BT.709, AAC
#: 192k 48 kHz). The references encode with exactly these, so their ratios compare pipelines, not encoders.
STORYREEL_ENCODER = EncoderSettings()
#: The encoder floor: today's seed setting, ``-preset medium`` at 8000k, nothing else.
FLOOR_ENCODER = EncoderSettings(preset="medium", tune="", x264_params="")
#: Lossless H.264 (``-qp 0``) of the same yuv420p frames: the reference VMAF and PSNR are measured against.
LOSSLESS_VIDEO_ARGS = ["-c:v", "libx264", "-preset", "ultrafast", "-qp", "0"]
VIDEO_CODEC = STORYREEL_ENCODER.codec
VIDEO_BITRATE = STORYREEL_ENCODER.bitrate
VIDEO_PRESET = STORYREEL_ENCODER.preset
PIXEL_FORMAT = STORYREEL_ENCODER.pixel_format
AUDIO_CODEC = "aac"
AUDIO_BITRATE = "192k"
AUDIO_RATE = 48000

#: Width the zoompan recipe upscales the photo to before zooming, pixels.
ZOOMPAN_UPSCALE_WIDTH = 8000


#: Frame tagging the engine applies (and the floor copies).
_TAG_BT709 = "setparams=colorspace=bt709:color_primaries=bt709:color_trc=bt709:range=tv"


def production_video_args(
    input_pix_fmt: str | None = "rgb24", encoder: EncoderSettings | None = STORYREEL_ENCODER
) -> list[str]:
    """ffmpeg output options for the production video stream (codec, preset, bitrate, pixel format, BT.709 tags).

    ``input_pix_fmt`` says what raw frames come in: ``"rgb24"`` — converted with the BT.709 matrix to limited-range
    yuv420p and tagged (a ``-vf``); ``"yuv420p"`` — already BT.709 limited range, only tagged (the engine's own
    segment encoder); ``None`` — no ``-vf`` (the stream goes through a ``-filter_complex``). The stream is tagged
    BT.709 either way. ``encoder``: whose codec/preset/tune/bitrate (StoryReel's by default, :data:`FLOOR_ENCODER`
    for the floor); ``None`` means lossless (:data:`LOSSLESS_VIDEO_ARGS`).
    """
    vf = {
        "rgb24": ["-vf", f"scale=out_color_matrix=bt709:out_range=tv,format={PIXEL_FORMAT},{_TAG_BT709}"],
        "yuv420p": ["-vf", _TAG_BT709],
        None: [],
    }[input_pix_fmt]
    return [
        *(LOSSLESS_VIDEO_ARGS if encoder is None else encoder.video_args()),
        "-pix_fmt",
        PIXEL_FORMAT,
        *vf,
        "-colorspace",
        "bt709",
        "-color_primaries",
        "bt709",
        "-color_trc",
        "bt709",
        "-color_range",
        "tv",
    ]


def raw_frame_bytes(size: tuple[int, int], pix_fmt: str) -> int:
    """Bytes of one raw frame of ``size`` (w, h) in ``rgb24`` or ``yuv420p``."""
    w, h = size
    return {"rgb24": w * h * 3, "yuv420p": w * h * 3 // 2}[pix_fmt]


# --------------------------------------------------------------------------------------------------- encoder floor


def decode_to_raw(video: Path, raw_path: Path, size: tuple[int, int], pix_fmt: str = "rgb24") -> int:
    """Decode ``video`` to a raw file of ``size`` (width, height) frames in ``pix_fmt`` (``rgb24`` or ``yuv420p``,
    BT.709 limited range); returns the number of frames.

    Used (untimed) to give the encoder floor exactly the pictures StoryReel produced.
    """
    vf = f"scale={size[0]}:{size[1]}" + (":out_color_matrix=bt709:out_range=tv" if pix_fmt == "yuv420p" else "")
    cmd = [
        require_ffmpeg(),
        "-nostdin",
        "-v",
        "error",
        "-y",
        "-i",
        str(video),
        "-map",
        "0:v:0",
        "-vf",
        vf,
        "-f",
        "rawvideo",
        "-pix_fmt",
        pix_fmt,
        str(raw_path),
    ]
    subprocess.run(cmd, check=True)
    return raw_path.stat().st_size // raw_frame_bytes(size, pix_fmt)


def encode_floor(
    raw_path: Path,
    frames: int,
    size: tuple[int, int],
    fps: int,
    output: Path,
    pix_fmt: str = "rgb24",
    encoder: EncoderSettings | None = FLOOR_ENCODER,
) -> int:
    """Encode ``frames`` raw frames read from ``raw_path`` (cycled if the file holds fewer) through a pipe into
    ffmpeg at ``encoder``'s settings (the floor's ``-preset medium`` by default; ``None``: lossless); returns the
    number of frames written.

    ``pix_fmt`` ``rgb24``: ffmpeg converts to BT.709 yuv420p (the classic hand-over); ``yuv420p``: frames are
    already converted and only tagged, exactly like the engine's segment encoder. The file should live on tmpfs
    (``/dev/shm``) so reading it is a memory copy, like handing over a frame that is already in memory.
    """
    w, h = size
    frame_bytes = raw_frame_bytes(size, pix_fmt)
    available = raw_path.stat().st_size // frame_bytes
    if available == 0:
        raise ValueError(f"{raw_path} holds no complete {w}x{h} frame")
    cmd = [
        require_ffmpeg(),
        "-nostdin",
        "-v",
        "error",
        "-y",
        "-f",
        "rawvideo",
        "-pix_fmt",
        pix_fmt,
        "-s",
        f"{w}x{h}",
        "-r",
        str(fps),
        "-i",
        "pipe:0",
        *production_video_args(pix_fmt, encoder),
        "-f",
        "mp4",
        str(output),
    ]
    proc = subprocess.Popen(cmd, stdin=subprocess.PIPE)
    assert proc.stdin is not None
    written = 0
    with raw_path.open("rb", buffering=0) as src:
        while written < frames:
            if written and written % available == 0:
                src.seek(0)
            proc.stdin.write(src.read(frame_bytes))
            written += 1
    proc.stdin.close()
    if proc.wait() != 0:
        raise RuntimeError(f"ffmpeg exited with {proc.returncode} while encoding the floor")
    return written


# -------------------------------------------------------------------------------------------- MoviePy reference


def kenburns_box(progress: float, size: tuple[int, int], zoom_intensity: float) -> Box:
    """The references' camera: window of an image of ``size`` (w, h) at ``progress`` in [0, 1].

    Zoom goes linearly from 1 to ``zoom_intensity``; the window slides from the left edge to the right edge of the
    space the zoom frees, vertically centred. Returns (left, top, right, bottom) in image pixels (floats).
    """
    w, h = size
    zoom = 1.0 + (zoom_intensity - 1.0) * progress
    cw, ch = w / zoom, h / zoom
    left = (w - cw) * progress
    top = (h - ch) / 2.0
    return left, top, left + cw, top + ch


class PreparedImage:
    """A photo prepared once for the MoviePy reference: upright RGB, centre-cropped to the output aspect, resized
    (LANCZOS) to ``max_zoom`` × the output size. :meth:`frame` draws one output frame the classic way."""

    def __init__(self, path: Path, out_size: tuple[int, int], max_zoom: float):
        img = load_image_rgb(path)
        sw, sh = img.size
        ow, oh = out_size
        aspect = ow / oh
        cw, ch = (int(sh * aspect), sh) if sw / sh >= aspect else (sw, int(sw / aspect))
        self.crop_offset = ((sw - cw) // 2, (sh - ch) // 2)
        self.size = (round(ow * max_zoom), round(oh * max_zoom))
        self.scale = self.size[0] / cw
        cropped = img.crop(
            (self.crop_offset[0], self.crop_offset[1], self.crop_offset[0] + cw, self.crop_offset[1] + ch)
        )
        self.image = cropped.resize(self.size, Image.LANCZOS)
        self.out_size = out_size

    def frame(self, box: Box) -> np.ndarray:
        """Crop ``box`` (prepared-image pixels), rounded to whole pixels with ``int()``, and LANCZOS-resize it to the
        output size. Returns an RGB uint8 array ``(H, W, 3)``."""
        left, top, right, bottom = (int(v) for v in box)
        return np.asarray(self.image.crop((left, top, right, bottom)).resize(self.out_size, Image.LANCZOS))

    def from_source(self, box: Box) -> Box:
        """Map a box in original-photo pixels to prepared-image pixels."""
        ox, oy = self.crop_offset
        left, top, right, bottom = box
        s = self.scale
        return (left - ox) * s, (top - oy) * s, (right - ox) * s, (bottom - oy) * s


def render_moviepy(plan: dict, output: Path, lossless: bool = False) -> int:
    """Render ``plan`` with MoviePy the classic way (see module doc), encoded with StoryReel's encoder settings
    (or losslessly, ``-qp 0``). Returns the number of video frames written."""
    from moviepy import AudioFileClip, VideoClip, concatenate_videoclips

    st = plan["settings"]
    out_size = (st["width"], st["height"])
    zoom = st["zoom_intensity"]
    clips = []
    for seg in plan["segments"]:
        prepared = PreparedImage(Path(seg["image_path"]), out_size, zoom)
        duration = seg["duration"]

        def frame_function(t: float, prepared: PreparedImage = prepared, duration: float = duration) -> np.ndarray:
            return prepared.frame(kenburns_box(min(t / duration, 1.0), prepared.size, zoom))

        audio = AudioFileClip(seg["audio_path"])
        audio = audio.subclipped(0, min(duration, audio.duration))
        clips.append(VideoClip(frame_function=frame_function, duration=duration).with_audio(audio))
    video = concatenate_videoclips(clips)
    video.write_videofile(
        str(output),
        fps=st["fps"],
        codec=VIDEO_CODEC,
        bitrate=None if lossless else VIDEO_BITRATE,
        preset="ultrafast" if lossless else VIDEO_PRESET,
        ffmpeg_params=["-qp", "0"] if lossless else STORYREEL_ENCODER.video_args()[4:-2],
        audio_codec=AUDIO_CODEC,
        audio_bitrate=AUDIO_BITRATE,
        audio_fps=AUDIO_RATE,
        logger=None,
        temp_audiofile=str(output.with_suffix(".temp-audio.m4a")),
    )
    frames = round(video.duration * st["fps"])
    video.close()
    for clip in clips:
        clip.close()
    return frames


def moviepy_pan_frames(image: Path, pan: LinearPan) -> Iterator[np.ndarray]:
    """The MoviePy reference's frames for ``pan`` (same :class:`PreparedImage` path as :func:`render_moviepy`)."""
    prepared = PreparedImage(image, pan.out_size, pan.zoom)
    for box in pan.boxes():
        yield prepared.frame(prepared.from_source(box))


# ------------------------------------------------------------------------------------------------ ffmpeg zoompan


def _cover_crop_filter(out_size: tuple[int, int]) -> str:
    """ffmpeg filter that centre-crops any image to the output aspect ratio."""
    w, h = out_size
    return f"crop='min(iw,ih*{w}/{h})':'min(ih,iw*{h}/{w})'"


def _zoompan_filter(out_size: tuple[int, int], fps: int, frames: int, z: str, x: str, y: str) -> str:
    """Upscale to :data:`ZOOMPAN_UPSCALE_WIDTH` and run zoompan for ``frames`` frames with the given expressions."""
    w, h = out_size
    return (
        f"{_cover_crop_filter(out_size)},scale={ZOOMPAN_UPSCALE_WIDTH}:-2,"
        f"zoompan=z='{z}':x='{x}':y='{y}':d={frames}:s={w}x{h}:fps={fps}"
    )


def render_zoompan(
    plan: dict, output: Path, work: Path, frame_ranges: list[tuple[int, int]], lossless: bool = False
) -> int:
    """Render ``plan`` with ffmpeg zoompan, one ffmpeg run per segment, then join with the concat demuxer.

    ``frame_ranges`` gives each segment's [start, end) frames (from cumulative time) so the frame count matches the
    other renderers. Encoded with StoryReel's encoder settings, or losslessly (``-qp 0``). Returns the number of
    video frames.
    """
    st = plan["settings"]
    out_size = (st["width"], st["height"])
    fps, zoom = st["fps"], st["zoom_intensity"]
    ffmpeg = require_ffmpeg()
    parts = []
    for i, (seg, (start, end)) in enumerate(zip(plan["segments"], frame_ranges, strict=False)):
        n = max(end - start, 2)
        seconds = n / fps
        p = f"on/{n - 1}"
        vf = _zoompan_filter(out_size, fps, n, z=f"1+{zoom - 1:.6f}*{p}", x=f"(iw-iw/zoom)*{p}", y="(ih-ih/zoom)/2")
        part = work / f"zoompan_{i:03d}.mp4"
        cmd = [
            ffmpeg,
            "-nostdin",
            "-v",
            "error",
            "-y",
            "-i",
            seg["image_path"],
            "-i",
            seg["audio_path"],
            "-filter_complex",
            f"[0:v]{vf}[v];[1:a]apad,atrim=0:{seconds:.6f}[a]",
            "-map",
            "[v]",
            "-map",
            "[a]",
            "-frames:v",
            str(n),
            *production_video_args(None, None if lossless else STORYREEL_ENCODER),
            "-c:a",
            AUDIO_CODEC,
            "-b:a",
            AUDIO_BITRATE,
            "-ar",
            str(AUDIO_RATE),
            str(part),
        ]
        subprocess.run(cmd, check=True)
        parts.append(part)
    listing = work / "zoompan_concat.txt"
    listing.write_text("".join(f"file '{p.resolve()}'\n" for p in parts))
    subprocess.run(
        [
            ffmpeg,
            "-nostdin",
            "-v",
            "error",
            "-y",
            "-f",
            "concat",
            "-safe",
            "0",
            "-i",
            str(listing),
            "-c",
            "copy",
            "-movflags",
            "+faststart",
            str(output),
        ],
        check=True,
    )
    return sum(max(e - s, 2) for s, e in frame_ranges)


def zoompan_pan_frames(image: Path, pan: LinearPan) -> Iterator[np.ndarray]:
    """zoompan's frames for ``pan``, streamed as raw RGB from ffmpeg (no encoding)."""
    with Image.open(image) as img:
        sw, sh = img.size
    ow, oh = pan.out_size
    aspect = ow / oh
    cw, ch = (int(sh * aspect), sh) if sw / sh >= aspect else (sw, int(sw / aspect))
    ox, oy = (sw - cw) / 2, (sh - ch) / 2
    k = ZOOMPAN_UPSCALE_WIDTH / cw  # source px -> upscaled px
    (l0, top, _, _) = pan.boxes()[0]
    x = f"({l0 - ox:.6f}+{pan.speed:.6f}*on)*{k:.9f}"
    y = f"{(top - oy) * k:.6f}"
    zoom = cw / pan.window_size()[0]
    vf = _zoompan_filter(pan.out_size, 30, pan.frames, z=f"{zoom:.9f}", x=x, y=y)
    cmd = [
        require_ffmpeg(),
        "-nostdin",
        "-v",
        "error",
        "-i",
        str(image),
        "-vf",
        vf,
        "-frames:v",
        str(pan.frames),
        "-f",
        "rawvideo",
        "-pix_fmt",
        "rgb24",
        "pipe:1",
    ]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE)
    assert proc.stdout is not None
    nbytes = ow * oh * 3
    try:
        while True:
            buf = proc.stdout.read(nbytes)
            if len(buf) < nbytes:
                break
            yield np.frombuffer(buf, np.uint8).reshape(oh, ow, 3)
    finally:
        proc.stdout.close()
        proc.wait()


# ------------------------------------------------------------------------------------------------ picture quality
def picture_quality(distorted: Path, reference: Path, work: Path) -> dict[str, float]:
    """VMAF (libvmaf's built-in default model, mean over frames) and PSNR of the luma (dB, mean over frames) of
    ``distorted``'s video against ``reference``'s (the lossless encode of the same frames), frame by frame from
    the first. Both must have the same size; uses the libvmaf filter of the ffmpeg imageio-ffmpeg ships.
    """
    log_path = work / f"vmaf-{distorted.stem}.json"
    graph = (
        "[0:v]setpts=PTS-STARTPTS[d];[1:v]setpts=PTS-STARTPTS[r];"
        f"[d][r]libvmaf=log_path={log_path}:log_fmt=json:n_threads=2:feature=name=psnr"
    )
    cmd = [require_ffmpeg(), "-nostdin", "-v", "error", "-i", str(distorted), "-i", str(reference)]
    subprocess.run([*cmd, "-lavfi", graph, "-f", "null", "-"], check=True)
    pooled = json.loads(log_path.read_text())["pooled_metrics"]
    return {"vmaf": float(pooled["vmaf"]["mean"]), "psnr_y": float(pooled["psnr_y"]["mean"])}
