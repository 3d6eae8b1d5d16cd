"""What the committee's readers see: an item's standing, an item under review."""

from dataclasses import dataclass, replace
from typing import Any

from sqlmodel import Session, col, select

from workflow.identity.access import Actor
from workflow.items.live import live_proposals
from workflow.items.pipeline import last_decision
from workflow.kernel.errors import Forbidden, NotFound
from workflow.kernel.states import ItemState
from workflow.models import Assessment, Decision, Item, Vote
from workflow.review.ballots import item_dispute
from workflow.review.committee import VoteView, assigned, current_vote, vote_view
from workflow.review.contested import WHOLE, Dispute, Unit, UnitKind
from workflow.review.identities import item_masker, names_in


@dataclass(frozen=True, slots=True)
class ItemView:
    """An item: what it labels, where it stands, and its review round."""

    id: int
    trace_id: str
    span_id: str | None
    name: str
    state: str
    round: int


@dataclass(frozen=True, slots=True)
class DecisionView:
    """A decision on an item: its outcome, how it was reached, its value and who voted."""

    id: int
    outcome: str
    method: str
    value: Any
    algorithm: str
    voters: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ItemStatusView(ItemView):
    """An item and its latest decision: what anyone may see (no proposals)."""

    decision: DecisionView | None


@dataclass(frozen=True, slots=True)
class ProposalView:
    """One annotator's live proposal, as the item's reviewers see it."""

    assessment_id: str
    annotator: str
    value: Any
    rationale: str | None
    revision: int


@dataclass(frozen=True, slots=True)
class ProposedView:
    """What one proposal says on a disputed unit: for a field, whether it has the field and
    its value there; for an element, whether it holds the element."""

    assessment_id: str
    annotator: str
    present: bool
    value: Any


@dataclass(frozen=True, slots=True)
class ContestedView:
    """A disputed field or contested list element, voted on its own: `spec`, what a value
    written for a field must fit; `element`, the element an element vote keeps or drops."""

    path: str
    kind: UnitKind
    spec: dict[str, Any]
    element: Any
    proposed: tuple[ProposedView, ...]


@dataclass(frozen=True, slots=True)
class ReviewView:
    """An item under review as one of its reviewers sees it: every proposal, the engine's
    breakdown, what is put to the vote unit by unit (`contested`, empty when the whole value
    is voted), the committee, the reviewer's own votes in this round, and why the decided
    votes make no value the schema accepts (`problem`), if they do not."""

    item: ItemView
    proposals: tuple[ProposalView, ...]
    evaluation: dict[str, Any] | None
    committee: tuple[str, ...]
    my_vote: VoteView | None
    contested: tuple[ContestedView, ...] = ()
    my_field_votes: tuple[VoteView, ...] = ()
    problem: str | None = None


def _require_item(session: Session, item_id: int) -> Item:
    item = session.get(Item, item_id)
    if item is None:
        raise NotFound(f"item {item_id} not found")
    return item


def item_fields(item: Item) -> dict[str, Any]:
    """The fields of an `ItemView`, for it and for the views that extend it."""
    return {
        "id": item.id or 0,
        "trace_id": item.trace_id,
        "span_id": item.span_id or None,
        "name": item.name,
        "state": item.state,
        "round": item.review_round,
    }


def _decision_view(decision: Decision) -> DecisionView:
    return DecisionView(
        id=decision.id or 0,
        outcome=decision.outcome,
        method=decision.method,
        value=decision.value,
        algorithm=decision.algorithm,
        voters=tuple(decision.voters),
    )


def item_status(session: Session, *, item_id: int, by: Actor) -> ItemStatusView:
    """An item's state and latest decision (never its proposals); to a caller who may not see
    others' work, an open item's decision comes without its value and voters (blind)."""
    item = _require_item(session, item_id)
    decision = last_decision(session, item_id)
    if decision is None:
        return ItemStatusView(**item_fields(item), decision=None)
    shown = _decision_view(decision)
    if not by.sees_work and item.state != ItemState.PROMOTED:
        shown = replace(shown, value=None, voters=())
    return ItemStatusView(**item_fields(item), decision=shown)


def review_view(session: Session, *, item_id: int, reviewer_id: str, by: Actor) -> ReviewView:
    """What a reviewer of the item sees: every proposal side by side, the engine's breakdown;
    read by `by` (the reviewer, or an admin), who may see annotators under pseudonyms."""
    item = _require_item(session, item_id)
    if item.state != ItemState.IN_REVIEW or reviewer_id not in assigned(session, item):
        raise Forbidden(f"{reviewer_id} does not review item {item_id}")
    decision = last_decision(session, item_id)
    mine = current_vote(session, item, reviewer_id)
    proposals = live_proposals(session, item_id)
    found = item_dispute(session, item, proposals)
    field_votes = session.exec(
        select(Vote)
        .where(Vote.item_id == item_id, Vote.review_round == item.review_round)
        .where(Vote.reviewer_id == reviewer_id, Vote.field != WHOLE)
        .order_by(col(Vote.field))
    )
    view = ReviewView(
        item=ItemView(**item_fields(item)),
        proposals=tuple(
            ProposalView(
                assessment_id=p.assessment_id,
                annotator=p.source_id,
                value=p.value,
                rationale=p.rationale,
                revision=p.revision,
            )
            for p in proposals
        ),
        evaluation=decision.record if decision is not None else None,
        committee=tuple(assigned(session, item)),
        my_vote=None if mine is None else vote_view(mine),
        contested=()
        if found.whole
        else tuple(_contested(found, u, proposals) for u in found.units),
        my_field_votes=tuple(vote_view(vote) for vote in field_votes),
        problem=item.review_problem,
    )
    return item_masker(session, item, by, names_in(view)).view(view)


def _contested(found: Dispute, unit: Unit, proposals: list[Assessment]) -> ContestedView:
    said = [(p, found.cells(p.value)[unit.path]) for p in proposals]
    return ContestedView(
        path=unit.path,
        kind=unit.kind,
        spec=unit.spec.to_dict(),
        element=unit.element,
        proposed=tuple(
            ProposedView(
                assessment_id=p.assessment_id,
                annotator=p.source_id,
                # A field's cell is [its value] or [] (left out); an element's, held or not.
                present=bool(cell),
                value=(cell[0] if cell else None) if unit.kind is UnitKind.FIELD else unit.element,
            )
            for p, cell in said
        ),
    )
