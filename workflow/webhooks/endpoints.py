"""Webhook endpoints: registered by an admin (for every event) or a campaign's lead (for its
events), checked against inward addresses, their secret shown once and rotated with an
overlap, paused and resumed, and their deliveries read back with every attempt."""

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from workflow import audit, events
from workflow.campaigns.membership import require_lead
from workflow.events.record import TYPES, wake
from workflow.identity.access import Actor, Permission
from workflow.kernel.errors import Forbidden, InvalidInput, NotFound
from workflow.models import Event, WebhookAttempt, WebhookDelivery, WebhookEndpoint
from workflow.models.base import as_utc, utcnow
from workflow.webhooks.addresses import Network, resolve
from workflow.webhooks.signing import new_secret


@dataclass(frozen=True, slots=True)
class EndpointView:
    """An endpoint as its owners see it (never its secret after it was made)."""

    id: int
    url: str
    campaign_id: int | None
    types: tuple[str, ...]
    status: str
    disabled_reason: str | None
    owner: str
    created_at: datetime
    rotating_until: datetime | None


@dataclass(frozen=True, slots=True)
class AttemptView:
    """One try at a delivery."""

    at: datetime
    status_code: int | None
    latency_ms: float
    response: str
    error: str | None


@dataclass(frozen=True, slots=True)
class DeliveryView:
    """One event's delivery to one endpoint, with every attempt."""

    id: int
    event_id: int
    message_id: str
    status: str
    attempts: tuple[AttemptView, ...]
    next_attempt_at: datetime
    delivered_at: datetime | None


def _view(row: WebhookEndpoint) -> EndpointView:
    assert row.id is not None
    until = as_utc(row.previous_until) if row.previous_until else None
    return EndpointView(
        row.id,
        row.url,
        row.campaign_id,
        tuple(row.types),
        row.status,
        row.disabled_reason,
        row.owner,
        as_utc(row.created_at),
        until if until and until > utcnow() else None,
    )


def _require_owner(session: Session, by: Actor, campaign_id: int | None) -> None:
    """Admins own every endpoint; a campaign's lead, that campaign's."""
    if by.may(Permission.ADMIN):
        return
    if campaign_id is None:
        raise Forbidden("an endpoint for every event is an admin's to manage")
    require_lead(session, by, campaign_id)


def create_endpoint(
    session: Session,
    *,
    url: str,
    campaign_id: int | None,
    types: list[str],
    by: Actor,
    allowed: tuple[Network, ...],
    paused: bool = False,
) -> tuple[EndpointView, str]:
    """Register an endpoint (`paused`: nothing is sent to it until it is resumed); returns it
    and its secret, which is never shown again."""
    _require_owner(session, by, campaign_id)
    unknown = sorted(set(types) - set(TYPES))
    if unknown:
        raise InvalidInput(f"unknown event types: {', '.join(unknown)}; known: {', '.join(TYPES)}")
    resolve(url, allowed)
    secret = new_secret()
    row = WebhookEndpoint(
        url=url,
        campaign_id=campaign_id,
        types=sorted(set(types)),
        secret=secret,
        owner=by.name,
        status="paused" if paused else "active",
    )
    session.add(row)
    session.flush()
    events.endpoints_changed()
    _audit(session, by, "webhook.create", row, url=url, types=row.types)
    return _view(row), secret


def endpoints(session: Session, *, by: Actor) -> tuple[EndpointView, ...]:
    """The endpoints `by` manages: every one for an admin, else those they registered."""
    statement = select(WebhookEndpoint).order_by(col(WebhookEndpoint.id))
    if not by.may(Permission.ADMIN):
        statement = statement.where(WebhookEndpoint.owner == by.name)
    return tuple(_view(row) for row in session.exec(statement))


def endpoint(session: Session, *, endpoint_id: int, by: Actor) -> EndpointView:
    """One endpoint `by` manages, or NotFound."""
    return _view(_owned(session, endpoint_id, by))


def _owned(session: Session, endpoint_id: int, by: Actor) -> WebhookEndpoint:
    row = session.get(WebhookEndpoint, endpoint_id)
    if row is None or not (by.may(Permission.ADMIN) or row.owner == by.name):
        raise NotFound(f"no webhook endpoint {endpoint_id}")
    _require_owner(session, by, row.campaign_id)
    return row


def rotate(
    session: Session, *, endpoint_id: int, by: Actor, overlap: timedelta
) -> tuple[EndpointView, str]:
    """A new secret, shown once; the old one still signs for `overlap`, so a receiver can
    switch without missing a message."""
    row = _owned(session, endpoint_id, by)
    secret = new_secret()
    row.previous_secret, row.previous_until = row.secret, utcnow() + overlap
    row.secret = secret
    session.add(row)
    _audit(session, by, "webhook.rotate", row)
    return _view(row), secret


def set_paused(session: Session, *, endpoint_id: int, paused: bool, by: Actor) -> EndpointView:
    """Pause an endpoint (its deliveries wait) or resume it (a disabled one too)."""
    row = _owned(session, endpoint_id, by)
    row.status = "paused" if paused else "active"
    row.disabled_reason = None if not paused else row.disabled_reason
    row.failing_since = None if not paused else row.failing_since
    session.add(row)
    events.endpoints_changed()
    if not paused:
        wake(session)  # what waited for it goes now
    _audit(session, by, "webhook.pause" if paused else "webhook.resume", row)
    return _view(row)


def deliveries(
    session: Session, *, endpoint_id: int, by: Actor, limit: int = 50
) -> tuple[DeliveryView, ...]:
    """The endpoint's latest deliveries, newest first, each with its attempts."""
    _owned(session, endpoint_id, by)
    rows = session.exec(
        select(WebhookDelivery)
        .where(WebhookDelivery.endpoint_id == endpoint_id)
        .order_by(col(WebhookDelivery.id).desc())
        .limit(limit)
    ).all()
    attempts: dict[int, list[AttemptView]] = {}
    for a in session.exec(
        select(WebhookAttempt)
        .where(col(WebhookAttempt.delivery_id).in_([r.id for r in rows]))
        .order_by(col(WebhookAttempt.id))
    ):
        seen = AttemptView(as_utc(a.at), a.status_code, a.latency_ms, a.response, a.error)
        attempts.setdefault(a.delivery_id, []).append(seen)
    return tuple(
        DeliveryView(
            r.id or 0,
            r.event_id,
            r.message_id,
            r.status,
            tuple(attempts.get(r.id or 0, ())),
            as_utc(r.next_attempt_at),
            as_utc(r.delivered_at) if r.delivered_at else None,
        )
        for r in rows
    )


def redeliver(session: Session, *, delivery_id: int, by: Actor) -> int:
    """Send a delivery of an endpoint `by` manages again now, dead or delivered, with the
    same message id (the receiver's key to drop a copy); returns its endpoint's id."""
    row = session.get(WebhookDelivery, delivery_id)
    if row is None:
        raise NotFound(f"no webhook delivery {delivery_id}")
    _owned(session, row.endpoint_id, by)
    row.status, row.next_attempt_at = "pending", utcnow()
    session.add(row)
    audit.record(
        session,
        actor=by.name,
        action="webhook.redeliver",
        subject_type="webhook_delivery",
        subject_id=str(delivery_id),
    )
    wake(session)
    return row.endpoint_id


def test_send(session: Session, *, endpoint_id: int, by: Actor) -> int:
    """Queue a `webhook.test` message to this endpoint alone; returns its delivery's id."""
    row = _owned(session, endpoint_id, by)
    event = Event(
        type="webhook.test",
        key=f"webhook.test:{endpoint_id}:{secrets.token_hex(8)}",
        payload={"endpoint_id": endpoint_id, "by": by.name},
        fanned_out_at=utcnow(),  # given to this endpoint only, below
        mailed_at=utcnow(),  # and nobody's news
    )
    session.add(event)
    session.flush()
    assert event.id is not None and row.id is not None
    delivery = WebhookDelivery(
        event_id=event.id, endpoint_id=row.id, message_id="msg_" + secrets.token_hex(16)
    )
    session.add(delivery)
    session.flush()
    wake(session)
    assert delivery.id is not None
    return delivery.id


def _audit(session: Session, by: Actor, action: str, row: WebhookEndpoint, **details) -> None:
    audit.record(
        session,
        actor=by.name,
        action=action,
        subject_type="webhook_endpoint",
        subject_id=str(row.id),
        **details,
    )
