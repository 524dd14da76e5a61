"""Hold and refer made from a survivor's help request: the advocate's page for it, the
prefill from the person's answers, and the link written with the referral."""

import pytest
from django.urls import reverse

from lantern.findhelp.models import HelpRequestStatus
from lantern.findhelp.services import Contact, help_request_create
from lantern.referrals.models import Referral
from lantern.referrals.tests.test_views import client, refer_form

pytestmark = pytest.mark.django_db


def _help_request(world):
    world.org_a.takes_help_requests = True
    world.org_a.save(update_fields=["takes_help_requests"])
    return help_request_create(
        service_id=world.b_public.service_id,
        needs={"help_types": ["legal"], "age": 19},
        contact=Contact(method="text", details="555-0142", time="after 6pm"),
        name="Rosa",
        consented=True,
    )


def refer_url(help_request):
    return reverse("help_requests:refer", args=[help_request.pk])


def test_help_request_pages_are_never_cached(world):
    help_request = _help_request(world)
    for url in (
        reverse("help_requests:list"),
        reverse("help_requests:detail", args=[help_request.pk]),
        refer_url(help_request),
    ):
        response = client(world, "advocate_a").get(url)
        assert response.status_code == 200, url
        assert "no-store" in response["Cache-Control"], url


def test_the_request_page_links_to_its_own_hold_and_refer(world):
    help_request = _help_request(world)
    page = client(world, "advocate_a").get(reverse("help_requests:detail", args=[help_request.pk]))
    assert refer_url(help_request) in page.content.decode()


def test_a_help_request_id_that_is_not_a_uuid_is_not_found(world):
    _help_request(world)
    response = client(world, "advocate_a").get("/desk/requests/junk/refer/")
    assert response.status_code == 404


def test_a_referral_made_from_a_help_request_is_prefilled_and_links_it(world):
    help_request = _help_request(world)
    advocate = client(world, "advocate_a")
    page = advocate.get(refer_url(help_request)).content.decode()
    assert help_request.code in page
    assert 'value="19"' in page  # the age the person gave
    response = advocate.post(refer_url(help_request), refer_form(age="19"))
    assert response.status_code == 302
    referral = Referral.objects.get()
    assert referral.referring_organization_id == help_request.organization_id
    help_request.refresh_from_db()
    assert help_request.status == HelpRequestStatus.REFERRED
    assert help_request.referral == referral
    # A second referral from the same request is refused, and nothing is written.
    again = advocate.post(refer_url(help_request), refer_form())
    assert again.status_code == 409
    assert Referral.objects.count() == 1


def test_a_plain_referral_ignores_a_help_request_in_the_query(world):
    """The referrals app knows nothing of help requests: the old query parameter links
    nothing (the request's own page is `help_requests:refer`)."""
    help_request = _help_request(world)
    url = reverse("referrals:new", args=[world.b_public.service_id])
    response = client(world, "advocate_a").post(
        f"{url}?help_request={help_request.pk}", refer_form()
    )
    assert response.status_code == 302
    help_request.refresh_from_db()
    assert help_request.status == HelpRequestStatus.NEW


def test_only_the_receiving_advocates_refer_from_a_help_request(world):
    help_request = _help_request(world)
    for persona in ("provider_b", "provider_c", "coalition_admin"):
        response = client(world, persona).get(refer_url(help_request))
        assert response.status_code == 404, persona
        response = client(world, persona).post(refer_url(help_request), refer_form())
        assert response.status_code == 404, persona
    assert Referral.objects.count() == 0
