"""Seeded synthetic workloads for the agreement benchmark, identical for every contender."""

from __future__ import annotations

import numpy as np

from workflow.consensus import LabelSchemaSpec

SEED = 20240501
OPTIONS = ("refund", "billing", "tech", "other")
ANSWERS = (
    "Refund issued",
    "refund issued.",
    "Refund not issued",
    "Escalated to tier 2",
    "Escalated to tier 3",
)
STRUCTURED = LabelSchemaSpec(
    name="ticket",
    value_type="structured",
    fields=(
        LabelSchemaSpec(name="intent", value_type="categorical", options=OPTIONS),
        LabelSchemaSpec(name="resolved", value_type="pass_fail"),
        LabelSchemaSpec(name="priority", value_type="categorical", options=(1, 2, 3), ordered=True),
        LabelSchemaSpec(name="score", value_type="numeric", min_value=0, max_value=10, tolerance=1),
        LabelSchemaSpec(name="answer", value_type="text"),
    ),
)
CATEGORICAL = LabelSchemaSpec(name="intent", value_type="categorical", options=OPTIONS)


def noisy_codes(units: int, raters: int, values: int, accuracy: float, missing: float):
    """Units x raters codes: a true value per unit, each rater right with `accuracy`, -1 missing."""
    rng = np.random.default_rng(SEED)
    truth = rng.integers(0, values, units)
    codes = np.where(
        rng.random((units, raters)) < accuracy,
        truth[:, None],
        rng.integers(0, values, (units, raters)),
    )
    codes[rng.random((units, raters)) < missing] = -1
    return codes


def rating_table(units: int, raters: int, values: int, missing: float = 0.1) -> np.ndarray:
    """Raters x units float table (NaN = missing), the layout krippendorff and Quorum take."""
    codes = noisy_codes(units, raters, values, accuracy=0.7, missing=missing).T.astype(np.float64)
    codes[codes < 0] = np.nan
    return codes


def structured_rows(units: int, raters: int = 3) -> list[list[dict]]:
    """Units x raters ticket labels with five fields, mostly agreeing, some noise per field."""
    rng = np.random.default_rng(SEED)
    flip = rng.random((units, raters, 3))
    other_score = rng.integers(0, 11, (units, raters)).tolist()
    other_answer = rng.integers(0, len(ANSWERS), (units, raters)).tolist()
    rows = []
    for i in range(units):
        base = {
            "intent": OPTIONS[i % 4],
            "resolved": bool(i % 3),
            "priority": 1 + i % 3,
            "score": i % 10,
            "answer": ANSWERS[i % 5],
        }
        row = []
        for a in range(raters):
            label = dict(base)
            if flip[i, a, 0] < 0.15:
                label["intent"] = "other"
            if flip[i, a, 1] < 0.1:
                label["score"] = other_score[i][a]
            if flip[i, a, 2] < 0.1:
                label["answer"] = ANSWERS[other_answer[i][a]]
            row.append(label)
        rows.append(row)
    return rows


def long_format(codes: np.ndarray) -> list[tuple[str, str, int]]:
    """(rater, unit, value) triples from units x raters codes, for NLTK and crowd-kit."""
    units, raters = np.nonzero(codes >= 0)
    values = codes[units, raters]
    return [
        (f"r{r}", f"u{u}", int(v))
        for u, r, v in zip(units.tolist(), raters.tolist(), values.tolist(), strict=True)
    ]
