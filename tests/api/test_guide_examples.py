"""Every code example of the MLflow expectations guide, unchanged, through the real client."""

import textwrap

import mlflow
import pytest
from mlflow.entities import AssessmentSource
from mlflow.entities.assessment_source import AssessmentSourceType

from tests.factories import RETRIEVER_SPAN, trace_json

# The guide's code blocks, verbatim (the text copy lost their indentation; restored here).
FACTUAL = """
mlflow.log_expectation(
    trace_id=trace_id,
    name="expected_answer",
    value="The speed of light in vacuum is 299,792,458 meters per second",
    source=AssessmentSource(
        source_type=AssessmentSourceType.HUMAN,
        source_id="physics_expert@university.edu",
    ),
)
"""
STRUCTURED = """
mlflow.log_expectation(
    trace_id=trace_id,
    name="expected_extraction",
    value={
        "company": "TechCorp Inc.",
        "sentiment": "positive",
        "key_topics": ["product_launch", "quarterly_earnings", "market_expansion"],
        "action_required": True,
    },
    source=AssessmentSource(
        source_type=AssessmentSourceType.HUMAN, source_id="business_analyst@company.com"
    ),
)
"""
BEHAVIORAL = """
mlflow.log_expectation(
    trace_id=trace_id,
    name="expected_behavior",
    value={
        "should_escalate": True,
        "required_elements": ["empathy", "solution_offer", "follow_up"],
        "max_response_length": 150,
        "tone": "professional_friendly",
    },
    source=AssessmentSource(
        source_type=AssessmentSourceType.HUMAN,
        source_id="customer_success_lead@company.com",
    ),
)
"""
SPAN_LEVEL = """
# Expected documents for RAG retrieval
mlflow.log_expectation(
    trace_id=trace_id,
    span_id=retrieval_span_id,
    name="expected_documents",
    value=["policy_doc_2024", "faq_section_3", "user_guide_ch5"],
    source=AssessmentSource(
        source_type=AssessmentSourceType.HUMAN,
        source_id="information_architect@company.com",
    ),
)
"""
DOCUMENTED = """
mlflow.log_expectation(
    trace_id=trace_id,
    name="expected_diagnosis",
    value={
        "primary": "Type 2 Diabetes",
        "risk_factors": ["obesity", "family_history"],
        "recommended_tests": ["HbA1c", "fasting_glucose"],
    },
    metadata={
        "guideline_version": "ADA_2024",
        "confidence": "high",
        "based_on": "clinical_presentation_and_history",
    },
    source=AssessmentSource(
        source_type=AssessmentSourceType.HUMAN, source_id="endocrinologist@hospital.org"
    ),
)
"""
SETUP = """
import mlflow
from mlflow.entities import AssessmentSource
from mlflow.entities.assessment_source import AssessmentSourceType
# Define your domain expert source
expert_source = AssessmentSource(
    source_type=AssessmentSourceType.HUMAN, source_id="domain_expert@company.com"
)
"""
FUNCTIONS = '''
def log_factual_expectation(trace_id, question, correct_answer):
    """Log expectation for factual questions."""
    mlflow.log_expectation(
        trace_id=trace_id,
        name="expected_factual_answer",
        value=correct_answer,
        source=expert_source,
        metadata={
            "question": question,
            "expectation_type": "factual",
            "confidence": "high",
            "verified_by": "subject_matter_expert",
        },
    )
def log_structured_expectation(trace_id, expected_extraction):
    """Log expectation for structured data extraction."""
    mlflow.log_expectation(
        trace_id=trace_id,
        name="expected_extraction",
        value=expected_extraction,
        source=expert_source,
        metadata={
            "expectation_type": "structured",
            "schema_version": "v1.0",
            "annotation_guidelines": "company_extraction_standards_v2",
        },
    )
def log_behavioral_expectation(trace_id, expected_behavior):
    """Log expectation for AI behavior patterns."""
    mlflow.log_expectation(
        trace_id=trace_id,
        name="expected_behavior",
        value=expected_behavior,
        source=expert_source,
        metadata={
            "expectation_type": "behavioral",
            "behavior_category": "customer_service",
            "compliance_requirement": "company_policy_v3",
        },
    )
'''
WORKFLOW = """
# Example: Annotating a customer service interaction
trace_id = "tr-customer-service-001"
# Define what the AI should have said
factual_answer = "Your account balance is $1,234.56 as of today."
log_factual_expectation(trace_id, "What is my account balance?", factual_answer)
# Define expected data extraction
expected_extraction = {
    "intent": "account_balance_inquiry",
    "account_type": "checking",
    "urgency": "low",
    "requires_authentication": True,
}
log_structured_expectation(trace_id, expected_extraction)
# Define expected behavior
expected_behavior = {
    "should_verify_identity": True,
    "tone": "professional_helpful",
    "should_offer_additional_help": True,
    "escalation_required": False,
}
log_behavioral_expectation(trace_id, expected_behavior)
"""
BATCH = '''
def annotate_batch_expectations(annotation_data):
    """Annotate multiple traces with ground truth expectations."""
    for item in annotation_data:
        try:
            mlflow.log_expectation(
                trace_id=item["trace_id"],
                name=item["expectation_name"],
                value=item["expected_value"],
                source=AssessmentSource(
                    source_type=AssessmentSourceType.HUMAN,
                    source_id=item["annotator_id"],
                ),
                metadata={
                    "batch_id": item["batch_id"],
                    "annotation_session": item["session_id"],
                    "quality_checked": True,
                },
            )
            print(f"✓ Annotated {item['trace_id']}")
        except Exception as e:
            print(f"✗ Failed to annotate {item['trace_id']}: {e}")
# Example batch annotation data
batch_data = [
    {
        "trace_id": "tr-001",
        "expectation_name": "expected_answer",
        "expected_value": "Paris is the capital of France",
        "annotator_id": "expert1@company.com",
        "batch_id": "geography_qa_batch_1",
        "session_id": "session_2024_01_15",
    },
    {
        "trace_id": "tr-002",
        "expectation_name": "expected_answer",
        "expected_value": "The speed of light is 299,792,458 m/s",
        "annotator_id": "expert2@company.com",
        "batch_id": "physics_qa_batch_1",
        "session_id": "session_2024_01_15",
    },
]
annotate_batch_expectations(batch_data)
'''
RETRIEVE = """
# Get a specific expectation by ID
expectation = mlflow.get_assessment(
    trace_id="tr-1234567890abcdef", assessment_id="a-0987654321abcdef"
)
# Access expectation details
name = expectation.name
value = expectation.value
source_type = expectation.source.source_type
metadata = expectation.metadata if hasattr(expectation, "metadata") else None
"""
UPDATE = """
from mlflow.entities import Expectation
# Update expectation with corrected information
updated_expectation = Expectation(
    name="expected_answer",
    value="The capital of France is Paris, located in the Île-de-France region",
)
mlflow.update_assessment(
    trace_id="tr-1234567890abcdef",
    assessment_id="a-0987654321abcdef",
    assessment=updated_expectation,
)
"""
DELETE = """
# Delete specific expectation
mlflow.delete_assessment(
    trace_id="tr-1234567890abcdef", assessment_id="a-5555666677778888"
)
"""

GUIDE_TRACES = ["tr-customer-service-001", "tr-001", "tr-002", "tr-1234567890abcdef"]


def run(block: str, namespace: dict) -> dict:
    """Execute one guide block in the namespace the guide's reader would have."""
    exec(compile(textwrap.dedent(block), "<guide>", "exec"), namespace)
    return namespace


def expectations(trace_id: str) -> dict[str, object]:
    """Name -> value of the trace's expectations, read back through the client."""
    trace = mlflow.get_trace(trace_id)
    return {a.name: a.value for a in trace.search_assessments(type="expectation")}


@pytest.fixture
def guide_server(live, http):
    """A live server with the guide's traces and the two assessments its last examples name."""
    response = http.post("/api/v1/traces", json=[trace_json(trace_id) for trace_id in GUIDE_TRACES])
    assert response.status_code == 201, response.text
    for assessment_id, annotator in [
        ("a-0987654321abcdef", "expert@company.com"),
        ("a-5555666677778888", "other@company.com"),
    ]:
        seeded = http.post(
            "/api/3.0/mlflow/traces/tr-1234567890abcdef/assessments",
            json={
                "assessment": {
                    "assessment_id": assessment_id,
                    "assessment_name": "expected_answer",
                    "source": {"source_type": "HUMAN", "source_id": annotator},
                    "expectation": {"value": "Paris"},
                }
            },
        )
        assert seeded.status_code == 200, seeded.text
    mlflow.set_tracking_uri(live.url)
    return live


def test_the_four_kinds_of_expectation(guide_server, http):
    trace = trace_json()
    trace_id = trace["info"]["trace_id"]
    http.post("/api/v1/traces", json=trace).raise_for_status()
    namespace = {
        "mlflow": mlflow,
        "AssessmentSource": AssessmentSource,
        "AssessmentSourceType": AssessmentSourceType,
        "trace_id": trace_id,
        "retrieval_span_id": RETRIEVER_SPAN,
    }
    for block in (FACTUAL, STRUCTURED, BEHAVIORAL, SPAN_LEVEL, DOCUMENTED):
        run(block, namespace)
    assert expectations(trace_id) == {
        "expected_answer": "The speed of light in vacuum is 299,792,458 meters per second",
        "expected_extraction": {
            "company": "TechCorp Inc.",
            "sentiment": "positive",
            "key_topics": ["product_launch", "quarterly_earnings", "market_expansion"],
            "action_required": True,
        },
        "expected_behavior": {
            "should_escalate": True,
            "required_elements": ["empathy", "solution_offer", "follow_up"],
            "max_response_length": 150,
            "tone": "professional_friendly",
        },
        "expected_documents": ["policy_doc_2024", "faq_section_3", "user_guide_ch5"],
        "expected_diagnosis": {
            "primary": "Type 2 Diabetes",
            "risk_factors": ["obesity", "family_history"],
            "recommended_tests": ["HbA1c", "fasting_glucose"],
        },
    }
    behavior = expectations(trace_id)["expected_behavior"]
    assert type(behavior["max_response_length"]) is int
    spans = {
        a.span_id for a in mlflow.get_trace(trace_id).search_assessments(name="expected_documents")
    }
    assert spans == {RETRIEVER_SPAN}


def test_the_single_annotation_workflow(guide_server):
    namespace = run(SETUP, {})
    run(FUNCTIONS, namespace)
    run(WORKFLOW, namespace)
    logged = expectations("tr-customer-service-001")
    assert logged["expected_factual_answer"] == "Your account balance is $1,234.56 as of today."
    assert logged["expected_extraction"]["requires_authentication"] is True
    assert logged["expected_behavior"]["escalation_required"] is False


def test_the_batch_annotation_loop(guide_server, capsys):
    run(
        BATCH,
        {
            "mlflow": mlflow,
            "AssessmentSource": AssessmentSource,
            "AssessmentSourceType": AssessmentSourceType,
        },
    )
    printed = capsys.readouterr().out
    assert printed.splitlines() == ["✓ Annotated tr-001", "✓ Annotated tr-002"]
    assert expectations("tr-001") == {"expected_answer": "Paris is the capital of France"}
    assert expectations("tr-002") == {"expected_answer": "The speed of light is 299,792,458 m/s"}


def test_retrieve_update_and_delete(guide_server):
    namespace = run(RETRIEVE, {"mlflow": mlflow})
    assert (namespace["name"], namespace["value"], namespace["source_type"]) == (
        "expected_answer",
        "Paris",
        "HUMAN",
    )
    run(UPDATE, {"mlflow": mlflow})
    updated = mlflow.get_assessment(
        trace_id="tr-1234567890abcdef", assessment_id="a-0987654321abcdef"
    )
    assert updated.value == "The capital of France is Paris, located in the Île-de-France region"
    run(DELETE, {"mlflow": mlflow})
    with pytest.raises(mlflow.exceptions.MlflowException, match="RESOURCE_DOES_NOT_EXIST"):
        mlflow.get_assessment(trace_id="tr-1234567890abcdef", assessment_id="a-5555666677778888")
