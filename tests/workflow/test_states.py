"""The item state table: only listed moves, and every state can still reach promotion."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from workflow.kernel.errors import Conflict
from workflow.kernel.states import TRANSITIONS, ItemEvent, ItemState, next_state


def reachable_from(state: ItemState) -> set[ItemState]:
    seen, frontier = {state}, [state]
    while frontier:
        current = frontier.pop()
        for (source, _event), target in TRANSITIONS.items():
            if source == current and target not in seen:
                seen.add(target)
                frontier.append(target)
    return seen


@pytest.mark.parametrize("state", list(ItemState))
def test_every_state_can_still_end_promoted(state):
    assert ItemState.PROMOTED in reachable_from(state)


def test_a_move_not_in_the_table_is_a_conflict():
    with pytest.raises(Conflict, match="cannot take"):
        next_state(ItemState.COLLECTING, ItemEvent.PROMOTE)


@given(st.lists(st.sampled_from(list(ItemEvent)), max_size=30))
def test_any_event_sequence_stays_inside_the_table(events):
    state = ItemState.COLLECTING
    for event in events:
        if (state, event) in TRANSITIONS:
            state = next_state(state, event)
        else:
            with pytest.raises(Conflict):
                next_state(state, event)
    assert state in set(ItemState)
