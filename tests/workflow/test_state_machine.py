"""A Hypothesis state machine over the whole pipeline: submits, edits, retries, duplicate and
crashing deliveries, committee votes and reconciles never break Quorum's invariants."""

from collections import Counter

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule
from sqlmodel import Session, col, select

from tests.backends import wipe
from tests.factories import LIMITS, RETRIEVER_SPAN, human, reviewers, trace_json
from workers import letters
from workflow import assessments, outbox, review, traces
from workflow.identity.access import trusted
from workflow.kernel.db import unit_of_work
from workflow.kernel.errors import QuorumError
from workflow.kernel.settings import Settings
from workflow.kernel.states import TRANSITIONS, ItemState
from workflow.kernel.task_names import TaskName
from workflow.models import Assessment, AuditEntry, Item, OutboxMessage, Role
from workflow.review.quorum_rule import Choice
from workflow.tasks.reconcile import reconcile
from workflow.tasks.runner import TaskRunner

TRACE = "tr-5b1e0000000000000000000000000001"
KEYS = [("expected_answer", ""), ("expected_answer", RETRIEVER_SPAN), ("verdict", "")]
RESTING = {ItemState.COLLECTING, ItemState.REOPENED, ItemState.IN_REVIEW, ItemState.PROMOTED}
LEGAL = {(source.value, target.value) for (source, _), target in TRANSITIONS.items()}


class Crash(Exception):
    """A worker dying after its task's work, before the commit."""


def pipeline_machine(engine):
    runner = TaskRunner(
        engine, Settings(environment="test", max_attempts=10_000), compose=letters.compose
    )

    class Pipeline(RuleBasedStateMachine):
        @initialize()
        def fresh_database(self):
            wipe(engine)
            self.expected: dict[tuple[str, str, str], str] = {}
            with unit_of_work(engine) as session:
                traces.register_traces(session, payloads=[trace_json(TRACE)], actor="test")
                members = reviewers(session, "r1", "r2", "r3")
                review.set_committee(session, scope="default", members=members, actor="test")

        @rule(
            key=st.sampled_from(KEYS),
            annotator=st.sampled_from(["a", "b", "c", "d"]),
            value=st.sampled_from(["Paris", "paris", "Lyon"]),
            retries=st.integers(min_value=1, max_value=2),
        )
        def submit(self, key, annotator, value, retries):
            name, span = key
            for _ in range(retries):  # a client retrying the same request
                with unit_of_work(engine) as session:
                    assessments.log_assessment(
                        session,
                        trace_id=TRACE,
                        by=trusted(annotator),
                        limits=LIMITS,
                        draft=human(name, value, annotator, span_id=span or None),
                    )
            self.expected[(name, span, annotator)] = value

        @rule(key=st.sampled_from(KEYS), annotator=st.sampled_from(["a", "b", "c", "d"]))
        def withdraw(self, key, annotator):
            name, span = key
            with unit_of_work(engine) as session:
                row = session.exec(_proposal(name, span, annotator)).first()
                if row is None:
                    return
                assessments.delete_assessment(
                    session, trace_id=TRACE, assessment_id=row.assessment_id, by=trusted(annotator)
                )
            del self.expected[(name, span, annotator)]

        @rule(data=st.data(), duplicate=st.booleans(), crash=st.booleans())
        def deliver(self, data, duplicate, crash):
            with Session(engine) as session:
                pending = session.exec(_unfinished()).all()
            if not pending:
                return
            message = data.draw(st.sampled_from(pending))
            if crash:
                self._crash(message)
                return
            for _ in range(2 if duplicate else 1):
                runner.run(message.id, message.task, message.payload)

        @rule(duplicate=st.booleans())
        def deliver_evaluations_together(self, duplicate):
            """What a relay round sends: every pending evaluation in one delivery."""
            with Session(engine) as session:
                pending = [
                    m for m in session.exec(_unfinished()) if m.task == TaskName.EVALUATE_ITEM
                ]
            together = [(message.id, message.payload) for message in pending]
            for _ in range(2 if duplicate else 1):
                runner.run_delivery(TaskName.EVALUATE_ITEM, together)

        def _crash(self, message):
            try:
                if runner._admit([message.id]):
                    with unit_of_work(engine) as session:
                        outbox.mark_completed(session, message.id)
                        runner.tasks[message.task].run(session, **message.payload)
                        raise Crash
            except Crash:
                pass

        @rule(data=st.data(), reviewer=st.sampled_from(["r1", "r2", "r3"]))
        def vote(self, data, reviewer):
            with Session(engine) as session:
                in_review = session.exec(select(Item).where(Item.state == "in_review")).all()
                if not in_review:
                    return
                item = data.draw(st.sampled_from(in_review))
                values = sorted({p.value for p in session.exec(_live(item.id))})
            choice = data.draw(st.sampled_from([*values, None]))
            request = (
                review.VoteRequest(choice=Choice.ABSTAIN)
                if choice is None
                else review.VoteRequest(choice=Choice.VALUE, value=choice)
            )
            try:
                with unit_of_work(engine) as session:
                    review.cast_vote(
                        session,
                        item_id=item.id,
                        reviewer_id=reviewer,
                        request=request,
                        limits=LIMITS,
                    )
            except QuorumError:
                pass  # the item left review in between: a refusal, nothing written

        @rule()
        def reconcile_pass(self):
            with unit_of_work(engine) as session:
                reconcile(session, redeliver_after=0, stuck_after=0, max_attempts=10_000)

        @invariant()
        def invariants_hold(self):
            with Session(engine) as session:
                live = session.exec(
                    select(Assessment).where(col(Assessment.deleted_at).is_(None))
                ).all()
                moves = session.exec(
                    select(AuditEntry.details).where(AuditEntry.action == "item.transition")
                ).all()
            # No proposal lost or invented: the database holds exactly what was accepted.
            proposals = {
                (p.name, p.span_id, p.source_id): p.value for p in live if p.role == Role.PROPOSAL
            }
            assert proposals == self.expected
            # Nothing promoted twice: one valid canonical per key, one canonical per decision.
            canonical = [a for a in live if a.role == Role.CANONICAL]
            assert all(
                n == 1 for n in Counter((c.span_id, c.name) for c in canonical if c.valid).values()
            )
            assert all(n == 1 for n in Counter(c.decision_id for c in canonical).values())
            # Only moves listed in the state table.
            assert {(m["source"], m["target"]) for m in moves} <= LEGAL

        def teardown(self):
            if not hasattr(self, "expected"):
                return
            for _ in range(3):
                self._drain()
                with unit_of_work(engine) as session:
                    reconcile(session, redeliver_after=0, stuck_after=0, max_attempts=10_000)
            self._drain()
            with Session(engine) as session:
                states = {ItemState(s) for s in session.exec(select(Item.state))}
                assert session.exec(_unfinished()).first() is None
            assert states <= RESTING, states

        def _drain(self):
            for _ in range(200):
                with Session(engine) as session:
                    message = session.exec(_unfinished()).first()
                if message is None:
                    return
                runner.run(message.id, message.task, message.payload)
            raise AssertionError("the outbox did not drain")

    return Pipeline


def _unfinished():
    return (
        select(OutboxMessage)
        .where(col(OutboxMessage.completed_at).is_(None), col(OutboxMessage.dead_at).is_(None))
        .order_by(col(OutboxMessage.id))
    )


def _proposal(name, span, annotator):
    return select(Assessment).where(
        Assessment.name == name,
        Assessment.span_id == span,
        Assessment.source_id == annotator,
        Assessment.role == Role.PROPOSAL,
        col(Assessment.deleted_at).is_(None),
    )


def _live(item_id):
    return select(Assessment).where(
        Assessment.item_id == item_id,
        Assessment.role == Role.PROPOSAL,
        col(Assessment.deleted_at).is_(None),
    )


def test_the_pipeline_keeps_its_invariants(committed):
    machine = pipeline_machine(committed)
    machine.TestCase.settings = settings(
        max_examples=200,
        stateful_step_count=20,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    )
    machine.TestCase().runTest()
