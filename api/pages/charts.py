"""The dashboard's charts, laid out on the server as SVG shapes for the templates to draw:
no script, so the strict CSP holds and the charts show without JavaScript."""

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from itertools import cycle
from typing import Any

# Row charts are drawn narrower than time charts, so their labels stay legible in a card.
WIDTH, ROW_WIDTH = 560, 460
LEFT, RIGHT, TOP = 110, 40, 16
ROW = 26
# Okabe-Ito: told apart by readers with any common colour-vision deficiency.
BLUE, ORANGE, GREEN, PINK, GREY = "#0072B2", "#E69F00", "#009E73", "#CC79A7", "#8c959f"


@dataclass(frozen=True, slots=True)
class Tick:
    """A gridline at `at` (pixels) with its label."""

    at: float
    label: str


@dataclass(frozen=True, slots=True)
class Mark:
    """One drawn value: its shape ("dot", "square", "whisker", "bar"), where it sits, how far
    it reaches, its colour and what hovering says."""

    shape: str
    x: float
    y: float
    width: float = 0.0
    height: float = 0.0
    low: float = 0.0
    high: float = 0.0
    fill: str = BLUE
    text: str = ""
    title: str = ""
    ink: str = "#1f2328"  # the text's colour, light on a dark fill


@dataclass(frozen=True, slots=True)
class Chart:
    """A chart's frame (plot area, ticks, labels) and its marks, lines and legend."""

    width: float
    height: float
    left: float
    right: float
    bottom: float
    x_ticks: tuple[Tick, ...] = ()
    y_ticks: tuple[Tick, ...] = ()
    rows: tuple[Tick, ...] = ()  # a label per row (y is its middle), for row charts
    marks: tuple[Mark, ...] = ()
    lines: tuple[tuple[str, str, str], ...] = ()  # (SVG path, colour, name)
    legend: tuple[tuple[str, str], ...] = ()  # (name, colour)
    x_label: str = ""
    y_label: str = ""


def _row_chart(bottom: float, **parts: Any) -> Chart:
    """A chart of one labelled row per value, its plot ending at `bottom`."""
    return Chart(ROW_WIDTH, bottom + 40, LEFT, ROW_WIDTH - RIGHT, bottom, **parts)


def _time_chart(left: float, bottom: float, height: float, **parts: Any) -> Chart:
    """A chart over time or another axis across the full width."""
    return Chart(WIDTH, height, left, WIDTH - RIGHT, bottom, **parts)


def _scale(low: float, high: float, start: float, end: float):
    span = (high - low) or 1.0
    return lambda v: start + (v - low) / span * (end - start)


def interval_chart(rows: Sequence[dict[str, Any]], *, label: str = "field") -> Chart | None:
    """Alpha per field: the estimate as a dot, its 95% interval as a whisker, with the usual
    thresholds (0.667 tentative, 0.8 reliable) as reference lines."""
    shown = [r for r in rows if r.get("value") is not None]
    if not shown:
        return None
    low = min(0.0, *(r["ci"][0] for r in shown if r.get("ci")), *(r["value"] for r in shown))
    low = math.floor(low * 5) / 5  # gridlines every 0.2 from there
    x = _scale(low, 1.0, LEFT, ROW_WIDTH - RIGHT)
    bottom = TOP + ROW * len(shown)
    marks, names = [], []
    for i, r in enumerate(shown):
        y = TOP + ROW * i + ROW / 2
        lo, hi = r["ci"] if r.get("ci") else (r["value"], r["value"])
        interval = f", 95% interval {lo:.2f} to {hi:.2f}" if r.get("ci") else ""
        name = r[label] or "whole value"
        marks.append(
            Mark(
                "whisker",
                x(r["value"]),
                y,
                low=x(lo),
                high=x(hi),
                fill=BLUE if r["value"] >= 0.667 else ORANGE,
                text=f"{r['value']:.2f}",
                title=f"{name}: alpha {r['value']:.3f}{interval}, {r['n_pairable_values']} values",
            )
        )
        names.append(Tick(y, name))
    ticks = [v / 5 for v in range(round(low * 5), 6)]
    return _row_chart(
        bottom,
        x_ticks=tuple(Tick(x(v), f"{v:.1f}") for v in ticks),
        rows=tuple(names),
        marks=tuple(marks),
        lines=tuple(
            (f"M{x(v):.1f},{TOP} V{bottom}", GREY, name)
            for v, name in ((0.667, "0.667: tentative"), (0.8, "0.8: reliable"))
        ),
        x_label="Krippendorff's alpha (1 = perfect agreement, 0 = chance)",
    )


def reliability_chart(rows: Sequence[dict[str, Any]]) -> Chart | None:
    """Each annotator's leave-one-out agreement (dot) and Dawid-Skene accuracy (square)."""
    shown = [r for r in rows if r["leave_one_out"] is not None or r["dawid_skene"] is not None]
    if not shown:
        return None
    x = _scale(0.0, 1.0, LEFT, ROW_WIDTH - RIGHT)
    bottom = TOP + ROW * len(shown)
    marks, names = [], []
    for i, r in enumerate(shown):
        y = TOP + ROW * i + ROW / 2
        names.append(Tick(y, f"{r['annotator']} ({r['proposals']})"))
        for key, shape, fill, what in (
            ("leave_one_out", "dot", BLUE, "agrees with the others"),
            ("dawid_skene", "square", ORANGE, "accuracy"),
        ):
            if r[key] is not None:
                title = f"{r['annotator']}: {what} {r[key]:.2f}"
                marks.append(Mark(shape, x(r[key]), y, fill=fill, title=title))
    return _row_chart(
        bottom,
        x_ticks=tuple(Tick(x(v / 5), f"{v / 5:.1f}") for v in range(6)),
        rows=tuple(names),
        marks=tuple(marks),
        legend=(("leave-one-out agreement", BLUE), ("Dawid-Skene accuracy", ORANGE)),
        x_label="Reliability (share; annotator's proposals in brackets)",
    )


def bar_chart(rows: Sequence[tuple[str, float, str, str]], *, x_label: str) -> Chart | None:
    """Horizontal bars: (label, value in [0, 1], text at the bar's end, hover text)."""
    if not rows:
        return None
    x = _scale(0.0, 1.0, LEFT, ROW_WIDTH - RIGHT)
    bottom = TOP + ROW * len(rows)
    marks = tuple(
        Mark("bar", LEFT, TOP + ROW * i + 4, x(v) - LEFT, ROW - 8, fill=PINK, text=t, title=h)
        for i, (_, v, t, h) in enumerate(rows)
    )
    return _row_chart(
        bottom,
        x_ticks=tuple(Tick(x(v / 4), f"{v * 25}%") for v in range(5)),
        rows=tuple(Tick(TOP + ROW * i + ROW / 2, label) for i, (label, *_) in enumerate(rows)),
        marks=marks,
        x_label=x_label,
    )


def progress_chart(progress: dict[str, Any]) -> Chart | None:
    """Items decided, in review and waiting at the end of each interval."""
    points = progress.get("points") or []
    if not points:
        return None
    left, bottom, height = 56, 200, 250
    top = max(max(p["decided"], p["in_review"], p["waiting"]) for p in points) or 1
    x = _scale(0, max(1, len(points) - 1), left, WIDTH - RIGHT)
    y = _scale(0, top, bottom, TOP)
    lines = []
    for key, colour, name in (
        ("decided", GREEN, "decided"),
        ("in_review", ORANGE, "in review"),
        ("waiting", BLUE, "waiting for annotators"),
    ):
        path = " ".join(
            f"{'M' if i == 0 else 'L'}{x(i):.1f},{y(p[key]):.1f}" for i, p in enumerate(points)
        )
        lines.append((path, colour, name))
    marks = tuple(
        Mark("dot", x(i), y(p["decided"]), fill=GREEN, title=_point_title(p))
        for i, p in enumerate(points)
    )
    every = max(1, len(points) // 6)
    return _time_chart(
        left,
        bottom,
        height,
        x_ticks=tuple(Tick(x(i), _when(p["at"])) for i, p in enumerate(points) if i % every == 0),
        y_ticks=tuple(Tick(y(v), str(v)) for v in _steps(top)),
        marks=marks,
        lines=tuple(lines),
        legend=tuple((name, colour) for _, colour, name in lines),
        y_label="items",
    )


def _point_title(point: dict[str, Any]) -> str:
    return (
        f"{_when(point['at'])}: {point['decided']} decided, {point['in_review']} in review, "
        f"{point['waiting']} waiting"
    )


def _when(moment: str) -> str:
    return datetime.fromisoformat(moment).strftime("%m-%d %H:%M")


def _steps(top: int) -> list[int]:
    """Gridlines every 1, 2, 5, 10, 20, ... items: the first step giving at most six."""
    step, factors = 1, cycle((2, 2.5, 2))
    while top / step > 5:
        step = round(step * next(factors))
    return list(range(0, top + 1, step))


def histogram(ttc: dict[str, Any]) -> Chart | None:
    """Items per time-to-consensus bin, for the engine's decisions and the committee's."""
    groups = ttc.get("groups") or {}
    shown = [(g, c) for g, c in (("auto", GREEN), ("committee", ORANGE)) if g in groups]
    if not shown:
        return None
    names = ttc["edge_names"]
    left, bottom, height = 56, 200, 260
    counts = {g: groups[g]["histogram"] for g, _ in shown}
    top = max(max(c) for c in counts.values()) or 1
    slot = (WIDTH - RIGHT - left) / len(names)
    bar = slot * 0.8 / len(shown)
    y = _scale(0, top, bottom, TOP)
    marks = []
    for b in range(len(names)):
        for k, (group, colour) in enumerate(shown):
            n = counts[group][b]
            marks.append(
                Mark(
                    "bar",
                    left + slot * b + slot * 0.1 + bar * k,
                    y(n),
                    width=bar,
                    height=bottom - y(n),
                    fill=colour,
                    title=f"{group}: {n} decided {_bin(names, b)}",
                )
            )
    return _time_chart(
        left,
        bottom,
        height,
        x_ticks=tuple(Tick(left + slot * (b + 0.5), f"< {n}") for b, n in enumerate(names)),
        y_ticks=tuple(Tick(y(v), str(v)) for v in _steps(top)),
        marks=tuple(marks),
        legend=tuple(("the engine" if g == "auto" else "the committee", c) for g, c in shown),
        x_label="time from first proposal to decision",
        y_label="items",
    )


def _bin(names: Sequence[str], b: int) -> str:
    return f"within {names[b]}" if b == 0 else f"between {names[b - 1]} and {names[b]}"


@dataclass(frozen=True, slots=True)
class Heatmap:
    """Pairwise kappa as a grid of coloured cells, annotators on both axes."""

    size: float
    cell: float
    left: float
    labels: tuple[str, ...]
    cells: tuple[Mark, ...]


def heatmap(kappa: dict[str, Any]) -> Heatmap | None:
    """Cohen's kappa between each pair of annotators, darker for higher agreement."""
    raters = kappa.get("raters") or []
    if len(raters) < 2:
        return None
    left = 110
    cell = max(12.0, min(48.0, (WIDTH - left) / len(raters)))
    cells = []
    for i, a in enumerate(raters):
        for j, b in enumerate(raters):
            value, shared = kappa["values"][i][j], kappa["shared_units"][i][j]
            text = "" if value is None or i == j else f"{value:.2f}"
            about = "no items in common" if value is None else f"kappa {value:.2f}"
            cells.append(
                Mark(
                    "bar",
                    left + cell * j,
                    left + cell * i,
                    width=cell,
                    height=cell,
                    fill=_shade(value) if i != j else "#eaeef2",
                    text=text if cell >= 36 else "",
                    ink="#ffffff" if value is not None and i != j and value > 0.55 else "#1f2328",
                    title=f"{a} and {b}: {about}, {shared} items both labelled",
                )
            )
    return Heatmap(left + cell * len(raters) + 8, cell, left, tuple(raters), tuple(cells))


def _shade(value: float | None) -> str:
    """White at kappa 0 and below to deep blue at 1 (grey: undefined)."""
    if value is None:
        return "#d0d7de"
    t = max(0.0, min(1.0, value))
    start, end = (255, 255, 255), (8, 69, 148)
    r, g, b = (round(s + (e - s) * t) for s, e in zip(start, end, strict=True))
    return f"#{r:02x}{g:02x}{b:02x}"
