"""Admin pages: the audit log, and users (role, importer permission, standing, password)."""

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from api.deps import Before, SessionDep, SettingsDep
from api.pages.sessions import FormPage, Page, PageSession
from api.pages.site import render
from workflow import audit
from workflow.identity import users
from workflow.identity.access import ROLE_PERMISSIONS, Permission, UserRole, permissions_of

router = APIRouter(prefix="/admin", include_in_schema=False)

FormText = Annotated[str, Form(max_length=1024)]
OptionalText = Annotated[str | None, Form(max_length=1024)]
Checkbox = Annotated[bool, Form()]


def _admin(page: PageSession) -> None:
    page.actor.require(Permission.ADMIN, "the admin pages")


@router.get("/audit", response_class=HTMLResponse)
def audit_page(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    page: Page,
    actor: Annotated[str | None, Query(max_length=256)] = None,
    action: Annotated[str | None, Query(max_length=64)] = None,
    before: Before = None,
) -> Any:
    """The audit log, newest first."""
    _admin(page)
    actor, action = actor or None, action or None  # the filter form sends empty fields
    entries = audit.entries(
        session, limit=min(100, settings.max_page_size), before=before, actor=actor, action=action
    )
    return render(request, "audit.html", page, entries=entries, actor=actor, action=action)


@dataclass(frozen=True, slots=True)
class UserRow:
    """A user as the users page lists them: what they can do now, not only what is stored."""

    user: users.UserView
    role_imports: bool  # their role holds the import permission itself (admins)
    may: tuple[Permission, ...]  # as /api/v1/me lists it: sorted, and nothing while disabled


def _row(user: users.UserView) -> UserRow:
    held = permissions_of(user.role, can_import=user.can_import)
    may = () if user.disabled else tuple(sorted(held))
    return UserRow(user, Permission.IMPORT in ROLE_PERMISSIONS[user.role], may)


@router.get("/users", response_class=HTMLResponse)
def users_page(request: Request, session: SessionDep, page: Page) -> Any:
    """Every user, each with a form to change them, and one to add a user."""
    _admin(page)
    rows = [_row(user) for user in users.list_users(session)]
    return render(request, "admin_users.html", page, rows=rows, roles=list(UserRole))


@router.post("/users")
def create_user(
    session: SessionDep,
    page: FormPage,
    username: FormText,
    role: FormText,
    password: OptionalText = None,
    email: OptionalText = None,
    can_import: Checkbox = False,
) -> Any:
    """Add a user (a refusal is shown as a page, and nothing is written)."""
    _admin(page)
    users.create_user(
        session,
        username=username,
        role=role,
        password=password or None,
        can_import=can_import,
        email=email or None,
        actor=page.actor.name,
    )
    return RedirectResponse("/admin/users", status_code=303)


@router.post("/users/{username}")
def update_user(
    username: str,
    session: SessionDep,
    page: FormPage,
    role: FormText,
    password: OptionalText = None,
    email: OptionalText = None,
    can_import: Checkbox = False,
    disabled: Checkbox = False,
) -> Any:
    """Change a user's role, importer permission, standing, email address and (if given)
    password."""
    _admin(page)
    users.update_user(
        session,
        username=username,
        role=role,
        can_import=can_import,
        disabled=disabled,
        password=password or None,
        email=email,
        actor=page.actor.name,
    )
    return RedirectResponse("/admin/users", status_code=303)
