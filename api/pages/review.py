"""The reviewer's pages: the disputed items assigned to me, and the desk where I read one
item's proposals and the engine's breakdown and cast my vote."""

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from api.deps import LimitsDep, RowId, SessionDep
from api.pages.items import Filter, campaign_filter, next_page
from api.pages.sessions import FormFields, FormPage, Page, PageSession
from api.pages.site import render
from workflow import review
from workflow.consensus import LabelSchemaSpec
from workflow.identity.access import Permission
from workflow.kernel.errors import Conflict, Forbidden, InvalidInput
from workflow.kernel.states import ItemState
from workflow.queue import form_values
from workflow.review.quorum_rule import Choice

router = APIRouter(include_in_schema=False)

QUEUE_SIZE = 50
MAX_COMMENT_CHARS = 4000


def _reviewer(page: PageSession) -> None:
    page.actor.require(Permission.REVIEW, "reviewing")


@router.get("/review", response_class=HTMLResponse)
def review_queue(
    request: Request,
    session: SessionDep,
    page: Page,
    voted: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
    campaign_id: Filter = "",
    name: Filter = "",
    after: Filter = "",
) -> Any:
    """The items in review whose current round I sit on, oldest first, by campaign or label,
    a page at a time."""
    _reviewer(page)
    queued = review.reviewer_queue(
        session,
        reviewer_id=page.actor.name,
        limit=QUEUE_SIZE,
        campaign_id=campaign_filter(campaign_id),
        name=name or None,
        after=after or None,
    )
    filters = {"campaign_id": campaign_id, "name": name}
    return render(
        request,
        "review_queue.html",
        page,
        queued=queued,
        voted=voted,
        filters=filters,
        following=next_page("/review", filters, queued.next_page_token),
    )


def _desk_page(
    request: Request,
    page: PageSession,
    desk: review.ReviewDesk,
    *,
    typed: dict[str, list[str]] | None = None,
    status: int = 200,
    **context: Any,
) -> Any:
    """The desk; `typed`, a corrected value sent back (refused), fills its form as it was.
    Otherwise a structured value's form starts from the fields the engine found settled."""
    spec = LabelSchemaSpec.from_dict(desk.schema)
    settled = (desk.review.evaluation or {}).get("consensus")
    if typed is None and isinstance(settled, dict):
        typed = form_values.typed_from_value(spec, settled)
    return render(
        request,
        "review_item.html",
        page,
        status=status,
        desk=desk,
        field=form_values.form_fields(spec, typed or {}),
        **context,
    )


@router.get("/review/items/{item_id}", response_class=HTMLResponse)
def review_item(
    request: Request,
    item_id: RowId,
    session: SessionDep,
    page: Page,
    voted: Annotated[bool, Query()] = False,
) -> Any:
    """One item at my desk: the trace, the proposals side by side, the engine's breakdown,
    and the forms to vote; a decided item sends me to its history."""
    _reviewer(page)
    status = review.item_status(session, item_id=item_id, by=page.actor)
    if status.state != ItemState.IN_REVIEW:
        return RedirectResponse(f"/items/{item_id}/history", status_code=303)
    desk = review.review_desk(session, item_id=item_id, reviewer_id=page.actor.name)
    return _desk_page(request, page, desk, voted=voted)


def _request(fields: dict[str, list[str]], desk: review.ReviewDesk) -> review.VoteRequest:
    """The vote the form asks for: a proposal, a corrected value, or an abstention."""
    comment = (fields.get("comment") or [""])[0].replace("\r\n", "\n").strip() or None
    if comment is not None and len(comment) > MAX_COMMENT_CHARS:
        raise InvalidInput(f"a comment is at most {MAX_COMMENT_CHARS} characters")
    chosen = (fields.get("vote") or [""])[0]
    if chosen == Choice.VALUE:
        value = form_values.value_from_form(LabelSchemaSpec.from_dict(desk.schema), fields)
        return review.VoteRequest(Choice.VALUE, value=value, comment=comment)
    if chosen == Choice.ABSTAIN:
        return review.VoteRequest(Choice.ABSTAIN, comment=comment)
    assessment_id = chosen.removeprefix(f"{Choice.PROPOSAL}:")
    if assessment_id == chosen or not assessment_id:
        raise InvalidInput("choose a proposal, write a corrected value, or abstain")
    return review.VoteRequest(Choice.PROPOSAL, assessment_id=assessment_id, comment=comment)


@router.post("/review/items/{item_id}/vote", response_class=HTMLResponse)
def vote(
    request: Request,
    item_id: RowId,
    session: SessionDep,
    page: FormPage,
    fields: FormFields,
    limits: LimitsDep,
) -> Any:
    """Cast (or change) my vote; a refused one (400, 409) shows the desk again as typed, with
    the reason, and nothing is stored."""
    _reviewer(page)
    desk = review.review_desk(session, item_id=item_id, reviewer_id=page.actor.name)
    try:
        asked = _request(fields, desk)
        with session.begin_nested():  # a refusal half-way leaves nothing behind
            review.cast_vote(
                session,
                item_id=item_id,
                reviewer_id=page.actor.name,
                request=asked,
                limits=limits,
            )
    except (InvalidInput, Conflict, Forbidden) as exc:
        code = 400 if isinstance(exc, InvalidInput) else 409 if isinstance(exc, Conflict) else 403
        typed = fields if (fields.get("vote") or [""])[0] == Choice.VALUE else None
        return _desk_page(request, page, desk, typed=typed, status=code, error=str(exc))
    return RedirectResponse(f"/review/items/{item_id}?voted=true", status_code=303)
