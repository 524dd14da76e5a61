"""The work section and its page: what each reach sees, forms and their errors, and the
audit of every read."""

from datetime import timedelta

import pytest
from django.test import RequestFactory
from django.utils import timezone, translation

from lantern.audit.models import AuditEvent
from lantern.cases import views_work
from lantern.cases import work_services as services
from lantern.cases.models import CaseAccess, CaseNote, CaseTask, PlanGoal
from lantern.cases.tests.factories import open_case, supervisor
from lantern.cases.tests.work_support import client_for, post, reach_of, share
from lantern.consent.services import consent_revoke

pytestmark = pytest.mark.django_db

GOAL = "Find a safe place to stay"
TASK = "Call the housing office"
NOTE = "Prefers calls after 6pm at 555-0142"


@pytest.fixture
def case(world):
    return open_case(world)


@pytest.fixture
def filled(world, case):
    """A case with one goal, one task for it, one loose task and a note."""
    actor = world["provider_b"].user
    reach = reach_of(actor, case)
    goal = services.goal_add(actor=actor, case=case, reach=reach, domain="housing", text=GOAL)
    services.task_add(
        actor=actor,
        case=case,
        reach=reach,
        title=TASK,
        due_on=timezone.localdate() + timedelta(days=2),
        goal=goal,
    )
    services.task_add(
        actor=actor, case=case, reach=reach, title="Book the clinic", due_on=timezone.localdate()
    )
    services.note_add(actor=actor, case=case, reach=reach, body=NOTE)
    return case


def _page(client, case):
    response = client.get(f"/cases/{case.pk}/work/")
    return response, response.content.decode()


def test_the_caseworker_sees_plan_notes_documents_and_the_forms(world, filled):
    response, html = _page(world["provider_b"].client(), filled)
    assert response.status_code == 200
    for text in (GOAL, TASK, "Book the clinic", NOTE):
        assert text in html
    for form in ("goal-form", "task-form", "note-form", "document-form", "request-plan"):
        assert f'data-testid="{form}"' in html
    assert response["Cache-Control"].count("no-store") == 1


def test_reading_the_section_is_audited_but_not_a_disclosure_for_the_assignee(world, filled):
    _page(world["provider_b"].client(), filled)
    event = AuditEvent.objects.filter(action="case.work.read").get()
    assert event.detail["groups"] == ["notes", "plan"]
    assert NOTE not in str(event.detail)
    assert not CaseAccess.objects.filter(case=filled).exists()


def test_a_supervisor_reading_it_is_logged_as_a_disclosure(world, filled):
    boss = supervisor(world)
    response, html = _page(client_for(boss), filled)
    assert response.status_code == 200 and NOTE in html
    access = CaseAccess.objects.get(case=filled)
    assert access.actor_id == boss.pk
    assert access.kind == "read"
    assert access.groups == ["notes", "plan"]


def test_a_shared_reach_sees_only_the_granted_groups_read_only(world, filled):
    share(world, filled, ["notes"])
    response, html = _page(world["provider_c"].client(), filled)
    assert response.status_code == 200
    assert NOTE in html
    assert GOAL not in html and TASK not in html
    assert 'data-testid="work-plan"' not in html
    assert 'data-testid="work-approvals"' not in html
    assert 'data-testid="note-form"' not in html  # the share does not allow notes
    access = CaseAccess.objects.get(case=filled)
    assert access.kind == "shared_read"
    assert access.groups == ["notes"]
    assert access.organization_id == world.org_c.pk


def test_a_share_with_the_plan_shows_it_without_forms(world, filled):
    share(world, filled, ["plan"])
    _, html = _page(world["provider_c"].client(), filled)
    assert GOAL in html and TASK in html
    assert NOTE not in html
    for form in ("goal-form", "task-form", "document-form", "request-plan"):
        assert f'data-testid="{form}"' not in html
    goal = PlanGoal.objects.get()
    response = post(
        world["provider_c"].client(),
        f"/cases/{filled.pk}/goals/{goal.pk}/",
        {"status": "met"},
    )
    assert response.status_code == 404
    goal.refresh_from_db()
    assert goal.status == "open"


def test_after_revocation_the_recipient_sees_nothing(world, filled):
    granted = share(world, filled, ["notes", "plan", "documents"])
    client = world["provider_c"].client()
    assert _page(client, filled)[0].status_code == 200
    consent_revoke(consent=granted.consent, actor=world["provider_b"].user)
    assert _page(client, filled)[0].status_code == 404


def test_nobody_else_sees_the_page(world, filled):
    for name in ("advocate_a", "provider_c", "coalition_admin", "analyst"):
        assert world[name].client().get(f"/cases/{filled.pk}/work/").status_code == 404, name
    anonymous = world["anonymous"].client().get(f"/cases/{filled.pk}/work/")
    assert anonymous.status_code == 302


def test_adding_a_goal_a_task_and_a_note_through_the_forms(world, case):
    client = world["provider_b"].client()
    response = post(client, f"/cases/{case.pk}/goals/", {"domain": "safety", "text": GOAL})
    assert response.status_code == 302
    goal = PlanGoal.objects.get(case=case)
    due = (timezone.localdate() + timedelta(days=5)).isoformat()
    response = post(
        client,
        f"/cases/{case.pk}/tasks/",
        {
            "title": TASK,
            "due_on": due,
            "assignee": str(world["provider_b"].user.pk),
            "goal": str(goal.pk),
        },
    )
    assert response.status_code == 302
    task = CaseTask.objects.get(case=case)
    assert task.goal_id == goal.pk
    response = post(client, f"/cases/{case.pk}/notes/", {"body": NOTE})
    assert response.status_code == 302
    assert CaseNote.objects.filter(case=case).count() == 1
    response = post(client, f"/cases/{case.pk}/tasks/{task.pk}/done/")
    assert response.status_code == 302
    task.refresh_from_db()
    assert task.done_at is not None
    later = (timezone.localdate() + timedelta(days=9)).isoformat()
    response = post(
        client,
        f"/cases/{case.pk}/tasks/{task.pk}/",
        {"due_on": later, "assignee": str(world["provider_b"].user.pk)},
    )
    assert response.status_code == 302
    task.refresh_from_db()
    assert task.due_on.isoformat() == later
    page = client.get(response["Location"])
    assert "The task is updated." in page.content.decode()


def test_form_errors_come_back_as_422_naming_the_field(world, case):
    client = world["provider_b"].client()
    response = post(client, f"/cases/{case.pk}/goals/", {"domain": "happiness", "text": GOAL})
    assert response.status_code == 422
    assert b'data-for="domain"' in response.content
    past = (timezone.localdate() - timedelta(days=1)).isoformat()
    response = post(
        client,
        f"/cases/{case.pk}/tasks/",
        {"title": TASK, "due_on": past, "assignee": str(world["provider_b"].user.pk)},
    )
    assert response.status_code == 422
    assert b'data-for="due_on"' in response.content
    assert "The due date cannot be in the past." in response.content.decode()
    response = post(client, f"/cases/{case.pk}/notes/", {"body": "   "})
    assert response.status_code == 422
    assert b'data-for="body"' in response.content
    assert not (PlanGoal.objects.exists() or CaseTask.objects.exists() or CaseNote.objects.exists())


def test_a_shared_reach_that_may_add_notes_gets_the_form_and_writes(world, case):
    share(world, case, ["notes"], may_add_notes=True)
    client = world["provider_c"].client()
    _, html = _page(client, case)
    assert 'data-testid="note-form"' in html
    assert post(client, f"/cases/{case.pk}/notes/", {"body": "Seen at our office"}).status_code == (
        302
    )
    note = CaseNote.objects.get(case=case)
    assert note.organization_id == world.org_c.pk
    _, owner_html = _page(world["provider_b"].client(), case)
    assert "Seen at our office" in owner_html
    assert "Provider C" in owner_html


def test_notes_show_newest_first(world, case):
    actor = world["provider_b"].user
    reach = reach_of(actor, case)
    services.note_add(actor=actor, case=case, reach=reach, body="first note")
    second = services.note_add(actor=actor, case=case, reach=reach, body="second note")
    CaseNote.objects.filter(pk=second.pk).update(created=timezone.now() + timedelta(minutes=1))
    _, html = _page(world["provider_b"].client(), case)
    assert html.index("second note") < html.index("first note")


def test_section_context_keys_all_start_with_work(world, filled):
    request = RequestFactory().get("/")
    request.user = world["provider_b"].user
    context = views_work.section_context(request, filled, reach_of(request.user, filled))
    assert context and all(key.startswith("work") for key in context)
    assert context["work"].sees_plan and context["work_may_work"]


@pytest.fixture
def language_restored():
    """A request in Spanish leaves Spanish active in this thread (LocaleMiddleware): put
    back what was active, so later tests on this worker are not read in Spanish."""
    before = translation.get_language()
    yield
    translation.activate(before)


def test_the_section_and_the_dashboard_speak_spanish(world, filled, language_restored):
    response = (
        world["provider_b"].client().get(f"/cases/{filled.pk}/work/", HTTP_ACCEPT_LANGUAGE="es")
    )
    html = response.content.decode()
    assert "Plan, notas y documentos" in html
    assert "Guardar la nota" in html
    assert "Plan, notes and documents" not in html
    boss = supervisor(world)
    board = client_for(boss).get("/cases/supervision/", HTTP_ACCEPT_LANGUAGE="es")
    assert "Supervisión" in board.content.decode()
    assert "Tareas atrasadas" in board.content.decode()


def test_the_case_page_carries_the_section(world, filled):
    html = world["provider_b"].client().get(f"/cases/{filled.pk}/").content.decode()
    assert 'data-testid="work-section"' in html
    assert GOAL in html and NOTE in html
    assert 'data-testid="note-form"' in html


def test_after_a_change_the_case_page_says_so(world, case):
    client = world["provider_b"].client()
    response = post(client, f"/cases/{case.pk}/notes/", {"body": NOTE})
    assert response["Location"] == f"/cases/{case.pk}/#work"
    page = client.get(f"/cases/{case.pk}/").content.decode()
    assert "The note is saved." in page
    assert NOTE in page


def test_a_supervisor_finds_the_dashboard_in_the_bar(world):
    boss = supervisor(world)
    html = client_for(boss).get("/staff/").content.decode()
    assert 'href="/cases/supervision/" data-nav="supervision"' in html
    caseworker = world["provider_b"].client().get("/staff/").content.decode()
    assert 'data-nav="supervision"' not in caseworker
