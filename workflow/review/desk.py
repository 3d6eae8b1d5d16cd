"""A reviewer's desk for one item: the review as the API gives it, the trace made readable,
the schema a corrected value must fit, and the round's votes once they may be seen (on the
whole value, and unit by unit)."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from workflow.consensus import ValueType
from workflow.identity.access import Actor
from workflow.items.label_schemas import spec_for
from workflow.items.live import live_proposals
from workflow.models import Item, Vote
from workflow.models.base import as_utc
from workflow.review.ballots import item_dispute, round_ballots
from workflow.review.comments import CommentView, comments_of
from workflow.review.committee import VoteView, vote_view
from workflow.review.committees import rule_of, scope_for
from workflow.review.contested import WHOLE
from workflow.review.deadlines import TO_CHAIR, TO_LEADS
from workflow.review.differences import Spread, TextDiff, spread, word_diffs
from workflow.review.identities import hidden_from
from workflow.review.quorum_rule import Choice
from workflow.review.views import ReviewView, review_view
from workflow.traces import get_trace
from workflow.traces.reading import ReadableTrace, read_trace


@dataclass(frozen=True, slots=True)
class UnitBallotView:
    """How one reviewer's vote counts on a disputed unit: `whole` when it is their vote on
    the whole value; `present`, a field has a value (`value`) or an element is kept."""

    reviewer_id: str
    choice: Choice
    present: bool
    value: Any
    whole: bool


@dataclass(frozen=True, slots=True)
class ReviewDesk:
    """What the review page shows a reviewer of the item. `votes`: the round's votes, shown
    once the reviewer has voted on the whole value (to the chair always), None until then,
    so nobody follows; `unit_votes`: per disputed unit, how each vote counts there, for the
    units the reviewer has voted on (every one, to the chair or after a whole-value vote);
    `settled`, the settled parts as a value (None when the whole value is voted)."""

    review: ReviewView
    schema: dict[str, Any]
    trace: ReadableTrace
    votes: tuple[VoteView, ...] | None
    chair: str | None
    unit_votes: dict[str, tuple[UnitBallotView, ...]]
    settled: Any
    text_base: str | None = None  # whose text the others' are compared with, word by word
    text_diffs: tuple[TextDiff, ...] = ()
    spread: Spread | None = None  # of numbers proposed
    comments: tuple[CommentView, ...] = ()  # the item's discussion, every round's
    due_at: datetime | None = None  # when the round escalates, if it has a deadline
    escalated_to: str | None = None  # "chair" or "leads" once overdue
    pseudonyms: bool = False  # annotators are shown under pseudonyms
    returnable: bool = False  # a campaign's item, which may go back to its annotators


def review_desk(session: Session, *, item_id: int, by: Actor) -> ReviewDesk:
    """The desk of `by` for the item; Forbidden unless they review its round."""
    reviewer_id = by.name
    review = review_view(session, item_id=item_id, reviewer_id=reviewer_id, by=by)
    item = session.get_one(Item, item_id)
    spec, _ = spec_for(session, item, [proposal.value for proposal in review.proposals])
    chair = rule_of(session, scope_for(session, item)).chair
    sees_all = review.my_vote is not None or reviewer_id == chair
    rows = session.exec(
        select(Vote)
        .where(Vote.item_id == item_id, Vote.review_round == item.review_round)
        .order_by(col(Vote.reviewer_id), col(Vote.field))
    ).all()
    seen = {vote.field for vote in review.my_field_votes}
    proposals = live_proposals(session, item_id)
    found = item_dispute(session, item, proposals)
    own = {(row.reviewer_id, row.field) for row in rows}
    unit_votes = {
        path: tuple(
            UnitBallotView(
                reviewer_id=b.reviewer_id,
                choice=b.choice,
                present=bool(b.value),
                value=b.value[0] if isinstance(b.value, list) and b.value else None,
                whole=(b.reviewer_id, path) not in own,
            )
            for b in sorted(ballots, key=lambda b: b.reviewer_id)
        )
        for path, ballots in round_ballots(found, rows, proposals).items()
        if path != WHOLE and (sees_all or path in seen)
    }
    trace = get_trace(session, trace_id=item.trace_id)
    base, diffs = _text_diffs(review) if spec.value_type is ValueType.TEXT else (None, ())
    numeric = spec.value_type is ValueType.NUMERIC
    return ReviewDesk(
        review=review,
        schema=spec.to_dict(),
        trace=read_trace(trace.trace_id, trace.info, trace.spans, item.span_id or None),
        votes=tuple(vote_view(row) for row in rows if row.field == WHOLE) if sees_all else None,
        chair=chair,
        unit_votes=unit_votes,
        settled=found.settled_value(),
        comments=comments_of(session, item_id),
        text_base=base,
        text_diffs=diffs,
        spread=spread([(p.annotator, p.value) for p in review.proposals]) if numeric else None,
        due_at=as_utc(item.review_due_at) if item.review_due_at else None,
        escalated_to={TO_CHAIR: "chair", TO_LEADS: "leads"}.get(item.escalation),
        pseudonyms=hidden_from(session, item, by),
        returnable=item.campaign_id is not None,
    )


def _text_diffs(review: ReviewView) -> tuple[str | None, tuple[TextDiff, ...]]:
    """Texts against the one the engine found most central (else the first), word by word."""
    texts = [(p.annotator, p.value) for p in review.proposals if isinstance(p.value, str)]
    if len(texts) < 2 or len(texts) != len(review.proposals):
        return None, ()
    candidate = (review.evaluation or {}).get("consensus")
    base = next((t for t in texts if t[1] == candidate), texts[0])
    return base[0], word_diffs(base, [t for t in texts if t is not base])
