"""An item's dispute as its committee votes it: what is put to the vote, the value a vote
request stores once checked, and the ballots a round's votes make on each unit."""

from collections.abc import Sequence
from typing import Any

from sqlmodel import Session

from workflow.consensus import ConsensusError
from workflow.items.label_schemas import spec_for
from workflow.items.pipeline import last_decision
from workflow.kernel.errors import InvalidInput
from workflow.kernel.values import ValueLimits, check_value
from workflow.models import Assessment, Item, Vote
from workflow.review.contested import WHOLE, Dispute, UnitKind, dispute
from workflow.review.field_tally import unit_ballots
from workflow.review.quorum_rule import Ballot, Choice

# What may be voted on each kind of unit.
_CHOICES = {
    UnitKind.WHOLE: (Choice.PROPOSAL, Choice.VALUE, Choice.ABSTAIN),
    UnitKind.FIELD: (Choice.PROPOSAL, Choice.VALUE, Choice.ABSTAIN),
    UnitKind.ELEMENT: (Choice.KEEP, Choice.DROP, Choice.ABSTAIN),
}


def item_dispute(session: Session, item: Item, proposals: Sequence[Assessment]) -> Dispute:
    """What the committee votes on for the item: from its proposals and the engine's record
    of them (the last decision of an item in review is the engine's)."""
    values = [p.value for p in proposals]
    spec, _ = spec_for(session, item, values)
    decision = last_decision(session, item.id or 0)
    return dispute(spec, values, decision.record if decision is not None else None)


def checked_value(
    found: Dispute,
    proposals: Sequence[Assessment],
    *,
    field: str,
    choice: Choice,
    assessment_id: str | None,
    value: Any,
    limits: ValueLimits,
) -> Any:
    """The value a vote on `field` (WHOLE: the whole value) stores, once checked: the picked
    proposal's value (for a field: its value there, None if it has none), a written value
    that fits (the schema, or the field's spec), None for keep, drop and abstain; InvalidInput
    for anything that is not a vote on this item."""
    unit = found.unit(field)
    if unit is None:
        disputed = ", ".join(u.path for u in found.units) if not found.whole else "none"
        raise InvalidInput(
            f"{field!r} is not a disputed field or element of this item (disputed: {disputed})"
        )
    if choice not in _CHOICES[unit.kind]:
        allowed = ", ".join(_CHOICES[unit.kind])
        raise InvalidInput(f"a vote on {field or 'the whole value'!r} is one of: {allowed}")
    if choice is Choice.PROPOSAL:
        chosen = next((p for p in proposals if p.assessment_id == assessment_id), None)
        if chosen is None:
            raise InvalidInput(f"{assessment_id!r} is not a live proposal of this item")
        if field == WHOLE:
            return chosen.value
        cell = found.cells(chosen.value)[field]
        return cell[0] if cell else None
    if choice is not Choice.VALUE:
        return None
    check_value(value, limits)
    try:
        written = unit.spec.validate(value)
    except ConsensusError as exc:
        what = repr(unit.spec.name) if field == WHOLE else f"the field {field!r}"
        raise InvalidInput(f"the corrected value does not fit {what}: {exc}") from None
    changed = found.changed(written) if field == WHOLE else []
    if changed:
        raise InvalidInput(
            f"the corrected value changes what the proposals agree on ({', '.join(changed)}): "
            "only the disputed fields are voted"
        )
    return written


def round_ballots(
    found: Dispute, votes: Sequence[Vote], proposals: Sequence[Assessment]
) -> dict[str, list[Ballot]]:
    """Each unit's ballots from a round's votes: a vote on the whole value counts on every
    unit, a vote on one unit replaces it there."""
    whole = [Ballot(v.reviewer_id, Choice(v.choice), v.value) for v in votes if v.field == WHOLE]
    picked = {p.assessment_id: p.value for p in proposals}
    own: dict[str, list[Ballot]] = {}
    for vote in votes:
        if vote.field != WHOLE and found.unit(vote.field) is not None:
            cell = _cell(found, vote, picked)
            own.setdefault(vote.field, []).append(
                Ballot(vote.reviewer_id, Choice(vote.choice), cell)
            )
    return unit_ballots(found, whole, own)


def _cell(found: Dispute, vote: Vote, picked: dict[str, Any]) -> Any:
    choice = Choice(vote.choice)
    if choice in (Choice.KEEP, Choice.DROP):
        return choice is Choice.KEEP
    if choice is Choice.PROPOSAL and vote.assessment_id in picked:
        # Read again from the proposal: a field it leaves out is a vote for the field's absence.
        return found.cells(picked[vote.assessment_id])[vote.field]
    return None if choice is Choice.ABSTAIN else [vote.value]
