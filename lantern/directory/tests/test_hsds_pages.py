"""The staff page for HSDS import and export: who reaches it, strict and lenient uploads
with their per-row problems, the size guards, and the public export download."""

import io
import json
import time
import zipfile
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from lantern.accounts.reauth import REAUTH_SESSION_KEY
from lantern.audit.models import AuditEvent
from lantern.directory.hsds_io import sources
from lantern.directory.models import Location, Service

pytestmark = pytest.mark.django_db

URL = "/directory/hsds/"
EXAMPLES = Path(__file__).parent / "hsds_examples"
SERVICE_ID = "ac148810-d857-441c-9679-408f346de14b"


def _admin(world, *, fresh=True):
    client = world["coalition_admin"].client()
    if fresh:
        session = client.session
        session[REAUTH_SESSION_KEY] = int(time.time())
        session.save()
    return client


def _post(client, url, data):
    client.get("/accounts/login/")
    token = client.cookies["csrftoken"].value
    return client.post(url, {**data, "csrfmiddlewaretoken": token})


def _upload(name, data, mode="strict"):
    return {"file": SimpleUploadedFile(name, data), "mode": mode}


def test_a_coalition_admin_reaches_the_page_through_the_staff_bar(world):
    client = _admin(world, fresh=False)
    home = client.get("/staff/").content.decode()
    assert f'href="{URL}"' in home
    page = client.get(URL).content.decode()
    assert "Confirm it is you" in page  # the import form needs a fresh password and code
    for persona in ("advocate_a", "provider_b", "provider_c", "analyst"):
        other = world[persona].client()
        assert f'href="{URL}"' not in other.get("/staff/").content.decode()
        assert other.get(URL).status_code == 404


def test_a_strict_upload_lists_each_problem_and_writes_nothing(world):
    client = _admin(world)
    data = (EXAMPLES / "service_full.json").read_bytes()

    response = _post(client, URL, _upload("feed.json", data))

    assert response.status_code == 422
    html = response.content.decode()
    assert "nothing was imported, because of 4 problems" in html
    assert html.count('data-testid="problem"') == 4
    assert "service_at_locations/0/location/latitude" in html
    assert "must be between -90 and 90, got 100" in html
    assert "8896b788-7b3e-11ef-8db9-7f3d040352b3" in html  # the capacity's own id
    assert not Service.objects.filter(pk=SERVICE_ID).exists()


def test_a_lenient_zip_of_the_csv_package_imports_the_rest_and_lists_what_was_skipped(world):
    client = _admin(world)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for path in (EXAMPLES / "csv").iterdir():
            archive.write(path, f"package/{path.name}")

    response = _post(client, URL, _upload("package.zip", buffer.getvalue(), mode="lenient"))

    assert response.status_code == 200
    html = response.content.decode()
    assert "imported, with" in html and 'data-testid="import-counts"' in html
    assert "locations.csv line 2" in html and "latitude" in html
    assert 'data-testid="warning"' in html  # the parent organization, dropped
    assert Service.objects.filter(pk=SERVICE_ID).exists()
    assert not Location.objects.filter(pk="3a19ff88-4620-4d17-9830-ac1d859eb5d5").exists()
    event = AuditEvent.objects.get(action="hsds.import")
    assert event.actor_id == world["coalition_admin"].user.pk
    assert event.detail["mode"] == "lenient"


def test_an_import_without_a_fresh_login_goes_to_reauthentication(world):
    client = _admin(world, fresh=False)
    response = _post(client, URL, _upload("feed.json", b"[]"))
    assert response.status_code == 302 and "/accounts/reauth/" in response["Location"]


def test_oversized_uploads_and_zip_bombs_get_a_clear_error(world, monkeypatch):
    client = _admin(world)
    monkeypatch.setattr(sources, "UPLOAD_MAX_BYTES", 100)
    response = _post(client, URL, _upload("big.json", b" " * 200))
    assert response.status_code == 413
    assert (
        "big.json: 0.0 MB is more than the 0.0 MB a page upload may be" in response.content.decode()
    )

    monkeypatch.setattr(sources, "UPLOAD_MAX_BYTES", 10_000)
    monkeypatch.setattr(sources, "ZIP_MAX_BYTES", 10_000)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("services.json", b" " * 1_000_000)  # a few kB packed
    response = _post(client, URL, _upload("bomb.zip", buffer.getvalue()))
    assert response.status_code == 413
    assert "the zip unpacks to more than" in response.content.decode()
    assert not AuditEvent.objects.filter(action="hsds.import").exists()


def test_the_export_download_is_the_public_rendering_and_is_audited(world):
    client = _admin(world)
    confidential = world.b_confidential.location

    response = _post(client, "/directory/hsds/export/", {})

    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert "attachment" in response["Content-Disposition"]
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    names = archive.namelist()
    assert "hsds/json/services.json" in names and "hsds/datapackage.json" in names
    package = json.loads(archive.read("hsds/datapackage.json"))
    assert package["lantern"]["confidential_locations"] == "redacted"
    text = "".join(archive.read(n).decode() for n in names)
    address = confidential.addresses.first()
    assert address is not None and address.address_1 not in text
    event = AuditEvent.objects.get(action="hsds.export")
    assert event.actor_id == world["coalition_admin"].user.pk
    assert event.detail["include_confidential"] is False
