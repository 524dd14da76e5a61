"""`POST /api/v1/match` and the loader behind it, on the real database."""

import dataclasses
import json
import random
from datetime import timedelta
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.db.models import F
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lantern.directory.models import (
    Attribute,
    Language,
    LocationType,
    Service,
    ServiceAtLocation,
    ServiceCapacity,
    TaxonomyTerm,
)
from lantern.matching import engine, loader, ranking
from lantern.matching.services import find_help
from lantern.testing import (
    CapacityFactory,
    HsdsOrganizationFactory,
    LocationFactory,
    make_listing,
    unit,
)

pytestmark = pytest.mark.django_db

URL = "/api/v1/match"


def post(client, body: Any, persona=None):
    headers = persona.api_headers() if persona is not None else {}
    return client.post(URL, json.dumps(body), content_type="application/json", **headers)


def ok(client, body: Any, persona=None) -> dict[str, Any]:
    response = post(client, body, persona)
    assert response.status_code == 200, response.content
    return response.json()


def by_id(body: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {r["service"]["id"]: r for r in body["results"]}


# --- shape --------------------------------------------------------------------------------


def test_an_empty_profile_returns_every_active_service_with_explanations(world, client):
    body = ok(client, {})
    assert body["total"] == 3
    result = by_id(body)[str(world.b_public.service_id)]
    assert set(result) == {
        "service",
        "score",
        "reasons",
        "distance_km",
        "availability",
        "eligibility",
        "farther_away",
    }
    assert result["farther_away"] is False
    assert result["distance_km"] is None  # no location given
    assert result["availability"]["status"] == "open"
    assert result["availability"]["freshness"] == "fresh"
    assert result["availability"]["available"] == 3
    assert result["availability"]["updated"].endswith("+00:00")
    assert result["reasons"][0].startswith("3 ")  # "3 beds open, updated 5 minutes ago"
    assert result["service"]["capacities"][0]["available"] == 3
    assert set(result["eligibility"]) == {
        "minimum_age",
        "maximum_age",
        "genders_served",
        "accepts_children",
        "max_children",
        "accepts_pets",
        "trafficking_types_served",
        "wheelchair_accessible",
        "accepts_active_substance_use",
        "requires_id_documents",
        "languages",
        "service_types",
    }
    assert result["eligibility"]["genders_served"] is None  # undeclared is null
    assert result["eligibility"]["service_types"] == ["emergency-shelter"]
    assert 0 <= result["score"] <= 1


def test_limit_caps_results_but_not_total(world, client):
    body = ok(client, {"limit": 1})
    assert body["total"] == 3
    assert len(body["results"]) == 1


def test_inactive_services_are_never_matched(world, client):
    service = world.c_public.service
    service.status = "inactive"
    service.save()
    assert str(world.c_public.service_id) not in by_id(ok(client, {}))


# --- rules through the API ----------------------------------------------------------------


def test_a_stated_need_excludes_only_a_conflicting_declared_rule(world, client):
    men_only = make_listing(org=world.hsds_c, genders_served=["man"], accepts_children=False)
    women = {"gender": "woman"}
    assert str(men_only.service_id) not in by_id(ok(client, women))
    assert str(men_only.service_id) in by_id(ok(client, {"gender": "man"}))
    # An unstated need never excludes; an undeclared rule never excludes.
    assert str(men_only.service_id) in by_id(ok(client, {}))
    assert str(world.b_public.service_id) in by_id(ok(client, {**women, "children": 2}))
    assert str(men_only.service_id) not in by_id(ok(client, {"children": 1}))


def test_distance_limits_and_ranking(world, client):
    near = {"location": {"latitude": 41.85, "longitude": -87.65}, "max_distance_km": 2}
    body = ok(client, near)
    assert set(by_id(body)) == {str(world.c_public.service_id)}
    assert body["results"][0]["distance_km"] == pytest.approx(0.0, abs=0.01)
    away = {"location": {"latitude": 41.85, "longitude": -87.65}, "away_from_km": 2}
    assert str(world.c_public.service_id) not in by_id(ok(client, away))


def test_postcode_stands_for_a_location(world, client):
    body = ok(client, {"postcode": "60608", "max_distance_km": 3})
    assert str(world.c_public.service_id) in by_id(body)
    assert all(r["distance_km"] is not None for r in body["results"])


def test_only_open_keeps_fresh_open_capacity_only(world, client):
    stale = make_listing(org=world.hsds_c, updated_ago=timedelta(days=2))
    full = make_listing(org=world.hsds_c, available=0)
    body = ok(client, {"only_open": True})
    assert str(stale.service_id) not in by_id(body)
    assert str(full.service_id) not in by_id(body)
    stale_result = by_id(ok(client, {}))[str(stale.service_id)]
    assert stale_result["availability"]["status"] == "unknown"  # stale is never open
    assert stale_result["availability"]["freshness"] == "stale"


def test_virtual_services_have_no_distance_and_survive_distance_limits(world, client):
    hotline = make_listing(org=world.hsds_c, types=("hotline",), latitude=10.0, longitude=10.0)
    hotline.location.location_type = LocationType.VIRTUAL
    hotline.location.save()
    body = ok(
        client,
        {"location": {"latitude": 41.85, "longitude": -87.65}, "max_distance_km": 1},
    )
    assert by_id(body)[str(hotline.service_id)]["distance_km"] is None


def test_language_ranks_and_explains(world, client):
    spanish = make_listing(org=world.hsds_c, languages=("es",))
    body = ok(client, {"languages": ["es"]})
    assert body["results"][0]["service"]["id"] == str(spanish.service_id)
    assert "Speaks Spanish" in body["results"][0]["reasons"]


def test_reasons_follow_the_language_of_the_request(world, client):
    response = client.post(
        URL, json.dumps({}), content_type="application/json", HTTP_ACCEPT_LANGUAGE="es"
    )
    reasons = [r for item in response.json()["results"] for r in item["reasons"]]
    assert reasons and all(isinstance(r, str) for r in reasons)


# --- confidential locations -----------------------------------------------------------------


def test_confidential_service_is_rounded_and_redacted_for_outsiders(world, client):
    point = {"location": {"latitude": 41.9123, "longitude": -87.6543}}
    sid = str(world.b_confidential.service_id)
    outsider = by_id(ok(client, point, world["advocate_a"]))[sid]
    assert outsider["distance_km"] % 5 == 0
    text = json.dumps(outsider)
    location = world.b_confidential.location
    for secret in (str(location.latitude), str(location.longitude), "60614"):
        assert secret not in text
    member = by_id(ok(client, point, world["provider_b"]))[sid]
    assert member["distance_km"] < 0.01
    assert str(location.latitude) in json.dumps(member)


def test_distance_limits_use_the_coarse_point_for_outsiders(world, client):
    # 100 m from the safe house: an outsider cannot find it with a tiny radius.
    probe = {
        "location": {"latitude": 41.9132, "longitude": -87.6543},
        "max_distance_km": 0.5,
    }
    sid = str(world.b_confidential.service_id)
    assert sid not in by_id(ok(client, probe))
    assert sid in by_id(ok(client, probe, world["provider_b"]))


# --- bad input ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"age": -3}, "age"),
        ({"age": "ten"}, "age"),
        ({"location": {"latitude": 200, "longitude": 0}}, "latitude"),
        ({"location": {"latitude": 41}}, "longitude"),
        ({"postcode": "00000"}, "postcode"),
        ({"favourite_colour": "blue"}, "favourite_colour"),
        ({"gender": "robot"}, "gender"),
        ({"help_types": ["spa"]}, "help_types"),
        ({"trafficking_types": ["other"]}, "trafficking_types"),
        ({"languages": ["english"]}, "languages"),
        ({"max_distance_km": -1}, "max_distance_km"),
        ({"limit": 101}, "limit"),
        ({"limit": 0}, "limit"),
        ({"children": True}, "children"),
        ({"pets": "yes"}, "pets"),
    ],
)
def test_bad_input_is_422_naming_the_field(world, client, body, field):
    response = post(client, body)
    assert response.status_code == 422, response.content
    locs = [loc for err in response.json()["detail"] for loc in err["loc"]]
    assert field in locs


def test_a_body_that_is_not_json_is_refused(client):
    response = client.post(URL, "{not json", content_type="application/json")
    assert response.status_code == 400, response.content


def test_anonymous_use_is_rate_limited(world, client, rate_limits, settings):
    settings.LANTERN_RATE_LIMITS = {**rate_limits, "anonymous_api": "3/m"}
    statuses = [post(client, {}).status_code for _ in range(5)]
    assert statuses[:3] == [200, 200, 200]
    assert statuses[-1] == 429


def test_queries_do_not_grow_with_results(world, client, django_assert_max_num_queries):
    """Both requests start from an empty document cache: a request that finds some
    documents warm makes one query more (their live capacities), whatever its size."""
    from lantern.directory import doccache

    for _ in range(15):
        make_listing(org=world.hsds_c)
    counts = []
    for limit in (2, 18):
        doccache.invalidate()
        with django_assert_max_num_queries(25) as captured:
            ok(client, {"limit": limit, "location": {"latitude": 41.88, "longitude": -87.63}})
        counts.append(len(captured.captured_queries))
    assert counts[0] == counts[1], counts


# --- the loader never loses an eligible service ---------------------------------------------

GENDERS = list(engine.GENDERS)


# Names that sort differently by code point, by case and by casefold ("Straße" folds to
# "strasse"); duplicates on purpose, so ties fall through to the service id.
NAMES = ["Straße", "STRASSE", "strasse", "Éclair", "eclair", "Zed", "zed", "Ärzte", "Árbol"]
TAGS = sorted(engine.PREFERENCE_TAGS)


def _random_directory(rng: random.Random, count: int) -> None:
    org = HsdsOrganizationFactory(name="Random Providers")
    for _ in range(count):

        def maybe(value: Any) -> Any:
            return value if rng.random() < 0.6 else None

        low = maybe(rng.randint(0, 30))
        high = maybe(rng.randint(18, 99))
        listing = make_listing(
            org=org,
            name=rng.choice(NAMES) + str(rng.randint(0, 3)),
            latitude=41.6 + rng.random() * 0.6,
            longitude=-87.9 + rng.random() * 0.6,
            available=rng.randint(0, 5),
            maximum=5,
            updated_ago=timedelta(hours=rng.choice([0.2, 3, 30])),
            types=tuple(rng.sample(engine.HELP_TYPES, rng.randint(0, 2))),
            languages=tuple(rng.sample(["en", "es", "vi"], rng.randint(0, 2))),
            minimum_age=low,
            maximum_age=high if high is None or low is None or high >= low else None,
            genders_served=maybe(sorted(rng.sample(GENDERS, rng.randint(0, 3)))),
            accepts_children=maybe(rng.random() < 0.5),
            max_children=maybe(rng.randint(0, 4)),
            accepts_pets=maybe(rng.random() < 0.5),
            trafficking_types_served=maybe(sorted(rng.sample(["sex", "labor"], rng.randint(0, 2)))),
            wheelchair_accessible=maybe(rng.random() < 0.5),
            accepts_active_substance_use=maybe(rng.random() < 0.5),
            requires_id_documents=maybe(rng.random() < 0.5),
            confidential=rng.random() < 0.2,
        )
        if rng.random() < 0.1:
            listing.location.location_type = LocationType.VIRTUAL
            listing.location.save()
        if rng.random() < 0.2:
            # A second place (the SQL ranking reads one-point entries in place and takes the
            # nearest point of the others), sometimes confidential when the first is not.
            ServiceAtLocation.objects.create(
                service=listing.service,
                location=LocationFactory(
                    organization=org,
                    confidential=rng.random() < 0.3,
                    latitude=41.6 + rng.random() * 0.6,
                    longitude=-87.9 + rng.random() * 0.6,
                ),
            )
        for tag in rng.sample(TAGS, rng.randint(0, 2)):
            Attribute.objects.create(
                link_id=listing.service_id,
                link_type="service",
                link_entity="service",
                taxonomy_term=TaxonomyTerm.objects.get_or_create(
                    code=tag, defaults={"name": tag, "description": tag}
                )[0],
            )
    # Capacity writes after the index was built, by each path the app uses (a hold's and a
    # release's bulk update, a second unit, a deleted unit): the SQL ranking reads them
    # through the trigger-kept `open_updated`, the reference reads the capacities.
    now = timezone.now()
    for capacity in list(ServiceCapacity.objects.filter(service__organization=org)):
        roll = rng.random()
        if roll < 0.15:
            ServiceCapacity.objects.filter(pk=capacity.pk, available__gt=0).update(
                available=F("available") - 1
            )
        elif roll < 0.3:
            ServiceCapacity.objects.filter(pk=capacity.pk).update(
                available=rng.randint(1, 5), updated=now - timedelta(hours=rng.choice([1, 5]))
            )
        elif roll < 0.4:
            CapacityFactory(
                service_id=capacity.service_id,
                unit=unit("room"),
                available=rng.randint(0, 2),
                updated=now - timedelta(hours=rng.choice([0.5, 4, 12])),
            )
        elif roll < 0.45:
            capacity.delete()


needs_strategy = st.builds(
    engine.Needs,
    latitude=st.one_of(st.none(), st.floats(41.5, 42.3)),
    longitude=st.one_of(st.none(), st.floats(-88.0, -87.2)),
    max_distance_km=st.one_of(st.none(), st.floats(0, 60)),
    away_from_km=st.one_of(st.none(), st.floats(0, 30)),
    help_types=st.one_of(st.none(), st.frozensets(st.sampled_from(engine.HELP_TYPES), max_size=3)),
    age=st.one_of(st.none(), st.integers(0, 100)),
    gender=st.one_of(st.none(), st.sampled_from(GENDERS)),
    children=st.one_of(st.none(), st.integers(0, 5)),
    pets=st.one_of(st.none(), st.booleans()),
    trafficking_types=st.one_of(
        st.none(), st.frozensets(st.sampled_from(engine.TRAFFICKING_TYPES))
    ),
    needs_wheelchair_access=st.one_of(st.none(), st.booleans()),
    active_substance_use=st.one_of(st.none(), st.booleans()),
    has_id_documents=st.one_of(st.none(), st.booleans()),
    languages=st.one_of(st.none(), st.lists(st.sampled_from(["en", "es", "vi"]), max_size=2)),
    only_open=st.booleans(),
)


@pytest.fixture
def random_directory(world):
    _random_directory(random.Random(7), 60)
    Language.objects.filter(code="").delete()
    return world


def directory_candidates(user: Any) -> list[engine.Candidate]:
    """Candidates straight from the directory tables (not the match index): the reference
    the index and the SQL narrowing are checked against."""
    member_of = (
        {str(m.organization.hsds_organization_id) for m in user.memberships.all()}
        if (user.is_authenticated)
        else set()
    )
    out = []
    for service in Service.objects.filter(status="active").prefetch_related(
        "service_types", "languages", "capacities__unit", "service_at_locations__location"
    ):
        points, hidden_any = [], False
        for sal in service.service_at_locations.all():
            loc = sal.location
            if loc.location_type != LocationType.PHYSICAL or loc.latitude is None:
                continue
            hidden = loc.confidential and str(loc.organization_id) not in member_of
            points.append(
                (loc.coarse_latitude, loc.coarse_longitude)
                if hidden
                else (loc.latitude, loc.longitude)
            )
            hidden_any = hidden_any or hidden
        out.append(
            engine.Candidate(
                service_id=str(service.pk),
                name=service.name,
                service_types=frozenset(t.code for t in service.service_types.all()),
                minimum_age=service.minimum_age,
                maximum_age=service.maximum_age,
                genders_served=None
                if service.genders_served is None
                else frozenset(service.genders_served),
                accepts_children=service.accepts_children,
                max_children=service.max_children,
                accepts_pets=service.accepts_pets,
                trafficking_types_served=None
                if service.trafficking_types_served is None
                else frozenset(service.trafficking_types_served),
                wheelchair_accessible=service.wheelchair_accessible,
                accepts_active_substance_use=service.accepts_active_substance_use,
                requires_id_documents=service.requires_id_documents,
                languages=frozenset(lang.code.lower() for lang in service.languages.all()),
                tags=frozenset(
                    Attribute.objects.filter(
                        link_id=service.pk, taxonomy_term__code__in=TAGS
                    ).values_list("taxonomy_term__code", flat=True)
                ),
                capacities=tuple(
                    engine.Capacity(c.available, c.maximum, c.unit.name, c.updated)
                    for c in service.capacities.all()
                ),
                points=tuple(points),
                virtual=not points,
                confidential=hidden_any,
            )
        )
    return out


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(needs=needs_strategy)
def test_sql_narrowing_keeps_exactly_what_the_engine_keeps(random_directory, needs):
    """find_help (the match index and SQL narrowing first) gives the same ranked list as
    the engine over every service read straight from the directory, for the anonymous
    viewer and for a member."""
    now = timezone.now()
    policy = engine.FreshnessPolicy(django_settings.LANTERN_FRESHNESS_HOURS)
    radius = float(django_settings.LANTERN_TRAVEL_RADIUS_KM)
    for user in (AnonymousUser(), random_directory["provider_b"].user):
        expected = ranking.match(
            needs,
            directory_candidates(user),
            now=now,
            freshness=policy,
            limit=100,
            travel_radius_km=radius,
        )
        page = find_help(needs, user=user, limit=100, now=now)
        assert page.total == expected.total
        assert [i.service["id"] for i in page.items] == [
            m.candidate.service_id for m in expected.matches
        ]
        assert [i.distance_km for i in page.items] == [m.distance_km for m in expected.matches]


def test_the_index_follows_directory_edits(world, client):
    sid = str(world.c_public.service_id)
    assert sid in by_id(ok(client, {"gender": "woman"}))
    service = world.c_public.service
    service.genders_served = ["man"]
    service.save()
    assert sid not in by_id(ok(client, {"gender": "woman"}))
    location = world.c_public.location
    location.latitude, location.longitude = 10.0, 10.0
    location.save()
    near = {"location": {"latitude": 41.85, "longitude": -87.65}, "max_distance_km": 5}
    assert sid not in by_id(ok(client, near))
    Language.objects.create(service=service, code="vi", name="Vietnamese")
    assert by_id(ok(client, {"languages": ["vi"]}))[sid]["reasons"][1:2] == ["Speaks Vietnamese"]
    world.c_public.delete()  # the service is no longer at any place: virtual now
    assert by_id(ok(client, near))[sid]["distance_km"] is None


def test_reindex_rebuilds_what_bulk_writes_skipped(world, client):
    from lantern.matching.index import reindex

    Service.objects.filter(pk=world.c_public.service_id).update(minimum_age=30)
    assert str(world.c_public.service_id) in by_id(ok(client, {"age": 20}))  # index not told
    reindex()
    assert str(world.c_public.service_id) not in by_id(ok(client, {"age": 20}))


broad_needs = st.builds(
    engine.Needs,
    latitude=st.one_of(st.none(), st.floats(41.5, 42.3)),
    longitude=st.one_of(st.none(), st.floats(-88.0, -87.2)),
    max_distance_km=st.one_of(st.none(), st.floats(0, 60)),
    away_from_km=st.one_of(st.none(), st.floats(0, 30)),
    help_types=st.one_of(st.none(), st.frozensets(st.sampled_from(engine.HELP_TYPES), max_size=3)),
    age=st.one_of(st.none(), st.integers(0, 100)),
    gender=st.one_of(st.none(), st.sampled_from(GENDERS)),
    children=st.one_of(st.none(), st.integers(0, 3)),
    languages=st.one_of(st.none(), st.lists(st.sampled_from(["en", "es", "vi"]), max_size=2)),
)


@settings(max_examples=80, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    needs=broad_needs,
    limit=st.integers(1, 8),
    extra=st.sampled_from([0, 1, 60]),
    preferences=st.frozensets(st.sampled_from(sorted(engine.PREFERENCE_TAGS)), max_size=2),
    same_night=st.booleans(),
    radius=st.sampled_from([3, 12, 30, 80]),
)
def test_ranking_in_sql_gives_the_engines_answer(
    random_directory, monkeypatch, needs, limit, extra, preferences, same_night, radius
):
    """SQL counts and ranks, the engine decides over the few candidates SQL picked: the
    answer must equal the engine over the whole directory, including when the rows fetched
    past the limit are too few to settle a distance tie (then the engine sees everything),
    with a travel radius that cuts through the directory for a same-night need."""
    monkeypatch.setattr(loader, "_EXTRA_ROWS", extra)
    monkeypatch.setattr(django_settings, "LANTERN_TRAVEL_RADIUS_KM", radius)
    if same_night:
        wanted = (needs.help_types or frozenset()) | {"emergency-shelter"}
        needs = dataclasses.replace(needs, help_types=wanted)
    needs = dataclasses.replace(needs, preferences=preferences)
    now = timezone.now()
    policy = engine.FreshnessPolicy(django_settings.LANTERN_FRESHNESS_HOURS)
    for user in (AnonymousUser(), random_directory["provider_b"].user):
        expected = ranking.match(
            needs,
            directory_candidates(user),
            now=now,
            freshness=policy,
            limit=limit,
            travel_radius_km=float(radius),
        )
        page = find_help(needs, user=user, limit=limit, now=now)
        assert page.total == expected.total
        assert [i.service["id"] for i in page.items] == [
            m.candidate.service_id for m in expected.matches
        ]
        assert [i.distance_km for i in page.items] == [m.distance_km for m in expected.matches]
        assert [i.farther_away for i in page.items] == [m.farther_away for m in expected.matches]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQL ranking is PostgreSQL's")
@pytest.mark.parametrize(
    "needs",
    [
        engine.Needs(),
        engine.Needs(latitude=41.9, longitude=-87.6),
        engine.Needs(latitude=41.9, longitude=-87.6, max_distance_km=40, languages=("es",)),
    ],
)
def test_a_broad_search_builds_only_a_few_candidates(random_directory, monkeypatch, needs):
    monkeypatch.setattr(loader, "_EXTRA_ROWS", 10)
    sizes = []
    original = loader.load_candidates

    def spy(needs, user, *, entries=None):
        candidates = original(needs, user, entries=entries)
        sizes.append(None if entries is None else len(candidates))
        return candidates

    monkeypatch.setattr(loader, "load_candidates", spy)
    page = find_help(needs, user=AnonymousUser(), limit=3)
    assert len(sizes) == 1 and sizes[0] is not None, "the whole directory was loaded"
    assert sizes[0] <= 3 + 10 < page.total
    assert len(page.items) == 3


def test_reindex_command(world, capsys):
    from django.core.management import call_command

    from lantern.matching.models import MatchEntry

    MatchEntry.objects.all().delete()
    call_command("matching", "reindex")
    assert "3 services indexed" in capsys.readouterr().out
    assert MatchEntry.objects.count() == Service.objects.count() == 3


@pytest.mark.parametrize("field", ["max_distance_km", "away_from_km"])
def test_distances_are_numbers_not_booleans(world, client, field):
    assert post(client, {field: False}).status_code == 422
    assert post(client, {field: 5}).status_code == 200  # a whole number is a number
