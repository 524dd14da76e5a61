"""Real headless Chromium: an advocate tries to hold the last bed on a figure updated two
days ago, is warned with the figure and the service's phone, confirms, and the provider's
inbox says the hold was placed on an old figure. No console error, no failing request, no
serious accessibility violation."""

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone
from playwright.sync_api import expect

from lantern.directory.models import Phone, ServiceCapacity
from lantern.referrals.models import Hold, Referral
from lantern.testing import axe_violations, browser_log_in, build_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _watch(page, errors: list[str]) -> None:
    page.on(
        "response",
        lambda response: (
            errors.append(f"{response.status} {response.url}") if response.status >= 400 else None
        ),
    )


def test_advocate_is_warned_confirms_and_the_provider_sees_the_old_figure(
    page, chromium, live_server
):
    cache.clear()
    world = build_world()
    service_id = world.b_public.service_id
    ServiceCapacity.objects.filter(service_id=service_id).update(
        available=1, updated=timezone.now() - timedelta(days=2)
    )
    Phone.objects.create(service_id=service_id, number="555-0117")
    refer_path = f"/desk/refer/{service_id}/"
    errors: list[str] = []
    _watch(page, errors)

    browser_log_in(page, world["advocate_a"].user, refer_path)
    expect(page.get_by_role("heading", name="Hold and refer")).to_be_visible()
    hold = page.get_by_label("Hold one place for 90 minutes")
    hold.check()
    page.get_by_role("button", name="Send referral").click()

    warning = page.get_by_test_id("old-figure")
    expect(warning).to_contain_text(
        "1 bed open, updated 2 days ago. Call first, or confirm the hold anyway."
    )
    expect(warning.get_by_role("link", name="555-0117")).to_have_attribute("href", "tel:555-0117")
    assert Referral.objects.count() == 0
    assert axe_violations(page) == []

    # Sending again without ticking the confirmation only asks again.
    page.get_by_role("button", name="Send referral").click()
    expect(page.get_by_test_id("old-figure")).to_be_visible()
    assert Referral.objects.count() == 0

    page.get_by_label("Confirm the hold anyway").check()
    page.get_by_role("button", name="Send referral").click()
    referral = Referral.objects.get()
    expect(page.get_by_test_id("message")).to_contain_text(
        f"Referral {referral.code} is sent. Until "
    )
    assert Hold.objects.get().figure_band == "stale"

    context = chromium.new_context(base_url=live_server.url, locale="en-US")
    provider = context.new_page()
    provider.set_default_timeout(10_000)
    _watch(provider, errors)
    try:
        browser_log_in(provider, world["provider_b"].user, "/desk/inbox/")
        row = provider.locator(f'[data-code="{referral.code}"]')
        expect(row.get_by_test_id("hold-figure")).to_have_text(
            "Hold placed on a figure updated 2 days ago"
        )
        assert axe_violations(provider) == []
        provider.get_by_role("link", name=referral.code).click()
        expect(provider.get_by_test_id("summary").get_by_test_id("hold-figure")).to_have_text(
            "Hold placed on a figure updated 2 days ago"
        )
    finally:
        context.close()
    assert errors == [], "\n".join(errors)
