"""Bulk import of HUMAN expectations: the effects of one `log_expectation` call per entry, in
set-based statements whose number does not grow with the batch, all or nothing."""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, select, update
from sqlmodel import Session

from workflow import audit, outbox
from workflow.assessments.proposals import change_entry, changes, needs_evaluation, revision_row
from workflow.imports.checks import (
    check_entries,
    check_schemas,
    chunks,
    refuse_taken_ids,
    require_traces_and_spans,
)
from workflow.imports.items import items_for
from workflow.items.live import live_where
from workflow.kernel.db import insert_rows
from workflow.kernel.entities import AssessmentDraft
from workflow.kernel.ids import new_assessment_id
from workflow.kernel.task_names import TaskName
from workflow.kernel.values import ValueLimits
from workflow.models import Assessment, AuditEntry, ProposalRevision
from workflow.models.assessments import Role, draft_fields
from workflow.models.base import utcnow

_ASSESSMENTS = Assessment.__table__.c


@dataclass(frozen=True)
class Imported:
    """What an import did."""

    created: int
    edited: int
    items: int
    evaluations: int


@dataclass
class _Version:
    """The state of one (item, annotator) proposal as the batch changes it, entry by entry
    (a `proposals.Version`, so its rows are built as a single call's are)."""

    assessment_id: str
    revision: int
    value: Any
    rationale: str | None
    meta: dict[str, str]
    touched: bool = False  # changed by this batch (a stored proposal that is not, stays as it is)


def _live(session: Session, item_ids: list[int]) -> dict[tuple[int, str], _Version]:
    live = {}
    for chunk in chunks(item_ids):
        statement = select(
            _ASSESSMENTS.item_id,
            _ASSESSMENTS.source_id,
            _ASSESSMENTS.assessment_id,
            _ASSESSMENTS.revision,
            _ASSESSMENTS.value,
            _ASSESSMENTS.rationale,
            _ASSESSMENTS.metadata,
        ).where(*live_where(_ASSESSMENTS.item_id.in_(chunk)))
        for row in session.execute(statement):
            live[(row.item_id, row.source_id)] = _Version(
                row.assessment_id, row.revision, row.value, row.rationale, dict(row.metadata)
            )
    return live


_EDIT = (
    update(Assessment.__table__)
    .where(_ASSESSMENTS.assessment_id == bindparam("b_id"))
    .values(
        value=bindparam("b_value"),
        rationale=bindparam("b_rationale"),
        metadata=bindparam("b_metadata"),
        revision=bindparam("b_revision"),
        updated_at=bindparam("b_now"),
    )
)


def import_proposals(
    session: Session,
    *,
    entries: Sequence[tuple[str, AssessmentDraft]],
    actor: str,
    limits: ValueLimits,
    default_overlap: int,
) -> Imported:
    """Record each (trace id, draft) as `proposals.submit` would, in order: an annotator's
    first entry for an item creates the proposal, later ones (or one already stored) edit it.
    Nothing is written unless every entry passes."""
    checked = check_entries(entries, limits)
    if not checked:
        return Imported(created=0, edited=0, items=0, evaluations=0)
    require_traces_and_spans(session, checked)
    refuse_taken_ids(session, checked)
    items = items_for(session, checked)
    check_schemas(session, checked, items)
    live = _live(session, sorted(row.id for row in items.values()))
    now = utcnow()
    new: dict[tuple[int, str], dict[str, Any]] = {}
    revisions, audits = [], []
    for trace_id, draft in checked:
        item = items[(trace_id, draft.span_id or "", draft.name)]
        key = (item.id, draft.source_id)
        version = live.get(key)
        if version is None:
            assessment_id = draft.assessment_id or new_assessment_id()
            version = live[key] = _Version(
                assessment_id, 1, draft.value, draft.rationale, draft.metadata, touched=True
            )
            new[key] = _new_row(trace_id, draft, item.id, assessment_id, now)
            action = "proposal.submit"
        else:
            changed = changes(version, draft.value, draft.rationale, draft.metadata)
            if changed is None:
                continue  # the entry is the live version again: as a single call, a no-op
            version.revision += 1
            version.value = draft.value
            version.rationale, version.meta = changed
            version.touched = True
            action = "proposal.edit"
        revisions.append(revision_row(version, actor=actor, at=now))
        entry = change_entry(version, action, actor=actor, item_id=item.id, at=now, bulk=True)
        audits.append(entry)
    result = Imported(
        created=len(new),
        edited=len(revisions) - len(new),
        items=len(items),
        evaluations=_queue_evaluations(session, items, live, default_overlap),
    )
    batch = audit.row(
        actor=actor,
        action="proposal.import",
        subject_type="batch",
        subject_id=f"{len(checked)} entries",
        details={"created": result.created, "edited": result.edited, "items": result.items},
    )
    audits.append({"at": now, **batch})
    _write(session, new, live, revisions, audits, now)
    return result


def _new_row(trace_id, draft: AssessmentDraft, item_id: int, assessment_id: str, now) -> dict:
    """A new proposal's columns; value, rationale, metadata and revision come at write time."""
    columns = draft_fields(trace_id, draft, Role.PROPOSAL, item_id=item_id)
    del columns["meta"]  # the metadata column is written from the last version
    return {
        **columns,
        "assessment_id": assessment_id,
        "valid": True,
        "decision_id": None,
        "created_at": now,
        "deleted_at": None,
    }


def _write(session, new, live, revisions, audits, now) -> None:
    """Inserts for new proposals, one update per edited stored one, history and audit rows."""
    rows = []
    for key, row in new.items():
        version = live[key]
        rows.append(
            {
                **row,
                "value": version.value,
                "rationale": version.rationale,
                "metadata": version.meta,
                "revision": version.revision,
                "updated_at": now,
            }
        )
    edits = [
        {
            "b_id": version.assessment_id,
            "b_value": version.value,
            "b_rationale": version.rationale,
            "b_metadata": version.meta,
            "b_revision": version.revision,
            "b_now": now,
        }
        for key, version in live.items()
        if version.touched and key not in new
    ]
    insert_rows(session, Assessment.__table__, rows)
    if edits:
        session.execute(_EDIT, edits)
    insert_rows(session, ProposalRevision.__table__, revisions)
    insert_rows(session, AuditEntry.__table__, audits)


def _queue_evaluations(session, items, live, default_overlap) -> int:
    """One evaluation per item the batch changed where the change can matter, by the
    single-call rule. Imports only add proposals, so the final count decides what any of the
    entries would have."""
    counts: dict[int, int] = {}
    changed = set()
    for (item_id, _), version in live.items():
        counts[item_id] = counts.get(item_id, 0) + 1
        if version.touched:
            changed.add(item_id)
    due = sorted(
        row.id
        for row in items.values()
        if row.id in changed and needs_evaluation(session, row, default_overlap, counts[row.id])
    )
    # A hundred items a message: one publish and one delivery each, not one per item (per
    # item, publishing cost the API more than the import itself).
    batches = [{"item_ids": due[start : start + 100]} for start in range(0, len(due), 100)]
    outbox.enqueue_many(session, TaskName.EVALUATE_ITEMS, batches)
    return len(due)
