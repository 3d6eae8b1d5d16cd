"""When a failed delivery is tried again: the Standard Webhooks schedule, pure."""

from datetime import datetime
from email.utils import parsedate_to_datetime

from workflow.kernel.backoff import next_try

# Seconds after the first attempt fails, the second, ...: immediately, 5 s, 5 min, 30 min,
# 2 h, 5 h, 10 h, 14 h, 20 h, 24 h. The first attempt is immediate; after the last, dead letter.
RETRIES = (0, 5, 300, 1800, 7200, 18000, 36000, 50400, 72000, 86400)
ATTEMPTS = len(RETRIES) + 1


def next_attempt(attempts: int, now: datetime, retry_after: float | None) -> datetime | None:
    """When to try after `attempts` failed ones (None: no more, dead letter); a receiver's
    Retry-After is honoured when it asks for longer than the schedule, up to a day."""
    return next_try(RETRIES, attempts, now, retry_after)


def parse_retry_after(value: str | None, now: datetime) -> float | None:
    """Retry-After in seconds, from its delay-seconds or HTTP-date form; None if absent or
    unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, (when - now).total_seconds())
