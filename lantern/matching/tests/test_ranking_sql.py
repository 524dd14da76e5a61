"""The travel radius and the tiers through the whole path (match index, the SQL top-N on
PostgreSQL, the engine) on the walk that found the old rule wanting: ZIP 60601, Spanish,
with a child, a safe place tonight."""

import math
from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from lantern.directory.models import LocationType
from lantern.matching import engine, loader, ranking
from lantern.matching.services import find_help
from lantern.testing import HsdsOrganizationFactory, make_listing

LOOP = (41.886, -87.618)  # ZIP 60601


def east(km: float) -> tuple[float, float]:
    return (LOOP[0], LOOP[1] + km / (111.195 * math.cos(math.radians(LOOP[0]))))


def shelter(org, name: str, km: float, **fields):
    lat, lon = east(km)
    fields.setdefault("languages", ("es",))
    return make_listing(org=org, name=name, latitude=lat, longitude=lon, **fields)


NEEDS = engine.Needs(
    latitude=LOOP[0],
    longitude=LOOP[1],
    help_types=frozenset({"emergency-shelter"}),
    languages=("es",),
    children=1,
)


@pytest.fixture
def walk(db):
    org = HsdsOrganizationFactory(name="Walk Providers")
    places = {
        "near": shelter(org, "Casa Cercana", 5, available=2, updated_ago=timedelta(hours=3)),
        "full": shelter(org, "Full Twenty", 20, available=0),
        "far": shelter(org, "Albergue Lejano", 480),
        "clinic": shelter(org, "Legal Clinic Next Door", 1, types=("legal",)),
    }
    for i in range(24):
        shelter(org, f"Open Far {i:02d}", 300 + i)
    return {key: str(listing.service_id) for key, listing in places.items()}


@pytest.mark.django_db
@pytest.mark.parametrize("extra", [0, 1, 60])
def test_the_near_shelter_is_first_and_the_far_one_after_it_marked(walk, monkeypatch, extra):
    monkeypatch.setattr(loader, "_EXTRA_ROWS", extra)
    now = timezone.now() + timedelta(seconds=1)
    everything = ranking.match(
        NEEDS,
        loader.load_candidates(NEEDS, AnonymousUser()),
        now=now,
        freshness=engine.FreshnessPolicy(settings.LANTERN_FRESHNESS_HOURS),
        limit=1000,
        travel_radius_km=float(settings.LANTERN_TRAVEL_RADIUS_KM),
    )
    order = [m.candidate.service_id for m in everything.matches]
    for limit in (1, 2, 5, 20):
        page = find_help(NEEDS, user=AnonymousUser(), limit=limit, now=now)
        assert [i.service["id"] for i in page.items] == order[:limit]
        assert page.total == everything.total == 27  # not the legal clinic: it offers no bed
    assert order[:2] == [walk["near"], walk["full"]]
    assert walk["clinic"] not in order
    assert order.index(walk["far"]) > order.index(walk["near"])
    marks = {m.candidate.service_id: m.farther_away for m in everything.matches}
    assert not marks[walk["near"]] and not marks[walk["full"]] and marks[walk["far"]]
    assert all(marks[sid] for sid in order[2:])


@pytest.mark.django_db
def test_asking_to_get_away_ranks_open_first_then_nearest_without_a_boundary(walk):
    away = engine.Needs(
        latitude=LOOP[0],
        longitude=LOOP[1],
        away_from_km=2,
        help_types=frozenset({"emergency-shelter"}),
    )
    page = find_help(away, user=AnonymousUser(), limit=30)
    ids = [i.service["id"] for i in page.items]
    assert not any(i.farther_away for i in page.items)
    # Open now first (nearest of those first), then aging, then full.
    assert ids[0] == next(i.service["id"] for i in page.items if i.distance_km > 299)
    assert ids[-2:] == [walk["near"], walk["full"]]


@pytest.mark.django_db
@pytest.mark.parametrize("extra", [0, 60])
def test_each_of_radius_and_bands_decides_on_its_own(db, monkeypatch, extra):
    """The radius alone: an aging shelter at 70 km (tier 1 + 3) before an open one at 90 km
    (tier 0 + 3, but beyond 80 km). The bands alone (legal help: no radius): an aging
    clinic at 5 km (tier 1 + 0) before an open one at 40 km (tier 0 + 2)."""
    monkeypatch.setattr(loader, "_EXTRA_ROWS", extra)
    org = HsdsOrganizationFactory(name="Edge Providers")
    aging = {"available": 2, "updated_ago": timedelta(hours=3)}
    within = shelter(org, "Within Seventy", 70, **aging)
    beyond = shelter(org, "Beyond Ninety", 90)
    near_clinic = shelter(org, "Near Clinic", 5, types=("legal",), **aging)
    open_clinic = shelter(org, "Open Clinic", 40, types=("legal",))
    here = {"latitude": LOOP[0], "longitude": LOOP[1]}
    tonight = engine.Needs(**here, help_types=frozenset({"emergency-shelter"}))
    lawyer = engine.Needs(**here, help_types=frozenset({"legal"}))
    first = find_help(tonight, user=AnonymousUser(), limit=1).items
    assert [i.service["id"] for i in first] == [str(within.service_id)]
    both = find_help(tonight, user=AnonymousUser(), limit=2).items
    assert [i.farther_away for i in both] == [False, True]
    assert both[1].service["id"] == str(beyond.service_id)
    # Help by phone counts as within (tier 0 + 5): after the 70 km place, before the 90 km.
    by_phone = shelter(org, "By Phone Tonight", 1)
    by_phone.location.location_type = LocationType.VIRTUAL
    by_phone.location.save()
    two = find_help(tonight, user=AnonymousUser(), limit=2).items
    assert [i.service["id"] for i in two] == [str(within.service_id), str(by_phone.service_id)]
    three = find_help(tonight, user=AnonymousUser(), limit=3).items
    assert [i.service["id"] for i in three] == [
        str(within.service_id),
        str(by_phone.service_id),
        str(beyond.service_id),
    ]
    assert [i.farther_away for i in three] == [False, False, True]
    first = find_help(lawyer, user=AnonymousUser(), limit=1).items
    assert [i.service["id"] for i in first] == [str(near_clinic.service_id)]
    both = find_help(lawyer, user=AnonymousUser(), limit=2).items
    assert [i.farther_away for i in both] == [False, False]
    assert both[1].service["id"] == str(open_clinic.service_id)


@pytest.mark.django_db
def test_the_api_says_which_places_are_farther_away(walk, client):
    body = {
        "postcode": "60601",
        "help_types": ["emergency-shelter"],
        "languages": ["es"],
        "children": 1,
        "limit": 30,
    }
    response = client.post("/api/v1/match", body, content_type="application/json")
    assert response.status_code == 200
    results = response.json()["results"]
    ids = [r["service"]["id"] for r in results]
    assert ids[0] == walk["near"]
    far = results[ids.index(walk["far"])]
    assert far["farther_away"] is True
    assert "Farther away: more than 80 km from you" in far["reasons"]
    assert results[0]["farther_away"] is False
