"""The append-only audit log, written inside the caller's transaction."""

from workflow.audit.log import assessment_changed, entries, record, record_rows, row

__all__ = ["assessment_changed", "entries", "record", "record_rows", "row"]
