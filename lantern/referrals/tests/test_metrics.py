from datetime import UTC, date, datetime, timedelta

import pytest
from django.db import connection
from django.utils import timezone

from lantern.core.api_errors import FieldError
from lantern.directory.models import LocationType, ServiceAtLocation
from lantern.directory.selectors import service_facts
from lantern.referrals import metrics
from lantern.referrals.metrics import MetricsFilters, Period, referral_metrics
from lantern.referrals.models import Referral
from lantern.referrals.services import referral_transition
from lantern.referrals.tests.factories import send
from lantern.testing import LocationFactory, ServiceFactory, make_listing

pytestmark = pytest.mark.django_db

URL = "/api/v1/referrals/metrics"
PAGE = "/desk/metrics/"
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
MARCH = Period(date(2026, 3, 1), date(2026, 4, 1))


def paths() -> tuple[bool, ...]:
    """The computations this database runs: Python everywhere, and the SQL statement on
    PostgreSQL (`in_python=False` elsewhere is the Python path again)."""
    return (True, False) if connection.vendor == "postgresql" else (True,)


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def move(world, referral, *steps, receiver="provider_b"):
    """Apply (minutes after T0, status[, reason]) steps as the receiving provider."""
    for minutes, status, *reason in steps:
        extra = {"intake_at": at(minutes + 60)} if status == "intake_scheduled" else {}
        referral_transition(
            referral=referral,
            actor=world[receiver].user,
            status=status,
            reason=reason[0] if reason else "",
            now=at(minutes),
            **extra,
        )
    return referral


def seed_b(world):
    """Seven referrals to Shelter B's public service, all sent at T0, with known times.

    first view: 10, 20, 30, 40, 100    first response: 20, 40, 60, 80, 100
    acceptance: 20, 40                 intake: 100, 200
    """
    sent = [send(world, now=T0) for _ in range(7)]
    move(
        world,
        sent[0],
        (10, "viewed"),
        (20, "accepted"),
        (30, "intake_scheduled"),
        (100, "intake_completed"),
    )
    move(
        world,
        sent[1],
        (20, "viewed"),
        (40, "accepted"),
        (50, "intake_scheduled"),
        (200, "intake_completed"),
    )
    move(world, sent[2], (30, "viewed"), (60, "declined", "no_capacity"))
    move(world, sent[3], (40, "viewed"), (80, "declined", "not_eligible"))
    move(world, sent[4], (100, "declined", "no_capacity"))  # viewed on the way
    # sent[5] is never opened.
    referral_transition(
        referral=sent[6], actor=world["advocate_a"].user, status="withdrawn", now=at(5)
    )
    return sent


def march(**extra) -> MetricsFilters:
    return MetricsFilters(period=MARCH, **extra)


def test_counts_rates_reasons_and_percentiles_are_exact(world, monkeypatch):
    monkeypatch.setattr(metrics, "MIN_CELL", 2)  # two accepted, two intakes: shown here
    seed_b(world)
    result = referral_metrics(march())
    s = result.summary
    assert s.counts == {
        "sent": 7,
        "viewed": 5,
        "responded": 5,
        "accepted": 2,
        "declined": 3,
        "waitlisted": 0,
        "withdrawn": 1,
        "expired": 0,
        "intake_completed": 2,
        "no_show": 0,
    }
    assert s.rates == {"acceptance": 0.4, "decline": 0.6}
    assert s.durations == {
        "first_view": {"p50": 30.0, "p90": 76.0},
        "first_response": {"p50": 60.0, "p90": 92.0},
        "acceptance": {"p50": 30.0, "p90": 38.0},
        "intake": {"p50": 150.0, "p90": 190.0},
    }
    assert s.suppressed is False
    assert [(r.reason, r.count) for r in result.decline_reasons] == [
        ("no_capacity", 2),
        ("not_eligible", 1),
    ]
    assert result.decline_reasons[0].label == "No place open"


def test_a_time_resting_on_fewer_than_five_referrals_is_hidden(world):
    """7 sent and 5 answered, but only 2 accepted and 2 intakes: the group is large enough,
    yet its acceptance and intake times would describe two people, so they are left out."""
    seed_b(world)
    for in_python in paths():
        s = referral_metrics(march(), in_python=in_python).summary
        assert s.suppressed is False
        assert s.durations["first_view"] == {"p50": 30.0, "p90": 76.0}
        assert s.durations["first_response"] == {"p50": 60.0, "p90": 92.0}
        assert s.durations["acceptance"] == {"p50": None, "p90": None}
        assert s.durations["intake"] == {"p50": None, "p90": None}


def test_python_and_postgresql_give_the_same_figures(world):
    if connection.vendor != "postgresql":
        pytest.skip("the SQL path is PostgreSQL's")
    seed_b(world)
    send(world, service_id=world.c_public.service_id, now=at(1))
    legal = make_listing(org=world.hsds_b, types=("legal", "medical"))
    move(world, send(world, service_id=legal.service_id, now=at(2)), (7, "waitlisted"))
    for filters in (march(), march(service_type="legal"), march(region="IL")):
        assert (
            referral_metrics(filters, in_python=True).as_dict()
            == referral_metrics(filters, in_python=False).as_dict()
        )


def test_groups_by_service_type_organization_and_region_with_small_cells_suppressed(world):
    seed_b(world)
    for minutes in (1, 2):
        referral = send(world, service_id=world.c_public.service_id, now=at(minutes))
        move(world, referral, (minutes + 30, "accepted"), receiver="provider_c")
    legal = make_listing(org=world.hsds_b, types=("legal", "medical"))
    send(world, service_id=legal.service_id, now=at(3))
    homeless = ServiceFactory(organization=world.hsds_b, types=["hotline"])
    send(world, service_id=homeless.pk, now=at(4))

    result = referral_metrics(march())
    assert result.summary.counts["sent"] == 11

    by_org = {g.key: g for g in result.by_organization}
    assert set(by_org) == {str(world.org_b.pk), str(world.org_c.pk)}
    b, c = by_org[str(world.org_b.pk)], by_org[str(world.org_c.pk)]
    assert (b.label, b.counts["sent"], b.suppressed) == ("Shelter B", 9, False)
    assert b.durations["first_response"]["p50"] == 60.0
    # Provider C: two referrals, counts shown, times hidden.
    assert (c.label, c.counts["sent"], c.counts["accepted"]) == ("Provider C", 2, 2)
    assert c.rates["acceptance"] == 1.0
    assert c.suppressed is True
    assert all(v is None for cut in c.durations.values() for v in cut.values())
    assert c.as_dict()["suppressed"] is True

    by_type = {g.key: g.counts["sent"] for g in result.by_service_type}
    # A service with two types counts in each.
    assert by_type == {"emergency-shelter": 9, "legal": 1, "medical": 1, "hotline": 1}
    assert result.by_service_type[0].key == "emergency-shelter"

    by_region = {g.key: g.counts["sent"] for g in result.by_region}
    assert by_region == {"IL": 10, "unknown": 1}


def test_service_regions_prefer_a_physical_address_then_virtual(world):
    online = ServiceFactory(organization=world.hsds_b)
    ServiceAtLocation.objects.create(
        service=online,
        location=LocationFactory(organization=world.hsds_b, location_type=LocationType.VIRTUAL),
    )
    nowhere = ServiceFactory(organization=world.hsds_b)
    facts = service_facts([world.b_public.service_id, online.pk, nowhere.pk])
    regions = facts.regions
    assert regions == {world.b_public.service_id: "IL", online.pk: "virtual"}


def test_filters_narrow_the_referrals(world):
    seed_b(world)
    send(world, service_id=world.c_public.service_id, now=at(1))
    legal = make_listing(org=world.hsds_b, types=("legal",))
    send(world, service_id=legal.service_id, now=at(2))

    assert referral_metrics(march(service_type="legal")).summary.counts["sent"] == 1
    only_c = referral_metrics(march(organization_id=world.org_c.pk))
    assert only_c.summary.counts["sent"] == 1 and only_c.summary.suppressed
    assert referral_metrics(march(region="il")).summary.counts["sent"] == 9
    assert referral_metrics(march(region="TX")).summary.counts["sent"] == 0
    assert referral_metrics(march(region="unknown")).summary.counts["sent"] == 0


def test_the_period_counts_by_creation_and_excludes_its_end(world):
    send(world, now=datetime(2026, 2, 28, 23, 59, tzinfo=UTC))
    send(world, now=datetime(2026, 3, 1, 0, 0, tzinfo=UTC))
    send(world, now=datetime(2026, 3, 31, 23, 59, tzinfo=UTC))
    send(world, now=datetime(2026, 4, 1, 0, 0, tzinfo=UTC))
    assert referral_metrics(march()).summary.counts["sent"] == 2
    empty = referral_metrics(MetricsFilters(period=Period(date(2025, 1, 1), date(2025, 2, 1))))
    assert empty.summary.counts["sent"] == 0
    assert empty.summary.rates == {"acceptance": None, "decline": None}
    assert empty.summary.suppressed and not empty.by_region and not empty.decline_reasons


def test_metrics_never_read_personal_columns(world):
    send(world, shared=True, now=T0)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        referral_metrics(march())
    sql = " ".join(q["sql"] for q in captured.captured_queries)
    for column in ('"needs"', '"shared"', '"note"'):
        assert column not in sql
    reads = [q for q in captured.captured_queries if q["sql"].startswith(("SELECT", "\n"))]
    assert len(reads) <= 6


def test_filters_from_text_parameters():
    today = date(2026, 3, 15)
    default = metrics.metrics_filters(today=today)
    assert default.period == Period(date(2026, 2, 14), date(2026, 3, 16))
    chosen = metrics.metrics_filters(start="2026-01-01", end="2026-02-01", region=" IL ")
    assert chosen.period == Period(date(2026, 1, 1), date(2026, 2, 1))
    assert chosen.region == "IL"
    for params, field in (
        ({"start": "01/02/2026"}, "start"),
        ({"end": "2026-13-01"}, "end"),
        ({"start": "2026-02-01", "end": "2026-01-01"}, "end"),
        ({"organization_id": "nope"}, "organization_id"),
    ):
        with pytest.raises(FieldError) as caught:
            metrics.metrics_filters(**params)
        assert caught.value.field == field


# --- API --------------------------------------------------------------------------------


def api_get(world, persona, query=""):
    return world[persona].client().get(f"{URL}{query}", **world[persona].api_headers())


@pytest.mark.parametrize("persona", ["coalition_admin", "analyst"])
def test_api_answers_staff_who_may_see_metrics(world, persona):
    seed_b(world)
    response = api_get(world, persona, "?start=2026-03-01&end=2026-04-01")
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["period"] == {"start": "2026-03-01", "end": "2026-04-01"}
    assert data["summary"]["counts"]["sent"] == 7
    assert data["summary"]["durations_minutes"]["first_response"] == {"p50": 60.0, "p90": 92.0}
    assert data["decline_reasons"][0] == {
        "reason": "no_capacity",
        "label": "No place open",
        "count": 2,
    }
    assert data["by_organization"][0]["label"] == "Shelter B"
    assert "needs" not in response.content.decode() and "Rosa" not in response.content.decode()


def test_api_route_is_not_taken_for_a_referral_id(world):
    response = api_get(world, "coalition_admin")
    assert response.status_code == 200, response.content
    assert set(response.json()) >= {"summary", "by_region", "by_service_type"}


@pytest.mark.parametrize("persona", ["advocate_a", "provider_b", "provider_c"])
def test_api_is_404_for_everyone_else(world, persona):
    assert api_get(world, persona).status_code == 404


def test_api_is_401_without_credentials(world):
    assert api_get(world, "anonymous").status_code == 401


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("?start=yesterday", "start"),
        ("?end=2026-02-30", "end"),
        ("?start=2026-03-02&end=2026-03-01", "end"),
        ("?organization_id=12", "organization_id"),
        ("?stat=2026-03-01", "stat"),
    ],
)
def test_api_names_the_bad_parameter(world, query, field):
    response = api_get(world, "analyst", query)
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["query", field]


def test_api_filters_by_organization(world):
    seed_b(world)
    send(world, service_id=world.c_public.service_id, now=at(1))
    query = f"?start=2026-03-01&end=2026-04-01&organization_id={world.org_c.pk}"
    data = api_get(world, "analyst", query).json()
    assert data["summary"]["counts"]["sent"] == 1
    assert data["summary"]["suppressed"] is True


def test_api_query_count_does_not_grow_with_referrals(world):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client, headers = world["analyst"].client(), world["analyst"].api_headers()

    def count() -> int:
        with CaptureQueriesContext(connection) as captured:
            response = client.get(f"{URL}?start=2026-03-01&end=2026-04-01", **headers)
        assert response.status_code == 200
        return len(captured.captured_queries)

    seed_b(world)
    count()  # the first request also records the token's use
    few = count()
    send(world, service_id=world.c_public.service_id, now=at(1))
    legal = make_listing(org=world.hsds_b, types=("legal", "medical"))
    send(world, service_id=legal.service_id, now=at(2))
    seed_b(world)
    assert count() == few <= 14  # service types come through the directory selector (one query)


# --- dashboard --------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["coalition_admin", "analyst"])
def test_dashboard_shows_tiles_and_tables(world, persona, monkeypatch):
    monkeypatch.setattr(metrics, "MIN_CELL", 2)
    seed_b(world)
    response = world[persona].client().get(PAGE, {"start": "2026-03-01", "end": "2026-04-01"})
    assert response.status_code == 200
    page = response.content.decode()
    assert 'data-testid="tile-referrals"' in page
    assert "<strong>7</strong>" in page
    assert "<strong>40 %</strong>" in page  # accepted of those answered
    assert "<strong>1 h 0 min</strong>" in page  # median time to a first answer
    assert "<strong>2 h 30 min</strong>" in page  # median referral to intake
    assert "No place open" in page
    for testid in ("decline-reasons", "by-service-type", "by-organization", "by-region"):
        assert f'data-testid="{testid}"' in page
    assert '<th scope="row">Shelter B</th>' in page
    assert "<caption>" in page


@pytest.mark.parametrize("persona", ["advocate_a", "provider_b", "provider_c"])
def test_dashboard_is_404_for_everyone_else(world, persona):
    assert world[persona].client().get(PAGE).status_code == 404


def test_dashboard_asks_anonymous_and_unverified_people_to_log_in(world):
    assert world["anonymous"].client().get(PAGE).status_code == 302
    assert world["survivor"].client().get(PAGE).status_code == 302
    assert world["analyst"].client(verified=False).get(PAGE).status_code == 302


def test_dashboard_hides_times_of_small_groups(world):
    send(world, service_id=world.c_public.service_id, now=T0)
    send(world, service_id=ServiceFactory(organization=world.hsds_b).pk, now=T0)
    page = (
        world["analyst"]
        .client()
        .get(PAGE, {"start": "2026-03-01", "end": "2026-04-01"})
        .content.decode()
    )
    assert "Hidden: too few referrals" in page
    assert "Too few referrals in this period to show times." in page
    assert '<th scope="row">No type given</th>' in page
    assert '<th scope="row">Not known</th>' in page


def test_dashboard_names_a_bad_date(world):
    response = world["analyst"].client().get(PAGE, {"start": "2026-03-40"})
    assert response.status_code == 422
    assert 'id="start-error"' in response.content.decode()


def test_dashboard_lists_referrals_waiting_without_an_answer(world, settings):
    settings.LANTERN_REFERRAL_ESCALATE_MINUTES = 120
    now = timezone.now()
    old = send(world, shared=True, now=now - timedelta(hours=3))
    send(world, now=now - timedelta(minutes=30))  # not yet late
    opened = send(world, now=now - timedelta(hours=5))
    move_now = {"now": now - timedelta(hours=4)}
    referral_transition(
        referral=opened, actor=world["provider_b"].user, status="viewed", **move_now
    )

    page = world["coalition_admin"].client().get(PAGE).content.decode()
    assert f'data-code="{old.code}"' in page
    assert page.count('<tr data-code="') == 1
    assert "1 referral has not been opened" in page
    assert world.b_public.service.name in page
    assert "Rosa" not in page and "555-0142" not in page


def test_waiting_selector_counts_beyond_the_shown_rows(world, settings):
    settings.LANTERN_REFERRAL_ESCALATE_MINUTES = 60
    now = timezone.now()
    for hours in (2, 3, 4):
        send(world, now=now - timedelta(hours=hours))
    total, rows = metrics.referrals_waiting(now=now, limit=2)
    assert total == 3 and len(rows) == 2
    assert rows[0].since < rows[1].since
    assert Referral.objects.count() == 3


def test_the_minutes_read_plainly():
    from lantern.referrals.metrics_views import minutes_text, rate_text

    assert minutes_text(None) == "—"
    assert minutes_text(1) == "1 minute"
    assert minutes_text(59.4) == "59 minutes"
    assert minutes_text(150) == "2 h 30 min"
    assert minutes_text(3 * 24 * 60) == "3.0 days"
    assert rate_text(0.4) == "40 %"
    assert rate_text(None) == "—"


def test_on_sqlite_asking_for_sql_computes_the_same_figures_in_python(world):
    """The SQL statement is PostgreSQL's; elsewhere `in_python=False` must not reach it
    (it used to fail with OperationalError on SQLite's `SET LOCAL`)."""
    seed_b(world)
    assert (
        referral_metrics(march(), in_python=False).as_dict()
        == referral_metrics(march(), in_python=True).as_dict()
    )
