"""Real headless Chromium: the 404 page's quick exit works (its script runs under the CSP)."""

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

EXIT_PATH = "/static/lantern/lantern.css"  # stands in for the neutral outside site
GUESS = "/a-guessed/address/"


def test_quick_exit_works_on_the_404_page(chromium, live_server, settings):
    settings.LANTERN_QUICK_EXIT_URL = live_server.url + EXIT_PATH
    context = chromium.new_context(base_url=live_server.url, locale="en-US")
    errors: list[str] = []

    def on_console(message) -> None:
        # The browser reports the page's own 404 status; anything else (a CSP violation, a
        # script error, a missing icon) is a failure.
        url = message.location.get("url", "")
        if message.type == "error" and not url.endswith(GUESS):
            errors.append(message.text)

    try:
        page = context.new_page()
        page.set_default_timeout(10_000)
        page.on("console", on_console)
        response = page.goto(GUESS)
        assert response is not None and response.status == 404
        page.get_by_role("heading", name="Page not found").wait_for()
        page.keyboard.press("Escape")
        page.wait_for_url(f"**{EXIT_PATH}")
    finally:
        context.close()
    assert errors == []
