"""Identifiers in MLflow's spellings: assessment ids, trace ids and span ids."""

import base64
import binascii
import re
import secrets

from workflow.kernel.errors import InvalidInput

ASSESSMENT_ID = re.compile(r"^a-[0-9a-f]{8,64}$")
SPAN_ID_HEX = re.compile(r"^[0-9a-f]{16}$")
TRACE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$")


def new_assessment_id() -> str:
    """A fresh `a-` + 32 hex digits id, as MLflow's server makes them."""
    return f"a-{secrets.token_hex(16)}"


def check_trace_id(trace_id: str) -> str:
    """Refuse trace ids that cannot be MLflow trace ids (`tr-…` and the guide's short forms)."""
    if not TRACE_ID.match(trace_id):
        raise InvalidInput(f"invalid trace id {trace_id!r}")
    return trace_id


def check_span_id(span_id: str) -> str:
    """Refuse span ids that are not 16 lower-case hex digits (MLflow's Python spelling)."""
    if not SPAN_ID_HEX.match(span_id):
        raise InvalidInput(f"invalid span id {span_id!r}: expected 16 hex digits")
    return span_id


def span_id_to_hex(raw: str) -> str:
    """A span id from trace JSON (base64 of 8 bytes) or already hex, as 16 hex digits."""
    if SPAN_ID_HEX.match(raw):
        return raw
    try:
        decoded = base64.b64decode(raw, validate=True)
    except (binascii.Error, ValueError):
        decoded = b""
    if len(decoded) != 8:
        raise InvalidInput(f"invalid span id {raw!r}: expected base64 of 8 bytes or 16 hex digits")
    return decoded.hex()


def hex_to_base64(hex_id: str) -> str:
    """The base64 spelling of a hex id, as OpenTelemetry's proto JSON carries bytes."""
    return base64.b64encode(bytes.fromhex(hex_id)).decode()
