"""Standard Webhooks signatures, pure: secrets in the `whsec_` form, the signed content
`{id}.{timestamp}.{body}`, and the headers that carry them."""

import base64
import hashlib
import hmac
import secrets

PREFIX = "whsec_"
SECRET_BYTES = 24


def new_secret() -> str:
    """A fresh endpoint secret, shown once to whoever made it."""
    return PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


def signature(secret: str, message_id: str, timestamp: int, body: bytes) -> str:
    """The `v1,` signature of one message under one secret."""
    key = base64.b64decode(secret.removeprefix(PREFIX))
    signed = f"{message_id}.{timestamp}.".encode() + body
    digest = hmac.new(key, signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def headers(signing: list[str], message_id: str, timestamp: int, body: bytes) -> dict[str, str]:
    """The webhook headers of a message: its id (the same on every retry), its time, and a
    signature per secret (two while a rotation overlaps), space-separated."""
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": " ".join(signature(s, message_id, timestamp, body) for s in signing),
        "content-type": "application/json",
    }
