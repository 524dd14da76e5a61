"""Deterministic synthetic directory data for demos, tests and benchmarks.

Every name is invented and every phone number is a 555-01xx number. Places are real US
postcodes (city, state and coordinates from the `zipcodes` package); street addresses are
invented. The same `seed` always produces the same organizations, services and ids.

Most organizations work in one of a few metropolitan areas (`demo_cities.DEMO_CITIES`), so
someone who searches a demo city's ZIP finds a sensible spread of nearby services; a small
share are elsewhere in the country, as in a real coalition's directory.
"""

import random
import uuid
from collections import Counter
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from lantern.accounts.enrolment import totp_demo_device
from lantern.accounts.models import Organization as AccountOrganization
from lantern.accounts.models import Role, User
from lantern.accounts.selectors import confirmed_device
from lantern.accounts.services import membership_add
from lantern.audit.services import audit_record
from lantern.core import geo, postcodes
from lantern.directory import signals
from lantern.directory.demo_cities import (
    CORE_KM,
    DEMO_CITIES,
    METRO_SHARE,
    DemoCity,
    Metro,
    metros,
)
from lantern.directory.models import (
    Address,
    Language,
    Location,
    LocationType,
    Organization,
    Phone,
    Service,
    ServiceAtLocation,
    ServiceCapacity,
    ServiceStatus,
    Taxonomy,
    TaxonomyTerm,
    Unit,
)
from lantern.directory.profile import (
    GENDERS,
    SERVICE_TYPE_BY_CODE,
    SERVICE_TYPE_CODES,
    ensure_profile_terms,
)

DEMO_USERS = {
    "admin@demo.lantern.test": ("Demo Coalition", Role.COALITION_ADMIN),
    "advocate@demo.lantern.test": ("Demo Advocacy Network", Role.ADVOCATE),
    "provider@demo.lantern.test": (None, Role.PROVIDER_STAFF),
    # Admin of the demo provider: invites, confirms and removes its people (/accounts/people/).
    "orgadmin@demo.lantern.test": (None, Role.ORGANIZATION_ADMIN),
    "analyst@demo.lantern.test": ("Demo Coalition", Role.ANALYST),
    # Case records of the demo provider (its demo cases come from lantern.cases.demo).
    "caseworker@demo.lantern.test": (None, Role.CASEWORKER),
    "supervisor@demo.lantern.test": (None, Role.CASE_SUPERVISOR),
}

_ADJECTIVES = [
    "Harbor",
    "Beacon",
    "Cedar",
    "Bright",
    "Open",
    "North Star",
    "Willow",
    "Safe Passage",
    "Morning",
    "Riverbend",
    "Clear Path",
    "New Dawn",
    "Hillside",
    "Compass",
    "Evergreen",
    "Lighthouse",
    "Stillwater",
    "Prairie",
    "Summit",
    "Anchor",
    "Bridgeway",
    "Haven",
]
_NOUNS = [
    "House",
    "Place",
    "Center",
    "Alliance",
    "Project",
    "Network",
    "Collective",
    "Home",
    "Partners",
    "Circle",
    "Commons",
    "Works",
    "Community",
    "Hope",
]
_STREETS = [
    "Maple",
    "Oak",
    "Pine",
    "Elm",
    "Lake",
    "Hill",
    "Park",
    "Washington",
    "Lincoln",
    "Jefferson",
    "Main",
    "Church",
    "River",
    "Spring",
    "Sunset",
    "Meadow",
    "Orchard",
]
_SUFFIXES = ["St", "Ave", "Rd", "Blvd", "Ln", "Way", "Dr"]
_LANGUAGES = [
    ("en", "English"),
    ("es", "Spanish"),
    ("zh", "Chinese"),
    ("vi", "Vietnamese"),
    ("tl", "Tagalog"),
    ("ar", "Arabic"),
    ("fr", "French"),
    ("ko", "Korean"),
    ("ru", "Russian"),
    ("ht", "Haitian Creole"),
    ("pt", "Portuguese"),
]
_SERVICE_NAMES = {
    "emergency-shelter": "Emergency Shelter",
    "residential-program": "Residential Program",
    "legal": "Legal Clinic",
    "immigration-legal": "Immigration Legal Services",
    "medical": "Health Clinic",
    "mental-health": "Counseling",
    "case-management": "Case Management",
    "substance-use": "Recovery Program",
    "employment-education": "Job and Education Program",
    "basic-needs": "Basic Needs Pantry",
    "hotline": "Help Line",
}
_UNITS = {
    "emergency-shelter": "bed",
    "residential-program": "bed",
    "hotline": "line",
    "basic-needs": "appointment",
    "medical": "appointment",
    "mental-health": "appointment",
    "legal": "consultation",
    "immigration-legal": "consultation",
    "case-management": "caseload place",
    "substance-use": "bed",
    "employment-education": "place",
}
_AREA_CODES = [
    "202",
    "212",
    "213",
    "305",
    "312",
    "404",
    "415",
    "503",
    "512",
    "602",
    "617",
    "702",
    "713",
    "720",
    "801",
    "808",
    "907",
    "919",
]


def demo_phone(rng: random.Random) -> str:
    """A fictional number: 555-0100 to 555-0199 are reserved for fiction."""
    return f"({rng.choice(_AREA_CODES)}) 555-01{rng.randrange(100):02d}"


def _uuid(rng: random.Random) -> uuid.UUID:
    return uuid.UUID(int=rng.getrandbits(128), version=4)


@dataclass
class SeedResult:
    organizations: int
    services: int
    confidential_locations: int
    virtual_services: int
    provider_organization_id: str
    # Services with a site within CORE_KM of each demo city's centre.
    near_cities: dict[DemoCity, int]


def _eligibility(rng: random.Random, types: list[str]) -> dict[str, Any]:
    """Varied rules; about a third of each rule is left undeclared (None)."""

    def maybe(value: Any) -> Any:
        return None if rng.random() < 0.33 else value

    shelter = any(t in ("emergency-shelter", "residential-program") for t in types)
    fields: dict[str, Any] = {
        "genders_served": maybe(sorted(rng.sample(GENDERS, rng.randint(1, len(GENDERS))))),
        "accepts_children": maybe(rng.random() < 0.5) if shelter else maybe(True),
        "accepts_pets": maybe(rng.random() < 0.3),
        "trafficking_types_served": maybe(sorted(rng.sample(["sex", "labor"], rng.randint(1, 2)))),
        "wheelchair_accessible": maybe(rng.random() < 0.6),
        "accepts_active_substance_use": maybe(rng.random() < 0.4),
        "requires_id_documents": maybe(rng.random() < 0.2),
    }
    fields["max_children"] = (
        rng.randint(1, 4) if fields["accepts_children"] and rng.random() < 0.7 else None
    )
    return fields


def _ages(rng: random.Random) -> tuple[int | None, int | None]:
    roll = rng.random()
    if roll < 0.5:
        return None, None
    if roll < 0.7:
        return 18, None
    if roll < 0.85:
        return 12, 17
    return 18, 24


class _Builder:
    def __init__(self, rng: random.Random, now: Any) -> None:
        self.rng = rng
        self.now = now
        self.orgs: list[Organization] = []
        self.services: list[Service] = []
        self.locations: list[Location] = []
        self.addresses: list[Address] = []
        self.sals: list[ServiceAtLocation] = []
        self.capacities: list[ServiceCapacity] = []
        self.languages: list[Language] = []
        self.phones: list[Phone] = []
        self.type_links: list[Any] = []
        self.units: dict[str, Unit] = {}
        self.confidential = 0
        self.virtual = 0
        self.near_cities: Counter[DemoCity] = Counter()

    def unit(self, name: str) -> Unit:
        if name not in self.units:
            unit_id = uuid.uuid5(uuid.NAMESPACE_URL, f"https://lantern.example/unit/{name}")
            self.units[name], _ = Unit.objects.get_or_create(
                id=unit_id, defaults={"name": name, "scheme": "lantern"}
            )
        return self.units[name]

    def organization(self, index: int, place: postcodes.Place) -> Organization:
        rng = self.rng
        name = f"{rng.choice(_ADJECTIVES)} {rng.choice(_NOUNS)} of {place.city}"
        org = Organization(
            id=_uuid(rng),
            name=name,
            description=f"A fictional demo organization serving {place.city}, {place.state}.",
            email=f"info{index}@example.org",
            website=f"https://org{index}.example.org",
            last_modified=self.now,
        )
        self.orgs.append(org)
        self.phones.append(
            Phone(id=_uuid(rng), organization=org, number=demo_phone(rng), type="voice")
        )
        return org

    def service(
        self,
        org: Organization,
        place: postcodes.Place,
        *,
        confidential: bool,
        virtual: bool,
        types: list[str],
    ) -> None:
        rng, now = self.rng, self.now
        min_age, max_age = _ages(rng)
        assured = now.date() - timedelta(days=rng.randint(0, 400))
        service = Service(
            id=_uuid(rng),
            organization=org,
            name=f"{org.name.split(' of ')[0]} {_SERVICE_NAMES[types[0]]}",
            description=f"Fictional demo service: {', '.join(_SERVICE_NAMES[t] for t in types)}.",
            status=ServiceStatus.ACTIVE,
            minimum_age=min_age,
            maximum_age=max_age,
            assured_date=assured,
            assurer_email="verifier@demo.lantern.test",
            application_process="Call or ask an advocate to refer you.",
            last_modified=now,
            **_eligibility(rng, types),
        )
        self.services.append(service)
        for code in types:
            self.type_links.append(
                Service.service_types.through(
                    service_id=service.id, taxonomyterm_id=SERVICE_TYPE_BY_CODE[code].id
                )
            )
        langs = [_LANGUAGES[0], *rng.sample(_LANGUAGES[1:], rng.randint(0, 3))]
        if rng.random() < 0.5 and _LANGUAGES[1] not in langs:
            langs.append(_LANGUAGES[1])
        for code, name in langs:
            self.languages.append(Language(id=_uuid(rng), service=service, code=code, name=name))
        self.phones.append(
            Phone(id=_uuid(rng), service=service, number=demo_phone(rng), type="voice")
        )

        if virtual:
            self.virtual += 1
            location = Location(
                id=_uuid(rng),
                organization=org,
                location_type=LocationType.VIRTUAL,
                name=f"{service.name} (online and phone)",
                url=f"https://help{len(self.services)}.example.org",
                last_modified=now,
            )
        else:
            # About a kilometre around the ZIP's centre, so the site stays in its ZIP.
            lat = place.latitude + rng.uniform(-0.01, 0.01)
            lon = place.longitude + rng.uniform(-0.01, 0.01)
            for metro in metros():
                centre = metro.centre
                if geo.haversine_km(centre.latitude, centre.longitude, lat, lon) <= CORE_KM:
                    self.near_cities[metro.city] += 1
            location = Location(
                id=_uuid(rng),
                organization=org,
                location_type=LocationType.PHYSICAL,
                name=f"{service.name} site",
                latitude=round(lat, 6),
                longitude=round(lon, 6),
                confidential=confidential,
                area=f"{place.city}, {place.state}",
                last_modified=now,
            )
            location.coarse_latitude, location.coarse_longitude = geo.coarse_point(lat, lon)
            if confidential:
                self.confidential += 1
            self.addresses.append(
                Address(
                    id=_uuid(rng),
                    location=location,
                    address_1=f"{rng.randint(10, 9999)} {rng.choice(_STREETS)} "
                    f"{rng.choice(_SUFFIXES)}",
                    city=place.city,
                    state_province=place.state,
                    region=place.county,
                    postal_code=place.postcode,
                    country="US",
                )
            )
        self.locations.append(location)
        self.sals.append(ServiceAtLocation(id=_uuid(rng), service=service, location=location))

        unit = self.unit(_UNITS[types[0]])
        maximum = rng.choice([2, 4, 6, 8, 10, 12, 16, 20, 30])
        available = rng.choice([0, 0, *range(1, maximum + 1)])
        # Ages from minutes to days, so every freshness band appears.
        age_minutes = rng.choice(
            [rng.randint(1, 110), rng.randint(130, 470), rng.randint(500, 4000), rng.randint(1, 60)]
        )
        self.capacities.append(
            ServiceCapacity(
                id=_uuid(rng),
                service=service,
                unit=unit,
                available=available,
                maximum=maximum,
                updated=now - timedelta(minutes=age_minutes),
            )
        )

    def save(self) -> None:
        batch = 2000
        Organization.objects.bulk_create(self.orgs, batch_size=batch)
        Service.objects.bulk_create(self.services, batch_size=batch)
        Service.service_types.through.objects.bulk_create(self.type_links, batch_size=batch)
        Location.objects.bulk_create(self.locations, batch_size=batch)
        Address.objects.bulk_create(self.addresses, batch_size=batch)
        ServiceAtLocation.objects.bulk_create(self.sals, batch_size=batch)
        ServiceCapacity.objects.bulk_create(self.capacities, batch_size=batch)
        Phone.objects.bulk_create(self.phones, batch_size=batch)
        Language.objects.bulk_create(self.languages, batch_size=batch)
        signals.bulk_written.send(sender=Service)  # bulk writes send no model signals


@transaction.atomic
def demo_seed(*, services: int = 300, seed: int = 1) -> SeedResult:
    """Create `services` synthetic services in organizations of about five services each,
    most of them in the metropolitan areas of `DEMO_CITIES` (see the module's docstring).

    The first organization is the demo provider's, in Chicago: three services with
    capacities, one of them at a confidential location. Demo users are created (or reset)
    too.
    """
    if services < 3:
        raise ValueError("services: at least 3")
    ensure_profile_terms(Taxonomy, TaxonomyTerm)
    rng = random.Random(seed)
    now = timezone.now()
    places = postcodes.all_places()
    builder = _Builder(rng, now)

    provider_place = postcodes.lookup("60601") or places[0]
    provider_org = builder.organization(0, provider_place)
    provider_org.name = "Lantern Demo Shelter Network"
    for kind, confidential in (
        ("emergency-shelter", True),
        ("residential-program", False),
        ("case-management", False),
    ):
        builder.service(
            provider_org, provider_place, confidential=confidential, virtual=False, types=[kind]
        )

    areas = metros()
    weights = [metro.city.weight for metro in areas]
    org = provider_org
    org_place = provider_place
    metro: Metro | None = None
    for index in range(3, services):
        if index % 5 == 0 or org is provider_org:
            # Most organizations work in a demo city, across its metropolitan area.
            metro = rng.choices(areas, weights)[0] if rng.random() < METRO_SHARE else None
            org_place = metro.centre if metro is not None else rng.choice(places)
            org = builder.organization(len(builder.orgs), org_place)
        if metro is not None:
            place = metro.place(rng)
        else:
            place = org_place if rng.random() < 0.6 else rng.choice(places)
        types = [rng.choice(SERVICE_TYPE_CODES)]
        if rng.random() < 0.3:
            extra = rng.choice(SERVICE_TYPE_CODES)
            if extra not in types:
                types.append(extra)
        virtual = "hotline" in types or rng.random() < 0.04
        confidential = (
            not virtual
            and types[0] in ("emergency-shelter", "residential-program")
            and rng.random() < 0.5
        ) or (not virtual and rng.random() < 0.03)
        builder.service(org, place, confidential=confidential, virtual=virtual, types=types)
    builder.save()
    _demo_users(provider_org)
    audit_record(
        actor=None,
        actor_label="system:demo",
        action="demo.seed",
        object_type="directory",
        object_id="demo",
        detail={"services": services, "seed": seed},
    )
    return SeedResult(
        organizations=len(builder.orgs),
        services=len(builder.services),
        confidential_locations=builder.confidential,
        virtual_services=builder.virtual,
        provider_organization_id=str(provider_org.id),
        near_cities={city: builder.near_cities[city] for city in DEMO_CITIES},
    )


def demo_devices() -> dict[str, Any]:
    """The demo accounts' confirmed authenticators, by e-mail (those that exist)."""
    found = {}
    for user in User.objects.filter(email__in=list(DEMO_USERS)):
        device = confirmed_device(user)
        if device is not None:
            found[user.email] = device
    return found


def _demo_users(provider_org: Organization) -> None:
    password = settings.LANTERN_DEMO_PASSWORD
    account_orgs: dict[str, AccountOrganization] = {}
    provider_account, _ = AccountOrganization.objects.get_or_create(
        hsds_organization=provider_org, defaults={"name": provider_org.name}
    )
    for email, (org_name, role) in DEMO_USERS.items():
        user = User.objects.filter(email=email).first()
        if user is None:
            user = User.objects.create_user(email, password, display_name=email.split("@")[0])
        if org_name is None:
            account = provider_account
        else:
            if org_name not in account_orgs:
                account_orgs[org_name], _ = AccountOrganization.objects.get_or_create(
                    name=org_name, hsds_organization=None
                )
            account = account_orgs[org_name]
        membership_add(user=user, organization=account, role=role, actor=None)
        totp_demo_device(user=user)  # two-factor stays mandatory; `demo logins` prints it
    # The demo advocate organization answers survivors' "ask an advocate" requests.
    AccountOrganization.objects.filter(name="Demo Advocacy Network").update(
        takes_help_requests=True
    )
