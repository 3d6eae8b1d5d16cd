"""What a dispute that sends items to review leaves on them for the review queue: how
contested each is, and its disputed field paths."""

from collections.abc import Mapping
from typing import Any

from sqlalchemy import case, delete, insert, update
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session

from workflow.models import Item, ItemDisputedField

# Rounded so that shares computed along different paths (1 - 2/3 and 1/3) tie exactly, and a
# cursor carries the score as the database holds it.
CONTEST_DIGITS = 6


def contest_of(record: Mapping[str, Any]) -> float:
    """How contested a dispute is: 1 minus the engine's agreement score (the weighted share
    of proposals behind the leading value; for a structure its weakest required field), in
    [0, 1]; 1 when the values do not even fit the schema (the record has no score)."""
    score = record.get("score")
    if isinstance(score, bool) or not isinstance(score, int | float):
        return 1.0
    return round(min(1.0, max(0.0, 1.0 - score)), CONTEST_DIGITS)


def disputed_fields_of(record: Mapping[str, Any]) -> list[str]:
    """The distinct field paths a decision record names as disputed, in its order."""
    named = record.get("disputed_fields") or ()
    return list(dict.fromkeys(path for path in named if isinstance(path, str)))


_ITEMS = Item.__table__.c
_FIELDS = ItemDisputedField.__table__


def record_disputes(session: Session, disputes: list[tuple[Item, Mapping[str, Any]]]) -> None:
    """Store each disputed item's contest and replace its disputed fields with the record's,
    in three statements whatever the number of items (the rows are the caller's, locked)."""
    if not disputes:
        return
    contests = {item.id: contest_of(record) for item, record in disputes}
    session.execute(
        update(Item.__table__)
        .where(_ITEMS.id.in_(list(contests)))
        .values(contest=case(contests, value=_ITEMS.id))
    )
    session.execute(delete(_FIELDS).where(_FIELDS.c.item_id.in_(list(contests))))
    rows = [
        {"item_id": item.id, "field": path}
        for item, record in disputes
        for path in disputed_fields_of(record)
    ]
    if rows:
        session.execute(insert(_FIELDS), rows)
    # The rows now hold these values: record them as loaded, so no second UPDATE follows.
    for item, _ in disputes:
        set_committed_value(item, "contest", contests[item.id])
