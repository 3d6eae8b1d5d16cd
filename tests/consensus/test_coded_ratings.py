"""Ratings that hold each distinct value once, built from rows or from codes, give every
proposal the value, identity code, vote code and rank of the one-value-per-proposal definition."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from workflow.consensus import LabelSchemaSpec
from workflow.consensus.batch import encode_votes
from workflow.consensus.stats.ratings import Ratings, coded_ratings, ratings_of
from workflow.consensus.values import canonical_values, value_key, value_tags

SPECS = {
    "categorical": LabelSchemaSpec(name="c", value_type="categorical", options=("a", "b", "c")),
    "pass_fail": LabelSchemaSpec(name="p", value_type="pass_fail"),
    "numeric": LabelSchemaSpec(name="n", value_type="numeric"),
    "ordered": LabelSchemaSpec(
        name="o", value_type="categorical", options=("low", "mid", "high"), ordered=True
    ),
}
# Raw values as stored: numbers of both types, and pass/fail both as booleans and as words.
VALUES = {
    "categorical": st.sampled_from(["a", "b", "c"]),
    "pass_fail": st.sampled_from([True, False, "pass", "fail"]),
    "numeric": st.sampled_from([0, 1, 1.0, 2.5, -3]),
    "ordered": st.sampled_from(["low", "mid", "high"]),
}

# Fits none of the schemas: validated, it would raise.
UNUSED = "not a label"


@st.composite
def cases(draw):
    """A schema and (unit, annotator, raw value) rows, in any order."""
    kind = draw(st.sampled_from(sorted(SPECS)))
    row = st.tuples(st.integers(0, 6), st.sampled_from(["u3", "u1", "u2", "u0"]), VALUES[kind])
    return SPECS[kind], draw(st.lists(row, min_size=1, max_size=40))


def _defined(spec: LabelSchemaSpec, rows: list) -> dict:
    """What a proposal's figures are by definition: its canonical value, identity code by first
    use of its key, and its vote code and rank from the whole column of values."""
    values = canonical_values(spec, [v for _, _, v in rows])
    tags, key_of = value_tags(values)
    code: dict[str, int] = {}
    of_tag = {tag: code.setdefault(key, len(code)) for tag, key in key_of.items()}
    units = sorted({u for u, _, _ in rows})
    annotators = sorted({a for _, a, _ in rows})
    out = {
        "units": tuple(units),
        "annotators": tuple(annotators),
        "unit": [units.index(u) for u, _, _ in rows],
        "rater": [annotators.index(a) for _, a, _ in rows],
        "values": [value_key(v) for v in values],
        "identity": [float(of_tag[t]) for t in tags],
    }
    if spec.value_type.value in ("categorical", "pass_fail"):
        column = np.empty((len(values), 1), dtype=object)
        column[:, 0] = values
        codes, labels = encode_votes(spec, column, validated=True)
        out["votes"] = (codes[:, 0].tolist(), labels)
    if spec.ordered:
        out["ranks"] = [float(spec.options.index(v)) for v in values]
    return out


def _figures(spec: LabelSchemaSpec, rated: Ratings) -> dict:
    out = {
        "units": rated.units,
        "annotators": rated.annotators,
        "unit": rated.unit.tolist(),
        "rater": rated.rater.tolist(),
        "values": [value_key(v) for v in rated.values],
        "identity": rated.identity_codes().tolist(),
    }
    if spec.value_type.value in ("categorical", "pass_fail"):
        out["votes"] = (rated.votes[0].tolist(), rated.votes[1])
    if spec.ordered:
        out["ranks"] = rated.ranks(spec.options).tolist()
    return out


@settings(max_examples=200, deadline=None)
@given(cases())
def test_ratings_from_rows_give_each_proposal_its_defined_figures(case):
    spec, rows = case
    assert _figures(spec, ratings_of(spec, rows)) == _defined(spec, rows)


@settings(max_examples=200, deadline=None)
@given(cases(), st.randoms(use_true_random=False))
def test_ratings_from_codes_in_any_order_with_repeated_and_unused_values_are_the_same(
    case, shuffle
):
    spec, rows = case
    units = sorted({u for u, _, _ in rows})
    annotators = sorted({a for _, a, _ in rows})
    # Each raw value listed twice and one never used, all in a random order: as texts that
    # decode to equal values, or values of another schema, come from the database.
    values = [v for _, _, v in rows] * 2 + [UNUSED]
    for listing in (units, annotators, values):
        shuffle.shuffle(listing)
    where = {(type(x), x): i for i, x in enumerate(values)}
    rated = coded_ratings(
        spec,
        units=units,
        annotators=annotators,
        unit=np.array([units.index(u) for u, _, _ in rows], dtype=np.int64),
        rater=np.array([annotators.index(a) for _, a, _ in rows], dtype=np.int64),
        values=values,
        code=np.array([where[type(v), v] for _, _, v in rows], dtype=np.int64),
    )
    assert _figures(spec, rated) == _defined(spec, rows)
