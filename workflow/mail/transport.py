"""Handing messages over: to an SMTP server (STARTTLS, TLS or plain, with credentials), or,
with none configured, to a folder of .eml files (embedded mode). Each send says whether it
went, and if not, whether trying later may help (a 4xx, no answer) or not (a 5xx)."""

import os
import smtplib
import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from typing import Protocol

from workflow.kernel.settings import Settings


@dataclass(frozen=True, slots=True)
class Outcome:
    """How one send went: the server's code, if it answered, and why it did not go."""

    sent: bool
    code: int | None = None
    error: str | None = None

    @property
    def temporary(self) -> bool:
        """Whether a later try may go: a 4xx, or no answer at all."""
        return not self.sent and (self.code is None or 400 <= self.code < 500)


class Postbox(Protocol):
    """Where messages are handed over."""

    def send(self, mail: EmailMessage) -> Outcome:
        """Hand one message over."""
        ...


class SmtpPostbox:
    """An SMTP server, one connection for a pass, made again after a failure."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.connection: smtplib.SMTP | None = None

    def _connect(self) -> smtplib.SMTP:
        s = self.settings
        assert s.smtp_host is not None
        if s.smtp_security == "tls":
            connection: smtplib.SMTP = smtplib.SMTP_SSL(
                s.smtp_host,
                s.smtp_port,
                timeout=s.smtp_timeout,
                context=ssl.create_default_context(),
            )
        else:
            connection = smtplib.SMTP(s.smtp_host, s.smtp_port, timeout=s.smtp_timeout)
            if s.smtp_security == "starttls":
                connection.starttls(context=ssl.create_default_context())
        if s.smtp_username:
            connection.login(s.smtp_username, s.smtp_password or "")
        return connection

    def send(self, mail: EmailMessage) -> Outcome:
        try:
            self.connection = self.connection or self._connect()
            self.connection.send_message(mail)
        except smtplib.SMTPRecipientsRefused as refused:
            code, answer = next(iter(refused.recipients.values()))
            return self._failed(code, answer)
        except smtplib.SMTPResponseException as answered:
            return self._failed(answered.smtp_code, answered.smtp_error)
        except (OSError, smtplib.SMTPException) as unanswered:
            return self._failed(None, f"{type(unanswered).__name__}: {unanswered}")
        return Outcome(True, 250)

    def _failed(self, code: int | None, answer: bytes | str) -> Outcome:
        # A failed exchange leaves the session in doubt: the next send starts a new one.
        self.close()
        text = answer.decode(errors="replace") if isinstance(answer, bytes) else answer
        return Outcome(False, code, text[:500])

    def close(self) -> None:
        """End the connection, if one is open (politely, if the server still listens)."""
        connection, self.connection = self.connection, None
        if connection is not None:
            try:
                connection.quit()
            except (OSError, smtplib.SMTPException):
                connection.close()


def copy_path(folder: Path, message_id: str) -> Path:
    """Where the folder keeps the copy of the email with this Message-ID."""
    return folder / f"{message_id.strip('<>').partition('@')[0]}.eml"


class FolderPostbox:
    """A folder: each message one file named by its Message-ID, so writing it again (a pass
    that crashed before it recorded the send) replaces it rather than adding a copy."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def send(self, mail: EmailMessage) -> Outcome:
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            target = copy_path(self.folder, str(mail["Message-ID"]))
            partial = target.with_suffix(".part")
            partial.write_bytes(mail.as_bytes())
            os.replace(partial, target)
        except OSError as failed:
            return Outcome(False, None, f"{type(failed).__name__}: {failed}"[:500])
        return Outcome(True)

    def close(self) -> None:
        """Nothing stays open."""


@contextmanager
def postbox(settings: Settings) -> Iterator[Postbox]:
    """The configured postbox for one pass: SMTP if a host is set, else the folder."""
    box: SmtpPostbox | FolderPostbox = (
        SmtpPostbox(settings) if settings.smtp_host else FolderPostbox(settings.email_dir)
    )
    try:
        yield box
    finally:
        box.close()
