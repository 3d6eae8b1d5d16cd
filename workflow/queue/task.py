"""One item as its annotator works on it: what to read, what to answer, their own answer so
far; never another annotator's value, the consensus, or how many others answered."""

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlmodel import Session, col, select

from workflow.campaigns.membership import campaign_row, require_member
from workflow.identity.access import Actor, Permission, UserRole
from workflow.items import seats
from workflow.kernel.errors import NotFound
from workflow.models import Assessment, Item, LabelSchema, Role, Seat
from workflow.models.base import as_utc, utcnow
from workflow.traces.reading import ReadableTrace, read_trace, readable
from workflow.traces.store import get_trace


class Place(StrEnum):
    """Where the annotator stands on the item."""

    CLAIMED = "claimed"  # under a live lease
    LAPSED = "lapsed"  # the lease ran out, but nobody took the seat over yet
    LOST = "lost"  # the lease ran out and the seat went back to the pool
    SUBMITTED = "submitted"  # answered: the seat is theirs for good
    RETURNED = "returned"  # answered, and sent back by the committee for a second look


@dataclass(frozen=True, slots=True)
class Suggestion:
    """A machine's answer for the same trace, span and name (an LLM judge's, or code's)."""

    source_type: str
    source_id: str
    value: Any
    text: str  # the value as the reader reads it
    rationale: str | None


@dataclass(frozen=True, slots=True)
class AnnotationTask:
    """An item under the annotator's claim (or already answered by them), ready to annotate."""

    item_id: int
    campaign_id: int
    campaign_name: str
    campaign_open: bool
    instructions: str
    show_suggestions: bool
    name: str
    trace_id: str
    span_id: str | None
    schema: dict[str, Any]
    place: Place
    lease_expires_at: datetime | None  # the claim's lease, while there is a claim
    answered: bool  # whether they have a live answer, which `value` then is
    value: Any
    rationale: str | None
    suggestions: tuple[Suggestion, ...]
    trace: ReadableTrace
    return_note: str | None = None  # the committee's, while the item waits for their answer


_PLACES = (seats.CLAIMED, seats.SUBMITTED, seats.RETURNED)


def _seat(session: Session, item_id: int, me: str) -> Seat | None:
    return session.exec(
        select(Seat).where(
            Seat.item_id == item_id, Seat.holder == me, col(Seat.status).in_(_PLACES)
        )
    ).first()


def _own_answer(session: Session, item: Item, me: str) -> Assessment | None:
    return session.exec(
        select(Assessment).where(
            Assessment.item_id == item.id,
            Assessment.source_id == me,
            Assessment.role == Role.PROPOSAL,
            col(Assessment.deleted_at).is_(None),
        )
    ).first()


def _suggestions(session: Session, item: Item) -> tuple[Suggestion, ...]:
    rows = session.exec(
        select(Assessment)
        .where(
            Assessment.trace_id == item.trace_id,
            Assessment.span_id == item.span_id,
            Assessment.name == item.name,
            Assessment.role == Role.SUGGESTION,
            col(Assessment.deleted_at).is_(None),
        )
        .order_by(col(Assessment.created_at), col(Assessment.assessment_id))
    ).all()
    return tuple(
        Suggestion(r.source_type, r.source_id, r.value, readable(r.value), r.rationale)
        for r in rows
    )


@dataclass(frozen=True, slots=True)
class Standing:
    """Where the annotator stands on a campaign item, and until when a claim holds."""

    item_id: int
    campaign_id: int
    place: Place
    lease_expires_at: datetime | None  # the claim's lease, while there is a claim


def _stand(session: Session, by: Actor, item_id: int, after_lapse: bool) -> tuple[Item, Standing]:
    by.require(Permission.ANNOTATE, "annotating")
    item = session.get(Item, item_id)
    if item is None or item.campaign_id is None:
        raise NotFound(f"no claim on item {item_id}")
    seat = _seat(session, item_id, by.name)
    if seat is None:
        if not after_lapse:
            raise NotFound(f"no claim on item {item_id}")
        require_member(session, by, item.campaign_id, UserRole.ANNOTATOR)
        return item, Standing(item_id, item.campaign_id, Place.LOST, None)
    if seat.status == seats.RETURNED:
        expires = None if seat.lease_expires_at is None else as_utc(seat.lease_expires_at)
        return item, Standing(item_id, item.campaign_id, Place.RETURNED, expires)
    if seat.status == seats.SUBMITTED or seat.lease_expires_at is None:
        return item, Standing(item_id, item.campaign_id, Place.SUBMITTED, None)
    expires = as_utc(seat.lease_expires_at)
    place = Place.CLAIMED if expires >= utcnow() else Place.LAPSED
    return item, Standing(item_id, item.campaign_id, place, expires)


def standing(session: Session, *, by: Actor, item_id: int, after_lapse: bool = False) -> Standing:
    """Where `by` stands on the item: a claim (live or lapsed) or a submitted seat; NotFound
    for anyone else, so that an item's existence is no one else's business. With
    `after_lapse`, an annotator of its campaign whose seat went back to the pool stands LOST
    (what they typed under the lapsed lease may still be submitted)."""
    return _stand(session, by, item_id, after_lapse)[1]


def annotation_task(
    session: Session, *, by: Actor, item_id: int, after_lapse: bool = False
) -> AnnotationTask:
    """The item as `standing` finds `by` on it, with its trace made readable."""
    item, stand = _stand(session, by, item_id, after_lapse)
    assert item.schema_id is not None, "a campaign's items have their schema"
    campaign = campaign_row(session, stand.campaign_id)
    schema = session.get_one(LabelSchema, item.schema_id)
    own = _own_answer(session, item, by.name)
    trace = get_trace(session, trace_id=item.trace_id)
    return AnnotationTask(
        item_id=item_id,
        campaign_id=stand.campaign_id,
        campaign_name=campaign.name,
        campaign_open=campaign.status == "open",
        instructions=campaign.instructions,
        show_suggestions=campaign.show_suggestions,
        name=item.name,
        trace_id=item.trace_id,
        span_id=item.span_id or None,
        schema=dict(schema.spec),
        place=stand.place,
        lease_expires_at=stand.lease_expires_at,
        answered=own is not None,
        value=None if own is None else own.value,
        rationale=None if own is None else own.rationale,
        suggestions=_suggestions(session, item) if campaign.show_suggestions else (),
        trace=read_trace(trace.trace_id, trace.info, trace.spans, item.span_id or None),
        return_note=item.return_note if stand.place is Place.RETURNED else None,
    )
