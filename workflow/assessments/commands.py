"""MLflow's assessment commands with Quorum's meaning: HUMAN expectations become proposals."""

from collections.abc import Iterable
from dataclasses import replace

from sqlalchemy import and_, bindparam
from sqlmodel import Session, col, select

from workflow import audit
from workflow.assessments import proposals
from workflow.campaigns.blind import blind_keys
from workflow.identity.access import Actor, Permission
from workflow.items.canonical import valid_canonical
from workflow.kernel.entities import (
    AssessmentChanges,
    AssessmentDraft,
    AssessmentView,
    Kind,
    SourceType,
)
from workflow.kernel.errors import AlreadyExists, Forbidden, InvalidInput, NotFound
from workflow.kernel.ids import ASSESSMENT_ID, check_span_id
from workflow.kernel.settings import DEFAULT_OVERLAP
from workflow.kernel.values import (
    ValueLimits,
    check_metadata,
    check_name,
    check_rationale,
    check_value,
)
from workflow.models import Assessment, Role, Trace
from workflow.models.base import as_utc, utcnow
from workflow.traces.store import ensure_trace, has_span, trace_not_found

# Roles that stop counting as "the" expectation once a canonical one exists for their name.
_SUPERSEDED_BY_CANONICAL = frozenset({Role.PROPOSAL, Role.SUGGESTION})


def _role(draft: AssessmentDraft) -> Role:
    if draft.kind is Kind.FEEDBACK:
        return Role.FEEDBACK
    return Role.PROPOSAL if draft.source_type is SourceType.HUMAN else Role.SUGGESTION


_TABLE = Assessment.__table__
_TRACES = Trace.__table__
# The trace and its valid canonical keys in one round trip: no row means no such trace.
_TRACE_AND_CANONICAL_KEYS = (
    select(_TRACES.c.trace_id, _TABLE.c.span_id, _TABLE.c.name)
    .select_from(
        _TRACES.outerjoin(_TABLE, and_(_TABLE.c.trace_id == _TRACES.c.trace_id, *valid_canonical()))
    )
    .where(_TRACES.c.trace_id == bindparam("trace_id"))
)


def _canonical_keys(session: Session, trace_id: str) -> set[tuple[str, str]]:
    """(span, name) pairs of the trace that have a valid canonical expectation; NotFound for
    an unknown trace. None of the commands here changes them, so one read serves a request."""
    rows = session.execute(_TRACE_AND_CANONICAL_KEYS, {"trace_id": trace_id}).all()
    if not rows:
        raise trace_not_found(trace_id)
    return {(span_id, name) for _, span_id, name in rows if name is not None}


def to_view(row: Assessment, canonical_keys: set[tuple[str, str]]) -> AssessmentView:
    """The MLflow-facing view; proposals and suggestions read `valid: false` once superseded."""
    superseded = row.role in _SUPERSEDED_BY_CANONICAL and (row.span_id, row.name) in canonical_keys
    return AssessmentView(
        assessment_id=row.assessment_id,
        trace_id=row.trace_id,
        span_id=row.span_id or None,
        name=row.name,
        kind=Kind(row.kind),
        role=row.role,
        source_type=row.source_type,
        source_id=row.source_id,
        value=row.value,
        error=row.error,
        rationale=row.rationale,
        metadata=dict(row.meta),
        overrides=row.overrides,
        valid=row.valid and not superseded,
        created_at=as_utc(row.created_at),
        updated_at=as_utc(row.updated_at),
    )


def visible(by: Actor, row: Assessment, blind: dict[tuple[str, str], bool]) -> bool:
    """Annotators are blind: another annotator's proposal is hidden from them; and on a
    campaign item they have not answered yet (`blind`, from `campaigns.blind_keys`), so are
    its canonical expectation and, unless the campaign shows them, its suggestions."""
    own = row.source_id == by.name
    key = (row.span_id, row.name)
    if key in blind and not own:
        return row.role == Role.FEEDBACK or (row.role == Role.SUGGESTION and blind[key])
    return row.role != Role.PROPOSAL or own or by.sees_all_proposals


def _authorize(by: Actor, source_type: str, source_id: str) -> None:
    """Annotators write under their own name; only an importer writes for someone else, or as
    an LLM judge or code."""
    if source_type == SourceType.HUMAN and source_id == by.name and by.may(Permission.ANNOTATE):
        return
    if not by.may(Permission.IMPORT):
        raise Forbidden(
            f"{by.name} may not write as {source_type} {source_id!r}:"
            " only an importer writes on behalf of others"
        )


def _require(session: Session, trace_id: str, assessment_id: str, by: Actor) -> Assessment:
    row = session.get(Assessment, assessment_id) if ASSESSMENT_ID.match(assessment_id) else None
    gone = row is None or row.trace_id != trace_id or row.deleted_at is not None
    if gone or not (
        row.source_id == by.name or visible(by, row, blind_keys(session, by, trace_id))
    ):
        raise NotFound(f"Assessment with ID {assessment_id} not found in trace {trace_id}.")
    return row


def checked_draft(draft: AssessmentDraft, limits: ValueLimits) -> AssessmentDraft:
    """The draft within limits, its metadata as MLflow keeps it (text values), or a 4xx.
    Checks that need no database; the ones that do follow in `_check_draft`."""
    check_name(draft.name, limits)
    check_value(draft.value, limits)
    check_value(draft.error, limits, what="error")
    check_rationale(draft.rationale, limits)
    if draft.span_id:
        check_span_id(draft.span_id)
    if draft.assessment_id and not ASSESSMENT_ID.match(draft.assessment_id):
        raise InvalidInput("assessment_id must be 'a-' followed by 8 to 64 hex digits")
    return replace(draft, metadata=check_metadata(draft.metadata, limits))


def _check_draft(
    session: Session, trace_id: str, draft: AssessmentDraft, limits: ValueLimits
) -> AssessmentDraft:
    """`checked_draft`, then its span belongs to the trace and its id is free."""
    draft = checked_draft(draft, limits)
    if draft.span_id and not has_span(session, trace_id=trace_id, span_id=draft.span_id):
        _canonical_keys(session, trace_id)  # an unknown trace is a 404, not a wrong span
        raise InvalidInput(f"span {draft.span_id} is not a span of trace {trace_id}")
    if draft.assessment_id and session.get(Assessment, draft.assessment_id) is not None:
        raise AlreadyExists(f"assessment {draft.assessment_id} already exists")
    return draft


def _override(session: Session, trace_id: str, draft: AssessmentDraft, by: Actor) -> None:
    """Mark the overridden assessment not valid, after checking the override makes sense."""
    assert draft.overrides is not None
    target = _require(session, trace_id, draft.overrides, by)
    _authorize(by, target.source_type, target.source_id)
    if (target.name, target.span_id, target.kind) != (draft.name, draft.span_id or "", draft.kind):
        raise InvalidInput("overrides must name an assessment of the same name, span and kind")
    if target.role == Role.CANONICAL:
        raise InvalidInput("a canonical expectation is replaced by a decision, not an override")
    if target.role == Role.PROPOSAL and target.source_id != draft.source_id:
        raise InvalidInput("a proposal is one annotator's vote: another's cannot override it")
    if target.role != Role.PROPOSAL:  # one's own proposal is edited, not overridden
        target.valid = False
        session.add(target)


def log_assessment(
    session: Session,
    *,
    trace_id: str,
    draft: AssessmentDraft,
    by: Actor,
    limits: ValueLimits,
    default_overlap: int = DEFAULT_OVERLAP,
) -> AssessmentView:
    """Create an assessment; a HUMAN expectation is the annotator's proposal for its item."""
    _authorize(by, draft.source_type, draft.source_id)
    role = _role(draft)
    # A new proposal's item upsert checks the trace and reads its canonical key itself (the
    # hot path: one statement fewer); everything else reads the trace's canonical keys first.
    plain_proposal = role is Role.PROPOSAL and not draft.overrides
    canonical_keys = None if plain_proposal else _canonical_keys(session, trace_id)
    draft = _check_draft(session, trace_id, draft, limits)
    if draft.overrides:
        _override(session, trace_id, draft, by)
    if role is Role.PROPOSAL:
        row, superseded = proposals.submit(
            session,
            trace_id=trace_id,
            draft=draft,
            actor=by.name,
            default_overlap=default_overlap,
            routed=by.in_campaigns,
        )
        if canonical_keys is None:
            canonical_keys = {(row.span_id, row.name)} if superseded else set()
    else:
        row = Assessment.from_draft(trace_id, draft, role)
        session.add(row)
        audit.assessment_changed(
            session, actor=by.name, action=f"{role}.create", assessment_id=row.assessment_id
        )
    session.flush()
    return to_view(row, canonical_keys)


def get_assessment(
    session: Session, *, trace_id: str, assessment_id: str, by: Actor
) -> AssessmentView:
    """One live assessment of the trace, if `by` may see it."""
    canonical_keys = _canonical_keys(session, trace_id)
    return to_view(_require(session, trace_id, assessment_id, by), canonical_keys)


def trace_assessments(session: Session, *, trace_id: str, by: Actor) -> tuple[AssessmentView, ...]:
    """Every live assessment of a trace that `by` may see, oldest first, with validity as
    evaluation must see it."""
    rows = session.exec(
        select(Assessment)
        .where(Assessment.trace_id == trace_id, col(Assessment.deleted_at).is_(None))
        .order_by(col(Assessment.created_at), col(Assessment.assessment_id))
    ).all()
    keys = {(row.span_id, row.name) for row in rows if row.role == Role.CANONICAL and row.valid}
    blind = blind_keys(session, by, trace_id)
    return tuple(to_view(row, keys) for row in rows if visible(by, row, blind))


def _refuse_kind_change(row: Assessment, changes: AssessmentChanges) -> None:
    if changes.kind is not None and changes.kind != row.kind:
        raise InvalidInput(f"an {row.kind} cannot be turned into {changes.kind}")
    if row.role == Role.CANONICAL:
        raise InvalidInput("a canonical expectation changes only through a new decision")


def update_assessment(
    session: Session,
    *,
    trace_id: str,
    assessment_id: str,
    changes: AssessmentChanges,
    by: Actor,
    limits: ValueLimits,
    default_overlap: int = DEFAULT_OVERLAP,
) -> AssessmentView:
    """Apply an update mask; for a proposal a value change is an edit, a rename a move."""
    canonical_keys = _canonical_keys(session, trace_id)
    row = _require(session, trace_id, assessment_id, by)
    _refuse_kind_change(row, changes)
    _authorize(by, row.source_type, row.source_id)
    if changes.name is not None:
        check_name(changes.name, limits)
    if changes.sets_value:
        check_value(changes.value, limits)
    check_rationale(changes.rationale, limits)
    metadata = check_metadata(changes.metadata, limits) if changes.metadata is not None else None
    if row.role == Role.PROPOSAL:
        _update_proposal(session, row, changes, metadata, by.name, default_overlap)
    else:
        _update_in_place(row, changes, metadata)
        session.add(row)
        audit.assessment_changed(
            session, actor=by.name, action=f"{row.role}.update", assessment_id=row.assessment_id
        )
    session.flush()
    return to_view(row, canonical_keys)


def _update_proposal(
    session: Session,
    row: Assessment,
    changes: AssessmentChanges,
    metadata: dict[str, str] | None,
    actor: str,
    default_overlap: int,
) -> None:
    if changes.name is not None and changes.name != row.name:
        proposals.move(
            session, proposal=row, name=changes.name, actor=actor, default_overlap=default_overlap
        )
    if changes.sets_value or changes.rationale is not None or metadata is not None:
        proposals.edit(
            session,
            proposal=row,
            actor=actor,
            value=changes.value if changes.sets_value else row.value,
            rationale=changes.rationale,
            metadata=metadata,
            default_overlap=default_overlap,
        )


def _update_in_place(
    row: Assessment, changes: AssessmentChanges, metadata: dict[str, str] | None
) -> None:
    if changes.name is not None:
        row.name = changes.name
    if changes.sets_value:
        row.value = changes.value
        row.error = changes.error
    if changes.rationale is not None:
        row.rationale = changes.rationale
    if metadata is not None:
        row.meta = {**row.meta, **metadata}
    row.updated_at = utcnow()


def delete_assessment(
    session: Session,
    *,
    trace_id: str,
    assessment_id: str,
    by: Actor,
    default_overlap: int = DEFAULT_OVERLAP,
) -> None:
    """Delete an assessment; what it overrode becomes valid again, as in MLflow."""
    ensure_trace(session, trace_id)
    row = _require(session, trace_id, assessment_id, by)
    if row.role == Role.CANONICAL:
        raise InvalidInput("a canonical expectation is retired by a new decision, not deleted")
    _authorize(by, row.source_type, row.source_id)
    if row.role == Role.PROPOSAL:
        proposals.withdraw(session, proposal=row, actor=by.name, default_overlap=default_overlap)
    else:
        row.deleted_at = utcnow()
        session.add(row)
        audit.assessment_changed(
            session, actor=by.name, action=f"{row.role}.delete", assessment_id=row.assessment_id
        )
    for restored in _overridden(session, row):
        restored.valid = True
        session.add(restored)


def _overridden(session: Session, row: Assessment) -> Iterable[Assessment]:
    if row.overrides:
        target = session.get(Assessment, row.overrides)
        if target is not None and target.deleted_at is None:
            yield target
