"""Real headless Chromium: an advocate holds a place and refers with a consented first name;
the provider opens the referral, sees the name and accepts; the advocate sees it accepted.
No request leaves the server, no console error (a CSP violation is one), no serious
accessibility violation on the pages on the way."""

import pytest
from django.core.cache import cache
from playwright.sync_api import expect

from lantern.referrals.models import Referral
from lantern.testing import axe_violations, browser_log_in, build_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _watch_console(page, errors: list[str]) -> None:
    page.on(
        "console",
        lambda msg: errors.append(f"{msg.text} {msg.location}") if msg.type == "error" else None,
    )
    page.on(
        "response",
        lambda response: (
            errors.append(f"{response.status} {response.url}") if response.status >= 400 else None
        ),
    )


def test_hold_refer_accept_round_trip(page, chromium, live_server):
    cache.clear()
    world = build_world()
    errors: list[str] = []
    _watch_console(page, errors)

    # The advocate searches, then holds a place at Shelter B's public service.
    browser_log_in(page, world["advocate_a"].user, "/advocate/search/")
    expect(page.get_by_role("heading", name="Search for a place")).to_be_visible()
    page.goto("/advocate/search/?age=31&languages=es&help_types=emergency-shelter")
    row = page.locator(f'[data-id="{world.b_public.service_id}"]')
    row.get_by_test_id("hold-and-refer").click()
    expect(page.get_by_role("heading", name="Hold and refer")).to_be_visible()
    expect(page.get_by_label("Age", exact=True)).to_have_value("31")
    expect(page.get_by_role("checkbox", name="Spanish", exact=True)).to_be_checked()
    expect(page.get_by_label("Hold one place for 90 minutes")).to_be_checked()
    assert axe_violations(page) == []

    page.get_by_label("Some details, chosen below").check()
    page.get_by_label("First name or a name they choose").fill("Rosa")
    page.get_by_label("Spoken, and recorded by the advocate").check()
    page.get_by_label("I confirm the person understood and agreed").check()
    assert axe_violations(page) == []
    page.get_by_role("button", name="Send referral").click()

    referral = Referral.objects.get()
    expect(page.get_by_test_id("message")).to_contain_text(
        f"Referral {referral.code} is sent. Until "
    )
    page.goto("/desk/outbox/")
    sent = page.locator(f'[data-code="{referral.code}"]')
    expect(sent.get_by_test_id("hold")).to_contain_text("Place held until")
    expect(sent.get_by_test_id("status")).to_have_text("Sent")
    assert axe_violations(page) == []

    # The provider, in a browser of their own, opens the inbox and accepts.
    context = chromium.new_context(base_url=live_server.url, locale="en-US")
    provider = context.new_page()
    provider.set_default_timeout(10_000)
    _watch_console(provider, errors)
    try:
        browser_log_in(provider, world["provider_b"].user, "/desk/inbox/")
        expect(provider.get_by_role("heading", name="Referrals received")).to_be_visible()
        assert "Rosa" not in provider.content()
        assert axe_violations(provider) == []
        provider.get_by_role("link", name=referral.code).click()
        expect(provider.get_by_test_id("shared")).to_contain_text("Rosa")
        assert axe_violations(provider) == []
        provider.get_by_role("button", name="Accept").click()
        expect(provider.get_by_test_id("message")).to_contain_text("is now: Accepted")
        expect(provider.get_by_test_id("summary").get_by_test_id("status")).to_have_text("Accepted")
    finally:
        context.close()

    # Back with the advocate: the outbox shows it accepted (a reload, or the 15 s poll).
    page.goto("/desk/outbox/")
    expect(page.locator(f'[data-code="{referral.code}"]').get_by_test_id("status")).to_have_text(
        "Accepted"
    )
    assert errors == [], "\n".join(errors)
