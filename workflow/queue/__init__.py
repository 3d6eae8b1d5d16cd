"""The annotator queue: claim the next item under a lease, renew it, skip or release it."""

from workflow.queue.claims import (
    ClaimView,
    claim_next,
    claims_of,
    expire_leases,
    heartbeat,
    release,
    skip,
)
from workflow.queue.reminders import note_expiring
from workflow.queue.submit import submit_claim

__all__ = [
    "ClaimView",
    "claim_next",
    "claims_of",
    "expire_leases",
    "heartbeat",
    "note_expiring",
    "release",
    "skip",
    "submit_claim",
]
