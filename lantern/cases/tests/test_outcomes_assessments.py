"""Outcome assessments: the anchored scale, recording one (validation, order, reach, audit)
and reading them (audited, a disclosure for anyone not assigned, cut by consent)."""

from datetime import timedelta

import pytest
from django.utils import timezone, translation

from lantern.audit.models import AuditEvent
from lantern.cases import assessments
from lantern.cases.assessments import (
    ANCHORS,
    anchor,
    assessment_record,
    assessments_read,
    clean_scores,
    domain_trends,
)
from lantern.cases.models import Assessment, CaseAccess
from lantern.cases.models.work import LIFE_DOMAIN_CODES
from lantern.cases.selectors import case_for_user, reach_for
from lantern.cases.tests.factories import member, open_case, supervisor
from lantern.cases.tests.outcomes_helpers import assess, share
from lantern.core.api_errors import FieldError
from lantern.core.errors import NotFound

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    """English unless a test asks otherwise (and no language left active after a test)."""
    with translation.override("en"):
        yield


TODAY = timezone.localdate


def test_every_domain_has_five_distinct_anchors_in_english_and_spanish():
    assert set(ANCHORS) == set(LIFE_DOMAIN_CODES)
    for code in LIFE_DOMAIN_CODES:
        english = [str(anchor(code, level)) for level in range(1, 6)]
        assert len(set(english)) == 5
        with translation.override("es"):
            spanish = [str(anchor(code, level)) for level in range(1, 6)]
        assert all(es != en for es, en in zip(spanish, english, strict=True)), code
    assert str(anchor("housing", 1)) == "No safe place to sleep"
    assert str(anchor("housing", 5)) == "Stable housing of their own"


@pytest.mark.parametrize(
    ("scores", "field"),
    [
        ({}, "scores"),
        ([("housing", 2)], "scores"),
        ({"happiness": 3}, "scores.happiness"),
        ({"housing": 0}, "scores.housing"),
        ({"housing": 6}, "scores.housing"),
        ({"housing": "3"}, "scores.housing"),
        ({"housing": 2.0}, "scores.housing"),
        ({"housing": True}, "scores.housing"),
        ({"safety": 2, "income": None}, "scores.income"),
    ],
)
def test_bad_scores_name_the_field(scores, field):
    with pytest.raises(FieldError) as caught:
        clean_scores(scores)
    assert caught.value.field == field


def test_scores_come_back_in_domain_order():
    assert list(clean_scores({"income": 2, "safety": 4})) == ["safety", "income"]


def test_a_caseworker_records_an_assessment_audited_without_scores(world):
    case = open_case(world)
    user = world["provider_b"].user
    assessment = assessment_record(
        actor=user,
        case=case,
        kind="intake",
        assessed_on=TODAY(),
        scores={"housing": 1, "safety": 2},
    )
    assert assessment.scores == {"safety": 2, "housing": 1}
    assert assessment.assessor == user
    event = AuditEvent.objects.filter(action="assessment.record").get()
    assert event.object_id == str(case.pk)
    assert event.detail == {
        "assessment_id": assessment.pk,
        "kind": "intake",
        "domains": ["housing", "safety"],
    }


@pytest.mark.parametrize(
    ("kind", "when", "field"),
    [
        ("first", 0, "kind"),
        ("intake", -1, "assessed_on"),  # tomorrow
        ("intake", 400, "assessed_on"),  # more than a year before opening (opened today)
        ("intake", "2026-13-01", "assessed_on"),
        ("intake", "1800-01-01", "assessed_on"),
    ],
)
def test_kind_and_date_are_checked(world, kind, when, field):
    case = open_case(world)
    assessed_on = TODAY() - timedelta(days=when) if isinstance(when, int) else when
    with pytest.raises(FieldError) as caught:
        assessment_record(
            actor=world["provider_b"].user,
            case=case,
            kind=kind,
            assessed_on=assessed_on,
            scores={"housing": 2},
        )
    assert caught.value.field == field
    assert not Assessment.objects.exists()


def test_a_date_up_to_a_year_before_opening_is_accepted(world):
    case = open_case(world, opened_on=TODAY() - timedelta(days=10))
    found = assess(case, world["provider_b"].user, "intake", 10 + 365, housing=2)
    assert found.assessed_on == case.opened_on - timedelta(days=365)


def test_one_intake_first_one_closure_last_follow_ups_between(world):
    case = open_case(world, opened_on=TODAY() - timedelta(days=200))
    user = world["provider_b"].user
    assess(case, user, "intake", 150, housing=1)

    def refused(kind, days_ago):
        with pytest.raises(FieldError) as caught:
            assess(case, user, kind, days_ago, housing=3)
        return caught.value.field

    assert refused("intake", 100) == "kind"
    assert refused("interval", 160) == "assessed_on"  # before the intake
    assess(case, user, "interval", 100, housing=2)
    assess(case, user, "interval", 100, housing=3)  # the same day twice is fine
    assert refused("closure", 120) == "assessed_on"  # before a follow-up
    assess(case, user, "closure", 10, housing=4)
    assert refused("closure", 5) == "kind"
    assert refused("interval", 5) == "assessed_on"  # after the closure
    assert case.assessments.count() == 4


def test_nobody_outside_the_cases_reach_records(world):
    case = open_case(world)
    colleague = member(world.org_b, "caseworker", "colleague_b@example.test")
    for actor in (
        colleague,  # same organization, not assigned
        world["provider_c"].user,
        world["coalition_admin"].user,
        world["analyst"].user,
        None,
    ):
        with pytest.raises(NotFound):
            assess(case, actor, "intake", 0, housing=2)
    # A recipient under a share, even one granted the assessments, only reads them.
    share(case, recipient=world.org_c, actor=world["provider_b"].user, groups=["assessments"])
    with pytest.raises(NotFound):
        assess(case, world["provider_c"].user, "intake", 0, housing=2)
    assert not Assessment.objects.exists()
    # The organization's supervisor may.
    assess(case, supervisor(world), "intake", 0, housing=2)
    assert Assessment.objects.count() == 1


def test_a_purged_case_takes_no_assessment(world):
    case = open_case(world)
    case.purged_at = timezone.now()
    case.save(update_fields=["purged_at"])
    with pytest.raises(NotFound):
        assess(case, world["provider_b"].user, "intake", 0, housing=2)


def test_trends_take_the_first_and_last_level_of_each_domain(world):
    case = open_case(world, opened_on=TODAY() - timedelta(days=90))
    user = world["provider_b"].user
    assess(case, user, "intake", 80, housing=1, safety=2)
    assess(case, user, "interval", 40, housing=3, income=2)
    assess(case, user, "interval", 10, housing=2, safety=4)
    trends = {t.code: t for t in domain_trends(case.assessments.all())}
    assert [t.code for t in domain_trends(case.assessments.all())] == [
        "safety",
        "housing",
        "income",
    ]
    assert (trends["housing"].first, trends["housing"].last, trends["housing"].change) == (1, 2, 1)
    assert (trends["safety"].first, trends["safety"].last, trends["safety"].change) == (2, 4, 2)
    assert (trends["income"].count, trends["income"].change) == (1, 0)


def test_reading_is_audited_and_a_supervisor_read_is_a_disclosure(world):
    case = open_case(world)
    assess(case, world["provider_b"].user, "intake", 0, housing=2)
    own_case, own_reach = case_for_user(world["provider_b"].user, case.pk)
    history = assessments_read(actor=world["provider_b"].user, case=own_case, reach=own_reach)
    assert history is not None and len(history.assessments) == 1
    assert AuditEvent.objects.filter(action="assessment.read", object_id=str(case.pk)).count() == 1
    assert not CaseAccess.objects.exists()  # the assigned caseworker's own work

    boss = supervisor(world)
    _case, reach = case_for_user(boss, case.pk)
    assessments_read(actor=boss, case=case, reach=reach)
    access = CaseAccess.objects.get()
    assert (access.actor, access.kind, access.groups) == (boss, "read", ["assessments"])


def test_a_share_without_the_assessments_group_reads_none(world):
    case = open_case(world)
    assess(case, world["provider_b"].user, "intake", 0, housing=2)
    share(case, recipient=world.org_c, actor=world["provider_b"].user, groups=["identity"])
    reader = world["provider_c"].user
    reach = reach_for(reader, case)
    assert reach is not None and reach.mode == "shared"
    assert assessments_read(actor=reader, case=case, reach=reach) is None
    assert not AuditEvent.objects.filter(action="assessment.read").exists()
    assert not CaseAccess.objects.exists()


def test_a_share_with_the_assessments_group_reads_them_logged(world):
    case = open_case(world)
    assess(case, world["provider_b"].user, "intake", 0, housing=2)
    share(case, recipient=world.org_c, actor=world["provider_b"].user, groups=["assessments"])
    reader = world["provider_c"].user
    history = assessments_read(actor=reader, case=case, reach=reach_for(reader, case))
    assert history is not None and history.assessments[0].scores == {"housing": 2}
    access = CaseAccess.objects.get()
    assert (access.kind, access.organization, access.groups) == (
        "shared_read",
        world.org_c,
        ["assessments"],
    )


def test_the_scale_lists_every_domain_with_five_levels():
    found = assessments.scale()
    assert [code for code, _label, _levels in found] == list(LIFE_DOMAIN_CODES)
    assert all([level for level, _text in levels] == [1, 2, 3, 4, 5] for *_x, levels in found)
