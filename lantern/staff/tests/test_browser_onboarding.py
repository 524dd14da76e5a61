"""Real headless Chromium: a coalition admin adds an organization and invites its first
admin through the navigation alone; the invited person follows the e-mailed link, sets a
password and an authenticator, lands on the staff home, and later signs in again with both
factors."""

import re
import time
from base64 import b32decode

import pytest
from django.core import mail
from django.core.cache import cache
from django_otp.oath import TOTP
from playwright.sync_api import expect

from lantern.accounts.models import Membership, Organization, Role
from lantern.testing import axe_violations, browser_log_in, build_world, link_path

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "harbor-admin-long-password-4"


def _at(secret: str, when: float) -> str:
    totp = TOTP(b32decode(secret), 30, 0, 6, 0)
    totp.time = when
    return f"{totp.token():06d}"


def test_a_coalition_admin_onboards_an_organization_whose_admin_signs_in_with_two_factor(
    page, live_server, browse
):
    cache.clear()
    world = build_world()
    browser_log_in(page, world["coalition_admin"].user, "/staff/")
    page.get_by_role("navigation", name="Main").get_by_role(
        "link", name="Organizations", exact=True
    ).click()
    expect(page.get_by_role("heading", name="Organizations", exact=True)).to_be_visible()
    assert axe_violations(page) == []
    page.get_by_label("Name", exact=True).fill("Harbor Clinic")
    page.get_by_label("E-mail of its first organization admin (optional)").fill(
        "harbor.admin@example.test"
    )
    page.get_by_role("button", name="Add the organization").click()
    expect(page.get_by_role("status")).to_contain_text("Harbor Clinic added")
    expect(page.get_by_test_id("organizations")).to_contain_text("Harbor Clinic")

    (message,) = [m for m in mail.outbox if m.to == ["harbor.admin@example.test"]]
    link = re.search(r"https?://\S+", message.body).group(0)
    with browse() as invitee:
        _join_and_sign_in_again(invitee, live_server, link_path(link))


def _join_and_sign_in_again(invitee, live_server, path: str) -> None:
    invitee.goto(path)
    expect(invitee.get_by_role("heading", name="Join Lantern")).to_be_visible()
    secret = invitee.get_by_test_id("totp-secret").inner_text().strip()
    invitee.get_by_label("Your name (shown to colleagues)").fill("Hana Harbor")
    invitee.get_by_label("Choose a password").fill(PASSWORD)
    invitee.get_by_label("The same password again").fill(PASSWORD)
    invitee.get_by_label("6-digit code from your authenticator app").fill(_at(secret, time.time()))
    invitee.get_by_role("button", name="Create my account").click()
    expect(invitee).to_have_url(f"{live_server.url}/staff/")
    bar = invitee.get_by_role("navigation", name="Main")
    expect(bar.get_by_role("link", name="People", exact=True)).to_be_visible()
    membership = Membership.objects.get(user__email="harbor.admin@example.test")
    assert membership.organization == Organization.objects.get(name="Harbor Clinic")
    assert membership.role == Role.ORGANIZATION_ADMIN

    # Sign out, and back in: the password alone does not open the staff pages.
    invitee.get_by_role("button", name="Log out").click()
    invitee.goto("/accounts/login/")
    invitee.get_by_label("Email").fill("harbor.admin@example.test")
    invitee.get_by_label("Password").fill(PASSWORD)
    invitee.get_by_role("button", name="Log in").click()
    expect(invitee.get_by_label("6-digit code")).to_be_visible()
    invitee.goto("/accounts/people/")
    expect(invitee.get_by_label("6-digit code")).to_be_visible()  # sent back to the code
    invitee.get_by_label("6-digit code").fill(_at(secret, time.time() + 30))
    invitee.get_by_role("button", name="Continue").click()
    invitee.get_by_role("navigation", name="Main").get_by_role(
        "link", name="People", exact=True
    ).click()
    expect(invitee.get_by_role("heading", name="People", exact=True)).to_be_visible()
    expect(invitee.get_by_role("heading", name="Harbor Clinic")).to_be_visible()
