"""Real headless Chromium, JavaScript off: a caseworker reaches the cases through the bar,
opens a case, is shown the possible duplicate when opening the same person again and goes
on anyway, finds the case by alias and changes it. No serious accessibility violation on
the way."""

import pytest
from django.core.cache import cache
from playwright.sync_api import expect

from lantern.cases.models import Case
from lantern.testing import axe_violations, browser_log_in, build_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_open_find_and_change_a_case_without_javascript(browse):
    cache.clear()
    world = build_world()
    with browse(java_script_enabled=False) as page:
        browser_log_in(page, world["provider_b"].user, "/staff/")
        page.get_by_role("navigation", name="Main").get_by_role(
            "link", name="Cases", exact=True
        ).click()
        expect(page.get_by_role("heading", name="Cases", exact=True)).to_be_visible()
        page.get_by_test_id("new-case").click()
        expect(page.get_by_role("heading", name="Open a new case")).to_be_visible()
        page.get_by_label("First name or alias").fill("María López")
        page.get_by_label("Birth year").fill("1990")
        page.get_by_label("Trafficking status").select_option("PossibleVictimOfTrafficking")
        page.get_by_role("checkbox", name="Forced labor", exact=True).check()
        page.locator("#id_place_1_place_type").select_option("Exploitation")
        page.locator("#id_place_1_country").select_option("US")
        page.locator("#id_place_1_state").select_option("17")
        page.locator("#id_place_1_county").fill("17031")
        page.get_by_role("button", name="Open the case").click()
        first = Case.objects.get()
        expect(page.get_by_test_id("message")).to_contain_text(f"Case {first.number} is open.")
        expect(page.get_by_test_id("group-identity")).to_contain_text("María López")
        expect(page.get_by_test_id("group-trafficking")).to_contain_text("county 17031")

        # The same person again: the duplicate is shown first.
        page.goto("/cases/new/")
        page.get_by_label("First name or alias").fill("Maria Lopez")
        page.get_by_label("Birth year").fill("1990")
        page.get_by_role("button", name="Open the case").click()
        expect(page.get_by_role("heading", name="Is this person already known?")).to_be_visible()
        candidate = page.locator(f'[data-number="{first.number}"]')
        expect(candidate).to_contain_text("María López")
        expect(candidate).to_contain_text("Birth year")
        page.get_by_role("button", name="None of these is the same person").click()
        expect(page.get_by_test_id("message")).to_contain_text("is open.")
        assert Case.objects.count() == 2

        # Found by alias, then changed.
        page.goto("/cases/")
        page.get_by_label("First name or alias").fill("lopez maria")
        page.get_by_role("button", name="Search", exact=True).click()
        expect(page.get_by_test_id("case-row")).to_have_count(2)
        page.get_by_role("link", name=first.number).click()
        page.get_by_test_id("edit").click()
        page.get_by_label("First name or alias").fill("María L.")
        page.get_by_role("button", name="Save changes").click()
        expect(page.get_by_test_id("message")).to_contain_text("Saved.")
        expect(page.get_by_test_id("group-identity")).to_contain_text("María L.")


def test_the_case_pages_have_no_serious_accessibility_violation(page):
    cache.clear()
    world = build_world()
    from lantern.cases.tests.factories import open_case

    case = open_case(world)
    browser_log_in(page, world["provider_b"].user, "/cases/")
    for path in ("/cases/", "/cases/new/", f"/cases/{case.pk}/", f"/cases/{case.pk}/edit/"):
        page.goto(path)
        assert axe_violations(page) == [], path
    page.goto(f"/cases/{case.pk}/history/")
    assert axe_violations(page) == []
