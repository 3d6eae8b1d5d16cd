"""Users, API tokens, the caller's own identity and the audit log: /api/v1 JSON routes."""

from dataclasses import asdict
from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from api.auth import Admin, Anyone
from api.deps import Before, RowId, SessionDep, SettingsDep
from api.v1.schemas import (
    AuditPage,
    CallerPublic,
    TokenIssued,
    TokenList,
    TokenPublic,
    UserList,
    UserPublic,
)
from workflow import audit
from workflow.identity import tokens, users
from workflow.identity.access import Permission, UserRole

router = APIRouter(prefix="/api/v1", tags=["identity"])

Name = Annotated[str, Field(min_length=1, max_length=256)]
Address = Annotated[str, Field(max_length=320)]


class UserCreate(BaseModel):
    """A new user; without a password they sign in with API tokens only."""

    username: Name
    role: UserRole
    password: Annotated[str | None, Field(min_length=12, max_length=1024)] = None
    can_import: bool = False
    email: Address | None = None


class UserUpdate(BaseModel):
    """Changes to a user; fields left out stay as they are."""

    role: UserRole | None = None
    can_import: bool | None = None
    disabled: bool | None = None
    password: Annotated[str | None, Field(min_length=12, max_length=1024)] = None
    email: Address | None = None  # "" removes it


class TokenCreate(BaseModel):
    """A token request: its name, scopes (default: all the caller's permissions) and life."""

    name: Annotated[str, Field(min_length=1, max_length=128)]
    scopes: Annotated[list[Permission] | None, Field(min_length=1, max_length=6)] = None
    expires_in_days: Annotated[int, Field(ge=1, le=tokens.MAX_LIFETIME.days)] = (
        tokens.DEFAULT_LIFETIME.days
    )
    username: Name | None = None  # an admin may issue a token for another user


@router.get("/me")
def me(by: Anyone) -> CallerPublic:
    """Who the caller is, and the permissions this credential carries."""
    return CallerPublic(username=by.name, permissions=sorted(by.permissions))


@router.get("/users")
def list_users(session: SessionDep, _by: Admin) -> UserList:
    """Every user."""
    return UserList(users=users.list_users(session))


@router.post("/users", status_code=201)
def create_user(body: UserCreate, session: SessionDep, by: Admin) -> UserPublic:
    """Add a user with a role."""
    view = users.create_user(
        session,
        username=body.username,
        role=body.role,
        password=body.password,
        can_import=body.can_import,
        email=body.email,
        actor=by.name,
    )
    return UserPublic.model_validate(view)


@router.patch("/users/{username}")
def update_user(username: str, body: UserUpdate, session: SessionDep, by: Admin) -> UserPublic:
    """Change a user's role, importer permission, standing, password or email address."""
    view = users.update_user(session, username=username, actor=by.name, **body.model_dump())
    return UserPublic.model_validate(view)


@router.post("/tokens", status_code=201)
def issue_token(body: TokenCreate, session: SessionDep, by: Anyone) -> TokenIssued:
    """A new API token; its secret is in this answer and never shown again."""
    secret, view = tokens.issue(
        session,
        username=body.username or by.name,
        name=body.name,
        by=by,
        scopes=body.scopes,
        lifetime=timedelta(days=body.expires_in_days),
    )
    return TokenIssued(token=secret, **asdict(view))


@router.get("/tokens")
def list_tokens(
    session: SessionDep, by: Anyone, username: Annotated[str | None, Query(max_length=256)] = None
) -> TokenList:
    """The caller's tokens (an admin may name another user), without their secrets."""
    if username is not None and username != by.name:
        by.require(Permission.ADMIN, "listing another user's tokens")
    listed = tokens.list_tokens(session, username=username or by.name)
    return TokenList(tokens=listed)


@router.delete("/tokens/{token_id}")
def revoke_token(token_id: RowId, session: SessionDep, by: Anyone) -> TokenPublic:
    """Revoke a token at once (one's own; an admin's any)."""
    return TokenPublic.model_validate(tokens.revoke(session, token_id=token_id, by=by))


@router.get("/audit")
def audit_log(
    session: SessionDep,
    settings: SettingsDep,
    _by: Admin,
    limit: Annotated[int, Query(ge=1)] = 100,
    before: Before = None,
    actor: Annotated[str | None, Query(max_length=256)] = None,
    action: Annotated[str | None, Query(max_length=64)] = None,
) -> AuditPage:
    """The audit log, newest first; page with `before` = the last id of the previous page."""
    limit = min(limit, settings.max_page_size)
    rows = audit.entries(session, limit=limit, before=before, actor=actor, action=action)
    return AuditPage(
        entries=rows,
        next_before=rows[-1].id if len(rows) == limit else None,
    )
