"""Campaigns: created with their schemas and traces (which makes their items), edited, grown and
closed by their leads."""

from dataclasses import dataclass, replace
from datetime import datetime

from sqlmodel import Session, col, func, select

from workflow.campaigns.contents import add_items, select_traces
from workflow.campaigns.membership import campaign_ids_of, record, require_lead, require_member
from workflow.campaigns.settings import CampaignSettings, Ordering, SchemaTarget, TraceSelection
from workflow.identity.access import Actor, Permission, UserRole
from workflow.kernel.db import add_unique
from workflow.kernel.errors import Conflict, InvalidInput
from workflow.models import (
    Campaign,
    CampaignSchema,
    CampaignTrace,
    DashboardSnapshot,
    Item,
    LabelSchema,
    Membership,
    User,
)
from workflow.models.base import as_utc, utcnow

OPEN_STATUS, CLOSED_STATUS = "open", "closed"


@dataclass(frozen=True, slots=True)
class CampaignView:
    """A campaign as the API and the pages show it."""

    id: int
    name: str
    status: str
    overlap: int
    adaptive: bool
    max_overlap: int | None
    priority: int
    due: datetime | None
    instructions: str
    blind: bool
    show_suggestions: bool
    ordering: str
    lease_seconds: int
    created_by: str
    created_at: datetime
    closed_at: datetime | None
    schemas: tuple[SchemaTarget, ...] = ()
    traces: int = 0
    items: int = 0


def _sizes(session: Session, ids: list[int]) -> dict[int, tuple[int, int]]:
    """Each campaign's (traces, items), in two grouped counts."""
    traces = dict(
        session.exec(
            select(CampaignTrace.campaign_id, func.count())
            .where(col(CampaignTrace.campaign_id).in_(ids))
            .group_by(col(CampaignTrace.campaign_id))
        ).all()
    )
    items = dict(
        session.exec(
            select(Item.campaign_id, func.count())
            .where(col(Item.campaign_id).in_(ids))
            .group_by(col(Item.campaign_id))
        ).all()
    )
    return {i: (traces.get(i, 0), items.get(i, 0)) for i in ids}


def _view(
    session: Session, campaign: Campaign, size: tuple[int, int] | None = None
) -> CampaignView:
    assert campaign.id is not None
    traces, items = size if size is not None else _sizes(session, [campaign.id])[campaign.id]
    targets = session.exec(
        select(LabelSchema.name, CampaignSchema.span_name, CampaignSchema.span_type)
        .join(CampaignSchema, col(CampaignSchema.schema_id) == LabelSchema.id)
        .where(CampaignSchema.campaign_id == campaign.id)
        .order_by(col(LabelSchema.name))
    ).all()
    return CampaignView(
        id=campaign.id or 0,
        name=campaign.name,
        status=campaign.status,
        overlap=campaign.overlap,
        adaptive=campaign.adaptive,
        max_overlap=campaign.max_overlap,
        priority=campaign.priority,
        due=as_utc(campaign.deadline) if campaign.deadline else None,
        instructions=campaign.instructions,
        blind=campaign.blind,
        show_suggestions=campaign.show_suggestions,
        ordering=campaign.ordering,
        lease_seconds=campaign.lease_seconds,
        created_by=campaign.created_by,
        created_at=as_utc(campaign.created_at),
        closed_at=as_utc(campaign.closed_at) if campaign.closed_at else None,
        schemas=tuple(SchemaTarget(*target) for target in targets),
        traces=traces,
        items=items,
    )


def _apply(campaign: Campaign, settings: CampaignSettings) -> None:
    values = settings.fields()
    values["deadline"] = values.pop("due")
    values["ordering"] = Ordering(values["ordering"]).value
    for name, value in values.items():
        setattr(campaign, name, value)


def _settings_of(campaign: Campaign) -> CampaignSettings:
    """The settings `_apply` wrote to the campaign."""
    return CampaignSettings(
        name=campaign.name,
        overlap=campaign.overlap,
        adaptive=campaign.adaptive,
        max_overlap=campaign.max_overlap,
        priority=campaign.priority,
        due=campaign.deadline,
        instructions=campaign.instructions,
        blind=campaign.blind,
        show_suggestions=campaign.show_suggestions,
        ordering=Ordering(campaign.ordering),
        lease_seconds=campaign.lease_seconds,
    )


def create_campaign(
    session: Session,
    *,
    settings: CampaignSettings,
    by: Actor,
    schemas: tuple[SchemaTarget, ...] = (),
    traces: TraceSelection | None = None,
) -> CampaignView:
    """A new open campaign with its schemas and traces, and so its items; names are unique.
    Its creator, if a user, becomes its lead."""
    by.require(Permission.MANAGE, "creating a campaign")
    checked = settings.checked()
    campaign = Campaign(name=checked.name, created_by=by.name)
    _apply(campaign, checked)
    add_unique(session, campaign, f"campaign {checked.name!r} already exists")
    assert campaign.id is not None
    _link_schemas(session, campaign.id, schemas)
    # Its dashboard: empty until a decision asks for the first snapshot.
    session.add(DashboardSnapshot(campaign_id=campaign.id))
    creator = session.exec(select(User.id).where(User.username == by.name)).first()
    if creator is not None:
        session.add(Membership(campaign_id=campaign.id, user_id=creator, role=UserRole.LEAD))
    trace_ids = select_traces(session, traces or TraceSelection(), actor=by.name)
    created = add_items(session, campaign, trace_ids)
    record(
        session,
        by,
        "create",
        campaign.id,
        name=campaign.name,
        overlap=campaign.overlap,
        schemas=[target.schema for target in schemas],
        traces=len(trace_ids),
        items=created,
    )
    return _view(session, campaign)


def _link_schemas(session: Session, campaign_id: int, targets: tuple[SchemaTarget, ...]) -> None:
    names = [target.schema for target in targets]
    if len(set(names)) != len(names):
        raise InvalidInput("a campaign names each label schema once")
    found = dict(
        session.exec(
            select(LabelSchema.name, LabelSchema.id).where(col(LabelSchema.name).in_(names))
        ).all()
    )
    unknown = [name for name in names if name not in found]
    if unknown:
        raise InvalidInput(f"no such label schemas: {', '.join(unknown[:10])}")
    session.add_all(
        CampaignSchema(
            campaign_id=campaign_id,
            schema_id=found[target.schema],
            span_name=target.span_name or None,
            span_type=target.span_type or None,
        )
        for target in targets
    )
    session.flush()


def update_campaign(
    session: Session, *, campaign_id: int, changes: dict, by: Actor
) -> CampaignView:
    """Change a campaign's settings; overlap and adaptive hold for the items it has."""
    campaign = require_lead(session, by, campaign_id)
    current = _settings_of(campaign)
    fixed = {"overlap", "adaptive", "max_overlap"} & set(changes)
    if fixed:
        raise InvalidInput(f"{', '.join(sorted(fixed))} cannot change once items exist")
    unknown = set(changes) - set(current.fields())
    if unknown:
        raise InvalidInput(f"unknown campaign settings: {', '.join(sorted(unknown))}")
    checked = replace(current, **changes).checked()
    if checked == current.checked():
        return _view(session, campaign)  # nothing changes: no audit entry either
    if checked.name != campaign.name:
        taken = session.exec(select(Campaign.id).where(Campaign.name == checked.name)).first()
        if taken is not None:
            raise InvalidInput(f"campaign {checked.name!r} already exists")
    _apply(campaign, checked)
    session.add(campaign)
    record(session, by, "update", campaign_id, changed=sorted(changes))
    session.flush()
    return _view(session, campaign)


def add_traces(
    session: Session, *, campaign_id: int, traces: TraceSelection, by: Actor
) -> tuple[int, int]:
    """Add traces to an open campaign: (traces selected, new items)."""
    campaign = require_lead(session, by, campaign_id)
    if campaign.status != OPEN_STATUS:
        raise Conflict(f"campaign {campaign_id} is closed")
    trace_ids = select_traces(session, traces, actor=by.name)
    created = add_items(session, campaign, trace_ids)
    record(session, by, "add_traces", campaign_id, traces=len(trace_ids), items=created)
    return len(trace_ids), created


def close_campaign(session: Session, *, campaign_id: int, by: Actor) -> CampaignView:
    """Stop a campaign's claims: no claim is taken or renewed from now on, and proposals for
    its traces go to their campaign-free items; submitted work stays and is decided."""
    campaign = require_lead(session, by, campaign_id)
    if campaign.status != CLOSED_STATUS:
        campaign.status, campaign.closed_at = CLOSED_STATUS, utcnow()
        session.add(campaign)
        record(session, by, "close", campaign_id)
        session.flush()
    return _view(session, campaign)


def get_campaign(session: Session, *, campaign_id: int, by: Actor) -> CampaignView:
    """One campaign, for its members and admins."""
    return _view(session, require_member(session, by, campaign_id))


def list_campaigns(session: Session, *, by: Actor) -> list[CampaignView]:
    """The campaigns `by` may see (an admin: every one; anyone else: their own), oldest first."""
    statement = select(Campaign).order_by(col(Campaign.id))
    if not by.may(Permission.ADMIN):
        statement = statement.where(col(Campaign.id).in_(campaign_ids_of(session, by.name)))
    found = session.exec(statement).all()
    sizes = _sizes(session, [campaign.id for campaign in found if campaign.id is not None])
    return [_view(session, campaign, sizes[campaign.id or 0]) for campaign in found]
