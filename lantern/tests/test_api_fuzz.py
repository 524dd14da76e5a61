"""Schemathesis against our own OpenAPI document: no 5xx, and every response matches the
schema (status code, content type, headers, body), both anonymous and with a bearer token.

The calls go through the real WSGI application (all middleware), inside the test's
transaction: Django's per-request connection closing is switched off for the run, as the
test client does, so the application shares the test's PostgreSQL connection.

`positive_data_acceptance` is left out on purpose: schema-valid input may still be refused
with 422 by rules the schema cannot express (`available` above `maximum`, a postcode that
does not exist, a page past the end), and those refusals are tested by name elsewhere.
"""

from datetime import date

import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import (
    negative_data_rejection,
    not_a_server_error,
    positive_data_acceptance,
)
from schemathesis.specs.openapi.checks import response_schema_conformance

from lantern.directory.models import TaxonomyTerm
from lantern.directory.tests.hsds_official import official_document
from lantern.directory.tests.hsds_support import enrich_directory
from lantern.wsgi import application

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)

FUZZ_SETTINGS = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
EXCLUDED = [positive_data_acceptance]
# The HSDS lists read their query the way the official HSDS document allows (an empty value
# is absent, a repeated one counts once, as Django reads it, paging is clamped): data that
# our stricter document calls invalid is answered there on purpose, so the check that it
# is refused is left out for them alone. What they still refuse is tested by name in
# `lantern/directory/tests/test_api_errors.py`.
HSDS_LISTS = {
    f"/api/v1/{name}"
    for name in (
        "services",
        "organizations",
        "service_at_locations",
        "taxonomies",
        "taxonomy_terms",
    )
}


def _excluded(case) -> list:
    if case.operation.path in HSDS_LISTS:
        return [*EXCLUDED, negative_data_rejection]
    return EXCLUDED


# The official document's paths start at the API root.
BASE_URL = "http://localhost/api/v1"


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
    case.call_and_validate(excluded_checks=_excluded(case))


@schema.parametrize()
@FUZZ_SETTINGS
@pytest.mark.django_db
def test_api_with_token(case, fuzz_world):
    token = fuzz_world["provider_b"].token
    case.call_and_validate(
        headers={"Authorization": f"Bearer {token}"}, excluded_checks=_excluded(case)
    )


# --- the official HSDS 3.1 API document ---------------------------------------------------
#
# A client written against Open Referral's own `openapi.json` (not ours) must never be
# refused what that document allows: `positive_data_acceptance` is on here. The document is
# read from the repo with local references and the upstream errata applied
# (`lantern/directory/tests/hsds_official/`). Its `modified_after` has `format: datetime`, a
# format JSON Schema does not define, which it describes as a date-time: it is taught to
# schemathesis as one, so the run sends date-times there rather than arbitrary text.

schemathesis.openapi.format(
    "datetime",
    st.builds(
        lambda day, moment, zone: day.isoformat() if zone is None else f"{day}T{moment}{zone}",
        st.dates(min_value=date(1900, 1, 2), max_value=date(2100, 12, 30)),
        st.times(),
        st.sampled_from([None, "", "Z", "+05:30", "-08:00"]),
    ),
)

official = schemathesis.openapi.from_dict(official_document())
official.app = application
OFFICIAL_CHECKS = [not_a_server_error, response_schema_conformance, positive_data_acceptance]
OFFICIAL_SETTINGS = settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)


@pytest.fixture
def official_world(fuzz_world):
    """The world plus imported taxonomies with a parent term and attributes, so that lists
    have content; and a real id of each kind for the detail endpoints."""
    enrich_directory()
    term = TaxonomyTerm.objects.filter(parent__isnull=False).first()
    fuzz_world.real_ids = {
        "/services/{id}": fuzz_world.b_confidential.service_id,
        "/organizations/{id}": fuzz_world.hsds_b.pk,
        "/service_at_locations/{id}": fuzz_world.b_confidential.pk,
        "/taxonomies/{id}": term.taxonomy_detail_id,
        "/taxonomy_terms/{id}": term.pk,
    }
    return fuzz_world


@official.parametrize()
@OFFICIAL_SETTINGS
@pytest.mark.django_db
def test_official_hsds_document_is_answered_in_full(case, official_world):
    """Every schema-valid request of the official document is accepted (2xx, or 404 for an
    id that names nothing), answers without a server error, and matches the official
    response schemas; the detail endpoints are also asked for a real id."""
    case.call_and_validate(base_url=BASE_URL, checks=OFFICIAL_CHECKS)
    real = official_world.real_ids.get(case.operation.path)
    positive = case._meta is None or case._meta.generation.mode == GenerationMode.POSITIVE
    if real is not None and positive:
        found = case.operation.Case(path_parameters={"id": str(real)}, query=case.query)
        response = found.call_and_validate(base_url=BASE_URL, checks=OFFICIAL_CHECKS)
        assert response.status_code == 200, (case.query, response.text)
