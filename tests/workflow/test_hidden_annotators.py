"""Hidden annotator identities on a real database: a committee that hides them shows its
reviewers pseudonyms on the review, the history and the dashboard, the same pseudonym for an
annotator across a campaign; leads and admins, and committees that do not hide, see names."""

import pytest

from tests.factories import as_reviewer, propose, queue_campaign, reviewers, run_outbox
from workflow import dashboard, review
from workflow.identity.access import actor_for, trusted
from workflow.review.identities import PREFIX, Masker, names_in, pseudonym
from workflow.review.quorum_rule import QuorumRule

ANNOTATORS = ("ann", "bob", "cat")
SCHEMA = {"name": "verdict", "value_type": "categorical", "options": ["yes", "no", "maybe"]}
HIDDEN = QuorumRule(hide_annotators=True)


def split_campaign(session, rule: QuorumRule) -> tuple[int, list[int]]:
    """A campaign whose own committee (rev, rev2) works by `rule`, with two items its three
    annotators split on, in review."""
    campaign_id, trace_ids = queue_campaign(session, traces=2, schema=SCHEMA)
    reviewers(session, "rev", "rev2")
    review.set_committee(
        session,
        scope=review.campaign_scope(campaign_id),
        members=["rev", "rev2"],
        actor="test",
        rule=rule,
    )
    item_ids = []
    for trace_id in trace_ids:
        for annotator, value in zip(ANNOTATORS, ("yes", "no", "maybe"), strict=True):
            item_id = propose(session, trace_id, annotator, value, name="verdict")
        item_ids.append(item_id)
    run_outbox(session)
    return campaign_id, item_ids


def test_a_hiding_committees_reviewer_sees_pseudonyms_on_the_review(session):
    _, (first, second) = split_campaign(session, HIDDEN)
    seen = review.review_view(session, item_id=first, reviewer_id="rev", by=as_reviewer("rev"))
    shown = [p.annotator for p in seen.proposals]
    assert all(name.startswith(PREFIX) for name in shown) and len(set(shown)) == 3
    assert not names_in(seen) & set(ANNOTATORS)
    votes = seen.evaluation["details"]["votes"]
    assert {a for v in votes for a in v["annotators"]} == set(shown)
    assert [p.value for p in seen.proposals] == ["yes", "no", "maybe"]
    # The same annotator has the same pseudonym on every item of the campaign.
    other = review.review_view(session, item_id=second, reviewer_id="rev", by=as_reviewer("rev"))
    assert [p.annotator for p in other.proposals] == shown
    # An admin on the committee reads names.
    admin = review.review_view(session, item_id=first, reviewer_id="rev", by=trusted("root"))
    assert [p.annotator for p in admin.proposals] == list(ANNOTATORS)


def test_a_committee_that_does_not_hide_shows_names(session):
    _, (first, _) = split_campaign(session, QuorumRule())
    seen = review.review_view(session, item_id=first, reviewer_id="rev", by=as_reviewer("rev"))
    assert [p.annotator for p in seen.proposals] == list(ANNOTATORS)


def test_the_history_hides_annotators_from_reviewers_but_not_from_leads(session):
    _, (first, _) = split_campaign(session, HIDDEN)
    masked = review.item_history(session, item_id=first, by=as_reviewer("rev2"))
    assert not names_in(masked) & set(ANNOTATORS)
    submitted = [e for e in masked.entries if e.event == "proposal.submitted"]
    assert len(submitted) == 3
    assert all(e.details["annotator"].startswith(PREFIX) for e in submitted)
    lead = actor_for("boss", "lead", can_import=False)
    named = review.item_history(session, item_id=first, by=lead)
    assert {e.details["annotator"] for e in named.entries if "annotator" in e.details} == set(
        ANNOTATORS
    )


def test_the_dashboard_shows_a_reviewer_the_desks_pseudonyms_in_their_own_order(session):
    campaign_id, (first, _) = split_campaign(session, HIDDEN)
    assert dashboard.snapshot(session, campaign_id=campaign_id)
    desk = review.review_view(session, item_id=first, reviewer_id="rev", by=as_reviewer("rev"))
    aliases = [p.annotator for p in desk.proposals]
    view = dashboard.dashboard(session, campaign_id=campaign_id, by=as_reviewer("rev"))
    (schema,) = view.figures["schemas"]
    assert not names_in(view.figures) & set(ANNOTATORS)
    assert schema["kappa"]["raters"] == sorted(aliases)
    assert [r["annotator"] for r in schema["reliability"]] == sorted(aliases)
    named = dashboard.dashboard(session, campaign_id=campaign_id, by=trusted("root"))
    (plain,) = named.figures["schemas"]
    assert plain["kappa"]["raters"] == list(ANNOTATORS)
    # The matrix is permuted with its labels: each pair keeps its kappa.
    alias_of = dict(zip(ANNOTATORS, aliases, strict=True))
    index = {name: i for i, name in enumerate(schema["kappa"]["raters"])}
    for i, a in enumerate(ANNOTATORS):
        for j, b in enumerate(ANNOTATORS):
            moved = schema["kappa"]["shared_units"][index[alias_of[a]]][index[alias_of[b]]]
            assert moved == plain["kappa"]["shared_units"][i][j]


def test_pseudonyms_are_stable_differ_between_campaigns_and_need_the_secret():
    assert pseudonym("s", "campaign:1", "ann") == pseudonym("s", "campaign:1", "ann")
    assert pseudonym("s", "campaign:1", "ann") != pseudonym("s", "campaign:2", "ann")
    assert pseudonym("s", "campaign:1", "ann") != pseudonym("t", "campaign:1", "ann")
    assert len(pseudonym("s", "k", "ann")) == len(PREFIX) + 8


@pytest.mark.parametrize(
    ("found", "expected"),
    [
        ({"outliers": ["ann"], "consensus": "ann"}, {"outliers": ["A"], "consensus": "ann"}),
        (
            {"votes": [{"value": "bob", "annotators": ["bob", "ann"]}]},
            {"votes": [{"value": "bob", "annotators": ["B", "A"]}]},
        ),
        (
            {"annotator": "ann", "value": {"annotator": "ann"}},
            {"annotator": "A", "value": {"annotator": "ann"}},
        ),
        ({"weights": {"annotators": {"ann": 1}}}, {"weights": {"annotators": {"A": 1}}}),
    ],
)
def test_a_masker_renames_names_and_never_values(found, expected):
    assert Masker({"ann": "A", "bob": "B"}).view(found) == expected


def test_the_queue_filters_by_the_pseudonym_a_reviewer_sees_never_by_the_name(session):
    _, items = split_campaign(session, HIDDEN)
    rev = as_reviewer("rev")
    alias = review.review_view(session, item_id=items[0], reviewer_id="rev", by=rev).proposals[0]

    def found(shown: str, by=rev) -> list[int]:
        queued = review.reviewer_queue(session, reviewer_id="rev", by=by, limit=10, annotator=shown)
        return [q.item_id for q in queued.items]

    assert alias.annotator.startswith(PREFIX)
    assert found(alias.annotator) == items
    assert found("ann") == []  # the name tells a reviewer nothing, so it finds nothing
    assert found(PREFIX + "00000000") == []
    assert found("ann", by=trusted("root")) == items
