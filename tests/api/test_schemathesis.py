"""Schemathesis against /openapi.json, signed in as each role: no 5xx, no invalid input
accepted, whatever the role and whatever the body."""

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import negative_data_rejection, not_a_server_error

from api.app import create_app
from tests.identities import bearer, token_for
from workflow.kernel.settings import Settings

# The description is the app's own, built without a database.
SCHEMA = schemathesis.openapi.from_dict(create_app(Settings(database_url="sqlite://")).openapi())
OPERATIONS = [result.ok() for result in SCHEMA.get_all_operations()]
ROLES = {
    "annotator": ("fuzz-ann", "annotator", False),
    "reviewer": ("fuzz-rev", "reviewer", False),
    "lead": ("fuzz-lead", "lead", False),
    "importer": ("fuzz-loader", "annotator", True),
    "admin": ("fuzz-admin", "admin", False),
}
# Per operation, mode and role: 33 operations x 2 modes x 5 roles x 5 examples is about 1,650
# requests, some 70 s; CI runs it on every push.
EXAMPLES = 5


# On PostgreSQL only: the production database, and half the time (SQLite shares every route).
@pytest.mark.parametrize("engine", ["postgresql"], indirect=True)
@pytest.mark.parametrize("role", ROLES)
def test_no_role_meets_a_server_error_or_has_invalid_input_accepted(live, role):
    name, kind, importer = ROLES[role]
    headers = bearer(token_for(live.engine, name, kind, can_import=importer))
    no_invalid_form = []
    for operation in OPERATIONS:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @settings(
                max_examples=EXAMPLES,
                deadline=None,
                database=None,
                suppress_health_check=list(HealthCheck),
            )
            @given(case=operation.as_strategy(generation_mode=mode))
            def check(case):
                response = case.call(base_url=live.url, headers=headers)
                case.validate_response(
                    response, checks=[not_a_server_error, negative_data_rejection]
                )

            try:
                check()
            except Unsatisfiable:
                # Nothing about this operation can be made invalid (a GET with no parameter).
                assert mode is GenerationMode.NEGATIVE
                no_invalid_form.append(f"{operation.method} {operation.path}")
    live.drain()
    assert len(no_invalid_form) < len(OPERATIONS) / 2, no_invalid_form
