"""`/api/v1/cases/{case_id}/assessments`: record (201, 422 naming the field, 404 when not
visible) and list (cut by consent)."""

import json
import uuid
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone, translation

from lantern.audit.models import AuditEvent
from lantern.cases.models import Assessment, CaseAccess
from lantern.cases.tests.factories import open_case
from lantern.cases.tests.outcomes_helpers import assess, share

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    """English unless a test asks otherwise (and no language left active after a test)."""
    with translation.override("en"):
        yield


TODAY = timezone.localdate


def _post(world, persona, case_id, body):
    return Client().post(
        f"/api/v1/cases/{case_id}/assessments",
        data=json.dumps(body),
        content_type="application/json",
        **world[persona].api_headers(),
    )


def _get(world, persona, case_id, **query):
    return Client().get(
        f"/api/v1/cases/{case_id}/assessments", query, **world[persona].api_headers()
    )


def _body(**overrides):
    return {"kind": "intake", "assessed_on": TODAY().isoformat(), "scores": {"housing": 2}} | (
        overrides
    )


def test_record_and_list(world):
    case = open_case(world)
    response = _post(world, "provider_b", case.pk, _body(scores={"income": 3, "safety": 1}))
    assert response.status_code == 201, response.content
    created = response.json()
    assert created["kind"] == "intake"
    assert created["scores"] == {"safety": 1, "income": 3}
    assert created["case_id"] == str(case.pk)
    assert AuditEvent.objects.filter(action="assessment.record").count() == 1
    assess(case, world["provider_b"].user, "interval", 0, housing=4)
    listing = _get(world, "provider_b", case.pk)
    assert listing.status_code == 200
    body = listing.json()
    assert body["total"] == 2
    assert [a["kind"] for a in body["results"]] == ["intake", "interval"]
    assert _get(world, "provider_b", case.pk, offset=1, limit=1).json()["results"][0]["scores"] == {
        "housing": 4
    }
    assert AuditEvent.objects.filter(action="assessment.read").count() == 2


@pytest.mark.parametrize(
    ("body", "loc"),
    [
        (_body(scores={"housing": 9}), ["body", "scores.housing"]),
        (_body(scores={"housing": "2"}), ["body", "scores.housing"]),
        (_body(scores={"wellbeing": 2}), ["body", "scores.wellbeing"]),
        (_body(scores={}), ["body", "scores"]),
        (_body(kind="monthly"), ["body", "kind"]),
        (_body(assessed_on=(TODAY() + timedelta(days=1)).isoformat()), ["body", "assessed_on"]),
        (_body(assessed_on="1066-10-14"), ["body", "assessed_on"]),
        (_body(note="hello"), ["body", "note"]),
    ],
)
def test_bad_input_is_422_naming_the_field(world, body, loc):
    case = open_case(world)
    response = _post(world, "provider_b", case.pk, body)
    assert response.status_code == 422, response.content
    # Schema errors carry the parameter's name too: ["body", "payload", "kind"].
    (found,) = [d["loc"] for d in response.json()["detail"]]
    assert (found[0], found[-1]) == (loc[0], loc[-1]), found
    assert not Assessment.objects.exists()


def test_a_second_intake_is_422_on_kind(world):
    case = open_case(world)
    assert _post(world, "provider_b", case.pk, _body()).status_code == 201
    response = _post(world, "provider_b", case.pk, _body())
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "kind"]


def test_what_is_not_visible_is_404_and_no_credentials_401(world):
    case = open_case(world)
    for persona in ("advocate_a", "provider_c", "coalition_admin", "analyst"):
        assert _post(world, persona, case.pk, _body()).status_code == 404, persona
        assert _get(world, persona, case.pk).status_code == 404, persona
    assert _post(world, "provider_b", uuid.uuid4(), _body()).status_code == 404
    assert _get(world, "provider_b", uuid.uuid4()).status_code == 404
    response = _post(world, "anonymous", case.pk, _body())
    assert response.status_code == 401 and response["WWW-Authenticate"] == "Bearer"
    assert not Assessment.objects.exists()


def test_a_recipient_lists_only_under_the_assessments_group_and_never_records(world):
    case = open_case(world)
    assess(case, world["provider_b"].user, "intake", 0, housing=2)
    granted = share(
        case, recipient=world.org_c, actor=world["provider_b"].user, groups=["identity", "notes"]
    )
    assert _get(world, "provider_c", case.pk).status_code == 404
    assert not CaseAccess.objects.exists()
    granted.delete()
    share(case, recipient=world.org_c, actor=world["provider_b"].user, groups=["assessments"])
    response = _get(world, "provider_c", case.pk)
    assert response.status_code == 200
    assert response.json()["results"][0]["scores"] == {"housing": 2}
    assert CaseAccess.objects.get().kind == "shared_read"
    assert _post(world, "provider_c", case.pk, _body(kind="interval")).status_code == 404
    assert Assessment.objects.count() == 1
