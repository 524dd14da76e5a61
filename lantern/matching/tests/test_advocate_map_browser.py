"""Real headless Chromium: the advocate's map draws Lantern's own state and county outlines,
numbers its markers like the list, shows the search centre, and never asks another origin
for anything."""

from urllib.parse import urlsplit

import pytest
from django.core.cache import cache
from playwright.sync_api import expect

from lantern.geography import outlines
from lantern.geography.build import build
from lantern.testing import axe_violations, browser_log_in, build_world, make_listing

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def built_outlines(settings):
    """The outlines that `make setup` builds, built here if this checkout never ran it."""
    settings.LANTERN_MAP_TILE_URL = ""
    if outlines.static_paths() is None:
        build(outlines.outlines_directory())


def _origin(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    return parts.scheme, parts.netloc


def test_the_map_draws_its_own_outlines_numbered_markers_and_the_centre(
    page, live_server, built_outlines
):
    cache.clear()
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    world = build_world()
    make_listing(org=world.hsds_c, name="Lakeside Refuge", latitude=41.89, longitude=-87.62)
    browser_log_in(page, world["advocate_a"].user, "/advocate/search/?postcode=60601")
    rows = page.get_by_test_id("advocate-result")
    expect(rows).to_have_count(4)

    # The base layer: every state and territory is a path, and zoomed in on Chicago the
    # counties of Illinois are drawn too.
    expect(page.locator("#map path.outline-state")).to_have_count(56)
    expect(page.locator("#map path.outline-county").first).to_be_attached()
    assert page.locator("#map path.outline-county").count() >= 102
    assert any(url.endswith("/static/geography/counties/17.geojson") for url in requests)
    assert not any(url.endswith("/counties/02.geojson") for url in requests)  # not Alaska

    # Markers carry the number their row shows; hovering one names that row's service.
    numbers = rows.get_by_test_id("result-number").all_inner_texts()
    assert numbers == ["1", "2", "3", "4"]
    names = rows.locator("h3").all_inner_texts()
    mapped = [
        n
        for n, row in zip(numbers, rows.all(), strict=True)
        if not row.get_by_test_id("private").count()
    ]
    markers = page.locator("#map .result-marker")
    expect(markers).to_have_count(3)  # the other organization's confidential place has none
    assert sorted(markers.all_inner_texts()) == sorted(mapped)
    for i in range(markers.count()):
        marker = markers.nth(i)
        marker.dispatch_event("mouseover")
        tooltip = page.locator(".leaflet-tooltip:not(.centre-label)").last
        assert tooltip.inner_text() == names[int(marker.inner_text()) - 1]
        marker.dispatch_event("mouseout")

    # The search centre: a distinct marker with its label.
    expect(page.locator("#map .centre-marker")).to_have_count(1)
    expect(page.locator("#map .centre-label")).to_have_text("Search centre: ZIP 60601")
    attribution = page.locator(".leaflet-control-attribution")
    expect(attribution).to_contain_text("Outlines: U.S. Census Bureau")

    # The map is supplementary: a labelled region whose drawing assistive technology skips
    # (the list carries the same numbers), its zoom controls still reachable.
    expect(page.locator("#map")).to_have_attribute("role", "region")
    expect(page.locator("#map .leaflet-map-pane")).to_have_attribute("aria-hidden", "true")
    assert page.locator("#map .leaflet-map-pane [tabindex], #map .leaflet-map-pane a").count() == 0
    assert axe_violations(page) == []

    # Every request (page, scripts, styles, outlines) went to Lantern's own origin.
    assert requests
    foreign = [url for url in requests if _origin(url) != _origin(live_server.url)]
    assert foreign == []


def test_a_tile_server_is_used_instead_of_the_outlines(page, live_server, built_outlines, settings):
    cache.clear()
    # A one-pixel tile as a data: URL (img-src allows data:), so the test needs no server.
    settings.LANTERN_MAP_TILE_URL = (
        "data:image/gif;base64,R0lGODlhAQABAIAAAP///wAAACH5BAEAAAAALAAAAAABAAEAAAICRAEAOw=="
    )
    settings.LANTERN_MAP_TILE_ATTRIBUTION = "Test tiles"
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    world = build_world()
    browser_log_in(page, world["advocate_a"].user, "/advocate/search/")
    expect(page.get_by_test_id("advocate-result")).to_have_count(3)
    expect(page.locator("#map img.leaflet-tile").first).to_be_attached()
    expect(page.locator(".leaflet-control-attribution")).to_contain_text("Test tiles")
    assert page.locator("#map path.outline-state").count() == 0
    assert not any("/static/geography/" in url for url in requests)


def test_the_first_view_frames_the_places_within_tonights_reach(page, live_server, built_outlines):
    cache.clear()
    world = build_world()
    make_listing(org=world.hsds_c, name="Lakeside Refuge", latitude=41.89, longitude=-87.62)
    make_listing(org=world.hsds_c, name="Faraway Refuge", latitude=29.76, longitude=-95.37)
    browser_log_in(
        page,
        world["advocate_a"].user,
        "/advocate/search/?postcode=60601&help_types=emergency-shelter",
    )
    far_row = page.get_by_test_id("advocate-result").filter(has_text="Faraway Refuge")
    expect(far_row.get_by_test_id("farther-away")).to_be_visible()
    number = far_row.get_by_test_id("result-number").inner_text()
    map_box = page.locator("#map").bounding_box()
    markers = page.locator("#map .result-marker")
    expect(markers.first).to_be_attached()

    def inside(i: int) -> bool:
        box = markers.nth(i).bounding_box()
        return (
            box is not None
            and map_box["x"] <= box["x"] <= map_box["x"] + map_box["width"]
            and map_box["y"] <= box["y"] <= map_box["y"] + map_box["height"]
        )

    shown = {markers.nth(i).inner_text(): inside(i) for i in range(markers.count())}
    assert shown[number] is False  # Houston is on the map, outside the first view
    assert [near for n, near in shown.items() if n != number] == [True] * (len(shown) - 1)
