"""MLflow's wire format without a server: values survive the trip, masks read as MLflow writes."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from api.wire.assessments import expectation_json, expectation_value, mask_paths, to_draft
from api.wire.schemas import AssessmentIn, ExpectationIn, UpdateAssessmentIn
from workflow.kernel.errors import InvalidInput

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20,
)


@given(json_values.filter(lambda v: v is not None))
def test_every_json_value_survives_the_wire(value):
    wire = expectation_json(value)
    assert expectation_value(ExpectationIn.model_validate(wire)) == value


def test_dicts_and_lists_travel_serialised_scalars_plain():
    assert "serialized_value" in expectation_json({"n": 1})
    assert "serialized_value" in expectation_json([1])
    assert expectation_json(150) == {"value": 150}


@pytest.mark.parametrize(
    ("mask", "paths"),
    [
        ("assessmentName,expectation", {"assessment_name", "expectation"}),
        (["rationale"], {"rationale"}),
        ({"paths": ["metadata"]}, {"metadata"}),
    ],
)
def test_update_masks_in_every_spelling(mask, paths):
    body = UpdateAssessmentIn.model_validate({"assessment": {}, "update_mask": mask})
    assert mask_paths(body) == paths


def test_an_unknown_mask_path_is_refused():
    body = UpdateAssessmentIn.model_validate({"assessment": {}, "update_mask": "source"})
    with pytest.raises(InvalidInput, match="cannot be updated"):
        mask_paths(body)


def test_camel_case_bodies_are_accepted():
    assessment = AssessmentIn.model_validate(
        {
            "assessmentName": "expected_answer",
            "source": {"sourceType": "HUMAN", "sourceId": "a@x"},
            "expectation": {"value": "Paris"},
            "spanId": "cae1e44d99366d7d",
        }
    )
    draft = to_draft(assessment, trace_id="tr-1")
    assert (draft.name, draft.source_id, draft.span_id) == (
        "expected_answer",
        "a@x",
        "cae1e44d99366d7d",
    )
