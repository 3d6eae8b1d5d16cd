"""Users and tokens for tests, written straight to the database as an operator would."""

from sqlalchemy import Engine

from workflow.identity import tokens, users
from workflow.identity.access import trusted
from workflow.kernel.db import unit_of_work
from workflow.kernel.errors import AlreadyExists

TESTER = "tester"  # the admin (and importer) the API tests act as unless they say otherwise
PASSWORD = "a long enough test password"


def ensure_user(
    engine: Engine,
    username: str,
    role: str = "admin",
    *,
    can_import: bool = False,
    password: str | None = None,
) -> None:
    """Create `username` with this role, unless they exist already."""
    with unit_of_work(engine) as session:
        try:
            with session.begin_nested():
                users.create_user(
                    session,
                    username=username,
                    role=role,
                    can_import=can_import,
                    password=password,
                    actor="test",
                )
        except AlreadyExists:
            pass


def token_for(
    engine: Engine,
    username: str,
    role: str = "admin",
    *,
    can_import: bool = False,
    scopes: list[str] | None = None,
) -> str:
    """A fresh API token for `username`, created with the role given if new."""
    ensure_user(engine, username, role, can_import=can_import)
    with unit_of_work(engine) as session:
        secret, _view = tokens.issue(
            session, username=username, name="test", by=trusted("test"), scopes=scopes
        )
    return secret


def bearer(token: str) -> dict[str, str]:
    """The Authorization header that carries `token`."""
    return {"Authorization": f"Bearer {token}"}
