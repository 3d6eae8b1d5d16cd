"""Events: what happened, recorded once in the transaction that made it happen, for webhooks."""

from workflow.events.record import (
    TYPES,
    Happening,
    emit,
    emit_many,
    endpoints_changed,
    row,
    wake,
    written,
)

__all__ = [
    "TYPES",
    "Happening",
    "emit",
    "emit_many",
    "endpoints_changed",
    "row",
    "wake",
    "written",
]
