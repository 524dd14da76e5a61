"""The plan, tasks and notes services: sealed at rest, validated, audited, and only for the
reach that may."""

from datetime import timedelta

import pytest
from django.utils import timezone

from lantern.audit.models import AuditEvent
from lantern.cases import work_services as services
from lantern.cases.keys import cipher_for
from lantern.cases.models import CaseNote, CaseTask, PlanGoal
from lantern.cases.tests.factories import member, open_case, supervisor
from lantern.cases.tests.work_support import reach_of, share
from lantern.core.api_errors import FieldError
from lantern.core.errors import NotFound
from lantern.notify.models import Notification
from lantern.referrals.tests.factories import send
from lantern.testing import ServiceFactory

pytestmark = pytest.mark.django_db

GOAL = "Find a safe place to stay near the clinic"
TASK = "Call the housing office about the application"
MISSING = "00000000-0000-4000-8000-000000000000"
NOTE = "Rosa asked us to call only after 6pm; her cousin is 555-0177"


def _raw(model: type, column: str, pk: object) -> str:
    """The column as stored (a plain text column: what the database holds)."""
    return model.objects.values_list(column, flat=True).get(pk=pk)  # type: ignore[attr-defined]


@pytest.fixture
def case(world):
    return open_case(world)


@pytest.fixture
def owner(world):
    return world["provider_b"].user


def test_goal_text_is_sealed_at_rest_and_opens_with_the_case_key(world, case, owner):
    goal = services.goal_add(
        actor=owner, case=case, reach=reach_of(owner, case), domain="housing", text=GOAL
    )
    raw = _raw(PlanGoal, "text_sealed", goal.pk)
    assert GOAL not in raw
    assert "safe place" not in raw
    assert raw.startswith("ck1:")
    assert cipher_for(case).open(raw) == GOAL


def test_task_title_and_note_body_are_sealed_at_rest(world, case, owner):
    reach = reach_of(owner, case)
    task = services.task_add(
        actor=owner,
        case=case,
        reach=reach,
        title=TASK,
        due_on=timezone.localdate() + timedelta(days=3),
    )
    note = services.note_add(actor=owner, case=case, reach=reach, body=NOTE)
    task_raw = _raw(CaseTask, "title_sealed", task.pk)
    note_raw = _raw(CaseNote, "body_sealed", note.pk)
    assert TASK not in task_raw and "housing office" not in task_raw
    assert NOTE not in note_raw and "555-0177" not in note_raw
    assert cipher_for(case).open(note_raw) == NOTE
    assert note.organization_id == case.organization_id
    assert task.assignee_id == owner.pk  # the actor by default


def test_audit_details_carry_ids_and_codes_never_the_text(world, case, owner):
    reach = reach_of(owner, case)
    services.goal_add(actor=owner, case=case, reach=reach, domain="safety", text=GOAL)
    services.note_add(actor=owner, case=case, reach=reach, body=NOTE)
    events = AuditEvent.objects.filter(action__in=["case.goal.add", "case.note.add"])
    assert events.count() == 2
    for event in events:
        flat = str(event.detail)
        assert "clinic" not in flat and "555-0177" not in flat


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"domain": "happiness", "text": GOAL}, "domain"),
        ({"domain": "housing", "text": "   "}, "text"),
        ({"domain": "housing", "text": "x" * 501}, "text"),
        ({"domain": "housing", "text": GOAL, "services": ["not-an-id"]}, "services"),
        (
            {
                "domain": "housing",
                "text": GOAL,
                "services": ["00000000-0000-4000-8000-000000000000"],
            },
            "services",
        ),
    ],
)
def test_goal_refuses_bad_input_naming_the_field(world, case, owner, kwargs, field):
    with pytest.raises(FieldError) as caught:
        services.goal_add(actor=owner, case=case, reach=reach_of(owner, case), **kwargs)
    assert caught.value.field == field
    assert not PlanGoal.objects.exists()


def test_goal_links_services_and_only_referrals_of_the_case_organization(world, case, owner):
    reach = reach_of(owner, case)
    service = ServiceFactory()
    received = send(world)  # advocate_a -> Shelter B: org B received it
    goal = services.goal_add(
        actor=owner,
        case=case,
        reach=reach,
        domain="housing",
        text=GOAL,
        services=[service.pk],
        referrals=[received.pk],
    )
    assert list(goal.services.all()) == [service]
    assert list(goal.referrals.all()) == [received]
    other_case = open_case(world, actor=world["provider_c"].user, org="c", alias="Ana Example")
    other_reach = reach_of(world["provider_c"].user, other_case)
    with pytest.raises(FieldError) as caught:
        services.goal_add(
            actor=world["provider_c"].user,
            case=other_case,
            reach=other_reach,
            domain="housing",
            text=GOAL,
            referrals=[received.pk],
        )
    assert caught.value.field == "referrals"


def test_goal_update_changes_status_and_text(world, case, owner):
    reach = reach_of(owner, case)
    goal = services.goal_add(actor=owner, case=case, reach=reach, domain="housing", text=GOAL)
    changed = services.goal_update(
        actor=owner, case=case, reach=reach, goal=goal, status="met", text="A lease signed"
    )
    goal.refresh_from_db()
    assert changed == ["text", "status"]
    assert goal.status == "met"
    assert cipher_for(case).open(goal.text_sealed) == "A lease signed"
    assert services.goal_update(actor=owner, case=case, reach=reach, goal=goal, status="met") == []
    with pytest.raises(FieldError) as caught:
        services.goal_update(actor=owner, case=case, reach=reach, goal=goal, status="finished")
    assert caught.value.field == "status"


def test_task_needs_a_future_date_and_a_caseworker_of_the_organization(world, case, owner):
    reach = reach_of(owner, case)
    yesterday = timezone.localdate() - timedelta(days=1)
    with pytest.raises(FieldError) as caught:
        services.task_add(actor=owner, case=case, reach=reach, title=TASK, due_on=yesterday)
    assert caught.value.field == "due_on"
    with pytest.raises(FieldError) as caught:
        services.task_add(
            actor=owner,
            case=case,
            reach=reach,
            title=TASK,
            due_on=timezone.localdate(),
            assignee=world["provider_c"].user,
        )
    assert caught.value.field == "assignee"
    colleague = member(world.org_b, "caseworker", "colleague_b@example.test")
    task = services.task_add(
        actor=owner, case=case, reach=reach, title=TASK, due_on="2099-01-31", assignee=colleague
    )
    assert task.assignee_id == colleague.pk
    assert task.due_on.isoformat() == "2099-01-31"


def test_task_goal_must_belong_to_the_same_case(world, case, owner):
    other = open_case(world, alias="Ana Example")
    other_goal = services.goal_add(
        actor=owner, case=other, reach=reach_of(owner, other), domain="safety", text=GOAL
    )
    with pytest.raises(FieldError) as caught:
        services.task_add(
            actor=owner,
            case=case,
            reach=reach_of(owner, case),
            title=TASK,
            due_on=timezone.localdate(),
            goal=other_goal,
        )
    assert caught.value.field == "goal"


def test_task_update_and_done(world, case, owner):
    reach = reach_of(owner, case)
    task = services.task_add(
        actor=owner, case=case, reach=reach, title=TASK, due_on=timezone.localdate()
    )
    CaseTask.objects.filter(pk=task.pk).update(reminded_at=timezone.now())
    task.refresh_from_db()
    later = timezone.localdate() + timedelta(days=7)
    assert services.task_update(actor=owner, case=case, reach=reach, task=task, due_on=later) == [
        "due_on"
    ]
    task.refresh_from_db()
    assert task.due_on == later
    assert task.reminded_at is None  # a new date is reminded afresh
    done = services.task_done(actor=owner, case=case, reach=reach, task=task)
    assert done.done_at is not None
    again = services.task_done(actor=owner, case=case, reach=reach, task=task)
    assert again.done_at == done.done_at
    assert AuditEvent.objects.filter(action="case.task.done").count() == 1


def test_rows_of_another_case_are_not_found(world, case, owner):
    other = open_case(world, alias="Ana Example")
    task = services.task_add(
        actor=owner,
        case=other,
        reach=reach_of(owner, other),
        title=TASK,
        due_on=timezone.localdate(),
    )
    with pytest.raises(NotFound):
        services.task_done(actor=owner, case=case, reach=reach_of(owner, case), task=task)


def test_a_shared_reach_never_changes_the_plan(world, case, owner):
    share(world, case, ["plan", "notes"], may_add_notes=False)
    recipient = world["provider_c"].user
    reach = reach_of(recipient, case)
    assert reach.mode == "shared"
    with pytest.raises(NotFound):
        services.goal_add(actor=recipient, case=case, reach=reach, domain="housing", text=GOAL)
    with pytest.raises(NotFound):
        services.task_add(
            actor=recipient, case=case, reach=reach, title=TASK, due_on=timezone.localdate()
        )
    with pytest.raises(NotFound):
        services.note_add(actor=recipient, case=case, reach=reach, body=NOTE)
    assert not CaseNote.objects.exists()


def test_a_share_that_allows_notes_lets_the_recipient_add_one_for_its_organization(
    world, case, owner
):
    share(world, case, ["notes"], may_add_notes=True)
    recipient = world["provider_c"].user
    note = services.note_add(
        actor=recipient, case=case, reach=reach_of(recipient, case), body="Met at our office"
    )
    assert note.organization_id == world.org_c.pk
    assert note.author_id == recipient.pk


def test_a_share_allowing_notes_without_the_notes_group_adds_none(world, case):
    share(world, case, ["identity"], may_add_notes=True)
    recipient = world["provider_c"].user
    with pytest.raises(NotFound):
        services.note_add(actor=recipient, case=case, reach=reach_of(recipient, case), body="x")


def test_the_owner_is_told_when_someone_else_changes_the_work(world, case, owner):
    boss = supervisor(world)
    services.note_add(actor=owner, case=case, reach=reach_of(owner, case), body=NOTE)
    assert not Notification.objects.filter(kind="case_edited").exists()
    services.goal_add(actor=boss, case=case, reach=reach_of(boss, case), domain="safety", text=GOAL)
    told = Notification.objects.filter(kind="case_edited")
    assert {n.recipient_id for n in told} == {owner.pk}
    assert all(n.link_path == f"/cases/{case.pk}/" for n in told)
