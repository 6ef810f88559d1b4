"""Schemathesis against the API's own OpenAPI description: whatever a client sends that the
description allows (and much that it does not), the API answers without a 500 and as described."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from registry.api import openapi
from registry.api import views as _endpoints  # noqa: F401 - declares the operations
from registry.extensions import db
from registry.models import User
from registry.services import api_tokens

# The description the API serves at /api/v1/openapi.json (test_api.py checks that it is this one).
schema = schemathesis.openapi.from_dict(openapi.describe())
schema.config.update(base_url="http://localhost/api/v1")


@pytest.fixture
def supervisor_token(app, supervisor, officer, register) -> str:  # type: ignore[no-untyped-def]
    register(officer)
    with app.app_context():
        token = api_tokens.create_token(db.session.get(User, supervisor.id), created_by="test")[1]
        db.session.commit()
    return token


@schema.parametrize()
@settings(max_examples=15, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                 HealthCheck.filter_too_much, HealthCheck.data_too_large])  # fmt: skip
def test_the_api_answers_as_its_description_says(case, app, supervisor_token):  # type: ignore[no-untyped-def]
    # Requests (and the checks' probes: the same call without a token) go to the app itself,
    # as schemathesis.openapi.from_wsgi would arrange.
    case.operation.schema.app = app
    # A body the schema allows may still break a rule the schema cannot say (a border point the
    # caller does not hold, a nationality that is no country): 422 is right for it, so the check
    # that every schema-valid body is accepted does not apply.
    case.call_and_validate(app=app, headers={"Authorization": f"Bearer {supervisor_token}"},
                           excluded_checks=[schemathesis.checks.positive_data_acceptance])
