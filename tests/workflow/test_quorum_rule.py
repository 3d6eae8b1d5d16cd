"""The quorum rule, pure: strict majority of members, abstentions, deadlock, order."""

from hypothesis import given
from hypothesis import strategies as st

from workflow.review.quorum_rule import Ballot, Choice, Standing, strict_majority


def vote(reviewer: str, value) -> Ballot:
    return Ballot(reviewer, Choice.VALUE, value)


def test_two_of_three_resolve():
    tally = strict_majority(3, [vote("r1", {"a": 1}), vote("r2", {"a": 1})])
    assert (tally.standing, tally.value, tally.support) == (Standing.RESOLVED, {"a": 1}, 2)


def test_half_is_not_a_majority():
    tally = strict_majority(4, [vote("r1", "x"), vote("r2", "x")])
    assert tally.standing is Standing.PENDING


def test_abstentions_count_as_cast_but_for_nothing():
    ballots = [vote("r1", "x"), Ballot("r2", Choice.ABSTAIN), vote("r3", "y")]
    tally = strict_majority(3, ballots)
    assert (tally.standing, tally.abstentions) == (Standing.DEADLOCKED, 1)


@given(
    st.integers(min_value=1, max_value=7),
    st.lists(st.sampled_from(["a", "b", "c", None]), max_size=7),
    st.randoms(),
)
def test_the_tally_does_not_depend_on_the_order_of_votes(members, picks, rng):
    ballots = [
        Ballot(f"r{i}", Choice.ABSTAIN) if pick is None else vote(f"r{i}", pick)
        for i, pick in enumerate(picks[:members])
    ]
    shuffled = list(ballots)
    rng.shuffle(shuffled)
    assert strict_majority(members, ballots) == strict_majority(members, shuffled)


@given(st.integers(min_value=1, max_value=9), st.data())
def test_a_resolved_value_always_has_more_than_half_the_members(members, data):
    picks = data.draw(st.lists(st.sampled_from(["a", "b"]), max_size=members))
    tally = strict_majority(members, [vote(f"r{i}", p) for i, p in enumerate(picks)])
    if tally.standing is Standing.RESOLVED:
        assert picks.count(tally.value) * 2 > members
