"""One-click unsubscribe: a signed link names a person and what to stop (an event type, or
their digest), so that following it needs no sign-in and cannot be forged."""

import base64
import hashlib
import hmac
from dataclasses import dataclass

from sqlmodel import Session

from workflow.events.record import TYPES
from workflow.kernel.errors import InvalidInput
from workflow.mail.preferences import DIGEST, OFF, choose, preferences_of

DIGEST_SCOPE = "digest"


def _key(secret_key: str) -> bytes:
    # Its own key, derived: a signature made here is good for nothing else.
    return hmac.new(secret_key.encode(), b"quorum unsubscribe", hashlib.sha256).digest()


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _sign(secret_key: str, body: str) -> str:
    return _b64(hmac.new(_key(secret_key), body.encode(), hashlib.sha256).digest()[:18])


def token(secret_key: str, username: str, scope: str) -> str:
    """The signed token of (person, scope)."""
    body = _b64(f"{username}\n{scope}".encode())
    return f"{body}.{_sign(secret_key, body)}"


@dataclass(frozen=True, slots=True)
class Unsubscription:
    """What a token stops: whose emails, of which types."""

    username: str
    scope: str
    types: tuple[str, ...]


def read(session: Session, secret_key: str, signed: str) -> Unsubscription:
    """What `signed` would stop; InvalidInput for a token not made here."""
    refused = InvalidInput("this unsubscribe link is not one Quorum made")
    body, _, signature = signed.partition(".")
    if not hmac.compare_digest(signature.encode(), _sign(secret_key, body).encode()):
        raise refused
    try:
        username, scope = (
            base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)).decode().split("\n")
        )
    except (ValueError, UnicodeDecodeError):
        raise refused from None
    if scope == DIGEST_SCOPE:
        modes = preferences_of(session, username).modes
        types = tuple(t for t, mode in modes if mode == DIGEST)
    elif scope in TYPES:
        types = (scope,)
    else:
        raise refused
    return Unsubscription(username, scope, types)


def unsubscribe(session: Session, secret_key: str, signed: str) -> Unsubscription:
    """Turn off what `signed` names (again is harmless: it stays off)."""
    found = read(session, secret_key, signed)
    choose(session, found.username, dict.fromkeys(found.types, OFF))
    return found
