"""Case documents: checked by content, image metadata gone, sealed in storage, every
download audited and logged, and only for a reach that covers documents."""

import io
import os
import stat

import pytest
from PIL import Image

from lantern.audit.models import AuditEvent
from lantern.cases import storage
from lantern.cases import work_services as services
from lantern.cases.keys import cipher_for
from lantern.cases.models import CaseAccess, CaseDocument
from lantern.cases.tests.factories import open_case, supervisor
from lantern.cases.tests.work_support import (
    client_for,
    has_gps,
    jpeg_with_gps,
    post,
    reach_of,
    share,
)
from lantern.core.api_errors import FieldError
from lantern.core.errors import NotFound

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n" + b"Fictional lease 555-0142\n" * 4
HTML = b"<!doctype html><html><body><script>alert(1)</script></body></html>"


@pytest.fixture(autouse=True)
def _documents_dir(settings, tmp_path):
    settings.LANTERN_CASE_DOCUMENT_DIR = tmp_path / "documents"


@pytest.fixture
def case(world):
    return open_case(world)


def _upload(client, case, data: bytes, name: str, kind: str = "identity"):
    handle = io.BytesIO(data)
    handle.name = name
    return post(client, f"/cases/{case.pk}/documents/", {"document_type": kind, "file": handle})


def _add(world, case, data=PDF, filename="lease.pdf"):
    actor = world["provider_b"].user
    return services.document_add(
        actor=actor,
        case=case,
        reach=reach_of(actor, case),
        data=data,
        filename=filename,
        document_type="legal",
    )


def test_a_stored_document_is_sealed_on_disk_with_a_sealed_name(world, case, settings):
    document = _add(world, case, filename="Rosa lease 555-0142.pdf")
    path = storage.document_path(document.pk)
    on_disk = path.read_bytes()
    assert b"Fictional lease" not in on_disk and b"555-0142" not in on_disk
    assert cipher_for(case).open_bytes(on_disk) == PDF
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(path.parent).st_mode) == 0o700
    assert [p.name for p in path.parent.iterdir()] == [str(document.pk)]  # no temp left
    raw_name = CaseDocument.objects.values_list("filename_sealed", flat=True).get(pk=document.pk)
    assert "Rosa" not in raw_name and "555-0142" not in raw_name
    assert cipher_for(case).open(raw_name) == "Rosa lease 555-0142.pdf"
    assert document.media_type == "application/pdf"
    assert "Rosa" not in str(AuditEvent.objects.get(action="case.document.add").detail)


def test_exif_gps_is_gone_from_the_stored_and_the_downloaded_image(world, case):
    photo = jpeg_with_gps()
    assert has_gps(photo)  # the test image really carries a position
    client = world["provider_b"].client()
    response = _upload(client, case, photo, "passport.jpg")
    assert response.status_code == 302
    document = CaseDocument.objects.get(case=case)
    stored = cipher_for(case).open_bytes(storage.read_document(document.pk))
    assert not has_gps(stored)
    assert b"Fictional Camera" not in stored
    download = client.get(f"/cases/{case.pk}/documents/{document.pk}/")
    assert download.status_code == 200
    body = b"".join(download.streaming_content)
    assert body == stored
    assert not has_gps(body)
    with Image.open(io.BytesIO(body)) as image:
        assert image.format == "JPEG"
        assert not image.getexif()


def test_an_html_file_renamed_pdf_is_refused_and_nothing_is_stored(world, case, settings):
    response = _upload(world["provider_b"].client(), case, HTML, "scan.pdf")
    assert response.status_code == 422
    assert b'data-for="file"' in response.content
    assert not CaseDocument.objects.exists()
    folder = storage.document_dir()
    assert not folder.exists() or list(folder.iterdir()) == []
    with pytest.raises(FieldError) as caught:
        _add(world, case, data=HTML, filename="scan.pdf")
    assert caught.value.field == "file"


def test_a_file_over_the_limit_is_refused(world, case, settings):
    settings.LANTERN_CASE_DOCUMENT_MAX_BYTES = 100
    response = _upload(world["provider_b"].client(), case, PDF, "lease.pdf")
    assert response.status_code == 422
    assert not CaseDocument.objects.exists()


def test_an_unknown_document_type_names_the_field(world, case):
    actor = world["provider_b"].user
    with pytest.raises(FieldError) as caught:
        services.document_add(
            actor=actor,
            case=case,
            reach=reach_of(actor, case),
            data=PDF,
            filename="x.pdf",
            document_type="diary",
        )
    assert caught.value.field == "document_type"


def test_download_headers_true_type_and_attachment(world, case):
    document = _add(world, case, filename="lease.pdf")
    response = world["provider_b"].client().get(f"/cases/{case.pk}/documents/{document.pk}/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment")
    assert 'filename="lease.pdf"' in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response["Cache-Control"]
    assert b"".join(response.streaming_content) == PDF


def test_every_download_is_audited_and_a_supervisor_download_is_a_disclosure(world, case):
    document = _add(world, case)
    world["provider_b"].client().get(f"/cases/{case.pk}/documents/{document.pk}/")
    events = AuditEvent.objects.filter(action="case.document.download")
    assert events.count() == 1
    assert events.get().detail["document_id"] == str(document.pk)
    # The assigned caseworker's own download is not a disclosure.
    assert not CaseAccess.objects.filter(case=case, kind="download").exists()
    boss = supervisor(world)
    response = client_for(boss).get(f"/cases/{case.pk}/documents/{document.pk}/")
    assert response.status_code == 200
    assert events.count() == 2
    logged = CaseAccess.objects.get(case=case, kind="download")
    assert logged.actor_id == boss.pk
    assert logged.groups == ["documents"]


def test_a_shared_reach_without_documents_gets_404_on_download(world, case):
    document = _add(world, case)
    share(world, case, ["identity", "notes"])
    client = world["provider_c"].client()
    assert client.get(f"/cases/{case.pk}/work/").status_code == 200
    response = client.get(f"/cases/{case.pk}/documents/{document.pk}/")
    assert response.status_code == 404
    assert not AuditEvent.objects.filter(action="case.document.download").exists()
    page = client.get(f"/cases/{case.pk}/work/")
    assert b'data-testid="work-documents"' not in page.content


def test_a_shared_reach_with_documents_downloads_and_is_logged(world, case):
    document = _add(world, case)
    share(world, case, ["documents"])
    client = world["provider_c"].client()
    response = client.get(f"/cases/{case.pk}/documents/{document.pk}/")
    assert response.status_code == 200
    logged = CaseAccess.objects.get(case=case, kind="download")
    assert logged.organization_id == world.org_c.pk
    # ... but uploads stay with the case's own organization.
    assert _upload(client, case, PDF, "x.pdf").status_code == 404


def test_nobody_else_downloads(world, case):
    document = _add(world, case)
    url = f"/cases/{case.pk}/documents/{document.pk}/"
    for name in ("advocate_a", "provider_c", "coalition_admin", "analyst"):
        assert world[name].client().get(url).status_code == 404, name
    other = open_case(world, alias="Ana Example")
    assert (
        world["provider_b"].client().get(f"/cases/{other.pk}/documents/{document.pk}/").status_code
        == 404
    )


def test_a_missing_file_is_not_found(world, case):
    document = _add(world, case)
    storage.delete_document(document.pk)
    response = world["provider_b"].client().get(f"/cases/{case.pk}/documents/{document.pk}/")
    assert response.status_code == 404


def test_delete_case_files_removes_every_file_of_the_case_only(world, case):
    first = _add(world, case)
    second = _add(world, case, data=jpeg_with_gps(), filename="photo.jpg")
    other = open_case(world, alias="Ana Example")
    kept = _add(world, other)
    assert storage.delete_case_files(case) == 2
    assert not storage.document_path(first.pk).exists()
    assert not storage.document_path(second.pk).exists()
    assert storage.document_path(kept.pk).exists()
    assert storage.delete_case_files(case) == 0


def test_document_paths_take_only_uuids():
    with pytest.raises(ValueError):
        storage.document_path("../../etc/passwd")


def test_a_failed_write_leaves_no_row(world, case, monkeypatch):
    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(storage, "write_document", broken)
    with pytest.raises(OSError):
        _add(world, case)
    assert not CaseDocument.objects.exists()


def test_a_failed_row_leaves_no_file(world, case, monkeypatch):
    from lantern.cases import work_services

    def broken(*args, **kwargs):
        raise RuntimeError("audit down")

    monkeypatch.setattr(work_services, "audit_case", broken)
    with pytest.raises(RuntimeError):
        _add(world, case)
    folder = storage.document_dir()
    assert list(folder.iterdir()) == []


def test_a_purged_case_has_no_upload_and_no_download(world, case):
    document = _add(world, case)
    from django.utils import timezone

    case.key.delete()
    case.purged_at = timezone.now()
    case.save(update_fields=["purged_at"])
    client = world["provider_b"].client()
    assert client.get(f"/cases/{case.pk}/documents/{document.pk}/").status_code == 404
    assert _upload(client, case, PDF, "x.pdf").status_code == 404
    page = client.get(f"/cases/{case.pk}/work/")
    assert page.status_code == 200
    assert b'data-testid="work-purged"' in page.content
    with pytest.raises(NotFound):
        _add(world, case)
