"""Users: creating them, changing their standing, and the first administrator."""

import re
from dataclasses import dataclass

from sqlalchemy import func, update
from sqlmodel import Session, col, select

from workflow import audit
from workflow.identity.access import Actor, UserRole, actor_for
from workflow.identity.secrets import hash_password, new_secret
from workflow.kernel.db import add_unique
from workflow.kernel.errors import AlreadyExists, Conflict, InvalidInput, NotFound
from workflow.models import User, WebSession
from workflow.models.base import utcnow

BOOTSTRAP_ADMIN = "admin"
# Usernames become proposals' source ids and the audit log's actors: printable, no spaces, so
# that an email address fits and nothing can pass for something else in a log or on a page.
_USERNAME = re.compile(r"[A-Za-z0-9._@+-]{1,256}")
# An address mail can go to: one @, a dot in the domain, nothing that could end a header.
_ADDRESS = re.compile(r"[^@\s<>,;\"]{1,64}@[^@\s<>,;\"]+\.[^@\s<>,;\"]+")
_MIN_PASSWORD = 12
_MAX_PASSWORD = 1024


@dataclass(frozen=True, slots=True)
class UserView:
    """A user as the API shows it: never the password hash."""

    username: str
    role: UserRole
    can_import: bool
    disabled: bool
    has_password: bool
    email: str | None


def view(user: User) -> UserView:
    """The public view of a user row."""
    return UserView(
        username=user.username,
        role=UserRole(user.role),
        can_import=user.can_import,
        disabled=user.disabled,
        has_password=user.password_hash is not None,
        email=user.email,
    )


def actor_of(user: User) -> Actor:
    """The actor a user is with all their permissions (a page session)."""
    return actor_for(user.username, user.role, can_import=user.can_import)


def check_password(password: str) -> str:
    """The password, if long enough to resist guessing and short enough to hash cheaply."""
    if not _MIN_PASSWORD <= len(password) <= _MAX_PASSWORD:
        raise InvalidInput(f"a password has {_MIN_PASSWORD} to {_MAX_PASSWORD} characters")
    return password


def check_address(address: str) -> str | None:
    """An email address as stored: trimmed, None for a blank one, refused unless plausible."""
    address = address.strip()
    if not address:
        return None
    if len(address) > 320 or not _ADDRESS.fullmatch(address):
        raise InvalidInput(f"{address[:80]!r} is not an email address")
    return address


def _role(role: str) -> UserRole:
    try:
        return UserRole(role)
    except ValueError:
        raise InvalidInput(f"role must be one of {', '.join(UserRole)}") from None


def named(session: Session, username: str) -> User | None:
    """The user called `username`, if any."""
    return session.exec(select(User).where(User.username == username)).first()


def find(session: Session, username: str) -> User:
    """The user called `username`, or NotFound."""
    user = named(session, username)
    if user is None:
        raise NotFound(f"no user {username!r}")
    return user


def create_user(
    session: Session,
    *,
    username: str,
    role: str,
    actor: str,
    password: str | None = None,
    can_import: bool = False,
    email: str | None = None,
) -> UserView:
    """Add a user; their name is refused if taken or if it is not a plain identifier."""
    if not _USERNAME.fullmatch(username):
        raise InvalidInput("a username is 1-256 letters, digits or . _ @ + -")
    user = User(
        username=username,
        role=_role(role),
        can_import=can_import,
        password_hash=hash_password(check_password(password)) if password else None,
        email=check_address(email) if email else None,
    )
    add_unique(session, user, f"user {username!r} already exists")
    audit.record(
        session,
        actor=actor,
        action="user.create",
        subject_type="user",
        subject_id=username,
        role=user.role,
        can_import=can_import,
    )
    return view(user)


def update_user(
    session: Session,
    *,
    username: str,
    actor: str,
    role: str | None = None,
    can_import: bool | None = None,
    disabled: bool | None = None,
    password: str | None = None,
    email: str | None = None,
) -> UserView:
    """Change a user's role, importer permission, standing, password or email address (blank
    removes it); each change audited.
    A new password or a disabled account ends the user's page sessions."""
    user = find(session, username)
    losing_admin = user.role == UserRole.ADMIN and (
        (role is not None and role != UserRole.ADMIN) or (disabled and not user.disabled)
    )
    if losing_admin and _active_admins(session) <= 1:
        raise Conflict("the last active admin cannot be demoted or disabled")
    changes: dict[str, object] = {}
    if role is not None:
        user.role = changes["role"] = _role(role)
    if can_import is not None:
        user.can_import = changes["can_import"] = can_import
    if disabled is not None:
        user.disabled = changes["disabled"] = disabled
    if password is not None:
        user.password_hash = hash_password(check_password(password))
        changes["password"] = "changed"
    address = check_address(email) if email is not None else user.email
    if address != user.email:
        user.email = changes["email"] = address
    session.add(user)
    if password is not None or disabled:
        session.execute(
            update(WebSession)
            .where(col(WebSession.user_id) == user.id, col(WebSession.revoked_at).is_(None))
            .values(revoked_at=utcnow())
        )
    audit.record(
        session,
        actor=actor,
        action="user.update",
        subject_type="user",
        subject_id=username,
        **changes,
    )
    return view(user)


def _active_admins(session: Session) -> int:
    return session.exec(
        select(func.count()).where(User.role == UserRole.ADMIN, col(User.disabled).is_(False))
    ).one()


def list_users(session: Session) -> list[UserView]:
    """Every user, by name."""
    return [view(u) for u in session.exec(select(User).order_by(col(User.username))).all()]


def bootstrap_admin(session: Session) -> str | None:
    """On a database with no user, create `admin` with a random password and return it (once);
    None when users exist, or when another process created the admin first."""
    if session.exec(select(User.id).limit(1)).first() is not None:
        return None
    password = new_secret()
    try:
        create_user(
            session,
            username=BOOTSTRAP_ADMIN,
            role=UserRole.ADMIN,
            password=password,
            actor="quorum:bootstrap",
        )
    except AlreadyExists:
        return None
    return password
