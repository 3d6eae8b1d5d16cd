"""Server-rendered pages (Jinja2, autoescaped): sign-in, the overview, a trace, one's API
tokens, the API reference; the admin pages are in `api.admin_pages`."""

import math
from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates

from api.auth import login_wait
from api.deps import RowId, SessionDep
from api.pages import sessions as page_auth
from api.pages.sessions import FormPage, Page, PageSession
from workflow import assessments, traces
from workflow.identity import tokens, web_sessions
from workflow.identity.access import Permission
from workflow.items import listing, overview
from workflow.kernel.errors import InvalidInput
from workflow.kernel.shipped import shipped
from workflow.review import unstaffed
from workflow.traces.reading import readable

TEMPLATES = Jinja2Templates(directory=shipped("templates"))
# Values as people read them: text as written, structures as indented lines, never escaped JSON.
TEMPLATES.env.filters["readable"] = readable

router = APIRouter(include_in_schema=False)

FormText = Annotated[str, Form(max_length=1024)]


def render(
    request: Request, name: str, page: PageSession | None, *, status: int = 200, **context: Any
) -> Any:
    """A page from `name`, for the signed-in `page` (None: nobody signed in)."""
    return TEMPLATES.TemplateResponse(request, name, {"page": page, **context}, status_code=status)


TITLES = {403: "Not allowed", 404: "Not found", 409: "Conflict", 429: "Slow down"}


def error_page(request: Request, status: int, message: str) -> Any:
    """A refusal shown to a browser: the reason, as text, in the site's frame."""
    title = TITLES.get(status, "Something is wrong with the request")
    return render(request, "error.html", None, status=status, title=title, message=message)


def _login_form(request: Request, target: str, *, error: str | None = None, status: int = 200):
    nonce, csrf = page_auth.login_nonce(request)
    response = render(
        request, "login.html", None, status=status, target=target, csrf=csrf, error=error
    )
    page_auth.set_login_nonce(request, response, nonce)
    return response


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request, next: str | None = None) -> Any:
    """The sign-in form."""
    return _login_form(request, page_auth.safe_next(next))


@router.post("/login", response_class=HTMLResponse)
def login(
    request: Request,
    session: SessionDep,
    username: FormText,
    password: FormText,
    csrf: FormText,
    next: FormText = "/",
) -> Any:
    """Check the password; on success a new session (any earlier one revoked) and a redirect."""
    target = page_auth.safe_next(next)
    if not page_auth.login_form_ok(request, csrf):
        return _login_form(request, target, error="The form expired; try again.", status=403)
    wait = login_wait(request, username)
    if wait is not None:
        error = f"Too many attempts; try again in {math.ceil(wait)} s."
        return _login_form(request, target, error=error, status=429)
    signed_in = web_sessions.login(
        session,
        username=username,
        password=password,
        replacing=request.cookies.get(page_auth.SESSION_COOKIE),
    )
    if signed_in is None:
        return _login_form(request, target, error="Wrong user name or password.", status=401)
    response = RedirectResponse(target, status_code=303)
    page_auth.start_session(request, response, signed_in.secret)
    return response


@router.post("/logout")
def logout(session: SessionDep, page: FormPage) -> Any:
    """Revoke this browser's session."""
    web_sessions.logout(session, secret=page.secret)
    response = RedirectResponse("/login", status_code=303)
    page_auth.end_session(response)
    return response


@router.get("/", response_class=HTMLResponse)
def home(request: Request, session: SessionDep, page: Page) -> Any:
    """Counts by item state and the most recent traces; for leads and admins, the disputes
    waiting for a committee."""
    waiting = None
    if page.actor.may(Permission.MANAGE):
        waiting = (unstaffed.count(session), unstaffed.waiting(session, limit=20))
    summary = overview.summary(session, by=page.actor)
    return render(request, "index.html", page, summary=summary, unstaffed=waiting)


@router.get("/traces/{trace_id}", response_class=HTMLResponse)
def trace_page(request: Request, trace_id: str, session: SessionDep, page: Page) -> Any:
    """One trace: its items (state, latest decision, current votes), its spans, and the
    assessments this user may see, canonical ones marked."""
    return render(
        request,
        "trace.html",
        page,
        trace=traces.get_trace(session, trace_id=trace_id),
        items=listing.item_details(session, trace_id=trace_id, by=page.actor),
        assessments=assessments.trace_assessments(session, trace_id=trace_id, by=page.actor),
        sees_work=page.actor.sees_work,
    )


@router.get("/docs", response_class=HTMLResponse)
def api_docs(request: Request, page: Page) -> Any:
    """The API reference: Swagger UI (vendored, started from our own script) over /openapi.json."""
    return render(request, "api_docs.html", page)


def _tokens_page(request: Request, session: SessionDep, page: PageSession, **context: Any):
    listed = tokens.list_tokens(session, username=page.actor.name)
    permissions = sorted(page.actor.permissions)
    return render(request, "tokens.html", page, tokens=listed, permissions=permissions, **context)


@router.get("/tokens", response_class=HTMLResponse)
def tokens_page(request: Request, session: SessionDep, page: Page) -> Any:
    """One's API tokens (never their secrets) and a form for a new one."""
    return _tokens_page(request, session, page)


@router.post("/tokens", response_class=HTMLResponse)
async def issue_token(request: Request, session: SessionDep, page: FormPage) -> Any:
    """Issue a token and show its secret, this once."""
    form = await request.form()
    try:
        days = int(str(form.get("days", "90")))
        secret, view = tokens.issue(
            session,
            username=page.actor.name,
            name=str(form.get("name", ""))[:200],
            by=page.actor,
            scopes=[str(s) for s in form.getlist("scopes")] or None,
            lifetime=timedelta(days=days),
        )
    except (ValueError, InvalidInput) as exc:
        return _tokens_page(request, session, page, error=str(exc))
    return _tokens_page(request, session, page, issued=secret, issued_name=view.name)


@router.post("/tokens/{token_id}/revoke")
def revoke_token(token_id: RowId, session: SessionDep, page: FormPage) -> Any:
    """Revoke one of one's tokens."""
    tokens.revoke(session, token_id=token_id, by=page.actor)
    return RedirectResponse("/tokens", status_code=303)
