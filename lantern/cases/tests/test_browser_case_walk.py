"""Real headless Chromium, the issue's walk end to end through the pages only:

an accepted referral -> the receiving caseworker opens a case from it -> records an intake
assessment -> shares only "who they are" with a second organization -> a caseworker there
sees exactly that group (not the contact, not the places, not the assessment) -> the
person withdraws their consent -> the second organization sees nothing (404), at once.

No console error, no failing request except the expected 404, no serious accessibility
violation on the pages walked.
"""

import os
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.cache import cache
from django.utils import timezone
from playwright.sync_api import expect

from lantern.cases.models import Assessment, Case, CaseAccess, CaseShare
from lantern.referrals.services import referral_transition
from lantern.referrals.tests.factories import SHARED, send
from lantern.testing import axe_violations, browser_log_in, build_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ALIAS = SHARED["name"]
CONTACT = SHARED["contact"]
SHOTS = os.environ.get("LANTERN_SCREENSHOTS")  # a folder: save what each person saw


def _shot(page, name: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / f"{name}.png"), full_page=True)


def _watch(page, errors: list[str], allowed: set[str]) -> None:
    def on_response(response) -> None:
        if response.status >= 400 and response.url.split("?")[0] not in allowed:
            errors.append(f"{response.status} {response.url}")

    page.on("response", on_response)


def test_referral_to_case_to_share_to_revocation(page, chromium, live_server):
    cache.clear()
    world = build_world()
    referral = send(world, shared=True)
    referral_transition(referral=referral, actor=world["provider_b"].user, status="accepted")
    errors: list[str] = []
    _watch(page, errors, allowed=set())

    # 1. The receiving caseworker opens a case from the accepted referral.
    browser_log_in(page, world["provider_b"].user, f"/desk/inbox/{referral.pk}/")
    page.get_by_role("link", name="Open a case").click()
    carried = page.get_by_test_id("carried")
    expect(carried).to_be_visible()
    assert axe_violations(page) == []
    _shot(page, "1-open-case-from-referral")
    page.get_by_role("button", name="Open the case").click()
    case = Case.objects.get(from_referral=referral)
    expect(page).to_have_url(f"{live_server.url}/cases/{case.pk}/")
    expect(page.locator("main")).to_contain_text(ALIAS)
    expect(page.locator("main")).to_contain_text(CONTACT)
    assert axe_violations(page) == []
    _shot(page, "2-case-page")

    # 2. An intake assessment from the case page.
    page.get_by_text("Record an assessment").click()
    form = page.get_by_test_id("assessment-form")
    form.get_by_label("Date of the assessment").fill(timezone.localdate().isoformat())
    housing = form.locator("fieldset").filter(has=page.get_by_text("Housing", exact=True))
    housing.get_by_label("2: ", exact=False).check()
    form.get_by_role("button", name="Record the assessment").click()
    expect(page.locator("main")).to_contain_text("Outcome assessments")
    assessment = Assessment.objects.get(case=case)
    assert assessment.scores == {"housing": 2}

    # 3. Share only "who they are" with Provider C, under the person's consent.
    page.goto(f"/cases/{case.pk}/")
    sharing = page.locator("form").filter(has=page.get_by_role("button", name="Share", exact=True))
    sharing.get_by_label("Organization").select_option(label="Provider C")
    sharing.get_by_label("Who they are", exact=False).check()
    sharing.get_by_label("Why it is shared").fill("continuing support")
    sharing.get_by_label("Spoken, and recorded", exact=False).check()
    ends = (timezone.localdate() + timedelta(days=30)).isoformat()
    sharing.get_by_label("The agreement ends on").fill(ends)
    sharing.get_by_label("I confirm the person understood", exact=False).check()
    _shot(page, "3-share-form")
    sharing.get_by_role("button", name="Share", exact=True).click()
    share = CaseShare.objects.get(case=case)
    assert share.consent.categories == ["identity"]
    assert share.consent.catalogue == "case"

    # 4. A caseworker of Provider C sees exactly the granted group.
    other = chromium.new_context(base_url=live_server.url, locale="en-US")
    recipient = other.new_page()
    recipient.set_default_timeout(10_000)
    case_path = f"/cases/{case.pk}/"
    _watch(recipient, errors, allowed={f"{live_server.url}{case_path}"})
    try:
        browser_log_in(recipient, world["provider_c"].user, "/cases/")
        recipient.get_by_role("link", name=case.number).first.click()
        main = recipient.locator("main")
        expect(main).to_contain_text(ALIAS)
        text = main.inner_text()
        assert CONTACT not in text
        assert "Cook County" not in text and "17031" not in text
        assert "Outcome assessments" not in text
        assert axe_violations(recipient) == []
        _shot(recipient, "4-recipient-sees-identity-only")
        assert CaseAccess.objects.filter(
            case=case, actor=world["provider_c"].user, kind="shared_read"
        ).exists()

        # 5. The consent is withdrawn from the sharing side.
        page.goto(case_path)
        page.get_by_role("button", name="Withdraw").first.click()
        share.consent.refresh_from_db()
        assert share.consent.revoked_at is not None

        # 6. The recipient's very next request is a 404, and the list no longer has it.
        response = recipient.goto(case_path)
        assert response.status == 404
        _shot(recipient, "5-recipient-after-withdrawal")
        recipient.goto("/cases/")
        expect(recipient.locator("main")).not_to_contain_text(case.number)
    finally:
        other.close()
    assert errors == []
