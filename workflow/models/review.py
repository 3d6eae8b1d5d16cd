"""The committee: who sits on it, who reviews which item, their votes, and notifications."""

from datetime import datetime
from typing import Any

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from workflow.models.base import json_column, time_column, utcnow

DEFAULT_SCOPE = "default"
# A campaign's own committee is the scope "campaign:<its id>".
CAMPAIGN_SCOPE = "campaign:"


def scope_campaign(scope: str) -> int | None:
    """The campaign a committee scope names, if it names one."""
    number = scope.removeprefix(CAMPAIGN_SCOPE)
    return int(number) if number != scope and number.isdigit() else None


class CommitteeMember(SQLModel, table=True):
    """A reviewer on the committee of a label schema (scope = its name) or the default one."""

    __tablename__ = "committee_members"
    __table_args__ = (UniqueConstraint("scope", "reviewer_id", name="uq_committee_member"),)

    id: int | None = Field(default=None, primary_key=True)
    scope: str = Field(max_length=256, index=True)
    reviewer_id: str = Field(max_length=256)
    created_at: datetime = Field(default_factory=utcnow, sa_column=time_column(now=True))


class CommitteeRule(SQLModel, table=True):
    """How a committee decides (its quorum rule and chair); a scope without a row decides by
    strict majority of its members."""

    __tablename__ = "committee_rules"

    scope: str = Field(primary_key=True, max_length=256)
    rule: str = Field(max_length=32)
    min_votes: int = 1
    chair: str | None = Field(default=None, max_length=256)
    # How long a round may stay undecided before it escalates; None: no deadline.
    deadline_seconds: int | None = None
    # Whether its reviewers see annotators under pseudonyms rather than by name.
    hide_annotators: bool = False
    updated_at: datetime = Field(default_factory=utcnow, sa_column=time_column(now=True))


class ReviewAssignment(SQLModel, table=True):
    """A reviewer asked to review one round of a disputed item."""

    __tablename__ = "review_assignments"

    item_id: int = Field(foreign_key="items.id", primary_key=True)
    review_round: int = Field(primary_key=True)
    reviewer_id: str = Field(primary_key=True, max_length=256)
    created_at: datetime = Field(default_factory=utcnow, sa_column=time_column(now=True))


class Vote(SQLModel, table=True):
    """A reviewer's current vote in one round on the whole value (`field` ""): a proposal, a
    corrected value, or an abstention; or on one disputed field or contested list element
    (`field` its path): a proposal's value for it, a written one, keep, drop, or abstain."""

    __tablename__ = "votes"
    __table_args__ = (
        UniqueConstraint(
            "item_id", "review_round", "reviewer_id", "field", name="uq_vote_per_round_field"
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    item_id: int = Field(foreign_key="items.id", index=True)
    review_round: int
    reviewer_id: str = Field(max_length=256)
    field: str = Field(default="", max_length=1024)
    choice: str = Field(max_length=16)  # "proposal", "value", "keep", "drop" or "abstain"
    assessment_id: str | None = Field(default=None, max_length=80)
    value: Any = Field(default=None, sa_column=json_column(nullable=True))
    comment: str | None = None
    created_at: datetime = Field(default_factory=utcnow, sa_column=time_column(now=True))
    updated_at: datetime = Field(default_factory=utcnow, sa_column=time_column(now=True))


class Notification(SQLModel, table=True):
    """One notification per (event, item, round, recipient): raising it twice stores it once."""

    __tablename__ = "notifications"
    __table_args__ = (
        UniqueConstraint(
            "event", "item_id", "review_round", "recipient", name="uq_notification_per_event"
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    event: str = Field(max_length=64)
    item_id: int = Field(foreign_key="items.id", index=True)
    review_round: int = 0
    recipient: str = Field(max_length=256)
    payload: dict[str, Any] = Field(default_factory=dict, sa_column=json_column())
    created_at: datetime = Field(default_factory=utcnow, sa_column=time_column(now=True))
    delivered_at: datetime | None = Field(default=None, sa_column=time_column(nullable=True))


class ReconcileRun(SQLModel, table=True):
    """What one reconciler pass found and fixed."""

    __tablename__ = "reconcile_runs"

    id: int | None = Field(default=None, primary_key=True)
    started_at: datetime = Field(default_factory=utcnow, sa_column=time_column(now=True))
    finished_at: datetime = Field(default_factory=utcnow, sa_column=time_column(now=True))
    republished: int = 0
    redriven: int = 0
    dead_lettered: int = 0
    leases_expired: int = 0
    reviews_escalated: int = 0
    dashboards_refreshed: int = 0
    leases_expiring: int = 0
    webhooks_woken: int = 0
    emails_woken: int = 0


class ReviewComment(SQLModel, table=True):
    """A note in an item's review discussion: who wrote it, in which round, and when."""

    __tablename__ = "review_comments"

    id: int | None = Field(default=None, primary_key=True)
    item_id: int = Field(foreign_key="items.id", index=True)
    review_round: int
    author: str = Field(max_length=256)
    body: str = Field(max_length=4000)
    created_at: datetime = Field(default_factory=utcnow, sa_column=time_column(now=True))


class InstanceSecret(SQLModel, table=True):
    """A secret this installation keeps in its database: the keys annotators' pseudonyms and
    emails' Message-IDs are derived with, so that nobody can recompute them from the names."""

    __tablename__ = "instance_secrets"

    name: str = Field(primary_key=True, max_length=64)
    value: str = Field(max_length=256)
