"""Users, tokens and page sessions on a real database: hashed at rest, scoped, revocable."""

from datetime import timedelta

import pytest
from sqlalchemy import update
from sqlmodel import Session, select

from tests.factories import human, trace_json
from workflow import assessments, traces
from workflow.identity import tokens, users, web_sessions
from workflow.identity.access import Actor, Permission, actor_for
from workflow.kernel.errors import (
    AlreadyExists,
    Conflict,
    Forbidden,
    InvalidInput,
    NotFound,
    Unauthenticated,
)
from workflow.kernel.values import ValueLimits
from workflow.models import ApiToken, AuditEntry, User, WebSession
from workflow.models.base import utcnow

PASSWORD = "correct horse battery staple"


def make(session: Session, name: str, role: str, **extra) -> Actor:
    users.create_user(session, username=name, role=role, actor="test", **extra)
    return actor_for(name, role, can_import=extra.get("can_import", False))


def actions(session: Session) -> list[str]:
    return list(session.exec(select(AuditEntry.action).order_by(AuditEntry.id)).all())


def test_usernames_are_unique_and_plain(session):
    make(session, "ann@example.com", "annotator")
    with pytest.raises(AlreadyExists):
        make(session, "ann@example.com", "reviewer")
    for bad in ["", "has space", "<script>", "a" * 257, "tab\there"]:
        with pytest.raises(InvalidInput):
            make(session, bad, "annotator")
    with pytest.raises(InvalidInput):
        make(session, "x", "superuser")


def test_a_token_is_shown_once_and_stored_only_as_a_hash(session):
    make(session, "ann", "annotator")
    secret, view = tokens.issue(
        session, username="ann", name="nb", by=actor_for("ann", "annotator", can_import=False)
    )
    stored = session.exec(select(ApiToken)).one()
    assert secret.startswith("qrm_") and secret not in stored.token_hash
    assert view.scopes == ("annotate", "read")
    actor = tokens.authenticate(session, secret=secret)
    assert (actor.name, actor.permissions) == ("ann", {Permission.READ, Permission.ANNOTATE})
    assert actions(session)[-2:] == ["token.issue", "token.use"]


def test_scopes_cap_a_token_below_its_owner(session):
    admin = make(session, "boss", "admin")
    secret, _ = tokens.issue(session, username="boss", name="ro", by=admin, scopes=["read"])
    assert tokens.authenticate(session, secret=secret).permissions == {Permission.READ}
    annotator = make(session, "ann", "annotator")
    with pytest.raises(InvalidInput):
        tokens.issue(session, username="ann", name="x", by=annotator, scopes=["review"])
    with pytest.raises(Forbidden):
        tokens.issue(session, username="boss", name="x", by=annotator)


def test_a_demoted_user_loses_what_their_tokens_said(session):
    admin = make(session, "boss", "admin")
    make(session, "deputy", "admin")  # the last admin could not be demoted
    secret, _ = tokens.issue(session, username="boss", name="all", by=admin)
    users.update_user(session, username="boss", role="annotator", actor="test")
    assert tokens.authenticate(session, secret=secret).permissions == {
        Permission.READ,
        Permission.ANNOTATE,
    }


def test_wrong_revoked_expired_and_disabled_tokens_are_refused(session):
    ann = make(session, "ann", "annotator")
    secret, view = tokens.issue(session, username="ann", name="nb", by=ann)
    with pytest.raises(Unauthenticated):
        tokens.authenticate(session, secret=secret + "x")
    with pytest.raises(Unauthenticated):
        tokens.authenticate(session, secret=secret, username="someone-else")
    assert tokens.authenticate(session, secret=secret, username="ann").name == "ann"

    other = make(session, "bob", "annotator")
    with pytest.raises(NotFound):
        tokens.revoke(session, token_id=view.id, by=other)
    tokens.revoke(session, token_id=view.id, by=ann)
    with pytest.raises(Unauthenticated, match="revoked"):
        tokens.authenticate(session, secret=secret)

    fresh, fresh_view = tokens.issue(session, username="ann", name="nb2", by=ann)
    session.execute(
        update(ApiToken)
        .where(ApiToken.id == fresh_view.id)
        .values(expires_at=utcnow() - timedelta(seconds=1))
    )
    with pytest.raises(Unauthenticated, match="expired"):
        tokens.authenticate(session, secret=fresh)

    third, _ = tokens.issue(session, username="ann", name="nb3", by=ann)
    users.update_user(session, username="ann", disabled=True, actor="test")
    with pytest.raises(Unauthenticated, match="disabled"):
        tokens.authenticate(session, secret=third)


def test_token_lifetimes_are_bounded(session):
    ann = make(session, "ann", "annotator")
    for lifetime in [timedelta(0), timedelta(days=400)]:
        with pytest.raises(InvalidInput):
            tokens.issue(session, username="ann", name="x", by=ann, lifetime=lifetime)


def test_passwords_are_salted_hashes_and_sessions_rotate(session):
    make(session, "ann", "annotator", password=PASSWORD)
    make(session, "bob", "annotator", password=PASSWORD)
    hashes = session.exec(select(User.password_hash)).all()
    assert len(set(hashes)) == 2 and all(PASSWORD not in h for h in hashes)

    assert web_sessions.login(session, username="ann", password="wrong password!") is None
    assert web_sessions.login(session, username="nobody", password=PASSWORD) is None
    first = web_sessions.login(session, username="ann", password=PASSWORD)
    assert first is not None and web_sessions.current(session, secret=first.secret).name == "ann"
    second = web_sessions.login(session, username="ann", password=PASSWORD, replacing=first.secret)
    assert second is not None and second.secret != first.secret
    with pytest.raises(Unauthenticated):
        web_sessions.current(session, secret=first.secret)
    stored = session.exec(select(WebSession.id_hash)).all()
    assert first.secret not in stored and second.secret not in stored
    web_sessions.logout(session, secret=second.secret)
    with pytest.raises(Unauthenticated):
        web_sessions.current(session, secret=second.secret)
    assert [a for a in actions(session) if a.startswith(("login", "logout"))] == [
        "login.failed",
        "login.failed",
        "login",
        "logout",
        "login",
        "logout",
    ]


def test_the_first_start_creates_one_admin(session):
    password = users.bootstrap_admin(session)
    assert password is not None and users.bootstrap_admin(session) is None
    admin = session.exec(select(User)).one()
    assert (admin.username, admin.role) == ("admin", "admin")
    assert web_sessions.login(session, username="admin", password=password) is not None


LIMITS = ValueLimits()


def test_annotators_are_blind_and_write_only_as_themselves(session):
    payload = trace_json()
    trace_id = payload["info"]["trace_id"]
    traces.register_traces(session, payloads=[payload], actor="test")
    ann, bob = make(session, "ann", "annotator"), make(session, "bob", "annotator")
    lead = make(session, "lead", "lead")
    importer = make(session, "loader", "lead", can_import=True)

    def log(by: Actor, source: str):
        draft = human("expected_answer", "Paris", source)
        return assessments.log_assessment(
            session, trace_id=trace_id, draft=draft, by=by, limits=LIMITS
        )

    mine = log(ann, "ann")
    with pytest.raises(Forbidden):
        log(ann, "bob")
    with pytest.raises(Forbidden):
        log(lead, "lead")  # leads manage; they do not annotate
    theirs = log(importer, "carol")  # the guide's batch loop, on behalf of an expert

    def seen(by: Actor) -> set[str]:
        return {
            v.assessment_id
            for v in assessments.trace_assessments(session, trace_id=trace_id, by=by)
        }

    assert seen(ann) == {mine.assessment_id}
    assert seen(bob) == set()
    assert seen(lead) == {mine.assessment_id, theirs.assessment_id}
    with pytest.raises(NotFound):
        assessments.get_assessment(
            session, trace_id=trace_id, assessment_id=mine.assessment_id, by=bob
        )
    with pytest.raises(NotFound):
        assessments.delete_assessment(
            session, trace_id=trace_id, assessment_id=mine.assessment_id, by=bob
        )
    assessments.delete_assessment(
        session, trace_id=trace_id, assessment_id=mine.assessment_id, by=ann
    )


def test_the_last_admin_stays_and_a_new_password_ends_sessions(session):
    make(session, "boss", "admin", password=PASSWORD)
    with pytest.raises(Conflict):
        users.update_user(session, username="boss", role="lead", actor="boss")
    with pytest.raises(Conflict):
        users.update_user(session, username="boss", disabled=True, actor="boss")
    signed_in = web_sessions.login(session, username="boss", password=PASSWORD)
    users.update_user(session, username="boss", password="another long password", actor="boss")
    with pytest.raises(Unauthenticated):
        web_sessions.current(session, secret=signed_in.secret)
    make(session, "deputy", "admin")
    users.update_user(session, username="boss", role="lead", actor="deputy")
