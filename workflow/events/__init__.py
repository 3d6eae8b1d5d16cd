"""Events: what happened, recorded once in the transaction that made it happen, for webhooks
and email."""

from workflow.events.record import (
    ADDRESSED,
    TYPES,
    Happening,
    emit,
    emit_many,
    endpoints_changed,
    row,
    wake,
    wake_mailer,
    written,
)

__all__ = [
    "ADDRESSED",
    "TYPES",
    "Happening",
    "emit",
    "emit_many",
    "endpoints_changed",
    "row",
    "wake",
    "wake_mailer",
    "written",
]
