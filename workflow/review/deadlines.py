"""Review deadlines: a round still undecided when its committee's deadline passes escalates,
first to the chair (whose vote then decides it), then to the leads. The due dates live on
the items and the reconciler drives them, so no timer is lost with a worker."""

from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from workflow import audit, notifications, outbox
from workflow.campaigns import leads_of
from workflow.items.store import lock_item
from workflow.kernel.states import ItemState
from workflow.kernel.task_names import TaskName
from workflow.models import Item
from workflow.models.base import as_utc, utcnow
from workflow.review.committees import rule_of, scope_for
from workflow.review.quorum_rule import QuorumRule

ACTOR = "quorum:deadlines"
# How far an overdue round has gone: Item.escalation.
NOT_ESCALATED, TO_CHAIR, TO_LEADS = 0, 1, 2


def due_at(rule: QuorumRule, now: datetime) -> datetime | None:
    """When a round that starts (or escalates) now is due under the rule; None: never."""
    return None if rule.deadline_seconds is None else now + timedelta(seconds=rule.deadline_seconds)


def escalate_overdue(session: Session, *, limit: int = 500) -> int:
    """Escalate the rounds whose deadline passed, oldest first: how many moved a step."""
    now = utcnow()
    overdue = session.exec(
        select(Item.id)
        .where(col(Item.review_due_at) < now)
        .order_by(col(Item.review_due_at))
        .limit(limit)
    ).all()
    return sum(_escalate(session, item_id, now) for item_id in overdue)


def _escalate(session: Session, item_id: int, now: datetime) -> bool:
    item = lock_item(session, item_id)
    if item.review_due_at is None or as_utc(item.review_due_at) >= now:
        return False  # another pass moved it meanwhile
    if item.state != ItemState.IN_REVIEW:
        item.review_due_at = None  # decided or reopened since: nothing is due
        session.add(item)
        return False
    rule = rule_of(session, scope_for(session, item))
    if item.escalation < TO_CHAIR and rule.chair is not None:
        item.escalation, item.review_due_at, recipients = TO_CHAIR, due_at(rule, now), [rule.chair]
        # The chair's vote decides from now on: one already cast decides at once.
        outbox.enqueue(session, TaskName.RESOLVE_ITEM, item_id=item_id)
    else:
        item.escalation, item.review_due_at = TO_LEADS, None
        item.escalated_at = item.escalated_at or now
        leads = leads_of(session, item.campaign_id) if item.campaign_id is not None else []
        recipients = leads or [notifications.LEADS]
    session.add(item)
    to = "chair" if item.escalation == TO_CHAIR else "leads"
    notifications.raise_once(
        session, event="item.escalated", item=item, recipients=recipients, to=to, reason="deadline"
    )
    audit.record(
        session,
        actor=ACTOR,
        action="item.escalate",
        subject_type="item",
        subject_id=str(item_id),
        round=item.review_round,
        to=to,
        recipients=recipients,
    )
    return True
