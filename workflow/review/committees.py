"""Committees: who sits on which (a campaign's, a label schema's, or the default one), and how
each decides."""

from sqlalchemy import delete
from sqlmodel import Session, col, select

from workflow import audit
from workflow.identity.access import Permission
from workflow.identity.users import actor_of
from workflow.kernel.errors import InvalidInput
from workflow.models import (
    Campaign,
    CampaignSchema,
    CommitteeMember,
    CommitteeRule,
    Item,
    LabelSchema,
    User,
)
from workflow.models.base import utcnow
from workflow.models.review import CAMPAIGN_SCOPE, DEFAULT_SCOPE, scope_campaign
from workflow.review import unstaffed
from workflow.review.quorum_rule import STRICT_MAJORITY, QuorumRule, Rule


def committee(session: Session, scope: str) -> list[str]:
    """The reviewers on a scope's committee (`campaign:<id>`, a label schema's name, or
    "default")."""
    statement = select(CommitteeMember.reviewer_id).where(CommitteeMember.scope == scope)
    return sorted(session.exec(statement).all())


def campaign_reviewers(session: Session, campaign_id: int) -> set[str]:
    """Everyone on a committee that reviews some of the campaign's items."""
    scopes = campaign_scopes(session, campaign_id)
    members = select(CommitteeMember.reviewer_id).where(col(CommitteeMember.scope).in_(scopes))
    return set(session.exec(members).all())


def campaign_scopes(session: Session, campaign_id: int) -> list[str]:
    """The committees that review the campaign's items: its own if it has members, else each
    of its schemas' committees, or the default one for a schema without."""
    own = campaign_scope(campaign_id)
    if committee(session, own):
        return [own]
    names = session.exec(
        select(LabelSchema.name)
        .join(CampaignSchema, col(CampaignSchema.schema_id) == LabelSchema.id)
        .where(CampaignSchema.campaign_id == campaign_id)
    ).all()
    staffed = set(
        session.exec(
            select(CommitteeMember.scope)
            .where(col(CommitteeMember.scope).in_([*names, DEFAULT_SCOPE]))
            .distinct()
        ).all()
    )
    scopes = sorted(set(names) & staffed)
    if any(name not in staffed for name in names):
        scopes.append(DEFAULT_SCOPE)
    return scopes


def campaign_scope(campaign_id: int) -> str:
    """The scope of a campaign's own committee."""
    return f"{CAMPAIGN_SCOPE}{campaign_id}"


def rule_of(session: Session, scope: str) -> QuorumRule:
    """A committee's quorum rule: strict majority of its members unless it was given one."""
    row = session.get(CommitteeRule, scope)
    if row is None:
        return STRICT_MAJORITY
    return QuorumRule(
        Rule(row.rule), row.min_votes, row.chair, row.deadline_seconds, row.hide_annotators
    )


def set_committee(
    session: Session,
    *,
    scope: str,
    members: list[str],
    actor: str,
    rule: QuorumRule = STRICT_MAJORITY,
) -> list[str]:
    """Replace a committee: its members and its rule (a chair, if any, is one of them).
    Rounds already routed keep their reviewers."""
    cleaned = sorted({m.strip() for m in members if m.strip()})
    _check_reviewers(session, cleaned)
    _check_rule(session, scope, rule, cleaned)
    session.exec(delete(CommitteeMember).where(col(CommitteeMember.scope) == scope))
    session.add_all(CommitteeMember(scope=scope, reviewer_id=m) for m in cleaned)
    stored = session.get(CommitteeRule, scope) or CommitteeRule(scope=scope, rule=rule.rule)
    stored.rule, stored.min_votes, stored.chair = rule.rule, rule.min_votes, rule.chair
    stored.deadline_seconds = rule.deadline_seconds
    stored.hide_annotators = rule.hide_annotators
    stored.updated_at = utcnow()
    session.add(stored)
    session.flush()
    # Disputes that reached review before this committee had members are routed to it now.
    unstaffed.staff_waiting(session, scope=scope)
    audit.record(
        session,
        actor=actor,
        action="committee.set",
        subject_type="committee",
        subject_id=scope,
        members=cleaned,
        rule=rule.rule.value,
        min_votes=rule.min_votes,
        chair=rule.chair,
        deadline_seconds=rule.deadline_seconds,
        hide_annotators=rule.hide_annotators,
    )
    return cleaned


def _check_rule(session: Session, scope: str, rule: QuorumRule, members: list[str]) -> None:
    if scope.startswith(CAMPAIGN_SCOPE):
        campaign_id = scope_campaign(scope)
        if campaign_id is None or session.get(Campaign, campaign_id) is None:
            raise InvalidInput(f"no campaign for the committee scope {scope!r}")
    if rule.min_votes < 1:
        raise InvalidInput("min_votes is at least 1")
    if rule.deadline_seconds is not None and rule.deadline_seconds < 60:
        raise InvalidInput("a review deadline is at least a minute")
    if rule.chair is not None and rule.chair not in members:
        raise InvalidInput(f"the chair {rule.chair!r} is not a member of the committee")
    if rule.rule is Rule.CHAIR_BREAKS_TIES and rule.chair is None:
        raise InvalidInput("chair_breaks_ties needs a chair")


def _check_reviewers(session: Session, names: list[str]) -> None:
    """Every member must be a user who may review: an annotator never sits on a committee."""
    found = session.exec(select(User).where(col(User.username).in_(names))).all()
    reviewers = {u.username for u in found if Permission.REVIEW in actor_of(u).permissions}
    strangers = [name for name in names if name not in reviewers]
    if strangers:
        raise InvalidInput(f"not users who may review: {', '.join(strangers[:10])}")


def scope_for(session: Session, item: Item) -> str:
    """The committee that reviews the item: its campaign's if that has members, else its
    label schema's, else the default one."""
    scopes = [item.name, DEFAULT_SCOPE]
    if item.campaign_id is not None:
        scopes.insert(0, campaign_scope(item.campaign_id))
    staffed = set(
        session.exec(
            select(CommitteeMember.scope).where(col(CommitteeMember.scope).in_(scopes))
        ).all()
    )
    return next((scope for scope in scopes if scope in staffed), DEFAULT_SCOPE)
