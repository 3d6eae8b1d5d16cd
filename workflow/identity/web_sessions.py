"""Page sessions: signing in with a password, the session behind a cookie, signing out."""

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import update
from sqlmodel import Session, col, select

from workflow import audit
from workflow.identity import users
from workflow.identity.access import Actor
from workflow.identity.secrets import digest, new_secret, verify_password
from workflow.kernel.errors import Unauthenticated
from workflow.models import User, WebSession
from workflow.models.base import as_utc, utcnow

LIFETIME = timedelta(hours=12)


@dataclass(frozen=True, slots=True)
class SignedIn:
    """A new page session: the cookie's secret (given to the browser only) and who it is."""

    secret: str
    actor: Actor


def login(
    session: Session, *, username: str, password: str, replacing: str | None = None
) -> SignedIn | None:
    """A new session for the right password, else None; both outcomes are audited. Any session
    the browser held before is revoked, so a planted cookie never becomes a signed-in one."""
    if replacing:
        logout(session, secret=replacing)
    user = users.named(session, username)
    if user is None or user.disabled or not verify_password(password, user.password_hash):
        audit.record(
            session,
            actor=username[:256],
            action="login.failed",
            subject_type="user",
            subject_id=username[:128],
        )
        return None
    secret = new_secret()
    session.add(WebSession(id_hash=digest(secret), user_id=user.id, expires_at=utcnow() + LIFETIME))
    audit.record(
        session,
        actor=user.username,
        action="login",
        subject_type="user",
        subject_id=user.username,
    )
    return SignedIn(secret, users.actor_of(user))


def current(session: Session, *, secret: str) -> Actor:
    """The actor behind a session cookie, or Unauthenticated if it is unknown, over or revoked."""
    found = session.exec(
        select(WebSession, User)
        .join(User, col(User.id) == WebSession.user_id)
        .where(WebSession.id_hash == digest(secret))
    ).first()
    if found is None:
        raise Unauthenticated("not signed in")
    web_session, user = found
    if web_session.revoked_at is not None or as_utc(web_session.expires_at) <= utcnow():
        raise Unauthenticated("the session is over; sign in again")
    if user.disabled:
        raise Unauthenticated(f"user {user.username} is disabled")
    return users.actor_of(user)


def logout(session: Session, *, secret: str) -> None:
    """Revoke the session behind a cookie; signing out twice is harmless."""
    revoked = session.execute(
        update(WebSession)
        .where(col(WebSession.id_hash) == digest(secret), col(WebSession.revoked_at).is_(None))
        .values(revoked_at=utcnow())
        .returning(WebSession.user_id)
    ).first()
    if revoked is not None:
        user = session.get(User, revoked[0])
        name = user.username if user else "unknown"
        audit.record(session, actor=name, action="logout", subject_type="user", subject_id=name)
