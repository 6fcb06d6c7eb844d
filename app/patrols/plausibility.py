"""Plausibility of visits: flagged for the supervisor, never blocking the patroller."""
from __future__ import annotations

import math
from datetime import datetime

WALKING_SPEED_M_S = 1.5  # brisk walk, stairs included on average
MIN_SECONDS_BETWEEN_CHECKPOINTS = 20  # no coordinates: even neighbours take this long
GOOD_FIX_M = 50  # accuracy at or below which a phone's position is trusted
FAR_AWAY_M = 150


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in metres (haversine)."""
    radius = 6_371_000
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * radius * math.asin(math.sqrt(a))


def too_fast(previous_at: datetime | None, previous_coords: tuple | None, at: datetime, coords: tuple | None) -> bool:
    """Closer in time to the previous visit than walking between the two places allows."""
    if previous_at is None:
        return False
    seconds = (at - previous_at).total_seconds()
    needed = MIN_SECONDS_BETWEEN_CHECKPOINTS
    if previous_coords and coords and None not in previous_coords and None not in coords:
        needed = max(needed, distance_m(*previous_coords, *coords) / WALKING_SPEED_M_S)
    return seconds < needed


def far_away(checkpoint_coords: tuple | None, phone: tuple | None, accuracy_m: float | None) -> bool:
    """The phone reports a good fix well away from the checkpoint's coordinates."""
    if not checkpoint_coords or not phone or None in checkpoint_coords or None in phone or accuracy_m is None:
        return False
    if accuracy_m > GOOD_FIX_M:
        return False
    return distance_m(*checkpoint_coords, *phone) > max(FAR_AWAY_M, 2 * accuracy_m)


def join_flags(*flags: str | None) -> str | None:
    present = sorted({f for f in flags if f})
    return ",".join(present) or None
