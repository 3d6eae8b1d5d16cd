"""Read-only figures for the overview page: items per state and the latest traces."""

from dataclasses import dataclass

from sqlmodel import Session, col, func, select

from workflow.models import Assessment, Item, Role, Trace


@dataclass(frozen=True)
class Summary:
    """What the overview shows."""

    traces: int
    items_by_state: dict[str, int]
    canonical: int
    recent_traces: tuple[str, ...]


def summary(session: Session, *, recent: int = 20) -> Summary:
    """Counts in three small aggregate queries plus the latest trace ids."""
    by_state = dict(session.exec(select(Item.state, func.count()).group_by(Item.state)).all())
    canonical = session.exec(
        select(func.count()).where(Assessment.role == Role.CANONICAL, col(Assessment.valid))
    ).one()
    recent_ids = session.exec(
        select(Trace.trace_id).order_by(col(Trace.created_at).desc()).limit(recent)
    ).all()
    return Summary(
        traces=session.exec(select(func.count()).select_from(Trace)).one(),
        items_by_state=by_state,
        canonical=canonical,
        recent_traces=tuple(recent_ids),
    )
