"""The webhook routes: endpoints (an admin's for every event, a lead's for their campaign's),
their secret shown once and rotated, pause, a test message, and the deliveries with every
attempt, redelivered on request."""

from datetime import datetime, timedelta
from typing import Annotated

from fastapi import APIRouter
from pydantic import BaseModel, Field

from api.auth import Manager
from api.deps import RowId, SessionDep, SettingsDep
from api.v1.schemas import Public
from workflow import webhooks
from workflow.events import TYPES
from workflow.webhooks.addresses import networks

router = APIRouter(prefix="/api/v1/webhooks", tags=["webhooks"])


class EndpointCreate(BaseModel):
    """A receiver to register: its URL, the campaign whose events it gets (none: all), and the
    event types it wants (none: all)."""

    url: Annotated[str, Field(min_length=8, max_length=2048)]
    campaign_id: Annotated[int | None, Field(ge=1, le=2**31 - 1)] = None
    types: list[Annotated[str, Field(max_length=64)]] = Field(default_factory=list, max_length=20)
    # Registered paused: nothing is sent until it is resumed (to set the receiver up first).
    paused: bool = False


class EndpointPublic(Public):
    """An endpoint; `rotating_until`, while its previous secret still signs."""

    id: int
    url: str
    campaign_id: int | None
    types: list[str]
    status: str
    disabled_reason: str | None
    owner: str
    created_at: datetime
    rotating_until: datetime | None


class EndpointWithSecret(BaseModel):
    """An endpoint and its signing secret (`whsec_…`), shown this once."""

    endpoint: EndpointPublic
    secret: str


class EndpointList(BaseModel):
    """The endpoints the caller manages, and the event types there are."""

    endpoints: list[EndpointPublic]
    event_types: list[str]


class AttemptPublic(Public):
    """One try: the receiver's status (null: no answer), latency, start of the body, error."""

    at: datetime
    status_code: int | None
    latency_ms: float
    response: str
    error: str | None


class DeliveryPublic(Public):
    """One event's delivery to the endpoint: `message_id` is the `webhook-id` on every try."""

    id: int
    event_id: int
    message_id: str
    status: str
    attempts: list[AttemptPublic]
    next_attempt_at: datetime
    delivered_at: datetime | None


class DeliveryList(BaseModel):
    """The endpoint's latest deliveries, newest first."""

    deliveries: list[DeliveryPublic]


class Queued(BaseModel):
    """A delivery queued to be sent now."""

    delivery_id: int
    endpoint_id: int


def _public(view: webhooks.EndpointView) -> EndpointPublic:
    return EndpointPublic.model_validate(view)


@router.post("", status_code=201)
def create_endpoint(
    body: EndpointCreate, session: SessionDep, settings: SettingsDep, by: Manager
) -> EndpointWithSecret:
    """Register an endpoint; its address must not be private, loopback, link-local or the
    metadata service (unless the allow-list setting opens the range). The secret is shown once."""
    view, secret = webhooks.create_endpoint(
        session,
        url=body.url,
        campaign_id=body.campaign_id,
        types=body.types,
        by=by,
        allowed=networks(settings.webhook_allow),
        paused=body.paused,
    )
    return EndpointWithSecret(endpoint=_public(view), secret=secret)


@router.get("")
def list_endpoints(session: SessionDep, by: Manager) -> EndpointList:
    """The endpoints the caller manages (every one, for an admin)."""
    found = webhooks.endpoints(session, by=by)
    return EndpointList(endpoints=[_public(v) for v in found], event_types=list(TYPES))


@router.post("/{endpoint_id}/rotate")
def rotate_secret(
    endpoint_id: RowId, session: SessionDep, settings: SettingsDep, by: Manager
) -> EndpointWithSecret:
    """A new secret, shown once; the old one keeps signing (both signatures are sent) for
    the overlap the settings give, 24 hours unless told."""
    overlap = timedelta(hours=settings.webhook_overlap_hours)
    view, secret = webhooks.rotate(session, endpoint_id=endpoint_id, by=by, overlap=overlap)
    return EndpointWithSecret(endpoint=_public(view), secret=secret)


@router.post("/{endpoint_id}/pause")
def pause(endpoint_id: RowId, session: SessionDep, by: Manager) -> EndpointPublic:
    """Stop sending to the endpoint; its deliveries wait."""
    return _public(webhooks.set_paused(session, endpoint_id=endpoint_id, paused=True, by=by))


@router.post("/{endpoint_id}/resume")
def resume(endpoint_id: RowId, session: SessionDep, by: Manager) -> EndpointPublic:
    """Send again (a disabled endpoint too, once its receiver is fixed)."""
    return _public(webhooks.set_paused(session, endpoint_id=endpoint_id, paused=False, by=by))


@router.post("/{endpoint_id}/test", status_code=202)
def test_send(endpoint_id: RowId, session: SessionDep, by: Manager) -> Queued:
    """Send a `webhook.test` message to this endpoint alone."""
    delivery_id = webhooks.test_send(session, endpoint_id=endpoint_id, by=by)
    return Queued(delivery_id=delivery_id, endpoint_id=endpoint_id)


@router.get("/{endpoint_id}/deliveries")
def list_deliveries(endpoint_id: RowId, session: SessionDep, by: Manager) -> DeliveryList:
    """The endpoint's latest 50 deliveries, each with its attempts and responses."""
    found = webhooks.deliveries(session, endpoint_id=endpoint_id, by=by)
    return DeliveryList(deliveries=[DeliveryPublic.model_validate(d) for d in found])


@router.post("/deliveries/{delivery_id}/redeliver", status_code=202)
def redeliver(delivery_id: RowId, session: SessionDep, by: Manager) -> Queued:
    """Send a delivery again now, with the same `webhook-id`."""
    endpoint_id = webhooks.redeliver(session, delivery_id=delivery_id, by=by)
    return Queued(delivery_id=delivery_id, endpoint_id=endpoint_id)
