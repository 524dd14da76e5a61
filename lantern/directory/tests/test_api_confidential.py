"""A confidential location (a safe house) never leaks through the public HSDS API.

The leak test seeds the demo directory, writes down everything that would give a safe house
away (its coordinates at several roundings, its street and its postcode), then asks every
list (all pages, JSON and NDJSON), every filter that could narrow onto a location, and every
detail of every confidential service, location and organization, as an anonymous caller and
as signed-in outsiders, and looks for those strings in every response body.
"""

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.conf import settings

from lantern.accounts.models import Organization as AccountOrganization
from lantern.accounts.models import Role, User
from lantern.accounts.services import membership_add, token_create
from lantern.core import geo
from lantern.directory.demo import demo_seed
from lantern.directory.models import Address, Location, Organization, ServiceAtLocation
from lantern.directory.profile import CONFIDENTIAL_TERM
from lantern.testing import UserFactory

pytestmark = pytest.mark.django_db

LISTS = (
    "/api/v1/services",
    "/api/v1/organizations",
    "/api/v1/service_at_locations",
    "/api/v1/taxonomies",
    "/api/v1/taxonomy_terms",
)
EXACT_KEYS = {"latitude", "longitude", "addresses", "phones", "schedules", "transportation"}
STEP_KM = settings.LANTERN_CONFIDENTIAL_DISTANCE_STEP_KM
# Four decimals after a point: starting the pattern with a literal lets the scan skip ahead.
DECIMALS = re.compile(r"\.\d{4,}")
POSTCODE = re.compile(r"(?<![\w.])\d{5}(?![\w])")


# --- what would give a safe house away ------------------------------------------------------


def _coordinate_forms(value: float) -> set[str]:
    """The coordinate at 4, 5 and 6 decimals and as stored, without its sign."""
    forms = {f"{abs(value):.4f}", f"{abs(value):.5f}", f"{abs(value):.6f}", repr(abs(value))}
    return {form for form in forms if len(form.partition(".")[2]) >= 4}


def _prefixes(number: str) -> Iterator[str]:
    """Its prefixes with four or more decimals (41.912345 gives 41.9123, 41.91234 and
    41.912345): how a rounded or truncated coordinate sits at the start of a longer one."""
    whole, _, decimals = number.partition(".")
    for length in range(4, len(decimals) + 1):
        yield f"{whole}.{decimals[:length]}"


@dataclass
class Secrets:
    coordinates: set[str] = field(default_factory=set)
    streets: set[str] = field(default_factory=set)
    postcodes: set[str] = field(default_factory=set)
    shared: set[str] = field(default_factory=set)

    @classmethod
    def collect(cls) -> "Secrets":
        """Everything about confidential locations, less what public locations show too (a
        public shelter in the same ZIP code shows that ZIP code, legitimately)."""
        public_numbers: set[str] = set()
        for location in Location.objects.filter(confidential=False):
            for value in (location.latitude, location.longitude):
                if value is not None:
                    public_numbers.update(_prefixes(repr(abs(value))))
        public_addresses = Address.objects.filter(location__confidential=False)
        public_streets = [a.address_1 for a in public_addresses]
        public_postcodes = {a.postal_code for a in public_addresses}

        secrets = cls()
        for location in Location.objects.filter(confidential=True).prefetch_related("addresses"):
            assert location.latitude is not None and location.longitude is not None
            for value in (location.latitude, location.longitude):
                for form in _coordinate_forms(value):
                    target = secrets.shared if form in public_numbers else secrets.coordinates
                    target.add(form)
            for address in location.addresses.all():
                street = address.address_1
                shared = any(street in public for public in public_streets)
                (secrets.shared if shared else secrets.streets).add(street)
                postcode = address.postal_code
                shared = postcode in public_postcodes
                (secrets.shared if shared else secrets.postcodes).add(postcode)
        return secrets

    def found_in(self, text: str) -> set[str]:
        found: set[str] = set()
        for match in DECIMALS.finditer(text):
            start = match.start()
            while start > 0 and text[start - 1].isdigit():
                start -= 1
            found.update(p for p in _prefixes(text[start : match.end()]) if p in self.coordinates)
        found |= {street for street in self.streets if street in text}
        found |= set(POSTCODE.findall(text)) & self.postcodes
        return found


def _is_confidential(obj: dict[str, Any]) -> bool:
    return any(
        isinstance(attr, dict)
        and attr.get("taxonomy_term_id") == str(CONFIDENTIAL_TERM.id)
        and attr.get("value") == "true"
        for attr in obj.get("attributes") or []
    )


def _parse(text: str) -> tuple[Any, list[dict[str, Any]]]:
    """The JSON document, and every confidential location object anywhere inside it."""
    found: list[dict[str, Any]] = []

    def hook(obj: dict[str, Any]) -> dict[str, Any]:
        if "location_type" in obj and _is_confidential(obj):
            found.append(obj)
        return obj

    return json.loads(text, object_hook=hook), found


def _confidential_distances(items: list[dict[str, Any]]) -> Iterator[float]:
    for item in items:
        if "distance_km" in item and _is_confidential(item["location"]):
            yield item["distance_km"]


class Probe:
    """Asks the API as one caller and checks each answer as it comes."""

    def __init__(self, client, secrets: Secrets, name: str, headers: dict[str, str]) -> None:
        self.client = client
        self.secrets = secrets
        self.name = name
        self.headers = headers
        self.confidential_seen = 0
        self.confidential_distances = 0

    def _check(self, url: str, text: str) -> Any:
        leaked = self.secrets.found_in(text)
        assert not leaked, f"{self.name} {url}: {sorted(leaked)[:5]}"
        document, locations = _parse(text)
        for location in locations:
            self.confidential_seen += 1
            shown = EXACT_KEYS & set(location)
            assert not shown, f"{self.name} {url}: {location['id']} shows {shown}"
        return document

    def get(self, path: str, params: dict[str, Any] | None = None) -> Any:
        response = self.client.get(path, params or {}, **self.headers)
        assert response.status_code == 200, (self.name, path, params, response.content[:200])
        return self._check(f"{path} {params or ''}", response.content.decode())

    def ndjson(self, path: str, params: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        response = self.client.get(path, {**(params or {}), "format": "ndjson"}, **self.headers)
        assert response.status_code == 200, (self.name, path, params)
        assert response["Content-Type"] == "application/x-ndjson"
        text = b"".join(response.streaming_content).decode()
        # One JSON object per line: parse them as one array.
        return self._check(
            f"{path} ndjson {params or ''}", f"[{text.rstrip().replace(chr(10), ',')}]"
        )

    def all_pages(self, path: str, params: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        page = 1
        while True:
            body = self.get(path, {**(params or {}), "page": page, "per_page": 100})
            items.extend(body["contents"])
            if body["last_page"]:
                return items
            page += 1

    def near(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        body = self.get("/api/v1/service_at_locations", {**params, "per_page": 100})
        assert body["last_page"], params
        items = body["contents"]
        shown = [item["distance_km"] for item in items]
        assert shown == sorted(shown), (self.name, params)
        for distance in _confidential_distances(items):
            self.confidential_distances += 1
            assert distance >= STEP_KM and distance % STEP_KM == 0, (self.name, params, distance)
        return items


def _token_for(user: User) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {token_create(user=user).secret}"}


def _outsider_of_an_unrelated_organization() -> dict[str, str]:
    """Provider staff of a demo organization that has no confidential location."""
    org = (
        Organization.objects.exclude(locations__confidential=True)
        .filter(locations__isnull=False)
        .order_by("name", "id")
        .first()
    )
    assert org is not None
    account = AccountOrganization.objects.create(name="Unrelated", hsds_organization=org)
    user = UserFactory(email="unrelated@example.test")
    membership_add(user=user, organization=account, role=Role.PROVIDER_STAFF, actor=None)
    return _token_for(user)


# --- the leak test --------------------------------------------------------------------------


def test_confidential_locations_never_leak_to_outsiders(client):
    seeded = demo_seed(services=300, seed=7)
    assert seeded.confidential_locations >= 20
    secrets = Secrets.collect()
    # The needles are real: most of what a safe house has is not shared with a public one.
    assert len(secrets.coordinates) >= 4 * seeded.confidential_locations
    assert len(secrets.streets) >= seeded.confidential_locations - 2
    assert len(secrets.postcodes) >= 5

    confidential = list(
        Location.objects.filter(confidential=True).prefetch_related("addresses").order_by("id")
    )
    sals = list(ServiceAtLocation.objects.filter(location__confidential=True).order_by("id"))
    org_ids = sorted({str(location.organization_id) for location in confidential})
    callers = {
        "anonymous": {},
        "unrelated provider": _outsider_of_an_unrelated_organization(),
    }

    for name, headers in callers.items():
        probe = Probe(client, secrets, name, headers)

        # Every list, every page, as JSON and as NDJSON.
        for path in LISTS:
            paged = probe.all_pages(path)
            streamed = probe.ndjson(path)
            assert [i["id"] for i in streamed] == [i["id"] for i in paged], (name, path)
        assert probe.confidential_seen >= 2 * len(confidential)

        # The filters that could narrow onto a confidential location: its postcode alone...
        for postcode in sorted(
            {a.postal_code for loc in confidential for a in loc.addresses.all()}
        ):
            hits = probe.get(
                "/api/v1/service_at_locations", {"postcode": postcode, "per_page": 100}
            )
            assert hits["last_page"]
            assert not [i for i in hits["contents"] if _is_confidential(i["location"])], postcode
        # ...and distances to it, asked from its very door.
        for location in confidential:
            probe.near(
                {"latitude": location.latitude, "longitude": location.longitude, "proximity": 20000}
            )
        assert probe.confidential_distances >= len(confidential)

        # Every detail of every confidential service, location and organization.
        for sal in sals:
            probe.get(f"/api/v1/service_at_locations/{sal.pk}")
            probe.get(f"/api/v1/services/{sal.service_id}")
        for org_id in org_ids:
            probe.get(f"/api/v1/organizations/{org_id}")

    # The detectors work: the same questions from a member show what the outsiders missed.
    member_org = Organization.objects.get(pk=seeded.provider_organization_id)
    provider = User.objects.get(email="provider@demo.lantern.test")
    own = next(loc for loc in confidential if loc.organization_id == member_org.pk)
    own_sal = next(sal for sal in sals if sal.location_id == own.pk)
    response = client.get(f"/api/v1/service_at_locations/{own_sal.pk}", **_token_for(provider))
    exact = {repr(abs(own.latitude)), repr(abs(own.longitude)), own.addresses.get().address_1}
    found = secrets.found_in(response.content.decode())
    assert exact & found and exact & found == exact - secrets.shared


# --- members --------------------------------------------------------------------------------


@pytest.fixture
def demo(db):
    seeded = demo_seed(services=20, seed=7)  # two more safe houses, in other organizations
    org = Organization.objects.get(pk=seeded.provider_organization_id)
    own = Location.objects.get(organization=org, confidential=True)
    provider = User.objects.get(email="provider@demo.lantern.test")
    return org, own, _token_for(provider)


def _assert_exact(location_json: dict[str, Any], location: Location) -> None:
    address = location.addresses.get()
    assert location_json["latitude"] == location.latitude
    assert location_json["longitude"] == location.longitude
    assert location_json["addresses"][0]["address_1"] == address.address_1
    assert location_json["addresses"][0]["postal_code"] == address.postal_code


def test_members_see_their_own_confidential_location_in_full(demo, client):
    org, own, headers = demo
    sal = own.service_at_locations.get()

    body = client.get(f"/api/v1/service_at_locations/{sal.pk}", **headers).json()
    _assert_exact(body["location"], own)
    assert _is_confidential(body["location"])

    service = client.get(f"/api/v1/services/{sal.service_id}", **headers).json()
    _assert_exact(service["service_at_locations"][0]["location"], own)

    organization = client.get(f"/api/v1/organizations/{org.pk}", **headers).json()
    _assert_exact(next(loc for loc in organization["locations"] if loc["id"] == str(own.pk)), own)

    listed = client.get("/api/v1/services", {"organization_id": str(org.pk)}, **headers).json()
    located = [
        s["service_at_locations"][0]["location"]
        for s in listed["contents"]
        if s["id"] == str(sal.service_id)
    ]
    _assert_exact(located[0], own)

    for_postcode = client.get(
        "/api/v1/service_at_locations",
        {"postcode": own.addresses.get().postal_code},
        **headers,
    ).json()
    assert str(sal.pk) in {item["id"] for item in for_postcode["contents"]}


def test_members_get_exact_distances_and_outsiders_rounded_ones(demo, client):
    _, own, headers = demo
    sal = own.service_at_locations.get()
    # 300 m north of the safe house.
    params = {"latitude": own.latitude + 0.0027, "longitude": own.longitude, "proximity": 1000}
    member = client.get("/api/v1/service_at_locations", params, **headers).json()
    distance = next(i["distance_km"] for i in member["contents"] if i["id"] == str(sal.pk))
    expected = geo.haversine_km(
        params["latitude"], params["longitude"], own.latitude, own.longitude
    )
    assert distance == round(expected, 2) and distance < 1

    wide = {**params, "proximity": 40000}
    outsider = client.get("/api/v1/service_at_locations", wide).json()
    shown = next(i["distance_km"] for i in outsider["contents"] if i["id"] == str(sal.pk))
    assert shown % STEP_KM == 0 and shown >= STEP_KM
    coarse = geo.haversine_km(
        wide["latitude"], wide["longitude"], own.coarse_latitude, own.coarse_longitude
    )
    assert shown == geo.round_distance_km(coarse, STEP_KM)


def test_members_still_see_other_organizations_safe_houses_redacted(demo, client):
    org, _, headers = demo
    others = Location.objects.filter(confidential=True).exclude(organization=org)
    assert others.exists()
    for location in others:
        sal = location.service_at_locations.get()
        body = client.get(f"/api/v1/service_at_locations/{sal.pk}", **headers).json()
        assert not EXACT_KEYS & set(body["location"])
        assert _is_confidential(body["location"])


@pytest.mark.parametrize("role", [Role.COALITION_ADMIN, Role.ANALYST, Role.ADVOCATE])
def test_coalition_roles_do_not_see_safe_houses_either(demo, client, role):
    """Not even coalition admins: a compromised admin account must not map safe houses."""
    account = AccountOrganization.objects.create(name=f"Coalition {role}")
    user = UserFactory(email=f"{role}@example.test")
    membership_add(user=user, organization=account, role=role, actor=None)
    probe = Probe(client, Secrets.collect(), role, _token_for(user))
    for path in ("/api/v1/services", "/api/v1/service_at_locations"):
        probe.all_pages(path)
        probe.ndjson(path)
    for location in Location.objects.filter(confidential=True):
        probe.get(f"/api/v1/organizations/{location.organization_id}")
        probe.near(
            {"latitude": location.latitude, "longitude": location.longitude, "proximity": 20000}
        )
    assert probe.confidential_seen and probe.confidential_distances
