"""The committee's work: route a disputed item to reviewers, take their votes, resolve it."""

from dataclasses import dataclass
from typing import Any

from sqlmodel import Session, select

from workflow import audit, events, notifications, outbox
from workflow.items import canonical
from workflow.items.live import live_proposals, signature
from workflow.items.store import lock_item, transition
from workflow.kernel.errors import Conflict, Forbidden
from workflow.kernel.states import ItemEvent, ItemState
from workflow.kernel.task_names import TaskName
from workflow.kernel.values import ValueLimits
from workflow.models import (
    Item,
    ReviewAssignment,
    Vote,
)
from workflow.models.base import utcnow
from workflow.review import deadlines
from workflow.review.ballots import checked_value, item_dispute, round_ballots
from workflow.review.committees import committee, rule_of, scope_for
from workflow.review.contested import WHOLE
from workflow.review.field_tally import resolve_units
from workflow.review.quorum_rule import Choice, Standing

ACTOR = "quorum:committee"


def assigned(session: Session, item: Item) -> list[str]:
    """Who reviews the item's current round."""
    statement = select(ReviewAssignment.reviewer_id).where(
        ReviewAssignment.item_id == item.id, ReviewAssignment.review_round == item.review_round
    )
    return sorted(session.exec(statement).all())


def route(session: Session, *, item_id: int) -> str:
    """Send a disputed item to its committee: a new round, assignments, one notice each; an
    item in review whose round has nobody (it came before its committee) gets its reviewers."""
    item = lock_item(session, item_id)
    waiting = item.state == ItemState.IN_REVIEW and not assigned(session, item)
    if item.state == ItemState.DISPUTED:
        transition(session, item, ItemEvent.ROUTE)
        item.review_round += 1
    elif not waiting:
        return item.state
    scope = scope_for(session, item)
    members = committee(session, scope)
    if waiting and not members:
        return item.state  # still nobody: the leads were told when it arrived
    item.escalated_at, item.escalation = None, deadlines.NOT_ESCALATED
    item.review_problem, item.review_scope = None, scope
    item.review_due_at = deadlines.due_at(rule_of(session, scope), utcnow()) if members else None
    session.add(item)
    session.add_all(
        ReviewAssignment(item_id=item_id, review_round=item.review_round, reviewer_id=m)
        for m in members
    )
    session.flush()
    if members:
        notifications.raise_once(session, event="item.routed", item=item, recipients=members)
    else:
        item.escalated_at = utcnow()
        notifications.raise_once(
            session, event="item.unstaffed", item=item, recipients=[notifications.LEADS]
        )
    audit.record(
        session,
        actor=ACTOR,
        action="item.route",
        subject_type="item",
        subject_id=str(item_id),
        round=item.review_round,
        reviewers=members,
    )
    return item.state


@dataclass(frozen=True)
class VoteRequest:
    """A reviewer's vote as asked for, on the whole value (`field` WHOLE) or on one disputed
    field or contested element (`field` its path): a proposal's id, a corrected value, keep
    or drop (an element), or an abstention."""

    choice: Choice
    assessment_id: str | None = None
    value: Any = None
    comment: str | None = None
    field: str = WHOLE


@dataclass(frozen=True, slots=True)
class VoteView:
    """A reviewer's vote in one round of an item's review, as recorded."""

    item_id: int
    round: int
    reviewer_id: str
    choice: Choice
    assessment_id: str | None
    value: Any
    comment: str | None
    field: str = WHOLE


def vote_view(vote: Vote) -> VoteView:
    """The view of a vote row."""
    return VoteView(
        item_id=vote.item_id,
        round=vote.review_round,
        reviewer_id=vote.reviewer_id,
        choice=Choice(vote.choice),
        assessment_id=vote.assessment_id,
        value=vote.value,
        comment=vote.comment,
        field=vote.field,
    )


def cast_vote(
    session: Session, *, item_id: int, reviewer_id: str, request: VoteRequest, limits: ValueLimits
) -> VoteView:
    """Record (or change) a reviewer's vote in the item's current round, then try to resolve."""
    item = lock_item(session, item_id)
    if item.state != ItemState.IN_REVIEW:
        raise Conflict(f"item {item_id} is {item.state}, not in review")
    if reviewer_id not in assigned(session, item):
        raise Forbidden(f"{reviewer_id} does not review item {item_id} in this round")
    proposals = live_proposals(session, item_id)
    value = checked_value(
        item_dispute(session, item, proposals),
        proposals,
        field=request.field,
        choice=request.choice,
        assessment_id=request.assessment_id,
        value=request.value,
        limits=limits,
    )
    vote = current_vote(session, item, reviewer_id, request.field) or Vote(
        item_id=item_id,
        review_round=item.review_round,
        reviewer_id=reviewer_id,
        field=request.field,
    )
    picked = request.assessment_id if request.choice is Choice.PROPOSAL else None
    vote.choice, vote.assessment_id, vote.value = request.choice, picked, value
    vote.comment, vote.updated_at = request.comment, utcnow()
    session.add(vote)
    audit.record(
        session,
        actor=reviewer_id,
        action="vote.cast",
        subject_type="item",
        subject_id=str(item_id),
        round=item.review_round,
        choice=request.choice.value,
        field=request.field,
    )
    outbox.enqueue(session, TaskName.RESOLVE_ITEM, item_id=item_id)
    session.flush()
    events.emit(
        session,
        "review.vote_cast",
        key=f"vote:{vote.id}:{vote.updated_at.isoformat()}",
        # Who voted and on what, never the value: that is the committee's until it decides.
        payload={**_about(item), "reviewer": reviewer_id, "field": request.field},
        item_id=item.id,
        campaign_id=item.campaign_id,
    )
    return vote_view(vote)


def _about(item: Item) -> dict[str, Any]:
    """What every event of an item says of it."""
    return {
        "item_id": item.id,
        "trace_id": item.trace_id,
        "span_id": item.span_id or None,
        "name": item.name,
        "round": item.review_round,
        "campaign_id": item.campaign_id,
        "link": f"/items/{item.id}/history",
    }


def resolve(session: Session, *, item_id: int) -> str:
    """Apply the quorum rule to each disputed unit of the round: resolve when every unit is
    decided and their value fits the schema, wait, or escalate a deadlock."""
    item = lock_item(session, item_id)
    if item.state != ItemState.IN_REVIEW:
        return item.state
    members = assigned(session, item)
    votes = session.exec(
        select(Vote).where(Vote.item_id == item_id, Vote.review_round == item.review_round)
    ).all()
    rule = rule_of(session, scope_for(session, item))
    proposals = live_proposals(session, item_id)
    found = item_dispute(session, item, proposals)
    resolution = resolve_units(
        rule,
        found,
        len(members),
        round_ballots(found, votes, proposals),
        overdue=item.escalation >= deadlines.TO_CHAIR,
    )
    _note_problem(session, item, resolution.problem)
    if resolution.standing is Standing.RESOLVED:
        decision = canonical.record_decision(
            session,
            item=item,
            outcome="resolved",
            method=canonical.COMMITTEE,
            value=resolution.value,
            algorithm=rule.algorithm,
            record=resolution.to_dict(),
            proposals=signature(proposals),
            voters=list(resolution.voters),
        )
        item.review_due_at = None
        # The committee moved it, not the pipeline: its audit entry names the voters.
        transition(session, item, ItemEvent.RESOLVE, actor=ACTOR, voters=list(resolution.voters))
        outbox.enqueue(session, TaskName.PROMOTE_ITEM, item_id=item_id)
        events.emit(
            session,
            "item.resolved",
            key=f"decision:{decision.id}",
            payload={**_about(item), "decision_id": decision.id, "voters": list(resolution.voters)},
            item_id=item.id,
            campaign_id=item.campaign_id,
        )
    elif resolution.standing is Standing.DEADLOCKED and item.escalated_at is None:
        item.escalated_at = utcnow()
        session.add(item)
        notifications.raise_once(
            session,
            event="item.escalated",
            item=item,
            recipients=[notifications.LEADS],
            tally=resolution.to_dict(),
        )
    return item.state


def _note_problem(session: Session, item: Item, problem: str | None) -> None:
    """Keep why the decided votes make no valid value, audited once per change, so a task
    that runs twice records it once."""
    if problem == item.review_problem:
        return
    item.review_problem = problem
    session.add(item)
    if problem is not None:
        audit.record(
            session,
            actor=ACTOR,
            action="review.unfit",
            subject_type="item",
            subject_id=str(item.id),
            round=item.review_round,
            reason=problem,
        )


def current_vote(session: Session, item: Item, reviewer_id: str, field: str = WHOLE) -> Vote | None:
    """A reviewer's vote in the item's current round on `field` (the whole value unless
    told), if they cast one."""
    statement = select(Vote).where(
        Vote.item_id == item.id,
        Vote.review_round == item.review_round,
        Vote.reviewer_id == reviewer_id,
        Vote.field == field,
    )
    return session.exec(statement).first()
