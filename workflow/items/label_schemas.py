"""An item's label schema as the consensus engine's spec, and the check a proposal must pass."""

from dataclasses import dataclass
from typing import Any

from sqlmodel import Session, col, select

from workflow import audit
from workflow.consensus import ConsensusError, LabelSchemaSpec, infer_spec
from workflow.items.store import ItemRef
from workflow.kernel.errors import AlreadyExists, InvalidInput
from workflow.models import Item, LabelSchema


@dataclass(frozen=True, slots=True)
class LabelSchemaView:
    """A label schema as the API shows it: the engine's spec and the overlap it asks for."""

    name: str
    value_type: str
    spec: dict[str, Any]
    overlap: int | None


def _view(schema: LabelSchema) -> LabelSchemaView:
    return LabelSchemaView(schema.name, schema.value_type, schema.spec, schema.overlap)


def schema_of(session: Session, item: Item | ItemRef) -> LabelSchema | None:
    """The label schema governing the item, if its name has one."""
    return session.get(LabelSchema, item.schema_id) if item.schema_id else None


def check_fits(session: Session, item: Item | ItemRef, value: Any) -> None:
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


def create_schema(
    session: Session, *, spec: dict[str, Any], overlap: int | None, actor: str
) -> LabelSchemaView:
    """Register a label schema; its spec is checked by the consensus engine first."""
    try:
        checked = LabelSchemaSpec.from_dict(spec)
    except ConsensusError as exc:
        raise InvalidInput(f"invalid label schema: {exc}") from None
    if overlap is not None and not 1 <= overlap <= 100:
        raise InvalidInput("overlap must be between 1 and 100")
    if session.exec(select(LabelSchema.id).where(LabelSchema.name == checked.name)).first():
        raise AlreadyExists(f"label schema {checked.name!r} already exists")
    schema = LabelSchema(
        name=checked.name,
        value_type=checked.value_type.value,
        spec=checked.to_dict(),
        overlap=overlap,
    )
    session.add(schema)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="label_schema.create",
        subject_type="label_schema",
        subject_id=checked.name,
        overlap=overlap,
    )
    return _view(schema)


def list_schemas(session: Session) -> list[LabelSchemaView]:
    """Every label schema, by name."""
    rows = session.exec(select(LabelSchema).order_by(col(LabelSchema.name))).all()
    return [_view(schema) for schema in rows]
