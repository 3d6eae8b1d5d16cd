"""The annotator's pages: My work (their campaigns, their own progress, a Start button each)
and the annotate page (one claimed item: its trace, its campaign's instructions, the form its
label schema makes; submit, skip and the lease's heartbeat)."""

from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse

from api.deps import LimitsDep, RowId, SessionDep, SettingsDep
from api.pages.markdown import summary, to_html
from api.pages.sessions import FormFields, FormPage, Page, PageSession
from api.pages.site import render
from workflow import campaigns, queue
from workflow.consensus import LabelSchemaSpec
from workflow.identity.access import Permission
from workflow.kernel.errors import Conflict, InvalidInput
from workflow.queue import form_values
from workflow.queue.task import AnnotationTask, Place, annotation_task, standing

router = APIRouter(include_in_schema=False)

MAX_REASON_CHARS = 4000  # the domain keeps 1000; a longer one is refused with its message


def _annotator(page: PageSession) -> None:
    page.actor.require(Permission.ANNOTATE, "annotating")


@router.get("/work", response_class=HTMLResponse)
def my_work(
    request: Request,
    session: SessionDep,
    page: Page,
    done: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
) -> Any:
    """The campaigns the user annotates in, with their own counts only; `done` names the
    campaign in which nothing is left for them (or which closed)."""
    mine = campaigns.my_work(session, by=page.actor)
    finished = next((c for c in mine if c.campaign_id == done), None)
    return render(
        request,
        "work.html",
        page,
        campaigns=mine,
        summaries={c.campaign_id: summary(c.instructions) for c in mine},
        finished=finished,
        annotates=page.actor.may(Permission.ANNOTATE),
    )


def _onward(session: SessionDep, page: PageSession, campaign_id: int) -> RedirectResponse:
    """To the next item claimed in the campaign, or back to My work saying nothing is left."""
    try:
        claimed = queue.claim_next(session, by=page.actor, campaign_id=campaign_id)
    except Conflict:  # the campaign is closed: nothing is left in it
        claimed = None
    return RedirectResponse(_target(claimed, campaign_id), status_code=303)


def _target(claimed: queue.ClaimView | None, campaign_id: int) -> str:
    return f"/work/items/{claimed.item_id}" if claimed else f"/work?done={campaign_id}"


@router.post("/work/next")
def start(
    session: SessionDep, page: FormPage, campaign_id: Annotated[int, Form(ge=1, le=2**31 - 1)]
) -> Any:
    """Claim the next item of the campaign (or resume the one held there) and open it."""
    _annotator(page)
    return _onward(session, page, campaign_id)


def _annotate_page(
    request: Request,
    page: PageSession,
    task: AnnotationTask,
    *,
    typed: dict[str, list[str]] | None = None,
    status: int = 200,
    **context: Any,
) -> Any:
    """The annotate page; `typed`, a form sent back (refused), fills it as it was sent."""
    spec = LabelSchemaSpec.from_dict(task.schema)
    if typed is None:
        typed = form_values.typed_from_value(spec, task.value) if task.answered else {}
        context.setdefault("rationale", task.rationale or "")
    else:
        context.setdefault("rationale", (typed.get("rationale") or [""])[0])
    return render(
        request,
        "annotate.html",
        page,
        status=status,
        task=task,
        field=form_values.form_fields(spec, typed),
        instructions=to_html(task.instructions),
        **context,
    )


@router.get("/work/items/{item_id}", response_class=HTMLResponse)
def annotate(request: Request, item_id: RowId, session: SessionDep, page: Page) -> Any:
    """One item to annotate, for the annotator holding it (anyone else: 404)."""
    _annotator(page)
    return _annotate_page(request, page, annotation_task(session, by=page.actor, item_id=item_id))


@router.post("/work/items/{item_id}", response_class=HTMLResponse)
def submit(
    request: Request,
    item_id: RowId,
    session: SessionDep,
    page: FormPage,
    fields: FormFields,
    limits: LimitsDep,
    settings: SettingsDep,
) -> Any:
    """Store the form's value as the annotator's proposal and open their next item. A value
    the schema refuses (400) or a place lost to someone else (409) shows the page again, as
    it was typed, with the reason; nothing is stored."""
    _annotator(page)
    task = annotation_task(session, by=page.actor, item_id=item_id, after_lapse=True)
    rationale = (fields.get("rationale") or [""])[0].replace("\r\n", "\n").strip() or None
    try:
        value = form_values.value_from_form(LabelSchemaSpec.from_dict(task.schema), fields)
        # A savepoint: a refusal half-way leaves nothing behind when the request commits.
        with session.begin_nested():
            queue.submit_claim(
                session,
                by=page.actor,
                item_id=item_id,
                value=value,
                rationale=rationale,
                limits=limits,
                default_overlap=settings.default_overlap,
            )
    except (InvalidInput, Conflict) as exc:
        status = 409 if isinstance(exc, Conflict) else 400
        return _annotate_page(request, page, task, typed=fields, status=status, error=str(exc))
    return _onward(session, page, task.campaign_id)


@router.post("/work/items/{item_id}/skip", response_class=HTMLResponse)
def skip(
    request: Request,
    item_id: RowId,
    session: SessionDep,
    page: FormPage,
    reason: Annotated[str, Form(max_length=MAX_REASON_CHARS)] = "",
) -> Any:
    """Pass on the item with a reason, and open the next one. An item already answered, or
    whose claim ended and went to someone else, is no longer theirs to pass on: the next one
    opens all the same."""
    _annotator(page)
    stand = standing(session, by=page.actor, item_id=item_id, after_lapse=True)
    if stand.place in (Place.CLAIMED, Place.LAPSED):
        try:
            queue.skip(session, by=page.actor, item_id=item_id, reason=reason)
        except InvalidInput as exc:
            task = annotation_task(session, by=page.actor, item_id=item_id)
            return _annotate_page(
                request, page, task, status=400, skip_error=str(exc), reason=reason, skip_open=True
            )
    return _onward(session, page, stand.campaign_id)


@router.post("/work/items/{item_id}/heartbeat")
def heartbeat(item_id: RowId, session: SessionDep, page: FormPage) -> JSONResponse:
    """Renew the claim's lease (the annotate page's script calls this while it is open); 409
    with the reason once the claim ended. An answered item's seat needs no renewal."""
    _annotator(page)
    stand = standing(session, by=page.actor, item_id=item_id, after_lapse=True)
    if stand.place in (Place.SUBMITTED, Place.RETURNED):
        return JSONResponse({"submitted": True})
    expires = queue.heartbeat(session, by=page.actor, item_id=item_id)
    return JSONResponse({"lease_expires_at": expires.isoformat()})
