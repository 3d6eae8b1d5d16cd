"""Quorum's consensus engine: typed agreement, consensus, dataset statistics and reliability.
Pure: the standard library and numpy only, so workers, the API and notebooks share one engine."""

from workflow.consensus.batch import BatchResult, evaluate_batch
from workflow.consensus.decision import (
    AnnotatorReliability,
    FieldDecision,
    ItemDecision,
    Outcome,
    ProposalInput,
    Reason,
)
from workflow.consensus.engine import decide, evaluate_item
from workflow.consensus.errors import ConsensusError, SchemaConfigError, ValueMismatchError
from workflow.consensus.infer import infer_spec
from workflow.consensus.schema import LabelSchemaSpec, ListMode, ValueType
from workflow.consensus.stats.alpha import AlphaResult, alpha
from workflow.consensus.stats.dataset import annotator_kappa, level_for, schema_alpha
from workflow.consensus.stats.dawid_skene import DawidSkeneResult, dawid_skene
from workflow.consensus.stats.kappa import KappaMatrix, cohen_kappa, fleiss_kappa, kappa_matrix
from workflow.consensus.stats.reliability import agreement_with, leave_one_out
from workflow.consensus.stats.reliability_batch import batch_leave_one_out

__all__ = [
    "AlphaResult",
    "AnnotatorReliability",
    "BatchResult",
    "ConsensusError",
    "DawidSkeneResult",
    "FieldDecision",
    "ItemDecision",
    "KappaMatrix",
    "LabelSchemaSpec",
    "ListMode",
    "Outcome",
    "ProposalInput",
    "Reason",
    "SchemaConfigError",
    "ValueMismatchError",
    "ValueType",
    "agreement_with",
    "alpha",
    "annotator_kappa",
    "batch_leave_one_out",
    "cohen_kappa",
    "dawid_skene",
    "decide",
    "evaluate_batch",
    "evaluate_item",
    "fleiss_kappa",
    "infer_spec",
    "kappa_matrix",
    "leave_one_out",
    "level_for",
    "schema_alpha",
]
