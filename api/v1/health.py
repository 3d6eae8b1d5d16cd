"""Health: whether the database answers, the queue's depth and the outbox backlog."""

from fastapi import APIRouter, Request

from api.deps import SessionDep
from api.runtime import runtime
from api.v1.schemas import HealthPublic
from workflow.items.overview import backlog
from workflow.review import unstaffed

router = APIRouter(tags=["health"])


@router.get("/health")
def health(request: Request, session: SessionDep) -> HealthPublic:
    """Liveness, queue depth, the oldest unfinished outbox row, the last reconcile, and the
    disputes no committee can take yet."""
    state = backlog(session)
    return HealthPublic(
        status="ok",
        queue_depth=runtime(request).queue_depth(),
        outbox_pending=state.pending,
        oldest_pending_age_s=state.oldest_pending_age_s,
        dead_lettered=state.dead_lettered,
        last_reconcile_at=state.last_reconcile_at,
        unstaffed_disputes=unstaffed.count(session),
    )
