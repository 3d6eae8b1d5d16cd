"""Campaign pages: the list, a new campaign, and one campaign with its progress and members and,
for its leads and admins, the forms that edit, grow, staff and close it."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlmodel import Session
from starlette.datastructures import FormData

import api.pages.markdown  # noqa: F401  (the templates' `markdown` filter)
from api.deps import RowId, SessionDep
from api.pages import campaign_forms as forms
from api.pages.sessions import FormPage, Page, PageSession
from api.pages.site import render
from workflow import campaigns
from workflow.identity.access import Permission
from workflow.items import label_schemas
from workflow.kernel.errors import AlreadyExists, Conflict, InvalidInput
from workflow.kernel.states import ItemState

router = APIRouter(include_in_schema=False)

Values = forms.Values
REFUSED = (InvalidInput, AlreadyExists, Conflict)
BLANK_MEMBER_ROWS = 3  # empty rows under the members, for adding people without a script


async def _form(request: Request) -> FormData:
    return await request.form()  # parsed once: the CSRF check has read it already


Form = Annotated[FormData, Depends(_form)]


def _refusal(exc: Exception) -> int:
    return 400 if isinstance(exc, InvalidInput) else 409


def _new_form(
    request: Request, session: Session, page: PageSession, values: Values, **context: Any
) -> Any:
    return render(
        request,
        "campaign_new.html",
        page,
        values=values,
        schemas=label_schemas.list_schemas(session),
        orderings=list(campaigns.Ordering),
        adaptive_start=campaigns.ADAPTIVE_START,
        **context,
    )


@router.get("/campaigns", response_class=HTMLResponse)
def campaigns_page(request: Request, session: SessionDep, page: Page) -> Any:
    """The campaigns this user may see; for leads and admins, a link to a new one."""
    listed = campaigns.list_campaigns(session, by=page.actor)
    manages = page.actor.may(Permission.MANAGE)
    return render(request, "campaigns.html", page, campaigns=listed, manages=manages)


@router.get("/campaigns/new", response_class=HTMLResponse)
def new_campaign_page(request: Request, session: SessionDep, page: Page) -> Any:
    """The form for a new campaign: settings, label schemas, traces."""
    page.actor.require(Permission.MANAGE, "creating a campaign")
    return _new_form(request, session, page, forms.shown(forms.DEFAULTS))


@router.post("/campaigns/new", response_class=HTMLResponse)
def create_campaign(request: Request, session: SessionDep, page: FormPage, form: Form) -> Any:
    """Create the campaign and its items, then show it; a refusal shows the form again, as
    typed, and stores nothing."""
    page.actor.require(Permission.MANAGE, "creating a campaign")
    try:
        settings, targets, selection = (
            forms.new_settings(form),
            forms.targets(form),
            forms.selection(form),
        )
        with session.begin_nested():  # a refusal midway takes back what was written
            view = campaigns.create_campaign(
                session, settings=settings, by=page.actor, schemas=targets, traces=selection
            )
    except REFUSED as exc:
        return _new_form(request, session, page, form, error=str(exc), status=_refusal(exc))
    return RedirectResponse(f"/campaigns/{view.id}", status_code=303)


def _campaign_page(
    request: Request,
    session: Session,
    page: PageSession,
    campaign_id: int,
    *,
    failed: tuple[str, Values, Exception] | None = None,
    **context: Any,
) -> Any:
    """The campaign; `failed`: the form refused (its name, what was typed, why)."""
    view = campaigns.get_campaign(session, campaign_id=campaign_id, by=page.actor)
    manages = campaigns.may_manage(session, page.actor, campaign_id)
    # A member who does not lead it sees the campaign read-only, and nobody's counts.
    shown = campaigns.progress(session, campaign_id=campaign_id, by=page.actor) if manages else None
    members = campaigns.members(session, campaign_id, by=page.actor)
    rows = [*members.items(), *[("", "annotator")] * BLANK_MEMBER_ROWS]
    typed = {"settings": forms.shown(view), "traces": Values()}
    if failed:
        form_name, values, exc = failed
        typed[form_name] = values
        context.update(failed=form_name, error=str(exc), status=_refusal(exc))
        if form_name == "members":
            rows = list(zip(values.getlist("member"), values.getlist("role"), strict=False))
    return render(
        request,
        "campaign.html",
        page,
        campaign=view,
        progress=shown,
        states=list(ItemState),
        members=members,
        member_rows=rows,
        roles=sorted(campaigns.CAMPAIGN_ROLES),
        orderings=list(campaigns.Ordering),
        values=typed,
        **context,
    )


@router.get("/campaigns/{campaign_id}", response_class=HTMLResponse)
def campaign_page(
    request: Request,
    campaign_id: RowId,
    session: SessionDep,
    page: Page,
    traces: Annotated[int | None, Query(ge=0)] = None,
    items: Annotated[int | None, Query(ge=0)] = None,
) -> Any:
    """One campaign (for its members); its progress and the forms that manage it for leads.
    `traces` and `items`: what the traces just added made, to say so."""
    added = (traces, items) if traces is not None and items is not None else None
    return _campaign_page(request, session, page, campaign_id, added=added)


@dataclass(frozen=True, slots=True)
class LeadForm:
    """A form posted to a campaign by one of its leads (or an admin)."""

    request: Request
    session: Session
    page: PageSession
    campaign_id: int
    form: FormData

    def run(self, form_name: str, act: Callable[["LeadForm"], str]) -> Any:
        """Do `act` (it answers where to go next); on bad input the page again with the form
        `form_name` as typed, and nothing stored."""
        try:
            with self.session.begin_nested():  # a refusal midway takes back what was written
                target = act(self)
        except REFUSED as exc:
            failed = (form_name, self.form, exc)
            return _campaign_page(
                self.request, self.session, self.page, self.campaign_id, failed=failed
            )
        return RedirectResponse(target, status_code=303)


def _lead_form(
    request: Request, campaign_id: RowId, session: SessionDep, page: FormPage, form: Form
) -> LeadForm:
    campaigns.ensure_lead(session, page.actor, campaign_id)  # refused before the form is read
    return LeadForm(request, session, page, campaign_id, form)


Lead = Annotated[LeadForm, Depends(_lead_form)]


def _edit(lead: LeadForm) -> str:
    view = campaigns.get_campaign(lead.session, campaign_id=lead.campaign_id, by=lead.page.actor)
    # Only what changed: a due date shown as a day keeps the time of day it was given.
    changes = {
        key: value
        for key, value in forms.editable(lead.form).items()
        if not (key == "due" and value and view.due and value.date() == view.due.date())
        and value != getattr(view, key)
    }
    if changes:
        campaigns.update_campaign(
            lead.session, campaign_id=view.id, changes=changes, by=lead.page.actor
        )
    return f"/campaigns/{view.id}#about"


def _add_traces(lead: LeadForm) -> str:
    found, made = campaigns.add_traces(
        lead.session,
        campaign_id=lead.campaign_id,
        traces=forms.selection(lead.form),
        by=lead.page.actor,
    )
    return f"/campaigns/{lead.campaign_id}?traces={found}&items={made}#add-traces"


def _staff(lead: LeadForm) -> str:
    names, roles = lead.form.getlist("member"), lead.form.getlist("role")
    if len(names) != len(roles):
        raise InvalidInput("each member row has a user name and a role")
    roster: dict[str, str] = {}
    for name, role in zip((str(n).strip() for n in names), map(str, roles), strict=True):
        if not name or not role:  # an empty row, or a member to remove
            continue
        if name in roster:
            raise InvalidInput(f"{name!r} is listed twice")
        roster[name] = role
    campaigns.set_members(
        lead.session, campaign_id=lead.campaign_id, roles=roster, by=lead.page.actor
    )
    return f"/campaigns/{lead.campaign_id}#members"


def _close(lead: LeadForm) -> str:
    if not lead.form.get("confirm"):
        raise InvalidInput("tick the confirmation to close the campaign")
    campaigns.close_campaign(lead.session, campaign_id=lead.campaign_id, by=lead.page.actor)
    return f"/campaigns/{lead.campaign_id}#about"


@router.post("/campaigns/{campaign_id}/settings", response_class=HTMLResponse)
def edit_campaign(lead: Lead) -> Any:
    """Change what was edited of the campaign's settings."""
    return lead.run("settings", _edit)


@router.post("/campaigns/{campaign_id}/traces", response_class=HTMLResponse)
def add_traces(lead: Lead) -> Any:
    """Add traces by id, by filter or by import; each makes the campaign's items for it."""
    return lead.run("traces", _add_traces)


@router.post("/campaigns/{campaign_id}/members", response_class=HTMLResponse)
def set_members(lead: Lead) -> Any:
    """Replace the campaign's members with the rows of the form (existing users only)."""
    return lead.run("members", _staff)


@router.post("/campaigns/{campaign_id}/close", response_class=HTMLResponse)
def close_campaign(lead: Lead) -> Any:
    """Close the campaign once the lead confirmed it: its items take no more claims."""
    return lead.run("close", _close)
