"""Email preferences: per person and event type, immediately, in a daily digest, or off.

Events addressed to people (a vote they are asked for, an item back in their hands) reach
them immediately unless they choose otherwise; the others reach only those who subscribe,
among the people who may see the campaign they happen in."""

from dataclasses import dataclass

from sqlmodel import Session, col, select

from workflow import audit
from workflow.events.record import ADDRESSED, TYPES
from workflow.identity import users
from workflow.kernel.errors import InvalidInput
from workflow.models import EmailPreference
from workflow.models.base import utcnow

IMMEDIATE, DIGEST, OFF = "immediate", "digest", "off"
MODES = (IMMEDIATE, DIGEST, OFF)
# What each event type is called on pages and in emails.
TITLES = {
    "proposal.submitted": "A proposal was submitted",
    "item.agreed": "Annotators agreed",
    "item.disputed": "Annotators disagreed",
    "review.vote_needed": "Your vote is needed",
    "review.vote_cast": "A committee vote was cast",
    "item.escalated": "A review was escalated",
    "item.resolved": "The committee resolved an item",
    "canonical.promoted": "A canonical expectation was promoted",
    "item.reopened": "An item came back to you",
    "assignment.expiring": "Your claim is about to expire",
    "campaign.completed": "A campaign is complete",
    "webhook.disabled": "A webhook endpoint of yours was disabled",
}
assert set(TITLES) == set(TYPES)


def default_mode(event_type: str) -> str:
    """How a person hears of an event type they never chose for."""
    return IMMEDIATE if event_type in ADDRESSED else OFF


@dataclass(frozen=True, slots=True)
class Preferences:
    """One person's address and how they hear of each event type, in `TYPES` order."""

    username: str
    address: str | None
    modes: tuple[tuple[str, str], ...]

    def mode(self, event_type: str) -> str:
        """How this person hears of `event_type`."""
        return dict(self.modes)[event_type]


def stored_modes(session: Session, usernames: list[str]) -> dict[tuple[str, str], str]:
    """The modes people chose, by (user, event type)."""
    rows = session.exec(
        select(EmailPreference).where(col(EmailPreference.username).in_(usernames))
    ).all()
    return {(row.username, row.event_type): row.mode for row in rows}


def preferences_of(session: Session, username: str) -> Preferences:
    """A person's preferences, the defaults filled in."""
    user = users.find(session, username)
    chosen = stored_modes(session, [username])
    modes = tuple((t, chosen.get((username, t), default_mode(t))) for t in TYPES)
    return Preferences(username, user.email, modes)


def choose(
    session: Session, username: str, modes: dict[str, str], *, address: str | None = None
) -> Preferences:
    """Set how `username` hears of the event types in `modes` (and, if given, their address:
    blank removes it); each change audited."""
    unknown = sorted(set(modes) - set(TYPES))
    if unknown:
        raise InvalidInput(f"no event type {unknown[0]!r}; the types are {', '.join(TYPES)}")
    wrong = sorted(m for m in modes.values() if m not in MODES)
    if wrong:
        raise InvalidInput(f"a mode is one of {', '.join(MODES)}, not {wrong[0]!r}")
    if address is not None:
        users.update_user(session, username=username, actor=username, email=address)
    before = preferences_of(session, username)
    changed = {t: m for t, m in modes.items() if before.mode(t) != m}
    for event_type, mode in changed.items():
        session.merge(
            EmailPreference(
                username=username, event_type=event_type, mode=mode, updated_at=utcnow()
            )
        )
    if changed:
        audit.record(
            session,
            actor=username,
            action="email.preferences",
            subject_type="user",
            subject_id=username,
            **changed,
        )
    session.flush()
    return preferences_of(session, username)
