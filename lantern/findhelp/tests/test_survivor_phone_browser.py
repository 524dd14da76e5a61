"""Real headless Chromium: the ranking and the layout as a person sees them. On a phone the
results come first after one answer and no key hint is offered; a nearer shelter is listed
before a farther one, and one too far for tonight says so."""

import math
from datetime import timedelta

import pytest
from django.core.cache import cache

from lantern.testing import build_world, make_listing

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"viewport": {"width": 390, "height": 844}, "has_touch": True, "is_mobile": True}
LOOP = (41.8858, -87.6181)  # 60601


def _east(km: float) -> float:
    return LOOP[1] + km / (111.195 * math.cos(math.radians(LOOP[0])))


@pytest.fixture
def world(settings, live_server):
    cache.clear()
    settings.LANTERN_QUICK_EXIT_URL = live_server.url + "/static/lantern/lantern.css"
    world = build_world()
    org = world.hsds_c
    make_listing(
        org=org,
        name="Fictional Near Shelter",
        latitude=LOOP[0],
        longitude=_east(5),
        updated_ago=timedelta(hours=3),
    )
    make_listing(org=org, name="Fictional Far Shelter", latitude=LOOP[0], longitude=_east(480))
    for i in range(4):
        make_listing(org=org, name=f"Fictional Legal Office {i}", types=("legal",))
    return world


def _first_answer(page) -> None:
    page.goto("/")
    page.get_by_label("ZIP code").fill("60601")
    page.get_by_role("button", name="Show help near me").click()
    page.get_by_role("heading", name="What help do you need?").wait_for()


def _top_of_first_result(page) -> float:
    box = page.locator("[data-testid=result] h3").first.bounding_box()
    assert box is not None
    return box["y"] + box["height"]


@pytest.mark.parametrize("javascript", [True, False])
def test_on_a_phone_the_first_result_is_on_the_first_screen_and_no_esc_hint(
    world, browse, javascript
):
    for i in range(25):  # a long list, as in a city: many screens of results
        make_listing(
            org=world.hsds_c,
            name=f"Fictional City Shelter {i}",
            latitude=LOOP[0],
            longitude=_east(8 + i),
        )
    with browse(**PHONE, java_script_enabled=javascript) as page:
        _first_answer(page)
        assert page.evaluate("matchMedia('(pointer: coarse)').matches")
        assert 0 < _top_of_first_result(page) <= 844
        assert page.get_by_text("Or press Esc").is_hidden()
        assert page.get_by_role("link", name="Leave this site").is_visible()
        page.get_by_text("How to stay safe online").click()
        assert page.get_by_text("press the red “Leave this site” button").is_visible()
        assert page.get_by_text("You can also press Esc").is_hidden()
        # The questions are below the results, one link away.
        page.get_by_role("link", name="Go to the questions").click()
        assert page.get_by_label("A safe place to stay tonight").is_visible()
        # A second answer, sent from down there: the results are on the first screen again
        # (not thousands of pixels above where the page was left).
        page.get_by_label("A safe place to stay tonight").check()
        page.get_by_role("button", name="Next").click()
        page.get_by_role("heading", name="A few more questions").wait_for(state="attached")
        print(
            "DEBUG",
            javascript,
            page.evaluate("scrollY"),
            page.evaluate("document.activeElement.outerHTML.slice(0,80)"),
            _top_of_first_result(page),
        )
        assert 0 < _top_of_first_result(page) <= 844


def test_on_a_desktop_the_esc_hint_is_offered(world, browse):
    with browse(viewport={"width": 1280, "height": 800}) as page:
        _first_answer(page)
        assert page.get_by_text("Or press Esc").is_visible()
        page.get_by_text("How to stay safe online").click()
        assert page.get_by_text("You can also press Esc").is_visible()


def test_a_nearer_shelter_is_listed_before_a_farther_one_marked_farther_away(world, browse):
    with browse(**PHONE) as page:
        _first_answer(page)
        page.get_by_label("A safe place to stay tonight").check()
        far = page.locator("[data-testid=result]", has_text="Fictional Far Shelter")
        far.get_by_test_id("farther-away").wait_for()
        names = page.locator("[data-testid=result] h3").all_inner_texts()
        assert not any("Legal Office" in name for name in names)
        assert names.index("Fictional Near Shelter") < names.index("Fictional Far Shelter")
        assert names[-1] == "Fictional Far Shelter"
        assert far.get_by_text("Farther away: more than 80 km from you").is_visible()
        assert page.get_by_test_id("farther-away").count() == 1
        near = page.locator("[data-testid=result]", has_text="Fictional Near Shelter")
        assert (
            near.get_by_test_id("serves")
            .get_by_text("Offers a safe place to stay tonight")
            .is_visible()
        )
