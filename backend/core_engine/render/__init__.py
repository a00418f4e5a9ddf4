"""The render engine, one module per concern (DESIGN §6); :mod:`core_engine.render.pipeline` reads top to bottom.

* :mod:`~core_engine.render.plan` — public types (settings, plan, result, errors) and the timeline.
* :mod:`~core_engine.render.progress` — the progress record, its stages, the tracker that builds it, cancellation.
* :mod:`~core_engine.render.cache`, :mod:`~core_engine.render.keys` — content-addressed cache entries and their keys.
* :mod:`~core_engine.render.ffmpeg` — running ffmpeg (common arguments, process group, progress, error text).
* :mod:`~core_engine.render.narration` — the narration track.
* :mod:`~core_engine.render.frames` — Ken Burns frame production in a producer thread.
* :mod:`~core_engine.render.segments` — segment encodes into the cache (:func:`encode_segment` for one).
* :mod:`~core_engine.render.join`, :mod:`~core_engine.render.mp4` — concat, mux, check, publish.
* :mod:`~core_engine.render.pipeline` — :func:`render_plan`, the steps in order.

Nothing here imports Django; :mod:`core_engine.video_renderer` builds plans from the database.
"""
