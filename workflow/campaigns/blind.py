"""Blind annotation: until an annotator's own proposal for a campaign item is in, they see
nobody else's value for it, nor its consensus, nor (unless the campaign shows them) the
machine suggestions."""

from sqlalchemy import and_, bindparam, exists, select
from sqlmodel import Session

from workflow.identity.access import Actor, UserRole
from workflow.items.seats import SUBMITTED
from workflow.models import Campaign, Item, Membership, Seat, User

_ITEMS, _CAMPAIGNS, _SEATS = Item.__table__, Campaign.__table__, Seat.__table__
_MEMBERS, _USERS = Membership.__table__, User.__table__

_BLIND_KEYS = (
    select(_ITEMS.c.span_id, _ITEMS.c.name, _CAMPAIGNS.c.show_suggestions)
    .select_from(
        _ITEMS.join(_CAMPAIGNS, _CAMPAIGNS.c.id == _ITEMS.c.campaign_id)
        .join(_USERS, _USERS.c.username == bindparam("me"))
        .join(
            _MEMBERS,
            and_(
                _MEMBERS.c.campaign_id == _CAMPAIGNS.c.id,
                _MEMBERS.c.user_id == _USERS.c.id,
                _MEMBERS.c.role == UserRole.ANNOTATOR.value,
            ),
        )
    )
    .where(
        _ITEMS.c.trace_id == bindparam("trace_id"),
        ~exists().where(
            _SEATS.c.item_id == _ITEMS.c.id,
            _SEATS.c.holder == bindparam("me"),
            _SEATS.c.status == SUBMITTED,
        ),
    )
)


def blind_keys(session: Session, by: Actor, trace_id: str) -> dict[tuple[str, str], bool]:
    """(span, name) of the trace's campaign items that `by` annotates and has not answered yet,
    each with whether its campaign shows suggestions. Empty for whoever sees the work."""
    if by.sees_work or not by.in_campaigns:
        return {}
    rows = session.execute(_BLIND_KEYS, {"me": by.name, "trace_id": trace_id})
    keys: dict[tuple[str, str], bool] = {}
    for span_id, name, show_suggestions in rows:
        # Two campaigns on one key: a suggestion is shown only if both allow it.
        keys[(span_id, name)] = keys.get((span_id, name), True) and show_suggestions
    return keys
