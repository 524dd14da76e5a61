"""A supervisor hands a caseworker's cases to another, and merges two records of one person."""

import json

import pytest

from lantern.accounts.models import Role
from lantern.audit.models import AuditEvent
from lantern.cases import indexing
from lantern.cases.keys import cipher_for
from lantern.cases.models import Case, CaseAssignment, CaseChange, CaseNote
from lantern.cases.selectors import CaseQuery, case_search
from lantern.cases.services import case_update
from lantern.cases.supervision import case_handover, case_merge
from lantern.cases.tests.factories import member, open_case, supervisor
from lantern.core.api_errors import FieldError
from lantern.notify.models import Notification

pytestmark = pytest.mark.django_db

NOTE = "Rosa's worker is on leave until June; call 555-0111 first"


@pytest.fixture
def team(world):
    boss = supervisor(world)
    taker = member(world.org_b, Role.CASEWORKER, "taker_b@example.test")
    leaver = world["provider_b"].user
    cases = [open_case(world), open_case(world, alias="Second Person")]
    return boss, leaver, taker, cases


# --- handover ----------------------------------------------------------------------------


def test_handover_moves_owner_and_assignment_with_a_sealed_note(world, team):
    boss, leaver, taker, cases = team
    handed = case_handover(actor=boss, from_user=leaver, to_user=taker, cases=cases, note=NOTE)
    assert {c.pk for c in handed} == {c.pk for c in cases}
    for case in cases:
        case.refresh_from_db()
        assert case.owner == taker
        assert set(case.assignments.values_list("user_id", flat=True)) == {taker.pk}
        note = CaseNote.objects.get(case=case)
        assert note.author == boss and note.organization == world.org_b
        assert "leave" not in note.body_sealed and "555-0111" not in note.body_sealed
        assert cipher_for(case).open(note.body_sealed) == NOTE
        event = AuditEvent.objects.get(action="case.handover", object_id=str(case.pk))
        assert event.detail["to_user_id"] == str(taker.pk)
        assert "leave" not in json.dumps(event.detail)
    told = Notification.objects.filter(kind="case_assigned", recipient=taker)
    assert told.exists() and {n.link_path for n in told} == {"/cases/"}  # once, for both
    assert not Notification.objects.filter(recipient=leaver).exists()


def test_only_a_supervisor_of_the_organization_hands_over(world, team):
    _boss, leaver, taker, cases = team
    for actor in (leaver, taker, world["provider_c"].user, supervisor(world, "c")):
        with pytest.raises(FieldError) as caught:
            case_handover(actor=actor, from_user=leaver, to_user=taker, cases=cases, note=NOTE)
        assert caught.value.field == "cases"
    assert not CaseNote.objects.exists()


def test_handover_needs_a_note_a_caseworker_of_the_organization_and_their_cases(world, team):
    boss, leaver, taker, cases = team
    with pytest.raises(FieldError) as caught:
        case_handover(actor=boss, from_user=leaver, to_user=taker, cases=cases, note="  ")
    assert caught.value.field == "note"
    with pytest.raises(FieldError) as caught:
        case_handover(
            actor=boss, from_user=leaver, to_user=world["provider_c"].user, cases=cases, note=NOTE
        )
    assert caught.value.field == "to_user"
    with pytest.raises(FieldError) as caught:
        case_handover(actor=boss, from_user=taker, to_user=leaver, cases=cases, note=NOTE)
    assert caught.value.field == "cases"  # not assigned to the taker
    with pytest.raises(FieldError):
        case_handover(actor=boss, from_user=leaver, to_user=leaver, cases=cases, note=NOTE)
    assert CaseAssignment.objects.filter(user=taker).count() == 0


# --- merge -------------------------------------------------------------------------------


def test_merge_fills_the_kept_cases_empty_fields_and_keeps_both_histories(world):
    boss = supervisor(world)
    keep = open_case(world, alias="Ana Example", contact="", birth_year=None)
    merge = open_case(world, alias="Ana Exemple", contact="text 555-0123", birth_year=1995)
    case_update(actor=world["provider_b"].user, case=merge, data={"gender": "Masculine"})
    CaseNote.objects.create(
        case=merge, body_sealed=cipher_for(merge).seal("a note"), organization=world.org_b
    )
    filled = case_merge(actor=boss, keep=keep, merge=merge)
    assert filled == ["contact", "birth_year"]
    keep_cipher = cipher_for(keep)
    assert keep_cipher.open(keep.contact_sealed) == "text 555-0123"
    assert keep_cipher.open(keep.alias_sealed) == "Ana Example"  # not empty: kept
    assert keep.age_band  # follows the birth year now
    fills = CaseChange.objects.filter(case=keep, field__in=["contact", "birth_year"])
    assert {c.field for c in fills} == {"contact", "birth_year"}
    assert all(c.actor == boss and "555" not in c.new_sealed for c in fills)
    assert keep_cipher.open(CaseChange.objects.get(case=keep, field="merged_from").new_sealed) == (
        merge.number
    )
    # The merged case: closed, pointing at the kept one, its own history and notes intact.
    assert merge.merged_into == keep and merge.status == "Closed" and merge.closed_on
    assert CaseChange.objects.filter(case=merge, field="gender").exists()
    assert CaseNote.objects.filter(case=merge).count() == 1
    assert list(keep.merged_from.all()) == [merge]
    event = AuditEvent.objects.get(action="case.merge", object_id=str(keep.pk))
    assert event.detail["merged_case_id"] == str(merge.pk)
    assert event.detail["filled"] == ["contact", "birth_year"]
    assert "555" not in json.dumps(event.detail)


def test_the_merged_case_leaves_lists_and_the_duplicate_check(world):
    boss = supervisor(world)
    keep = open_case(world, alias="Ana Example", birth_year=1990)
    merge = open_case(world, alias="Ana Example", birth_year=1990)
    case_merge(actor=boss, keep=keep, merge=merge)
    assert list(case_search(boss, CaseQuery())) == [keep]
    found = indexing.find_duplicates(
        organization_id=world.org_b.pk,
        alias="Ana Example",
        birth_year="1990",
        language="",
        places=[],
    )
    assert [c.case_id for c in found] == [keep.pk]


def test_merge_refusals(world):
    boss = supervisor(world)
    keep = open_case(world)
    merge = open_case(world, alias="Another")
    other_org = open_case(world, org="c", actor=world["provider_c"].user)
    with pytest.raises(FieldError):
        case_merge(actor=boss, keep=keep, merge=keep)
    with pytest.raises(FieldError) as caught:
        case_merge(actor=boss, keep=keep, merge=other_org)
    assert caught.value.field == "merge"
    with pytest.raises(FieldError) as caught:
        case_merge(actor=world["provider_b"].user, keep=keep, merge=merge)
    assert caught.value.field == "keep"
    case_merge(actor=boss, keep=keep, merge=merge)
    with pytest.raises(FieldError) as caught:
        case_merge(actor=boss, keep=merge, merge=keep)
    assert caught.value.field == "keep"
    assert Case.objects.get(pk=keep.pk).merged_into_id is None
