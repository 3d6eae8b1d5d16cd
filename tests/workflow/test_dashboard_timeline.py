"""The campaign timeline counted in columns gives the figures of its definition item by item:
the progress series, the time to consensus and the disputed fields."""

from bisect import bisect_right
from collections import Counter
from datetime import UTC, datetime, timedelta
from statistics import median

from hypothesis import given, settings
from hypothesis import strategies as st

from workflow.dashboard.timeline import (
    EDGES,
    EPOCH,
    MAX_POINTS,
    STEPS,
    ItemMoments,
    Moments,
    disputed_fields,
    progress_series,
    time_to_consensus,
)

START = datetime(2026, 11, 1, tzinfo=UTC)


def defined_progress(moments: list[ItemMoments], now: datetime) -> dict:
    """The series as defined: bisections of each moment's sorted times."""
    starts = [m.first_proposal for m in moments if m.first_proposal is not None]
    if not starts:
        return {"step_seconds": None, "points": []}
    first = min(starts)
    step = next((s for s in STEPS if (now - first) / s <= MAX_POINTS), STEPS[-1])
    origin = EPOCH + step * ((first - EPOCH) // step)
    decided = sorted(m.decided for m in moments if m.decided is not None)
    disputed = sorted(m.disputed for m in moments if m.disputed is not None)
    through = sorted(m.decided for m in moments if m.disputed and m.decided)
    points, at = [], origin + step
    while True:
        done = bisect_right(decided, at)
        review = bisect_right(disputed, at) - bisect_right(through, at)
        points.append(
            {
                "at": at.isoformat(),
                "decided": done,
                "in_review": review,
                "started": bisect_right(sorted(starts), at),
                "waiting": len(moments) - done - review,
            }
        )
        if at >= now or len(points) > MAX_POINTS + 1:
            break
        at += step
    return {"step_seconds": step.total_seconds(), "points": points}


def defined_time_to_consensus(moments: list[ItemMoments]) -> dict:
    """Waits as timedeltas in seconds, summarised with statistics.median and bisection."""
    waits: dict[str, list[float]] = {}
    for m in moments:
        if m.decided is not None and m.first_proposal is not None:
            seconds = max(0.0, (m.decided - m.first_proposal).total_seconds())
            waits.setdefault("all", []).append(seconds)
            waits.setdefault(m.method or "unknown", []).append(seconds)
    groups = {}
    for name, values in sorted(waits.items()):
        ordered = sorted(values)
        counts = [0] * len(EDGES)
        for value in ordered:
            counts[min(bisect_right(EDGES, value), len(EDGES)) - 1] += 1
        groups[name] = {
            "items": len(ordered),
            "median_seconds": median(ordered),
            "p90_seconds": ordered[min(len(ordered) - 1, int(0.9 * len(ordered)))],
            "histogram": counts,
        }
    return groups


def defined_disputed_fields(moments: list[ItemMoments], limit: int) -> list[dict]:
    evaluated = Counter(m.schema for m in moments if m.disputed or m.decided)
    counts = Counter(
        (m.schema, field)
        for m in moments
        if m.disputed is not None
        for field in (m.disputed_fields or ("",))
    )
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:limit]
    return [
        {"schema": s, "field": f, "disputes": n, "share": n / evaluated[s]} for (s, f), n in ranked
    ]


# Times to the microsecond over three weeks, with ties, so the steps and bins all come up.
times = st.one_of(
    st.none(),
    st.integers(0, 21 * 86400 * 10**6).map(lambda us: START + timedelta(microseconds=us)),
    st.sampled_from([START, START + timedelta(minutes=1)]),
)
items = st.lists(
    st.builds(
        ItemMoments,
        st.integers(),
        st.sampled_from(["intent", "tone"]),
        times,
        times,
        times,
        st.sampled_from([None, "auto", "committee"]),
        st.lists(st.sampled_from(["a", "b", "c"]), max_size=2, unique=True).map(tuple),
    ),
    max_size=30,
)


@settings(max_examples=300, deadline=None)
@given(items, st.integers(0, 30 * 86400))
def test_the_columns_give_the_item_by_item_figures(moments, later):
    now = START + timedelta(days=21, seconds=later)
    columns = Moments.of(moments)
    assert progress_series(columns, now) == defined_progress(moments, now)
    assert time_to_consensus(columns)["groups"] == defined_time_to_consensus(moments)
    assert disputed_fields(columns, 3) == defined_disputed_fields(moments, 3)
