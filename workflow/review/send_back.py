"""Sending a disputed item back to its annotators with a note: the round closes undecided, each
proposer's seat is returned to them, and the item collects again until every one of them has
revised or kept their answer; then the engine evaluates it afresh."""

from sqlmodel import Session

from workflow import audit, notifications
from workflow.campaigns.membership import role_in
from workflow.identity.access import Actor, Permission, UserRole
from workflow.items import seats
from workflow.items.live import live_proposals
from workflow.items.store import lock_item, transition
from workflow.kernel.errors import Conflict, Forbidden, InvalidInput
from workflow.kernel.states import ItemEvent, ItemState
from workflow.review import deadlines
from workflow.review.comments import MAX_COMMENT
from workflow.review.committee import assigned


def send_back(session: Session, *, item_id: int, note: str, by: Actor) -> list[str]:
    """Send the item in review back to the annotators who proposed on it, with `note` (what
    to look at again): a reviewer of its round, a lead of its campaign or an admin may.
    Returns the annotators asked; the item waits in `reopened` for their answers."""
    item = lock_item(session, item_id)
    # Who may comes first: to anyone else, the item's state is none of their business.
    lead = item.campaign_id is not None and (
        role_in(session, item.campaign_id, by.name) == UserRole.LEAD
    )
    if not (by.may(Permission.ADMIN) or lead or by.name in assigned(session, item)):
        raise Forbidden(f"{by.name} does not review item {item_id}")
    text = note.strip()
    if not text or len(text) > MAX_COMMENT:
        raise InvalidInput(f"a note to the annotators has 1 to {MAX_COMMENT} characters")
    if item.state != ItemState.IN_REVIEW:
        raise Conflict(f"item {item_id} is {item.state}, not in review: nothing to send back")
    if item.campaign_id is None:
        raise Conflict(
            "only a campaign's items go back to their annotators: outside a campaign nobody"
            " holds a seat to answer again"
        )
    proposers = sorted({p.source_id for p in live_proposals(session, item_id)})
    seats.give_back(session, item_id, proposers)
    item.return_note, item.review_problem = text, None
    item.review_due_at, item.escalation = None, deadlines.NOT_ESCALATED
    session.add(item)
    transition(session, item, ItemEvent.REOPEN, actor=by.name, round=item.review_round)
    notifications.raise_once(
        session, event="item.sent_back", item=item, recipients=proposers, note=text
    )
    audit.record(
        session,
        actor=by.name,
        action="review.send_back",
        subject_type="item",
        subject_id=str(item_id),
        round=item.review_round,
        note=text,
        annotators=proposers,
    )
    return proposers
