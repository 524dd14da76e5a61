"""`?search=`: the same answer on both databases, and an indexable query on PostgreSQL."""

import pytest
from django.db import connection

from lantern.directory.selectors import DirectoryFilters, services_list
from lantern.directory.tests.api_support import get, ids
from lantern.testing import HsdsOrganizationFactory, ServiceFactory, make_listing

pytestmark = pytest.mark.django_db


@pytest.fixture
def texts(world):
    harbor = HsdsOrganizationFactory(name="Harbor Light Alliance")
    return {
        "by_name": ServiceFactory(name="Lighthouse Night Shelter", description="Beds."),
        "by_description": ServiceFactory(name="Open Door", description="A quiet SHELTER bed."),
        "by_organization": make_listing(org=harbor, name="Legal clinic").service,
        "neither": ServiceFactory(name="Food pantry", description="Groceries on Fridays."),
        "wildcard": ServiceFactory(name="100% free legal_help", description="Advice."),
    }


def test_search_reads_name_description_and_organization_in_any_case(texts, client):
    found = ids(get(client, "/api/v1/services", {"search": "shelter"}))
    assert str(texts["by_name"].id) in found
    assert str(texts["by_description"].id) in found
    assert str(texts["neither"].id) not in found
    by_org = ids(get(client, "/api/v1/services", {"search": "HARBOR light"}))
    assert str(texts["by_organization"].id) in by_org
    assert str(texts["by_name"].id) not in by_org
    sal = ids(get(client, "/api/v1/service_at_locations", {"search": "harbor light"}))
    assert sal == {str(s.id) for s in texts["by_organization"].service_at_locations.all()}


def test_search_wildcards_are_plain_characters(texts, client):
    assert ids(get(client, "/api/v1/services", {"search": "100%"})) == {str(texts["wildcard"].id)}
    assert ids(get(client, "/api/v1/services", {"search": "l_h"})) == {str(texts["wildcard"].id)}
    assert str(texts["neither"].id) not in ids(get(client, "/api/v1/services", {"search": "%"}))


@pytest.mark.skipif(connection.vendor != "postgresql", reason="trigram indexes are PostgreSQL's")
def test_search_can_be_answered_from_the_trigram_indexes(texts):
    """Every branch of the search is indexable: with sequential scans priced out, the plan
    reads the three trigram indexes and no table scan. A join or `IN (subquery)` for the
    organization's name would leave a `Seq Scan on service` here."""
    matching = services_list(DirectoryFilters(search="shelter")).order_by().values("id")
    sql, params = matching.query.sql_with_params()  # what the page count reads
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    for index in ("service_name_trgm", "service_description_trgm", "organization_name_trgm"):
        assert index in plan
    assert "Seq Scan" not in plan
