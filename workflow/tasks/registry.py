"""The task registry: every outbox task declared once, with what runs it and how many of its
messages one delivery may carry. Celery, the in-process worker and the relay read it."""

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import partial
from typing import Any

from sqlmodel import Session

from workflow import dashboard, mail, review, webhooks
from workflow.items import pipeline
from workflow.kernel.settings import Settings
from workflow.kernel.task_names import TaskName


@dataclass(frozen=True, slots=True)
class Task:
    """One kind of background work: `run(session, **payload)` does one message's work;
    `together(session, payloads)`, where set, does many messages' in one transaction, and
    `coalesce` says how many messages a delivery may carry then."""

    name: str
    run: Callable[..., Any]
    together: Callable[[Session, list[dict[str, Any]]], Any] | None = None
    coalesce: int = 1


def _evaluate_together(
    session: Session, payloads: list[dict[str, Any]], *, default_overlap: int
) -> None:
    pipeline.evaluate_many(
        session, item_ids=[p["item_id"] for p in payloads], default_overlap=default_overlap
    )


def _noting(run: Callable[..., Any]) -> Callable[..., Any]:
    """`run`, then ask for the dashboards of its items' campaigns, which it may have decided."""

    def noted(session: Session, **payload: Any) -> Any:
        result = run(session, **payload)
        ids = payload["item_ids"] if "item_ids" in payload else [payload["item_id"]]
        dashboard.note_decisions(session, item_ids=ids)
        return result

    return noted


def _noting_together(
    together: Callable[[Session, list[dict[str, Any]]], Any],
) -> Callable[[Session, list[dict[str, Any]]], Any]:
    def noted(session: Session, payloads: list[dict[str, Any]]) -> Any:
        result = together(session, payloads)
        dashboard.note_decisions(session, item_ids=[p["item_id"] for p in payloads])
        return result

    return noted


def _deliver(session: Session, *, settings: Settings) -> dict[str, int]:
    passed = webhooks.deliver(session, settings=settings)
    return {"fanned_out": passed.fanned_out, "attempted": passed.attempted}


def _mail(session: Session, *, settings: Settings, compose: mail.Composer) -> dict[str, int]:
    passed = mail.deliver(session, settings=settings, compose=compose)
    return {"noticed": passed.noticed, "attempted": passed.attempted}


def tasks(settings: Settings, *, compose: mail.Composer) -> dict[str, Task]:
    """The tasks, by name, bound to these settings and to the edge's wording of emails."""
    overlap = settings.default_overlap
    declared = (
        Task(
            TaskName.EVALUATE_ITEM,
            _noting(partial(pipeline.evaluate, default_overlap=overlap)),
            together=_noting_together(partial(_evaluate_together, default_overlap=overlap)),
            # One publish, one Celery delivery and one set-based evaluation serve them all:
            # Celery's own cost, a publish and a delivery, was a third of an evaluation's.
            coalesce=50,
        ),
        Task(
            TaskName.EVALUATE_ITEMS,
            _noting(partial(pipeline.evaluate_many, default_overlap=overlap)),
        ),
        Task(TaskName.ROUTE_ITEM, review.route),
        Task(TaskName.RESOLVE_ITEM, _noting(review.resolve)),
        Task(TaskName.PROMOTE_ITEM, pipeline.promote),
        Task(TaskName.SNAPSHOT_CAMPAIGN, dashboard.snapshot),
        Task(
            TaskName.DELIVER_WEBHOOKS,
            partial(_deliver, settings=settings),
            # Wake-ups carry nothing: any number of them is one pass.
            together=lambda session, _payloads: _deliver(session, settings=settings),
            coalesce=100,
        ),
        Task(
            TaskName.DELIVER_EMAILS,
            partial(_mail, settings=settings, compose=compose),
            together=lambda session, _payloads: _mail(session, settings=settings, compose=compose),
            coalesce=100,
        ),
    )
    return {task.name: task for task in declared}


def coalescing(registry: Mapping[str, Task]) -> dict[str, int]:
    """How many messages a delivery of each task may carry, for the tasks that share one."""
    return {name: task.coalesce for name, task in registry.items() if task.coalesce > 1}
