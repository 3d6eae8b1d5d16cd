"""Health: whether the database answers, and how much outbox work is waiting."""

from typing import Any

from fastapi import APIRouter
from sqlmodel import col, func, select

from api.deps import SessionDep
from workflow.models import OutboxMessage

router = APIRouter(tags=["health"])


@router.get("/health")
def health(session: SessionDep) -> dict[str, Any]:
    """Liveness and the outbox backlog (rows not yet completed by a worker)."""
    pending = session.exec(
        select(func.count()).where(col(OutboxMessage.completed_at).is_(None))
    ).one()
    return {"status": "ok", "outbox_pending": pending}
