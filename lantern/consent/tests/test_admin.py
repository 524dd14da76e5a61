import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from lantern.consent.tests.factories import ConsentFactory
from lantern.testing import totp_device

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client():
    user = get_user_model().objects.create_superuser("root@example.test", "pw-for-tests-only")
    client = Client()
    client.force_login(user)
    from django_otp import DEVICE_ID_SESSION_KEY

    session = client.session
    session[DEVICE_ID_SESSION_KEY] = totp_device(user).persistent_id
    session.save()
    return client


def test_admin_lists_and_shows_but_never_changes(admin_client):
    consent = ConsentFactory()
    listing = admin_client.get("/admin/consent/consentrecord/")
    assert listing.status_code == 200
    assert str(consent.pk) in listing.content.decode()
    detail = admin_client.get(f"/admin/consent/consentrecord/{consent.pk}/change/")
    assert detail.status_code == 200
    assert b'name="purpose"' not in detail.content  # shown, not editable
    assert admin_client.get("/admin/consent/consentrecord/add/").status_code == 403
    delete = admin_client.post(
        f"/admin/consent/consentrecord/{consent.pk}/delete/", {"post": "yes"}
    )
    assert delete.status_code == 403
    consent.refresh_from_db()
