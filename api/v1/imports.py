"""Bulk import of existing annotations: HUMAN expectations as a JSON list or as JSON lines."""

import json
from typing import Any

from fastapi import APIRouter, Request
from pydantic import TypeAdapter, ValidationError
from starlette.concurrency import run_in_threadpool

from api.auth import Importer
from api.deps import LimitsDep, SessionDep, SettingsDep
from api.v1.schemas import ImportReport
from api.wire import assessments as wire
from api.wire.schemas import AssessmentIn
from workflow import imports
from workflow.kernel.errors import InvalidInput, QuorumError

router = APIRouter(prefix="/api/v1/imports", tags=["imports"])

IMPORT_PATH = "/api/v1/imports/expectations"
_JSON_LINES = ("application/x-ndjson", "application/jsonl", "application/json-lines")
_ENTRY = TypeAdapter(AssessmentIn)
_BODY_DOC = {
    "requestBody": {
        "required": True,
        "description": "MLflow assessments (each with its trace_id): a JSON list, or one per "
        "line with Content-Type application/x-ndjson.",
        "content": {
            "application/json": {"schema": {"type": "array", "items": {"type": "object"}}},
            "application/x-ndjson": {"schema": {"type": "string"}},
        },
    }
}


def _documents(body: bytes, content_type: str) -> list[Any]:
    """The body's JSON documents: the items of a JSON list, or one per non-empty line."""
    try:
        if content_type.split(";")[0].strip().lower() in _JSON_LINES:
            lines = body.decode().splitlines()
            return [json.loads(line) for line in lines if line.strip()]
        documents = json.loads(body)
    except (ValueError, RecursionError) as exc:
        raise InvalidInput(f"the body is not valid JSON: {exc}") from None
    if not isinstance(documents, list):
        raise InvalidInput("the body must be a JSON list of assessments (or JSON lines)")
    return documents


def _entry(index: int, document: Any) -> tuple[str, Any]:
    """(trace id, draft) of one document; a refusal names the entry."""
    try:
        assessment = _ENTRY.validate_python(document)
        if not assessment.trace_id:
            raise InvalidInput("trace_id is required")
        return assessment.trace_id, wire.to_draft(assessment, trace_id=assessment.trace_id)
    except ValidationError as exc:
        detail = exc.errors()[0]
        where = ".".join(str(part) for part in detail["loc"])
        raise InvalidInput(f"entry {index}: {where or 'entry'}: {detail['msg']}") from None
    except QuorumError as exc:
        raise InvalidInput(f"entry {index}: {exc}") from None


@router.post("/expectations", openapi_extra=_BODY_DOC)
async def import_expectations(
    request: Request,
    session: SessionDep,
    limits: LimitsDep,
    settings: SettingsDep,
    by: Importer,
) -> ImportReport:
    """Record many HUMAN expectations as if each were logged by `log_expectation`, in order;
    the whole batch is refused (nothing written) if any entry is. Needs the import permission."""
    documents = _documents(await request.body(), request.headers.get("content-type", ""))
    if len(documents) > settings.max_import_entries:
        raise InvalidInput(f"at most {settings.max_import_entries} entries per import")
    entries = [_entry(index, document) for index, document in enumerate(documents)]
    result = await run_in_threadpool(
        imports.import_proposals,
        session,
        entries=entries,
        actor=by.name,
        limits=limits,
        default_overlap=settings.default_overlap,
    )
    return ImportReport(
        imported=len(entries),
        created=result.created,
        edited=result.edited,
        items=result.items,
        evaluations_queued=result.evaluations,
    )
