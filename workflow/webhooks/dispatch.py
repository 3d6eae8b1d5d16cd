"""The webhook dispatcher: new events become one delivery per listening endpoint, and due
deliveries are sent, each attempt recorded, failures retried on the schedule from the
database, the last one dead-lettered, an endpoint that answers 410 or fails for days disabled.

A delivery is locked (FOR UPDATE SKIP LOCKED) while it is sent, so two dispatchers never send
one together; a worker killed after the send and before the commit leaves it pending, and it
is sent once more with the same message id, the receiver's key to drop the copy."""

import json
import secrets
import time
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import update
from sqlmodel import Session, col, select

from workflow import audit
from workflow.events.record import emit, wake
from workflow.kernel.settings import Settings
from workflow.models import Event, WebhookAttempt, WebhookDelivery, WebhookEndpoint
from workflow.models.base import as_utc, utcnow
from workflow.webhooks.addresses import networks
from workflow.webhooks.schedule import next_attempt, parse_retry_after
from workflow.webhooks.sender import Answer, send
from workflow.webhooks.signing import headers

# Deliveries one pass may send: 50 made 540-610 deliveries/s to three endpoints where 20 made
# 430-480 (bench/webhooks.py, one run). A pass stops starting sends after PASS_SECONDS, well
# inside the task time limit (60 s), however slow its receivers: the rest are the next pass's.
BATCH = 50
PASS_SECONDS = 20.0
DEAD, DELIVERED, PENDING = "dead", "delivered", "pending"


@dataclass(frozen=True, slots=True)
class Pass:
    """What one dispatcher pass did."""

    fanned_out: int
    attempted: int
    delivered: int


def deliver(session: Session, *, settings: Settings, limit: int = BATCH) -> Pass:
    """One pass: give new events to their endpoints, then send up to `limit` due deliveries."""
    fanned = fan_out(session)
    sent = delivered = 0
    again = False
    stop = time.monotonic() + PASS_SECONDS
    for delivery, endpoint, event in _due(session, limit):
        if time.monotonic() > stop:
            again = True
            break
        ok = _attempt(session, delivery, endpoint, event, settings)
        sent, delivered = sent + 1, delivered + ok
        again = again or (delivery.status == PENDING and delivery.next_attempt_at <= utcnow())
    if sent == limit or again:
        # More is due now (the schedule's first retry is immediate): the next pass takes it,
        # in its own transaction; later retries wait for the reconciler's sweep.
        wake(session)
    return Pass(fanned, sent, delivered)


def fan_out(session: Session, limit: int = 500) -> int:
    """One delivery per (new event, endpoint not disabled that listens to its type and
    campaign, registered before the event)."""
    events = session.exec(
        select(Event)
        .where(col(Event.fanned_out_at).is_(None))
        .order_by(col(Event.id))
        .limit(limit)
        .with_for_update(skip_locked=True)
    ).all()
    if not events:
        return 0
    # A paused endpoint's deliveries are made and wait for it; a disabled one gets none.
    listening = session.exec(
        select(WebhookEndpoint).where(col(WebhookEndpoint.status).in_(["active", "paused"]))
    ).all()
    rows = [
        {"event_id": e.id, "endpoint_id": p.id, "message_id": "msg_" + secrets.token_hex(16)}
        for e in events
        for p in listening
        if (not p.types or e.type in p.types)
        and (p.campaign_id is None or p.campaign_id == e.campaign_id)
        # An endpoint gets what happened since it was registered, not a backlog before it.
        and as_utc(p.created_at) <= as_utc(e.created_at)
    ]
    if rows:
        session.execute(WebhookDelivery.__table__.insert(), rows)
    now = utcnow()
    session.execute(
        update(Event).where(col(Event.id).in_([e.id for e in events])).values(fanned_out_at=now)
    )
    return len(rows)


def _due(session: Session, limit: int) -> list[tuple[WebhookDelivery, WebhookEndpoint, Event]]:
    rows = session.execute(
        select(WebhookDelivery, WebhookEndpoint, Event)
        .join(WebhookEndpoint, col(WebhookEndpoint.id) == WebhookDelivery.endpoint_id)
        .join(Event, col(Event.id) == WebhookDelivery.event_id)
        .where(
            WebhookDelivery.status == PENDING,
            col(WebhookDelivery.next_attempt_at) <= utcnow(),
            WebhookEndpoint.status == "active",
        )
        .order_by(col(WebhookDelivery.next_attempt_at), col(WebhookDelivery.id))
        .limit(limit)
        .with_for_update(of=WebhookDelivery.__table__, skip_locked=True)
    ).all()
    return [tuple(row) for row in rows]


def body_of(event: Event) -> bytes:
    """The message a receiver gets: the Standard Webhooks shape, type, time and data."""
    message = {
        "type": event.type,
        "timestamp": as_utc(event.created_at).isoformat(),
        "data": {"event_id": event.id, **event.payload},
    }
    return json.dumps(message, separators=(",", ":"), sort_keys=True).encode()


def signing_secrets(endpoint: WebhookEndpoint) -> list[str]:
    """The secrets a message is signed with now: the current one, and the previous one while
    a rotation overlaps."""
    keys = [endpoint.secret]
    until = endpoint.previous_until
    if endpoint.previous_secret and until is not None and as_utc(until) > utcnow():
        keys.append(endpoint.previous_secret)
    return keys


def _attempt(
    session: Session,
    delivery: WebhookDelivery,
    endpoint: WebhookEndpoint,
    event: Event,
    settings: Settings,
) -> bool:
    body = body_of(event)
    signed = headers(signing_secrets(endpoint), delivery.message_id, int(time.time()), body)
    answer = send(
        endpoint.url,
        body,
        signed,
        allowed=networks(settings.webhook_allow),
        timeout=settings.webhook_timeout,
    )
    _record(session, delivery, endpoint, answer, settings)
    return delivery.status == DELIVERED


def _record(
    session: Session,
    delivery: WebhookDelivery,
    endpoint: WebhookEndpoint,
    answer: Answer,
    settings: Settings,
) -> None:
    now = utcnow()
    assert delivery.id is not None
    session.add(
        WebhookAttempt(
            delivery_id=delivery.id,
            at=now,
            status_code=answer.status,
            latency_ms=answer.latency_ms,
            response=answer.body,
            error=answer.error,
        )
    )
    delivery.attempts += 1
    delivery.last_status = answer.status
    if answer.status is not None and 200 <= answer.status < 300:
        delivery.status, delivery.delivered_at = DELIVERED, now
        endpoint.failing_since = None
    elif answer.refused:
        # Its name now resolves inward (rebound, perhaps): never sent, and not retried, as a
        # private address is no passing failure. A redelivery tries it again.
        delivery.status = DEAD
    elif answer.status == 410:
        # Gone: the receiver says never again.
        delivery.status = DEAD
        _disable(session, endpoint, "the receiver answered 410 Gone")
    else:
        retry_after = parse_retry_after(answer.retry_after, now)
        due = next_attempt(delivery.attempts, now, retry_after)
        delivery.status = PENDING if due is not None else DEAD
        delivery.next_attempt_at = due or delivery.next_attempt_at
        endpoint.failing_since = endpoint.failing_since or now
        failing_for = now - as_utc(endpoint.failing_since)
        if failing_for > timedelta(days=settings.webhook_disable_after_days):
            _disable(session, endpoint, f"every delivery failed for {failing_for.days} days")
    session.add_all([delivery, endpoint])


def _disable(session: Session, endpoint: WebhookEndpoint, reason: str) -> None:
    """Stop sending to an endpoint; its owner is told (by email, unless they turned it off),
    and the audit log keeps why."""
    endpoint.status, endpoint.disabled_reason = "disabled", reason
    emit(
        session,
        "webhook.disabled",
        key=f"webhook.disabled:{endpoint.id}:{utcnow().isoformat()}",
        payload={
            "endpoint_id": endpoint.id,
            "url": endpoint.url,
            "reason": reason,
            "recipients": [endpoint.owner],
            "link": f"/webhooks/{endpoint.id}",
        },
        campaign_id=endpoint.campaign_id,
    )
    audit.record(
        session,
        actor="quorum:webhooks",
        action="webhook.disable",
        subject_type="webhook_endpoint",
        subject_id=str(endpoint.id),
        owner=endpoint.owner,
        reason=reason,
    )


def wake_if_due(session: Session) -> int:
    """Wake the dispatcher when deliveries are due (retries come due here: their times are
    in the database, not in a broker's countdown) or events wait to be given out; 1 if woken."""
    due = session.execute(
        select(WebhookDelivery.id)
        .where(
            WebhookDelivery.status == PENDING,
            col(WebhookDelivery.next_attempt_at) <= utcnow(),
        )
        .limit(1)
    ).first()
    unsent = session.execute(
        select(Event.id).where(col(Event.fanned_out_at).is_(None)).limit(1)
    ).first()
    if due is None and unsent is None:
        return 0
    wake(session)
    return 1
