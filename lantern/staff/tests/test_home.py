"""The staff home and bar: each role sees its own work, nothing else, and no personal data."""

import re

import pytest
from django.urls import reverse

from lantern.accounts.membership_services import membership_add
from lantern.accounts.roles import Role
from lantern.accounts.services import token_create
from lantern.findhelp.services import Contact, help_request_create
from lantern.staff import nav
from lantern.testing import Persona, UserFactory

pytestmark = pytest.mark.django_db

BARS = {
    "advocate_a": ["home", "help-requests", "search", "outbox", "cases", "tokens", "api-docs"],
    "provider_b": ["home", "search", "outbox", "inbox", "cases", "openings", "tokens", "api-docs"],
    "coalition_admin": [
        *["home", "search", "outbox", "organizations", "people", "metrics", "admin", "hsds"],
        *["tokens", "api-docs"],
    ],
    "analyst": ["home", "metrics", "tokens", "api-docs"],
}


def bar_of(html: str) -> list[str]:
    header = html.split('<header class="site-header">', 1)[1].split("</header>", 1)[0]
    return re.findall(r'data-nav="([a-z-]+)"', header)


def cards_of(html: str) -> set[str]:
    return set(re.findall(r'data-card="([a-z-]+)"', html))


@pytest.mark.parametrize("persona", sorted(BARS))
def test_each_role_sees_the_bar_of_what_it_may_use(world, persona):
    html = world[persona].client().get(reverse("staff-home")).content.decode()
    assert bar_of(html) == BARS[persona]
    # Every entry the bar shows opens for this person (the bar never offers a door that
    # answers "not found").
    for item in nav.items_for(world[persona].user):
        if item.key == "admin":
            continue  # Django's admin, a redirect chain of its own
        response = world[persona].client().get(item.url)
        assert response.status_code == 200, (persona, item.key, response.status_code)


@pytest.mark.parametrize("persona", sorted(BARS))
def test_the_bar_is_on_every_staff_page(world, persona):
    for key in BARS[persona]:
        if key == "admin":
            continue
        item = next(i for i in nav.ITEMS if i.key == key)
        html = world[persona].client().get(item.url).content.decode()
        assert bar_of(html) == BARS[persona], (persona, key)
        assert f'aria-current="page" data-nav="{key}"' in html


def test_an_organization_admin_sees_people(world):
    admin = UserFactory(email="org-admin@example.test")
    membership_add(user=admin, organization=world.org_b, role=Role.ORGANIZATION_ADMIN, actor=None)
    persona = Persona("org_admin", admin, token_create(user=admin).secret)
    html = persona.client().get(reverse("staff-home")).content.decode()
    assert bar_of(html) == [
        "home",
        "case-legal",
        "case-retention",
        "openings",
        "people",
        "tokens",
        "api-docs",
    ]
    assert cards_of(html) == {"openings", "people"}


def test_cards_count_the_work_waiting(world):
    world.org_a.takes_help_requests = True
    world.org_a.save(update_fields=["takes_help_requests"])
    help_request_create(
        service_id=world.b_public.service_id,
        needs={"help_types": ["emergency-shelter"]},
        contact=Contact(method="hotline"),
        name="",
        consented=False,
    )
    html = world["advocate_a"].client().get(reverse("staff-home")).content.decode()
    assert cards_of(html) == {"help-requests", "search", "outbox", "cases"}
    help_card = html.split('data-card="help-requests"', 1)[1].split("</section>", 1)[0]
    assert "1 waiting for an answer" in help_card
    provider = world["provider_b"].client().get(reverse("staff-home")).content.decode()
    assert cards_of(provider) == {"search", "outbox", "inbox", "cases", "openings"}
    openings = provider.split('data-card="openings"', 1)[1].split("</section>", 1)[0]
    assert world.b_public.service.name in openings
    assert world.c_public.service.name not in openings  # another organization's
    admin = world["coalition_admin"].client().get(reverse("staff-home")).content.decode()
    assert {"verify", "metrics", "people"} <= cards_of(admin)


def test_visitors_get_the_public_links_and_no_bar(client):
    html = client.get(reverse("staff-home")).content.decode()
    assert bar_of(html) == []
    assert reverse("accounts:login") in html
    assert 'data-testid="staff-home"' not in html


def test_the_survivor_pages_compute_no_bar(client, django_assert_max_num_queries):
    """The bar is lazy: an anonymous survivor page pays no query for it."""
    calls = []
    original = nav.items_for
    try:
        nav.items_for = lambda user: calls.append(user) or original(user)
        client.get(reverse("home"))
    finally:
        nav.items_for = original
    assert calls == [] or all(not getattr(u, "is_authenticated", False) for u in calls)
