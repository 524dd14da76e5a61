"""The pages about the people on a case: assigning, handing over, merging."""

import pytest

from lantern.accounts.models import Role
from lantern.cases.keys import cipher_for
from lantern.cases.models import Case, CaseAssignment, CaseNote
from lantern.cases.tests.factories import member, open_case, supervisor
from lantern.cases.tests.records_helpers import Pages, pages

pytestmark = pytest.mark.django_db


@pytest.fixture
def colleague(world):
    return member(world.org_b, Role.CASEWORKER, "colleague_b@example.test")


# --- assigning ---------------------------------------------------------------------------


def test_the_owner_assigns_and_removes_a_colleague(world, colleague):
    case = open_case(world)
    client = Pages(world["provider_b"].client())
    url = f"/cases/{case.pk}/assign/"
    html = client.get(url).content.decode()
    assert colleague.email in html or colleague.display_name in html
    response = client.post(url, {"action": "assign", "user": str(colleague.pk)})
    assert response.status_code == 302
    assert CaseAssignment.objects.filter(case=case, user=colleague).exists()
    # The colleague now reaches the case, but may not manage who works on it.
    assert pages(colleague).get(f"/cases/{case.pk}/").status_code == 200
    assert pages(colleague).get(url).status_code == 404
    response = client.post(url, {"action": "unassign", "user": str(colleague.pk)})
    assert response.status_code == 302
    assert not CaseAssignment.objects.filter(case=case, user=colleague).exists()


def test_the_owner_cannot_be_removed_and_outsiders_cannot_be_assigned(world, colleague):
    case = open_case(world)
    client = Pages(world["provider_b"].client())
    url = f"/cases/{case.pk}/assign/"
    response = client.post(url, {"action": "unassign", "user": str(world["provider_b"].user.pk)})
    assert response.status_code == 422
    assert 'data-testid="error"' in response.content.decode()
    response = client.post(url, {"action": "assign", "user": str(world["provider_c"].user.pk)})
    assert response.status_code == 422
    assert not CaseAssignment.objects.filter(user=world["provider_c"].user).exists()


def test_a_supervisor_manages_assignments_too(world, colleague):
    case = open_case(world)
    response = pages(supervisor(world)).post(
        f"/cases/{case.pk}/assign/", {"action": "assign", "user": str(colleague.pk)}
    )
    assert response.status_code == 302
    assert CaseAssignment.objects.filter(case=case, user=colleague).exists()


# --- handing over ------------------------------------------------------------------------


def test_a_supervisor_hands_a_caseworkers_cases_over(world, colleague):
    boss = supervisor(world)
    leaver = world["provider_b"].user
    first, second = open_case(world), open_case(world, alias="Second Person")
    client = pages(boss)
    html = client.get("/cases/handover/", {"from_user": str(leaver.pk)}).content.decode()
    assert first.number in html and second.number in html
    assert "Rosa Fictional" not in html  # numbers only
    response = client.post(
        "/cases/handover/",
        {
            "from_user": str(leaver.pk),
            "to_user": str(colleague.pk),
            "cases": [str(first.pk)],
            "note": "Away until June",
        },
    )
    assert response.status_code == 302
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.owner == colleague and second.owner == leaver  # only the ticked one
    note = CaseNote.objects.get(case=first)
    assert cipher_for(first).open(note.body_sealed) == "Away until June"


def test_nothing_ticked_hands_over_every_case(world, colleague):
    boss = supervisor(world)
    leaver = world["provider_b"].user
    cases = [open_case(world), open_case(world, alias="Second Person")]
    response = pages(boss).post(
        "/cases/handover/",
        {"from_user": str(leaver.pk), "to_user": str(colleague.pk), "note": "Left us"},
    )
    assert response.status_code == 302
    assert {c.owner_id for c in Case.objects.filter(pk__in=[c.pk for c in cases])} == {colleague.pk}


def test_the_handover_needs_a_note_and_another_caseworker(world, colleague):
    boss = supervisor(world)
    leaver = world["provider_b"].user
    open_case(world)
    client = pages(boss)
    response = client.post(
        "/cases/handover/", {"from_user": str(leaver.pk), "to_user": str(colleague.pk)}
    )
    assert response.status_code == 422 and 'data-for="note"' in response.content.decode()
    response = client.post(
        "/cases/handover/",
        {"from_user": str(leaver.pk), "to_user": str(leaver.pk), "note": "x"},
    )
    assert response.status_code == 422 and 'data-for="to_user"' in response.content.decode()
    assert not CaseNote.objects.exists()


def test_only_supervisors_hand_over(world, colleague):
    assert world["provider_b"].client().get("/cases/handover/").status_code == 404
    assert pages(colleague).get("/cases/handover/").status_code == 404


# --- merging -----------------------------------------------------------------------------


def test_a_supervisor_compares_then_merges_a_duplicate(world):
    boss = supervisor(world)
    keep = open_case(world, alias="Ana Example", contact="")
    dup = open_case(world, alias="Ana Exemple", contact="text 555-0133")
    client = pages(boss)
    url = f"/cases/{keep.pk}/merge/"
    assert client.get(url).status_code == 200
    compare = client.post(url, {"number": dup.number}).content.decode()
    assert "Ana Example" in compare and "Ana Exemple" in compare
    assert Case.objects.get(pk=dup.pk).merged_into_id is None  # not yet
    response = client.post(url, {"number": dup.number, "confirm": "1"})
    assert response.status_code == 302 and response["Location"] == f"/cases/{keep.pk}/"
    dup.refresh_from_db()
    assert dup.merged_into_id == keep.pk and dup.status == "Closed"
    page = client.get(f"/cases/{keep.pk}/").content.decode()
    assert f"Merged from {dup.number}" in page and f"/cases/{dup.pk}/" in page
    merged_page = client.get(f"/cases/{dup.pk}/").content.decode()
    assert f"Merged into {keep.number}" in merged_page
    assert f"/cases/{dup.pk}/edit/" not in merged_page
    # The kept case's history shows both cases' changes.
    history = client.get(f"/cases/{keep.pk}/history/").content.decode()
    assert dup.number in history and "text 555-0133" in history


@pytest.mark.parametrize("number", ["2000-00001", "self"])
def test_merge_refuses_an_unknown_number_or_the_case_itself(world, number):
    boss = supervisor(world)
    keep = open_case(world)
    number = keep.number if number == "self" else number
    response = pages(boss).post(f"/cases/{keep.pk}/merge/", {"number": number, "confirm": "1"})
    assert response.status_code == 422 and 'data-for="number"' in response.content.decode()


def test_merge_is_for_supervisors_of_the_organization_only(world):
    case = open_case(world)
    assert world["provider_b"].client().get(f"/cases/{case.pk}/merge/").status_code == 404
    assert pages(supervisor(world, "c")).get(f"/cases/{case.pk}/merge/").status_code == 404
