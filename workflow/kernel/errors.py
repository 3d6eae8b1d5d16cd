"""Domain errors: what went wrong, in words the edges map to status codes in one place."""


class QuorumError(Exception):
    """Base of every error the domain raises on purpose."""

    code = "INTERNAL_ERROR"


class InvalidInput(QuorumError):
    """The caller sent something the domain refuses; nothing was changed."""

    code = "INVALID_PARAMETER_VALUE"


class NotFound(QuorumError):
    """The named resource does not exist (or is not visible to the caller)."""

    code = "RESOURCE_DOES_NOT_EXIST"


class AlreadyExists(QuorumError):
    """The resource to create exists already; creating it again is refused."""

    code = "RESOURCE_ALREADY_EXISTS"


class Forbidden(QuorumError):
    """The caller may not do this (not on the item's committee, for instance)."""

    code = "PERMISSION_DENIED"


class Conflict(QuorumError):
    """The request clashes with the resource's current state."""

    code = "INVALID_STATE"


class Unauthenticated(QuorumError):
    """No credential, or one that is wrong, expired or revoked."""

    code = "UNAUTHENTICATED"


class RateLimited(QuorumError):
    """Too many writes too fast; `retry_after` says when the next one is allowed."""

    code = "RESOURCE_EXHAUSTED"

    def __init__(self, message: str, *, retry_after: float) -> None:
        super().__init__(message)
        self.retry_after = retry_after
