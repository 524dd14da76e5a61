"""`/api/v1/cases`: list, open (409 for possible duplicates), read and change, with 422
naming the field and 404 for anything not visible."""

import json

import pytest
from django.test import Client

from lantern.audit.models import AuditEvent
from lantern.cases.models import Case, CaseAccess, CaseChange
from lantern.cases.tests.factories import case_data, open_case
from lantern.cases.tests.records_helpers import share_case

pytestmark = pytest.mark.django_db

API = "/api/v1/cases"


def call(world, persona, method, url, body=None, **query):
    client = Client()
    headers = world[persona].api_headers()
    if method == "get":
        return client.get(url, query, **headers)
    return getattr(client, method)(
        url, data=json.dumps(body or {}), content_type="application/json", **headers
    )


def locs(response):
    return [error["loc"] for error in response.json()["detail"]]


# --- opening -----------------------------------------------------------------------------


def test_a_caseworker_opens_a_case(world):
    body = {**case_data(), "identified_on": "2024-06-01"}
    response = call(world, "provider_b", "post", API, body)
    assert response.status_code == 201, response.content
    out = response.json()
    case = Case.objects.get()
    assert out["id"] == str(case.pk) and out["number"] == case.number
    assert out["alias"] == "Rosa Fictional" and out["access"] == "assigned"
    assert out["places"] == [
        {"place_type": "Exploitation", "country": "US", "state": "17", "county": "17031"}
    ]
    assert set(out["groups"]) == {
        "identity",
        "contact",
        "trafficking",
        "plan",
        "assessments",
        "notes",
        "documents",
    }
    assert case.owner == world["provider_b"].user


def test_possible_duplicates_answer_409_naming_the_flag_and_the_numbers(world):
    first = open_case(world, alias="María López", birth_year=1990)
    body = case_data(alias="Maria Lopez", birth_year=1990)
    response = call(world, "provider_b", "post", API, body)
    assert response.status_code == 409
    (error,) = response.json()["detail"]
    assert error["loc"] == ["body", "duplicates_reviewed"]
    assert error["ctx"]["candidates"] == [first.number]
    assert Case.objects.count() == 1
    again = call(world, "provider_b", "post", API, {**body, "duplicates_reviewed": True})
    assert again.status_code == 201 and Case.objects.count() == 2


@pytest.mark.parametrize(
    ("change", "loc"),
    [
        ({"gender": "Female"}, ["body", "gender"]),
        ({"citizenship": "ZZ"}, ["body", "citizenship"]),
        (
            {"types_of_exploitation": ["ForcedLabour", "Smuggling"]},
            ["body", "types_of_exploitation"],
        ),
        (
            {"places": [{"place_type": "Exploitation", "country": "US", "state": "99"}]},
            ["body", "places.0.state"],
        ),
        (
            {"places": [{"place_type": "Exploitation", "country": "US", "street": "1 Main"}]},
            ["body", "payload", "places", 0, "street"],
        ),
        ({"status": "Closed"}, ["body", "payload", "status"]),
        ({"birth_year": 1800}, ["body", "payload", "birth_year"]),
        ({"secret": "x"}, ["body", "payload", "secret"]),
    ],
)
def test_bad_input_is_422_naming_the_field(world, change, loc):
    response = call(world, "provider_b", "post", API, {**case_data(), **change})
    assert response.status_code == 422
    assert loc in locs(response)
    assert not Case.objects.exists()


@pytest.mark.parametrize("persona", ["coalition_admin", "analyst"])
def test_people_who_keep_no_cases_get_404(world, persona):
    assert call(world, persona, "post", API, case_data()).status_code == 404
    assert call(world, persona, "get", API).status_code == 404


def test_no_credentials_is_401(world):
    response = Client().get(API)
    assert response.status_code == 401 and response["WWW-Authenticate"] == "Bearer"


def test_another_organization_is_named_as_the_wrong_field(world):
    body = {**case_data(), "organization_id": str(world.org_c.pk)}
    response = call(world, "provider_b", "post", API, body)
    assert response.status_code == 422 and locs(response) == [["body", "organization_id"]]


# --- reading -----------------------------------------------------------------------------


def test_the_list_is_one_audited_read(world):
    case = open_case(world)
    open_case(world, org="c", actor=world["provider_c"].user)
    response = call(world, "provider_b", "get", API)
    assert response.status_code == 200
    body = response.json()
    assert body["total"] == 1
    (row,) = body["results"]
    assert row["number"] == case.number and row["alias"] == "Rosa Fictional"
    assert row["assignee_ids"] == [str(world["provider_b"].user.pk)]
    (event,) = AuditEvent.objects.filter(action="case.list")
    assert event.detail["case_ids"] == [str(case.pk)]


def test_the_list_filters_and_pages(world):
    maria = open_case(world, alias="María López")
    open_case(world, alias="Keiko Tanaka", status="FollowUp")
    assert [
        r["number"] for r in call(world, "provider_b", "get", API, alias="maria").json()["results"]
    ] == [maria.number]
    assert call(world, "provider_b", "get", API, status="FollowUp").json()["total"] == 1
    page = call(world, "provider_b", "get", API, limit=1, offset=1).json()
    assert page["total"] == 2 and len(page["results"]) == 1


@pytest.mark.parametrize(
    ("query", "loc"),
    [
        ({"opened_from": "2025-02-02", "opened_to": "2025-02-01"}, ["query", "opened_to"]),
        ({"alias": "a"}, ["query", "alias"]),
        ({"limit": 101}, ["query", "limit"]),
        ({"opened_to": "0"}, ["query", "opened_to"]),
        ({"status": "Gone"}, ["query", "status"]),
        ({"scope": "shared", "alias": "rosa"}, ["query", "alias"]),
    ],
)
def test_bad_list_queries_are_422(world, query, loc):
    response = call(world, "provider_b", "get", API, **query)
    assert response.status_code == 422 and loc in locs(response)


def test_the_shared_scope_lists_shared_cases_with_the_alias_only_if_granted(world):
    named = open_case(world, alias="Ana Shared")
    unnamed = open_case(world, alias="Bea Hidden")
    share_case(world, named, ["identity"])
    share_case(world, unnamed, ["notes"])
    body = call(world, "provider_c", "get", API, scope="shared").json()
    by_number = {row["number"]: row for row in body["results"]}
    assert body["total"] == 2
    assert by_number[named.number]["alias"] == "Ana Shared"
    assert "alias" not in by_number[unnamed.number]
    assert by_number[unnamed.number]["shared_by"] == "Shelter B"
    assert call(world, "provider_c", "get", API).json() == {"total": 0, "results": []}


def test_one_case_is_read_as_the_reach_allows(world):
    case = open_case(world)
    share_case(world, case, ["identity"])
    mine = call(world, "provider_b", "get", f"{API}/{case.pk}").json()
    assert mine["contact"] == "text 555-0142 after 6pm"
    shared = call(world, "provider_c", "get", f"{API}/{case.pk}")
    assert shared.status_code == 200
    out = shared.json()
    assert out["access"] == "shared" and out["groups"] == ["identity"]
    assert out["alias"] == "Rosa Fictional"
    for absent in ("contact", "trafficking_status", "places"):
        assert absent not in out
    assert out["shared_by"] == "Shelter B" and out["shared_until"]
    assert CaseAccess.objects.filter(kind="shared_read", organization=world.org_c).count() == 1


@pytest.mark.parametrize("persona", ["advocate_a", "coalition_admin", "analyst"])
def test_a_case_not_visible_is_404(world, persona):
    case = open_case(world)
    assert call(world, persona, "get", f"{API}/{case.pk}").status_code == 404
    assert call(world, persona, "patch", f"{API}/{case.pk}", {"alias": "x"}).status_code == 404


def test_an_id_that_is_not_a_uuid_is_404(world):
    response = call(world, "provider_b", "get", f"{API}/12345")
    assert response.status_code == 404 and locs(response) == [["path"]]


# --- changing ----------------------------------------------------------------------------


def test_patch_changes_only_the_fields_sent_and_keeps_history(world):
    case = open_case(world)
    response = call(world, "provider_b", "patch", f"{API}/{case.pk}", {"contact": "call 555-0100"})
    assert response.status_code == 200
    assert response.json()["contact"] == "call 555-0100"
    assert response.json()["alias"] == "Rosa Fictional"
    assert list(CaseChange.objects.values_list("field", flat=True)) == ["contact"]


def test_patch_refuses_codes_outside_the_standard_and_closing(world):
    case = open_case(world)
    response = call(world, "provider_b", "patch", f"{API}/{case.pk}", {"gender": "F"})
    assert response.status_code == 422 and locs(response) == [["body", "gender"]]
    response = call(world, "provider_b", "patch", f"{API}/{case.pk}", {"status": "Closed"})
    assert response.status_code == 422
    assert not CaseChange.objects.exists()


def test_a_shared_reader_cannot_patch(world):
    case = open_case(world)
    share_case(world, case, ["identity", "notes"], may_add_notes=True)
    response = call(world, "provider_c", "patch", f"{API}/{case.pk}", {"alias": "Other"})
    assert response.status_code == 404
    assert not CaseChange.objects.exists()
