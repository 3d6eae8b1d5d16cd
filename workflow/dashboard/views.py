"""Reading a campaign's dashboard: who may, and the frozen view the pages and the API show."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session

from workflow.campaigns.membership import campaign_row, require_lead, role_in
from workflow.dashboard.freshness import ask
from workflow.identity.access import Actor, Permission, UserRole
from workflow.kernel.errors import Forbidden, NotFound
from workflow.models import DashboardSnapshot
from workflow.models.base import as_utc
from workflow.review import campaign_reviewers
from workflow.review.identities import campaign_masker, names_in


@dataclass(frozen=True, slots=True)
class DashboardView:
    """A campaign's last snapshot: its figures (a JSON document), when it was computed and
    whether newer decisions are waiting for the next one."""

    campaign_id: int
    campaign_name: str
    computed_at: datetime | None
    stale: bool
    took_seconds: float
    figures: dict[str, Any]
    may_refresh: bool

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe form."""
        return {
            "campaign_id": self.campaign_id,
            "campaign": self.campaign_name,
            "computed_at": self.computed_at.isoformat() if self.computed_at else None,
            "stale": self.stale,
            "took_seconds": self.took_seconds,
            "figures": self.figures,
        }


def dashboard(session: Session, *, campaign_id: int, by: Actor) -> DashboardView:
    """The campaign's dashboard, for its leads, its reviewers and admins."""
    campaign = campaign_row(session, campaign_id)
    role = _require_viewer(session, by, campaign_id)
    row = session.get(DashboardSnapshot, campaign_id)
    figures = dict(row.figures) if row else {}
    masker = campaign_masker(session, campaign_id, by, names_in(figures))
    assert campaign.id is not None
    return DashboardView(
        campaign_id=campaign.id,
        campaign_name=campaign.name,
        computed_at=as_utc(row.computed_at) if row and row.computed_at else None,
        stale=row is None or row.stale_since is not None,
        took_seconds=row.took_seconds if row else 0.0,
        figures=_in_pseudonym_order(masker.view(figures)) if masker.hides else figures,
        may_refresh=by.may(Permission.ADMIN) or role == UserRole.LEAD,
    )


def refresh(session: Session, *, campaign_id: int, by: Actor) -> bool:
    """Ask for a snapshot now, for a lead who will not wait for the next decision; False when
    one is on its way already."""
    require_lead(session, by, campaign_id)
    return bool(ask(session, [campaign_id]))


def _in_pseudonym_order(figures: dict[str, Any]) -> dict[str, Any]:
    """Figures whose annotators are pseudonyms, listed in the pseudonyms' order: the order of
    the names they replace would tell who is who."""
    schemas = []
    for schema in figures.get("schemas", []):
        schema = dict(schema)
        if "reliability" in schema:
            schema["reliability"] = sorted(schema["reliability"], key=lambda r: r["annotator"])
        if "kappa" in schema:
            kappa = schema["kappa"]
            order = sorted(range(len(kappa["raters"])), key=lambda i: kappa["raters"][i])
            schema["kappa"] = {
                "raters": [kappa["raters"][i] for i in order],
                **{
                    key: [[kappa[key][i][j] for j in order] for i in order]
                    for key in ("values", "shared_units")
                },
            }
        schemas.append(schema)
    return {**figures, "schemas": schemas}


def _require_viewer(session: Session, by: Actor, campaign_id: int) -> str | None:
    """The viewer's campaign role; refused unless a lead, a reviewer of it or an admin."""
    role = role_in(session, campaign_id, by.name)
    if by.may(Permission.ADMIN):
        return role
    if role == UserRole.LEAD and by.may(Permission.MANAGE):
        return role
    if by.may(Permission.REVIEW) and (
        role == UserRole.REVIEWER or by.name in campaign_reviewers(session, campaign_id)
    ):
        return role
    if role is None:
        raise NotFound(f"no campaign {campaign_id}")
    raise Forbidden("a campaign's dashboard is for its leads, its reviewers and admins")
