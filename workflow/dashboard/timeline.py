"""A campaign over time, from its items' moments: progress and backlog per interval, the time
from first proposal to consensus, and the fields disputes fall on. Pure: no database."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np

# Buckets of the progress chart: the smallest of these that keeps it to about 40 points.
STEPS = (
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=15),
    timedelta(hours=1),
    timedelta(hours=6),
    timedelta(days=1),
    timedelta(days=7),
)
MAX_POINTS = 40
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
# Edges of the time-to-consensus histogram, in seconds: bins a person reads without a scale.
EDGES = (0, 60, 300, 900, 3600, 4 * 3600, 86400, 3 * 86400, 7 * 86400)
EDGE_NAMES = ("1 min", "5 min", "15 min", "1 h", "4 h", "1 day", "3 days", "1 week")
DECIDED = frozenset({"agreed", "resolved"})


@dataclass(frozen=True, slots=True)
class ItemMoments:
    """When one item got its first proposal, was first disputed and first decided, and how."""

    item_id: int
    schema: str
    first_proposal: datetime | None
    disputed: datetime | None
    decided: datetime | None
    method: str | None
    disputed_fields: tuple[str, ...] = ()


@dataclass(frozen=True)
class Moments:
    """Every item's moments as columns, one entry per item: times in microseconds since the
    epoch (exact in a float, NaN where there is none), so a campaign's 333,000 items are
    counted in numpy rather than one object each."""

    schema: list[str]
    first_proposal: np.ndarray
    disputed: np.ndarray
    decided: np.ndarray
    method: list[str | None]
    disputed_fields: list[tuple[str, ...]]

    @classmethod
    def of(cls, items: Sequence[ItemMoments]) -> Moments:
        """The columns of items given one by one."""
        return cls(
            [m.schema for m in items],
            _micros([m.first_proposal for m in items]),
            _micros([m.disputed for m in items]),
            _micros([m.decided for m in items]),
            [m.method for m in items],
            [m.disputed_fields for m in items],
        )

    def __len__(self) -> int:
        return len(self.schema)


def micros(moment: datetime) -> int:
    """Microseconds from the epoch to an aware time."""
    return (moment - EPOCH) // timedelta(microseconds=1)


def _micros(moments: Sequence[datetime | None]) -> np.ndarray:
    return np.array([np.nan if m is None else micros(m) for m in moments], dtype=np.float64)


def _present(times: np.ndarray) -> np.ndarray:
    return np.sort(times[~np.isnan(times)])


def progress_series(moments: Moments, now: datetime) -> dict[str, Any]:
    """Items decided, in review and waiting at the end of each interval since the first
    proposal; the interval grows with the campaign's age."""
    started = _present(moments.first_proposal)
    if not len(started):
        return {"step_seconds": None, "points": []}
    first = EPOCH + timedelta(microseconds=int(started[0]))
    step = next((s for s in STEPS if (now - first) / s <= MAX_POINTS), STEPS[-1])
    origin = EPOCH + step * ((first - EPOCH) // step)
    decided = _present(moments.decided)
    disputed = _present(moments.disputed)
    # An item leaves review when decided; one disputed and decided by t counts in neither.
    through_review = _present(moments.decided[~np.isnan(moments.disputed)])
    points = []
    at = origin + step
    while True:
        by = micros(at)
        done = int(np.searchsorted(decided, by, side="right"))
        review = int(np.searchsorted(disputed, by, side="right")) - int(
            np.searchsorted(through_review, by, side="right")
        )
        points.append(
            {
                "at": at.isoformat(),
                "decided": done,
                "in_review": review,
                "started": int(np.searchsorted(started, by, side="right")),
                "waiting": len(moments) - done - review,
            }
        )
        if at >= now or len(points) > MAX_POINTS + 1:
            break
        at += step
    return {"step_seconds": step.total_seconds(), "points": points}


def time_to_consensus(moments: Moments) -> dict[str, Any]:
    """Seconds from an item's first proposal to its first decision: median, 90th percentile and
    a histogram, for all decided items and per method (the engine, the committee)."""
    both = ~np.isnan(moments.decided) & ~np.isnan(moments.first_proposal)
    # Whole microseconds over a million: the same float as timedelta.total_seconds().
    waits = np.maximum(0.0, (moments.decided[both] - moments.first_proposal[both]) / 1e6)
    methods = np.array([m or "unknown" for m in moments.method], dtype=object)[both]
    groups = {"all": waits} if len(waits) else {}
    for method in set(methods.tolist()):
        groups[method] = waits[methods == method]
    return {
        "edges_seconds": list(EDGES),
        "edge_names": list(EDGE_NAMES),
        "groups": {name: _summary(values) for name, values in sorted(groups.items())},
    }


def _summary(values: np.ndarray) -> dict[str, Any]:
    ordered = np.sort(values)
    n = len(ordered)
    bins = np.minimum(np.searchsorted(EDGES, ordered, side="right"), len(EDGES)) - 1
    # statistics.median's arithmetic, on Python floats, so the figure is the same to the bit.
    middle = float(ordered[n // 2])
    return {
        "items": n,
        "median_seconds": middle if n % 2 else (float(ordered[n // 2 - 1]) + middle) / 2,
        "p90_seconds": float(ordered[min(n - 1, int(0.9 * n))]),
        "histogram": np.bincount(bins, minlength=len(EDGES)).tolist(),
    }


def disputed_fields(moments: Moments, limit: int = 12) -> list[dict[str, Any]]:
    """The fields most often disputed, with the share of their schema's evaluated items."""
    disputed = ~np.isnan(moments.disputed)
    evaluated = Counter(
        np.array(moments.schema, dtype=object)[disputed | ~np.isnan(moments.decided)].tolist()
    )
    counts = Counter(
        (moments.schema[i], field)
        for i in np.flatnonzero(disputed).tolist()
        for field in (moments.disputed_fields[i] or ("",))
    )
    return [
        {
            "schema": schema,
            "field": field,
            "disputes": n,
            "share": n / evaluated[schema] if evaluated[schema] else None,
        }
        for (schema, field), n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:limit]
    ]
