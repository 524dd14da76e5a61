"""The case pages: opening a case (with the duplicate check), the case page for each
reach, editing and the history."""

import re

import pytest

from lantern.accounts.models import Role
from lantern.audit.models import AuditEvent
from lantern.cases.keys import cipher_for
from lantern.cases.models import Case, CaseAccess, CaseChange
from lantern.cases.services import case_update
from lantern.cases.tests.factories import member, open_case, supervisor
from lantern.cases.tests.records_helpers import Pages, pages, share_case

pytestmark = pytest.mark.django_db

NEW = "/cases/new/"

FORM = {
    "alias": "Lucía Invented",
    "contact": "WhatsApp 555-0177, mornings",
    "birth_year": "1994",
    "gender": "Feminine",
    "citizenship": "GT",
    "primary_language": "spa",
    "trafficking_status": "PossibleVictimOfTrafficking",
    "types_of_exploitation": ["ForcedLabour", "Servitude"],
    "methods_of_control": ["WithholdsDocuments"],
    "method_of_recruitment": "ThroughOnlineSocialNetworks",
    "forced_labour_industry": "I_AccommodationAndFoodServiceActivities",
    "identified_on": "2025-02-03",
    "opened_on": "2025-02-04",
    "status": "Active",
    "place_1_place_type": "Exploitation",
    "place_1_country": "US",
    "place_1_state": "17",
    "place_1_county": "17031",
    "place_2_place_type": "Recruitment",
    "place_2_country": "GT",
}


def browser(world, persona="provider_b") -> Pages:
    return Pages(world[persona].client())


def hidden_fields(html: str) -> dict:
    """The hidden inputs of the duplicates page's confirm form, as the browser posts them."""
    form = html.split('data-testid="confirm-new"', 1)[1].split("</form>", 1)[0]
    data: dict = {}
    for name, value in re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form):
        if name == "csrfmiddlewaretoken":
            continue
        data.setdefault(name, []).append(value.replace("&#x27;", "'"))
    return {k: v if len(v) > 1 else v[0] for k, v in data.items()}


# --- a new case --------------------------------------------------------------------------


def test_the_form_offers_the_htcds_codes_with_labels_and_no_street(world):
    html = world["provider_b"].client().get(NEW).content.decode()
    assert 'value="PossibleVictimOfTrafficking"' in html
    assert "Possible victim of trafficking" in html
    assert 'value="GT"' in html and "Guatemala" in html
    assert 'value="spa"' in html
    assert "Never a street address" in html
    assert 'name="place_3_county"' in html and 'name="place_4_county"' not in html


def test_opening_a_case_from_the_form(world):
    response = browser(world).post(NEW, FORM)
    case = Case.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/cases/{case.pk}/"
    assert case.trafficking_status == "PossibleVictimOfTrafficking"
    assert case.types_of_exploitation == ["ForcedLabour", "Servitude"]
    assert case.citizenship == "GT" and case.primary_language == "spa"
    assert str(case.identified_on) == "2025-02-03"
    assert list(
        case.places.order_by("id").values_list("place_type", "country", "state", "county")
    ) == [
        ("Exploitation", "US", "17", "17031"),
        ("Recruitment", "GT", "", ""),
    ]
    assert cipher_for(case).open(case.contact_sealed) == FORM["contact"]


def test_an_empty_form_opens_an_empty_case_today(world):
    response = browser(world).post(NEW, {"status": "Active"})
    assert response.status_code == 302
    case = Case.objects.get()
    assert cipher_for(case).open(case.alias_sealed) == ""


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"trafficking_status": "Trafficked"}, "trafficking_status"),
        ({"birth_year": "2999"}, "birth_year"),
        ({"place_1_county": "1703"}, "place_1_county"),
        ({"place_1_county": "06037"}, "place_1_county"),  # not in Illinois
        ({"place_2_state": "17"}, "place_2_state"),  # Guatemala has no FIPS states
        ({"place_3_country": "US"}, "place_3_place_type"),
        ({"identified_on": "2999-01-01"}, "identified_on"),
        ({"birth_year": "2024", "identified_on": "2020-01-01"}, "birth_year"),
    ],
)
def test_bad_input_comes_back_on_its_field(world, change, field):
    response = browser(world).post(NEW, {**FORM, **change})
    assert response.status_code == 422
    assert f'data-for="{field}"' in response.content.decode()
    assert not Case.objects.exists()


def test_possible_duplicates_are_shown_first_then_confirmed(world):
    existing = open_case(world, alias="Lucia Invented", birth_year=1994)
    client = browser(world)
    response = client.post(NEW, FORM)
    html = response.content.decode()
    assert response.status_code == 200
    assert f'data-number="{existing.number}"' in html
    assert "Lucia Invented" in html  # assigned to them: the alias is shown
    assert "Name" in html and "Birth year" in html
    assert Case.objects.count() == 1
    # The values come back in hidden fields; confirming opens the new case.
    response = client.post(NEW, hidden_fields(html))
    assert response.status_code == 302
    new = Case.objects.exclude(pk=existing.pk).get()
    assert cipher_for(new).open(new.alias_sealed) == "Lucía Invented"
    assert new.types_of_exploitation == ["ForcedLabour", "Servitude"]
    assert new.places.count() == 2
    assert AuditEvent.objects.get(action="case.create", object_id=str(new.pk)).detail[
        "duplicates_reviewed"
    ]


def test_a_candidate_not_assigned_to_the_person_shows_no_alias(world):
    open_case(world, alias="Lucia Invented", birth_year=1994)
    colleague = member(world.org_b, Role.CASEWORKER, "colleague_b@example.test")
    html = pages(colleague).post(NEW, FORM).content.decode()
    assert 'data-testid="candidate"' in html
    assert "Lucia Invented" not in html
    assert "Not assigned to you" in html
    assert not AuditEvent.objects.filter(action="case.list").exists()


def test_going_back_from_the_duplicates_keeps_the_values(world):
    open_case(world, alias="Lucia Invented", birth_year=1994)
    client = browser(world)
    html = client.post(NEW, FORM).content.decode()
    again = client.post(NEW, {**hidden_fields(html), "revise": "1"})
    assert again.status_code == 200
    assert 'value="Lucía Invented"' in again.content.decode()
    assert Case.objects.count() == 1


@pytest.mark.parametrize("persona", ["coalition_admin", "analyst"])
def test_people_who_keep_no_cases_cannot_open_one(world, persona):
    assert world[persona].client().get(NEW).status_code == 404


# --- the case page -----------------------------------------------------------------------


def test_the_assigned_caseworker_sees_every_group_and_one_read_is_audited(world):
    case = open_case(world)
    html = world["provider_b"].client().get(f"/cases/{case.pk}/").content.decode()
    for group in ("identity", "contact", "trafficking"):
        assert f'data-testid="group-{group}"' in html
    assert "Rosa Fictional" in html and "555-0142" in html
    assert "Debt bondage" in html and "Forced labor" in html
    assert "Illinois" in html and "county 17031" in html
    assert f"/cases/{case.pk}/edit/" in html
    assert 'data-testid="shared-banner"' not in html
    (event,) = AuditEvent.objects.filter(action="case.read", object_id=str(case.pk))
    assert event.detail["kind"] == "read"
    assert not CaseAccess.objects.exists()  # their own work is no disclosure


def test_a_shared_reader_sees_only_the_granted_groups_read_only(world):
    case = open_case(world)
    share = share_case(world, case, ["identity"])
    response = world["provider_c"].client().get(f"/cases/{case.pk}/")
    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="group-identity"' in html and "Rosa Fictional" in html
    assert 'data-testid="group-contact"' not in html and "555-0142" not in html
    assert "Debt bondage" not in html
    banner = html.split('data-testid="shared-banner"', 1)[1].split("</p>", 1)[0]
    assert "Shelter B" in banner and "read-only" in banner
    assert share.consent.expires_at.strftime("%Y") in banner
    assert "/edit/" not in html and "/history/" not in html
    (access,) = CaseAccess.objects.all()
    assert (access.kind, access.organization, access.groups) == (
        "shared_read",
        world.org_c,
        ["identity"],
    )
    assert world["provider_c"].client().get(f"/cases/{case.pk}/edit/").status_code == 404


def test_the_case_page_is_404_for_everyone_else(world):
    case = open_case(world)
    colleague = member(world.org_b, Role.CASEWORKER, "colleague_b@example.test")
    assert pages(colleague).get(f"/cases/{case.pk}/").status_code == 404
    for persona in ("advocate_a", "provider_c", "coalition_admin", "analyst"):
        assert world[persona].client().get(f"/cases/{case.pk}/").status_code == 404
    assert world["provider_b"].client().get("/cases/not-a-uuid/").status_code == 404


def test_a_supervisor_sees_the_merge_and_assign_links(world):
    case = open_case(world)
    html = pages(supervisor(world)).get(f"/cases/{case.pk}/").content.decode()
    assert f"/cases/{case.pk}/merge/" in html and f"/cases/{case.pk}/assign/" in html
    mine = world["provider_b"].client().get(f"/cases/{case.pk}/").content.decode()
    assert f"/cases/{case.pk}/merge/" not in mine
    assert f"/cases/{case.pk}/assign/" in mine  # the owner


# --- editing and the history -------------------------------------------------------------


def _edit_form(case, **changes):
    fields = {
        "alias": "Rosa Fictional",
        "contact": "text 555-0142 after 6pm",
        "birth_year": "1999",
        "gender": "Feminine",
        "citizenship": "MX",
        "primary_language": "spa",
        "trafficking_status": "ActualVictimOfTrafficking",
        "types_of_exploitation": ["ForcedLabour"],
        "methods_of_control": ["DebtBondage"],
        "opened_on": str(case.opened_on),
        "status": "Active",
        "place_1_place_type": "Exploitation",
        "place_1_country": "US",
        "place_1_state": "17",
        "place_1_county": "17031",
    }
    fields.update(changes)
    return fields


def test_the_edit_form_shows_the_values_and_saves_only_what_changed(world):
    case = open_case(world)
    client = browser(world)
    html = client.get(f"/cases/{case.pk}/edit/").content.decode()
    assert 'value="Rosa Fictional"' in html and 'value="1999"' in html
    assert AuditEvent.objects.filter(action="case.read", object_id=str(case.pk)).count() == 1
    assert '<option value="Closed"' not in html
    response = client.post(f"/cases/{case.pk}/edit/", _edit_form(case, alias="Rosa M."))
    assert response.status_code == 302
    assert list(CaseChange.objects.filter(case=case).values_list("field", flat=True)) == ["alias"]
    response = client.post(f"/cases/{case.pk}/edit/", _edit_form(case, alias="Rosa M."))
    assert response.status_code == 302
    assert CaseChange.objects.filter(case=case).count() == 1


def test_an_edit_with_a_bad_code_names_the_field(world):
    case = open_case(world)
    response = browser(world).post(
        f"/cases/{case.pk}/edit/", _edit_form(case, citizenship="XX", status="Closed")
    )
    html = response.content.decode()
    assert response.status_code == 422
    assert 'data-for="citizenship"' in html and 'data-for="status"' in html


def test_the_history_shows_old_and_new_values_opened_and_is_audited(world):
    case = open_case(world)
    case_update(
        actor=world["provider_b"].user,
        case=case,
        data={"alias": "Rosa M.", "trafficking_status": "PossibleVictimOfTrafficking"},
    )
    html = world["provider_b"].client().get(f"/cases/{case.pk}/history/").content.decode()
    assert html.count('data-testid="change"') == 2
    assert "Rosa Fictional" in html and "Rosa M." in html
    assert "Confirmed victim of trafficking" in html and "Possible victim of trafficking" in html
    assert AuditEvent.objects.filter(action="case.history", object_id=str(case.pk)).exists()
    share_case(world, case, ["identity"])
    assert world["provider_c"].client().get(f"/cases/{case.pk}/history/").status_code == 404
