"""The live proposals of items: the current HUMAN expectation of each annotator, as read by
the pipeline, the committee and the imports."""

from typing import Any

from sqlalchemy import bindparam
from sqlmodel import Session, col, func, select

from workflow.models import Assessment, Role

_ASSESSMENTS = Assessment.__table__


def live_where(item_filter: Any) -> tuple:
    """The conditions that pick the live proposals of the items `item_filter` selects
    (Core columns: ORM and Core statements alike)."""
    columns = _ASSESSMENTS.c
    return (item_filter, columns.role == Role.PROPOSAL.value, columns.deleted_at.is_(None))


def _live(item_id: Any) -> tuple:
    return live_where(_ASSESSMENTS.c.item_id == item_id)


def live_proposals(session: Session, item_id: int) -> list[Assessment]:
    """The item's live proposals, in annotator order."""
    return live_proposals_of(session, [item_id]).get(item_id, [])


_LIVE_OF = (
    select(Assessment)
    .where(*live_where(col(Assessment.item_id).in_(bindparam("item_ids", expanding=True))))
    .order_by(col(Assessment.item_id), col(Assessment.source_id))
)


def live_proposals_of(session: Session, item_ids: list[int]) -> dict[int, list[Assessment]]:
    """Each item's live proposals, in annotator order; an item with none is left out."""
    found: dict[int, list[Assessment]] = {}
    for row in session.exec(_LIVE_OF, params={"item_ids": item_ids}):
        found.setdefault(row.item_id, []).append(row)
    return found


def live_count(session: Session, item_id: int) -> int:
    """How many live proposals the item has."""
    return session.exec(select(func.count()).where(*_live(item_id))).one()


def signature(proposals: list[Assessment]) -> list[dict[str, Any]]:
    """Which proposal versions a decision saw: a later change makes a different signature."""
    return [
        {"assessment_id": p.assessment_id, "revision": p.revision, "annotator": p.source_id}
        for p in proposals
    ]
