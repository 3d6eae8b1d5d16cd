"""Proposals: one live HUMAN expectation per (item, annotator); every version kept."""

from collections.abc import Sequence
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import bindparam
from sqlmodel import Session, select

from workflow import audit, events, outbox
from workflow.campaigns.routing import campaign_item
from workflow.items import seats
from workflow.items.label_schemas import check_fits
from workflow.items.live import live_count, live_where
from workflow.items.store import ItemRef, item_for, lock_item
from workflow.kernel.db import Write, insert_each
from workflow.kernel.entities import AssessmentDraft
from workflow.kernel.errors import AlreadyExists, InvalidInput, NotFound
from workflow.kernel.states import COLLECTING_STATES
from workflow.kernel.task_names import TaskName
from workflow.kernel.values import same_value
from workflow.models import Assessment, AuditEntry, Item, ProposalRevision, Role
from workflow.models.base import column_values, utcnow

_ASSESSMENTS = Assessment.__table__
_REVISIONS = ProposalRevision.__table__
_AUDIT = AuditEntry.__table__


_LIVE_BY_ANNOTATOR = select(_ASSESSMENTS.c.source_id, _ASSESSMENTS.c.assessment_id).where(
    *live_where(_ASSESSMENTS.c.item_id == bindparam("item_id"))
)


def _live_by_annotator(session: Session, item_id: int) -> dict[str, str]:
    """The item's live proposals as annotator -> assessment id."""
    rows = session.execute(_LIVE_BY_ANNOTATOR, {"item_id": item_id})
    return {annotator: assessment_id for annotator, assessment_id in rows}


class Version(Protocol):
    """A proposal as one of its changes leaves it: an `Assessment`, or a bulk import's copy."""

    assessment_id: str
    revision: int
    value: Any
    rationale: str | None
    meta: dict[str, str]


def revision_row(proposal: Version, *, actor: str, at: datetime) -> dict[str, Any]:
    """This version of the proposal as history keeps it (never read back by its writer), for
    the single calls and the bulk import alike."""
    return {
        "assessment_id": proposal.assessment_id,
        "revision": proposal.revision,
        "value": proposal.value,
        "rationale": proposal.rationale,
        "metadata": dict(proposal.meta),
        "actor": actor,
        "created_at": at,
    }


def changes(
    current: Version, value: Any, rationale: str | None, metadata: dict[str, str] | None
) -> tuple[str | None, dict[str, str]] | None:
    """The rationale and metadata of the version that logging (value, rationale, metadata)
    over `current` makes (None and None keep the current ones; metadata merges), or None when
    that version is `current` again: an identical re-log (a client's retry, a batch script run
    twice) changes nothing, no revision, no reopening, no evaluation."""
    rationale = current.rationale if rationale is None else rationale
    meta = current.meta if metadata is None else {**current.meta, **metadata}
    same = (rationale, meta) == (current.rationale, current.meta)
    return None if same and same_value(value, current.value) else (rationale, meta)


def change_entry(
    proposal: Version, action: str, *, actor: str, item_id: int, at: datetime, bulk: bool = False
) -> dict[str, Any]:
    """The audit entry of one change to a proposal, for the single calls and the bulk import
    (`bulk`, marked) alike; dated here, as neither `db.insert_each` nor COPY applies defaults."""
    details: dict[str, Any] = {"item_id": item_id, "revision": proposal.revision}
    if bulk:
        details["bulk"] = True
    entry = audit.row(
        actor=actor,
        action=action,
        subject_type="assessment",
        subject_id=proposal.assessment_id,
        details=details,
    )
    return {"at": at, **entry}


def _lock_for_change(session: Session, proposal: Assessment) -> Item:
    """Lock the proposal's item (items before assessments, always), then re-read the proposal."""
    assert proposal.item_id is not None
    session.flush()  # pending changes (a rename) must survive the re-read below
    item = lock_item(session, proposal.item_id)
    session.refresh(proposal)
    if proposal.deleted_at is not None:
        raise NotFound(f"assessment {proposal.assessment_id} was deleted")
    return item


def needs_evaluation(
    session: Session, item: Item | ItemRef, default_overlap: int, live: int | None
) -> bool:
    """Whether the change can matter to the pipeline: skip the task while a schema-less item
    collects below its quota, the common case (measured: two of every three proposals)."""
    if item.schema_id is not None or item.state not in COLLECTING_STATES:
        return True
    assert item.id is not None
    return (live if live is not None else live_count(session, item.id)) >= default_overlap


def _changed(
    session: Session,
    item: Item | ItemRef,
    proposal: Assessment,
    action: str,
    actor: str,
    default_overlap: int,
    live: int | None = None,
    writes: Sequence[Write] = (),
) -> None:
    """What every proposal change owes: its rows and, if it can matter, an evaluation.
    `live` is the item's live proposal count when the caller knows it, else it is counted;
    `writes` are the change's own rows, inserted with its audit entry in one round trip."""
    assert item.id is not None
    session.flush()
    if needs_evaluation(session, item, default_overlap, live):
        outbox.enqueue(session, TaskName.EVALUATE_ITEM, item_id=item.id)
    entry = change_entry(proposal, action, actor=actor, item_id=item.id, at=utcnow())
    insert_each(session, [*writes, (_AUDIT, entry)])


def submit(
    session: Session,
    *,
    trace_id: str,
    draft: AssessmentDraft,
    actor: str,
    default_overlap: int,
    routed: bool = True,
) -> tuple[Assessment, bool]:
    """Record a HUMAN expectation: a new proposal, or an edit of the annotator's live one, on
    the item `campaigns.routing` picks (unless `routed` is False: the author annotates in no
    open campaign). Returns it and whether a canonical expectation already supersedes it;
    NotFound for an unknown trace.

    The new proposal is written without the ORM (whose unit of work doubled the cost of this,
    the hottest write path), with its revision and audit entry in one statement on PostgreSQL,
    and returned as an object outside the session.
    """
    key = {"trace_id": trace_id, "span_id": draft.span_id or "", "name": draft.name}
    in_campaign = campaign_item(session, **key, author=draft.source_id) if routed else None
    item = in_campaign or item_for(session, **key)
    live = _live_by_annotator(session, item.id)
    if draft.source_id in live:
        proposal = edit(
            session,
            proposal=session.get_one(Assessment, live[draft.source_id]),
            actor=actor,
            value=draft.value,
            rationale=draft.rationale,
            metadata=draft.metadata,
            default_overlap=default_overlap,
        )
        return proposal, item.canonical
    check_fits(session, item, draft.value)
    if in_campaign is not None:
        seats.occupy(session, item.id, draft.source_id)
    proposal = Assessment.from_draft(trace_id, draft, Role.PROPOSAL, item_id=item.id)
    revision = revision_row(proposal, actor=actor, at=utcnow())
    # Who proposed where, never the value: a webhook receiver may pass it on to an annotator.
    told = {
        "assessment_id": proposal.assessment_id,
        "item_id": item.id,
        "trace_id": trace_id,
        "name": draft.name,
        "annotator": draft.source_id,
        "link": f"/items/{item.id}/history",
    }
    writes = [
        (_ASSESSMENTS, column_values(proposal)),
        (_REVISIONS, revision),
        events.row(
            "proposal.submitted",
            f"proposal:{proposal.assessment_id}",
            told,
            item.id,
            item.campaign_id,
        ),
    ]
    _changed(
        session, item, proposal, "proposal.submit", actor, default_overlap, len(live) + 1, writes
    )
    events.written(session)
    return proposal, item.canonical


def edit(
    session: Session,
    *,
    proposal: Assessment,
    actor: str,
    value: Any,
    rationale: str | None,
    metadata: dict[str, str] | None,
    default_overlap: int,
) -> Assessment:
    """A new revision of a live proposal; its id stays, the old version stays in history. The
    same value, rationale and metadata again make no revision, but answer a seat the committee
    returned: the annotator kept their answer, and the item may be evaluated again."""
    item = _lock_for_change(session, proposal)
    check_fits(session, item, value)
    changed = changes(proposal, value, rationale, metadata)
    answered = item.campaign_id is not None and seats.resubmit(
        session, proposal.item_id or 0, proposal.source_id
    )
    if changed is None:
        if answered:
            _changed(session, item, proposal, "proposal.keep", actor, default_overlap)
        return proposal
    proposal.value, (proposal.rationale, proposal.meta) = value, changed
    proposal.revision += 1
    proposal.updated_at = utcnow()
    session.add(proposal)
    revision = [(_REVISIONS, revision_row(proposal, actor=actor, at=utcnow()))]
    _changed(session, item, proposal, "proposal.edit", actor, default_overlap, writes=revision)
    return proposal


def move(
    session: Session, *, proposal: Assessment, name: str, actor: str, default_overlap: int
) -> Assessment:
    """Rename a proposal: it leaves its item for the item of the new name, both re-evaluated."""
    source = _lock_for_change(session, proposal)
    if source.campaign_id is not None:
        raise InvalidInput(
            "a campaign's proposal keeps its label schema's name: withdraw it and log a new one"
        )
    target = item_for(session, trace_id=proposal.trace_id, span_id=proposal.span_id, name=name)
    assert target.id is not None
    if proposal.source_id in _live_by_annotator(session, target.id):
        raise AlreadyExists(f"{proposal.source_id} already has a proposal named {name!r} here")
    proposal.name = name
    proposal.item_id = target.id
    proposal.updated_at = utcnow()
    session.add(proposal)
    _changed(session, source, proposal, "proposal.move", actor, default_overlap)
    _changed(session, target, proposal, "proposal.move", actor, default_overlap)
    return proposal


def withdraw(session: Session, *, proposal: Assessment, actor: str, default_overlap: int) -> None:
    """Delete a proposal: it stops counting, its history stays, its item is re-evaluated."""
    item = _lock_for_change(session, proposal)
    proposal.deleted_at = utcnow()
    session.add(proposal)
    if item.campaign_id is not None:
        assert item.id is not None
        seats.vacate(session, item.id, proposal.source_id)
    _changed(session, item, proposal, "proposal.withdraw", actor, default_overlap)
