"""`/api/v1/cases/{id}/notes` and `/api/v1/cases/{id}/tasks`: reach, paging, errors."""

import json
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from lantern.audit.models import AuditEvent
from lantern.cases import work_services as services
from lantern.cases.keys import cipher_for
from lantern.cases.models import CaseAccess, CaseNote, CaseTask
from lantern.cases.tests.factories import open_case
from lantern.cases.tests.work_support import reach_of, share

pytestmark = pytest.mark.django_db

NOTE = "Court date moved; she asked us not to call 555-0142 on weekends"


@pytest.fixture
def case(world):
    return open_case(world)


def _get(world, persona: str, url: str):
    return Client().get(url, **world[persona].api_headers())


def _post(world, persona: str, url: str, body: dict):
    return Client().post(
        url, data=json.dumps(body), content_type="application/json", **world[persona].api_headers()
    )


def _notes(case) -> str:
    return f"/api/v1/cases/{case.pk}/notes"


def test_post_then_list_notes_newest_first(world, case):
    first = _post(world, "provider_b", _notes(case), {"body": "first"})
    assert first.status_code == 201
    second = _post(world, "provider_b", _notes(case), {"body": NOTE})
    assert second.status_code == 201
    body = second.json()
    assert body["body"] == NOTE
    assert body["organization_id"] == str(world.org_b.pk)
    assert body["author_id"] == str(world["provider_b"].user.pk)
    stored = CaseNote.objects.values_list("body_sealed", flat=True).get(pk=body["id"])
    assert "555-0142" not in stored and cipher_for(case).open(stored) == NOTE
    CaseNote.objects.filter(pk=body["id"]).update(created=timezone.now() + timedelta(seconds=5))
    listed = _get(world, "provider_b", _notes(case))
    assert listed.status_code == 200
    assert listed.json()["total"] == 2
    assert [n["body"] for n in listed.json()["results"]] == [NOTE, "first"]
    page = _get(world, "provider_b", _notes(case) + "?limit=1&offset=1").json()
    assert page["total"] == 2 and [n["body"] for n in page["results"]] == ["first"]
    event = AuditEvent.objects.filter(action="case.notes.read").latest("id")
    assert event.detail["groups"] == ["notes"]
    assert "555-0142" not in str(event.detail)


def test_an_empty_or_unknown_body_is_422_naming_the_field(world, case):
    for body, field in (({"body": ""}, "body"), ({"body": "x", "color": "red"}, "color")):
        response = _post(world, "provider_b", _notes(case), body)
        assert response.status_code == 422
        assert response.json()["detail"][0]["loc"][-1] == field
    blank = _post(world, "provider_b", _notes(case), {"body": "   "})
    assert blank.status_code == 422
    assert blank.json()["detail"][0]["loc"] == ["body", "body"]
    assert not CaseNote.objects.exists()


def test_bad_paging_is_422(world, case):
    response = _get(world, "provider_b", _notes(case) + "?limit=0")
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"][-1] == "limit"


def test_nobody_else_reads_or_writes(world, case):
    for persona in ("advocate_a", "provider_c", "coalition_admin", "analyst"):
        assert _get(world, persona, _notes(case)).status_code == 404, persona
        assert _post(world, persona, _notes(case), {"body": "x"}).status_code == 404, persona
        assert _get(world, persona, f"/api/v1/cases/{case.pk}/tasks").status_code == 404
    assert _get(world, "anonymous", _notes(case)).status_code == 401
    missing = "/api/v1/cases/00000000-0000-4000-8000-000000000000/notes"
    assert _get(world, "provider_b", missing).status_code == 404
    assert not CaseNote.objects.exists()


def test_a_shared_reach_reads_notes_only_when_granted(world, case):
    _post(world, "provider_b", _notes(case), {"body": NOTE})
    share(world, case, ["identity"])
    assert _get(world, "provider_c", _notes(case)).status_code == 404
    share(world, case, ["notes"])
    listed = _get(world, "provider_c", _notes(case))
    assert listed.status_code == 200
    assert listed.json()["results"][0]["body"] == NOTE
    logged = CaseAccess.objects.filter(case=case, kind="shared_read").latest("id")
    assert logged.groups == ["notes"] and logged.organization_id == world.org_c.pk
    # Reading is granted, writing is not: 409.
    refused = _post(world, "provider_c", _notes(case), {"body": "ours"})
    assert refused.status_code == 409
    assert refused.json()["detail"][0]["loc"] == ["path", "case_id"]


def test_a_share_that_allows_notes_takes_a_note(world, case):
    share(world, case, ["notes"], may_add_notes=True)
    response = _post(world, "provider_c", _notes(case), {"body": "Seen at our office"})
    assert response.status_code == 201
    assert response.json()["organization_id"] == str(world.org_c.pk)


def test_tasks_by_due_date_with_overdue_flag(world, case):
    actor = world["provider_b"].user
    reach = reach_of(actor, case)
    later = services.task_add(
        actor=actor,
        case=case,
        reach=reach,
        title="File the T visa form",
        due_on=timezone.localdate() + timedelta(days=4),
    )
    late = services.task_add(
        actor=actor, case=case, reach=reach, title="Call the clinic", due_on=timezone.localdate()
    )
    CaseTask.objects.filter(pk=late.pk).update(due_on=timezone.localdate() - timedelta(days=1))
    response = _get(world, "provider_b", f"/api/v1/cases/{case.pk}/tasks")
    assert response.status_code == 200
    body = response.json()
    assert body["total"] == 2
    assert [t["id"] for t in body["results"]] == [late.pk, later.pk]
    assert body["results"][0]["overdue"] is True and body["results"][1]["overdue"] is False
    assert body["results"][1]["title"] == "File the T visa form"
    assert body["results"][1]["assignee_id"] == str(actor.pk)


def test_tasks_for_a_shared_reach_need_the_plan(world, case):
    share(world, case, ["notes"])
    assert _get(world, "provider_c", f"/api/v1/cases/{case.pk}/tasks").status_code == 404
    share(world, case, ["plan"])
    assert _get(world, "provider_c", f"/api/v1/cases/{case.pk}/tasks").status_code == 200
