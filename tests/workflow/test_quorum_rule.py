"""The quorum rules, pure: strict majority of members, majority of at least m votes cast,
unanimity, the chair's tie-break; abstentions, deadlock, order."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from workflow.review.quorum_rule import STRICT_MAJORITY, Ballot, Choice, QuorumRule, Rule, Standing

MAJORITY_OF_TWO = QuorumRule(Rule.MAJORITY_OF_CAST, min_votes=2)
UNANIMOUS = QuorumRule(Rule.UNANIMITY)
CHAIRED = QuorumRule(Rule.CHAIR_BREAKS_TIES, chair="chair")
RULES = [STRICT_MAJORITY, MAJORITY_OF_TWO, UNANIMOUS, CHAIRED]


def vote(reviewer: str, value) -> Ballot:
    return Ballot(reviewer, Choice.VALUE, value)


def abstain(reviewer: str) -> Ballot:
    return Ballot(reviewer, Choice.ABSTAIN)


def test_two_of_three_resolve():
    tally = STRICT_MAJORITY.tally(3, [vote("r1", {"a": 1}), vote("r2", {"a": 1})])
    assert (tally.standing, tally.value, tally.support) == (Standing.RESOLVED, {"a": 1}, 2)
    assert tally.to_dict()["rule"] == "quorum.committee.strict_majority"


def test_half_is_not_a_majority():
    tally = STRICT_MAJORITY.tally(4, [vote("r1", "x"), vote("r2", "x")])
    assert tally.standing is Standing.PENDING


def test_abstentions_count_as_cast_but_for_nothing():
    ballots = [vote("r1", "x"), abstain("r2"), vote("r3", "y")]
    tally = STRICT_MAJORITY.tally(3, ballots)
    assert (tally.standing, tally.abstentions) == (Standing.DEADLOCKED, 1)


def test_a_majority_of_the_votes_cast_needs_m_of_them():
    assert MAJORITY_OF_TWO.tally(5, [vote("r1", "x")]).standing is Standing.PENDING
    two = MAJORITY_OF_TWO.tally(5, [vote("r1", "x"), vote("r2", "x")])
    assert (two.standing, two.value) == (Standing.RESOLVED, "x")
    # Two of three cast is a majority of the votes, though not of the five members.
    split = [vote("r1", "x"), vote("r2", "y"), vote("r3", "x"), abstain("r4")]
    assert MAJORITY_OF_TWO.tally(5, split).value == "x"
    assert MAJORITY_OF_TWO.tally(5, split[:2]).standing is Standing.PENDING


def test_unanimity_waits_for_everyone_and_an_abstention_or_a_dissent_blocks_it():
    agreed = [vote("r1", "x"), vote("r2", "x")]
    assert UNANIMOUS.tally(3, agreed).standing is Standing.PENDING
    assert UNANIMOUS.tally(3, [*agreed, vote("r3", "x")]).standing is Standing.RESOLVED
    assert UNANIMOUS.tally(3, [*agreed, abstain("r3")]).standing is Standing.DEADLOCKED
    assert UNANIMOUS.tally(3, [*agreed, vote("r3", "y")]).standing is Standing.DEADLOCKED


@pytest.mark.parametrize(
    "ballots, decided",
    [
        ([vote("chair", "y"), vote("r2", "x"), vote("r3", "x"), vote("r4", "y")], "y"),
        ([vote("chair", "z"), vote("r2", "x"), vote("r3", "y")], "z"),
        ([vote("r2", "x"), vote("r3", "y"), abstain("chair")], None),
        ([vote("chair", "z"), vote("r2", "x"), vote("r3", "x"), vote("r4", "y")], None),
    ],
    ids=["two-two", "one-one-one", "chair-abstains", "chair-outside-the-tie"],
)
def test_the_chair_breaks_a_tie_among_all_the_votes_only(ballots, decided):
    tally = CHAIRED.tally(len(ballots), ballots)
    assert tally.value == decided
    assert tally.chair_decided is (decided is not None)
    assert tally.standing is (Standing.DEADLOCKED if decided is None else Standing.RESOLVED)
    # Before everyone voted, nothing is broken: the others may still make a majority.
    assert CHAIRED.tally(len(ballots) + 1, ballots).standing is Standing.PENDING


def test_once_a_round_is_overdue_to_the_chair_the_chairs_vote_decides():
    ballots = [vote("r2", "x"), vote("chair", "y")]
    for rule in RULES:
        chaired = QuorumRule(rule.rule, rule.min_votes, chair="chair")
        assert chaired.tally(5, ballots).standing is Standing.PENDING
        tally = chaired.tally(5, ballots, overdue=True)
        assert (tally.value, tally.chair_decided) == ("y", True)
    # A chair who has not voted decides nothing.
    assert CHAIRED.tally(5, ballots[:1], overdue=True).standing is Standing.PENDING


ballots_of = st.lists(st.sampled_from(["a", "b", "c", None]), max_size=7).map(
    lambda picks: [
        abstain("chair" if i == 0 else f"r{i}")
        if pick is None
        else vote("chair" if i == 0 else f"r{i}", pick)
        for i, pick in enumerate(picks)
    ]
)


@given(st.sampled_from(RULES), st.integers(min_value=1, max_value=7), ballots_of, st.randoms())
def test_no_tally_depends_on_the_order_of_votes(rule, members, ballots, rng):
    ballots = ballots[:members]
    shuffled = list(ballots)
    rng.shuffle(shuffled)
    assert rule.tally(members, ballots) == rule.tally(members, shuffled)


@given(st.sampled_from(RULES), st.integers(min_value=1, max_value=7), ballots_of)
def test_every_rule_resolves_to_a_value_someone_voted_for_and_settles_once_all_voted(
    rule, members, ballots
):
    ballots = ballots[:members]
    tally = rule.tally(members, ballots)
    cast = [b.value for b in ballots if b.choice is Choice.VALUE]
    if tally.standing is Standing.RESOLVED:
        assert tally.value in cast and tally.support == cast.count(tally.value)
        # Only the chair's tie-break resolves without a majority of the votes cast.
        assert tally.chair_decided or tally.support * 2 > len(cast)
    else:
        assert tally.value is None
    assert (tally.standing is Standing.PENDING) is (
        len(ballots) < members and tally.standing is not Standing.RESOLVED
    )


@given(st.integers(min_value=1, max_value=9), st.data())
def test_a_strict_majority_always_has_more_than_half_the_members(members, data):
    picks = data.draw(st.lists(st.sampled_from(["a", "b"]), max_size=members))
    tally = STRICT_MAJORITY.tally(members, [vote(f"r{i}", p) for i, p in enumerate(picks)])
    if tally.standing is Standing.RESOLVED:
        assert picks.count(tally.value) * 2 > members
