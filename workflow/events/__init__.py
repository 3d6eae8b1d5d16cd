"""Events: what happened, recorded once in the transaction that made it happen, for webhooks."""

from workflow.events.record import TYPES, Happening, emit, emit_many, wake

__all__ = ["TYPES", "Happening", "emit", "emit_many", "wake"]
