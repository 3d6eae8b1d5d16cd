"""An item's whole life, oldest first: every proposal and edit, evaluation and decision, state
move, review round, vote, comment, escalation and canonical version, each with actor and time."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, or_, select

from workflow.identity.access import Actor
from workflow.kernel.errors import Forbidden, NotFound
from workflow.models import (
    Assessment,
    AuditEntry,
    Decision,
    Item,
    ProposalRevision,
    ReviewComment,
    Role,
    Vote,
)
from workflow.models.base import as_utc
from workflow.review.identities import item_masker, names_in
from workflow.review.views import ItemView, item_fields

# Audit actions on an item, by the name its history gives them; the others are told elsewhere.
_ITEM_ACTIONS = {
    "item.transition": "item.moved",
    "item.route": "review.routed",
    "vote.cast": "vote.cast",
    "item.escalate": "review.escalated",
    "review.unfit": "review.unfit",
    "review.comment": "review.commented",
    "claim.skip": "claim.skipped",
    "review.send_back": "review.sent_back",
}
_ASSESSMENT_ACTIONS = {"proposal.delete": "proposal.withdrawn", "proposal.keep": "proposal.kept"}


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    """One event of an item's life: when, who, what happened, and what it carried."""

    at: datetime
    actor: str
    event: str
    details: dict[str, Any]


@dataclass(frozen=True, slots=True)
class ItemHistory:
    """An item and every event of its life, oldest first."""

    item: ItemView
    entries: tuple[HistoryEntry, ...]


def item_history(session: Session, *, item_id: int, by: Actor) -> ItemHistory:
    """The item's history, for those who see others' work (reviewers, leads, admins)."""
    if not by.sees_work:
        raise Forbidden(f"{by.name} may not read item histories: they show others' work")
    item = session.get(Item, item_id)
    if item is None:
        raise NotFound(f"item {item_id} not found")
    assessments = {
        row.assessment_id: row
        for row in session.exec(select(Assessment).where(Assessment.item_id == item_id))
    }
    entries = [
        *_revisions(session, assessments),
        *_decisions(session, item_id),
        *_audited(session, item_id, list(assessments)),
    ]
    entries.sort(key=lambda entry: entry.at)
    history = ItemHistory(item=ItemView(**item_fields(item)), entries=tuple(entries))
    return item_masker(session, item, by, names_in(history)).view(history)


def _revisions(session: Session, assessments: dict[str, Assessment]) -> list[HistoryEntry]:
    """Each proposal's every version, and each canonical version the item was promoted to."""
    entries = []
    revisions = session.exec(
        select(ProposalRevision)
        .where(col(ProposalRevision.assessment_id).in_(list(assessments)))
        .order_by(col(ProposalRevision.id))
    )
    for revision in revisions:
        row = assessments[revision.assessment_id]
        event = "proposal.submitted" if revision.revision == 1 else "proposal.edited"
        details = {
            "assessment_id": row.assessment_id,
            "annotator": row.source_id,
            "revision": revision.revision,
            "value": revision.value,
            "rationale": revision.rationale,
        }
        entries.append(HistoryEntry(as_utc(revision.created_at), revision.actor, event, details))
    for row in assessments.values():
        if row.role == Role.CANONICAL:
            details = {
                "assessment_id": row.assessment_id,
                "value": row.value,
                "decision_id": row.decision_id,
                "current": row.valid and row.deleted_at is None,
            }
            entries.append(
                HistoryEntry(as_utc(row.created_at), row.source_id, "canonical.version", details)
            )
    return entries


def _decisions(session: Session, item_id: int) -> list[HistoryEntry]:
    """The engine's evaluations and the committee's resolutions, with their records."""
    decisions = session.exec(
        select(Decision).where(Decision.item_id == item_id).order_by(col(Decision.id))
    )
    return [
        HistoryEntry(
            as_utc(decision.created_at),
            f"quorum:{decision.method}",  # as the canonical expectation it makes names it
            f"decision.{decision.outcome}",
            {
                "decision_id": decision.id,
                "value": decision.value,
                "algorithm": decision.algorithm,
                "voters": list(decision.voters),
                "record": decision.record,
            },
        )
        for decision in decisions
    ]


def _audited(session: Session, item_id: int, assessment_ids: list[str]) -> list[HistoryEntry]:
    """What the audit log says was done to the item and its assessments; a vote comes with
    its value and comment when it is the reviewer's current one."""
    rows = session.exec(
        select(AuditEntry)
        .where(
            or_(
                (col(AuditEntry.subject_type) == "item")
                & (col(AuditEntry.subject_id) == str(item_id)),
                (col(AuditEntry.subject_type) == "assessment")
                & col(AuditEntry.subject_id).in_(assessment_ids),
            )
        )
        .order_by(col(AuditEntry.id))
    ).all()
    votes = {
        (vote.review_round, vote.reviewer_id, vote.field): vote
        for vote in session.exec(select(Vote).where(Vote.item_id == item_id))
    }
    last_cast = {_vote_key(row): row.id for row in rows if row.action == "vote.cast"}
    notes = dict(
        session.exec(
            select(ReviewComment.id, ReviewComment.body).where(ReviewComment.item_id == item_id)
        ).all()
    )
    entries = []
    for row in rows:
        names = _ITEM_ACTIONS if row.subject_type == "item" else _ASSESSMENT_ACTIONS
        event = names.get(row.action)
        if event is None:
            continue
        details = dict(row.details)
        key = _vote_key(row)
        if row.action == "vote.cast" and last_cast.get(key) == row.id and key in votes:
            details.update(value=votes[key].value, comment=votes[key].comment)
        if row.action == "review.comment":
            details["comment"] = notes.get(row.details.get("comment_id"))
        if row.subject_type == "assessment":
            details["assessment_id"] = row.subject_id
        entries.append(HistoryEntry(as_utc(row.at), row.actor, event, details))
    return entries


def _vote_key(row: AuditEntry) -> tuple[Any, str, str]:
    """The vote an audited cast is of: its round, reviewer and field ("" before field votes)."""
    return (row.details.get("round"), row.actor, row.details.get("field", ""))
