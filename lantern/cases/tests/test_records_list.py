"""The case list page: who sees which rows, one audit event per page naming the cases
shown, the search (alias through the blind index), paging, and the shared table."""

import pytest
from django.urls import reverse

from lantern.accounts.models import Role
from lantern.audit.models import AuditEvent
from lantern.cases.models import CaseAccess
from lantern.cases.tests.factories import member, open_case, supervisor
from lantern.cases.tests.records_helpers import pages, share_case

pytestmark = pytest.mark.django_db

LIST = "/cases/"


def numbers(html: str, testid: str = "case-row") -> list[str]:
    import re

    return re.findall(rf'data-testid="{testid}" data-number="([^"]+)"', html)


def test_a_caseworker_sees_the_cases_assigned_to_them_with_one_audit_event(world):
    mine = open_case(world)
    colleague = member(world.org_b, Role.CASEWORKER, "colleague_b@example.test")
    theirs = open_case(world, actor=colleague, alias="Someone Else")
    response = world["provider_b"].client().get(LIST)
    html = response.content.decode()
    assert response.status_code == 200
    assert numbers(html) == [mine.number]
    assert "Rosa Fictional" in html and "Someone Else" not in html
    (event,) = AuditEvent.objects.filter(action="case.list")
    assert event.detail["case_ids"] == [str(mine.pk)]
    assert event.actor == world["provider_b"].user
    assert str(theirs.pk) not in str(event.detail)
    # Their own cases are no disclosure.
    assert not CaseAccess.objects.exists()


def test_a_supervisor_sees_every_case_and_the_list_is_a_disclosure(world):
    mine = open_case(world)
    colleague = member(world.org_b, Role.CASEWORKER, "colleague_b@example.test")
    theirs = open_case(world, actor=colleague, alias="Someone Else")
    boss = supervisor(world)
    html = pages(boss).get(LIST).content.decode()
    assert set(numbers(html)) == {mine.number, theirs.number}
    assert 'name="assignee"' in html
    (event,) = AuditEvent.objects.filter(action="case.list")
    assert set(event.detail["case_ids"]) == {str(mine.pk), str(theirs.pk)}
    logged = CaseAccess.objects.filter(actor=boss, kind="list")
    assert {a.case_id for a in logged} == {mine.pk, theirs.pk}


@pytest.mark.parametrize("persona", ["coalition_admin", "analyst"])
def test_people_without_case_work_get_404(world, persona):
    open_case(world)
    assert world[persona].client().get(LIST).status_code == 404


@pytest.mark.parametrize("persona", ["anonymous", "survivor"])
def test_visitors_are_sent_to_log_in(world, persona):
    response = world[persona].client().get(LIST)
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_an_empty_list_writes_no_audit_event(world):
    html = world["provider_c"].client().get(LIST).content.decode()
    assert "No cases yet." in html
    assert not AuditEvent.objects.filter(action="case.list").exists()


def test_search_by_alias_number_and_status(world):
    maria = open_case(world, alias="María López")
    keiko = open_case(world, alias="Keiko Tanaka", status="FollowUp")
    client = world["provider_b"].client()
    assert numbers(client.get(LIST, {"alias": "maria"}).content.decode()) == [maria.number]
    assert numbers(client.get(LIST, {"alias": "Tanaka KEIKO"}).content.decode()) == [keiko.number]
    assert numbers(client.get(LIST, {"number": maria.number}).content.decode()) == [maria.number]
    assert numbers(client.get(LIST, {"status": "FollowUp"}).content.decode()) == [keiko.number]
    html = client.get(LIST, {"alias": "nobody"}).content.decode()
    assert numbers(html) == [] and "No case matches this search." in html


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"opened_from": "2025-05-02", "opened_to": "2025-05-01"}, "opened_to"),
        ({"opened_from": "0999-01-01"}, "opened_from"),
        ({"opened_from": "yesterday"}, "opened_from"),
        ({"alias": "a b"}, "alias"),
        ({"number": "x" * 21}, "number"),
        ({"status": "Lost"}, "status"),
    ],
)
def test_bad_search_input_is_named_on_the_form(world, query, field):
    open_case(world)
    response = world["provider_b"].client().get(LIST, query)
    html = response.content.decode()
    assert response.status_code == 422
    assert f'data-for="{field}"' in html
    assert numbers(html) == []
    assert not AuditEvent.objects.filter(action="case.list").exists()


def test_the_list_pages_by_25(world):
    for index in range(26):
        open_case(world, alias=f"Person {index}")
    client = world["provider_b"].client()
    first = client.get(LIST).content.decode()
    assert len(numbers(first)) == 25 and "Page 1 of 2" in first
    second = client.get(LIST, {"page": "2"}).content.decode()
    assert len(numbers(second)) == 1
    assert set(numbers(first)).isdisjoint(numbers(second))
    # Past the end: the last page; nonsense: the first.
    assert numbers(client.get(LIST, {"page": "999"}).content.decode()) == numbers(second)
    assert numbers(client.get(LIST, {"page": "0"}).content.decode()) == numbers(first)
    assert numbers(client.get(LIST, {"page": "x"}).content.decode()) == numbers(first)


def test_the_shared_table_shows_the_alias_only_when_identity_is_granted(world):
    named = open_case(world, alias="Ana Shared")
    unnamed = open_case(world, alias="Bea Hidden")
    share_case(world, named, ["identity"])
    share = share_case(world, unnamed, ["plan"])
    html = world["provider_c"].client().get(LIST).content.decode()
    assert set(numbers(html, "shared-row")) == {named.number, unnamed.number}
    assert "Ana Shared" in html and "Bea Hidden" not in html
    assert "Shelter B" in html
    assert share.consent.expires_at.strftime("%Y") in html
    (event,) = AuditEvent.objects.filter(action="case.list")
    assert event.detail["case_ids"] == [str(named.pk)]
    (access,) = CaseAccess.objects.filter(kind="list")
    assert access.case == named and access.organization == world.org_c
    # Their own list stays empty: shared cases are not theirs.
    assert numbers(html) == []


def test_a_merged_or_revoked_case_leaves_the_lists(world):
    from lantern.cases.supervision import case_merge
    from lantern.consent.services import consent_revoke

    keep = open_case(world, alias="Ana Example")
    merged = open_case(world, alias="Ana Exemple")
    share = share_case(world, keep, ["identity"])
    case_merge(actor=supervisor(world), keep=keep, merge=merged)
    assert numbers(world["provider_b"].client().get(LIST).content.decode()) == [keep.number]
    consent_revoke(consent=share.consent, actor=world["provider_b"].user)
    assert numbers(world["provider_c"].client().get(LIST).content.decode(), "shared-row") == []


def test_the_new_case_link_is_offered_to_caseworkers(world):
    html = world["advocate_a"].client().get(LIST).content.decode()
    assert reverse("cases:new") in html


def test_the_list_reads_in_spanish(world):
    open_case(world)
    html = world["provider_b"].client().get(LIST, HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert "Sus casos" in html and "Abrir un caso nuevo" in html
    assert "Activo" in html or "Activa" in html  # the case status, from the vocabulary
