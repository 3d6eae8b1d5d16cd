"""The webhook pages, for leads and admins: the endpoints they manage and a form to add one,
each endpoint's deliveries with every attempt, and its actions (rotate, pause, resume, test,
redeliver). A secret is shown once, on the page that made it."""

from datetime import timedelta
from typing import Any, Literal

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from api.deps import RowId, SessionDep, SettingsDep
from api.pages.sessions import FormFields, FormPage, Page, PageSession
from api.pages.site import render
from workflow import campaigns, webhooks
from workflow.events import TYPES
from workflow.identity.access import Permission
from workflow.kernel.errors import InvalidInput
from workflow.webhooks.addresses import networks

router = APIRouter(prefix="/webhooks", include_in_schema=False)


def _manager(page: PageSession) -> None:
    page.actor.require(Permission.MANAGE, "managing webhooks")


@router.get("", response_class=HTMLResponse)
def endpoints_page(request: Request, session: SessionDep, page: Page) -> Any:
    """The endpoints I manage, and the form to register one."""
    _manager(page)
    return _list(request, session, page)


def _list(request: Request, session, page: PageSession, **context: Any) -> Any:
    return render(
        request,
        "webhooks.html",
        page,
        status=context.pop("status", 200),
        endpoints=webhooks.endpoints(session, by=page.actor),
        campaigns=campaigns.list_campaigns(session, by=page.actor),
        types=TYPES,
        **context,
    )


@router.post("", response_class=HTMLResponse)
def create(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    page: FormPage,
    fields: FormFields,
) -> Any:
    """Register an endpoint and show its secret once; a refused address shows the form again
    with the reason (400), and nothing is stored."""
    _manager(page)
    url = (fields.get("url") or [""])[0].strip()
    campaign = (fields.get("campaign_id") or [""])[0]
    try:
        campaign_id = int(campaign) if campaign else None
        with session.begin_nested():
            view, secret = webhooks.create_endpoint(
                session,
                url=url,
                campaign_id=campaign_id,
                types=fields.get("types") or [],
                by=page.actor,
                allowed=networks(settings.webhook_allow),
                paused=bool(fields.get("paused")),
            )
    except (InvalidInput, ValueError) as exc:
        return _list(request, session, page, status=400, error=str(exc), typed_url=url)
    return render(request, "webhook_secret.html", page, endpoint=view, secret=secret, made=True)


@router.get("/{endpoint_id}", response_class=HTMLResponse)
def endpoint_page(request: Request, endpoint_id: RowId, session: SessionDep, page: Page) -> Any:
    """One endpoint: its settings, its latest deliveries with their attempts, its actions."""
    _manager(page)
    endpoint = webhooks.endpoint(session, endpoint_id=endpoint_id, by=page.actor)
    found = webhooks.deliveries(session, endpoint_id=endpoint_id, by=page.actor)
    done = request.query_params.get("done")
    return render(request, "webhook.html", page, endpoint=endpoint, deliveries=found, done=done)


@router.post("/{endpoint_id}/rotate", response_class=HTMLResponse)
def rotate(
    request: Request,
    endpoint_id: RowId,
    session: SessionDep,
    settings: SettingsDep,
    page: FormPage,
) -> Any:
    """A new secret, shown once; the old one still signs through the overlap."""
    _manager(page)
    overlap = timedelta(hours=settings.webhook_overlap_hours)
    view, secret = webhooks.rotate(session, endpoint_id=endpoint_id, by=page.actor, overlap=overlap)
    return render(request, "webhook_secret.html", page, endpoint=view, secret=secret, made=False)


@router.post("/{endpoint_id}/{action}")
def act(
    endpoint_id: RowId,
    action: Literal["pause", "resume", "test"],
    session: SessionDep,
    page: FormPage,
) -> Any:
    """Pause, resume or test the endpoint, then show it again."""
    _manager(page)
    if action == "test":
        webhooks.test_send(session, endpoint_id=endpoint_id, by=page.actor)
    else:
        paused = action == "pause"
        webhooks.set_paused(session, endpoint_id=endpoint_id, paused=paused, by=page.actor)
    return RedirectResponse(f"/webhooks/{endpoint_id}?done={action}", status_code=303)


@router.post("/deliveries/{delivery_id}/redeliver")
def redeliver(delivery_id: RowId, session: SessionDep, page: FormPage) -> Any:
    """Send a delivery again now, with its webhook-id, then show its endpoint."""
    _manager(page)
    endpoint_id = webhooks.redeliver(session, delivery_id=delivery_id, by=page.actor)
    return RedirectResponse(f"/webhooks/{endpoint_id}?done=redeliver", status_code=303)
