"""Program evaluation: the figures on a hand-made set, the small-number rule, the filters,
and which cases count (own organization only; purged ones yes, merged-away ones no)."""

from datetime import timedelta

import pytest
from django.utils import timezone, translation

from lantern.accounts.services import membership_add
from lantern.cases.evaluation import (
    Tally,
    evaluation_filters,
    organizations_to_evaluate,
    program_evaluation,
)
from lantern.cases.models import Case
from lantern.cases.outcomes_charts import change_chart, domain_rows, improving_chart
from lantern.cases.services import case_create
from lantern.cases.tests.factories import case_data, supervisor
from lantern.cases.tests.outcomes_helpers import assess
from lantern.core.api_errors import FieldError
from lantern.referrals.tests.factories import send
from lantern.testing import make_listing

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    """English unless a test asks otherwise (and no language left active after a test)."""
    with translation.override("en"):
        yield


TODAY = timezone.localdate


def _case(world, opened_days_ago, housing, *, org="b", actor=None, closed_days_ago=None, **kw):
    """A case opened `opened_days_ago`, assessed in housing at each level of `housing`."""
    actor = actor or world["provider_b"].user
    case = case_create(
        actor=actor,
        organization=getattr(world, f"org_{org}"),
        data=case_data(opened_on=TODAY() - timedelta(days=opened_days_ago)),
        duplicates_reviewed=True,
        **kw,
    )
    for index, level in enumerate(housing):
        kind = "intake" if index == 0 else "interval"
        assess(case, actor, kind, opened_days_ago - index, housing=level)
    if closed_days_ago is not None:
        Case.objects.filter(pk=case.pk).update(
            status="Closed", closed_on=TODAY() - timedelta(days=closed_days_ago)
        )
    return case


def _handmade(world):
    """Five cases of org B scored twice in housing: 3 improving, 1 worse, 1 same."""
    cases = [
        _case(world, 100, [1, 3], closed_days_ago=20),  # +2, 80 days
        _case(world, 120, [2, 3]),  # +1, 120 days
        _case(world, 90, [1, 4]),  # +3, 90 days
        _case(world, 100, [3, 2]),  # -1, 100 days
        _case(world, 100, [2, 2]),  # 0, 100 days
    ]
    # Scored once only: counts as a case, not in the housing figures.
    cases.append(_case(world, 50, [2]))
    return cases


def _evaluate(world, **filters):
    return program_evaluation(evaluation_filters(organization_id=world.org_b.pk, **filters))


def test_figures_on_a_hand_made_set(world):
    _handmade(world)
    result = _evaluate(world)
    assert result.cases.shown == 6
    # Days in the program: 80, 120, 90, 100, 100, 50 -> median of 90 and 100.
    assert result.median_days == 95.0
    housing = next(d for d in result.domains if d.code == "housing")
    assert housing.assessed.shown == 5
    assert (housing.improving.shown, housing.same.shown, housing.worse.shown) == (3, 1, 1)
    assert (housing.improving.share, housing.same.share, housing.worse.share) == (0.6, 0.2, 0.2)
    assert housing.median_change == 1.0  # -1, 0, 1, 2, 3
    others = [d for d in result.domains if d.code != "housing"]
    assert all(d.assessed.count == 0 and d.median_change is None for d in others)


def test_the_last_and_first_levels_decide_not_the_ones_between(world):
    for _ in range(5):
        _case(world, 60, [2, 5, 1, 3])  # ends one above where it began
    housing = next(d for d in _evaluate(world).domains if d.code == "housing")
    assert (housing.improving.shown, housing.median_change) == (5, 1.0)


def test_small_groups_are_shown_as_fewer_than_five_without_shares(world):
    for levels in ([1, 3], [2, 3], [3, 2]):
        _case(world, 40, levels)
    result = _evaluate(world)
    assert result.cases.count == 3 and result.cases.shown is None
    assert result.median_days is None
    housing = next(d for d in result.domains if d.code == "housing")
    assert housing.assessed.shown is None
    assert housing.improving.count == 2  # known, never shown
    assert (housing.improving.shown, housing.improving.share) == (None, None)
    assert housing.median_change is None
    row = next(r for r in domain_rows(result) if r.code == "housing")
    assert (row.assessed, row.improving, row.same, row.worse, row.median_change) == (
        "fewer than 5",
        "fewer than 5",
        "fewer than 5",
        "fewer than 5",
        "—",
    )
    for chart in (improving_chart(result), change_chart(result)):
        assert all(bar.width == 0 and bar.value == "fewer than 5" for bar in chart.bars)


def test_a_tally_hides_one_to_four_and_shows_none_as_zero():
    assert [Tally(n).shown for n in (0, 1, 4, 5)] == [0, None, None, 5]
    assert Tally(0, 7).share == 0.0
    assert Tally(2, 7).share == 2 / 7
    assert Tally(2, 4).share is None and Tally(2, 4).shown is None


def test_the_charts_draw_what_the_tables_say(world):
    _handmade(world)
    result = _evaluate(world)
    row = next(r for r in domain_rows(result) if r.code == "housing")
    assert (row.improving, row.same, row.worse, row.median_change) == (
        "3 (60 %)",
        "1 (20 %)",
        "1 (20 %)",
        "+1",
    )
    bars = {bar.label: bar for bar in improving_chart(result).bars}
    assert bars["Housing"].value == "60 %"
    assert bars["Housing"].width == pytest.approx(0.6 * 200)
    assert bars["Safety"].width == 0
    change = {bar.label: bar for bar in change_chart(result).bars}
    assert change["Housing"].value == "+1" and change["Housing"].width == pytest.approx(25)


def test_only_the_organizations_own_cases_count_purged_yes_merged_no(world):
    cases = _handmade(world)
    # Org C's cases never count in org B's figures.
    for levels in ([1, 5], [1, 5], [1, 5], [1, 5], [1, 5]):
        _case(world, 30, levels, org="c", actor=world["provider_c"].user)
    # A purged case keeps its coded data, and counts.
    Case.objects.filter(pk=cases[0].pk).update(purged_at=timezone.now())
    # A case merged into another is counted once, in the one it was merged into.
    merged = _case(world, 30, [1, 5])
    Case.objects.filter(pk=merged.pk).update(merged_into=cases[1])
    result = _evaluate(world)
    assert result.cases.shown == 6
    housing = next(d for d in result.domains if d.code == "housing")
    assert (housing.assessed.shown, housing.improving.shown) == (5, 3)


def test_the_period_selects_by_opening_date(world):
    _handmade(world)
    result = _evaluate(world, opened_from=TODAY() - timedelta(days=95))
    assert result.cases.count == 2  # opened 90 and 50 days ago
    result = _evaluate(
        world,
        opened_from=(TODAY() - timedelta(days=120)).isoformat(),
        opened_to=(TODAY() - timedelta(days=100)).isoformat(),
    )
    assert result.cases.count == 4


def test_the_service_type_is_that_of_the_service_the_case_was_referred_to(world):
    legal = make_listing(org=world.hsds_b, types=("legal",))
    for _ in range(5):
        _case(world, 30, [1, 2], from_referral=send(world, service_id=legal.service_id))
    shelter_case = _case(world, 30, [4, 1], from_referral=send(world))
    _case(world, 30, [2, 2])  # not from a referral: in "all" only
    assert _evaluate(world).cases.count == 7
    by_legal = _evaluate(world, service_type="legal")
    assert by_legal.cases.count == 5
    housing = next(d for d in by_legal.domains if d.code == "housing")
    assert (housing.improving.shown, housing.worse.shown) == (5, 0)
    assert _evaluate(world, service_type="emergency-shelter").cases.count == 1
    assert shelter_case.from_referral.service_id == world.b_public.service_id
    assert _evaluate(world, service_type="medical").cases.count == 0


@pytest.mark.parametrize(
    ("filters", "field"),
    [
        ({"service_type": "spa-days"}, "service_type"),
        ({"opened_from": "2026-02-30"}, "opened_from"),
        ({"opened_to": "1850-01-01"}, "opened_to"),
        ({"opened_from": "2025-05-01", "opened_to": "2025-04-30"}, "opened_to"),
    ],
)
def test_bad_filters_name_the_field(world, filters, field):
    with pytest.raises(FieldError) as caught:
        evaluation_filters(organization_id=world.org_b.pk, **filters)
    assert caught.value.field == field


def test_only_supervisors_evaluate_and_only_their_organizations(world):
    boss = supervisor(world)
    assert organizations_to_evaluate(boss) == [world.org_b]
    membership_add(user=boss, organization=world.org_c, role="case_supervisor", actor=None)
    boss = type(boss).objects.get(pk=boss.pk)  # capabilities are cached per user object
    assert organizations_to_evaluate(boss) == sorted([world.org_b, world.org_c], key=str)
    for name in ("provider_b", "advocate_a", "coalition_admin", "analyst"):
        assert organizations_to_evaluate(world[name].user) == []
