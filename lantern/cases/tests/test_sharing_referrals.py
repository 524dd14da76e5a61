"""Cases and referrals: opening a case from an accepted referral (the inbox's button and the
page), and referrals sent from a case through the advocate search and the referral form."""

import re

import pytest

from lantern.cases.models import Case, CaseReferral
from lantern.cases.sharing_selectors import case_referrals
from lantern.cases.tests.factories import open_case
from lantern.cases.tests.sharing_factories import csrf_post, referral
from lantern.referrals.models import Referral

pytestmark = pytest.mark.django_db


def test_the_inbox_offers_to_open_a_case_once_accepted(world):
    sent = referral(world, accept=False)
    client = world["provider_b"].client()
    page = client.get(f"/desk/inbox/{sent.pk}/").content.decode()
    assert 'data-testid="case-link"' not in page
    csrf_post(client, f"/desk/inbox/{sent.pk}/", {"status": "accepted"})
    page = client.get(f"/desk/inbox/{sent.pk}/").content.decode()
    assert f'href="/cases/from-referral/{sent.pk}/"' in page
    # The referrer's side never gets the button.
    outbox = world["advocate_a"].client().get(f"/desk/outbox/{sent.pk}/").content.decode()
    assert "from-referral" not in outbox


def test_open_a_case_from_the_page(world):
    sent = referral(world)
    client = world["provider_b"].client()
    page = client.get(f"/cases/from-referral/{sent.pk}/")
    assert page.status_code == 200
    body = page.content.decode()
    assert "First name or a name they choose" in body  # carried, by label
    assert "Documents they need" in body.split("Not taken over:")[1]
    assert "Marisol" not in body  # no value is read for this page
    response = csrf_post(client, f"/cases/from-referral/{sent.pk}/", {})
    case = Case.objects.get(from_referral=sent)
    assert response.status_code == 302
    assert response["Location"] == f"/cases/{case.pk}/"
    # The inbox now links to the case, and a second case is refused.
    page = client.get(f"/desk/inbox/{sent.pk}/").content.decode()
    assert f'href="/cases/{case.pk}/"' in page
    again = csrf_post(client, f"/cases/from-referral/{sent.pk}/", {})
    assert again.status_code == 409
    assert Case.objects.count() == 1


def test_the_page_refuses_a_referral_not_accepted(world):
    sent = referral(world, accept=False)
    client = world["provider_b"].client()
    assert (
        'data-testid="not-taken-on"'
        in client.get(f"/cases/from-referral/{sent.pk}/").content.decode()
    )
    assert csrf_post(client, f"/cases/from-referral/{sent.pk}/", {}).status_code == 409
    assert not Case.objects.exists()


@pytest.mark.parametrize("persona", ["advocate_a", "provider_c", "coalition_admin", "analyst"])
def test_another_organization_gets_404(world, persona):
    sent = referral(world)
    client = world[persona].client()
    assert client.get(f"/cases/from-referral/{sent.pk}/").status_code == 404
    assert csrf_post(client, f"/cases/from-referral/{sent.pk}/", {}).status_code == 404
    assert not Case.objects.exists()


def test_possible_duplicates_are_listed_before_opening(world):
    existing = open_case(world, alias="Marisol Fictional")
    sent = referral(world, items={"name": "Marisol"})
    client = world["provider_b"].client()
    response = csrf_post(client, f"/cases/from-referral/{sent.pk}/", {})
    assert response.status_code == 409
    assert f"/cases/{existing.pk}/" in response.content.decode()
    assert Case.objects.count() == 1
    response = csrf_post(client, f"/cases/from-referral/{sent.pk}/", {"duplicates_reviewed": "on"})
    assert response.status_code == 302
    assert Case.objects.filter(from_referral=sent).exists()


def test_the_search_started_from_a_case_refers_through_the_case(world):
    case = open_case(world)
    client = world["provider_b"].client()
    page = client.get(f"/advocate/search/?case={case.pk}&age=24").content.decode()
    assert f'name="case" value="{case.pk}"' in page
    assert f'href="/cases/{case.pk}/refer/' in page
    # (The staff bar links to /cases/ on every page; a referral through a case does not.)
    through_a_case = re.compile(r"/cases/[0-9a-f-]{36}/refer/")
    plain = client.get("/advocate/search/?age=24").content.decode()
    assert not through_a_case.search(plain)
    assert 'name="case"' not in plain
    assert "/desk/refer/" in plain
    # Not a case id: ignored.
    ignored = client.get("/advocate/search/?case=nope").content.decode()
    assert not through_a_case.search(ignored)
    assert 'name="case"' not in ignored


def test_a_referral_sent_from_a_case_is_listed_on_it(world):
    case = open_case(world)
    client = world["provider_b"].client()
    url = f"/cases/{case.pk}/refer/{world.c_public.service_id}/?age=24"
    page = client.get(url)
    assert page.status_code == 200
    assert f"Made from case {case.number}" in page.content.decode()
    response = csrf_post(client, url, {"share": "nothing"})
    assert response.status_code == 302
    sent = Referral.objects.get()
    assert sent.referring_organization == world.org_b
    assert CaseReferral.objects.get().referral == sent
    assert case_referrals(case) == [sent]


@pytest.mark.parametrize("persona", ["advocate_a", "provider_c", "coalition_admin", "analyst"])
def test_only_the_cases_own_people_refer_from_it(world, persona):
    case = open_case(world)
    client = world[persona].client()
    url = f"/cases/{case.pk}/refer/{world.c_public.service_id}/"
    assert client.get(url).status_code == 404
    assert csrf_post(client, url, {"share": "nothing"}).status_code == 404
    assert not Referral.objects.exists()


def test_no_referral_is_sent_from_a_purged_case(world):
    case = open_case(world)
    client = world["provider_b"].client()
    url = f"/cases/{case.pk}/refer/{world.c_public.service_id}/"
    assert client.get(url).status_code == 200
    Case.objects.filter(pk=case.pk).update(purged_at="2030-01-01T00:00:00Z")
    assert csrf_post(client, url, {"share": "nothing"}).status_code == 404
    assert not Referral.objects.exists()
