"""The dashboard's chart layouts and CSV tables from a snapshot's figures, without a browser:
every mark sits inside its chart, and each table holds the figures' own numbers."""

from datetime import UTC, datetime, timedelta

import pytest

from api.pages import charts
from api.pages.dashboard import duration
from workflow.dashboard.tables import TABLES, table
from workflow.dashboard.timeline import ItemMoments, Moments, progress_series, time_to_consensus
from workflow.kernel.errors import NotFound

START = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
ALPHA = {
    "field": "priority",
    "level": "interval",
    "value": 0.41,
    "ci": [-0.35, 0.77],
    "confidence": 0.95,
    "n_units": 30,
    "n_pairable_units": 30,
    "n_pairable_values": 90,
    "undefined_reason": None,
}
KAPPA = {
    "raters": ["a", "b", "c"],
    "values": [[1.0, 0.9, None], [0.9, 1.0, -0.2], [None, -0.2, 1.0]],
    "shared_units": [[5, 5, 0], [5, 6, 3], [0, 3, 4]],
}
RELIABILITY = [
    {
        "annotator": "a",
        "proposals": 5,
        "leave_one_out": 0.8,
        "leave_one_out_raw": 0.9,
        "leave_one_out_items": 4,
        "dawid_skene": 0.7,
    },
    {
        "annotator": "b",
        "proposals": 6,
        "leave_one_out": None,
        "leave_one_out_raw": None,
        "leave_one_out_items": 0,
        "dawid_skene": None,
    },
]


def moments() -> Moments:
    return Moments.of(
        [
            ItemMoments(1, "s", START, None, START + timedelta(minutes=3), "auto"),
            ItemMoments(
                2,
                "s",
                START,
                START + timedelta(hours=1),
                START + timedelta(hours=5),
                "committee",
                ("priority",),
            ),
            ItemMoments(
                3,
                "s",
                START + timedelta(hours=2),
                START + timedelta(hours=3),
                None,
                None,
                ("priority",),
            ),
            ItemMoments(4, "s", None, None, None, None),
        ]
    )


def figures() -> dict:
    now = START + timedelta(hours=6)
    return {
        "schemas": [{"schema": "s", "alpha": [ALPHA], "kappa": KAPPA, "reliability": RELIABILITY}],
        "progress": progress_series(moments(), now),
        "time_to_consensus": time_to_consensus(moments()),
        "disputed_fields": [{"schema": "s", "field": "priority", "disputes": 2, "share": 2 / 3}],
    }


def inside(chart: charts.Chart) -> None:
    for mark in chart.marks:
        assert 0 <= mark.x <= chart.width and 0 <= mark.y <= chart.height, mark
        assert mark.x + mark.width <= chart.width + 1e-9


def test_the_series_counts_decided_in_review_and_waiting_items_at_each_step():
    series = progress_series(moments(), START + timedelta(hours=6))
    assert series["step_seconds"] == 900  # six hours in quarter-hours: at most 40 points
    last = series["points"][-1]
    assert (last["decided"], last["in_review"], last["waiting"], last["started"]) == (2, 1, 1, 3)
    at_four = next(p for p in series["points"] if p["at"] == "2026-12-01T13:00:00+00:00")
    assert (at_four["decided"], at_four["in_review"]) == (1, 2)


def test_time_to_consensus_bins_and_summarises_each_method():
    groups = time_to_consensus(moments())["groups"]
    assert groups["all"]["items"] == 2 and groups["auto"]["median_seconds"] == 180
    assert groups["committee"]["histogram"][5] == 1  # 5 h: between 4 h and 1 day


def test_every_chart_keeps_its_marks_inside_it():
    f = figures()
    alpha = charts.interval_chart(f["schemas"][0]["alpha"])
    assert alpha.x_ticks[0].label == "-0.4"  # the interval reaches below zero
    (whisker,) = alpha.marks
    assert whisker.low < whisker.x < whisker.high
    for chart in (
        alpha,
        charts.reliability_chart(RELIABILITY),
        charts.progress_chart(f["progress"]),
        charts.histogram(f["time_to_consensus"]),
        charts.bar_chart([("s.priority", 2 / 3, "2", "2 disputes")], x_label="share"),
    ):
        inside(chart)
    heat = charts.heatmap(KAPPA)
    assert len(heat.cells) == 9
    undefined = heat.cells[2]
    assert undefined.fill == "#d0d7de" and "no items in common" in undefined.title
    assert charts.reliability_chart([RELIABILITY[1]]) is None
    assert charts.interval_chart([{**ALPHA, "value": None}]) is None


def test_each_table_holds_the_figures_numbers():
    f = figures()
    header, rows = table(f, "alpha")
    (row,) = rows
    assert dict(zip(header, row, strict=True))["ci_low"] == -0.35
    header, rows = table(f, "kappa")
    assert ["s", "b", "c", -0.2, 3] in rows and len(rows) == 6
    for name in TABLES:
        header, rows = table(f, name)
        assert all(len(r) == len(header) for r in rows)
    with pytest.raises(NotFound):
        table(f, "nothing")


@pytest.mark.parametrize(
    ("seconds", "said"), [(45, "45 s"), (720, "12 min"), (12600, "3.5 h"), (190000, "2.2 days")]
)
def test_durations_read_as_people_say_them(seconds, said):
    assert duration(seconds) == said
