"""Page sessions at the edge: the session cookie, CSRF tokens on every form, sign-in redirects."""

from dataclasses import dataclass
from typing import Annotated
from urllib.parse import quote

from fastapi import Depends, FastAPI, Request, Response
from fastapi.responses import RedirectResponse
from starlette.concurrency import run_in_threadpool

from api.deps import SessionDep
from api.runtime import runtime
from workflow.identity import web_sessions
from workflow.identity.access import Actor, Permission
from workflow.identity.secrets import csrf_token, new_secret, same
from workflow.kernel.errors import Forbidden, Unauthenticated

SESSION_COOKIE = "quorum_session"
LOGIN_COOKIE = "quorum_login"  # the nonce behind the sign-in form's CSRF token


class LoginRequired(Exception):
    """A page asked for by a browser that is not signed in: it is sent to the sign-in page."""


@dataclass(frozen=True, slots=True)
class PageSession:
    """The signed-in browser: who it is, and the CSRF token its forms must carry."""

    actor: Actor
    secret: str
    csrf: str

    @property
    def is_admin(self) -> bool:
        """Whether the admin pages are open to this session."""
        return self.actor.may(Permission.ADMIN)


def _key(request: Request) -> str:
    return runtime(request).settings.secret_key


def _current(request: Request, session: SessionDep) -> PageSession:
    secret = request.cookies.get(SESSION_COOKIE)
    if not secret:
        raise LoginRequired
    try:
        actor = web_sessions.current(session, secret=secret)
    except Unauthenticated:
        raise LoginRequired from None
    request.state.actor = actor
    return PageSession(actor, secret, csrf_token(_key(request), secret))


async def page_session(request: Request, session: SessionDep) -> PageSession:
    """The signed-in browser, or a redirect to the sign-in page."""
    return await run_in_threadpool(_current, request, session)


async def form_session(request: Request, session: SessionDep) -> PageSession:
    """The signed-in browser posting a form, which must carry the session's CSRF token."""
    page = await page_session(request, session)
    form = await request.form()
    if not same(str(form.get("csrf", "")), page.csrf):
        raise Forbidden("the form's CSRF token is missing or wrong; reload the page")
    return page


Page = Annotated[PageSession, Depends(page_session)]
FormPage = Annotated[PageSession, Depends(form_session)]


async def _form_fields(request: Request) -> dict[str, list[str]]:
    """The posted form as field name -> values (files, which no form here sends, left out)."""
    form = await request.form()
    return {key: [v for v in form.getlist(key) if isinstance(v, str)] for key in form}


FormFields = Annotated[dict[str, list[str]], Depends(_form_fields)]


def safe_next(target: str | None) -> str:
    """Where to go after signing in: a path on this site only (no open redirect)."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return "/"
    return target


def login_nonce(request: Request) -> tuple[str, str]:
    """A fresh nonce for the sign-in form's cookie, and the CSRF token bound to it."""
    nonce = new_secret()
    return nonce, csrf_token(_key(request), "login:" + nonce)


def set_login_nonce(request: Request, response: Response, nonce: str) -> None:
    """Give the browser the sign-in form's nonce cookie."""
    response.set_cookie(
        LOGIN_COOKIE,
        nonce,
        max_age=3600,
        httponly=True,
        secure=runtime(request).settings.secure_cookies,
        samesite="strict",
    )


def login_form_ok(request: Request, submitted: str) -> bool:
    """Whether a sign-in form carries the token bound to this browser's nonce cookie."""
    nonce = request.cookies.get(LOGIN_COOKIE)
    return bool(nonce) and same(submitted, csrf_token(_key(request), "login:" + nonce))


def start_session(request: Request, response: Response, secret: str) -> None:
    """Give the browser its new session cookie; the sign-in nonce is spent."""
    response.set_cookie(
        SESSION_COOKIE,
        secret,
        max_age=int(web_sessions.LIFETIME.total_seconds()),
        httponly=True,
        secure=runtime(request).settings.secure_cookies,
        samesite="lax",
    )
    response.delete_cookie(LOGIN_COOKIE)


def end_session(response: Response) -> None:
    """Make the browser forget its session cookie."""
    response.delete_cookie(SESSION_COOKIE)


def install(app: FastAPI) -> None:
    """Send browsers that are not signed in to the sign-in page, then back."""

    @app.exception_handler(LoginRequired)
    async def to_login(request: Request, _exc: LoginRequired) -> RedirectResponse:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/login?next={quote(target, safe='')}", status_code=303)
