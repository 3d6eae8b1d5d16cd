"""Background work: the task registry, the runner that executes outbox messages exactly once, and
the reconciler."""
