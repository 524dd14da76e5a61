"""Real headless Chromium: a survivor asks an advocate for help with one place, with and
without JavaScript, and the advocate sees the request with the number to text."""

import pytest

from lantern.findhelp.models import HelpRequest
from lantern.testing import axe_violations, browser_log_in, build_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NUMBER = "555-0142"


@pytest.fixture
def world():
    world = build_world()
    world.org_a.takes_help_requests = True
    world.org_a.save(update_fields=["takes_help_requests"])
    return world


@pytest.mark.parametrize("javascript", [True, False], ids=["htmx", "no-js"])
def test_a_survivor_asks_an_advocate_and_the_advocate_sees_the_number(browse, world, javascript):
    with browse(java_script_enabled=javascript) as page:
        page.goto("/")
        entries = page.evaluate("history.length") if javascript else 0
        page.get_by_label("ZIP code").fill("60601")
        page.get_by_role("button", name="Show help near me").click()
        page.get_by_role("heading", name="What help do you need?").wait_for()
        page.get_by_label("A safe place to stay tonight").check()
        page.get_by_role("button", name="Next").click()
        page.get_by_role("heading", name="A few more questions").wait_for()
        card = page.locator("[data-testid=result]").first
        place = card.locator("h3").inner_text()
        card.get_by_role("button", name="Ask an advocate to help me with this one").click()

        page.get_by_role("heading", name="Ask an advocate to help you").wait_for()
        assert page.get_by_text(f"You asked about: {place}").is_visible()
        if javascript:
            assert axe_violations(page) == []
        # Sending without the consent asks for it, and keeps what was typed.
        page.get_by_label("Send me a text").check()
        page.get_by_label("Phone number, for a text or a call").fill(NUMBER)
        page.get_by_role("button", name="Send my request").click()
        page.get_by_text(
            "Tick this box so the advocate team can see how to reach you."
        ).first.wait_for()
        assert page.get_by_label("Phone number, for a text or a call").input_value() == NUMBER
        page.get_by_label("When is a safe time?").fill("after 6pm")
        page.get_by_label("I agree that the advocate team can see this to help me.").check()
        page.get_by_role("button", name="Send my request").click()

        page.get_by_role("heading", name="Your request is sent").wait_for()
        code = page.get_by_test_id("request-code").inner_text()
        assert code == HelpRequest.objects.get().code
        assert page.get_by_text("555-0100").first.is_visible()
        # Nothing personal ever went into the address bar; with HTMX, not even a new entry.
        assert "?" not in page.url and NUMBER not in page.url
        if javascript:
            assert page.evaluate("history.length") == entries
            assert axe_violations(page) == []

    with browse() as page:
        browser_log_in(page, world["advocate_a"].user, "/desk/requests/")
        page.get_by_role("heading", name="Requests for help").wait_for()
        page.get_by_role("link", name=code).click()
        page.get_by_test_id("contact").filter(has_text=NUMBER).wait_for()
        assert page.get_by_text("Safe time: after 6pm").is_visible()
        assert page.get_by_text("Emergency shelter").is_visible()
        page.get_by_role("button", name="Claim").click()
        page.get_by_test_id("status").filter(has_text="Claimed").wait_for()
        assert page.get_by_role("link", name="Make a referral").get_attribute("href") == (
            f"/desk/requests/{HelpRequest.objects.get().pk}/refer/"
        )
