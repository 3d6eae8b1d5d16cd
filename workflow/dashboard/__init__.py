"""A campaign's dashboard: agreement, reliability and progress figures computed by a worker
after decisions and stored as a snapshot, read by the pages and the API."""

from workflow.dashboard.freshness import ask, note_decisions, refresh_missed
from workflow.dashboard.snapshot import snapshot
from workflow.dashboard.views import DashboardView, dashboard, refresh

__all__ = [
    "DashboardView",
    "ask",
    "dashboard",
    "note_decisions",
    "refresh",
    "refresh_missed",
    "snapshot",
]
