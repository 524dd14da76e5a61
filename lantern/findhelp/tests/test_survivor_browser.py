"""Real headless Chromium: the find-help flow, quick exit, no JavaScript, accessibility and
the page budget. Every context fails the test on a request that leaves the live server."""

import re

import pytest
from django.core.cache import cache

from lantern.testing import axe_violations, build_world, make_listing

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

EXIT_PATH = "/static/lantern/lantern.css"  # stands in for the neutral outside site
BEFORE_PATH = "/static/findhelp/help.css"  # stands in for the site visited before


@pytest.fixture
def world():
    cache.clear()
    world = build_world()
    make_listing(
        org=world.hsds_c,
        types=("legal",),
        languages=("es", "en"),
        latitude=41.87,
        longitude=-87.62,
        postcode="60605",
        name="Fictional Legal Clinic",
    )
    return world


@pytest.fixture
def exit_url(settings, live_server) -> str:
    settings.LANTERN_QUICK_EXIT_URL = live_server.url + EXIT_PATH
    return settings.LANTERN_QUICK_EXIT_URL


def result_names(page) -> list[str]:
    return page.locator("[data-testid=result] h3").all_inner_texts()


def test_flow_in_english_sharpens_results_in_one_history_entry(browse, world, exit_url):
    with browse() as page:
        page.goto("/")
        entries = page.evaluate("history.length")
        page.get_by_label("ZIP code").fill("60601")
        page.get_by_role("button", name="Show help near me").click()
        page.get_by_role("heading", name="What help do you need?").wait_for()
        assert len(result_names(page)) == 4
        assert page.get_by_text("Looking near: 60601 (Chicago, IL)").is_visible()
        assert page.evaluate("document.activeElement.tagName") == "H1"

        # Results change as soon as an answer changes (HTMX), before "Next".
        page.get_by_label("Help from a lawyer").check()
        page.locator("[data-testid=result]").first.filter(has_text="Legal Clinic").wait_for()
        assert result_names(page) == ["Fictional Legal Clinic"]
        assert page.get_by_text("Offers legal help").is_visible()

        page.get_by_role("button", name="Next").click()
        page.get_by_role("heading", name="A few more questions").wait_for()
        assert result_names(page) == ["Fictional Legal Clinic"]
        page.get_by_role("button", name="Change the help you need").click()
        page.get_by_label("Help from a lawyer").uncheck()
        page.get_by_label("A safe place to stay tonight").check()
        page.get_by_role("button", name="Next").click()
        page.get_by_role("heading", name="A few more questions").wait_for()
        assert len(result_names(page)) == 3
        page.get_by_label("Spanish", exact=True).check()
        page.locator("[data-results-status]").filter(has_text="We found 3 places.").wait_for()
        page.get_by_label("Up to 10 km (6 miles)").check()
        page.get_by_label("How old are you?").fill("200")
        page.get_by_role("button", name="Update my results").click()
        page.get_by_role("link", name="How old are you?: Enter an age from 0 to 120.").wait_for()
        page.get_by_label("How old are you?").fill("30")
        page.get_by_role("button", name="Update my results").click()
        page.locator("[data-testid=result]").first.wait_for()
        assert len(result_names(page)) == 3
        # The whole flow is still the one history entry it started as.
        assert page.evaluate("history.length") == entries


def test_flow_in_spanish_and_the_language_switch(browse, world, exit_url):
    with browse(locale="es-ES") as page:
        page.goto("/")
        assert page.locator("html").get_attribute("lang") == "es"
        page.get_by_text("¿Dónde está?").wait_for()
        page.get_by_label("Código postal").fill("60601")
        page.get_by_role("button", name="Mostrar ayuda cerca de mí").click()
        page.get_by_role("heading", name="¿Qué ayuda necesita?").wait_for()
        assert page.get_by_text("3 camas libres, actualizado hace 5 minutos").count() >= 1
        page.get_by_label("Ayuda de un abogado").check()
        page.get_by_role("button", name="Siguiente").click()
        page.get_by_role("heading", name="Unas preguntas más").wait_for()
        assert page.get_by_text("Ofrece ayuda legal").is_visible()
        assert page.get_by_role("link", name="Salir de este sitio").is_visible()

        # Switching to English keeps the step and the answers.
        page.get_by_role("button", name="English").click()
        page.get_by_role("heading", name="A few more questions").wait_for()
        # help.js sets <html lang> when HTMX settles, a moment after the heading is there.
        page.wait_for_function("document.documentElement.lang === 'en'")
        assert result_names(page) == ["Fictional Legal Clinic"]
        assert page.get_by_role("link", name="Leave this site").is_visible()


@pytest.mark.parametrize("javascript", [True, False], ids=["htmx", "no-js"])
def test_far_from_here_keeps_only_far_places(browse, world, exit_url, javascript):
    make_listing(org=world.hsds_c, latitude=39.77, longitude=-86.16, name="Fictional Far Shelter")
    with browse(java_script_enabled=javascript) as page:
        page.goto("/")
        page.get_by_label("ZIP code").fill("60601")
        page.get_by_role("button", name="Show help near me").click()
        page.get_by_role("heading", name="What help do you need?").wait_for()
        assert len(result_names(page)) == 5
        page.get_by_role("button", name="Next").click()
        page.get_by_role("heading", name="A few more questions").wait_for()
        question = page.get_by_role("group", name="Do you want help far from where you are now?")
        assert question.get_by_label("Prefer not to say").is_checked()
        question.get_by_label("Yes, at least 150 km (90 miles) away").check()
        if javascript:  # HTMX refreshes the results as soon as the answer changes
            page.locator("[data-results-status]").filter(has_text="We found 1 place.").wait_for()
        else:
            page.get_by_role("button", name="Update my results").click()
            page.get_by_role("heading", name="A few more questions").wait_for()
        assert result_names(page) == ["Fictional Far Shelter"]
        assert page.get_by_text("more than the 150 km you asked for").is_visible()
        assert page.url.endswith("/") and "?" not in page.url
        # Going back to skip the place: the question is no longer asked and leaves out nothing.
        page.get_by_role("button", name="Change where you are").click()
        page.get_by_role("button", name="Skip this").click()
        page.get_by_role("heading", name="What help do you need?").wait_for()
        page.get_by_role("button", name="Next").click()
        page.get_by_role("heading", name="A few more questions").wait_for()
        assert page.get_by_text("First tell us where you are.").is_visible()
        assert len(result_names(page)) == 5


def test_skip_everything_still_shows_every_place(browse, world, exit_url):
    with browse() as page:
        page.goto("/")
        page.get_by_role("button", name="Skip this").click()
        page.get_by_role("heading", name="What help do you need?").wait_for()
        assert len(result_names(page)) == 4
        page.get_by_role("button", name="Skip this").click()
        page.get_by_role("heading", name="A few more questions").wait_for()
        page.get_by_role("button", name="Update my results").click()
        page.get_by_role("heading", name="A few more questions").wait_for()
        assert len(result_names(page)) == 4
        assert page.get_by_text("Looking everywhere (no place given).").is_visible()


def test_use_my_location_only_when_asked(browse, world, exit_url):
    spot = {"latitude": 41.8801, "longitude": -87.6302}
    with browse(geolocation=spot, permissions=["geolocation"]) as page:
        page.goto("/")
        page.get_by_role("button", name="Use my location").click()
        page.get_by_role("heading", name="What help do you need?").wait_for()
        assert page.get_by_text("Looking near: Your location").is_visible()
        assert page.get_by_text("Less than 1 km away").count() >= 1
        # Only a rounded point (about 1 km) travels with the form.
        assert page.locator("input[name=latitude]").get_attribute("value") == "41.88"


def test_confidential_place_shows_area_and_help_line_only(browse, world, exit_url):
    address = world.b_confidential.location.addresses.get()
    with browse() as page:
        page.goto("/")
        page.get_by_label("ZIP code").fill("60601")
        page.get_by_role("button", name="Show help near me").click()
        page.get_by_role("heading", name="What help do you need?").wait_for()
        private = page.locator("[data-testid=result]").filter(
            has=page.locator("[data-testid=private]")
        )
        assert private.count() == 1
        text = private.inner_text()
        assert "Area: Chicago, IL" in text and "call our help line at 555-0100" in text
        assert re.search(r"About \d+ km away\. The address is kept private\.", text)
        html = page.content()
        for leak in (address.address_1, address.postal_code, "41.9123", "-87.6543"):
            assert leak not in html


@pytest.mark.parametrize("how", ["button", "escape", "shift"])
def test_quick_exit_replaces_the_page(browse, world, exit_url, how):
    with browse() as page:
        page.goto(BEFORE_PATH)  # something before Lantern in this tab's history
        page.goto("/")
        page.get_by_label("ZIP code").fill("60601")
        page.get_by_role("button", name="Show help near me").click()
        page.get_by_role("heading", name="What help do you need?").wait_for()
        if how == "button":
            page.get_by_role("link", name="Leave this site").click()
        elif how == "escape":
            page.keyboard.press("Escape")
        else:
            for _ in range(3):
                page.keyboard.press("Shift")
        page.wait_for_url(exit_url)
        # Back skips the page that was left: it was replaced, not left behind.
        page.go_back()
        assert page.url.endswith(BEFORE_PATH)
        assert "Leave this site" not in page.content()


def test_shift_for_capital_letters_does_not_exit(browse, world, exit_url):
    with browse() as page:
        page.goto("/")
        city = page.get_by_label("Or a city")
        city.click()
        page.keyboard.press("Shift")
        page.keyboard.press("Shift+C")
        page.keyboard.type("hicago")
        page.keyboard.press("Shift")
        page.wait_for_timeout(300)
        assert page.get_by_role("heading", name="Find a safe place and help, open now").is_visible()
        assert city.input_value() == "Chicago"


def test_without_javascript_the_flow_is_plain_forms(browse, world, exit_url):
    with browse(java_script_enabled=False) as page:
        page.goto("/")
        assert page.get_by_role("button", name="Use my location").is_hidden()
        page.get_by_label("ZIP code").fill("60601")
        page.get_by_role("button", name="Show help near me").click()
        page.get_by_role("heading", name="What help do you need?").wait_for()
        assert len(result_names(page)) == 4
        page.get_by_label("Help from a lawyer").check()
        page.get_by_role("button", name="Next").click()
        page.get_by_role("heading", name="A few more questions").wait_for()
        assert result_names(page) == ["Fictional Legal Clinic"]
        # The answers are in the form, never in the address bar.
        assert page.url.endswith("/") and "?" not in page.url
        page.get_by_role("button", name="Español").click()
        page.get_by_role("heading", name="Unas preguntas más").wait_for()
        assert result_names(page) == ["Fictional Legal Clinic"]
        page.get_by_text("Cómo estar seguro en internet").click()  # <details> opens
        assert page.get_by_text("Cómo borrar su historial").is_visible()
        # The quick exit is a plain link.
        page.get_by_role("link", name="Salir de este sitio").click()
        page.wait_for_url(exit_url)


def test_pages_have_no_serious_accessibility_violations(browse, world, exit_url):
    with browse() as page:
        page.goto("/")
        assert axe_violations(page) == []
        page.get_by_label("ZIP code").fill("00000")
        page.get_by_role("button", name="Show help near me").click()
        page.get_by_text("ZIP code: We could not find that ZIP code.").first.wait_for()
        assert axe_violations(page) == []
        page.get_by_label("ZIP code").fill("60601")
        page.get_by_role("button", name="Show help near me").click()
        page.get_by_role("button", name="Next").click()
        page.get_by_role("heading", name="A few more questions").wait_for()
        assert axe_violations(page) == []
        page.goto("/help/safety/?lang=es")
        assert axe_violations(page) == []


@pytest.mark.parametrize("path", ["/", "/help/safety/"])
def test_first_load_is_at_most_100_kb(browse, world, exit_url, path):
    with browse() as page:
        responses: list = []
        page.on("response", lambda response: responses.append(response))
        page.goto(path, wait_until="networkidle")
        sizes = {r.url: len(r.body()) for r in responses}
        total = sum(sizes.values())
        assert len(sizes) >= 3  # the page, its stylesheet and its script at least
        assert total <= 100 * 1024, sizes
