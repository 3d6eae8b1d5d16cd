"""The dashboard's figures as tables, one per chart, for CSV downloads: the same numbers
the charts draw, at full precision."""

from collections.abc import Callable
from typing import Any

from workflow.kernel.errors import NotFound

Table = tuple[list[str], list[list[Any]]]


def _alpha(figures: dict[str, Any]) -> Table:
    counts = ["n_units", "n_pairable_units", "n_pairable_values", "undefined_reason"]
    header = ["schema", "field", "level", "alpha", "ci_low", "ci_high", "confidence", *counts]
    rows = [
        [
            s["schema"],
            a["field"],
            a["level"],
            a["value"],
            *(a["ci"] or [None, None]),
            a["confidence"],
            *(a[k] for k in counts),
        ]
        for s in figures.get("schemas", [])
        for a in s.get("alpha", [])
    ]
    return header, rows


def _kappa(figures: dict[str, Any]) -> Table:
    rows = []
    for s in figures.get("schemas", []):
        kappa = s.get("kappa") or {"raters": []}
        raters = kappa["raters"]
        for i, a in enumerate(raters):
            for j, b in enumerate(raters):
                if i != j:
                    rows.append(
                        [s["schema"], a, b, kappa["values"][i][j], kappa["shared_units"][i][j]]
                    )
    return ["schema", "annotator_a", "annotator_b", "kappa", "shared_items"], rows


def _reliability(figures: dict[str, Any]) -> Table:
    keys = ["proposals", "leave_one_out", "leave_one_out_raw", "leave_one_out_items"]
    keys.append("dawid_skene")
    rows = [
        [s["schema"], r["annotator"], *(r[k] for k in keys)]
        for s in figures.get("schemas", [])
        for r in s.get("reliability", [])
    ]
    return ["schema", "annotator", *keys], rows


def _progress(figures: dict[str, Any]) -> Table:
    keys = ["at", "decided", "in_review", "waiting", "started"]
    points = (figures.get("progress") or {}).get("points", [])
    return keys, [[p[k] for k in keys] for p in points]


def _time_to_consensus(figures: dict[str, Any]) -> Table:
    ttc = figures.get("time_to_consensus") or {"groups": {}}
    rows = []
    for group, summary in ttc["groups"].items():
        edges = [*ttc["edges_seconds"], None]
        for b, count in enumerate(summary["histogram"]):
            rows.append([group, edges[b], edges[b + 1], count])
    return ["method", "from_seconds", "to_seconds", "items"], rows


def _disputed(figures: dict[str, Any]) -> Table:
    keys = ["schema", "field", "disputes", "share"]
    return keys, [[d[k] for k in keys] for d in figures.get("disputed_fields", [])]


TABLES: dict[str, Callable[[dict[str, Any]], Table]] = {
    "alpha": _alpha,
    "kappa": _kappa,
    "reliability": _reliability,
    "progress": _progress,
    "time-to-consensus": _time_to_consensus,
    "disputed-fields": _disputed,
}


def table(figures: dict[str, Any], name: str) -> Table:
    """The header and rows of the table `name` (one of TABLES)."""
    if name not in TABLES:
        raise NotFound(f"no table {name!r}; the tables are {', '.join(TABLES)}")
    return TABLES[name](figures)
