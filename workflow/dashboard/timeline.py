"""A campaign over time, from its items' moments: progress and backlog per interval, the time
from first proposal to consensus, and the fields disputes fall on. Pure: no database."""

from bisect import bisect_right
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from statistics import median
from typing import Any

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


def progress_series(moments: Sequence[ItemMoments], now: datetime) -> dict[str, Any]:
    """Items decided, in review and waiting at the end of each interval since the first
    proposal; the interval grows with the campaign's age."""
    starts = [m.first_proposal for m in moments if m.first_proposal is not None]
    if not starts:
        return {"step_seconds": None, "points": []}
    first = min(starts)
    step = next((s for s in STEPS if (now - first) / s <= MAX_POINTS), STEPS[-1])
    origin = EPOCH + step * ((first - EPOCH) // step)
    decided = sorted(m.decided for m in moments if m.decided is not None)
    disputed = sorted(m.disputed for m in moments if m.disputed is not None)
    # An item leaves review when decided; one disputed and decided by t counts in neither.
    through_review = sorted(
        m.decided for m in moments if m.disputed is not None and m.decided is not None
    )
    started = sorted(starts)
    points = []
    at = origin + step
    while True:
        done = bisect_right(decided, at)
        review = bisect_right(disputed, at) - bisect_right(through_review, at)
        begun = bisect_right(started, at)
        points.append(
            {
                "at": at.isoformat(),
                "decided": done,
                "in_review": review,
                "started": begun,
                "waiting": len(moments) - done - review,
            }
        )
        if at >= now or len(points) > MAX_POINTS + 1:
            break
        at += step
    return {"step_seconds": step.total_seconds(), "points": points}


def time_to_consensus(moments: Sequence[ItemMoments]) -> dict[str, Any]:
    """Seconds from an item's first proposal to its first decision: median, 90th percentile and
    a histogram, for all decided items and per method (the engine, the committee)."""
    waits: dict[str, list[float]] = {}
    for m in moments:
        if m.decided is not None and m.first_proposal is not None:
            seconds = max(0.0, (m.decided - m.first_proposal).total_seconds())
            waits.setdefault("all", []).append(seconds)
            waits.setdefault(m.method or "unknown", []).append(seconds)
    return {
        "edges_seconds": list(EDGES),
        "edge_names": list(EDGE_NAMES),
        "groups": {name: _summary(values) for name, values in sorted(waits.items())},
    }


def _summary(values: list[float]) -> dict[str, Any]:
    ordered = sorted(values)
    counts = [0] * len(EDGES)
    for value in ordered:
        counts[min(bisect_right(EDGES, value), len(EDGES)) - 1] += 1
    return {
        "items": len(ordered),
        "median_seconds": median(ordered),
        "p90_seconds": ordered[min(len(ordered) - 1, int(0.9 * len(ordered)))],
        "histogram": counts,
    }


def disputed_fields(moments: Sequence[ItemMoments], limit: int = 12) -> list[dict[str, Any]]:
    """The fields most often disputed, with the share of their schema's evaluated items."""
    evaluated = Counter(m.schema for m in moments if m.disputed or m.decided)
    counts = Counter(
        (m.schema, field)
        for m in moments
        if m.disputed is not None
        for field in (m.disputed_fields or ("",))
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
