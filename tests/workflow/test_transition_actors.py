"""Each move of an item is audited as its real actor: the pipeline's, or the committee's."""

from sqlmodel import Session, col, select

from tests.factories import disputed_item, proposal_of, run_outbox, vote
from tests.workflow.test_review import COMMITTEE, trace_id
from workflow.models import AuditEntry

__all__ = ["trace_id"]  # the fixture, used by name


def transitions(session: Session, item_id: int) -> list[tuple[str, str, list | None]]:
    rows = session.exec(
        select(AuditEntry)
        .where(AuditEntry.action == "item.transition", AuditEntry.subject_id == str(item_id))
        .order_by(col(AuditEntry.id))
    )
    return [(row.actor, row.details["target"], row.details.get("voters")) for row in rows]


def test_a_committee_resolution_is_audited_as_the_committees_with_its_voters(session, trace_id):
    item_id = disputed_item(session, trace_id)
    paris = proposal_of(session, item_id, "a@x")
    for reviewer in COMMITTEE[:2]:
        vote(session, item_id, reviewer, "proposal", assessment_id=paris)
    run_outbox(session)
    assert transitions(session, item_id) == [
        ("quorum:pipeline", "evaluating", None),
        ("quorum:pipeline", "disputed", None),
        ("quorum:pipeline", "in_review", None),
        ("quorum:committee", "resolved", COMMITTEE[:2]),
        ("quorum:pipeline", "promoted", None),
    ]
