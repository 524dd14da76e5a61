"""Staff pages for HSDS 3.1: upload an import, download the public export (coalition admins).

Thin: the form is parsed here, the file read by `hsds_io.read_upload` (which caps its size,
and a zip's members and uncompressed size), and the import and export are the same
services the command line runs, audited under the person who asked.
"""

import tempfile
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.views.decorators.http import require_http_methods, require_POST

from lantern.accounts.reauth import recently_reauthenticated
from lantern.core.errors import NotFound
from lantern.directory.forms import HsdsImportForm
from lantern.directory.hsds_io import (
    SourceError,
    hsds_export_archive,
    hsds_import,
    read_upload,
)
from lantern.directory.policy import may_exchange_hsds


def _reauth_url() -> str:
    return f"{reverse('accounts:reauth')}?" + urlencode({"next": reverse("directory:hsds")})


def _allowed(request: HttpRequest) -> None:
    if not may_exchange_hsds(request.user):
        raise NotFound


def _page(request: HttpRequest, form: HsdsImportForm, status: int = 200, **extra: Any) -> Any:
    context = {
        "form": form,
        "may_import": recently_reauthenticated(request),
        "reauth_url": _reauth_url(),
        **extra,
    }
    return render(request, "directory/hsds.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def hsds_exchange(request: HttpRequest) -> HttpResponse:
    _allowed(request)
    if request.method == "GET":
        return _page(request, HsdsImportForm())
    # Rewriting the directory in bulk: a fresh password and code first, as for a token.
    if not recently_reauthenticated(request):
        return redirect(_reauth_url())
    form = HsdsImportForm(request.POST, request.FILES)
    if not form.is_valid():
        return _page(request, form, status=422)
    upload = form.cleaned_data["file"]
    try:
        reading = read_upload(upload.name, upload, upload.size)
    except SourceError as err:
        form.add_error("file", str(err))
        return _page(request, form, status=413 if err.too_large else 422)
    lenient = form.cleaned_data["mode"] == "lenient"
    report = hsds_import(reading=reading, lenient=lenient, actor=request.user)
    fresh = HsdsImportForm(initial={"mode": form.cleaned_data["mode"]})
    status = 200 if report.ok else 422
    return _page(request, fresh, status, report=report, file_name=upload.name)


@login_required
@require_POST
def hsds_export_download(request: HttpRequest) -> FileResponse:
    """The export as outsiders see it: no confidential location in full, so no re-login."""
    _allowed(request)
    handle = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse closes it when sent
    hsds_export_archive(handle=handle, actor=request.user)
    handle.seek(0)
    stamp = timezone.now().strftime("%Y%m%d-%H%M")
    return FileResponse(
        handle,
        as_attachment=True,
        filename=f"lantern-hsds-{stamp}.zip",
        content_type="application/zip",
    )
