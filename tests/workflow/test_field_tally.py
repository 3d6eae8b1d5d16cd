"""Field-level resolution, pure: what a structured or list dispute puts to the vote, each
unit tallied by the committee's rule (a whole-value ballot counting on every unit), and the
value the settled parts and the decided units make: it always fits the schema and keeps what
the engine settled."""

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.factories import KEYED_ORDER
from workflow.consensus import LabelSchemaSpec, decide
from workflow.consensus.structured import flatten
from workflow.review.contested import WHOLE, UnitKind, dispute
from workflow.review.field_tally import resolve_units, unit_ballots
from workflow.review.quorum_rule import STRICT_MAJORITY, Ballot, Choice, QuorumRule, Rule, Standing

TICKET = LabelSchemaSpec.from_dict(
    {
        "name": "ticket",
        "value_type": "structured",
        "fields": [
            {"name": "intent", "value_type": "categorical", "options": ["refund", "exchange"]},
            {"name": "priority", "value_type": "numeric", "min_value": 1, "max_value": 3},
            {"name": "tags", "value_type": "categorical_list", "options": ["a", "b", "c"]},
            {"name": "note", "value_type": "text"},
        ],
        "required_fields": ["intent", "priority"],
    }
)
# The priority and the "b" tag split; the intent and the "a" tag agree.
SPLIT = [
    {"intent": "refund", "priority": 1, "tags": ["a", "b"]},
    {"intent": "refund", "priority": 3, "tags": ["a"]},
]
RULES = [
    STRICT_MAJORITY,
    QuorumRule(Rule.MAJORITY_OF_CAST, min_votes=2),
    QuorumRule(Rule.UNANIMITY),
    QuorumRule(Rule.CHAIR_BREAKS_TIES, chair="r0"),
]


def disputed(spec, values):
    record = decide(spec, values).to_dict()
    assert record["outcome"] == "disputed"
    return dispute(spec, values, record)


def whole(reviewer, value):
    return Ballot(reviewer, Choice.VALUE, value)


def test_only_the_disputed_fields_and_contested_elements_are_voted():
    values = SPLIT
    found = disputed(TICKET, values)
    assert [(u.path, u.kind) for u in found.units] == [
        ("priority", UnitKind.FIELD),
        ("tags[b]", UnitKind.ELEMENT),
    ]
    assert found.cells(values[0]) == {"priority": [1], "tags[b]": True}
    assert found.cells(values[1]) == {"priority": [3], "tags[b]": False}
    # A whole value that alters the settled intent, or drops the settled "a", changes them.
    assert found.changed({"intent": "exchange", "priority": 2, "tags": ["a"]}) == ["intent"]
    assert found.changed({"intent": "refund", "priority": 2, "tags": ["b"]}) == ["tags"]
    assert found.changed({"intent": "refund", "priority": 2, "tags": ["a"], "note": "x"}) == [
        "note"
    ]
    assert found.changed({"intent": "refund", "priority": 2, "tags": ["a", "b"]}) == []
    # What a corrected value starts from: the settled intent and the settled "a".
    assert found.settled_value() == {"intent": "refund", "tags": ["a"]}


def test_a_field_vote_replaces_the_reviewers_whole_value_vote_on_that_field_only():
    values = SPLIT
    found = disputed(TICKET, values)
    ballots = unit_ballots(
        found,
        [whole("r1", values[0]), whole("r2", values[1])],
        {
            "priority": [Ballot("r2", Choice.VALUE, [1])],
            "tags[b]": [Ballot("r3", Choice.DROP, False)],
        },
    )
    said = {path: sorted((b.reviewer_id, b.value) for b in cast) for path, cast in ballots.items()}
    assert said == {
        "priority": [("r1", [1]), ("r2", [1])],
        "tags[b]": [("r1", True), ("r2", False), ("r3", False)],
    }
    resolution = resolve_units(STRICT_MAJORITY, found, 3, ballots)
    assert resolution.standing is Standing.RESOLVED
    assert resolution.value == {"intent": "refund", "priority": 1, "tags": ["a"]}
    record = resolution.to_dict()
    assert [(f["path"], f["value"], f["support"]["count"]) for f in record["fields"]] == [
        ("priority", 1, 2),
        ("tags[b]", "b", 2),
    ]
    assert record["fields"][1]["kept"] is False
    assert record["voters"] == ["r1", "r2", "r3"]


def test_a_field_decided_absent_leaves_it_out_and_a_deadlocked_field_deadlocks_the_item():
    values = [{"intent": "refund", "priority": 1}, {"intent": "refund"}]
    found = disputed(TICKET, values)
    assert [u.path for u in found.units] == ["priority"]
    assert found.cells(values[1]) == {"priority": []}
    left_out = {"priority": [Ballot("r1", Choice.PROPOSAL, []), Ballot("r2", Choice.PROPOSAL, [])]}
    resolution = resolve_units(STRICT_MAJORITY, found, 3, left_out)
    assert resolution.value == {"intent": "refund"}
    assert resolution.to_dict()["fields"][0]["present"] is False
    split = {"priority": [whole("r1", [1]), whole("r2", [2]), Ballot("r3", Choice.ABSTAIN)]}
    assert resolve_units(STRICT_MAJORITY, found, 3, split).standing is Standing.DEADLOCKED


def test_decided_units_that_make_a_value_the_schema_refuses_leave_it_pending_with_the_reason():
    keyed = LabelSchemaSpec.from_dict(KEYED_ORDER)
    values = [
        {"items": [{"sku": "A", "qty": 1}]},
        {"items": [{"sku": "A", "qty": 2}, {"sku": "B", "qty": 1}]},
    ]
    found = disputed(keyed, values)
    paths = [u.path for u in found.units]
    assert paths == ["items[sku=A].qty", "items[sku=B].qty", "items[sku=B].sku"]
    # B's quantity kept but its key field voted out: an element without its key.
    cells = {"items[sku=A].qty": [1], "items[sku=B].qty": [1], "items[sku=B].sku": []}
    ballots = {path: [whole("r1", cell), whole("r2", cell)] for path, cell in cells.items()}
    resolution = resolve_units(STRICT_MAJORITY, found, 3, ballots)
    assert (resolution.standing, resolution.value) == (Standing.PENDING, None)
    assert "key field 'sku'" in resolution.problem
    assert resolution.to_dict()["problem"] == resolution.problem


def test_a_value_that_cannot_be_split_is_voted_whole_as_before():
    found = disputed(
        LabelSchemaSpec.from_dict({"name": "answer", "value_type": "text"}), ["Paris", "Lyon"]
    )
    assert [(u.path, u.kind) for u in found.units] == [(WHOLE, UnitKind.WHOLE)]
    ballots = unit_ballots(found, [whole("r1", "Paris"), whole("r2", "Paris")], {})
    record = resolve_units(STRICT_MAJORITY, found, 3, ballots).to_dict()
    # The whole-value tally's own keys stay where readers of older decisions find them.
    assert (record["value"], record["support"], record["chair_decided"]) == (
        "Paris",
        {"count": 2, "of": 3},
        False,
    )
    assert [f["path"] for f in record["fields"]] == [WHOLE]


VALUES = st.fixed_dictionaries(
    {
        "intent": st.sampled_from(["refund", "exchange"]),
        "priority": st.integers(1, 3),
        "tags": st.lists(st.sampled_from(["a", "b", "c"]), unique=True),
    },
    optional={"note": st.sampled_from(["x", "y"])},
)


@settings(max_examples=150, deadline=None)
@given(
    values=st.lists(VALUES, min_size=2, max_size=4),
    rule=st.sampled_from(RULES),
    members=st.integers(1, 5),
    seed=st.integers(0, 2**32 - 1),
)
def test_a_resolved_value_fits_the_schema_keeps_every_settled_part_and_ignores_ballot_order(
    values, rule, members, seed
):
    record = decide(TICKET, values).to_dict()
    if record["outcome"] != "disputed":
        return
    found = dispute(TICKET, values, record)
    chance = random.Random(seed)
    reviewers = [f"r{i}" for i in range(members)]
    whole_ballots, own = [], {}
    for reviewer in reviewers:
        if chance.random() < 0.5:
            whole_ballots.append(whole(reviewer, chance.choice(values)))
        for unit in found.units:
            if chance.random() < 0.5:
                continue
            if unit.kind is UnitKind.ELEMENT:
                cell = chance.random() < 0.5
            else:
                cell = found.cells(chance.choice(values))[unit.path]
            own.setdefault(unit.path, []).append(Ballot(reviewer, Choice.VALUE, cell))
    ballots = unit_ballots(found, whole_ballots, own)
    resolution = resolve_units(rule, found, members, ballots)
    shuffled = {path: chance.sample(cast, len(cast)) for path, cast in ballots.items()}
    assert resolve_units(rule, found, members, shuffled) == resolution
    if resolution.standing is not Standing.RESOLVED:
        return
    assert TICKET.validate(resolution.value) == resolution.value
    leaves = {path: leaf for path, (_, leaf) in flatten(TICKET, resolution.value).items()}
    for path, settled in found.settled.items():
        assert leaves[path] == settled
    for path, elements in found.lists.items():
        held = {elements.key(e) for e in leaves[path]}
        assert elements.kept <= held and not elements.dropped & held


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.rule.value)
def test_every_rule_decides_each_field_on_its_own(rule):
    values = SPLIT
    found = disputed(TICKET, values)
    # Everyone agrees on the priority; the element splits two to one.
    ballots = unit_ballots(
        found,
        [whole("r0", values[0]), whole("r1", values[0]), whole("r2", {**values[0], "tags": ["a"]})],
        {},
    )
    resolution = resolve_units(rule, found, 3, ballots)
    standings = {unit.path: tally.standing for unit, tally in resolution.tallies}
    assert standings["priority"] is Standing.RESOLVED
    unanimous = rule.rule is Rule.UNANIMITY
    assert standings["tags[b]"] is (Standing.DEADLOCKED if unanimous else Standing.RESOLVED)
    assert resolution.standing is (Standing.DEADLOCKED if unanimous else Standing.RESOLVED)


def test_an_overdue_round_goes_the_chairs_way_on_each_field():
    values = [{"intent": "refund", "priority": 1}, {"intent": "refund", "priority": 3}]
    found = disputed(TICKET, values)
    chaired = QuorumRule(Rule.STRICT_MAJORITY, chair="r0")
    ballots = unit_ballots(found, [whole("r0", values[1])], {})
    assert resolve_units(chaired, found, 3, ballots).standing is Standing.PENDING
    overdue = resolve_units(chaired, found, 3, ballots, overdue=True)
    assert (overdue.standing, overdue.value, overdue.chair_decided) == (
        Standing.RESOLVED,
        {"intent": "refund", "priority": 3},
        True,
    )
