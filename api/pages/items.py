"""The items list page (items by state, name, campaign or trace, newest first, a page at a
time) and an item's history page."""

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from api.deps import RowId, SessionDep, SettingsDep
from api.pages.sessions import Page
from api.pages.site import render
from workflow import campaigns, review
from workflow.items import listing
from workflow.kernel.errors import InvalidInput
from workflow.kernel.states import ItemState

router = APIRouter(include_in_schema=False)

PAGE_SIZE = 50
# The filter form sends every field, empty ones as "": an empty field filters nothing.
Filter = Annotated[str, Query(max_length=256)]


def campaign_filter(field: str) -> int | None:
    """A campaign filter field as typed: its number, or None when left empty."""
    if not field:
        return None
    if not field.isascii() or not field.isdecimal() or len(field) > 9:
        raise InvalidInput(f"campaign {field!r} is not a campaign's number")
    return int(field)


def next_page(path: str, filters: dict[str, str], token: str | None) -> str | None:
    """The link to a list's next page, keeping the filters that were filled; None on the last."""
    if token is None:
        return None
    kept = {key: value for key, value in filters.items() if value}
    return f"{path}?" + urlencode({**kept, "after": token})


@router.get("/items", response_class=HTMLResponse)
def items_page(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    page: Page,
    state: Filter = "",
    name: Filter = "",
    campaign_id: Filter = "",
    trace_id: Filter = "",
    after: Filter = "",
) -> Any:
    """Items newest first, filtered by the form, each linking to its trace."""
    filters = {"state": state, "name": name, "campaign_id": campaign_id, "trace_id": trace_id}
    listed = listing.list_items(
        session,
        by=page.actor,
        limit=min(PAGE_SIZE, settings.max_page_size),
        state=state or None,
        name=name or None,
        campaign_id=campaign_filter(campaign_id),
        trace_id=trace_id or None,
        after=after or None,
    )
    return render(
        request,
        "items.html",
        page,
        items=listed.items,
        filters=filters,
        states=list(ItemState),
        campaigns={c.id: c.name for c in campaigns.list_campaigns(session, by=page.actor)},
        sees_work=page.actor.sees_work,
        following=next_page("/items", filters, listed.next_page_token),
    )


@router.get("/items/{item_id}/history", response_class=HTMLResponse)
def item_history_page(
    request: Request,
    item_id: RowId,
    session: SessionDep,
    page: Page,
    sent_back: Annotated[int | None, Query(ge=0, le=1000)] = None,
) -> Any:
    """An item's whole life as a timeline, oldest first, for those who see others' work;
    `sent_back`, how many annotators the reviewer just sent it back to."""
    history = review.item_history(session, item_id=item_id, by=page.actor)
    return render(request, "item_history.html", page, history=history, sent_back=sent_back)
