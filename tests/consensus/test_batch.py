"""The vectorised batch path gives the same outcomes as evaluate_item, item by item."""

import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from workflow.consensus import AnnotatorReliability, LabelSchemaSpec, ProposalInput, evaluate_item
from workflow.consensus.batch import evaluate_batch

NAMES = ["ann", "bob", "cy", "dee"]
CATEGORY = LabelSchemaSpec(name="c", value_type="categorical", options=("x", "y", "z"))
NUMBER = LabelSchemaSpec(name="n", value_type="numeric", tolerance=1.0)
RECORD = LabelSchemaSpec(
    name="r",
    value_type="structured",
    fields=(
        LabelSchemaSpec(name="label", value_type="categorical", options=("x", "y")),
        LabelSchemaSpec(name="ok", value_type="pass_fail"),
        LabelSchemaSpec(name="size", value_type="numeric", tolerance=0.5),
        LabelSchemaSpec(name="note", value_type="text"),
    ),
)
RELIABILITY = {
    "ann": AnnotatorReliability("ann", 0.9, 50),
    "bob": AnnotatorReliability("bob", 0.4, 50),
    "cy": AnnotatorReliability("cy", 0.7, 50),
    "dee": AnnotatorReliability("dee", 0.7, 2),
}

RECORDS = st.fixed_dictionaries(
    {"label": st.sampled_from(["x", "y"])},
    optional={
        "ok": st.booleans(),
        "size": st.sampled_from([1, 1.5, 3]),
        "note": st.sampled_from(["fine", "Fine.", "not fine"]),
        "extra": st.sampled_from(["a", "b"]),
    },
)
VALUES = {
    "categorical": st.none() | st.sampled_from(["x", "y", "z"]),
    "numeric": st.none() | st.sampled_from([0, 0.5, 1, 2, 3.5]),
    "structured": st.none() | RECORDS,
}
SPECS = {"categorical": CATEGORY, "numeric": NUMBER, "structured": RECORD}


def same(a, b):
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    return a == b


@settings(max_examples=60, deadline=None)
@given(
    st.sampled_from(sorted(SPECS)).flatmap(
        lambda kind: st.tuples(
            st.just(kind),
            st.lists(st.lists(VALUES[kind], min_size=4, max_size=4), min_size=1, max_size=8),
        )
    ),
    st.booleans(),
)
def test_batch_matches_evaluate_item(kind_rows, weighted):
    kind, rows = kind_rows
    spec = SPECS[kind]
    reliability = RELIABILITY if weighted else None
    batch = evaluate_batch(spec, rows, annotators=NAMES, reliability=reliability)
    for i, row in enumerate(rows):
        proposals = [ProposalInput(a, v) for a, v in zip(NAMES, row, strict=True) if v is not None]
        single = evaluate_item(spec, proposals, reliability=reliability)
        assert batch.outcome(i) is single.outcome
        assert batch.n_proposals[i] == single.n_proposals
        if single.n_proposals:
            assert batch.scores[i] == single.score
            assert batch.support[i] == single.support
            assert same(batch.consensus[i], single.consensus)
        if kind == "structured":
            assert batch.disputed_fields[i] == single.disputed_fields


def test_integer_codes_fast_path_and_counts():
    codes = np.array([[0, 0, 1], [0, 1, 2], [2, 2, 2], [-1, 1, -1]])
    result = evaluate_batch(CATEGORY, codes)
    assert list(result.consensus) == ["x", "x", "z", "y"]
    assert result.counts() == {"agreed": 2, "disputed": 1, "insufficient": 1}


def test_text_schemas_fall_back_to_the_item_rule():
    spec = LabelSchemaSpec(name="t", value_type="text")
    result = evaluate_batch(spec, [["Paris", "paris.", None], ["5000", "500", "50"]])
    assert [result.outcome(i).value for i in range(2)] == ["agreed", "disputed"]
