"""The sharing pages: share, transfer, withdraw, the disclosure log and the case section."""

from datetime import timedelta

import pytest
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.utils import timezone

from lantern.audit.models import AuditEvent
from lantern.cases.models import CaseShare, CaseTransfer
from lantern.cases.reading import case_read
from lantern.cases.selectors import case_for_user, reach_for
from lantern.cases.tests.factories import open_case
from lantern.cases.tests.sharing_factories import (
    csrf_post,
    reauthenticated,
    share,
    supervisor_c,
)
from lantern.cases.views_sharing import section_context
from lantern.core.errors import NotFound

pytestmark = pytest.mark.django_db


def _share_form(world, **overrides):
    data = {
        "share-recipient": str(world.org_c.pk),
        "share-groups": ["identity", "notes"],
        "share-purpose": "continuing services",
        "share-method": "written",
        "share-expires_on": (timezone.localdate() + timedelta(days=20)).isoformat(),
        "share-attested": "on",
        "share-may_add_notes": "on",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def test_sharing_needs_a_fresh_confirmation(world):
    case = open_case(world)
    client = world["provider_b"].client()
    response = client.get(f"/cases/{case.pk}/share/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/reauth/?next=")
    response = csrf_post(client, f"/cases/{case.pk}/share/", _share_form(world))
    assert response.status_code == 302
    assert "/accounts/reauth/" in response["Location"]
    assert not CaseShare.objects.exists()


def test_share_page_offers_other_organizations_with_case_keepers(world):
    case = open_case(world)
    client = reauthenticated(world["provider_b"].client())
    response = client.get(f"/cases/{case.pk}/share/")
    assert response.status_code == 200
    body = response.content.decode()
    assert "Provider C" in body and "Advocates A" in body
    assert "Shelter B" not in body.split('name="share-recipient"')[1].split("</select>")[0]
    assert "Coalition" not in body
    assert "no-store" in response["Cache-Control"]


def test_share_through_the_page(world):
    case = open_case(world)
    client = reauthenticated(world["provider_b"].client())
    response = csrf_post(client, f"/cases/{case.pk}/share/", _share_form(world))
    assert response.status_code == 302
    assert response["Location"] == f"/cases/{case.pk}/#sharing"
    made = CaseShare.objects.get()
    assert made.recipient == world.org_c
    assert made.consent.categories == ["identity", "notes"]
    assert made.may_add_notes is True
    # The agreement ends when the chosen day begins.
    assert timezone.localtime(made.consent.expires_at).date() == timezone.localdate() + timedelta(
        days=20
    )


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"share-groups": None}, "groups"),
        ({"share-attested": None}, "attested"),
        (
            {"share-expires_on": (timezone.localdate() + timedelta(days=900)).isoformat()},
            "expires_on",
        ),
        ({"share-recipient": "not-an-org"}, "recipient"),
        ({"share-groups": ["identity"]}, "may_add_notes"),
    ],
)
def test_share_page_refuses_bad_input_naming_the_field(world, overrides, field):
    case = open_case(world)
    client = reauthenticated(world["provider_b"].client())
    response = csrf_post(client, f"/cases/{case.pk}/share/", _share_form(world, **overrides))
    assert response.status_code == 422
    assert f'data-for="{field}"' in response.content.decode()
    assert not CaseShare.objects.exists()


@pytest.mark.parametrize("persona", ["provider_c", "advocate_a", "coalition_admin", "analyst"])
def test_others_cannot_open_the_share_page(world, persona):
    case = open_case(world)
    share(world, case, groups=["identity"])  # provider_c is a recipient: still 404
    client = reauthenticated(world[persona].client())
    assert client.get(f"/cases/{case.pk}/share/").status_code == 404
    response = csrf_post(client, f"/cases/{case.pk}/share/", _share_form(world))
    assert response.status_code == 404
    assert CaseShare.objects.count() == 1


def test_withdraw_through_the_page_and_the_recipient_loses_it_at_once(world):
    case = open_case(world)
    made = share(world, case, groups=["identity"])
    reader = world["provider_c"].user
    assert case_for_user(reader, case.pk)
    url = f"/cases/{case.pk}/shares/{made.pk}/revoke/"
    # The recipient cannot withdraw it.
    recipient = reauthenticated(world["provider_c"].client())
    assert csrf_post(recipient, url, {"reason": "withdrawn"}).status_code == 404
    client = reauthenticated(world["provider_b"].client())
    response = csrf_post(client, url, {"reason": "no_longer_needed"})
    assert response.status_code == 302
    made.consent.refresh_from_db()
    assert made.consent.revoke_reason == "no_longer_needed"
    with pytest.raises(NotFound):
        case_for_user(reader, case.pk)


def test_transfer_through_the_page(world):
    supervisor_c(world)
    case = open_case(world)
    client = reauthenticated(world["provider_b"].client())
    page = client.get(f"/cases/{case.pk}/transfer/")
    assert page.status_code == 200
    assert "Provider C" in page.content.decode()
    data = {
        key.replace("share-", "transfer-"): value
        for key, value in _share_form(world, **{"share-groups": ["identity"]}).items()
        if key != "share-may_add_notes"
    }
    response = csrf_post(client, f"/cases/{case.pk}/transfer/", data)
    assert response.status_code == 302
    moved = CaseTransfer.objects.get()
    assert moved.recipient == world.org_c
    case.refresh_from_db()
    assert case.status == "ClosedReferred"
    # A closed case cannot be shared or transferred any more from the page.
    again = csrf_post(client, f"/cases/{case.pk}/transfer/", data)
    assert again.status_code == 422


def test_disclosure_log_lists_the_recipients_read_and_not_the_caseworkers_own(world):
    case = open_case(world, primary_language="")
    share(world, case, groups=["identity"])
    owner = world["provider_b"].user
    found, reach = case_for_user(owner, case.pk)
    case_read(actor=owner, case=found, reach=reach)
    reader = world["provider_c"].user
    found, reach = case_for_user(reader, case.pk)
    case_read(actor=reader, case=found, reach=reach)

    response = world["provider_b"].client().get(f"/cases/{case.pk}/disclosures/")
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    body = response.content.decode()
    assert "Who has seen your record" in body
    assert "cases/disclosures" in body  # the print stylesheet
    kinds = [row.kind for row in response.context["rows"]]
    assert kinds == ["shared_read", "share"]
    read, shared = response.context["rows"]
    assert read.who == reader.display_name
    assert read.organization == "Provider C"
    assert shared.who == owner.display_name
    assert shared.organization == "Shelter B"
    assert shared.recipient == "Provider C"
    assert "Read it under a share" in body and "Shared it" in body
    event = AuditEvent.objects.get(action="case.disclosures_read", object_id=str(case.pk))
    assert event.detail == {"via": "page", "total": 2, "shown": 2}


def test_disclosure_log_in_spanish_by_choice_or_by_the_persons_language(world):
    case = open_case(world)  # the person's language: Spanish
    share(world, case)
    client = world["provider_b"].client()
    spanish = client.get(f"/cases/{case.pk}/disclosures/").content.decode()
    assert '<html lang="es">' in spanish
    assert "Quién ha visto su expediente" in spanish
    assert "Lo compartió" in spanish
    english = client.get(f"/cases/{case.pk}/disclosures/?lang=en").content.decode()
    assert '<html lang="en">' in english
    assert "Who has seen your record" in english
    other = open_case(world, alias="Ana Fictional", primary_language="fra")
    assert (
        '<html lang="es">' in client.get(f"/cases/{other.pk}/disclosures/?lang=es").content.decode()
    )
    assert '<html lang="en">' in client.get(f"/cases/{other.pk}/disclosures/").content.decode()


def test_a_system_row_is_named_as_lantern(world):
    from lantern.cases.access import log_access

    case = open_case(world, primary_language="")
    log_access(cases=[case], actor=None, kind="export")
    response = world["provider_b"].client().get(f"/cases/{case.pk}/disclosures/")
    assert "Lantern (automatic)" in response.content.decode()


@pytest.mark.parametrize("persona", ["provider_c", "advocate_a", "coalition_admin", "analyst"])
def test_only_the_cases_own_people_open_the_disclosure_log(world, persona):
    case = open_case(world)
    share(world, case, groups=["identity", "contact"])
    response = world[persona].client().get(f"/cases/{case.pk}/disclosures/")
    assert response.status_code == 404
    assert not AuditEvent.objects.filter(action="case.disclosures_read").exists()


def _section(world, persona, case, *, confirmed=False):
    request = RequestFactory().get(f"/cases/{case.pk}/")
    request.user = world[persona].user
    request.session = {"reauth_at": timezone.now().timestamp()} if confirmed else {}
    reach = reach_for(request.user, case)
    context = section_context(request, case, reach)
    html = render_to_string("cases/sections/sharing.html", context, request=request)
    return context["sharing"], html


def test_section_for_the_cases_own_people(world):
    case = open_case(world)
    share(world, case, groups=["identity"])
    sharing, html = _section(world, "provider_b", case, confirmed=True)
    assert sharing["mode"] == "own"
    assert [row["recipient"] for row in sharing["shares"]] == ["Provider C"]
    assert 'data-testid="share-form"' in html
    assert 'data-testid="transfer-form"' in html
    assert 'data-testid="revoke-form"' in html
    assert f"/cases/{case.pk}/disclosures/" in html
    assert f"/advocate/search/?case={case.pk}" in html
    # Not confirmed lately: a link to confirm instead of the forms.
    sharing, html = _section(world, "provider_b", case)
    assert 'data-testid="share-form"' not in html
    assert 'data-testid="revoke-form"' not in html
    assert 'data-testid="sharing-reauth"' in html


def test_section_for_a_recipient_shows_only_what_was_granted(world):
    case = open_case(world)
    share(world, case, groups=["identity"])
    sharing, html = _section(world, "provider_c", case, confirmed=True)
    assert sharing["mode"] == "shared"
    assert 'data-testid="shared-grant"' in html
    assert "Who they are" in html
    assert "share-form" not in html and "transfer-form" not in html
    assert "disclosures" not in html
    assert "Provider C" not in html  # no list of the case's shares
