"""Item evaluation per value type: outcomes, consensus, support, outliers and reason codes."""

import json

import pytest

from workflow.consensus import (
    AnnotatorReliability,
    ConsensusError,
    LabelSchemaSpec,
    Outcome,
    ProposalInput,
    ValueMismatchError,
    decide,
    evaluate_item,
)

CATEGORY = LabelSchemaSpec(name="label", value_type="categorical", options=("yes", "no", "maybe"))
TEXT = LabelSchemaSpec(name="expected_answer", value_type="text")


def test_two_of_three_agree_with_the_third_an_outlier():
    decision = decide(CATEGORY, ["yes", "no", "yes"])
    assert decision.outcome is Outcome.AGREED
    assert decision.consensus == "yes"
    assert (decision.support, decision.n_proposals, decision.support_text) == (2, 3, "2 of 3")
    assert decision.outliers == ("a1",)
    assert decision.distance == "nominal"
    assert decision.algorithm == "quorum.categorical.majority_vote"
    record = json.loads(json.dumps(decision.to_dict()))
    assert record["support"] == {"count": 2, "of": 3, "text": "2 of 3"}
    assert record["algorithm"]["version"] == "1.0"
    assert record["algorithm"]["parameters"]["agreement_threshold"] == pytest.approx(2 / 3)


def test_a_split_pair_is_a_tie_and_disputed():
    decision = decide(CATEGORY, ["yes", "no"])
    assert decision.outcome is Outcome.DISPUTED
    assert "tie" in decision.reason_codes
    assert decision.outliers == ()


def test_too_few_proposals_is_insufficient():
    assert decide(CATEGORY, ["yes"]).outcome is Outcome.INSUFFICIENT
    empty = evaluate_item(CATEGORY, [])
    assert empty.outcome is Outcome.INSUFFICIENT
    assert empty.reason_codes == ("too_few_proposals",)
    assert decide(CATEGORY, ["yes"], min_proposals=1).outcome is Outcome.AGREED


def test_bad_proposals_are_refused():
    with pytest.raises(ValueMismatchError):
        decide(CATEGORY, ["yes", "purple"])
    with pytest.raises(ConsensusError):
        evaluate_item(CATEGORY, [ProposalInput("a", "yes"), ProposalInput("a", "no")])
    with pytest.raises(ConsensusError):
        decide(CATEGORY, ["yes"], min_proposals=0)


def test_ordered_options_use_the_ordinal_distance_name():
    spec = LabelSchemaSpec(name="q", value_type="categorical", options=(1, 2, 3), ordered=True)
    assert decide(spec, [1, 1, 2]).distance == "ordinal"


def test_pass_fail_accepts_words_and_returns_booleans():
    spec = LabelSchemaSpec(name="ok", value_type="pass_fail")
    decision = decide(spec, ["pass", True, "yes"])
    assert decision.consensus is True
    assert decision.reason_codes[0] == "unanimous"


def test_numeric_median_within_tolerance():
    spec = LabelSchemaSpec(name="n", value_type="numeric", min_value=0, max_value=10, tolerance=0.5)
    decision = decide(spec, [4.0, 4.4, 9.0])
    assert decision.outcome is Outcome.AGREED
    assert decision.consensus == 4.4
    assert decision.outliers == ("a2",)
    assert decision.details["scaled_spread"] == pytest.approx(0.5)
    exact = LabelSchemaSpec(name="n", value_type="numeric")
    assert decide(exact, [4.0, 4.4]).outcome is Outcome.DISPUTED


@pytest.mark.parametrize(
    ("a", "b", "reason"),
    [
        ("It costs 5000 dollars", "It costs 500 dollars", "numbers_differ"),
        (
            "The plan covers dental care.",
            "The plan does not cover dental care.",
            "negation_differs",
        ),
        (
            "The refund policy allows returns within thirty days of purchase",
            "The refund policy does not allow returns within thirty days of purchase",
            "negation_differs",
        ),
    ],
)
def test_reference_text_traps_are_disputed(a, b, reason):
    for similarity in (0.5, 0.9):
        spec = LabelSchemaSpec(name="t", value_type="text", text_similarity_threshold=similarity)
        decision = decide(spec, [a, b])
        assert decision.outcome is Outcome.DISPUTED
        assert reason in decision.reason_codes
        assert decision.consensus in (a, b)


def test_text_agrees_on_normalised_match_and_keeps_a_proposed_text():
    decision = decide(TEXT, ["Paris.", "paris", "  PARIS "])
    assert decision.outcome is Outcome.AGREED
    assert decision.consensus in ("Paris.", "paris", "  PARIS ")
    near = decide(TEXT, ["The capital is Paris", "The capital is Paris!", "The capital's Paris"])
    assert near.outcome is Outcome.AGREED


def test_set_list_routes_only_the_contested_element():
    spec = LabelSchemaSpec(name="docs", value_type="text_list")
    decision = decide(
        spec, [["d1", "d2", "d3"], ["d2", "d1"], ["d1", "d2", "d4"], ["d1", "d2", "d3"]]
    )
    assert decision.outcome is Outcome.DISPUTED
    assert decision.disputed_fields == ("[d3]",)
    assert set(decision.consensus) >= {"d1", "d2"}
    assert decision.distance == "jaccard"


def test_set_list_ignores_order_and_case():
    spec = LabelSchemaSpec(name="docs", value_type="text_list")
    decision = decide(spec, [["A", "b"], ["B", "a"], ["a", "b"]])
    assert decision.outcome is Outcome.AGREED
    assert decision.support == 3


def test_ordered_list_needs_the_same_ranking():
    spec = LabelSchemaSpec(name="rank", value_type="categorical_list", list_mode="ordered")
    agreed = decide(spec, [["x", "y", "z"], ["x", "y", "z"], ["y", "x", "z"]])
    assert agreed.outcome is Outcome.AGREED
    assert agreed.consensus == ["x", "y", "z"]
    assert agreed.distance == "average_overlap"
    assert [f.path for f in agreed.fields if f.disputed] == []
    split = decide(spec, [["x", "y"], ["y", "x"]])
    assert split.outcome is Outcome.DISPUTED
    assert {f.path for f in split.fields if f.disputed} == {"[0]", "[1]"}


STRUCT = LabelSchemaSpec(name="ticket", value_type="structured")


def test_structured_two_fields_agree_and_one_is_routed_alone():
    proposals = [
        {"category": "billing", "priority": 2, "summary": "Refund the order"},
        {"category": "billing", "priority": 2, "summary": "Escalate to legal"},
    ]
    decision = decide(STRUCT, proposals)
    assert decision.outcome is Outcome.DISPUTED
    assert decision.disputed_fields == ("summary",)
    assert decision.consensus == {"category": "billing", "priority": 2}
    by_path = {f.path: f for f in decision.fields}
    assert not by_path["category"].disputed
    assert by_path["category"].support == 2
    assert by_path["summary"].disputed


def test_structured_majority_per_field_accepts_the_whole_item():
    proposals = [
        {"category": "billing", "priority": 2, "meta": {"lang": "en"}},
        {"category": "billing", "priority": 3, "meta": {"lang": "en"}},
        {"category": "billing", "priority": 2, "meta": {"lang": "fr"}},
    ]
    decision = decide(STRUCT, proposals)
    assert decision.outcome is Outcome.AGREED
    assert decision.consensus == {"category": "billing", "priority": 2, "meta": {"lang": "en"}}
    assert decision.support == 1  # only a0 backs every field's consensus
    assert {f.path for f in decision.fields} == {"category", "priority", "meta.lang"}


def test_structured_lists_of_objects_align_by_key_not_position():
    spec = LabelSchemaSpec(
        name="order",
        value_type="structured",
        fields=(LabelSchemaSpec(name="lines", value_type="structured", list_key="sku"),),
    )
    a = {"lines": [{"sku": "A", "qty": 1}, {"sku": "B", "qty": 2}]}
    b = {"lines": [{"sku": "B", "qty": 2}, {"sku": "A", "qty": 1}]}
    c = {"lines": [{"sku": "A", "qty": 5}, {"sku": "B", "qty": 2}]}
    decision = decide(spec, [a, b, c])
    assert decision.outcome is Outcome.AGREED
    assert decision.consensus == a
    assert "lines[sku=A].qty" in {f.path for f in decision.fields}
    assert decision.outliers == ("a2",)


def test_optional_field_disputes_do_not_block_but_are_dropped():
    spec = LabelSchemaSpec(
        name="s",
        value_type="structured",
        fields=(
            LabelSchemaSpec(name="answer", value_type="categorical"),
            LabelSchemaSpec(name="note", value_type="text"),
        ),
        required_fields=("answer",),
    )
    decision = decide(spec, [{"answer": "a", "note": "x"}, {"answer": "a", "note": "y"}])
    assert decision.outcome is Outcome.AGREED
    assert decision.consensus == {"answer": "a"}
    assert "optional_fields_dropped" in decision.reason_codes


def test_leaving_a_field_out_is_a_vote_for_its_absence():
    decision = decide(STRUCT, [{"a": 1}, {"a": 1, "b": 2}, {"a": 1}])
    assert decision.outcome is Outcome.AGREED
    assert decision.consensus == {"a": 1}
    b = next(f for f in decision.fields if f.path == "b")
    assert (b.present, b.support) == (False, 2)


def test_reliability_weights_votes_once_history_is_long_enough():
    spec = LabelSchemaSpec(name="c", value_type="categorical", reliability_min_history=10)
    proposals = [ProposalInput("expert", "x"), ProposalInput("n1", "y"), ProposalInput("n2", "z")]
    history = {
        "expert": AnnotatorReliability("expert", 0.95, 50),
        "n1": AnnotatorReliability("n1", 0.2, 50),
        "n2": AnnotatorReliability("n2", 0.2, 50),
    }
    weighted = evaluate_item(spec, proposals, reliability=history)
    assert weighted.consensus == "x"
    assert weighted.outcome is Outcome.AGREED
    assert weighted.parameters["reliability_weighted"] is True
    assert "reliability_weighted" in weighted.reason_codes
    short = {**history, "n2": AnnotatorReliability("n2", 0.2, 3)}
    unweighted = evaluate_item(spec, proposals, reliability=short)
    assert unweighted.outcome is Outcome.DISPUTED
    assert "reliability_history_too_short" in unweighted.reason_codes
