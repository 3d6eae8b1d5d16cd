"""Who an event is emailed to, and how: the people it names (a role named is expanded to its
people now, at delivery) and, for the other types, those who subscribe and may see it."""

from collections import defaultdict

from sqlmodel import Session, col, select

from workflow.campaigns.membership import leads_of
from workflow.identity.access import UserRole
from workflow.mail.preferences import ADDRESSED, OFF, default_mode, stored_modes
from workflow.models import EmailPreference, Event, Membership, User
from workflow.notifications import LEADS

# Who may subscribe to what happens outside any campaign.
_SEES_EVERYTHING = (UserRole.ADMIN, UserRole.LEAD, UserRole.REVIEWER)


def _named(event: Event) -> set[str]:
    """The people or roles an addressed event names."""
    names = set(event.payload.get("recipients", []))
    if event.type == "assignment.expiring":
        names.add(event.payload["annotator"])
    if event.type == "campaign.completed":
        names.add(LEADS)
    return names


class _Directory:
    """What one batch of events needs to know of people, each read once."""

    def __init__(self, session: Session, events: list[Event]) -> None:
        self.session = session
        self._leads: dict[int | None, list[str]] = {}
        self._admins: list[str] | None = None
        types = sorted({e.type for e in events} - ADDRESSED)
        self.subscribers: dict[str, set[str]] = defaultdict(set)
        for username, event_type in session.exec(
            select(EmailPreference.username, EmailPreference.event_type).where(
                col(EmailPreference.event_type).in_(types), EmailPreference.mode != OFF
            )
        ).all():
            self.subscribers[event_type].add(username)
        campaigns = sorted({e.campaign_id for e in events} - {None})
        self.members: set[tuple[int, str]] = set(
            session.exec(
                select(Membership.campaign_id, User.username)
                .join(User, col(User.id) == Membership.user_id)
                .where(col(Membership.campaign_id).in_(campaigns))
            ).all()
        )
        self.users: dict[str, User] = {}

    def leads(self, campaign_id: int | None) -> list[str]:
        """A campaign's leads; the admins where it has none (or for no campaign)."""
        if campaign_id not in self._leads:
            found = leads_of(self.session, campaign_id) if campaign_id is not None else []
            self._leads[campaign_id] = found or self.admins()
        return self._leads[campaign_id]

    def admins(self) -> list[str]:
        """The admins, read once."""
        if self._admins is None:
            rows = self.session.exec(select(User).where(User.role == UserRole.ADMIN)).all()
            self.users.update({u.username: u for u in rows})
            self._admins = [u.username for u in rows]
        return self._admins

    def load(self, usernames: set[str]) -> None:
        missing = sorted(usernames - set(self.users))
        if missing:
            rows = self.session.exec(select(User).where(col(User.username).in_(missing))).all()
            self.users.update({u.username: u for u in rows})

    def may_see(self, username: str, campaign_id: int | None) -> bool:
        user = self.users.get(username)
        if user is None:
            return False
        if user.role == UserRole.ADMIN:
            return True
        if campaign_id is None:
            return user.role in _SEES_EVERYTHING
        return (campaign_id, username) in self.members


def people_for(session: Session, events: list[Event]) -> dict[int, list[tuple[str, str, str]]]:
    """For each event, the (user, address, mode) of each person who is to hear of it: named
    or subscribed, with an address, not disabled, and not having turned the type off."""
    directory = _Directory(session, events)
    wanted: dict[int, set[str]] = {}
    for event in events:
        assert event.id is not None
        if event.type in ADDRESSED:
            names = _named(event)
            people = names - {LEADS}
            if LEADS in names:
                people |= set(directory.leads(event.campaign_id))
        else:
            people = set(directory.subscribers[event.type])
        wanted[event.id] = people
    directory.load(set().union(*wanted.values()))
    chosen = stored_modes(session, sorted(directory.users))
    found: dict[int, list[tuple[str, str, str]]] = {}
    for event in events:
        assert event.id is not None
        rows = []
        for username in sorted(wanted[event.id]):
            user = directory.users.get(username)
            mode = chosen.get((username, event.type), default_mode(event.type))
            if user is None or user.disabled or not user.email or mode == OFF:
                continue
            if event.type not in ADDRESSED and not directory.may_see(username, event.campaign_id):
                continue
            rows.append((username, user.email, mode))
        found[event.id] = rows
    return found
