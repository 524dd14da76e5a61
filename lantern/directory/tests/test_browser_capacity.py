"""Real headless Chromium: a provider updates openings on the page and from a one-tap link."""

import pytest
from django.core.cache import cache

from lantern.directory.models import ServiceCapacity
from lantern.directory.onetap import one_tap_token
from lantern.testing import browser_log_in, build_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
MINUS_ONE = "\u22121"  # the button label uses a real minus sign


def test_provider_updates_capacity_on_the_page(page):
    cache.clear()
    world = build_world()
    capacity = world.b_public.service.capacities.get()
    browser_log_in(page, world["provider_b"].user, "/provider/capacity/")
    row = page.locator(f"#capacity-{capacity.pk}")
    assert row.locator("[data-testid=available]").inner_text() == "3"

    row.get_by_role("button", name="One more").click()
    page.locator(f"#capacity-{capacity.pk} [data-testid=available]").filter(has_text="4").wait_for()
    assert ServiceCapacity.objects.get(pk=capacity.pk).available == 4

    row = page.locator(f"#capacity-{capacity.pk}")
    row.get_by_label("Set to").fill("9")
    row.get_by_role("button", name="Set", exact=True).click()
    page.locator(f"#capacity-{capacity.pk} [data-testid=available]").filter(has_text="9").wait_for()

    page.locator(f"#capacity-{capacity.pk}").get_by_role("button", name="Full").click()
    page.locator(f"#capacity-{capacity.pk} [data-testid=available]").filter(has_text="0").wait_for()
    assert ServiceCapacity.objects.get(pk=capacity.pk).available == 0
    # Only the provider's own organization's capacities are on the page.
    other = world.c_public.service.capacities.get()
    assert page.locator(f"#capacity-{other.pk}").count() == 0


def test_one_tap_link_updates_without_login(page):
    world = build_world()
    capacity = world.b_confidential.service.capacities.get()
    page.goto(f"/c/{one_tap_token(capacity)}/")
    assert page.locator("[data-testid=available]").inner_text() == "3"
    page.get_by_role("button", name=MINUS_ONE).click()
    page.get_by_text("Saved. Thank you.").wait_for()
    assert page.locator("[data-testid=available]").inner_text() == "2"
    assert ServiceCapacity.objects.get(pk=capacity.pk).available == 2
    # That button has been used from this link; it is gone, the others remain.
    assert page.get_by_role("button", name=MINUS_ONE).count() == 0
    page.get_by_role("button", name="Full").click()
    page.get_by_text("Saved. Thank you.").wait_for()
    assert ServiceCapacity.objects.get(pk=capacity.pk).available == 0
