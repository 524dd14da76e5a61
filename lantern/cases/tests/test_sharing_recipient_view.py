"""What a recipient organization reads through the case page and the case API: exactly the
granted groups, and nothing at all once the consent is withdrawn or has expired (no cached
copy: the very next request is a 404).

Every section of the case page (notes, documents, plan, assessments,
sharing) is covered by the same text checks: the values of groups not granted must not
appear anywhere in the answer.
"""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from lantern.cases.keys import cipher_for
from lantern.cases.models import CaseAccess, CaseNote
from lantern.cases.sharing_services import case_share_revoke
from lantern.cases.tests.factories import open_case
from lantern.cases.tests.sharing_factories import ALIAS, CONTACT, COUNTY, NOTE_TEXT, share
from lantern.consent.models import ConsentRecord

pytestmark = pytest.mark.django_db

PROBE = "00000000-0000-4000-8000-000000000000"


def _shared_case(world):
    case = open_case(world)
    CaseNote.objects.create(
        case=case,
        body_sealed=cipher_for(case).seal(NOTE_TEXT),
        author=world["provider_b"].user,
        organization=case.organization,
    )
    made = share(world, case, groups=["identity"])
    return case, made


def _assert_identity_only(text: str) -> None:
    assert ALIAS in text
    assert CONTACT not in text  # contact
    assert COUNTY not in text  # trafficking: places
    assert NOTE_TEXT not in text  # notes


def test_the_case_page_shows_the_recipient_only_the_granted_groups(world):
    case, made = _shared_case(world)
    client = world["provider_c"].client()
    response = client.get(f"/cases/{case.pk}/")
    assert response.status_code == 200
    _assert_identity_only(response.content.decode())
    assert CaseAccess.objects.filter(
        case=case, actor=world["provider_c"].user, kind="shared_read"
    ).exists()
    # The case's own caseworker sees everything on the same page.
    own = world["provider_b"].client().get(f"/cases/{case.pk}/").content.decode()
    assert CONTACT in own and COUNTY in own

    case_share_revoke(actor=world["provider_b"].user, share=made, reason="withdrawn")
    assert client.get(f"/cases/{case.pk}/").status_code == 404


def test_the_case_page_is_gone_for_the_recipient_once_the_consent_expires(world):
    case, made = _shared_case(world)
    client = world["provider_c"].client()
    assert client.get(f"/cases/{case.pk}/").status_code == 200
    # The consent runs out (moved into the past: moving the clock instead would also end
    # the recipient's signed-in session and prove nothing about the consent).
    now = timezone.now()
    ConsentRecord.objects.filter(pk=made.consent_id).update(
        created=now - timedelta(days=2), expires_at=now - timedelta(seconds=1)
    )
    assert client.get(f"/cases/{case.pk}/").status_code == 404


def test_the_case_api_answers_the_recipient_only_the_granted_groups(world):
    case, made = _shared_case(world)
    headers = world["provider_c"].api_headers()
    response = Client().get(f"/api/v1/cases/{case.pk}", **headers)
    assert response.status_code == 200
    _assert_identity_only(response.content.decode())

    case_share_revoke(actor=world["provider_b"].user, share=made, reason="withdrawn")
    assert Client().get(f"/api/v1/cases/{case.pk}", **headers).status_code == 404
