"""The ranking query's shape on PostgreSQL: each narrowing can be answered from an index.

Plans depend on table statistics, so these tests price sequential scans out and check that
the indexes *can* answer; a rewrite that loses an indexable form (an OR across the box and
"has no place", say) shows a `Seq Scan` or a missing index here.
"""

import pytest
from django.db import connection

from lantern.matching import engine, loader
from lantern.testing import HsdsOrganizationFactory, make_listing

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's plans"),
]

FIELDS = ("service_id", "name", "points", "open_updated")


def plan_of(queryset) -> str:
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        return "\n".join(row[0] for row in cursor.fetchall())


@pytest.fixture
def listings(db):
    org = HsdsOrganizationFactory()
    for i in range(5):
        make_listing(org=org, latitude=41.8 + i / 100, types=("legal",))


def test_a_search_with_a_distance_limit_reads_the_box_and_the_unplaced_index(listings):
    needs = engine.Needs(
        latitude=41.85, longitude=-87.65, max_distance_km=30, help_types=frozenset({"legal"})
    )
    rows = loader._eligible_rows(needs, FIELDS)
    assert "UNION ALL" in str(rows.query)
    plan = plan_of(rows)
    assert "match_entry_unplaced_types_gin" in plan  # services without a place
    assert "match_point_latitud" in plan  # the places in the box, from the points' index
    assert "Seq Scan" not in plan


def test_a_search_without_a_distance_limit_is_one_branch(listings):
    needs = engine.Needs(latitude=41.85, longitude=-87.65, help_types=frozenset({"legal"}))
    rows = loader._eligible_rows(needs, FIELDS)
    assert "UNION" not in str(rows.query)
    assert "match_entry_service_types_gin" in plan_of(rows)
