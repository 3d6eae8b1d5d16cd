"""When a failed send is tried again, on a schedule of waits: pure."""

from collections.abc import Sequence
from datetime import datetime, timedelta


def next_try(
    waits: Sequence[float], failures: int, now: datetime, at_least: float | None = None
) -> datetime | None:
    """When to try after `failures` failed tries: the schedule's wait after that many, or
    `at_least` seconds if the other side asked for longer, up to the schedule's longest wait;
    None when the schedule is spent."""
    if failures > len(waits):
        return None
    wait = timedelta(seconds=waits[failures - 1])
    if at_least is not None:
        wait = max(wait, min(timedelta(seconds=at_least), timedelta(seconds=max(waits))))
    return now + wait
