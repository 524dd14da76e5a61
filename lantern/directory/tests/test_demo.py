"""The demo seed: services gathered in a few metropolitan areas, a ZIP to try for each that
a search finds nearby services from, the cities printed, synthetic data, `--if-empty`."""

import json
import re
from io import StringIO

import pytest
from django.core.cache import cache
from django.core.management import call_command

from lantern.core import geo, postcodes
from lantern.directory.demo import demo_seed
from lantern.directory.demo_cities import CORE_KM, DEMO_CITIES, SUBURB_KM, metros
from lantern.directory.models import Location, LocationType, Organization, Phone, Service

pytestmark = pytest.mark.django_db

# A site is placed within about a kilometre of its ZIP's centre.
JITTER_KM = 2.0


def _nearest_centre_km(latitude: float, longitude: float) -> float:
    return min(
        geo.haversine_km(m.centre.latitude, m.centre.longitude, latitude, longitude)
        for m in metros()
    )


def _seed_command(*args: str) -> str:
    out = StringIO()
    call_command("demo", "seed", *args, stdout=out)
    return out.getvalue()


def test_every_demo_city_has_a_known_zip_and_zips_around_it():
    assert 5 <= len(DEMO_CITIES) <= 8
    for metro in metros():
        assert postcodes.lookup(metro.city.postcode) == metro.centre
        assert metro.centre.city == metro.city.name and metro.centre.state == metro.city.state
        assert len(metro.core) >= 50 and metro.suburbs
        for place in (*metro.core, *metro.suburbs):
            assert postcodes.lookup(place.postcode) == place  # searchable from, too


def test_most_services_are_near_a_demo_city_some_in_suburbs_a_few_elsewhere():
    result = demo_seed(services=300, seed=1)
    physical = Location.objects.filter(location_type=LocationType.PHYSICAL)
    distances = [
        _nearest_centre_km(lat, lon) for lat, lon in physical.values_list("latitude", "longitude")
    ]
    total = len(distances)
    core = sum(km <= CORE_KM + JITTER_KM for km in distances) / total
    metro = sum(km <= SUBURB_KM + JITTER_KM for km in distances) / total
    elsewhere = sum(km > 150 for km in distances) / total
    assert core >= 0.6, core
    assert 0.05 <= metro - core <= 0.35, (core, metro)  # some in the suburbs
    assert 0 < elsewhere <= 0.2, elsewhere  # a small share elsewhere
    # Every city has a real cluster, and the command's counts are those sites.
    for city in DEMO_CITIES:
        assert result.near_cities[city] >= 10, city
    assert sum(result.near_cities.values()) == sum(km <= CORE_KM for km in distances)


def test_the_seed_keeps_its_synthetic_data_and_confidential_places():
    result = demo_seed(services=120, seed=4)
    assert all(
        re.fullmatch(r"\(\d{3}\) 555-01\d\d", n)
        for n in Phone.objects.values_list("number", flat=True)
    )
    assert result.confidential_locations > 0
    for location in Location.objects.filter(confidential=True):
        assert (location.coarse_latitude, location.coarse_longitude) == geo.coarse_point(
            location.latitude, location.longitude
        )
    names = list(Organization.objects.values_list("name", flat=True))
    in_cities = [n for n in names if any(n.endswith(f" of {c.name}") for c in DEMO_CITIES)]
    assert len(in_cities) >= len(names) * 0.6
    provider = Organization.objects.get(pk=result.provider_organization_id)
    assert provider.locations.filter(confidential=True, area="Chicago, IL").count() == 1


def test_the_command_prints_each_city_and_its_zip_and_a_search_there_finds_nearby_services(
    client,
):
    cache.clear()
    out = _seed_command("--services", "300")
    printed = re.findall(r"Try ZIP (\d{5}) \(([^)]+)\): (\d+) services within 30 km", out)
    assert [(z, label) for z, label, _ in printed] == [(c.postcode, c.label) for c in DEMO_CITIES]
    for postcode, label, count in printed:
        place = postcodes.lookup(postcode)
        assert place is not None and int(count) >= 10, label
        response = client.post(
            "/api/v1/match",
            json.dumps({"postcode": postcode, "limit": 10}),
            content_type="application/json",
        )
        assert response.status_code == 200, response.content
        results = response.json()["results"]
        located = [r["distance_km"] for r in results if r["distance_km"] is not None]
        assert len(located) >= 5, label
        # Nothing from another city outranks the local services; the best is close by.
        assert max(located) <= SUBURB_KM + JITTER_KM, (label, located)
        assert located[0] <= CORE_KM, (label, located)


def test_if_empty_seeds_once_and_logins_point_to_the_cities():
    _seed_command("--services", "20", "--if-empty")
    services = Service.objects.count()
    assert "directory is not empty: demo seed skipped" in _seed_command("--if-empty")
    assert Service.objects.count() == services
    out = StringIO()
    call_command("demo", "logins", stdout=out)
    assert "Demo cities: try ZIP 60601 (Chicago), 77002 (Houston)" in out.getvalue()


def test_the_readme_names_every_demo_city_and_its_zip(settings):
    from pathlib import Path

    readme = (Path(settings.PROJECT_DIR) / "README.md").read_text()
    for city in DEMO_CITIES:
        assert f"{city.postcode} ({city.name}" in readme.replace("\n", " "), city
