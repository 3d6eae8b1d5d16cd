"""Bulk import of HUMAN expectations: checked whole, then written in a few statements."""

from workflow.imports.expectations import import_proposals

__all__ = ["import_proposals"]
