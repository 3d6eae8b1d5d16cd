"""Property-based tests: order independence, unanimity, monotonicity, text medoids."""

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from workflow.consensus import LabelSchemaSpec, Outcome, ProposalInput, evaluate_item

SETTINGS = settings(max_examples=60, deadline=None)

SPECS = {
    "categorical": LabelSchemaSpec(name="c", value_type="categorical", options=("a", "b", "c")),
    "pass_fail": LabelSchemaSpec(name="p", value_type="pass_fail"),
    "numeric": LabelSchemaSpec(name="n", value_type="numeric", tolerance=1.0),
    "text": LabelSchemaSpec(name="t", value_type="text", text_similarity_threshold=0.8),
    "set": LabelSchemaSpec(name="s", value_type="text_list"),
    "ranked": LabelSchemaSpec(name="r", value_type="categorical_list", list_mode="ordered"),
    "structured": LabelSchemaSpec(
        name="st",
        value_type="structured",
        fields=(LabelSchemaSpec(name="items", value_type="structured", list_key="id"),),
    ),
}

TEXTS = st.sampled_from(
    [
        "Paris",
        "paris.",
        "It costs 500 dollars",
        "It costs 5000 dollars",
        "It does not ship",
        "It ships",
        "It ships!",
        "Lyon is big",
        "Lyon is bigger",
    ]
)
SCALARS = {
    "categorical": st.sampled_from(["a", "b", "c"]),
    "pass_fail": st.booleans(),
    "numeric": st.integers(0, 6) | st.sampled_from([0.5, 2.25]),
    "text": TEXTS,
    "set": st.lists(st.sampled_from(["d1", "D1", "d2", "d3"]), max_size=3),
    "ranked": st.lists(st.sampled_from(["x", "y", "z"]), max_size=3, unique=True),
    "structured": st.fixed_dictionaries(
        {"label": st.sampled_from(["a", "b"]), "score": st.integers(0, 2)},
        optional={
            "note": TEXTS,
            "items": st.lists(
                st.fixed_dictionaries({"id": st.integers(0, 2), "ok": st.booleans()}),
                max_size=3,
                unique_by=lambda d: d["id"],
            ),
        },
    ),
}


@st.composite
def cases(draw, min_size=1):
    kind = draw(st.sampled_from(sorted(SPECS)))
    values = draw(st.lists(SCALARS[kind], min_size=min_size, max_size=6))
    proposals = [ProposalInput(f"ann{i}", v) for i, v in enumerate(values)]
    return SPECS[kind], proposals


def record(spec, proposals, **kwargs):
    return json.dumps(evaluate_item(spec, proposals, **kwargs).to_dict(), sort_keys=True)


@SETTINGS
@given(cases(), st.randoms(use_true_random=False))
def test_results_do_not_depend_on_proposal_order(case, rnd):
    spec, proposals = case
    shuffled = list(proposals)
    rnd.shuffle(shuffled)
    assert record(spec, proposals) == record(spec, shuffled)


@SETTINGS
@given(cases(), st.permutations(range(6)))
def test_results_do_not_depend_on_annotator_names(case, names):
    spec, proposals = case
    renamed = [ProposalInput(f"ann{names[i]}", p.value) for i, p in enumerate(proposals)]
    original = evaluate_item(spec, proposals)
    other = evaluate_item(spec, renamed)
    assert (original.outcome, original.consensus, original.score, original.support) == (
        other.outcome,
        other.consensus,
        other.score,
        other.support,
    )


@SETTINGS
@given(
    st.sampled_from(sorted(SPECS)).flatmap(lambda k: st.tuples(st.just(k), SCALARS[k])),
    st.integers(2, 5),
)
def test_unanimous_input_agrees_on_the_common_value(kind_value, n):
    kind, value = kind_value
    spec = SPECS[kind]
    decision = evaluate_item(spec, [ProposalInput(f"a{i}", value) for i in range(n)])
    assert decision.outcome is Outcome.AGREED
    assert decision.consensus == spec.validate(value)
    assert decision.score == 1.0
    assert decision.support == n


@SETTINGS
@given(cases())
def test_adding_a_proposal_identical_to_the_consensus_never_lowers_agreement(case):
    spec, proposals = case
    before = evaluate_item(spec, proposals)
    if spec.value_type == "structured" and not before.agreed:
        # A disputed structure's consensus omits its disputed fields, so it is not a full answer.
        return
    after = evaluate_item(spec, [*proposals, ProposalInput("extra", before.consensus)])
    assert after.score >= before.score
    if before.agreed:
        assert after.agreed
        assert after.consensus == before.consensus


@SETTINGS
@given(st.lists(TEXTS, min_size=1, max_size=6))
def test_text_consensus_is_always_one_of_the_proposals(texts):
    decision = evaluate_item(
        SPECS["text"], [ProposalInput(f"a{i}", t) for i, t in enumerate(texts)]
    )
    assert decision.consensus in texts


@SETTINGS
@given(cases())
def test_scores_are_in_the_unit_interval_and_records_are_json(case):
    spec, proposals = case
    decision = evaluate_item(spec, proposals)
    assert 0.0 <= decision.score <= 1.0
    assert all(0.0 <= f.score <= 1.0 for f in decision.fields)
    json.dumps(decision.to_dict())
