"""Email: who hears of each event and how (their preferences), digests, sending over SMTP or
to a folder with retries kept in the database, and the signed one-click unsubscribe."""

from workflow.mail.deliver import MailPass, deliver, wake_if_due
from workflow.mail.letters import Composer, Letter, Notice, Words
from workflow.mail.preferences import MODES, TITLES, Preferences, choose, preferences_of
from workflow.mail.sent import STATUSES, EmailView, email_view, recent, written_copy
from workflow.mail.unsubscribe import Unsubscription, read, unsubscribe

__all__ = [
    "MODES",
    "STATUSES",
    "TITLES",
    "Composer",
    "EmailView",
    "Letter",
    "MailPass",
    "Notice",
    "Preferences",
    "Unsubscription",
    "Words",
    "choose",
    "deliver",
    "email_view",
    "preferences_of",
    "read",
    "recent",
    "unsubscribe",
    "wake_if_due",
    "written_copy",
]
