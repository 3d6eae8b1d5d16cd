"""The outbox on a real database: publishing, failed publishes, counted deliveries."""

import pytest
from sqlmodel import Session

from workers.handlers import TaskRunner
from workflow import outbox
from workflow.db import unit_of_work
from workflow.models import OutboxMessage
from workflow.settings import Settings


class Down:
    def publish(self, message_id, task, payload):
        raise ConnectionError("broker unreachable")


class Recording:
    def __init__(self):
        self.sent = []

    def publish(self, message_id, task, payload):
        self.sent.append((message_id, task, payload))


def test_messages_leave_in_order_and_are_marked(session):
    first = outbox.enqueue(session, outbox.EVALUATE_ITEM, item_id=1)
    second = outbox.enqueue(session, outbox.ROUTE_ITEM, item_id=2)
    publisher = Recording()
    assert outbox.publish_pending(session, publisher) == 2
    assert publisher.sent == [
        (first, "quorum.item.evaluate", {"item_id": 1}),
        (second, "quorum.item.route", {"item_id": 2}),
    ]
    assert session.get_one(OutboxMessage, first).published_at is not None
    assert outbox.publish_pending(session, publisher) == 0


def test_a_broker_outage_keeps_messages_pending_and_costs_no_delivery(session):
    message_id = outbox.enqueue(session, outbox.EVALUATE_ITEM, item_id=1)
    for _ in range(10):
        assert outbox.publish_pending(session, Down()) == 0
    message = session.get_one(OutboxMessage, message_id)
    assert (message.published_at, message.attempts) == (None, 0)
    assert "broker unreachable" in message.last_error


def test_a_message_delivered_too_often_is_dead_lettered(committed):
    runner = TaskRunner(committed, Settings(environment="test", max_attempts=2))
    runner.handlers["boom"] = lambda session, **_: 1 / 0
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
