"""Helpers for the tests of the work on a case: shares, images with GPS, posting forms."""

import io
from datetime import timedelta
from typing import Any

from django.test import Client
from django.utils import timezone
from PIL import Image

from lantern.accounts.models import Organization, User
from lantern.cases.models import Case, CaseShare
from lantern.cases.policy import Reach
from lantern.cases.selectors import case_for_user
from lantern.consent.services import consent_record
from lantern.testing import Persona, World

# A fictional position (the Willis Tower's neighbourhood), as an EXIF GPS block gives it.
GPS_LATITUDE = (41.0, 52.0, 4.0)
GPS_LONGITUDE = (87.0, 38.0, 9.0)


def share(
    world: World,
    case: Case,
    groups: list[str],
    *,
    recipient: Organization | None = None,
    may_add_notes: bool = False,
    actor: User | None = None,
) -> CaseShare:
    """Share `case` (of org B) with org C (by default) under a consent for `groups`."""
    recipient = recipient or world.org_c
    consent = consent_record(
        recipient=recipient,
        granted_by_organization=case.organization,
        categories=groups,
        purpose="continuing services",
        method="written",
        expires_at=timezone.now() + timedelta(days=30),
        actor=actor or world["provider_b"].user,
        subject_type="case",
        subject_id=str(case.pk),
        catalogue="case",
    )
    return CaseShare.objects.create(
        case=case,
        consent=consent,
        recipient=recipient,
        may_add_notes=may_add_notes,
        shared_by=actor or world["provider_b"].user,
    )


def reach_of(user: User, case: Case) -> Reach:
    return case_for_user(user, case.pk)[1]


def jpeg_with_gps() -> bytes:
    """A small JPEG whose EXIF carries a GPS position and a camera model."""
    image = Image.new("RGB", (32, 24), (200, 120, 40))
    exif = Image.Exif()
    exif[0x0110] = "Fictional Camera 555"  # Model
    gps = exif.get_ifd(0x8825)
    gps[1] = "N"
    gps[2] = GPS_LATITUDE
    gps[3] = "W"
    gps[4] = GPS_LONGITUDE
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif)
    return out.getvalue()


def has_gps(data: bytes) -> bool:
    with Image.open(io.BytesIO(data)) as image:
        exif = image.getexif()
        return bool(exif) and bool(exif.get_ifd(0x8825))


def post(client: Client, url: str, data: dict[str, Any] | None = None, **extra: Any) -> Any:
    """A form POST with the CSRF token a browser would send."""
    client.get("/accounts/login/")
    token = client.cookies["csrftoken"].value if "csrftoken" in client.cookies else ""
    return client.post(url, {**(data or {}), "csrfmiddlewaretoken": token}, **extra)


def client_for(user: User) -> Client:
    """A CSRF-enforcing client logged in as `user`, second factor done."""
    return Persona(user.email, user).client()
