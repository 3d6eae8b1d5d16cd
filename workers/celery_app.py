"""The Celery app: at-least-once delivery over Redis, one thin task per outbox task name."""

from typing import Any

from celery import Celery
from celery.signals import worker_process_init
from sqlalchemy.exc import OperationalError

from workers.handlers import TaskRunner
from workflow import outbox
from workflow.db import make_engine
from workflow.errors import Conflict
from workflow.settings import get_settings


def make_celery(broker_url: str) -> Celery:
    """A Celery app configured for at-least-once delivery: a task runs to its end or again."""
    app = Celery("quorum", broker=broker_url)
    app.conf.update(
        task_acks_late=True,  # acknowledge after the task ran, not when it was received
        task_reject_on_worker_lost=True,  # a killed child's task goes back to the queue
        worker_prefetch_multiplier=1,
        task_serializer="json",
        accept_content=["json"],
        result_backend=None,
        task_ignore_result=True,
        task_time_limit=60,
        task_soft_time_limit=50,
        # Redis redelivers unacknowledged messages after this; it must exceed the time limit.
        broker_transport_options={"visibility_timeout": 300},
        task_publish_retry=True,
        broker_connection_retry_on_startup=True,
    )
    return app


celery = make_celery(get_settings().broker_url or "redis://127.0.0.1:6379/0")
_runner: TaskRunner | None = None


def runner() -> TaskRunner:
    """This process's task runner, built on first use (after fork, never before)."""
    global _runner
    if _runner is None:
        settings = get_settings()
        _runner = TaskRunner(make_engine(settings.database_url), settings)
    return _runner


@worker_process_init.connect
def _fresh_pool_after_fork(**_kwargs: Any) -> None:
    # Connections inherited from the parent must not be shared across processes.
    global _runner
    if _runner is not None:
        _runner.engine.dispose(close=False)
    _runner = None


@celery.task(
    name=outbox.EVALUATE_ITEM,
    autoretry_for=(Conflict, OperationalError),  # lost a compare-and-set, or the database blinked
    max_retries=5,
    retry_backoff=True,
)
def evaluate_item(message_id: int, **payload: Any) -> bool:
    """Thin: run the outbox message; the domain does the work."""
    return runner().run(message_id, outbox.EVALUATE_ITEM, payload)


class CeleryPublisher:
    """Publishes outbox messages as Celery tasks over the broker."""

    def __init__(self, app: Celery) -> None:
        self._app = app

    def publish(self, message_id: int, task: str, payload: dict[str, Any]) -> None:
        """Send the task; raises when the broker cannot be reached (the row then stays pending)."""
        self._app.send_task(
            task,
            kwargs={"message_id": message_id, **payload},
            retry=True,
            retry_policy={"max_retries": 1, "interval_start": 0, "interval_step": 0.2},
        )
