"""Roles and permissions, decided without a database."""

from hypothesis import given
from hypothesis import strategies as st

from workflow.identity.access import (
    ROLE_PERMISSIONS,
    Actor,
    Permission,
    UserRole,
    actor_for,
    permissions_of,
    trusted,
)


def test_each_role_holds_what_it_is_for_and_no_more():
    assert ROLE_PERMISSIONS[UserRole.ANNOTATOR] == {Permission.READ, Permission.ANNOTATE}
    assert ROLE_PERMISSIONS[UserRole.REVIEWER] == {Permission.READ, Permission.REVIEW}
    assert ROLE_PERMISSIONS[UserRole.LEAD] == {Permission.READ, Permission.MANAGE}
    assert ROLE_PERMISSIONS[UserRole.ADMIN] == set(Permission)


def test_an_annotator_never_reviews_and_a_reviewer_never_proposes():
    annotator = actor_for("a", "annotator", can_import=False)
    reviewer = actor_for("r", "reviewer", can_import=False)
    assert not annotator.may(Permission.REVIEW)
    assert not reviewer.may(Permission.ANNOTATE)


def test_the_importer_permission_is_granted_on_top_of_a_role():
    assert permissions_of(UserRole.LEAD, can_import=True) == {
        Permission.READ,
        Permission.MANAGE,
        Permission.IMPORT,
    }


@given(
    role=st.sampled_from(list(UserRole)),
    can_import=st.booleans(),
    other=st.text(min_size=1, max_size=20),
)
def test_only_importers_act_under_another_name(role, can_import, other):
    actor = actor_for("me", role, can_import=can_import)
    assert actor.may_act_as("me")
    if other != "me":
        assert actor.may_act_as(other) == actor.may(Permission.IMPORT)


@given(st.sets(st.sampled_from(list(Permission))))
def test_who_sees_every_proposal(permissions):
    actor = Actor("x", frozenset(permissions))
    expected = bool(permissions & {Permission.MANAGE, Permission.IMPORT, Permission.ADMIN})
    assert actor.sees_all_proposals == expected


def test_trusted_actors_hold_everything():
    assert trusted("cli").permissions == set(Permission)
