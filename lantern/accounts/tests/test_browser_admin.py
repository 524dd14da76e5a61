"""Real headless Chromium: a coalition admin signs in to the admin with two factors."""

import re
from base64 import b32decode

import pytest

from lantern.testing import PASSWORD, build_world
from lantern.testing import totp_code as code_for

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_admin_login_enrols_and_uses_two_factor(page):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    world = build_world()
    admin = world["coalition_admin"].user
    page.goto("/admin/")
    page.get_by_label("Email").fill(admin.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()

    # First log-in: the page shows a QR code and the key to type into an app.
    secret = page.get_by_test_id("totp-secret").inner_text()
    assert re.fullmatch(r"[A-Z2-7=]+", secret)
    assert not TOTPDevice.objects.filter(user=admin).exists()  # nothing stored until confirmed
    page.get_by_label("6-digit code").fill("000000")
    page.get_by_role("button", name="Continue").click()
    page.get_by_text("That code did not work").wait_for()
    assert page.get_by_test_id("totp-secret").inner_text() == secret  # same session, same key
    page.get_by_label("6-digit code").fill(code_for(TOTPDevice(key=b32decode(secret).hex())))
    page.get_by_role("button", name="Continue").click()
    page.get_by_text("Site administration").wait_for()
    assert "/admin/" in page.url
    device = TOTPDevice.objects.get(user=admin, confirmed=True)

    # Next time, the same app's code is asked for again after the password.
    page.context.clear_cookies()
    page.goto("/admin/")
    page.get_by_label("Email").fill(admin.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    assert page.get_by_test_id("totp-secret").count() == 0
    device.refresh_from_db()
    page.get_by_label("6-digit code").fill(code_for(device, offset_steps=1))
    page.get_by_role("button", name="Continue").click()
    page.get_by_text("Site administration").wait_for()
