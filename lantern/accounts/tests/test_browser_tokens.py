"""Real headless Chromium: a staff member creates an API token, sees it once, revokes it."""

import pytest
from django.test import Client

from lantern.accounts.models import ApiToken
from lantern.testing import axe_violations, browser_log_in, build_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _me(secret: str) -> int:
    return Client().get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {secret}").status_code


def test_create_a_token_after_confirming_then_revoke_it(page):
    world = build_world()
    user = world["provider_b"].user
    browser_log_in(page, user, "/accounts/tokens/")
    page.get_by_role("heading", name="Your API tokens").wait_for()
    assert axe_violations(page) == []

    # Logging in just now entered the password and a code, so the form is there at once.
    page.get_by_label("Name (what the token is for)").fill("Openings sync")
    page.get_by_label("Expires after").select_option("30")
    page.get_by_role("button", name="Create token").click()
    secret = page.get_by_test_id("secret").inner_text()
    assert secret.startswith("lt_")
    assert _me(secret) == 200
    assert axe_violations(page) == []

    page.get_by_role("button", name="Revoke “Openings sync”").click()
    page.get_by_text("Token “Openings sync” revoked.").wait_for()
    assert page.get_by_test_id("secret").count() == 0
    assert _me(secret) == 401
    assert ApiToken.objects.get(user=user, name="Openings sync").revoked is not None
