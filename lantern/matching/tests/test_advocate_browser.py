"""Real headless Chromium: an advocate logs in with two-factor, searches, sees the list and
the map, changes the order and sees stale data marked. No request leaves the server."""

from datetime import timedelta

import pytest
from django.core.cache import cache
from playwright.sync_api import expect

from lantern.testing import (
    browser_log_in,
    build_world,
    make_listing,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_advocate_searches_with_list_and_map(page):
    cache.clear()
    world = build_world()
    stale = make_listing(
        org=world.hsds_c, name="Old Figures House", updated_ago=timedelta(hours=30)
    )
    browser_log_in(page, world["advocate_a"].user, "/advocate/search/")
    expect(page.get_by_test_id("advocate-result")).to_have_count(4)
    # Three results have a place this advocate may see; the confidential one does not.
    expect(page.locator(".leaflet-interactive")).to_have_count(3)
    assert page.get_by_test_id("private").count() == 1
    stale_row = page.locator(f'[data-id="{stale.service_id}"]')
    assert "Stale: last updated 30 hours ago" in stale_row.get_by_test_id("stale").inner_text()

    # Narrow with filters (HTMX swaps the results and redraws the map).
    page.get_by_label("Latitude").fill("41.85")
    page.get_by_label("Longitude").fill("-87.65")
    page.get_by_label("Within (km)").fill("5")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_test_id("advocate-result")).to_have_count(3)
    expect(page.get_by_test_id("private")).to_have_count(0)  # the safe house is farther
    expect(page.locator(".leaflet-interactive")).to_have_count(3)

    page.get_by_label("Within (km)").fill("")
    page.get_by_label("Sort by").select_option("name")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_test_id("advocate-result")).to_have_count(4)
    names = page.locator("[data-testid=advocate-result] h3").all_inner_texts()
    assert names == sorted(names, key=str.casefold)


HOSTILE_NAME = '<img src=x onerror="window.__pwned=1">Mallory <b>House</b>'


def test_advocate_map_shows_a_hostile_service_name_as_text(page):
    """Service names come from HSDS imports: on the map they are text, never markup."""
    cache.clear()
    world = build_world()
    hostile = make_listing(org=world.hsds_c, name=HOSTILE_NAME, latitude=41.9, longitude=-87.7)
    browser_log_in(page, world["advocate_a"].user, "/advocate/search/")
    row = page.locator(f'[data-id="{hostile.service_id}"]')
    expect(row.locator("h3")).to_have_text(HOSTILE_NAME)

    markers = page.locator(".leaflet-interactive")
    expect(markers).to_have_count(3)  # two of the world's places and this one
    tooltips = []
    for i in range(markers.count()):
        markers.nth(i).dispatch_event("mouseover")
        tooltips.append(page.locator(".leaflet-tooltip").last.inner_text())
    assert HOSTILE_NAME in tooltips
    page.wait_for_timeout(200)  # a failed image load fires its onerror asynchronously
    assert page.evaluate("window.__pwned") is None
    assert page.locator("#map img[src='x'], #map b, .leaflet-tooltip img").count() == 0


def test_nearest_orders_every_fitting_service_not_just_the_best_page(page):
    """More fitting services than one page: the nearest is full (so not in the best 20,
    behind open places 26-49 km away); "Nearest" puts it first, then the others by
    distance."""
    cache.clear()
    world = build_world()
    here = (40.0, -100.0)
    nearest = make_listing(
        org=world.hsds_c,
        name="Nearest Full House",
        latitude=here[0] + 0.001,
        longitude=here[1],
        available=0,
    )
    for i in range(25):
        make_listing(
            org=world.hsds_c,
            name=f"Open Shelter {i:02d}",
            latitude=here[0] + (26 + i) / 111.2,
            longitude=here[1],
        )
    browser_log_in(page, world["advocate_a"].user, "/advocate/search/")
    page.get_by_label("Latitude").fill(str(here[0]))
    page.get_by_label("Longitude").fill(str(here[1]))
    page.get_by_label("Emergency shelter").check()
    page.get_by_role("button", name="Search").click()
    rows = page.get_by_test_id("advocate-result")
    expect(rows).to_have_count(20)
    expect(page.locator(f'[data-id="{nearest.service_id}"]')).to_have_count(0)

    page.get_by_label("Sort by").select_option("distance")
    page.get_by_role("button", name="Search").click()
    expect(rows.first).to_have_attribute("data-id", str(nearest.service_id))
    expect(rows).to_have_count(20)
    names = page.locator("[data-testid=advocate-result] h3").all_inner_texts()
    assert names[1:] == [f"Open Shelter {i:02d}" for i in range(19)]
    assert page.get_by_text("Sorted over every place that fits").is_visible()
