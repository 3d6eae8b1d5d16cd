"""An item's label schema as the consensus engine's spec, and the check a proposal must pass."""

from typing import Any

from sqlmodel import Session

from workflow.consensus import ConsensusError, LabelSchemaSpec, infer_spec
from workflow.errors import InvalidInput
from workflow.models import Item, LabelSchema


def schema_of(session: Session, item: Item) -> LabelSchema | None:
    """The label schema governing the item, if its name has one."""
    return session.get(LabelSchema, item.schema_id) if item.schema_id else None


def check_fits(session: Session, item: Item, value: Any) -> None:
    """Refuse a proposal value its item's label schema does not accept (a 400, nothing stored)."""
    schema = schema_of(session, item)
    if schema is None:
        return
    try:
        LabelSchemaSpec.from_dict(schema.spec).validate(value)
    except ConsensusError as exc:
        raise InvalidInput(f"value does not fit label schema {schema.name!r}: {exc}") from None


def spec_for(session: Session, item: Item, values: list[Any]) -> tuple[LabelSchemaSpec, int | None]:
    """The item's spec and overlap: its schema's, or one inferred from the values proposed."""
    schema = schema_of(session, item)
    if schema is None:
        return infer_spec(item.name, values), None
    return LabelSchemaSpec.from_dict(schema.spec), schema.overlap
