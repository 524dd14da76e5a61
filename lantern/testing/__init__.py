"""The one test base: personas, factories and helpers shared by every app's tests.

Personas (the same in every authorization test):
- anonymous: no session at all
- survivor: an anonymous session (has visited survivor pages; never an account)
- advocate_a: advocate of organization A
- provider_b: provider staff of organization B (owns services, one confidential location)
- provider_c: provider staff of an unrelated organization C
- coalition_admin: coalition admin (Django admin access)
- analyst: analyst of the coalition
"""

import time
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from urllib.parse import quote, urlsplit

import factory
from django.test import Client
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from lantern.accounts.models import Organization as AccountOrganization
from lantern.accounts.models import Role, User
from lantern.accounts.services import membership_add, token_create
from lantern.core import geo
from lantern.directory.models import (
    Address,
    Language,
    Location,
    Organization,
    Service,
    ServiceAtLocation,
    ServiceCapacity,
    Taxonomy,
    TaxonomyTerm,
    Unit,
)
from lantern.directory.profile import SERVICE_TYPE_BY_CODE, ensure_profile_terms

PASSWORD = "correct-horse-battery"  # noqa: S105


def totp_device(user: User) -> TOTPDevice:
    """The user's confirmed authenticator, created on first use."""
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    return device or TOTPDevice.objects.create(user=user, name="test", confirmed=True)


def totp_code(device: TOTPDevice, *, offset_steps: int = 0) -> str:
    """The code an authenticator app would show now (or `offset_steps` periods away)."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + offset_steps * device.step
    return f"{totp.token():0{device.digits}d}"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.test")
    display_name = factory.Sequence(lambda n: f"Person {n}")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class HsdsOrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization

    name = factory.Sequence(lambda n: f"Fictional Org {n}")
    description = "A fictional organization for tests."


class ServiceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Service
        skip_postgeneration_save = True

    organization = factory.SubFactory(HsdsOrganizationFactory)
    name = factory.Sequence(lambda n: f"Fictional Service {n}")
    description = "A fictional service for tests."

    @factory.post_generation
    def types(obj, create, extracted, **kwargs):
        if create and extracted:
            obj.service_types.set([SERVICE_TYPE_BY_CODE[c].id for c in extracted])


class LocationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Location

    organization = factory.SubFactory(HsdsOrganizationFactory)
    name = factory.Sequence(lambda n: f"Site {n}")
    latitude = 41.8858
    longitude = -87.6181
    area = "Chicago, IL"

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        obj = model_class(*args, **kwargs)
        if obj.latitude is not None and obj.longitude is not None:
            obj.coarse_latitude, obj.coarse_longitude = geo.coarse_point(
                obj.latitude, obj.longitude
            )
        obj.save()
        return obj


class AddressFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Address

    location = factory.SubFactory(LocationFactory)
    address_1 = factory.Sequence(lambda n: f"{100 + n} Fictional Street")
    city = "Chicago"
    state_province = "IL"
    postal_code = "60601"


def unit(name: str = "bed") -> Unit:
    return Unit.objects.get_or_create(name=name, defaults={"scheme": "lantern"})[0]


class CapacityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ServiceCapacity

    service = factory.SubFactory(ServiceFactory)
    unit = factory.LazyFunction(unit)
    available = 3
    maximum = 10
    updated = factory.LazyFunction(timezone.now)


def make_listing(
    *,
    org: Organization,
    confidential: bool = False,
    latitude: float = 41.8858,
    longitude: float = -87.6181,
    postcode: str = "60601",
    available: int = 3,
    maximum: int = 10,
    updated_ago: timedelta = timedelta(minutes=5),
    types: tuple[str, ...] = ("emergency-shelter",),
    languages: tuple[str, ...] = ("en",),
    **service_fields: Any,
) -> ServiceAtLocation:
    """A service with one location (and address) and one capacity."""
    service = ServiceFactory(organization=org, types=list(types), **service_fields)
    location = LocationFactory(
        organization=org, confidential=confidential, latitude=latitude, longitude=longitude
    )
    AddressFactory(location=location, postal_code=postcode)
    for code in languages:
        Language.objects.create(service=service, code=code, name=code)
    CapacityFactory(
        service=service,
        available=available,
        maximum=maximum,
        updated=timezone.now() - updated_ago,
    )
    return ServiceAtLocation.objects.create(service=service, location=location)


@dataclass
class Persona:
    name: str
    user: User | None
    token: str | None = None

    def client(self, *, verified: bool = True) -> Client:
        """A CSRF-enforcing client logged in as this persona (2FA done unless told not)."""
        client = Client(enforce_csrf_checks=True)
        if self.user is not None:
            client.force_login(self.user)
            if verified:
                device = totp_device(self.user)
                session = client.session
                session[DEVICE_ID_SESSION_KEY] = device.persistent_id
                session.save()
        elif self.name == "survivor":
            session = client.session
            session["survivor"] = True
            session.save()
        return client

    def api_headers(self) -> dict[str, str]:
        return {"HTTP_AUTHORIZATION": f"Bearer {self.token}"} if self.token else {}


@dataclass
class World:
    """Organizations A (advocacy), B (provider), C (unrelated provider) and the coalition."""

    org_a: AccountOrganization
    org_b: AccountOrganization
    org_c: AccountOrganization
    coalition: AccountOrganization
    hsds_b: Organization
    hsds_c: Organization
    personas: dict[str, Persona]
    b_public: ServiceAtLocation
    b_confidential: ServiceAtLocation
    c_public: ServiceAtLocation

    def __getitem__(self, name: str) -> Persona:
        return self.personas[name]


PERSONAS = (
    "anonymous",
    "survivor",
    "advocate_a",
    "provider_b",
    "provider_c",
    "coalition_admin",
    "analyst",
)


def build_world() -> World:
    # Transactional tests flush every table, including rows that migrations created.
    ensure_profile_terms(Taxonomy, TaxonomyTerm)
    hsds_b = HsdsOrganizationFactory(name="Fictional Shelter B")
    hsds_c = HsdsOrganizationFactory(name="Fictional Provider C")
    org_a = AccountOrganization.objects.create(name="Advocates A")
    org_b = AccountOrganization.objects.create(name="Shelter B", hsds_organization=hsds_b)
    org_c = AccountOrganization.objects.create(name="Provider C", hsds_organization=hsds_c)
    coalition = AccountOrganization.objects.create(name="Coalition")

    def person(name: str, org: AccountOrganization | None, role: str | None) -> Persona:
        if org is None or role is None:
            return Persona(name, None)
        user = UserFactory(email=f"{name}@example.test")
        membership_add(user=user, organization=org, role=role, actor=None)
        return Persona(name, user, token_create(user=user).secret)

    personas = {
        "anonymous": Persona("anonymous", None),
        "survivor": Persona("survivor", None),
        "advocate_a": person("advocate_a", org_a, Role.ADVOCATE),
        "provider_b": person("provider_b", org_b, Role.PROVIDER_STAFF),
        "provider_c": person("provider_c", org_c, Role.PROVIDER_STAFF),
        "coalition_admin": person("coalition_admin", coalition, Role.COALITION_ADMIN),
        "analyst": person("analyst", coalition, Role.ANALYST),
    }
    return World(
        org_a=org_a,
        org_b=org_b,
        org_c=org_c,
        coalition=coalition,
        hsds_b=hsds_b,
        hsds_c=hsds_c,
        personas=personas,
        b_public=make_listing(org=hsds_b, latitude=41.88, longitude=-87.63),
        b_confidential=make_listing(
            org=hsds_b,
            confidential=True,
            latitude=41.9123,
            longitude=-87.6543,
            postcode="60614",
        ),
        c_public=make_listing(org=hsds_c, latitude=41.85, longitude=-87.65, postcode="60608"),
    )


def browser_log_in(page: Any, user: User, next_path: str) -> None:
    """Log in through the real pages in a Playwright page: password, then the TOTP code."""
    device = totp_device(user)
    page.goto(f"/accounts/login/?next={quote(next_path)}")
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.get_by_label("6-digit code").fill(totp_code(device))
    page.get_by_role("button", name="Continue").click()


def axe_violations(page: Any) -> list[str]:
    """Serious and critical axe-core findings on the page (axe-core comes from npm)."""
    from pathlib import Path

    from django.conf import settings as django_settings

    axe = Path(django_settings.PROJECT_DIR) / "node_modules" / "axe-core" / "axe.min.js"
    page.evaluate(axe.read_text())
    found = page.evaluate(
        "async () => (await axe.run(document)).violations"
        ".filter(v => v.impact === 'serious' || v.impact === 'critical')"
        ".map(v => v.id + ': ' + v.nodes.map(n => n.target.join(' ')).join(', '))"
    )
    return list(found)


def link_path(url: str) -> str:
    """The path and query of a link from a message, whatever origin it starts with (links
    follow LANTERN_SITE_URL, or the origin the server was last reached at)."""
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")
