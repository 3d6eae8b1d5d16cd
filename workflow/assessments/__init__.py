"""MLflow's assessment commands with Quorum's meaning: feedback, suggestions, and HUMAN
expectations as proposals."""

from workflow.assessments.commands import (
    delete_assessment,
    get_assessment,
    log_assessment,
    trace_assessments,
    update_assessment,
)

__all__ = [
    "delete_assessment",
    "get_assessment",
    "log_assessment",
    "trace_assessments",
    "update_assessment",
]
