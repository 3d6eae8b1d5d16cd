"""Errors raised by the consensus engine, all `ValueError` subclasses so callers map them to 4xx."""


class ConsensusError(ValueError):
    """Base class for every error the consensus engine raises on bad input."""


class SchemaConfigError(ConsensusError):
    """A label schema's configuration is invalid (bad type, option, bound or policy)."""


class ValueMismatchError(ConsensusError):
    """A proposed value does not fit its label schema."""

    def __init__(self, schema: str, path: str, message: str) -> None:
        where = f"{schema}.{path}" if path else schema
        super().__init__(f"{where}: {message}")
        self.schema = schema
        self.path = path
