"""What an email says, as the edge that words it sees it, and the message made of its words:
both parts, the headers a mail client needs, and the one-click unsubscribe (RFC 8058)."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.utils import formatdate

from workflow.mail.preferences import TITLES
from workflow.models import Event
from workflow.models.base import as_utc


@dataclass(frozen=True, slots=True)
class Notice:
    """One event in an email: what it is, when, and where the person acts on it. Only ids,
    names and a lead's note: never a value anyone proposed."""

    type: str
    title: str
    at: datetime
    link: str
    item_id: int | None
    name: str | None
    campaign_id: int | None
    note: str | None
    escalated_to: str | None
    expires_at: str | None
    url: str | None
    reason: str | None


@dataclass(frozen=True, slots=True)
class Letter:
    """An email to word: to whom, its notices, and the links every email carries."""

    kind: str  # event or digest
    username: str
    address: str
    notices: tuple[Notice, ...]
    unsubscribe_url: str
    preferences_url: str
    scope: str  # what unsubscribing stops: the event type, or "digest"


@dataclass(frozen=True, slots=True)
class Words:
    """An email as worded: its subject, and its text and HTML parts."""

    subject: str
    text: str
    html: str


# The edge that words emails (Jinja2 templates): the domain sends, it does not write prose.
Composer = Callable[[Letter], Words]


def notice(event: Event, base_url: str) -> Notice:
    """The notice of one event, its link made absolute."""
    data = event.payload
    return Notice(
        type=event.type,
        title=TITLES[event.type],
        at=as_utc(event.created_at),
        link=base_url.rstrip("/") + data.get("link", "/"),
        item_id=data.get("item_id"),
        name=data.get("name"),
        campaign_id=data.get("campaign_id"),
        note=data.get("note"),
        escalated_to=data.get("to"),
        expires_at=data.get("lease_expires_at"),
        url=data.get("url"),
        reason=data.get("reason"),
    )


def message(letter: Letter, words: Words, *, sender: str, message_id: str) -> EmailMessage:
    """The message to send: text and HTML alternatives, its Message-ID the same on every try."""
    mail = EmailMessage()
    mail["From"] = sender
    mail["To"] = letter.address
    mail["Subject"] = words.subject
    mail["Date"] = formatdate(usegmt=True)
    mail["Message-ID"] = message_id
    # One click in the mail client unsubscribes, with no sign-in: the link is signed.
    mail["List-Unsubscribe"] = f"<{letter.unsubscribe_url}>"
    mail["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    mail["Auto-Submitted"] = "auto-generated"
    mail.set_content(words.text)
    mail.add_alternative(words.html, subtype="html")
    return mail
