"""Digest windows, pure (Hypothesis): every moment falls in exactly one window, which ends
after it and no later than a window's length; a day's windows end at midnight UTC."""

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from workflow.mail.notices import window_end

MOMENTS = st.datetimes(
    min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)
)
HOURS = st.sampled_from([0.5, 1.0, 6.0, 24.0, 168.0])


@given(MOMENTS, HOURS)
def test_a_moment_falls_in_one_window_that_ends_after_it(at, hours):
    end = window_end(at, hours)
    assert at < end <= at + timedelta(hours=hours)
    # The window's last moment and its start share its end; the end starts the next one.
    assert window_end(end - timedelta(microseconds=1), hours) == end
    assert window_end(end, hours) == end + timedelta(hours=hours)


@given(MOMENTS)
def test_a_days_window_ends_at_midnight_utc(at):
    end = window_end(at, 24.0)
    assert (end.hour, end.minute, end.second, end.microsecond) == (0, 0, 0, 0)
    assert end.date() == (at + timedelta(days=1)).date()
