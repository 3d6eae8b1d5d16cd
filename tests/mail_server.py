"""A real SMTP server on loopback for the email tests (aiosmtpd): it keeps every message it
accepts, answers DATA with the codes it is told to before accepting, and can hold its answer."""

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage

from aiosmtpd.controller import Controller

from tests.servers import free_port


@dataclass
class Inbox:
    """What the server accepted, and the answers it gives before accepting (in order)."""

    host: str = "127.0.0.1"
    port: int = 0
    messages: list[EmailMessage] = field(default_factory=list)
    refusals: list[str] = field(default_factory=list)
    refused: int = 0
    # Called with the count of messages accepted so far, after each is kept and before the
    # server answers 250: a test holds the answer there to kill the sender mid-send.
    hold: Callable[[int], None] = lambda n: None
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server, session, envelope) -> str:
        with self.lock:
            if self.refusals:
                self.refused += 1
                return self.refusals.pop(0)
            parsed = message_from_bytes(envelope.content, policy=policy.default)
            assert isinstance(parsed, EmailMessage)
            self.messages.append(parsed)
            accepted = len(self.messages)
        self.hold(accepted)
        return "250 Message accepted"

    def to(self, address: str) -> list[EmailMessage]:
        """The messages accepted for `address`."""
        return [m for m in self.messages if m["To"] == address]


@contextmanager
def smtp_server() -> Iterator[Inbox]:
    """An SMTP server listening on 127.0.0.1 for the test's length."""
    inbox = Inbox(port=free_port())
    controller = Controller(inbox, hostname=inbox.host, port=inbox.port)
    controller.start()
    try:
        yield inbox
    finally:
        controller.stop()


def text_of(message: EmailMessage) -> str:
    """The text part of a message."""
    part = message.get_body(("plain",))
    assert part is not None
    return part.get_content()


def html_of(message: EmailMessage) -> str:
    """The HTML part of a message."""
    part = message.get_body(("html",))
    assert part is not None
    return part.get_content()
