"""Referral pages: provider inbox, referrer outbox, hold-and-refer, metrics.

PLACEHOLDER while the pages are being written: every page answers 404.
"""

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse


def _todo(request: HttpRequest, **kwargs: Any) -> HttpResponse:
    raise Http404


inbox = inbox_detail = outbox = outbox_detail = referral_new = _todo
