"""Schemathesis against our own OpenAPI document: no 5xx, and every response matches the
schema (status code, content type, headers, body), both anonymous and with a bearer token.

The calls go through the real WSGI application (all middleware), inside the test's
transaction: Django's per-request connection closing is switched off for the run, as the
test client does, so the application shares the test's PostgreSQL connection.

`positive_data_acceptance` is left out on purpose: schema-valid input may still be refused
with 422 by rules the schema cannot express (`available` above `maximum`, a postcode that
does not exist, a page past the end), and those refusals are tested by name elsewhere.
"""

import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import positive_data_acceptance

from lantern.wsgi import application

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)

FUZZ_SETTINGS = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
EXCLUDED = [positive_data_acceptance]


@pytest.fixture
def fuzz_world(world):
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield world
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


@schema.parametrize()
@FUZZ_SETTINGS
@pytest.mark.django_db
def test_api_anonymous(case, fuzz_world):
    case.call_and_validate(excluded_checks=EXCLUDED)


@schema.parametrize()
@FUZZ_SETTINGS
@pytest.mark.django_db
def test_api_with_token(case, fuzz_world):
    token = fuzz_world["provider_b"].token
    case.call_and_validate(headers={"Authorization": f"Bearer {token}"}, excluded_checks=EXCLUDED)
