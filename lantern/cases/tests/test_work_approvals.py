"""Approvals: a caseworker puts the plan or a closure forward, a supervisor of the
organization approves or returns it; nobody else decides."""

import pytest
from django.utils import timezone

from lantern.audit.models import AuditEvent
from lantern.cases import approvals
from lantern.cases import work_services as services
from lantern.cases.keys import cipher_for
from lantern.cases.models import Approval, Assessment, CaseChange
from lantern.cases.tests.factories import member, open_case, supervisor
from lantern.cases.tests.work_support import client_for, post, reach_of
from lantern.core.api_errors import FieldError
from lantern.core.errors import NotFound
from lantern.notify.models import Notification

pytestmark = pytest.mark.django_db


@pytest.fixture
def case(world):
    return open_case(world)


@pytest.fixture
def worker(world):
    return world["provider_b"].user


@pytest.fixture
def boss(world):
    return supervisor(world)


def _goal(case, actor):
    return services.goal_add(
        actor=actor, case=case, reach=reach_of(actor, case), domain="housing", text="A lease"
    )


def _ask(case, actor, kind="plan", closing_status=""):
    return approvals.approval_request(
        actor=actor,
        case=case,
        reach=reach_of(actor, case),
        kind=kind,
        closing_status=closing_status,
    )


def test_plan_request_tells_the_supervisors_and_waits(world, case, worker, boss):
    _goal(case, worker)
    asked = _ask(case, worker)
    assert asked.approval.state == "pending"
    told = Notification.objects.filter(kind="case_approval_pending")
    assert {n.recipient_id for n in told} == {boss.pk}
    assert all(n.link_path == f"/cases/{case.pk}/" for n in told)


def test_a_plan_needs_a_goal_first(world, case, worker, boss):
    with pytest.raises(FieldError) as caught:
        _ask(case, worker)
    assert caught.value.field == "kind"
    assert not Approval.objects.exists()


def test_one_pending_approval_per_kind(world, case, worker, boss):
    _goal(case, worker)
    _ask(case, worker)
    with pytest.raises(approvals.AlreadyPending):
        _ask(case, worker)
    # A closure may wait beside the plan.
    _ask(case, worker, kind="closure", closing_status="Closed")
    assert Approval.objects.filter(case=case, state="pending").count() == 2


def test_supervisor_approves_the_plan_and_the_requester_is_told(world, case, worker, boss):
    _goal(case, worker)
    asked = _ask(case, worker)
    decided = approvals.approval_decide(actor=boss, approval=asked.approval, approve=True)
    assert decided.state == "approved"
    assert decided.decided_by_id == boss.pk
    told = Notification.objects.filter(kind="case_approval_decided")
    assert {n.recipient_id for n in told} == {worker.pk}
    case.refresh_from_db()
    assert case.status == "Active"  # a plan approval does not close anything
    with pytest.raises(approvals.NotPending):
        approvals.approval_decide(actor=boss, approval=asked.approval, approve=False, comment="x")


def test_returning_needs_a_comment_which_is_sealed(world, case, worker, boss):
    _goal(case, worker)
    asked = _ask(case, worker)
    with pytest.raises(FieldError) as caught:
        approvals.approval_decide(actor=boss, approval=asked.approval, approve=False)
    assert caught.value.field == "comment"
    comment = "Add a goal for legal help with the visa"
    decided = approvals.approval_decide(
        actor=boss, approval=asked.approval, approve=False, comment=comment
    )
    assert decided.state == "returned"
    stored = Approval.objects.values_list("comment_sealed", flat=True).get(pk=decided.pk)
    assert "visa" not in stored
    assert cipher_for(case).open(stored) == comment
    event = AuditEvent.objects.get(action="case.approval.decide")
    assert event.detail["decision"] == "returned"
    assert "visa" not in str(event.detail)
    # Returned: it may be put forward again.
    assert _ask(case, worker).approval.state == "pending"


def test_approving_a_closure_closes_the_case_today_with_history(world, case, worker, boss):
    Assessment.objects.create(
        case=case, kind="closure", assessed_on=timezone.localdate(), scores={"safety": 4}
    )
    asked = _ask(case, worker, kind="closure", closing_status="ClosedReferred")
    assert asked.missing_closure_assessment is False
    approvals.approval_decide(actor=boss, approval=asked.approval, approve=True)
    case.refresh_from_db()
    assert case.status == "ClosedReferred"
    assert case.closed_on == timezone.localdate()
    changes = {c.field: c for c in CaseChange.objects.filter(case=case)}
    assert set(changes) >= {"status", "closed_on"}
    assert changes["status"].actor_id == boss.pk
    assert cipher_for(case).open(changes["status"].new_sealed) == '"ClosedReferred"'
    with pytest.raises(FieldError):  # closed: nothing more to put forward
        _ask(case, worker, kind="closure", closing_status="Closed")


def test_a_closure_without_a_closure_assessment_is_a_reminder_not_a_refusal(
    world, case, worker, boss
):
    asked = _ask(case, worker, kind="closure", closing_status="Closed")
    assert asked.missing_closure_assessment is True
    assert asked.approval.state == "pending"


def test_a_closure_needs_a_closing_status(world, case, worker, boss):
    with pytest.raises(FieldError) as caught:
        _ask(case, worker, kind="closure", closing_status="FollowUp")
    assert caught.value.field == "closing_status"


def test_a_caseworker_cannot_decide(world, case, worker, boss):
    _goal(case, worker)
    asked = _ask(case, worker)
    with pytest.raises(NotFound):
        approvals.approval_decide(actor=worker, approval=asked.approval, approve=True)
    other_boss = supervisor(world, org="c")
    with pytest.raises(NotFound):
        approvals.approval_decide(actor=other_boss, approval=asked.approval, approve=True)
    asked.approval.refresh_from_db()
    assert asked.approval.state == "pending"


def test_a_supervisor_does_not_decide_their_own_request(world, case, worker, boss):
    _goal(case, worker)
    asked = _ask(case, boss)
    with pytest.raises(approvals.OwnRequest):
        approvals.approval_decide(actor=boss, approval=asked.approval, approve=True)
    second = member(world.org_b, "case_supervisor", "second_supervisor_b@example.test")
    assert approvals.approval_decide(actor=second, approval=asked.approval, approve=True)


# --- through the pages --------------------------------------------------------------------


def test_the_page_flow_request_then_approve(world, case, worker, boss):
    _goal(case, worker)
    client = world["provider_b"].client()
    response = post(client, f"/cases/{case.pk}/approvals/", {"kind": "plan"})
    assert response.status_code == 302
    assert response["Location"] == f"/cases/{case.pk}/#work"
    approval = Approval.objects.get(case=case)
    again = post(client, f"/cases/{case.pk}/approvals/", {"kind": "plan"})
    assert again.status_code == 409

    page = world["provider_b"].client().get(f"/cases/{case.pk}/work/")
    assert b'data-testid="approval-pending"' in page.content
    assert b'data-testid="approval-decide"' not in page.content  # not a supervisor

    boss_client = client_for(boss)
    boss_page = boss_client.get(f"/cases/{case.pk}/work/")
    assert b'data-testid="approval-decide"' in boss_page.content
    response = post(
        boss_client,
        f"/cases/{case.pk}/approvals/{approval.pk}/",
        {"decision": "return", "comment": ""},
    )
    assert response.status_code == 422
    assert b'data-for="comment"' in response.content
    response = post(
        boss_client,
        f"/cases/{case.pk}/approvals/{approval.pk}/",
        {"decision": "return", "comment": "Add a task for the lease"},
    )
    assert response.status_code == 302
    approval.refresh_from_db()
    assert approval.state == "returned"
    shown = world["provider_b"].client().get(f"/cases/{case.pk}/work/")
    assert "Add a task for the lease" in shown.content.decode()


def test_a_caseworker_posting_a_decision_gets_404(world, case, worker, boss):
    _goal(case, worker)
    asked = _ask(case, worker)
    response = post(
        world["provider_b"].client(),
        f"/cases/{case.pk}/approvals/{asked.approval.pk}/",
        {"decision": "approve"},
    )
    assert response.status_code == 404
    asked.approval.refresh_from_db()
    assert asked.approval.state == "pending"


def test_the_closure_reminder_shows_after_asking(world, case, worker):
    client = world["provider_b"].client()
    response = post(
        client, f"/cases/{case.pk}/approvals/", {"kind": "closure", "closing_status": "Closed"}
    )
    assert response.status_code == 302
    page = client.get(response["Location"])
    assert "no closure assessment is recorded yet" in page.content.decode()
