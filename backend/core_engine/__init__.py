"""StoryReel's render engine, importable without a running server (DESIGN §2, §6).

* :mod:`core_engine.render` — the engine: render plan → MP4 (``render.pipeline.render_plan``), one module per
  concern (timeline, cache keys, ffmpeg, narration, frames, segments, join, progress).
* :mod:`core_engine.video_renderer` — the Django entry point (``render_project``): builds the plan from the ORM.
* :mod:`core_engine.ken_burns` — camera paths (sub-pixel crop windows, smoothstep easing, motion derived from the
  segment id) and frame generation (RGB or BT.709 yuv420p planes).
* :mod:`core_engine.render_utils`, :mod:`core_engine.audio_utils` — ffmpeg discovery, image normalisation, audio
  decoding.

Only ``video_renderer.render_project`` touches the ORM; everything else takes plain values (paths, seconds,
pixels, settings dataclasses).
"""
