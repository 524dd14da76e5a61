"""Opening, changing and assigning case records: numbers, sealed history, the owner's
notice, the duplicate check and the refusals."""

import json

import pytest
from django.utils import timezone

from lantern.accounts.models import Role
from lantern.audit.models import AuditEvent
from lantern.cases.keys import cipher_for
from lantern.cases.models import Case, CaseAssignment, CaseChange
from lantern.cases.services import DuplicatesFound, case_assign, case_create, case_unassign
from lantern.cases.services import case_update as update
from lantern.cases.tests.factories import case_data, member, open_case, supervisor
from lantern.core.api_errors import FieldError
from lantern.notify.models import Notification

pytestmark = pytest.mark.django_db


def _create(world, *, reviewed=False, org="b", actor=None, **overrides):
    return case_create(
        actor=actor or world["provider_b"].user,
        organization=getattr(world, f"org_{org}"),
        data=case_data(**overrides),
        duplicates_reviewed=reviewed,
    )


# --- numbers and sealing -----------------------------------------------------------------


def test_numbers_run_per_organization_and_year(world):
    year = timezone.localdate().year
    first = open_case(world)
    second = open_case(world, alias="Other Person")
    in_c = open_case(world, org="c", actor=world["provider_c"].user)
    assert (first.number, second.number) == (f"{year}-00001", f"{year}-00002")
    assert in_c.number == f"{year}-00001"


def test_the_number_after_99999_grows_a_digit(world):
    year = timezone.localdate().year
    case = open_case(world)
    Case.objects.filter(pk=case.pk).update(number=f"{year}-99999")
    assert open_case(world, alias="Next One").number == f"{year}-100000"
    assert open_case(world, alias="And Next").number == f"{year}-100001"


def test_personal_fields_are_sealed_under_the_case_key(world):
    case = open_case(world)
    assert "Rosa" not in case.alias_sealed and case.alias_sealed.startswith("ck1:")
    assert "555-0142" not in case.contact_sealed
    cipher = cipher_for(case)
    assert cipher.open(case.alias_sealed) == "Rosa Fictional"
    assert cipher.open(case.birth_year_sealed) == "1999"
    # The creator is assigned and owns it.
    assert case.owner == world["provider_b"].user
    assert set(case.assignments.values_list("user_id", flat=True)) == {case.owner_id}


def test_the_age_band_follows_the_birth_year_at_identification(world):
    case = open_case(world, birth_year=2000, identified_on="2016-05-01")
    assert case.age_band == "15-17"


def test_a_birth_year_after_identification_is_refused(world):
    with pytest.raises(FieldError) as caught:
        open_case(world, birth_year=2020, identified_on="2010-01-01")
    assert caught.value.field == "birth_year"
    assert not Case.objects.exists()


def test_a_code_outside_the_standard_is_refused_naming_the_field(world):
    with pytest.raises(FieldError) as caught:
        open_case(world, trafficking_status="Trafficked")
    assert caught.value.field == "trafficking_status"
    with pytest.raises(FieldError) as caught:
        open_case(world, places=[{"place_type": "Exploitation", "country": "US", "street": "x"}])
    assert caught.value.field == "places.0.street"


def test_only_caseworkers_of_the_organization_open_cases_there(world):
    with pytest.raises(FieldError) as caught:
        _create(world, reviewed=True, actor=world["provider_c"].user)
    assert caught.value.field == "organization"
    with pytest.raises(FieldError):
        _create(world, reviewed=True, actor=world["coalition_admin"].user)


def test_the_create_audit_names_ids_and_codes_only(world):
    case = open_case(world)
    event = AuditEvent.objects.get(action="case.create", object_id=str(case.pk))
    text = json.dumps(event.detail)
    assert event.detail["number"] == case.number
    assert event.detail["duplicates_reviewed"] is True
    for personal in ("Rosa", "555-0142", "1999"):
        assert personal not in text


# --- the duplicate check -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("existing", "typed", "reason"),
    [
        ("María López", "Maria Lopez", "name"),
        ("John", "Jon", "sounds alike"),
        ("Rosa Fictional", "rosa  FICTIONAL", "name"),
    ],
)
def test_possible_duplicates_stop_the_create(world, existing, typed, reason):
    first = open_case(world, alias=existing, birth_year=1990)
    with pytest.raises(DuplicatesFound) as caught:
        _create(world, alias=typed, birth_year=1990)
    (candidate,) = caught.value.candidates
    assert candidate.case_id == first.pk
    assert candidate.reasons[0] == reason
    assert "birth year" in candidate.reasons
    assert Case.objects.count() == 1  # nothing written


def test_a_different_person_is_no_duplicate(world):
    open_case(world, alias="María López", birth_year=1990)
    case = _create(world, alias="Keiko Tanaka", birth_year=1985, primary_language="jpn")
    assert Case.objects.count() == 2 and case.number.endswith("00002")


def test_names_that_only_sound_alike_need_the_birth_year_too(world):
    open_case(world, alias="John", birth_year=1990)
    case = _create(world, alias="Jon", birth_year=1970)
    assert case.pk is not None


def test_duplicates_are_looked_for_in_the_same_organization_only(world):
    open_case(world, alias="María López", birth_year=1990)
    case = _create(world, org="c", actor=world["provider_c"].user, alias="Maria Lopez")
    assert case.organization == world.org_c


def test_reviewed_duplicates_are_opened_anyway(world):
    open_case(world, alias="María López", birth_year=1990)
    case = _create(world, reviewed=True, alias="Maria Lopez", birth_year=1990)
    assert Case.objects.count() == 2
    assert AuditEvent.objects.get(object_id=str(case.pk), action="case.create").detail[
        "duplicates_reviewed"
    ]


def test_a_blank_alias_skips_the_duplicate_check(world):
    open_case(world, alias="", birth_year=1990)
    assert _create(world, alias="", birth_year=1990).pk


# --- changes and their history -----------------------------------------------------------


def test_a_change_keeps_who_what_when_with_personal_values_sealed(world):
    case = open_case(world)
    actor = world["provider_b"].user
    changed = update(actor=actor, case=case, data={"alias": "Rosa F.", "gender": "Masculine"})
    assert sorted(changed) == ["alias", "gender"]
    alias_change = CaseChange.objects.get(case=case, field="alias")
    assert alias_change.actor == actor
    assert "Rosa" not in alias_change.old_sealed + alias_change.new_sealed
    cipher = cipher_for(case)
    assert cipher.open(alias_change.old_sealed) == "Rosa Fictional"
    assert cipher.open(alias_change.new_sealed) == "Rosa F."
    gender = CaseChange.objects.get(case=case, field="gender")
    assert json.loads(cipher.open(gender.old_sealed)) == "Feminine"
    assert json.loads(cipher.open(gender.new_sealed)) == "Masculine"
    event = AuditEvent.objects.get(action="case.update", object_id=str(case.pk))
    assert event.detail == {"fields": ["alias", "gender"]}


def test_an_unchanged_value_is_no_change(world):
    case = open_case(world)
    assert update(actor=world["provider_b"].user, case=case, data={"alias": "Rosa Fictional"}) == []
    assert not CaseChange.objects.exists()
    assert not AuditEvent.objects.filter(action="case.update").exists()


def test_the_owner_is_told_when_someone_else_edits(world):
    case = open_case(world)
    boss = supervisor(world)
    update(actor=world["provider_b"].user, case=case, data={"contact": "call 555-0199"})
    assert not Notification.objects.filter(kind="case_edited").exists()
    update(actor=boss, case=case, data={"contact": "call 555-0100"})
    told = Notification.objects.filter(kind="case_edited")
    assert {n.recipient for n in told} == {world["provider_b"].user}
    assert {n.link_path for n in told} == {f"/cases/{case.pk}/"}


def test_moving_the_identification_date_moves_the_age_band_in_the_history(world):
    case = open_case(world, birth_year=2000, identified_on="2016-05-01")
    actor = world["provider_b"].user
    changed = update(actor=actor, case=case, data={"identified_on": "2020-01-02"})
    assert sorted(changed) == ["age_band", "identified_on"]
    assert case.age_band == "18-24"
    band = CaseChange.objects.get(case=case, field="age_band")
    cipher = cipher_for(case)
    assert (json.loads(cipher.open(band.old_sealed)), json.loads(cipher.open(band.new_sealed))) == (
        "15-17",
        "18-24",
    )


def test_the_age_band_given_with_a_birth_year_known_is_the_derived_one(world):
    case = open_case(world, birth_year=2000, identified_on="2016-05-01")
    assert update(actor=world["provider_b"].user, case=case, data={"age_band": "65+"}) == []
    case.refresh_from_db()
    assert case.age_band == "15-17"


def test_places_change_as_a_whole_and_never_take_a_street(world):
    case = open_case(world)
    places = [{"place_type": "Recruitment", "country": "MX"}]
    assert update(actor=world["provider_b"].user, case=case, data={"places": places}) == ["places"]
    assert list(case.places.values_list("place_type", "country", "state")) == [
        ("Recruitment", "MX", "")
    ]
    with pytest.raises(FieldError) as caught:
        update(
            actor=world["provider_b"].user,
            case=case,
            data={"places": [{"place_type": "Transit", "country": "US", "address": "1 Main St"}]},
        )
    assert caught.value.field == "places.0.address"


def test_a_county_alone_brings_its_state(world):
    case = open_case(world, places=[{"place_type": "Transit", "country": "US", "county": "06037"}])
    assert list(case.places.values_list("state", "county")) == [("06", "06037")]


def test_a_case_is_not_closed_or_reopened_by_editing(world):
    case = open_case(world)
    with pytest.raises(FieldError) as caught:
        update(actor=world["provider_b"].user, case=case, data={"status": "Closed"})
    assert caught.value.field == "status"
    Case.objects.filter(pk=case.pk).update(status="Closed", closed_on=timezone.localdate())
    case.refresh_from_db()
    with pytest.raises(FieldError) as caught:
        update(actor=world["provider_b"].user, case=case, data={"status": "Active"})
    assert caught.value.field == "status"
    # Other fields of a closed case may still be corrected.
    assert update(actor=world["provider_b"].user, case=case, data={"gender": "Masculine"}) == [
        "gender"
    ]


def test_an_unknown_field_is_refused(world):
    case = open_case(world)
    with pytest.raises(FieldError) as caught:
        update(actor=world["provider_b"].user, case=case, data={"closed_on": "2020-01-01"})
    assert caught.value.field == "closed_on"


# --- assignment --------------------------------------------------------------------------


def test_assigning_tells_the_new_caseworker_and_is_audited(world):
    case = open_case(world)
    colleague = member(world.org_b, Role.CASEWORKER, "colleague_b@example.test")
    case_assign(actor=world["provider_b"].user, case=case, user=colleague)
    assert CaseAssignment.objects.filter(case=case, user=colleague).exists()
    assert Notification.objects.filter(recipient=colleague, kind="case_assigned").exists()
    assert AuditEvent.objects.filter(action="case.assign", object_id=str(case.pk)).count() == 1
    # Again: nothing new.
    case_assign(actor=world["provider_b"].user, case=case, user=colleague)
    assert AuditEvent.objects.filter(action="case.assign").count() == 1
    case_unassign(actor=world["provider_b"].user, case=case, user=colleague)
    assert not CaseAssignment.objects.filter(case=case, user=colleague).exists()


def test_only_caseworkers_of_the_organization_are_assigned(world):
    case = open_case(world)
    with pytest.raises(FieldError) as caught:
        case_assign(actor=world["provider_b"].user, case=case, user=world["provider_c"].user)
    assert caught.value.field == "assignees"


def test_the_owner_is_not_unassigned(world):
    case = open_case(world)
    with pytest.raises(FieldError):
        case_unassign(actor=world["provider_b"].user, case=case, user=world["provider_b"].user)
    assert case.assignments.count() == 1
