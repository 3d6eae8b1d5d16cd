"""Roles, permissions and the acting principal: who may do what, decided without a database."""

from dataclasses import dataclass
from enum import StrEnum

from workflow.kernel.errors import Forbidden


class UserRole(StrEnum):
    """A user's standing: what they are for, and so what they may do."""

    ADMIN = "admin"
    LEAD = "lead"
    REVIEWER = "reviewer"
    ANNOTATOR = "annotator"


class Permission(StrEnum):
    """One capability; an API token's scopes are a subset of these."""

    READ = "read"  # traces, label schemas, committees, canonical expectations, one's own proposals
    ANNOTATE = "annotate"  # log, edit and withdraw one's own expectations
    REVIEW = "review"  # sit on committees: see an item's proposals, vote
    MANAGE = "manage"  # traces, label schemas, committees, campaigns and their members
    IMPORT = "import"  # log on behalf of others (the guide's batch loop) and bulk import
    ADMIN = "admin"  # users, everyone's tokens, the audit log


ROLE_PERMISSIONS: dict[UserRole, frozenset[Permission]] = {
    UserRole.ANNOTATOR: frozenset({Permission.READ, Permission.ANNOTATE}),
    # Reviewers judge others' proposals, so they do not propose: a reviewer's own proposal on
    # an item they then review would count twice.
    UserRole.REVIEWER: frozenset({Permission.READ, Permission.REVIEW}),
    UserRole.LEAD: frozenset({Permission.READ, Permission.MANAGE}),
    UserRole.ADMIN: frozenset(Permission),
}

# Who may read every annotator's proposals: leads watch agreement, importers wrote them.
_SEES_ALL_PROPOSALS = frozenset({Permission.MANAGE, Permission.IMPORT, Permission.ADMIN})
# Who may see the work on items (proposal counts, open decisions' values, votes): the committee
# judges it, leads watch it. Annotators stay blind to it.
_SEES_WORK = frozenset({Permission.REVIEW, Permission.MANAGE, Permission.ADMIN})


def permissions_of(role: UserRole, *, can_import: bool) -> frozenset[Permission]:
    """A user's permissions: their role's, plus the importer permission if granted."""
    granted = ROLE_PERMISSIONS[role]
    return granted | {Permission.IMPORT} if can_import else granted


@dataclass(frozen=True, slots=True)
class Actor:
    """Who is acting and what they may do; commands check it, the audit log names it."""

    name: str
    permissions: frozenset[Permission]
    # Whether a proposal this actor writes may belong to an open campaign (they annotate in
    # one, or they write for others and one is open); False only when known not to, so that
    # their proposals skip the look-up of a campaign item (a statement per proposal).
    in_campaigns: bool = True

    def may(self, permission: Permission) -> bool:
        """Whether this actor holds `permission`."""
        return permission in self.permissions

    def require(self, permission: Permission, doing: str) -> None:
        """Refuse with 403 unless this actor holds `permission`."""
        if permission not in self.permissions:
            raise Forbidden(f"{doing} needs the '{permission}' permission")

    def may_act_as(self, name: str | None) -> bool:
        """Whether this actor may write under `name`: their own, or anyone's for an importer."""
        return name == self.name or self.may(Permission.IMPORT)

    @property
    def sees_all_proposals(self) -> bool:
        """Whether this actor reads every annotator's proposals, not just their own."""
        return not self.permissions.isdisjoint(_SEES_ALL_PROPOSALS)

    @property
    def sees_work(self) -> bool:
        """Whether this actor sees others' work on items: proposal counts, votes, open values."""
        return not self.permissions.isdisjoint(_SEES_WORK)


def actor_for(name: str, role: str, *, can_import: bool) -> Actor:
    """The actor a user is with all their permissions."""
    return Actor(name, permissions_of(UserRole(role), can_import=can_import))


def trusted(name: str) -> Actor:
    """An actor holding every permission: the operator's CLI, and tests of the domain."""
    return Actor(name=name, permissions=frozenset(Permission))
