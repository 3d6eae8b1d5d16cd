"""Secrets this installation keeps in its database, each made by a migration or on its first
use."""

import secrets

from sqlmodel import Session

from workflow.kernel.db import per_dialect
from workflow.models import InstanceSecret

_INSERT_OR_IGNORE = per_dialect(
    lambda insert: insert(InstanceSecret.__table__).on_conflict_do_nothing()
)


def instance_secret(session: Session, name: str) -> str:
    """The installation's secret called `name`: two first uses at once both insert-or-ignore,
    and both then read the one that was stored."""
    row = session.get(InstanceSecret, name)
    if row is None:
        made = {"name": name, "value": secrets.token_hex(32)}
        session.execute(_INSERT_OR_IGNORE(session).values(made))
        row = session.get_one(InstanceSecret, name, populate_existing=True)
    return row.value
