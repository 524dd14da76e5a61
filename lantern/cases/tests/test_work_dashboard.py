"""The supervisor's dashboard: pending approvals, overdue tasks and assessments, counts per
caseworker, for supervisors of the organization only, with no personal text."""

from datetime import timedelta

import pytest
from django.utils import timezone

from lantern.cases import approvals, dashboard
from lantern.cases import work_services as services
from lantern.cases.models import Assessment, Case, CaseTask
from lantern.cases.services import case_assign
from lantern.cases.tests.factories import member, open_case, supervisor
from lantern.cases.tests.work_support import client_for, reach_of

pytestmark = pytest.mark.django_db

GOAL = "Stay with the cousin in Springfield"
TASK = "Ask about the U visa at 555-0123"


@pytest.fixture
def boss(world):
    return supervisor(world)


def _opened(world, days_ago: int, alias: str) -> Case:
    case = open_case(world, alias=alias)
    Case.objects.filter(pk=case.pk).update(
        opened_on=timezone.localdate() - timedelta(days=days_ago)
    )
    case.refresh_from_db()
    return case


def _task(world, case, days: int, assignee=None) -> CaseTask:
    actor = world["provider_b"].user
    task = services.task_add(
        actor=actor,
        case=case,
        reach=reach_of(actor, case),
        title=TASK,
        due_on=timezone.localdate(),
        assignee=assignee or actor,
    )
    CaseTask.objects.filter(pk=task.pk).update(due_on=timezone.localdate() + timedelta(days=days))
    return task


def _assess(case, days_ago: int) -> None:
    Assessment.objects.create(
        case=case,
        kind="interval",
        assessed_on=timezone.localdate() - timedelta(days=days_ago),
        scores={"safety": 3},
    )


@pytest.fixture
def scene(world, boss):
    """Org B: a colleague; cases with overdue tasks, late and timely assessments, approvals."""
    worker = world["provider_b"].user
    colleague = member(world.org_b, "caseworker", "colleague_b@example.test")
    fresh = _opened(world, 5, "Ana Example")  # new: no assessment due yet
    no_assessment = _opened(world, 45, "Bea Example")  # none after 30 days: due
    stale = _opened(world, 200, "Cora Example")  # last one 120 days ago: due
    _assess(stale, 120)
    timely = _opened(world, 200, "Dina Example")  # last one 10 days ago: fine
    _assess(timely, 10)
    closed = _opened(world, 300, "Eva Example")  # closed: nothing due
    Case.objects.filter(pk=closed.pk).update(status="Closed")
    case_assign(actor=boss, case=stale, user=colleague)
    _task(world, fresh, -2)
    _task(world, fresh, -1, assignee=colleague)
    _task(world, fresh, 3)  # not yet due
    done = _task(world, stale, -5)
    CaseTask.objects.filter(pk=done.pk).update(done_at=timezone.now())
    _task(world, stale, -7, assignee=colleague)
    _task(world, closed, -9)  # on a closed case: not counted
    services.goal_add(
        actor=worker, case=fresh, reach=reach_of(worker, fresh), domain="housing", text=GOAL
    )
    approvals.approval_request(actor=worker, case=fresh, reach=reach_of(worker, fresh), kind="plan")
    approvals.approval_request(
        actor=colleague,
        case=stale,
        reach=reach_of(colleague, stale),
        kind="closure",
        closing_status="Closed",
    )
    return {
        "worker": worker,
        "colleague": colleague,
        "fresh": fresh,
        "no_assessment": no_assessment,
        "stale": stale,
        "timely": timely,
    }


def test_the_board_counts(world, boss, scene):
    (board,) = dashboard.boards_for(boss, timezone.localdate())
    assert board.organization == world.org_b
    assert board.pending_total == 2
    assert [a.kind for a in board.pending] == ["plan", "closure"]
    assert board.tasks_total == 2
    rows = {row.case_id: row for row in board.tasks}
    assert rows[scene["fresh"].pk].count == 2
    assert rows[scene["stale"].pk].count == 1
    assert rows[scene["stale"].pk].oldest_due == timezone.localdate() - timedelta(days=7)
    late = {row.case.pk: row for row in board.assessments}
    assert set(late) == {scene["no_assessment"].pk, scene["stale"].pk}
    assert late[scene["stale"].pk].days_late == 30
    assert late[scene["no_assessment"].pk].last_assessed is None
    assert late[scene["no_assessment"].pk].days_late == 15
    people = {row.user.pk: row for row in board.caseworkers}
    worker, colleague = people[scene["worker"].pk], people[scene["colleague"].pk]
    # worker: fresh, no_assessment, stale, timely open (closed is not)
    assert (worker.open_cases, worker.overdue_tasks) == (4, 1)
    assert (worker.overdue_assessments, worker.pending_approvals) == (2, 1)
    assert (colleague.open_cases, colleague.overdue_tasks) == (1, 2)
    assert (colleague.overdue_assessments, colleague.pending_approvals) == (1, 1)


def test_the_interval_follows_the_setting(world, boss, scene, settings):
    settings.LANTERN_CASE_ASSESSMENT_INTERVAL_DAYS = 150
    (board,) = dashboard.boards_for(boss, timezone.localdate())
    assert {row.case.pk for row in board.assessments} == {scene["no_assessment"].pk}


def test_the_page_shows_numbers_and_links_but_no_personal_text(world, boss, scene):
    response = client_for(boss).get("/cases/supervision/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="count-pending">2 approvals waiting' in html
    assert 'data-testid="count-tasks">2 cases with overdue tasks' in html
    assert 'data-testid="count-assessments">2 cases due for an assessment' in html
    assert f'href="/cases/{scene["fresh"].pk}/"' in html
    assert scene["fresh"].number in html
    for personal in ("Ana", "Bea", "Cora", "Springfield", "555-0123", "U visa"):
        assert personal not in html
    assert html.count('data-testid="caseworker-row"') == 3  # worker, colleague, supervisor


def test_only_supervisors_see_the_page(world, scene):
    for name in ("advocate_a", "provider_b", "provider_c", "coalition_admin", "analyst"):
        assert world[name].client().get("/cases/supervision/").status_code == 404, name
    assert world["anonymous"].client().get("/cases/supervision/").status_code == 302


def test_a_supervisor_sees_only_their_own_organization(world, scene):
    other = supervisor(world, org="c")
    (board,) = dashboard.boards_for(other, timezone.localdate())
    assert board.organization == world.org_c
    assert board.pending_total == board.tasks_total == board.assessments_total == 0
