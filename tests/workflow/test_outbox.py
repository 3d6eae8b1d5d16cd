"""The outbox on a real database: publishing, failed publishes, counted deliveries."""

import pytest
from sqlmodel import Session, col, delete, func, select

from tests.factories import propose, trace_json
from workers import letters
from workflow import outbox, traces
from workflow.kernel.db import unit_of_work
from workflow.kernel.errors import NotFound
from workflow.kernel.settings import Settings
from workflow.kernel.task_names import TaskName
from workflow.models import (
    Assessment,
    AuditEntry,
    Decision,
    Item,
    Notification,
    OutboxMessage,
    Role,
)
from workflow.tasks.registry import Task, coalescing, tasks
from workflow.tasks.runner import TaskRunner

COALESCE = coalescing(tasks(Settings(environment="test"), compose=letters.compose))


class Down:
    def publish(self, task, messages):
        raise ConnectionError("broker unreachable")


class Recording:
    def __init__(self):
        self.sent = []

    def publish(self, task, messages):
        self.sent += [(message.id, task, message.payload) for message in messages]


def test_messages_leave_in_order_and_are_marked(session):
    first = outbox.enqueue(session, TaskName.EVALUATE_ITEM, item_id=1)
    second = outbox.enqueue(session, TaskName.ROUTE_ITEM, item_id=2)
    publisher = Recording()
    assert outbox.publish_pending(session, publisher, coalesce=COALESCE) == 2
    assert publisher.sent == [
        (first, "quorum.item.evaluate", {"item_id": 1}),
        (second, "quorum.item.route", {"item_id": 2}),
    ]
    assert session.get_one(OutboxMessage, first).published_at is not None
    assert outbox.publish_pending(session, publisher, coalesce=COALESCE) == 0


def test_a_broker_outage_keeps_messages_pending_and_costs_no_delivery(session):
    message_id = outbox.enqueue(session, TaskName.EVALUATE_ITEM, item_id=1)
    for _ in range(10):
        assert outbox.publish_pending(session, Down(), coalesce=COALESCE) == 0
    message = session.get_one(OutboxMessage, message_id)
    assert (message.published_at, message.attempts) == (None, 0)
    assert "broker unreachable" in message.last_error


def test_a_message_delivered_too_often_is_dead_lettered(committed):
    runner = TaskRunner(
        committed, Settings(environment="test", max_attempts=2), compose=letters.compose
    )
    runner.tasks["boom"] = Task("boom", lambda session, **_: 1 / 0)
    with unit_of_work(committed) as session:
        message_id = outbox.enqueue(session, "boom")
    for _ in range(2):
        with pytest.raises(ZeroDivisionError):
            runner.run(message_id, "boom", {})
    assert runner.run(message_id, "boom", {}) is False
    with Session(committed) as session:
        message = session.get(OutboxMessage, message_id)
    assert (message.attempts, message.completed_at is None) == (3, True)
    assert message.dead_at is not None


def pending(message_id: int, task: str) -> outbox.Pending:
    return outbox.Pending(message_id, task, {"item_id": message_id})


def test_evaluations_share_deliveries_up_to_the_limit_and_other_tasks_travel_alone():
    limit = COALESCE[TaskName.EVALUATE_ITEM]
    evaluations = [pending(i, TaskName.EVALUATE_ITEM) for i in range(1, limit + 3)]
    routes = [pending(1000, TaskName.ROUTE_ITEM), pending(1001, TaskName.ROUTE_ITEM)]
    grouped = outbox.deliveries([evaluations[0], *routes, *evaluations[1:]], COALESCE)
    assert [(task, [m.id for m in messages]) for task, messages in grouped] == [
        (TaskName.EVALUATE_ITEM, list(range(1, limit + 1))),
        (TaskName.ROUTE_ITEM, [1000]),
        (TaskName.ROUTE_ITEM, [1001]),
        (TaskName.EVALUATE_ITEM, [limit + 1, limit + 2]),
    ]


def agreed_items(engine, count: int) -> list[int]:
    """Items with three agreeing proposals each, their evaluations not run."""
    item_ids = []
    with unit_of_work(engine) as session:
        for _ in range(count):
            payload = trace_json()
            traces.register_traces(session, payloads=[payload], actor="test")
            for annotator in ("a@x", "b@x", "c@x"):
                item_id = propose(session, payload["info"]["trace_id"], annotator, "Paris")
            item_ids.append(item_id)
    return item_ids


def evaluations_of(engine, item_ids: list[int]) -> list[tuple[int, dict]]:
    """An evaluation message for each item, enqueued and committed (not published)."""
    with unit_of_work(engine) as session:
        return [
            (outbox.enqueue(session, TaskName.EVALUATE_ITEM, item_id=i), {"item_id": i})
            for i in item_ids
        ]


def test_a_delivery_runs_its_evaluations_together_and_a_poison_one_alone(committed):
    runner = TaskRunner(committed, Settings(environment="test"), compose=letters.compose)
    item_ids = agreed_items(committed, 3)
    with unit_of_work(committed) as session:
        session.exec(delete(OutboxMessage))  # the proposals' own evaluations: sent below
    # The last names no item: it fails every time.
    messages = evaluations_of(committed, [*item_ids, 10**6])
    with pytest.raises(NotFound):
        runner.run_delivery(TaskName.EVALUATE_ITEM, messages)
    with Session(committed) as session:
        states = [session.get_one(Item, item_id).state for item_id in item_ids]
        poison = session.get_one(OutboxMessage, messages[-1][0])
        finished = col(OutboxMessage.completed_at).is_not(None)
        done = session.exec(select(func.count()).where(finished))
        assert states == ["promoted"] * 3
        assert (poison.completed_at, poison.attempts) == (None, 1)
        assert "NotFound" in poison.last_error
        assert done.one() == 3
    # Delivered again: the three done ones neither run nor count; the poison one counts again.
    with pytest.raises(NotFound):
        runner.run_delivery(TaskName.EVALUATE_ITEM, messages)
    with Session(committed) as session:
        attempts = [session.get_one(OutboxMessage, m).attempts for m, _ in messages]
        assert attempts == [1, 1, 1, 2]
        assert session.exec(select(func.count()).select_from(Decision)).one() == 3


def test_evaluations_delivered_together_write_what_one_at_a_time_would(committed):
    runner = TaskRunner(committed, Settings(environment="test"), compose=letters.compose)
    item_ids = agreed_items(committed, 4)
    with unit_of_work(committed) as session:
        session.exec(delete(OutboxMessage))
    assert runner.run_delivery(TaskName.EVALUATE_ITEM, evaluations_of(committed, item_ids[:3])) == 3
    [(message_id, payload)] = evaluations_of(committed, item_ids[3:])  # after: it runs alone
    assert runner.run(message_id, TaskName.EVALUATE_ITEM, payload) is True
    with Session(committed) as session:
        for item_id in item_ids:
            steps = session.exec(
                select(AuditEntry.details)
                .where(AuditEntry.subject_type == "item", AuditEntry.subject_id == str(item_id))
                .order_by(col(AuditEntry.id))
            ).all()
            assert [step["event"] for step in steps] == ["quota_reached", "agree", "promote"]
            canonical = session.exec(
                select(Assessment).where(
                    Assessment.item_id == item_id, Assessment.role == Role.CANONICAL
                )
            ).one()
            assert (canonical.value, canonical.valid) == ("Paris", True)
        notes = session.exec(select(Notification.item_id).order_by(col(Notification.item_id)))
        assert list(notes) == sorted(item_ids)


class Crash(BaseException):
    """A worker process dying mid-task: nothing after it in the process runs."""


def test_a_redelivered_group_counts_each_message_only_when_it_starts(committed):
    runner = TaskRunner(committed, Settings(environment="test"), compose=letters.compose)

    def run(session, *, kills: bool = False) -> None:
        if kills:
            raise Crash

    runner.tasks["chunk"] = Task(
        "chunk", run, together=lambda session, payloads: [run(session, **p) for p in payloads]
    )
    with unit_of_work(committed) as session:
        messages = [
            (outbox.enqueue(session, "chunk", **payload), payload)
            for payload in ({}, {"kills": True}, {}, {})
        ]
    for _ in range(3):  # the first delivery runs them together; the others one at a time
        with pytest.raises(Crash):
            runner.run_delivery("chunk", messages)
    with Session(committed) as session:
        rows = [session.get_one(OutboxMessage, m) for m, _ in messages]
        # Counted once together, then the first finished alone and the killer was counted
        # again each time; the two behind it were never reached again, so never counted.
        assert [row.attempts for row in rows] == [2, 3, 1, 1]
        assert [row.completed_at is not None for row in rows] == [True, False, False, False]


def test_a_delivery_takes_along_the_evaluations_nobody_started(committed):
    runner = TaskRunner(committed, Settings(environment="test"), compose=letters.compose)
    item_ids = agreed_items(committed, 3)
    with unit_of_work(committed) as session:
        session.exec(delete(OutboxMessage))
    first, second = evaluations_of(committed, item_ids[:2])
    with unit_of_work(committed) as session:
        outbox.publish_pending(
            session, Recording(), coalesce=COALESCE
        )  # both on their way to a worker
    [third] = evaluations_of(committed, item_ids[2:])  # committed, not yet published
    assert runner.run_delivery(TaskName.EVALUATE_ITEM, [first]) == 3
    with Session(committed) as session:
        assert [session.get_one(Item, i).state for i in item_ids] == ["promoted"] * 3
        rows = [session.get_one(OutboxMessage, m) for m, _ in (first, second, third)]
        assert [(row.attempts, row.completed_at is not None) for row in rows] == [(1, True)] * 3
        assert rows[2].published_at is not None  # taken: the relay leaves it be
    with unit_of_work(committed) as session:
        assert outbox.publish_pending(session, Recording(), coalesce=COALESCE) == 0
    # The second message's own delivery arrives later: nothing runs, nothing is counted.
    assert runner.run_delivery(TaskName.EVALUATE_ITEM, [second]) == 0
    with Session(committed) as session:
        assert session.get_one(OutboxMessage, second[0]).attempts == 1
        assert session.exec(select(func.count()).select_from(Decision)).one() == 3


@pytest.mark.parametrize("started", ["delivered", "waiting"])
def test_nothing_started_elsewhere_is_taken_and_a_redelivery_takes_nothing(committed, started):
    runner = TaskRunner(committed, Settings(environment="test"), compose=letters.compose)
    item_ids = agreed_items(committed, 2)
    with unit_of_work(committed) as session:
        session.exec(delete(OutboxMessage))
    delivered, waiting = evaluations_of(committed, item_ids)
    # One of them was started by a delivery that did not finish (a crash, or still running).
    started_id = delivered[0] if started == "delivered" else waiting[0]
    with unit_of_work(committed) as session:
        session.get_one(OutboxMessage, started_id).attempts = 1
    assert runner.run_delivery(TaskName.EVALUATE_ITEM, [delivered]) == 1
    with Session(committed) as session:
        other = session.get_one(OutboxMessage, waiting[0])
        assert (other.attempts, other.completed_at) == (int(started == "waiting"), None)
        states = [session.get_one(Item, i).state for i in item_ids]
        assert states[0] == "promoted" and states[1] != "promoted"
