"""Submitting from the queue: the claimed item's proposal, stored exactly as the MLflow route
stores it (the same command), so a script and the page leave the same record."""

from typing import Any

from sqlmodel import Session

from workflow.assessments import log_assessment
from workflow.campaigns.membership import require_member
from workflow.identity.access import Actor, UserRole
from workflow.kernel.entities import AssessmentDraft, AssessmentView, Kind, SourceType
from workflow.kernel.errors import Conflict, NotFound
from workflow.kernel.values import ValueLimits
from workflow.models import Item


def submit_claim(
    session: Session,
    *,
    by: Actor,
    item_id: int,
    value: Any,
    rationale: str | None,
    limits: ValueLimits,
    default_overlap: int,
) -> AssessmentView:
    """Store `by`'s value for a campaign item: their claim becomes a submitted seat. A claim
    whose lease ran out is still accepted while the item has room, and refused (409, with the
    reason, nothing stored) once its place went to someone else."""
    item = session.get(Item, item_id)
    if item is None or item.campaign_id is None:
        raise NotFound(f"no claim on item {item_id}")
    campaign = require_member(session, by, item.campaign_id, UserRole.ANNOTATOR)
    if campaign.status != "open":
        raise Conflict(f"campaign {campaign.id} is closed: it takes no more proposals")
    draft = AssessmentDraft(
        name=item.name,
        kind=Kind.EXPECTATION,
        source_type=SourceType.HUMAN,
        source_id=by.name,
        value=value,
        rationale=rationale,
        span_id=item.span_id or None,
    )
    return log_assessment(
        session,
        trace_id=item.trace_id,
        draft=draft,
        by=by,
        limits=limits,
        default_overlap=default_overlap,
    )
