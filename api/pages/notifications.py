"""The email pages: my address and how I hear of each event type; the one-click unsubscribe a
signed link opens without a sign-in (RFC 8058); and, for admins, the emails Quorum made,
each with the copy embedded mode wrote to its folder."""

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from api.deps import RowId, SessionDep, SettingsDep
from api.pages.sessions import FormFields, FormPage, Page
from api.pages.site import render
from workflow import mail
from workflow.events import ADDRESSED, TYPES
from workflow.kernel.errors import InvalidInput

router = APIRouter(include_in_schema=False)
# The headers of a folder copy worth reading on its page.
_SHOWN = ("From", "To", "Subject", "Date", "Message-ID", "List-Unsubscribe")


def _preferences(request: Request, session, page, *, status: int = 200, **context: Any) -> Any:
    found = mail.preferences_of(session, page.actor.name)
    return render(
        request,
        "notifications.html",
        page,
        status=status,
        preferences=found,
        modes=dict(found.modes),
        addressed=[t for t in TYPES if t in ADDRESSED],
        subscribable=[t for t in TYPES if t not in ADDRESSED],
        titles=mail.TITLES,
        **context,
    )


@router.get("/settings/notifications", response_class=HTMLResponse)
def preferences_page(request: Request, session: SessionDep, page: Page, saved: bool = False) -> Any:
    """My address, and for each event type: immediately, in a daily digest, or off."""
    return _preferences(request, session, page, saved=saved)


@router.post("/settings/notifications", response_class=HTMLResponse)
def save_preferences(
    request: Request, session: SessionDep, page: FormPage, fields: FormFields
) -> Any:
    """Save the form; a refused address or mode shows it again with the reason (400), and
    nothing is changed."""
    modes = {t: fields[t][0] for t in TYPES if fields.get(t)}
    address = (fields.get("address") or [""])[0]
    try:
        with session.begin_nested():
            mail.choose(session, page.actor.name, modes, address=address)
    except InvalidInput as refused:
        return _preferences(request, session, page, status=400, error=str(refused))
    return RedirectResponse("/settings/notifications?saved=true", status_code=303)


@router.get("/email/unsubscribe/{signed}", response_class=HTMLResponse)
def unsubscribe_page(
    request: Request, signed: str, session: SessionDep, settings: SettingsDep
) -> Any:
    """What the link would stop, and the button that stops it (no sign-in needed)."""
    found = mail.read(session, settings.secret_key, signed)
    return render(request, "unsubscribe.html", None, found=found, titles=mail.TITLES, done=False)


@router.post("/email/unsubscribe/{signed}", response_class=HTMLResponse)
def unsubscribe(request: Request, signed: str, session: SessionDep, settings: SettingsDep) -> Any:
    """Stop what the link names: the one click of a mail client (RFC 8058), or the button."""
    found = mail.unsubscribe(session, settings.secret_key, signed)
    return render(request, "unsubscribe.html", None, found=found, titles=mail.TITLES, done=True)


@router.get("/admin/emails", response_class=HTMLResponse)
def emails_page(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    page: Page,
    status: Annotated[str | None, Query(max_length=16)] = None,
) -> Any:
    """The latest emails, newest first, with where each stands."""
    status = status if status in mail.STATUSES else None
    found = mail.recent(session, by=page.actor, limit=200, status=status)
    return render(
        request,
        "admin_emails.html",
        page,
        emails=found,
        chosen=status,
        statuses=mail.STATUSES,
        folder=None if settings.smtp_host else settings.email_dir.resolve(),
    )


@router.get("/admin/emails/{email_id}", response_class=HTMLResponse)
def email_page(
    request: Request, email_id: RowId, session: SessionDep, settings: SettingsDep, page: Page
) -> Any:
    """One email: where it stands and, in embedded mode, what it says."""
    found = mail.email_view(session, by=page.actor, email_id=email_id)
    copy = mail.written_copy(settings, found)
    text = copy.get_body(("plain",)) if copy else None
    return render(
        request,
        "admin_email.html",
        page,
        email=found,
        headers=[(k, copy[k]) for k in _SHOWN if copy[k]] if copy else [],
        text=text.get_content() if text else None,
    )


@router.get("/admin/emails/{email_id}/copy.eml")
def email_file(email_id: RowId, session: SessionDep, settings: SettingsDep, page: Page) -> Any:
    """The copy embedded mode wrote, to open in a mail client."""
    found = mail.email_view(session, by=page.actor, email_id=email_id)
    copy = mail.written_copy(settings, found)
    if copy is None:
        return Response("no copy of this email was written", status_code=404)
    disposition = f'attachment; filename="quorum-{email_id}.eml"'
    return Response(
        copy.as_bytes(), media_type="message/rfc822", headers={"content-disposition": disposition}
    )
