"""Every route against every role: each gets exactly what it should, everyone else 401/403, and
a refused request changes nothing. A route missing from the table fails the test."""

import hashlib
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, text
from sqlmodel import SQLModel

from tests.api.conftest import LiveServer
from tests.factories import human, judge, trace_json
from tests.identities import bearer, token_for
from workflow import assessments, campaigns, review, traces, webhooks
from workflow.identity import tokens, users
from workflow.identity.access import actor_for, trusted
from workflow.identity.secrets import csrf_token, digest
from workflow.identity.web_sessions import LIFETIME
from workflow.items import label_schemas, seats
from workflow.kernel.db import unit_of_work
from workflow.kernel.values import ValueLimits
from workflow.mail.unsubscribe import token as unsubscribe_token
from workflow.models import WebSession
from workflow.models.base import utcnow
from workflow.webhooks.addresses import networks


@pytest.fixture(scope="module")
def live_server(engine: Engine) -> Iterator[LiveServer]:
    """The module's server, its reconciler's timed pass held off: the walk takes over a minute,
    and a pass writing its run during a refused request would read as that request's change."""
    with LiveServer(engine, reconcile_interval=3600) as server:
        yield server


# Role → (user name, role, importer?). "anonymous" presents no credential at all.
PEOPLE = {
    "annotator": ("ann", "annotator", False),
    "reviewer": ("rev", "reviewer", False),
    "lead": ("lead", "lead", False),
    "importer": ("loader", "annotator", True),
    "admin": ("boss", "admin", False),
}
ROLES = ["anonymous", *PEOPLE]
SIGNED_IN = set(PEOPLE)
WRITERS = {"annotator", "importer", "admin"}
MLFLOW = ["/api/3.0/mlflow", "/ajax-api/3.0/mlflow"]
VERDICT = {"name": "verdict", "value_type": "categorical", "options": ["yes", "no"]}


@dataclass
class World:
    """What the requests act on: a trace, a disputed item in review, per-role rows."""

    trace_id: str
    item_id: int
    campaign_id: int
    closable: int  # a second campaign, for the close route (the first stays open)
    claimed: dict[str, dict[str, int]]  # per annotating role: its claimed item per use
    hint: str  # an LLM_JUDGE suggestion every reader may see
    own: dict[str, list[str]]  # per writer role, its own proposals: one to edit, then to delete
    spare_tokens: dict[str, list[int]]  # per role, tokens of its own to revoke
    sessions: dict[str, str] = field(default_factory=dict)
    counter: int = 0
    # Campaign items in review, one per (route, role) that may send one back.
    returnable: dict[tuple[str, str], int] = field(default_factory=dict)
    # The campaign lead's webhook endpoint (to loopback, which this server may not send to,
    # so nothing leaves the machine) and a delivery of it.
    webhook: int = 0
    webhook_delivery: int = 0
    # The reviewer's vote-needed email (written to the test's mail folder) and a signed
    # unsubscribe link of theirs.
    email: int = 0
    unsubscribe: str = ""

    def returned(self, route: str, role: str) -> int:
        """The item this role sends back by this route (any, for a refused role)."""
        return self.returnable.get((route, role), self.returnable[(route, "reviewer")])

    def drop(self, role: str) -> str:
        """A proposal of the role's own not deleted yet (the suggestion for refused roles)."""
        own = self.own.get(role)
        return own.pop() if own and len(own) > 1 else self.hint

    def claim(self, role: str, use: str) -> int:
        """The item the role holds a claim on for this use (any item for refused roles)."""
        return self.claimed.get(role, {}).get(use, self.item_id)

    def fresh(self, prefix: str) -> str:
        self.counter += 1
        return f"{prefix}{self.counter}"


Request = Callable[[World, str], tuple[str, dict[str, Any]]]


@dataclass(frozen=True)
class Row:
    """A route, who may use it, and a well-formed request for a given role."""

    method: str
    path: str
    allowed: frozenset[str]
    request: Request
    page: bool = False  # pages authenticate with the session cookie, not a token


def expectation(who: str, name: str) -> dict[str, Any]:
    return {
        "assessment": {
            "assessment_name": name,
            "source": {"source_type": "HUMAN", "source_id": who},
            "expectation": {"value": "Paris"},
        }
    }


def me(role: str) -> str:
    return PEOPLE[role][0] if role in PEOPLE else "nobody"


def webhook_rows() -> list[Row]:
    """The webhook routes: a campaign's lead and admins (the endpoint is the lead's)."""
    hooks = "/api/v1/webhooks"
    owners = frozenset({"lead", "admin"})
    # A public address, registered paused: nothing is ever sent to it.
    made = {"url": "http://93.184.216.34/hook", "paused": True}

    def on(tail: str) -> Request:
        return lambda w, r: (f"{hooks}/{w.webhook}{tail}", {})

    return [
        Row(
            "POST",
            hooks,
            owners,
            lambda w, r: (hooks, {"json": {**made, "campaign_id": w.campaign_id}}),
        ),
        Row("GET", hooks, owners, lambda w, r: (hooks, {})),
        Row("POST", hooks + "/{endpoint_id}/rotate", owners, on("/rotate")),
        Row("POST", hooks + "/{endpoint_id}/pause", owners, on("/pause")),
        Row("POST", hooks + "/{endpoint_id}/resume", owners, on("/resume")),
        Row("POST", hooks + "/{endpoint_id}/test", owners, on("/test")),
        Row("GET", hooks + "/{endpoint_id}/deliveries", owners, on("/deliveries")),
        Row(
            "POST",
            hooks + "/deliveries/{delivery_id}/redeliver",
            owners,
            lambda w, r: (f"{hooks}/deliveries/{w.webhook_delivery}/redeliver", {}),
        ),
    ]


def email_rows() -> list[Row]:
    """The email routes and pages: my preferences for everyone signed in, the emails made for
    admins, and the signed unsubscribe link for whoever holds it, signed in or not."""
    readers, admin = frozenset(SIGNED_IN), frozenset({"admin"})
    mine = {"json": {"modes": {"item.agreed": "digest"}}}
    chosen = {"data": {"item.agreed": "digest", "address": "someone@example.com"}}
    return [
        Row(
            "GET",
            "/api/v1/me/notifications",
            readers,
            lambda w, r: ("/api/v1/me/notifications", {}),
        ),
        Row(
            "PUT",
            "/api/v1/me/notifications",
            readers,
            lambda w, r: ("/api/v1/me/notifications", mine),
        ),
        Row("GET", "/api/v1/emails", admin, lambda w, r: ("/api/v1/emails", {})),
        Row(
            "GET",
            "/api/v1/emails/{email_id}",
            admin,
            lambda w, r: (f"/api/v1/emails/{w.email}", {}),
        ),
        Row(
            "GET",
            "/settings/notifications",
            readers,
            lambda w, r: ("/settings/notifications", {}),
            page=True,
        ),
        Row(
            "POST",
            "/settings/notifications",
            readers,
            lambda w, r: ("/settings/notifications", chosen),
            page=True,
        ),
        Row(
            "GET",
            "/email/unsubscribe/{signed}",
            frozenset(ROLES),
            lambda w, r: (f"/email/unsubscribe/{w.unsubscribe}", {}),
            page=True,
        ),
        Row(
            "POST",
            "/email/unsubscribe/{signed}",
            frozenset(ROLES),
            lambda w, r: (
                f"/email/unsubscribe/{w.unsubscribe}",
                {"data": {"List-Unsubscribe": "One-Click"}},
            ),
            page=True,
        ),
        Row("GET", "/admin/emails", admin, lambda w, r: ("/admin/emails", {}), page=True),
        Row(
            "GET",
            "/admin/emails/{email_id}",
            admin,
            lambda w, r: (f"/admin/emails/{w.email}", {}),
            page=True,
        ),
        Row(
            "GET",
            "/admin/emails/{email_id}/copy.eml",
            admin,
            lambda w, r: (f"/admin/emails/{w.email}/copy.eml", {}),
            page=True,
        ),
    ]


def webhook_page_rows() -> list[Row]:
    """The webhook pages: a campaign's lead and admins, as the routes."""
    owners = frozenset({"lead", "admin"})
    made = {"url": "http://93.184.216.34/hook", "paused": "true"}
    rows = [
        ("GET", "/webhooks", lambda w, r: ("/webhooks", {})),
        (
            "POST",
            "/webhooks",
            lambda w, r: ("/webhooks", {"data": {**made, "campaign_id": str(w.campaign_id)}}),
        ),
        ("GET", "/webhooks/{endpoint_id}", lambda w, r: (f"/webhooks/{w.webhook}", {})),
        (
            "POST",
            "/webhooks/{endpoint_id}/rotate",
            lambda w, r: (f"/webhooks/{w.webhook}/rotate", {"data": {}}),
        ),
        (
            "POST",
            "/webhooks/{endpoint_id}/{action}",
            lambda w, r: (f"/webhooks/{w.webhook}/test", {"data": {}}),
        ),
        (
            "POST",
            "/webhooks/deliveries/{delivery_id}/redeliver",
            lambda w, r: (f"/webhooks/deliveries/{w.webhook_delivery}/redeliver", {"data": {}}),
        ),
    ]
    return [Row(method, path, owners, request, page=True) for method, path, request in rows]


def mlflow_rows(prefix: str) -> list[Row]:
    assessments_path = prefix + "/traces/{trace_id}/assessments"
    one = assessments_path + "/{assessment_id}"
    readers = frozenset(SIGNED_IN)
    return [
        Row(
            "POST",
            assessments_path,
            frozenset(WRITERS),
            lambda w, r: (
                f"{prefix}/traces/{w.trace_id}/assessments",
                {"json": expectation(me(r), w.fresh("made"))},
            ),
        ),
        Row(
            "GET",
            one,
            readers,
            lambda w, _r: (f"{prefix}/traces/{w.trace_id}/assessments/{w.hint}", {}),
        ),
        Row(
            "PATCH",
            one,
            frozenset(WRITERS),
            lambda w, r: (
                f"{prefix}/traces/{w.trace_id}/assessments/{w.own.get(r, [w.hint])[0]}",
                {
                    "json": {
                        "assessment": {"expectation": {"value": "Lyon"}},
                        "update_mask": "expectation",
                    }
                },
            ),
        ),
        Row(
            "DELETE",
            one,
            frozenset(WRITERS),
            lambda w, r: (
                f"{prefix}/traces/{w.trace_id}/assessments/{w.drop(r)}",
                {},
            ),
        ),
        Row(
            "GET",
            prefix + "/traces/get",
            readers,
            lambda w, _r: (f"{prefix}/traces/get", {"params": {"trace_id": w.trace_id}}),
        ),
        Row(
            "GET",
            prefix + "/traces/{trace_id}",
            readers,
            lambda w, _r: (f"{prefix}/traces/{w.trace_id}", {}),
        ),
    ]


def rows() -> list[Row]:
    everyone, readers = frozenset(ROLES), frozenset(SIGNED_IN)
    admin, leads = frozenset({"admin"}), frozenset({"lead", "admin"})
    v1 = "/api/v1"
    table = [row for prefix in MLFLOW for row in mlflow_rows(prefix)]
    table += [
        Row(
            "POST",
            v1 + "/traces",
            frozenset({"lead", "importer", "admin"}),
            lambda w, r: (v1 + "/traces", {"json": trace_json()}),
        ),
        Row("GET", v1 + "/traces", readers, lambda w, r: (v1 + "/traces", {})),
        Row(
            "GET",
            v1 + "/traces/{trace_id}",
            readers,
            lambda w, r: (f"{v1}/traces/{w.trace_id}", {}),
        ),
        Row(
            "POST",
            v1 + "/imports/expectations",
            frozenset({"importer", "admin"}),
            lambda w, r: (
                v1 + "/imports/expectations",
                {
                    "json": [
                        {
                            **expectation("carol", w.fresh("imported"))["assessment"],
                            "trace_id": w.trace_id,
                        }
                    ]
                },
            ),
        ),
        Row(
            "POST",
            v1 + "/label-schemas",
            frozenset({"lead", "admin"}),
            lambda w, r: (
                v1 + "/label-schemas",
                {"json": {"spec": {"name": w.fresh("schema"), "value_type": "text"}}},
            ),
        ),
        Row("GET", v1 + "/label-schemas", readers, lambda w, r: (v1 + "/label-schemas", {})),
        Row(
            "GET",
            v1 + "/committees/{scope}",
            readers,
            lambda w, r: (v1 + "/committees/default", {}),
        ),
        Row(
            "PUT",
            v1 + "/committees/{scope}",
            frozenset({"lead", "admin"}),
            lambda w, r: (v1 + "/committees/other", {"json": {"members": ["rev"]}}),
        ),
        Row("GET", v1 + "/items/{item_id}", readers, lambda w, r: (f"{v1}/items/{w.item_id}", {})),
        Row(
            "GET",
            v1 + "/items/{item_id}/history",
            frozenset({"reviewer", "lead", "admin"}),  # those who see others' work
            lambda w, r: (f"{v1}/items/{w.item_id}/history", {}),
        ),
        Row(
            "GET",
            v1 + "/items/{item_id}/comments",
            frozenset({"reviewer", "lead", "admin"}),  # those who see others' work
            lambda w, r: (f"{v1}/items/{w.item_id}/comments", {}),
        ),
        Row(
            "POST",
            v1 + "/items/{item_id}/comments",
            frozenset({"reviewer", "lead", "admin"}),  # its committee, leads, admins
            lambda w, r: (f"{v1}/items/{w.item_id}/comments", {"json": {"body": f"from {r}"}}),
        ),
        Row(
            "POST",
            v1 + "/items/{item_id}/send-back",
            frozenset({"reviewer", "lead", "admin"}),  # its committee, its lead, admins
            lambda w, r: (
                f"{v1}/items/{w.returned('api', r)}/send-back",
                {"json": {"note": f"look again, {r}"}},
            ),
        ),
        *webhook_rows(),
        Row(
            "GET",
            v1 + "/items",
            readers,
            lambda w, r: (v1 + "/items", {"params": {"trace_id": w.trace_id}}),
        ),
        Row(
            "GET",
            v1 + "/disputes/unstaffed",
            frozenset({"lead", "admin"}),
            lambda w, r: (v1 + "/disputes/unstaffed", {}),
        ),
        Row(
            "GET",
            v1 + "/reviewers/{reviewer_id}/queue",
            frozenset({"reviewer", "admin"}),
            lambda w, r: (f"{v1}/reviewers/rev/queue", {}),
        ),
        Row(
            "GET",
            v1 + "/reviewers/{reviewer_id}/items/{item_id}",
            frozenset({"reviewer", "admin"}),
            lambda w, r: (f"{v1}/reviewers/rev/items/{w.item_id}", {}),
        ),
        Row(
            "POST",
            v1 + "/reviewers/{reviewer_id}/items/{item_id}/vote",
            frozenset({"reviewer"}),  # only the reviewer themself, and only on their committee
            lambda w, r: (
                f"{v1}/reviewers/{me(r)}/items/{w.item_id}/vote",
                {"json": {"choice": "abstain"}},
            ),
        ),
        Row("GET", v1 + "/me", readers, lambda w, r: (v1 + "/me", {})),
        Row(
            "POST",
            v1 + "/campaigns",
            frozenset({"lead", "admin"}),
            lambda w, r: (v1 + "/campaigns", {"json": {"name": w.fresh("campaign")}}),
        ),
        Row("GET", v1 + "/campaigns", readers, lambda w, r: (v1 + "/campaigns", {})),
        Row(
            "GET",
            v1 + "/campaigns/{campaign_id}",
            readers,
            lambda w, r: (f"{v1}/campaigns/{w.campaign_id}", {}),
        ),
        Row(
            "PATCH",
            v1 + "/campaigns/{campaign_id}",
            leads,
            lambda w, r: (f"{v1}/campaigns/{w.campaign_id}", {"json": {"priority": 2}}),
        ),
        Row(
            "POST",
            v1 + "/campaigns/{campaign_id}/traces",
            leads,
            lambda w, r: (
                f"{v1}/campaigns/{w.campaign_id}/traces",
                {"json": {"trace_ids": [w.trace_id]}},
            ),
        ),
        Row(
            "GET",
            v1 + "/campaigns/{campaign_id}/progress",
            leads,
            lambda w, r: (f"{v1}/campaigns/{w.campaign_id}/progress", {}),
        ),
        Row(
            "POST",
            v1 + "/campaigns/{campaign_id}/close",
            leads,
            lambda w, r: (f"{v1}/campaigns/{w.closable}/close", {}),
        ),
        Row(
            "GET",
            v1 + "/campaigns/{campaign_id}/dashboard",
            frozenset({"reviewer", "lead", "admin"}),  # the campaign's reviewer, lead; admins
            lambda w, r: (f"{v1}/campaigns/{w.closable}/dashboard", {}),
        ),
        Row(
            "POST",
            v1 + "/campaigns/{campaign_id}/dashboard/refresh",
            leads,
            lambda w, r: (f"{v1}/campaigns/{w.closable}/dashboard/refresh", {}),
        ),
        Row("GET", v1 + "/queue", readers, lambda w, r: (v1 + "/queue", {})),
        Row(
            "POST",
            v1 + "/queue/claims",
            frozenset(WRITERS),
            lambda w, r: (v1 + "/queue/claims", {"json": {"campaign_id": w.campaign_id}}),
        ),
        Row(
            "POST",
            v1 + "/queue/claims/{item_id}/heartbeat",
            frozenset(WRITERS),
            lambda w, r: (f"{v1}/queue/claims/{w.claim(r, 'submit')}/heartbeat", {}),
        ),
        Row(
            "POST",
            v1 + "/queue/claims/{item_id}/submit",
            frozenset(WRITERS),
            lambda w, r: (
                f"{v1}/queue/claims/{w.claim(r, 'submit')}/submit",
                {"json": {"value": "yes"}},
            ),
        ),
        Row(
            "POST",
            v1 + "/queue/claims/{item_id}/skip",
            frozenset(WRITERS),
            lambda w, r: (
                f"{v1}/queue/claims/{w.claim(r, 'skip')}/skip",
                {"json": {"reason": "not mine"}},
            ),
        ),
        Row(
            "DELETE",
            v1 + "/queue/claims/{item_id}",
            frozenset(WRITERS),
            lambda w, r: (f"{v1}/queue/claims/{w.claim(r, 'release')}", {}),
        ),
        Row(
            "GET",
            v1 + "/campaigns/{campaign_id}/members",
            readers,
            lambda w, r: (f"{v1}/campaigns/{w.campaign_id}/members", {}),
        ),
        Row(
            "PUT",
            v1 + "/campaigns/{campaign_id}/members",
            frozenset({"lead", "admin"}),
            lambda w, r: (
                f"{v1}/campaigns/{w.campaign_id}/members",
                # The lead stays a lead (they may not drop themselves); the importer leaves.
                {"json": {"members": {"ann": "annotator", "rev": "reviewer", "lead": "lead"}}},
            ),
        ),
        Row("GET", v1 + "/users", admin, lambda w, r: (v1 + "/users", {})),
        Row(
            "POST",
            v1 + "/users",
            admin,
            lambda w, r: (
                v1 + "/users",
                {"json": {"username": w.fresh("new"), "role": "annotator"}},
            ),
        ),
        Row(
            "PATCH",
            v1 + "/users/{username}",
            admin,
            lambda w, r: (v1 + "/users/ann", {"json": {"can_import": False}}),
        ),
        Row(
            "POST",
            v1 + "/tokens",
            readers,
            lambda w, r: (v1 + "/tokens", {"json": {"name": "more"}}),
        ),
        Row("GET", v1 + "/tokens", readers, lambda w, r: (v1 + "/tokens", {})),
        Row(
            "DELETE",
            v1 + "/tokens/{token_id}",
            readers,
            lambda w, r: (f"{v1}/tokens/{w.spare_tokens.get(r, [1])[0]}", {}),
        ),
        Row("GET", v1 + "/audit", admin, lambda w, r: (v1 + "/audit", {})),
        Row("GET", "/openapi.json", readers, lambda w, r: ("/openapi.json", {})),
        Row("GET", "/health", everyone, lambda w, r: ("/health", {})),
        Row("GET", "/static", everyone, lambda w, r: ("/static/quorum.css", {})),
        Row("GET", "/login", everyone, lambda w, r: ("/login", {}), page=True),
        Row("GET", "/", readers, lambda w, r: ("/", {}), page=True),
        Row(
            "GET",
            "/traces/{trace_id}",
            readers,
            lambda w, r: (f"/traces/{w.trace_id}", {}),
            page=True,
        ),
        Row(
            "GET",
            "/items",
            readers,
            lambda w, r: ("/items", {"params": {"state": "in_review"}}),
            page=True,
        ),
        Row(
            "GET",
            "/items/{item_id}/history",
            frozenset({"reviewer", "lead", "admin"}),
            lambda w, r: (f"/items/{w.item_id}/history", {}),
            page=True,
        ),
        Row(
            "GET",
            "/review",
            frozenset({"reviewer", "admin"}),
            lambda w, r: ("/review", {}),
            page=True,
        ),
        Row(
            "GET",
            "/review/items/{item_id}",
            frozenset({"reviewer"}),  # the committee's members only: an admin sits on none here
            lambda w, r: (f"/review/items/{w.item_id}", {}),
            page=True,
        ),
        Row(
            "POST",
            "/review/items/{item_id}/vote",
            frozenset({"reviewer"}),
            lambda w, r: (f"/review/items/{w.item_id}/vote", {"data": {"vote": "abstain"}}),
            page=True,
        ),
        Row(
            "POST",
            "/review/items/{item_id}/comments",
            frozenset({"reviewer", "admin"}),
            lambda w, r: (f"/review/items/{w.item_id}/comments", {"data": {"body": "a note"}}),
            page=True,
        ),
        Row(
            "POST",
            "/review/items/{item_id}/send-back",
            frozenset({"reviewer", "admin"}),
            lambda w, r: (
                f"/review/items/{w.returned('page', r)}/send-back",
                {"data": {"note": "look again"}},
            ),
            page=True,
        ),
        *webhook_page_rows(),
        *email_rows(),
        Row("GET", "/tokens", readers, lambda w, r: ("/tokens", {}), page=True),
        Row("GET", "/docs", readers, lambda w, r: ("/docs", {}), page=True),
        Row(
            "POST",
            "/tokens",
            readers,
            lambda w, r: ("/tokens", {"data": {"name": "page"}}),
            page=True,
        ),
        Row(
            "POST",
            "/tokens/{token_id}/revoke",
            readers,
            lambda w, r: (f"/tokens/{w.spare_tokens.get(r, [1, 1])[1]}/revoke", {"data": {}}),
            page=True,
        ),
        Row("GET", "/admin/audit", admin, lambda w, r: ("/admin/audit", {}), page=True),
        Row("GET", "/admin/users", admin, lambda w, r: ("/admin/users", {}), page=True),
        Row(
            "POST",
            "/admin/users",
            admin,
            lambda w, r: ("/admin/users", {"data": {"username": w.fresh("page"), "role": "lead"}}),
            page=True,
        ),
        Row(
            "POST",
            "/admin/users/{username}",
            admin,
            lambda w, r: ("/admin/users/ann", {"data": {"role": "annotator"}}),
            page=True,
        ),
        Row("GET", "/campaigns", readers, lambda w, r: ("/campaigns", {}), page=True),
        Row("GET", "/campaigns/new", leads, lambda w, r: ("/campaigns/new", {}), page=True),
        Row(
            "POST",
            "/campaigns/new",
            leads,
            lambda w, r: (
                "/campaigns/new",
                {"data": {"name": w.fresh("page"), "schema": "verdict", "trace_ids": w.trace_id}},
            ),
            page=True,
        ),
        Row(
            "GET",
            "/campaigns/{campaign_id}",
            readers,
            lambda w, r: (f"/campaigns/{w.closable}", {}),
            page=True,
        ),
        Row(
            "POST",
            "/campaigns/{campaign_id}/members",
            leads,
            # The /api/v1 members row left the importer out of w.campaign_id: this seats them
            # again.
            lambda w, r: (
                f"/campaigns/{w.campaign_id}/members",
                {
                    "data": {
                        "member": ["lead", "ann", "loader", "rev"],
                        "role": ["lead", "annotator", "annotator", "reviewer"],
                    }
                },
            ),
            page=True,
        ),
        Row(
            "POST",
            "/campaigns/{campaign_id}/settings",
            leads,
            lambda w, r: (
                f"/campaigns/{w.campaign_id}/settings",
                {"data": {"name": "matrix", "priority": "3"}},
            ),
            page=True,
        ),
        Row(
            "POST",
            "/campaigns/{campaign_id}/traces",
            leads,
            lambda w, r: (
                f"/campaigns/{w.campaign_id}/traces",
                {"data": {"trace_ids": w.trace_id}},
            ),
            page=True,
        ),
        Row(
            "POST",
            "/campaigns/{campaign_id}/close",
            leads,
            lambda w, r: (f"/campaigns/{w.closable}/close", {"data": {"confirm": "yes"}}),
            page=True,
        ),
        *(
            Row(
                "GET",
                "/campaigns/{campaign_id}/dashboard" + tail,
                frozenset({"reviewer", "lead", "admin"}),
                lambda w, r, tail=tail, path=path: (f"/campaigns/{w.closable}/dashboard{path}", {}),
                page=True,
            )
            for tail, path in (("", ""), (".json", ".json"), ("/{figure}.csv", "/alpha.csv"))
        ),
        Row(
            "POST",
            "/campaigns/{campaign_id}/dashboard/refresh",
            leads,
            lambda w, r: (f"/campaigns/{w.closable}/dashboard/refresh", {"data": {}}),
            page=True,
        ),
        # The annotator's pages come after the campaign pages' rows, whose members row seats
        # the importer again in w.campaign_id (the /api/v1 members row left it out). They act
        # on the item each annotating role answered through the queue's JSON rows (the admin,
        # a member of no campaign, still holds its claim: its answer went to the campaign-free
        # item). Submitting changes that answer; a heartbeat or a skip on an answered item has
        # nothing to do, and the skip goes on to the next item.
        Row("GET", "/work", readers, lambda w, r: ("/work", {}), page=True),
        Row(
            "POST",
            "/work/next",
            frozenset(WRITERS),
            lambda w, r: ("/work/next", {"data": {"campaign_id": str(w.campaign_id)}}),
            page=True,
        ),
        Row(
            "GET",
            "/work/items/{item_id}",
            frozenset(WRITERS),
            lambda w, r: (f"/work/items/{w.claim(r, 'submit')}", {}),
            page=True,
        ),
        Row(
            "POST",
            "/work/items/{item_id}/heartbeat",
            frozenset(WRITERS),
            lambda w, r: (f"/work/items/{w.claim(r, 'submit')}/heartbeat", {"data": {}}),
            page=True,
        ),
        Row(
            "POST",
            "/work/items/{item_id}",
            frozenset(WRITERS),
            lambda w, r: (f"/work/items/{w.claim(r, 'submit')}", {"data": {"value": "0"}}),
            page=True,
        ),
        Row(
            "POST",
            "/work/items/{item_id}/skip",
            frozenset(WRITERS),
            lambda w, r: (
                f"/work/items/{w.claim(r, 'submit')}/skip",
                {"data": {"reason": "not mine"}},
            ),
            page=True,
        ),
        # Signing in and out are checked on their own (tests/pages); here only that signing out
        # needs a session. It runs last: it ends the role's session.
        Row("POST", "/logout", readers, lambda w, r: ("/logout", {"data": {}}), page=True),
        Row("POST", "/login", everyone, lambda w, r: ("/login", {"data": {}}), page=True),
    ]
    return table


def served_routes(app) -> set[tuple[str, str]]:
    """(method, path) of every route the app serves, through its included routers."""
    found = set()
    for route in app.routes:
        contexts = (
            route.effective_route_contexts()
            if hasattr(route, "effective_route_contexts")
            else [route]
        )
        for context in contexts:
            methods = getattr(context, "methods", None) or {"GET"}
            for method in methods - {"HEAD"}:
                found.add((method, context.path))
    return found


def test_every_route_is_in_the_matrix(live):
    listed = {(row.method, row.path) for row in rows()}
    assert served_routes(live.app) == listed


def build_world(
    engine: Engine,
    secret_key: str,
    drain: Callable[[], None],
    disputers: tuple[str, str, str] = ("p1", "p2", "p3"),
) -> tuple[World, dict[str, str]]:
    limits = ValueLimits()
    tokens_by_role = {
        role: token_for(engine, name, kind, can_import=importer)
        for role, (name, kind, importer) in PEOPLE.items()
    }
    payload = trace_json()
    trace_id = payload["info"]["trace_id"]
    root = trusted("setup")
    with unit_of_work(engine) as session:
        traces.register_traces(session, payloads=[payload], actor="setup")
        hint = assessments.log_assessment(
            session, trace_id=trace_id, draft=judge("hint", "Paris"), by=root, limits=limits
        ).assessment_id
        own = {}
        for role in WRITERS:
            who = PEOPLE[role][0]
            own[role] = [
                assessments.log_assessment(
                    session,
                    trace_id=trace_id,
                    draft=human(f"{kind}-{role}", "Paris", who),
                    by=root,
                    limits=limits,
                ).assessment_id
                for kind in ("edit", "drop", "drop-again")
            ]
    token_for(engine, "rev2", "reviewer")  # a second reviewer: one abstention resolves nothing
    with unit_of_work(engine) as session:
        review.set_committee(session, scope="default", members=["rev", "rev2"], actor="setup")
        users.update_user(session, username="rev", actor="setup", email="rev@example.com")
        for annotator, value in zip(disputers, ("Paris", "Lyon", "Nice"), strict=True):
            assessments.log_assessment(
                session,
                trace_id=trace_id,
                draft=human("disputed", value, annotator),
                by=root,
                limits=limits,
            )
    drain()
    with unit_of_work(engine) as session:
        item_id = session.execute(text("SELECT id FROM items WHERE name = 'disputed'")).scalar_one()
        state = session.execute(
            text("SELECT state FROM items WHERE id = :i"), {"i": item_id}
        ).scalar_one()
        assert state == "in_review", state
        spare = {
            role: [
                tokens.issue(session, username=PEOPLE[role][0], name="spare", by=root)[1].id
                for _ in range(2)
            ]
            for role in PEOPLE
        }
        sessions = {}
        for role, (name, _kind, _importer) in PEOPLE.items():
            secret = f"session-of-{role}-" + "x" * 20
            user_id = session.execute(
                text("SELECT id FROM users WHERE username = :n"), {"n": name}
            ).scalar_one()
            session.add(
                WebSession(id_hash=digest(secret), user_id=user_id, expires_at=utcnow() + LIFETIME)
            )
            sessions[role] = secret
        campaign_id, closable, claimed = queue_world(session, root)
        returning = returns_world(session, root)
    drain()
    world = World(trace_id, item_id, campaign_id, closable, claimed, hint, own, spare, sessions)
    with unit_of_work(engine) as session:
        ids = session.execute(
            text("SELECT id FROM items WHERE campaign_id = :c AND state = 'in_review' ORDER BY id"),
            {"c": returning},
        ).scalars()
        world.returnable = dict(zip(RETURNERS, ids, strict=True))
        lead = actor_for("lead", "lead", can_import=False)
        endpoint, _secret = webhooks.create_endpoint(
            session,
            url="http://127.0.0.1:9/hook",
            campaign_id=campaign_id,
            types=[],
            by=lead,
            allowed=networks(["127.0.0.0/8"]),
        )
        world.webhook = endpoint.id
        world.webhook_delivery = webhooks.test_send(session, endpoint_id=endpoint.id, by=lead)
        world.email = session.execute(text("SELECT min(id) FROM emails")).scalar_one()
    world.unsubscribe = unsubscribe_token(secret_key, "rev", "item.agreed")
    drain()
    return world, tokens_by_role


# Who sends an item back, by which route: its reviewers, its campaign's lead, admins.
RETURNERS = [
    ("api", "reviewer"),
    ("api", "lead"),
    ("api", "admin"),
    ("page", "reviewer"),
    ("page", "admin"),
]


def returns_world(session, root) -> int:
    """A campaign whose items ann and loader split on, one per sender of RETURNERS, each to
    be routed to the default committee; returns its id."""
    payloads = tuple(trace_json() for _ in RETURNERS)
    made = campaigns.create_campaign(
        session,
        settings=campaigns.CampaignSettings("returns", 2),
        by=root,
        schemas=(campaigns.SchemaTarget("verdict"),),
        traces=campaigns.TraceSelection(payloads=payloads),
    ).id
    roles = {"ann": "annotator", "loader": "annotator", "lead": "lead"}
    campaigns.set_members(session, campaign_id=made, roles=roles, by=trusted("setup"))
    for payload in payloads:
        for who, value in (("ann", "yes"), ("loader", "no")):
            assessments.log_assessment(
                session,
                trace_id=payload["info"]["trace_id"],
                draft=human("verdict", value, who),
                by=root,
                limits=ValueLimits(),
            )
    return made


def queue_world(session, root) -> tuple[int, int, dict[str, dict[str, int]]]:
    """Two campaigns everyone belongs to, and for each annotating role three claimed items:
    one to renew and submit, one to skip, one to release."""
    label_schemas.create_schema(session, spec=VERDICT, overlap=None, actor="setup")
    roles = {"ann": "annotator", "loader": "annotator", "rev": "reviewer", "lead": "lead"}
    made = []
    for name in ("matrix", "closable"):
        payloads = tuple(trace_json() for _ in range(3))
        made.append(
            campaigns.create_campaign(
                session,
                settings=campaigns.CampaignSettings(name),
                by=root,
                schemas=(campaigns.SchemaTarget("verdict"),),
                traces=campaigns.TraceSelection(payloads=payloads),
            ).id
        )
        campaigns.set_members(session, campaign_id=made[-1], roles=roles, by=trusted("setup"))
    item_ids = session.execute(
        text("SELECT id FROM items WHERE campaign_id = :c ORDER BY id"), {"c": made[0]}
    ).scalars()
    uses = dict(zip(("submit", "skip", "release"), item_ids, strict=True))
    until = utcnow() + timedelta(hours=1)
    claimed = {}
    for role in WRITERS:
        for item_id in uses.values():
            seats.take(session, item_id, PEOPLE[role][0], until=until)
        claimed[role] = uses
    return made[0], made[1], claimed


def snapshot(engine: Engine) -> dict[str, str]:
    """A digest of every table's rows, but the audit log (refusals are written there) and the
    tokens' last use (a refused request still used its token)."""
    digests = {}
    with engine.connect() as connection:
        for table in SQLModel.metadata.sorted_tables:
            if table.name == "audit_log":
                continue
            columns = [c for c in table.columns if c.name != "last_used_at"]
            rows = connection.execute(table.select().with_only_columns(*columns)).all()
            encoded = json.dumps(sorted(map(repr, rows)))
            digests[table.name] = hashlib.sha256(encoded.encode()).hexdigest()
    return digests


def call(client: httpx.Client, world: World, row: Row, role: str, token: str | None, key: str):
    path, kwargs = row.request(world, role)
    headers = {}
    if row.page and role in world.sessions:
        secret = world.sessions[role]
        headers["Cookie"] = f"quorum_session={secret}"
        if row.method == "POST" and "data" in kwargs:
            kwargs["data"] = {**kwargs["data"], "csrf": csrf_token(key, secret)}
    elif token is not None:
        headers.update(bearer(token))
    return client.request(row.method, path, headers=headers, follow_redirects=False, **kwargs)


def test_each_role_gets_exactly_what_it_should(live):
    world, role_tokens = build_world(
        live.engine, live.app.state.runtime.settings.secret_key, live.drain
    )
    key = live.app.state.runtime.settings.secret_key
    failures = []
    with httpx.Client(base_url=live.url, timeout=10) as client:
        for row in rows():
            for role in ROLES:
                before = snapshot(live.engine)
                response = call(client, world, row, role, role_tokens.get(role), key)
                status = response.status_code
                label = f"{row.method} {row.path} as {role}: {status} {response.text[:120]}"
                if role in row.allowed:
                    ok = status < 400 or (row.path == "/login" and row.method == "POST")
                    if not ok:
                        failures.append("refused but allowed: " + label)
                    live.drain()  # the work it queued must not land during the next request
                    continue
                if row.page and role == "anonymous":
                    expected = status == 303 and response.headers["location"].startswith("/login")
                else:
                    expected = status == (401 if role == "anonymous" else 403)
                if not expected:
                    failures.append("not refused: " + label)
                elif (after := snapshot(live.engine)) != before:
                    changed = sorted(t for t in after if after[t] != before.get(t))
                    failures.append(f"refused but changed {', '.join(changed)}: {label}")
    assert not failures, "\n".join(failures)
