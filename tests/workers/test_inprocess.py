"""The embedded worker: work handed to a process that stopped is done by the next one."""

from sqlmodel import Session, select, update

from tests.api.conftest import LiveServer
from tests.factories import LIMITS, human, trace_json
from workflow import assessments, traces
from workflow.identity.access import trusted
from workflow.kernel.db import unit_of_work
from workflow.models import Item, OutboxMessage
from workflow.models.base import utcnow


def test_work_published_to_a_stopped_process_runs_after_restart(committed):
    payload = trace_json()
    trace_id = payload["info"]["trace_id"]
    with unit_of_work(committed) as session:
        traces.register_traces(session, payloads=[payload], actor="test")
        for annotator in ("a@x", "b@x", "c@x"):
            draft = human("expected_answer", "Paris", annotator)
            assessments.log_assessment(
                session, trace_id=trace_id, draft=draft, by=trusted(annotator), limits=LIMITS
            )
        # Handed to an in-process queue that died with its process: published, never completed.
        session.exec(update(OutboxMessage).values(published_at=utcnow()))
    with LiveServer(committed) as live:
        live.drain()
    with Session(committed) as session:
        completed = session.exec(select(OutboxMessage.completed_at)).all()
        state = session.exec(select(Item.state)).one()
    assert len(completed) == 1 and all(completed)  # the evaluation at quota, which promotes
    assert state == "promoted"
