"""Deciding, frame by frame, whether a target is in view (the rule of ``AbsenceParams``).

Only what the tracker computes anyway is used: whether the mask passed the area gates, the
DCF's uncertainty, and how much of the mask lies inside the image. A streak of frames that do
not see the target makes it absent, a streak that does makes it present again (hysteresis, so
a single bad or lucky frame changes nothing).
"""

from __future__ import annotations

from dataclasses import dataclass

from .params import AbsenceParams


@dataclass
class Presence:
    """One target's absence state: whether it is reported present, and the current streaks."""

    present: bool = True
    misses: int = 0
    hits: int = 0


def sees_target(params: AbsenceParams, *, segmented: bool, uncertainty: float, visible: float) -> bool:
    """Whether one frame's evidence shows the target (see ``AbsenceParams``)."""
    return segmented and uncertainty < params.max_uncertainty and visible >= params.min_visible


def observe(presence: Presence, params: AbsenceParams, seen: bool) -> bool:
    """Update ``presence`` with one frame's evidence; returns whether the target is present.
    Always True when the rule is off."""
    if not params.enabled:
        return True
    if seen:
        presence.hits, presence.misses = presence.hits + 1, 0
    else:
        presence.hits, presence.misses = 0, presence.misses + 1
    if presence.present and presence.misses >= params.lost_after:
        presence.present = False
    elif not presence.present and presence.hits >= params.found_after:
        presence.present = True
    return presence.present
