"""Traces: MLflow's trace JSON read into records, registered once per trace id, and read back."""

from workflow.traces.store import get_trace, list_traces, register_traces

__all__ = ["get_trace", "list_traces", "register_traces"]
