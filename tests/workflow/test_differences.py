"""Where proposals differ: word-by-word diffs that join back into both texts, and the spread of
numbers."""

from hypothesis import given
from hypothesis import strategies as st

from workflow.review.differences import spread, word_diffs

WORDS = st.lists(
    st.sampled_from(["the", "refund", "was", "issued", "not", "  ", "\n"]), max_size=12
)


def test_a_diff_marks_what_each_side_has_alone():
    (diff,) = word_diffs(("ann", "Refund issued today"), [("bob", "Refund not issued")])
    assert [(p.kind, p.text) for p in diff.pieces] == [
        ("same", "Refund "),
        ("added", "not "),
        ("same", "issued"),
        ("removed", " today"),
    ]
    assert diff.annotator == "bob" and diff.same_share == 4 / 6


@given(WORDS.map("".join), WORDS.map("".join))
def test_the_pieces_join_back_into_both_texts(base, other):
    (diff,) = word_diffs(("a", base), [("b", other)])
    assert "".join(p.text for p in diff.pieces if p.kind != "added") == base
    assert "".join(p.text for p in diff.pieces if p.kind != "removed") == other
    assert 0 <= diff.same_share <= 1


def test_the_spread_places_each_number_between_the_extremes():
    found = spread([("ann", 2), ("bob", 5), ("cid", 3.5), ("dee", True), ("eve", "x")])
    assert (found.low, found.high, found.middle, found.width) == (2, 5, 3.5, 3)
    assert [(a, place) for a, _, place in found.places] == [("ann", 0), ("cid", 0.5), ("bob", 1)]
    assert spread([("ann", 1)]) is None
    assert spread([("ann", 1), ("bob", 1)]).places[1][2] == 0
