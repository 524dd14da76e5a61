"""A case opened from an accepted referral carries exactly the consented items."""

import pytest

from lantern.audit.models import AuditEvent
from lantern.cases.keys import cipher_for
from lantern.cases.models import Case, CaseNote
from lantern.cases.reading import case_values
from lantern.cases.services import DuplicatesFound
from lantern.cases.sharing_services import (
    ReferralHasCase,
    ReferralNotTakenOn,
    case_from_referral,
    language_from_text,
)
from lantern.cases.tests.factories import open_case
from lantern.cases.tests.sharing_factories import referral
from lantern.consent.services import consent_revoke
from lantern.core.errors import NotFound

pytestmark = pytest.mark.django_db


def test_the_case_carries_exactly_the_consented_items(world):
    sent = referral(world)
    case = case_from_referral(actor=world["provider_b"].user, referral=sent)

    assert case.organization_id == world.org_b.pk
    assert case.from_referral_id == sent.pk
    assert set(case.assignments.values_list("user_id", flat=True)) == {world["provider_b"].user.pk}
    values = case_values(case, frozenset({"identity", "contact", "trafficking"}))
    assert values["alias"] == "Marisol (alias)"
    assert values["contact"] == "call 555-0177, mornings"
    assert values["primary_language"] == "spa"
    # Nothing else: no needs (age, help types) turn into case fields, no documents.
    assert values["birth_year"] is None
    assert values["age_band"] == ""
    assert values["trafficking_status"] == ""
    assert not case.documents.exists()
    note = CaseNote.objects.get(case=case)
    assert cipher_for(case).open(note.body_sealed) == "Do not call after 8pm"
    assert note.author == world["provider_b"].user
    event = AuditEvent.objects.get(action="case.from_referral", object_id=str(case.pk))
    assert event.detail == {
        "referral_id": str(sent.pk),
        "carried": ["name", "contact", "language", "safety_notes"],
    }
    assert "Marisol" not in str(AuditEvent.objects.filter(object_id=str(case.pk)).values())


def test_only_what_the_consent_still_covers_is_carried(world):
    sent = referral(world)
    consent_revoke(consent=sent.consent, actor=world["advocate_a"].user, reason="withdrawn")
    case = case_from_referral(actor=world["provider_b"].user, referral=sent)
    values = case_values(case, frozenset({"identity", "contact"}))
    assert values["alias"] == ""
    assert values["contact"] == ""
    assert values["primary_language"] == ""
    assert not CaseNote.objects.filter(case=case).exists()


def test_a_language_lantern_cannot_code_is_left_out(world):
    sent = referral(world, items={"name": "Marisol (alias)", "language": "Klingon-ish"})
    case = case_from_referral(actor=world["provider_b"].user, referral=sent)
    values = case_values(case, frozenset({"identity", "contact"}))
    assert values["alias"] == "Marisol (alias)"
    assert values["primary_language"] == ""  # not a language Lantern can code
    assert values["contact"] == ""
    event = AuditEvent.objects.get(action="case.from_referral")
    assert event.detail["carried"] == ["name"]


def test_refused_when_the_referral_is_not_taken_on(world):
    sent = referral(world, accept=False)
    with pytest.raises(ReferralNotTakenOn):
        case_from_referral(actor=world["provider_b"].user, referral=sent)
    assert not Case.objects.exists()


@pytest.mark.parametrize("persona", ["advocate_a", "provider_c", "coalition_admin", "analyst"])
def test_refused_for_anyone_but_the_receiving_organization(world, persona):
    sent = referral(world)
    with pytest.raises(NotFound):
        case_from_referral(actor=world[persona].user, referral=sent)
    assert not Case.objects.exists()


def test_a_second_case_for_the_same_referral_is_refused(world):
    sent = referral(world)
    first = case_from_referral(actor=world["provider_b"].user, referral=sent)
    with pytest.raises(ReferralHasCase) as caught:
        case_from_referral(actor=world["provider_b"].user, referral=sent)
    assert caught.value.case_id == first.pk
    assert Case.objects.count() == 1


def test_possible_duplicates_are_shown_first(world):
    existing = open_case(world, alias="Marisol Fictional")
    sent = referral(world, items={"name": "Marisol"})
    with pytest.raises(DuplicatesFound) as caught:
        case_from_referral(actor=world["provider_b"].user, referral=sent)
    assert [c.case_id for c in caught.value.candidates] == [existing.pk]
    assert Case.objects.count() == 1
    assert not AuditEvent.objects.filter(action="case.from_referral").exists()
    case = case_from_referral(
        actor=world["provider_b"].user, referral=sent, duplicates_reviewed=True
    )
    assert case.from_referral_id == sent.pk


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("Spanish", "spa"),
        ("español", "spa"),
        ("es", "spa"),
        ("SPA", "spa"),
        ("French", "fra"),
        ("ger", "deu"),
        ("Klingon-ish", ""),
        ("", ""),
    ],
)
def test_language_from_text(text, code):
    assert language_from_text(text) == code
