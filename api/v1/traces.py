"""Quorum's own trace routes under /api/v1: register MLflow trace JSON, list, read."""

from typing import Annotated, Any

from fastapi import APIRouter, Body, Query, Response

from api.auth import Reader, requires
from api.deps import SessionDep, SettingsDep
from api.v1.schemas import TracePage, TracePublic, TracesRegistered
from api.wire.assessments import rfc3339
from workflow import traces
from workflow.identity.access import Actor, Permission
from workflow.kernel.entities import TraceView
from workflow.kernel.errors import InvalidInput

router = APIRouter(prefix="/api/v1/traces", tags=["traces"])

TraceJson = dict[str, Any]
# Leads register the traces of their campaigns; importers bring traces with their labels.
TraceWriter = Annotated[Actor, requires(Permission.MANAGE, Permission.IMPORT)]


def _trace(view: TraceView) -> TracePublic:
    return TracePublic(
        trace_id=view.trace_id,
        experiment_id=view.experiment_id,
        state=view.state,
        request_time=rfc3339(view.request_time),
        info=view.info,
        spans=[
            {**span.data, "span_id": span.span_id, "parent_span_id": span.parent_span_id}
            for span in view.spans
        ],
    )


@router.post(
    "",
    status_code=201,
    responses={200: {"model": TracesRegistered, "description": "Every trace was there already"}},
)
def register(
    payload: Annotated[TraceJson | list[TraceJson], Body()],
    session: SessionDep,
    by: TraceWriter,
    response: Response,
) -> TracesRegistered:
    """Register one trace or a list, in `Trace.to_dict()` shape; idempotent on trace id."""
    batch = payload if isinstance(payload, list) else [payload]
    result = traces.register_traces(session, payloads=batch, actor=by.name)
    if not result.created:
        response.status_code = 200
    return TracesRegistered.model_validate(result)


@router.get("")
def list_traces(
    session: SessionDep,
    settings: SettingsDep,
    _by: Reader,
    page_token: str | None = None,
    experiment_id: str | None = None,
    max_results: Annotated[int, Query(ge=1)] = 100,
) -> TracePage:
    """Traces a page at a time, without spans."""
    if max_results > settings.max_page_size:
        raise InvalidInput(f"max_results must be at most {settings.max_page_size}")
    page = traces.list_traces(
        session,
        limit=max_results,
        page_token=page_token,
        experiment_id=experiment_id,
    )
    return TracePage(
        traces=[_trace(view) for view in page.items], next_page_token=page.next_page_token
    )


@router.get("/{trace_id}")
def get_trace(trace_id: str, session: SessionDep, _by: Reader) -> TracePublic:
    """One trace with its spans (span ids as 16 hex digits, as the assessment routes use)."""
    return _trace(traces.get_trace(session, trace_id=trace_id))
