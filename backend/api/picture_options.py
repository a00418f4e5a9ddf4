"""Project picture options (issue 12 §1–§2): the ``transition`` between shots and the shot length limits
``min_shot`` / ``max_shot``, validated with a 400 naming the field.

Rules (seconds):

* ``transition.kind`` ∈ ``cut``, ``crossfade``, ``fade_black``, ``slide_left``;
* ``0 < transition.duration ≤ 2``, not longer than ``min_shot`` and not longer than the shortest narration of the
  project's segments (half of it is taken from each side of a boundary). A narration made shorter later does not
  make the render fail: the transition is shortened next to short shots (:mod:`core_engine.render.shots`);
* ``0.5 ≤ min_shot ≤ max_shot ≤ 60``.
"""

from __future__ import annotations

import math
from typing import Any

from core_engine.render.shots import MAX_TRANSITION_DURATION, TRANSITION_KINDS
from django.db.models import Min
from rest_framework import serializers

from api.models import Project, Segment, default_transition

__all__ = ["MAX_SHOT_LIMIT", "MIN_SHOT_LIMIT", "TransitionSerializer", "validate_picture_options"]

#: Bounds of ``min_shot`` / ``max_shot``, seconds.
MIN_SHOT_LIMIT = 0.5
MAX_SHOT_LIMIT = 60.0


class TransitionSerializer(serializers.Serializer):
    """``{"kind", "duration"}``: how every shot gives way to the next (``duration`` in seconds, centred on the
    boundary; ignored for ``cut``). A key missing from a request keeps its current value (the default for a new
    project)."""

    kind = serializers.ChoiceField(choices=list(TRANSITION_KINDS))
    duration = serializers.FloatField(min_value=0.0, max_value=MAX_TRANSITION_DURATION)

    def validate_duration(self, value: float) -> float:
        if not math.isfinite(value) or value <= 0:
            raise serializers.ValidationError("Must be more than 0 seconds.")
        return value

    def to_internal_value(self, data: Any) -> dict[str, Any]:
        if not isinstance(data, dict):
            raise serializers.ValidationError('Expected an object like {"kind": "crossfade", "duration": 0.5}.')
        unknown = sorted(set(data) - {"kind", "duration"})
        if unknown:
            raise serializers.ValidationError(f"Unknown key(s): {', '.join(unknown)}; use kind and duration.")
        instance = getattr(self.parent, "instance", None)
        current = getattr(instance, "transition", None) or default_transition()
        return dict(super().to_internal_value({**current, **data}))


def _shortest_narration(project: Project | None) -> float | None:
    if project is None:
        return None
    value = Segment.objects.filter(project=project, audio_duration__gt=0).aggregate(m=Min("audio_duration"))["m"]
    return float(value) if value is not None else None


def validate_picture_options(attrs: dict[str, Any], instance: Project | None) -> dict[str, Any]:
    """Check ``transition``, ``min_shot`` and ``max_shot`` together (new values in ``attrs`` over the project's
    current ones) and merge a partial ``transition`` into the current one.

    Returns ``attrs`` with ``transition`` complete when it was given.

    Raises:
        rest_framework.exceptions.ValidationError: ``{"transition": {"duration": [...]}}``, ``{"min_shot": [...]}``
            or ``{"max_shot": [...]}``.
    """
    current = dict(getattr(instance, "transition", None) or {"kind": "cut", "duration": 0.5})
    transition = {**current, **attrs.get("transition", {})}
    min_shot = attrs.get("min_shot", getattr(instance, "min_shot", 2.5))
    max_shot = attrs.get("max_shot", getattr(instance, "max_shot", 8.0))
    errors: dict[str, Any] = {}
    if ("min_shot" in attrs or "max_shot" in attrs) and min_shot > max_shot:
        field = "max_shot" if "max_shot" in attrs else "min_shot"
        errors[field] = [f"min_shot ({min_shot:g} s) must not be longer than max_shot ({max_shot:g} s)."]
    if transition["kind"] != "cut" and ("transition" in attrs or "min_shot" in attrs):
        duration = float(transition["duration"])
        shortest = _shortest_narration(instance)
        if duration > min_shot:
            errors["transition"] = {
                "duration": [f"{duration:g} s is longer than the shortest shot allowed (min_shot {min_shot:g} s)."]
            }
        elif shortest is not None and duration > shortest:
            errors["transition"] = {
                "duration": [f"{duration:g} s is longer than the shortest segment's narration ({shortest:.2f} s)."]
            }
    if errors:
        raise serializers.ValidationError(errors)
    if "transition" in attrs:
        attrs["transition"] = transition
    return attrs
