"""Real headless Chromium, JavaScript off: a caseworker builds the plan on the case page
(a goal, a task, a note, a photo), downloads the photo without its GPS position and puts
the plan forward; a supervisor finds it through the bar's Supervision page and approves it.
No serious accessibility violation on the pages of the work."""

from datetime import timedelta
from pathlib import Path

import pytest
from django.core.cache import cache
from django.utils import timezone
from playwright.sync_api import expect

from lantern.cases import approvals
from lantern.cases import work_services as services
from lantern.cases.models import Approval, CaseDocument
from lantern.cases.tests.factories import open_case, supervisor
from lantern.cases.tests.work_support import has_gps, jpeg_with_gps, reach_of
from lantern.testing import axe_violations, browser_log_in, build_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _documents_dir(settings, tmp_path):
    settings.LANTERN_CASE_DOCUMENT_DIR = tmp_path / "documents"


def test_plan_note_photo_and_approval_without_javascript(browse, tmp_path):
    cache.clear()
    world = build_world()
    case = open_case(world)
    boss = supervisor(world)
    due = (timezone.localdate() + timedelta(days=3)).isoformat()
    with browse(java_script_enabled=False, accept_downloads=True) as page:
        browser_log_in(page, world["provider_b"].user, f"/cases/{case.pk}/")
        section = page.get_by_test_id("work-section")
        section.get_by_text("Add a goal").click()
        page.locator("#work-domain").select_option("housing")
        page.locator("#work-text").fill("A safe place near the clinic")
        page.get_by_role("button", name="Add the goal").click()
        expect(page.get_by_test_id("message")).to_contain_text("The goal is added to the plan.")
        expect(page.get_by_test_id("goal")).to_contain_text("A safe place near the clinic")

        page.get_by_test_id("work-section").get_by_text("Add a task").click()
        page.locator("#work-title").fill("Call the housing office")
        page.locator("#work-due_on").fill(due)
        page.locator("#work-goal").select_option(label="Housing: A safe place near the clinic")
        page.get_by_role("button", name="Add the task").click()
        expect(page.get_by_test_id("message")).to_contain_text("The task is added.")
        expect(page.get_by_test_id("goal").get_by_test_id("task")).to_contain_text(
            "Call the housing office"
        )

        page.get_by_label("Note", exact=True).fill("Prefers calls after 6pm")
        page.get_by_role("button", name="Save the note").click()
        expect(page.get_by_test_id("note")).to_contain_text("Prefers calls after 6pm")

        page.get_by_label("Kind of document").select_option("identity")
        page.get_by_label("File (PDF, JPEG, PNG or WebP)").set_input_files(
            {"name": "passport.jpg", "mimeType": "image/jpeg", "buffer": jpeg_with_gps()}
        )
        page.get_by_role("button", name="Store the document").click()
        expect(page.get_by_test_id("message")).to_contain_text("The document is stored.")
        with page.expect_download() as caught:
            page.get_by_role("link", name="passport.jpg").click()
        saved = Path(tmp_path / "downloaded.jpg")
        caught.value.save_as(saved)
        assert CaseDocument.objects.count() == 1
        assert not has_gps(saved.read_bytes())

        page.get_by_role("button", name="Put the plan forward for approval").click()
        expect(page.get_by_test_id("message")).to_contain_text("Sent to the supervisors")

    with browse(java_script_enabled=False) as page:
        browser_log_in(page, boss, "/staff/")
        page.get_by_role("navigation", name="Main").get_by_role(
            "link", name="Supervision", exact=True
        ).click()
        expect(page.get_by_test_id("count-pending")).to_contain_text("1 approval waiting")
        page.get_by_test_id("pending-row").get_by_role("link", name=case.number).click()
        decide = page.get_by_test_id("approval-decide")
        decide.get_by_label("Approve").check()
        decide.get_by_role("button", name="Record the decision").click()
        expect(page.get_by_test_id("message")).to_contain_text("Your decision is recorded.")
        expect(page.get_by_test_id("approval-decided")).to_contain_text("Approved")
    assert Approval.objects.get().state == "approved"


def test_the_work_pages_have_no_serious_accessibility_violation(page):
    """axe runs in the page, so JavaScript is on here; the work section filled in."""
    cache.clear()
    world = build_world()
    case = open_case(world)
    boss = supervisor(world)
    actor = world["provider_b"].user
    reach = reach_of(actor, case)
    goal = services.goal_add(actor=actor, case=case, reach=reach, domain="safety", text="A goal")
    services.task_add(
        actor=actor, case=case, reach=reach, title="A task", due_on=timezone.localdate(), goal=goal
    )
    services.note_add(actor=actor, case=case, reach=reach, body="A note")
    services.document_add(
        actor=actor,
        case=case,
        reach=reach,
        data=jpeg_with_gps(),
        filename="photo.jpg",
        document_type="identity",
    )
    approvals.approval_request(actor=actor, case=case, reach=reach, kind="plan")
    browser_log_in(page, boss, f"/cases/{case.pk}/")
    for path in (f"/cases/{case.pk}/", f"/cases/{case.pk}/work/", "/cases/supervision/"):
        page.goto(path)
        assert axe_violations(page) == [], path
