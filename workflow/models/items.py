"""Items (the unit of consensus) and the immutable decisions that resolve them."""

from datetime import datetime
from typing import Any

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from workflow.kernel.states import ItemState
from workflow.models.base import (
    empty_list,
    json_column,
    partial_index,
    partial_unique,
    time_column,
    utcnow,
)

# The items a claim can take. Spelled as literals, here and in the claim's query: PostgreSQL
# matches a partial index to a query only when it can prove the predicate from the query's own
# text, which a bound parameter (in a generic plan) does not allow.
CLAIMABLE = "campaign_id IS NOT NULL AND filled < quota AND state IN ('collecting', 'reopened')"


class Item(SQLModel, table=True):
    """(campaign, trace, span, name): collects proposals and moves through the state table."""

    __tablename__ = "items"
    __table_args__ = (
        # One item per (trace, span, name) outside campaigns, and one per campaign inside them;
        # partial indexes because NULL campaign ids would never collide in a plain one.
        partial_unique("uq_items_free", "trace_id", "span_id", "name", where="campaign_id IS NULL"),
        partial_unique(
            "uq_items_campaign",
            "campaign_id",
            "trace_id",
            "span_id",
            "name",
            where="campaign_id IS NOT NULL",
        ),
        Index("ix_items_state_changed", "state", "state_changed_at"),
        # The items list pages newest first (id descending) within a state, a name or a trace,
        # and the trace page reads a trace's items (migration 6694df435555 has the figures).
        Index("ix_items_state_id", "state", "id"),
        Index("ix_items_name_id", "name", "id"),
        Index("ix_items_trace", "trace_id"),
        # The claim queue: a campaign's items that still have an open seat, least filled
        # first, or scanned backwards for the most filled; full and decided items leave the
        # index, so a claim reads its head.
        partial_index("ix_items_claimable", "campaign_id", "filled", "id", where=CLAIMABLE),
        # The reconciler's overdue rounds: only rounds with a deadline are in it.
        partial_index("ix_items_review_due", "review_due_at", where="review_due_at IS NOT NULL"),
    )

    id: int | None = Field(default=None, primary_key=True)
    campaign_id: int | None = Field(default=None, foreign_key="campaigns.id")
    trace_id: str = Field(foreign_key="traces.trace_id", max_length=128)
    # "" for a trace-level item: an empty string, unlike NULL, takes part in unique indexes.
    span_id: str = Field(default="", max_length=16)
    name: str = Field(max_length=256)
    schema_id: int | None = Field(default=None, foreign_key="label_schemas.id")
    state: str = Field(default=ItemState.COLLECTING.value, max_length=16)
    # Bumped by every compare-and-set, so a stale writer's update matches no row.
    version: int = 0
    # Which committee round the item is in; votes and assignments belong to one round.
    review_round: int = 0
    # A campaign item's quota (its number of seats) and how many of them are taken; None and
    # 0 outside campaigns, where the label schema or the settings give the quota.
    quota: int | None = None
    filled: int = 0
    escalated_at: datetime | None = Field(default=None, sa_column=time_column(nullable=True))
    # When the committee's current round is due (its deadline), and how far an overdue round
    # has escalated: 0 not at all, 1 to the chair, 2 to the leads. The reconciler drives both.
    review_due_at: datetime | None = Field(default=None, sa_column=time_column(nullable=True))
    escalation: int = 0
    # Why the round's decided votes make no value the schema accepts (None: they do, or the
    # round is undecided); the item stays in review until a vote changes.
    review_problem: str | None = Field(default=None, max_length=2000)
    # The committee (its scope) the current round was sent to; None before any round.
    review_scope: str | None = Field(default=None, max_length=256)
    # The committee's note when it sent the item back to its annotators, until it is evaluated
    # again (once every returned seat is answered).
    return_note: str | None = Field(default=None, max_length=4000)
    # How contested the dispute that last sent the item to review was, in [0, 1]
    # (`workflow.items.disputes.contest_of`); 0 for an item no dispute has sent there.
    contest: float = Field(default=0.0, sa_column_kwargs={"server_default": "0"})
    state_changed_at: datetime = Field(default_factory=utcnow, sa_column=time_column(now=True))
    created_at: datetime = Field(default_factory=utcnow, sa_column=time_column(now=True))


# The review queue most contested first: a keyset over (contest descending, id) within a
# state, so a page deep in 100k items in review reads only its own rows. Declared on the
# columns (not as text) so that autogenerate compares it.
_items = Item.__table__.c
Index("ix_items_state_contest_id", _items.state, _items.contest.desc(), _items.id)


class Decision(SQLModel, table=True):
    """How an item was resolved: never updated once written."""

    __tablename__ = "decisions"

    id: int | None = Field(default=None, primary_key=True)
    item_id: int = Field(foreign_key="items.id", index=True)
    outcome: str = Field(max_length=16)
    method: str = Field(max_length=16)
    value: Any = Field(default=None, sa_column=json_column(nullable=True))
    algorithm: str = Field(max_length=64)
    record: dict[str, Any] = Field(default_factory=dict, sa_column=json_column())
    proposals: list[dict[str, Any]] = Field(default_factory=empty_list, sa_column=json_column())
    voters: list[str] = Field(default_factory=empty_list, sa_column=json_column())
    created_at: datetime = Field(default_factory=utcnow, sa_column=time_column(now=True))


class ItemDisputedField(SQLModel, table=True):
    """A field path the dispute that last sent the item to review left disputed."""

    __tablename__ = "item_disputed_fields"
    # The queue's field filter looks up the items of a field; the primary key serves an item's.
    __table_args__ = (Index("ix_item_disputed_fields_field", "field", "item_id"),)

    item_id: int = Field(foreign_key="items.id", primary_key=True)
    field: str = Field(primary_key=True, max_length=1024)
