"""Real headless Chromium: each role signs in, lands on its home page and reaches its main
task through the bar and the cards alone (no typed URL after the sign-in page)."""

import pytest
from django.core.cache import cache
from playwright.sync_api import expect

from lantern.testing import (
    PASSWORD,
    axe_violations,
    browser_log_in,
    build_world,
    totp_code,
    totp_device,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# persona -> (bar entry to follow, the heading of the task page it leads to)
TASKS = {
    "advocate_a": ("Search for a place", "Search for a place"),
    "provider_b": ("Referrals received", "Referrals received"),
    "coalition_admin": ("People", "People"),
    "analyst": ("Metrics", "Referral figures"),
}


@pytest.mark.parametrize("persona", sorted(TASKS))
def test_a_role_reaches_its_work_through_the_navigation(page, live_server, persona):
    cache.clear()
    world = build_world()
    browser_log_in(page, world[persona].user, "/staff/")  # where a plain sign-in lands too
    expect(page.get_by_role("heading", name="Lantern for staff", exact=True)).to_be_visible()
    assert axe_violations(page) == []
    entry, heading = TASKS[persona]
    bar = page.get_by_role("navigation", name="Main")
    bar.get_by_role("link", name=entry, exact=True).click()
    expect(page.get_by_role("heading", name=heading, exact=True).first).to_be_visible()
    expect(bar.get_by_role("link", name=entry, exact=True)).to_have_attribute(
        "aria-current", "page"
    )
    # Back home through the bar, and the same task through the home page's card.
    bar.get_by_role("link", name="Home", exact=True).click()
    page.locator("[data-card]").get_by_role("link", name=entry, exact=True).click()
    expect(page.get_by_role("heading", name=heading, exact=True).first).to_be_visible()


def test_a_plain_sign_in_lands_on_the_staff_home(page, live_server):
    cache.clear()
    world = build_world()
    user = world["provider_b"].user
    device = totp_device(user)
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.get_by_label("6-digit code").fill(totp_code(device))
    page.get_by_role("button", name="Continue").click()
    expect(page).to_have_url(f"{live_server.url}/staff/")
    expect(page.locator('[data-card="inbox"]')).to_be_visible()
