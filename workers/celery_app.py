"""The Celery app: at-least-once delivery over Redis, one thin task per outbox task name."""

from collections.abc import Sequence
from typing import Any

import redis
from celery import Celery
from celery.signals import worker_process_init
from sqlalchemy.exc import OperationalError

from workers import letters
from workflow import outbox
from workflow.kernel.db import autocommit, make_engine, unit_of_work
from workflow.kernel.errors import Conflict
from workflow.kernel.settings import Settings, get_settings
from workflow.tasks.reconcile import reconcile
from workflow.tasks.registry import coalescing, tasks
from workflow.tasks.runner import TaskRunner

RECONCILE = "quorum.reconcile"


def make_celery(broker_url: str, settings: Settings | None = None) -> Celery:
    """A Celery app configured for at-least-once delivery: a task runs to its end or again."""
    settings = settings or get_settings()
    app = Celery("quorum", broker=broker_url)
    app.conf.update(
        task_acks_late=True,  # acknowledge after the task ran, not when it was received
        task_reject_on_worker_lost=True,  # a killed child's task goes back to the queue
        worker_prefetch_multiplier=1,
        task_serializer="json",
        accept_content=["json"],
        task_ignore_result=True,
        task_time_limit=settings.task_time_limit,
        task_soft_time_limit=max(1, settings.task_time_limit - 5),
        # Redis redelivers an unacknowledged message after this; it exceeds the time limit
        # (Settings refuses anything else), so a slow task is never run twice at once.
        # kombu looks for such messages only every interval x throttle seconds (10 x 10 by
        # default): sweep every tenth of the timeout instead, so a message of a killed worker
        # is back within about 1.1 visibility timeouts.
        broker_transport_options={
            "visibility_timeout": settings.visibility_timeout,
            "unacked_restore_interval": max(1, settings.visibility_timeout // 10),
            "unacked_restore_throttle": 1,
        },
        broker_connection_timeout=2,
        broker_connection_retry_on_startup=True,
        task_publish_retry=True,
        worker_cancel_long_running_tasks_on_connection_loss=True,
        beat_schedule={
            RECONCILE: {"task": RECONCILE, "schedule": settings.reconcile_interval},
        },
    )
    return app


_settings = get_settings()
celery = make_celery(_settings.broker_url or "redis://127.0.0.1:6379/0", _settings)
_runner: TaskRunner | None = None


class CeleryPublisher:
    """Publishes outbox messages as Celery tasks over the broker."""

    def __init__(self, app: Celery) -> None:
        self._app = app

    def depth(self) -> int | None:
        """Messages waiting in the broker's default queue; None when it cannot be reached."""
        client = redis.Redis.from_url(self._app.conf.broker_url, socket_timeout=1)
        try:
            return client.llen(self._app.conf.task_default_queue)
        except redis.RedisError:
            return None
        finally:
            client.close()

    def publish(self, task: str, messages: Sequence[outbox.Pending]) -> None:
        """Send one task carrying the messages (their ids and payloads); raises when the broker
        cannot be reached (the rows then stay pending)."""
        self._app.send_task(
            task,
            kwargs={"messages": [[message.id, message.payload] for message in messages]},
            retry=True,
            retry_policy={"max_retries": 1, "interval_start": 0, "interval_step": 0.2},
        )


def runner() -> TaskRunner:
    """This process's task runner, built on first use (after fork, never before)."""
    global _runner
    if _runner is None:
        engine = make_engine(_settings.database_url, pool_size=2)
        _runner = TaskRunner(engine, _settings, compose=letters.compose)
        publisher = CeleryPublisher(celery)

        coalesce = coalescing(_runner.tasks)

        def publish_follow_ups() -> None:
            with autocommit(engine) as session:
                outbox.publish_pending(session, publisher, coalesce=coalesce)

        # A task's follow-up work leaves as soon as the task commits, without waiting for a
        # relay in another process.
        outbox.wake_on_commit(engine, publish_follow_ups)
    return _runner


@worker_process_init.connect
def _fresh_pool_after_fork(**_kwargs: Any) -> None:
    # Connections inherited from the parent must not be shared across processes.
    global _runner
    if _runner is not None:
        _runner.engine.dispose(close=False)
    _runner = None


def _outbox_task(name: str) -> None:
    @celery.task(
        name=name,
        # Lost a compare-and-set, or the database blinked: try again soon. Short waits only:
        # long delays live in the database (the reconciler), never as ETAs in Redis.
        autoretry_for=(Conflict, OperationalError),
        max_retries=3,
        retry_backoff=1,
        retry_backoff_max=4,
    )
    def run(messages: list[list[Any]]) -> int:
        return runner().run_delivery(name, [(m_id, payload) for m_id, payload in messages])


for _name in tasks(_settings, compose=letters.compose):
    _outbox_task(_name)


@celery.task(name=RECONCILE)
def reconcile_task() -> dict[str, int]:
    """Beat's periodic pass; publishes what it re-queued before returning its report."""
    with unit_of_work(runner().engine) as session:
        report = reconcile(
            session,
            redeliver_after=_settings.redeliver_after,
            stuck_after=_settings.stuck_after,
            max_attempts=_settings.max_attempts,
        )
    return report.to_dict()
