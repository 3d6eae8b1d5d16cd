"""Credentials at rest: salted scrypt for passwords, SHA-256 for random tokens, HMAC for CSRF."""

import base64
import hashlib
import hmac
import secrets

TOKEN_PREFIX = "qrm_"
# scrypt cost: N=2**14, r=8 (16 MiB, 77 ms measured here) is the interactive-login setting its
# authors recommend; a password is checked once per login, never per request.
_N, _R, _P, _LENGTH = 2**14, 8, 1, 32


def new_token() -> str:
    """A fresh API token: 256 random bits, prefixed so leaked ones are easy to scan for."""
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def new_secret() -> str:
    """A fresh random secret for a session cookie or a generated password."""
    return secrets.token_urlsafe(24)


def digest(secret: str) -> str:
    """SHA-256 of a random secret: enough for 256-bit tokens, which no dictionary holds."""
    return hashlib.sha256(secret.encode()).hexdigest()


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode()


def hash_password(password: str) -> str:
    """A salted scrypt hash, with its parameters, as one string."""
    salt = secrets.token_bytes(16)
    key = hashlib.scrypt(password.encode(), salt=salt, n=_N, r=_R, p=_P, dklen=_LENGTH)
    return f"scrypt${_N}${_R}${_P}${_b64(salt)}${_b64(key)}"


def verify_password(password: str, stored: str | None) -> bool:
    """Whether `password` matches `stored`; constant time in the comparison."""
    if stored is None:
        return False
    try:
        scheme, n, r, p, salt, key = stored.split("$")
        expected = base64.b64decode(key)
        actual = hashlib.scrypt(
            password.encode(),
            salt=base64.b64decode(salt),
            n=int(n),
            r=int(r),
            p=int(p),
            dklen=len(expected),
        )
    except ValueError:
        return False
    return scheme == "scrypt" and hmac.compare_digest(actual, expected)


def csrf_token(key: str, session_secret: str) -> str:
    """The CSRF token of a page session: derived, so nothing more is stored."""
    return hmac.new(key.encode(), b"csrf:" + session_secret.encode(), hashlib.sha256).hexdigest()


def same(left: str, right: str) -> bool:
    """Constant-time equality of two secrets."""
    return hmac.compare_digest(left.encode(), right.encode())
