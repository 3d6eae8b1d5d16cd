"""Hidden annotator identities: which readers see annotators under pseudonyms, the pseudonyms
(stable within a campaign, derived with a secret so nobody can recompute them from a list of
names), and masking a view's names."""

import hashlib
import hmac
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, fields, is_dataclass, replace
from typing import Any

from sqlalchemy import and_, exists, false, or_, true
from sqlmodel import Session, col, select

from workflow.identity.access import Actor, UserRole
from workflow.identity.instance import instance_secret
from workflow.items.live import live_where
from workflow.kernel.states import ItemState
from workflow.models import (
    Assessment,
    CommitteeRule,
    Item,
    ReviewAssignment,
    User,
)
from workflow.review.committees import campaign_scope, campaign_scopes, scope_for

SECRET = "pseudonyms"
PREFIX = "annotator-"
# The keys and fields that hold people's names in views, decision records and figures.
NAME_KEYS = frozenset(
    {"annotator", "annotators", "annotator_id", "actor", "outliers", "supporters", "raters"}
)
# The keys that hold what people wrote (a value, its consensus): never searched for names, so
# a structured value with a field called "annotator" stays as written.
VALUE_KEYS = frozenset({"value", "values", "consensus", "element", "settled", "rationale"})
# Who is never an annotator: reviewers, leads and admins are shown by name to each other.
_STAFF = (UserRole.REVIEWER, UserRole.LEAD, UserRole.ADMIN)


@dataclass(frozen=True, slots=True)
class Masker:
    """The names a reader sees in place of others': `aliases` maps a name to its pseudonym;
    names it does not hold are shown as they are."""

    aliases: Mapping[str, str]

    @property
    def hides(self) -> bool:
        """Whether any name is shown under a pseudonym."""
        return bool(self.aliases)

    def name(self, name: str) -> str:
        """The name as this reader sees it."""
        return self.aliases.get(name, name)

    def view(self, found: Any) -> Any:
        """`found` (a frozen view, or JSON) with every name under a name key masked."""
        return _walk(found, self.name, named=False) if self.aliases else found


OPEN = Masker({})


def names_in(found: Any) -> set[str]:
    """Every name under a name key of `found`."""
    seen: set[str] = set()

    def note(name: str) -> str:
        seen.add(name)
        return name

    _walk(found, note, named=False)
    return seen


def _walk(found: Any, rename: Callable[[str], str], *, named: bool) -> Any:
    """`found` rebuilt with `rename` applied to each name it holds (a string, or a mapping's
    key, under a name key)."""
    if isinstance(found, str):
        return rename(found) if named else found
    if is_dataclass(found) and not isinstance(found, type):
        changes = {
            f.name: _walk(getattr(found, f.name), rename, named=f.name in NAME_KEYS)
            for f in fields(found)
            if f.name not in VALUE_KEYS
        }
        return replace(found, **changes)
    if isinstance(found, Mapping):
        return {
            (rename(k) if named else k): v
            if k in VALUE_KEYS and not named
            else _walk(v, rename, named=named or k in NAME_KEYS)
            for k, v in found.items()
        }
    if isinstance(found, (list, tuple)):
        walked = [_walk(v, rename, named=named) for v in found]
        return tuple(walked) if isinstance(found, tuple) else walked
    return found


def pseudonym(secret: str, key: str, name: str) -> str:
    """The pseudonym of `name` within `key` (a campaign, or a committee outside campaigns)."""
    digest = hmac.new(secret.encode(), f"{key}\0{name}".encode(), hashlib.sha256).hexdigest()
    return PREFIX + digest[:8]


def pseudonym_key(item: Item) -> str:
    """What an item's pseudonyms are stable within: its campaign, so that the dashboard and
    every desk of the campaign name an annotator alike; else its committee."""
    if item.campaign_id is not None:
        return campaign_scope(item.campaign_id)
    return item.review_scope or item.name


def hides(session: Session, scopes: Iterable[str]) -> bool:
    """Whether any of these committees hides annotators from its reviewers."""
    statement = select(CommitteeRule.scope).where(
        col(CommitteeRule.scope).in_(list(scopes)), col(CommitteeRule.hide_annotators)
    )
    return session.exec(statement.limit(1)).first() is not None


def hidden_from(session: Session, item: Item, by: Actor) -> bool:
    """Whether `by` sees the item's annotators under pseudonyms: its committee hides them and
    `by` is not one who sees all proposals (a lead, an importer, an admin)."""
    scope = item.review_scope or scope_for(session, item)
    return not by.sees_all_proposals and hides(session, [scope])


def item_masker(session: Session, item: Item, by: Actor, names: Iterable[str]) -> Masker:
    """How `by` sees the names on an item: pseudonyms for everyone but staff and Quorum
    itself, when they are hidden from `by`."""
    if not hidden_from(session, item, by):
        return OPEN
    return _masker(session, pseudonym_key(item), names)


def campaign_masker(session: Session, campaign_id: int, by: Actor, names: Iterable[str]) -> Masker:
    """How `by` sees annotators on a campaign's dashboard: pseudonyms when a committee that
    reviews the campaign hides them and `by` is not one who sees all proposals."""
    if by.sees_all_proposals or not hides(session, campaign_scopes(session, campaign_id)):
        return OPEN
    return _masker(session, campaign_scope(campaign_id), names)


def _masker(session: Session, key: str, names: Iterable[str]) -> Masker:
    wanted = {n for n in names if n and not n.startswith("quorum:")}
    staff = session.exec(
        select(User.username).where(
            col(User.username).in_(wanted), col(User.role).in_([r.value for r in _STAFF])
        )
    ).all()
    secret = instance_secret(session, SECRET)
    return Masker({n: pseudonym(secret, key, n) for n in sorted(wanted - set(staff))})


def proposed_by(session: Session, *, by: Actor, reviewer_id: str, shown: str) -> Any:
    """The condition on items that `shown` proposed on, as `by` names annotators in the
    reviewer's queue: by name where they see names, by pseudonym where they are hidden from
    `by` (the pseudonyms of the queue's proposers are worked out here, as SQL cannot)."""
    proposals = Assessment.__table__.c

    def proposer(name: str) -> Any:
        mine = (proposals.item_id == Item.id) & (proposals.source_id == name)
        return exists().where(*live_where(mine))

    if by.sees_all_proposals:
        return proposer(shown)
    hidden = exists().where(
        CommitteeRule.scope == Item.review_scope, col(CommitteeRule.hide_annotators)
    )
    secret = instance_secret(session, SECRET) if shown.startswith(PREFIX) else None
    matches = []
    if secret is not None:
        candidates = session.execute(
            select(Item.campaign_id, Item.review_scope, proposals.source_id)
            .join(
                ReviewAssignment,
                (col(ReviewAssignment.item_id) == col(Item.id))
                & (col(ReviewAssignment.review_round) == col(Item.review_round)),
            )
            .join(Assessment.__table__, proposals.item_id == Item.id)
            .where(ReviewAssignment.reviewer_id == reviewer_id, Item.state == ItemState.IN_REVIEW)
            .where(hidden, *live_where(true()))
            .distinct()
        ).all()
        for campaign_id, scope, name in candidates:
            key = campaign_scope(campaign_id) if campaign_id is not None else scope or ""
            if pseudonym(secret, key, name) == shown:
                place = (
                    Item.campaign_id == campaign_id if campaign_id else Item.review_scope == scope
                )
                matches.append(and_(place, proposer(name)))
    return or_(and_(~hidden, proposer(shown)), and_(hidden, or_(false(), *matches)))
