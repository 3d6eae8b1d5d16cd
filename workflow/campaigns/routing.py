"""Which item a proposal belongs to when its trace is in a campaign.

The rule: a HUMAN expectation for (trace, span, name) goes to the item of an open campaign
that holds that key when its author annotates in that campaign (or holds a seat on that item:
an admin's claim). When two such campaigns hold
the key, the one where the author already has a seat on the item (a claim or an earlier
proposal) wins; then the higher priority, the earlier due date, the older campaign. Anything
else goes to the campaign-free item, as before campaigns existed.
"""

from sqlalchemy import bindparam, exists, literal_column, nulls_last, or_, select
from sqlmodel import Session

from workflow.identity.access import UserRole
from workflow.items.canonical import valid_canonical
from workflow.items.store import ItemRef
from workflow.models import Assessment, Campaign, Item, Membership, Seat, User

_ITEMS, _CAMPAIGNS, _SEATS = Item.__table__, Campaign.__table__, Seat.__table__
_MEMBERS, _USERS = Membership.__table__, User.__table__


def _campaign_item():
    canon = Assessment.__table__.alias("canon")
    canonical = exists().where(
        canon.c.trace_id == literal_column("items.trace_id"),
        canon.c.span_id == literal_column("items.span_id"),
        canon.c.name == literal_column("items.name"),
        *valid_canonical(canon.c),
    )
    seated = (
        exists()
        .where(_SEATS.c.item_id == _ITEMS.c.id, _SEATS.c.holder == bindparam("author"))
        .correlate(_ITEMS)
    )
    member = exists().where(
        _MEMBERS.c.campaign_id == _CAMPAIGNS.c.id,
        _MEMBERS.c.role == UserRole.ANNOTATOR.value,
        _MEMBERS.c.user_id == _USERS.c.id,
        _USERS.c.username == bindparam("author"),
    )
    return (
        select(_ITEMS.c.id, _ITEMS.c.state, _ITEMS.c.schema_id, canonical, _ITEMS.c.campaign_id)
        .select_from(_ITEMS.join(_CAMPAIGNS, _CAMPAIGNS.c.id == _ITEMS.c.campaign_id))
        .where(
            _ITEMS.c.trace_id == bindparam("trace_id"),
            _ITEMS.c.span_id == bindparam("span_id"),
            _ITEMS.c.name == bindparam("name"),
            _ITEMS.c.campaign_id.is_not(None),
            _CAMPAIGNS.c.status == "open",
            # A seat counts without a membership: an admin annotates without joining.
            or_(seated, member),
        )
        .order_by(
            seated.desc(),
            _CAMPAIGNS.c.priority.desc(),
            nulls_last(_CAMPAIGNS.c.deadline.asc()),
            _CAMPAIGNS.c.id,
        )
        .limit(1)
        .with_for_update(of=_ITEMS)
    )


# Built once: it runs for every proposal.
_CAMPAIGN_ITEM = _campaign_item()


def campaign_item(
    session: Session, *, trace_id: str, span_id: str, name: str, author: str
) -> ItemRef | None:
    """The campaign item the author's proposal for this key belongs to, locked; None when the
    rule sends it to the campaign-free item."""
    row = session.execute(
        _CAMPAIGN_ITEM,
        {"trace_id": trace_id, "span_id": span_id, "name": name, "author": author},
    ).first()
    return None if row is None else ItemRef(*row)
