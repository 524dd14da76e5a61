"""The child-welfare report duty: a person under 18 with trafficking status Possible or
Actual, until a report (date, agency, reference) is recorded."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from lantern.audit.models import AuditEvent
from lantern.cases.keys import cipher_for
from lantern.cases.legal_selectors import child_report_due, is_minor
from lantern.cases.legal_services import child_report_record
from lantern.cases.models import Case
from lantern.cases.tests.factories import member, supervisor
from lantern.cases.tests.legal_factories import open_case
from lantern.core.api_errors import FieldError
from lantern.core.errors import NotFound

pytestmark = pytest.mark.django_db

POSSIBLE, ACTUAL, NOT_A = (
    "PossibleVictimOfTrafficking",
    "ActualVictimOfTrafficking",
    "NotAVictimOfTrafficking",
)
IDENTIFIED = "2024-05-01"


def _case(world, *, birth_year=None, age_band="", status=POSSIBLE, alias="Pia Menor"):
    return open_case(
        world,
        alias=alias,
        birth_year=birth_year if birth_year is not None else "",
        age_band=age_band,
        trafficking_status=status,
        identified_on=IDENTIFIED,
        opened_on=IDENTIFIED,
    )


@pytest.mark.parametrize(
    ("birth_year", "status", "due"),
    [
        (2007, POSSIBLE, True),  # 17 when identified
        (2007, ACTUAL, True),
        (2007, NOT_A, False),
        (2007, "", False),
        (2006, POSSIBLE, False),  # 18 when identified
        (2006, ACTUAL, False),
        (2012, ACTUAL, True),  # 12
    ],
)
def test_due_from_the_birth_year_and_status(world, birth_year, status, due):
    case = _case(world, birth_year=birth_year, status=status)
    assert child_report_due(case) is due


@pytest.mark.parametrize(
    ("age_band", "due"), [("0-11", True), ("12-14", True), ("15-17", True), ("18-24", False)]
)
def test_due_from_the_age_band_when_no_birth_year(world, age_band, due):
    case = _case(world, age_band=age_band)
    assert is_minor(case) is due
    assert child_report_due(case) is due


def test_the_birth_year_wins_over_a_stale_band(world):
    case = _case(world, birth_year=2007)
    Case.objects.filter(pk=case.pk).update(age_band="18-24")
    case.refresh_from_db()
    assert child_report_due(case) is True


def test_recording_the_report_ends_the_duty_and_keeps_the_reference_sealed(world):
    provider = world["provider_b"].user
    case = _case(world, birth_year=2008)
    assert child_report_due(case)
    child_report_record(
        actor=provider,
        case=case,
        reported_on=date(2024, 5, 2),
        agency="County Children's Services",
        reference="CW-2024-555",
    )
    case.refresh_from_db()
    assert not child_report_due(case)
    assert (case.child_report_on, case.child_report_agency) == (
        date(2024, 5, 2),
        "County Children's Services",
    )
    assert "CW-2024-555" not in case.child_report_reference_sealed
    assert cipher_for(case).open(case.child_report_reference_sealed) == "CW-2024-555"
    event = AuditEvent.objects.get(action="case.child_report")
    assert event.object_id == str(case.pk)
    assert "CW-2024-555" not in str(event.detail)
    assert set(case.changes.values_list("field", flat=True)) >= {
        "child_report_on",
        "child_report_agency",
        "child_report_reference",
    }


def test_a_purged_case_owes_nothing(world):
    case = _case(world, birth_year=2008)
    Case.objects.filter(pk=case.pk).update(purged_at=timezone.now())
    case.refresh_from_db()
    assert not child_report_due(case)


def test_recording_needs_own_reach_and_valid_values(world):
    case = _case(world, birth_year=2008)
    other_worker = member(world.org_b, "caseworker", "other_worker_b@example.test")
    args = {"reported_on": date(2024, 5, 2), "agency": "Agency", "reference": ""}
    with pytest.raises(NotFound):
        child_report_record(actor=other_worker, case=case, **args)
    with pytest.raises(NotFound):
        child_report_record(actor=world["provider_c"].user, case=case, **args)
    provider = world["provider_b"].user
    with pytest.raises(FieldError) as future:
        child_report_record(
            actor=provider,
            case=case,
            reported_on=timezone.localdate() + timedelta(days=1),
            agency="Agency",
        )
    assert future.value.field == "child_report_on"
    with pytest.raises(FieldError) as no_agency:
        child_report_record(actor=provider, case=case, reported_on=date(2024, 5, 2), agency=" ")
    assert no_agency.value.field == "child_report_agency"
    assert child_report_due(case)
    # A supervisor of the organization may record it.
    child_report_record(actor=supervisor(world), case=case, **args)
    case.refresh_from_db()
    assert not child_report_due(case)
