"""The email routes: each person's own address and preferences (per event type: immediately,
in a daily digest, or off), and, for admins, the emails Quorum made and where each stands."""

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from api.auth import Admin, Anyone
from api.deps import RowId, SessionDep
from api.v1.schemas import Public
from workflow import mail
from workflow.events import TYPES

router = APIRouter(prefix="/api/v1", tags=["notifications"])

Mode = Literal["immediate", "digest", "off"]
EventType = Annotated[str, Field(max_length=64)]


class PreferencesPublic(BaseModel):
    """Where my emails go (none: nowhere) and how I hear of each event type."""

    address: str | None
    modes: dict[str, Mode]
    event_types: list[str]


class PreferencesUpdate(BaseModel):
    """Modes to set (types left out stay as they are) and, if given, a new address ("" removes
    it)."""

    modes: Annotated[dict[EventType, Mode], Field(max_length=len(TYPES))] = Field(
        default_factory=dict
    )
    address: Annotated[str | None, Field(max_length=320)] = None


class EmailPublic(Public):
    """One email: to whom, about how many events, and where it stands."""

    id: int
    username: str
    address: str
    kind: str
    message_id: str
    subject: str | None
    notices: int
    status: str
    attempts: int
    last_code: int | None
    last_error: str | None
    created_at: datetime
    next_attempt_at: datetime
    sent_at: datetime | None


class EmailList(BaseModel):
    """The latest emails, newest first."""

    emails: list[EmailPublic]


def _public(found: mail.Preferences) -> PreferencesPublic:
    return PreferencesPublic(
        address=found.address, modes=dict(found.modes), event_types=list(TYPES)
    )


@router.get("/me/notifications")
def my_preferences(session: SessionDep, by: Anyone) -> PreferencesPublic:
    """My address and how I hear of each event type (defaults filled in)."""
    return _public(mail.preferences_of(session, by.name))


@router.put("/me/notifications")
def set_my_preferences(
    body: PreferencesUpdate, session: SessionDep, by: Anyone
) -> PreferencesPublic:
    """Change how I hear of some event types, or my address."""
    return _public(mail.choose(session, by.name, dict(body.modes), address=body.address))


@router.get("/emails")
def emails(
    session: SessionDep,
    by: Admin,
    status: Annotated[Literal["pending", "sent", "failed", "dead"] | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> EmailList:
    """The latest emails, newest first (of one status, if asked)."""
    found = mail.recent(session, by=by, limit=limit, status=status)
    return EmailList(emails=[EmailPublic.model_validate(e) for e in found])


@router.get("/emails/{email_id}")
def email(email_id: RowId, session: SessionDep, by: Admin) -> EmailPublic:
    """One email."""
    return EmailPublic.model_validate(mail.email_view(session, by=by, email_id=email_id))
