"""Date-time and paging bounds (core.bounds) on the referral, consent, matching and
directory inputs, and reading a referral whose stored intake time is out of range."""

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from lantern.referrals.forms import IntakeForm, ReferralForm
from lantern.referrals.models import Referral
from lantern.referrals.tests.factories import send

pytestmark = pytest.mark.django_db

YEAR_ONE = "0001-01-01T00:00:00+14:00"  # the red team's payload: 1 BC once in UTC
HUGE = "99999999999999999999"


def post_json(persona, url, body):
    return persona.client().post(
        url, data=body, content_type="application/json", **persona.api_headers()
    )


def locs(response) -> list[list]:
    return [error["loc"] for error in response.json()["detail"]]


# --- intake_at ---------------------------------------------------------------------------


def test_an_intake_in_year_one_is_422_naming_the_field(world):
    referral = send(world)
    provider = world["provider_b"]
    url = f"/api/v1/referrals/{referral.pk}/status"
    assert post_json(provider, url, {"status": "accepted"}).status_code == 200
    response = post_json(provider, url, {"status": "intake_scheduled", "intake_at": YEAR_ONE})
    assert response.status_code == 422
    assert locs(response) == [["body", "payload", "intake_at"]]
    referral.refresh_from_db()
    assert referral.intake_at is None and referral.status == "accepted"


def test_an_intake_more_than_a_year_away_is_422_naming_the_field(world):
    referral = send(world)
    provider = world["provider_b"]
    url = f"/api/v1/referrals/{referral.pk}/status"
    assert post_json(provider, url, {"status": "accepted"}).status_code == 200
    far = (timezone.now() + timedelta(days=400)).isoformat()
    response = post_json(provider, url, {"status": "intake_scheduled", "intake_at": far})
    assert response.status_code == 422
    assert locs(response) == [["body", "intake_at"]]
    soon = (timezone.now() + timedelta(days=3)).isoformat()
    ok = post_json(provider, url, {"status": "intake_scheduled", "intake_at": soon})
    assert ok.status_code == 200


@pytest.mark.parametrize("value", ["0001-01-01T00:00", "2300-01-01T10:00"])
def test_the_intake_form_refuses_a_far_off_date(value):
    form = IntakeForm({"intake_at": value})
    assert not form.is_valid()
    assert list(form.errors) == ["intake_at"]


def _store_year_one(referral: Referral) -> None:
    """Put the value the old code stored (1 BC in UTC) straight into the database."""
    table = Referral._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                f"UPDATE {table} SET intake_at = %s::timestamptz WHERE id = %s",  # noqa: S608
                [YEAR_ONE, referral.pk],
            )
        else:
            cursor.execute(
                f"UPDATE {table} SET intake_at = %s WHERE id = %s",  # noqa: S608
                ["0000-12-31 10:00:00", referral.pk.hex],
            )


def test_a_stored_year_one_intake_reads_as_unknown_everywhere(world):
    referral = send(world)
    _store_year_one(referral)
    provider, advocate = world["provider_b"], world["advocate_a"]
    for persona in (provider, advocate):
        client, headers = persona.client(), persona.api_headers()
        listed = client.get("/api/v1/referrals", **headers)
        assert listed.status_code == 200 and listed.json()["total"] == 1
        detail = client.get(f"/api/v1/referrals/{referral.pk}", **headers)
        assert detail.status_code == 200
        assert detail.json()["intake_at"] is None
    assert provider.client().get("/desk/inbox/").status_code == 200
    assert provider.client().get(f"/desk/inbox/{referral.pk}/").status_code == 200
    assert advocate.client().get("/desk/outbox/").status_code == 200
    assert advocate.client().get(f"/desk/outbox/{referral.pk}/").status_code == 200
    withdrawn = post_json(
        advocate, f"/api/v1/referrals/{referral.pk}/status", {"status": "withdrawn"}
    )
    assert withdrawn.status_code == 200
    assert withdrawn.json()["status"] == "withdrawn"


# --- consent expires_at ------------------------------------------------------------------


def test_a_consent_ending_in_year_one_is_422_naming_the_field(world):
    body = {
        "service_id": str(world.b_public.service_id),
        "shared": {"name": "Rosa (alias)"},
        "consent": {
            "categories": ["name"],
            "purpose": "referral to services",
            "method": "verbal_recorded",
            "expires_at": YEAR_ONE,
            "attested": True,
        },
    }
    response = post_json(world["advocate_a"], "/api/v1/referrals", body)
    assert response.status_code == 422
    assert locs(response) == [["body", "payload", "consent", "expires_at"]]
    assert Referral.objects.count() == 0


def test_the_referral_form_refuses_a_consent_end_in_year_3000():
    form = ReferralForm({"share": "items", "item_name": "Rosa", "consent_expires": "3000-01-01"})
    assert not form.is_valid()
    assert "consent_expires" in form.errors


# --- paging ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "field"),
    [
        (f"offset={HUGE}", "offset"),
        ("offset=1000001", "offset"),
        ("offset=-1", "offset"),
        (f"limit={HUGE}", "limit"),
        ("limit=0", "limit"),
    ],
)
def test_referral_paging_out_of_range_is_422_naming_it(world, query, field):
    persona = world["advocate_a"]
    response = persona.client().get(f"/api/v1/referrals?{query}", **persona.api_headers())
    assert response.status_code == 422
    assert locs(response) == [["query", field]]


def test_the_last_allowed_offset_answers_an_empty_page(world):
    persona = world["advocate_a"]
    response = persona.client().get("/api/v1/referrals?offset=1000000", **persona.api_headers())
    assert response.status_code == 200
    assert response.json()["results"] == []


@pytest.mark.parametrize(
    ("query", "page_number"),
    [(f"page={HUGE}", 100_000), ("page=100001", 100_000), (f"per_page={HUGE}", 1)],
)
def test_directory_paging_out_of_range_is_clamped_never_a_failure(world, query, page_number):
    """The official HSDS API allows any integer page: out of range reads as the nearest
    bound (the envelope says which page was served), never a failed query."""
    response = world["anonymous"].client().get(f"/api/v1/services?{query}")
    assert response.status_code == 200
    assert response.json()["page_number"] == page_number


def test_match_limit_out_of_range_is_422_naming_it(world):
    body = {"postcode": "60614", "limit": 10**20}
    response = post_json(world["anonymous"], "/api/v1/match", body)
    assert response.status_code == 422
    assert locs(response) == [["body", "payload", "limit"]]


def test_metrics_dates_outside_the_years_are_422(world):
    persona = world["analyst"]
    response = persona.client().get(
        "/api/v1/referrals/metrics?start=0001-01-01&end=0001-02-01", **persona.api_headers()
    )
    assert response.status_code == 422
    assert locs(response) == [["query", "start"]]
