"""Output format and quality presets (issue 12 §4), and the quick preview's draft settings (§5).

Formats: 16:9 (1920×1080, 1280×720), 9:16 (1080×1920), 1:1 (1080×1080), 4:5 (1080×1350), at 24, 25, 30 or 60 fps.
Other sizes stay possible through the API as long as :func:`format_errors` accepts them (even, within bounds, an
aspect ratio between :data:`MIN_ASPECT` and :data:`MAX_ASPECT`); frame rates are those of :data:`SUPPORTED_FPS`.

Quality presets (``Project.quality``), chosen by measured quality: ``bench/quality_presets.py`` encodes 6 s of real
1080p30 Ken Burns footage (two corpus photos — a detailed city street and the party photo — made by the engine's own
camera code, lossless reference) with each preset's exact encoder settings and scores it with ffmpeg's libvmaf
(``-lavfi "[0:v][1:v]libvmaf=n_threads=2"``, frames paired by index). Measured 2026-12-01 on the 2-core dev machine
(VMAF 0–100; ≥ 95 is commonly taken as visually transparent, 93+ as very good):

=========  ===============================================  =====  ================
preset     settings                                         VMAF   size vs Standard
=========  ===============================================  =====  ================
standard   ``-b:v 8000k -preset superfast -tune psnr``      96.43  1.00 (4.81 MB)
           ``-x264-params trellis=1:aq-mode=2:``
           ``aq-strength=0.5:b-adapt=0`` (engine default)
high       ``-crf 18 -preset veryfast -tune psnr``          98.76  2.70
small      ``-b:v 2700k -maxrate 4000k -bufsize 8000k``     92.54  0.31 (1.49 MB)
           ``-preset medium`` (no tune)
=========  ===============================================  =====  ================

Measured earlier on the same clip (before the engine's OpenCV resampling): Small's rates with ``veryfast -tune
psnr`` scored 6.8 VMAF below ``medium`` at the same size, and ``-preset slow`` only 0.15 above it for 60 % more
encoding time: at a third of the bits the encoder's effort pays, so Small uses ``medium``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from core_engine.render.plan import EncoderSettings, RenderSettings

__all__ = [
    "FORMAT_PRESETS",
    "MAX_ASPECT",
    "MIN_ASPECT",
    "PREVIEW_MAX_FPS",
    "PREVIEW_SHORT_SIDE",
    "QUALITY_PRESETS",
    "SUPPORTED_FPS",
    "FormatPreset",
    "format_errors",
    "preview_settings",
    "quality_encoder",
]


@dataclass(frozen=True)
class FormatPreset:
    """A named output size: ``aspect`` label (``"16:9"``), ``width`` × ``height`` pixels."""

    aspect: str
    width: int
    height: int


#: The output sizes offered in the editor.
FORMAT_PRESETS: tuple[FormatPreset, ...] = (
    FormatPreset("16:9", 1920, 1080),
    FormatPreset("16:9", 1280, 720),
    FormatPreset("9:16", 1080, 1920),
    FormatPreset("1:1", 1080, 1080),
    FormatPreset("4:5", 1080, 1350),
)

#: Frame rates a project may use: the presets' 24, 25, 30, 60, plus 8, 12 and 15 for drafts and tests (smaller,
#: faster renders). Everything else is refused (ffmpeg would accept it, players and sites often do not).
SUPPORTED_FPS: tuple[int, ...] = (8, 12, 15, 24, 25, 30, 60)

#: The widest and the tallest output shapes (width / height) accepted: 3:1 and 1:3. Beyond them the camera would
#: show a sliver of any photo.
MIN_ASPECT = 1.0 / 3.0
MAX_ASPECT = 3.0

#: ``Project.quality`` values → video encoder settings (audio is the same for all: AAC 192 kb/s, 48 kHz).
QUALITY_PRESETS: dict[str, EncoderSettings] = {
    # Standard: the seeds' H.264 at 8000 kb/s with the engine's default encoder (superfast, tune psnr, see
    # EncoderSettings). Measured: VMAF 96.43, 4.81 MB for the 6 s test clip.
    "standard": EncoderSettings(),
    # High: constant quality CRF 18 (the seeds' Render API), veryfast + tune psnr. Measured: VMAF 98.76, 2.70×
    # Standard's size.
    "high": EncoderSettings(crf=18, preset="veryfast", x264_params=""),
    # Small, for sharing: 2700 kb/s average capped at 4000 kb/s, preset medium without tune (a third of the bytes).
    # Measured: VMAF 92.54, 0.31× Standard.
    "small": EncoderSettings(
        bitrate="2700k", preset="medium", tune="", x264_params="", maxrate="4000k", bufsize="8000k"
    ),
}

#: Quick preview: the short side of the draft, pixels (480p), and its highest frame rate.
PREVIEW_SHORT_SIDE = 480
PREVIEW_MAX_FPS = 15

#: Quick preview encoder: fastest x264 preset, constant quality 30 (a draft to judge timing and framing), none of
#: Standard's tuning (its ``trellis=1`` and adaptive quantisation more than doubled the draft's encode: 1.10 vs
#: 0.49 CPU s for the 225 frames of the bench draft at 854x480); AAC at 64 kb/s, 24 kHz (speech keeps its band up
#: to 12 kHz; encoding AAC at 48 kHz/192 kb/s took ~1.2 CPU s per 15 s of audio, the draft's largest audio cost).
PREVIEW_ENCODER = EncoderSettings(
    preset="ultrafast", tune="", x264_params="", crf=30, audio_bitrate="64k", audio_sample_rate=24000
)


def quality_encoder(quality: str) -> EncoderSettings:
    """The encoder settings of a quality preset.

    Raises:
        ValueError: ``quality`` is not one of :data:`QUALITY_PRESETS`.
    """
    try:
        return QUALITY_PRESETS[quality]
    except KeyError:
        raise ValueError(f"unknown quality {quality!r}; use one of {', '.join(QUALITY_PRESETS)}") from None


def format_errors(width: int, height: int, fps: int) -> dict[str, str]:
    """Why an output format cannot be rendered, by field (``resolution_width``, ``resolution_height``,
    ``framerate``); empty when it can.

    Checks: even sizes (H.264 4:2:0), a frame rate of :data:`SUPPORTED_FPS`, an aspect ratio within
    [:data:`MIN_ASPECT`, :data:`MAX_ASPECT`]. (Size bounds are the model fields' own validators.)
    """
    errors: dict[str, str] = {}
    if width % 2:
        errors["resolution_width"] = "Must be an even number of pixels (H.264 with 4:2:0 colour)."
    if height % 2:
        errors["resolution_height"] = "Must be an even number of pixels (H.264 with 4:2:0 colour)."
    if fps not in SUPPORTED_FPS:
        errors["framerate"] = f"{fps} fps is not supported; use one of {', '.join(map(str, SUPPORTED_FPS))}."
    if height > 0 and not errors and not MIN_ASPECT <= width / height <= MAX_ASPECT:
        errors["resolution_width"] = (
            f"{width}×{height} is too {'wide' if width > height else 'tall'}: the shape must be between 1:3 and 3:1."
        )
    return errors


def _even(x: float) -> int:
    return max(2, 2 * round(x / 2))


def preview_settings(settings: RenderSettings) -> RenderSettings:
    """The quick preview's draft of ``settings``: same shape, short side :data:`PREVIEW_SHORT_SIDE` pixels (never
    larger than the original), at most :data:`PREVIEW_MAX_FPS` fps, :data:`PREVIEW_ENCODER` (same zoom), marked
    ``draft`` (the engine's cheaper draft path: see :class:`~core_engine.render.plan.RenderSettings`)."""
    w, h = settings.width, settings.height
    scale = min(1.0, PREVIEW_SHORT_SIDE / min(w, h))
    fps = min(settings.fps, PREVIEW_MAX_FPS)
    return replace(
        settings, width=_even(w * scale), height=_even(h * scale), fps=fps, encoder=PREVIEW_ENCODER, draft=True
    )
