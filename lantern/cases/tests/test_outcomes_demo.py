"""The demo case records: about 200 synthetic cases across the demo organizations that keep
cases, sealed under their own keys, with assessments that a caseworker could have recorded;
added once by `lantern demo seed`."""

import re
from collections import Counter
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone, translation

from lantern.accounts.models import Membership
from lantern.cases import vocab
from lantern.cases.demo import _FIRST_NAMES, _METROS, demo_cases_seed
from lantern.cases.evaluation import evaluation_filters, program_evaluation
from lantern.cases.keys import PREFIX, cipher_for
from lantern.cases.models import Assessment, Case, CaseAssignment, ExploitationPlace
from lantern.directory.demo import demo_seed

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    """English unless a test asks otherwise (and no language left active after a test)."""
    with translation.override("en"):
        yield


TODAY = timezone.localdate()


@pytest.fixture
def seeded():
    demo_seed(services=12, seed=1)
    return demo_cases_seed(seed=1, today=TODAY)


def test_about_two_hundred_cases_across_the_organizations_that_keep_cases(seeded):
    assert (seeded.cases, seeded.organizations) == (200, 2)
    by_org = Counter(Case.objects.values_list("organization__name", flat=True))
    assert by_org == {"Lantern Demo Shelter Network": 133, "Demo Advocacy Network": 67}
    assigned = Counter(CaseAssignment.objects.values_list("user__email", flat=True))
    assert set(assigned) == {
        "provider@demo.lantern.test",
        "caseworker@demo.lantern.test",
        "advocate@demo.lantern.test",
    }
    assert Case.objects.filter(owner__email="supervisor@demo.lantern.test").count() == 0


def test_personal_fields_are_sealed_synthetic_and_coded_fields_are_htcds(seeded):
    numbers = re.compile(r"\(\d{3}\) 555-01\d\d")
    for case in Case.objects.all():
        assert case.alias_sealed.startswith(PREFIX)
        cipher = cipher_for(case)
        first, initial = cipher.open(case.alias_sealed).split(" ")
        assert first in _FIRST_NAMES and re.fullmatch(r"[A-Z]\.", initial)
        contact = cipher.open(case.contact_sealed)
        for phone in re.findall(r"\(\d{3}\) \d{3}-\d{4}", contact):
            assert numbers.fullmatch(phone), phone
        assert case.trafficking_status in vocab.TRAFFICKING_STATUS
        assert case.gender in vocab.GENDER
        assert set(case.types_of_exploitation) <= set(vocab.TYPES_OF_EXPLOITATION)
        assert set(case.methods_of_control) <= set(vocab.METHODS_OF_CONTROL)
        assert vocab.is_country(case.citizenship) and vocab.is_language(case.primary_language)
        assert case.age_band in vocab.AGE_BANDS
        assert case.opened_on <= TODAY and (case.closed_on is None or case.closed_on <= TODAY)
    counties = {county for _state, in_metro, _w in _METROS for county in in_metro}
    for place in ExploitationPlace.objects.all():
        if place.place_type == "Exploitation":
            assert (place.country, place.county) in {("US", c) for c in counties}
            assert place.county.startswith(place.state)
        else:
            assert place.state == "" and place.county == ""
    statuses = Counter(Case.objects.values_list("status", flat=True))
    assert statuses["Closed"] + statuses["ClosedReferred"] >= 20
    assert statuses["Active"] >= 80
    # Spread, not all alike: every gender and most exploitation types appear.
    assert len(Counter(Case.objects.values_list("gender", flat=True))) >= 4
    assert Case.objects.filter(age_band__in=["12-14", "15-17"]).exists()


def test_assessments_are_what_a_caseworker_could_have_recorded_and_mostly_improve(seeded):
    assert seeded.assessments == Assessment.objects.count() >= 400
    for case in Case.objects.prefetch_related("assessments"):
        rows = sorted(case.assessments.all(), key=lambda a: (a.assessed_on, a.pk))
        kinds = [a.kind for a in rows]
        assert kinds[0] == "intake" and kinds.count("intake") == 1
        assert kinds.count("closure") == (1 if case.closed_on else 0)
        if case.closed_on:
            assert kinds[-1] == "closure" and rows[-1].assessed_on == case.closed_on
        assert 1 <= len(rows) <= 6
        for assessment in rows:
            assert case.opened_on - timedelta(days=365) <= assessment.assessed_on <= TODAY
            assert assessment.scores and set(assessment.scores.values()) <= {1, 2, 3, 4, 5}
    for org in {case.organization for case in Case.objects.select_related("organization")}:
        result = program_evaluation(evaluation_filters(organization_id=org.pk), today=TODAY)
        for domain in result.domains:
            if domain.code in ("children_family",) and domain.small:
                continue
            assert domain.improving.count > domain.worse.count, (org, domain.code)
            assert domain.median_change is not None and domain.median_change >= 0


def test_a_second_seed_adds_nothing(seeded):
    again = demo_cases_seed(seed=1, today=TODAY)
    assert (again.cases, again.skipped_organizations) == (0, 2)
    assert again.line() == "demo cases: already there, nothing added"
    assert Case.objects.count() == 200


def test_without_demo_users_there_is_nothing_to_seed():
    result = demo_cases_seed(seed=1, today=TODAY)
    assert result.cases == 0 and "seed the directory first" in result.line()


def test_the_demo_command_seeds_cases_once_and_lists_a_supervisor_login():
    out = StringIO()
    call_command("demo", "seed", "--services", "5", stdout=out)
    assert re.search(
        r"seeded 200 demo cases \(\d+ outcome assessments\) in 2 organizations", out.getvalue()
    )
    out = StringIO()
    call_command("demo", "seed", "--if-empty", stdout=out)
    assert "demo cases: already there, nothing added" in out.getvalue()
    assert Case.objects.count() == 200
    assert Membership.objects.get(user__email="supervisor@demo.lantern.test").role == (
        "case_supervisor"
    )
    out = StringIO()
    call_command("demo", "logins", stdout=out)
    assert "supervisor@demo.lantern.test" in out.getvalue()
    assert "caseworker@demo.lantern.test" in out.getvalue()
