"""Concurrent writers on a real database: the unique indexes and row locks keep the invariants."""

from concurrent.futures import ThreadPoolExecutor

from sqlmodel import Session, func, select

from tests.factories import LIMITS, human, trace_json
from workflow import assessments, traces
from workflow.identity.access import trusted
from workflow.kernel.db import unit_of_work
from workflow.models import Assessment, Item, ProposalRevision, Role


def register(engine) -> str:
    payload = trace_json()
    with unit_of_work(engine) as session:
        traces.register_traces(session, payloads=[payload], actor="test")
    return payload["info"]["trace_id"]


def submit(engine, trace_id: str, annotator: str, value: str) -> str:
    with unit_of_work(engine) as session:
        view = assessments.log_assessment(
            session,
            trace_id=trace_id,
            draft=human("expected_answer", value, annotator),
            by=trusted(annotator),
            limits=LIMITS,
        )
    return view.assessment_id


def test_one_annotator_racing_with_itself_keeps_one_proposal_and_every_revision(committed):
    trace_id = register(committed)
    with ThreadPoolExecutor(max_workers=8) as pool:
        ids = list(pool.map(lambda i: submit(committed, trace_id, "a@x", f"v{i}"), range(20)))
    assert len(set(ids)) == 1
    with Session(committed) as session:
        proposal = session.get(Assessment, ids[0])
        revisions = session.exec(
            select(ProposalRevision.revision).where(ProposalRevision.assessment_id == ids[0])
        ).all()
    assert sorted(revisions) == list(range(1, 21))
    assert proposal.revision == 20


def test_many_annotators_at_once_share_one_item(committed):
    trace_id = register(committed)
    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(lambda i: submit(committed, trace_id, f"ann{i}@x", "Paris"), range(16)))
    with Session(committed) as session:
        items = session.exec(select(func.count()).select_from(Item)).one()
        live = session.exec(select(func.count()).where(Assessment.role == Role.PROPOSAL)).one()
    assert (items, live) == (1, 16)


def test_every_task_twice_and_twenty_promotions_at_once_change_nothing_more(committed):
    from workflow import review
    from workflow.items import pipeline
    from workflow.models import Decision, Notification

    trace_id = register(committed)
    for annotator in ("a@x", "b@x", "c@x"):
        submit(committed, trace_id, annotator, "Paris")
    with Session(committed) as session:
        item_id = session.exec(select(Item.id)).one()
    for _ in range(2):
        with unit_of_work(committed) as session:
            pipeline.evaluate(session, item_id=item_id)
        with unit_of_work(committed) as session:
            review.route(session, item_id=item_id)  # not disputed: a no-op, twice

    def promote(_):
        with unit_of_work(committed) as session:
            return pipeline.promote(session, item_id=item_id)

    with ThreadPoolExecutor(max_workers=20) as pool:
        outcomes = list(pool.map(promote, range(20)))
    assert set(outcomes) == {"promoted"}
    with Session(committed) as session:
        canonical = session.exec(
            select(func.count()).where(Assessment.role == Role.CANONICAL)
        ).one()
        decisions = session.exec(select(func.count()).select_from(Decision)).one()
        notices = session.exec(
            select(func.count()).where(Notification.event == "item.promoted")
        ).one()
    assert (canonical, decisions, notices) == (1, 1, 1)
