"""Advocate pages for survivors' help requests: the open list, one request, claim, close.

Staff pages: a log-in with two factors (the session middleware sends an unverified session
to the second factor). What a user may see comes from `help_policy`; a request they may
not see answers 404, the same as one that does not exist.
"""

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from lantern.findhelp import policy as help_policy
from lantern.findhelp.models import HelpRequest, HelpRequestStatus
from lantern.findhelp.selectors import (
    OPEN_STATUSES,
    help_request_for_user,
    help_request_personal,
    help_requests_open_for,
)
from lantern.findhelp.services import (
    HelpRequestNotOpen,
    help_request_claim,
    help_request_close,
    help_request_link,
)
from lantern.matching.advocate import person_initial
from lantern.matching.needs import needs_from_stored, needs_lines
from lantern.referrals import views as referral_views
from lantern.referrals.models import Referral


@never_cache
@login_required
@require_safe
def request_list(request: HttpRequest) -> HttpResponse:
    if not help_policy.advocate_organization_ids(request.user):
        raise Http404
    items = help_requests_open_for(request.user)
    return render(request, "findhelp/help_list.html", {"items": items})


@never_cache
@login_required
@require_safe
def request_detail(request: HttpRequest, help_request_id: Any) -> HttpResponse:
    help_request = help_request_for_user(request.user, help_request_id)
    personal = help_request_personal(request.user, help_request)
    context = {
        "help_request": help_request,
        "personal": personal,
        "needs_rows": needs_lines(personal.needs),
        "is_open": help_request.status in OPEN_STATUSES,
        "is_new": help_request.status == HelpRequestStatus.NEW,
        "not_open": request.GET.get("not_open") == "1",
    }
    return render(request, "findhelp/help_detail.html", context)


@login_required
@require_POST
def request_claim(request: HttpRequest, help_request_id: Any) -> HttpResponse:
    help_request = help_request_for_user(request.user, help_request_id)
    try:
        help_request_claim(help_request=help_request, actor=request.user)
    except HelpRequestNotOpen:
        return redirect(_detail_url(help_request) + "?not_open=1")
    return redirect(_detail_url(help_request))


@login_required
@require_POST
def request_close(request: HttpRequest, help_request_id: Any) -> HttpResponse:
    help_request = help_request_for_user(request.user, help_request_id)
    try:
        help_request_close(help_request=help_request, actor=request.user)
    except HelpRequestNotOpen:
        return redirect(_detail_url(help_request) + "?not_open=1")
    return redirect("help_requests:list")


@never_cache
@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def request_refer(request: HttpRequest, help_request_id: Any) -> HttpResponse:
    """Hold and refer, made from this request: the person's answers prefill the form, and
    the referral and the request's link to it are written in one transaction."""
    help_request = help_request_for_user(request.user, help_request_id)

    def link(referral: Referral) -> None:
        try:
            help_request_link(help_request=help_request, referral=referral, actor=request.user)
        except HelpRequestNotOpen as exc:
            raise referral_views.SourceNotOpen from exc

    source = referral_views.ReferralSource(
        note=_(
            "Made from help request %(code)s: the person's answers are filled in where this "
            "form asks the same."
        )
        % {"code": help_request.code},
        organization_id=help_request.organization_id,
        # Read (and audited) only for the empty form, not for every post.
        initial=_prefill(request.user, help_request) if request.method != "POST" else {},
        link=link,
    )
    return referral_views.referral_new_page(request, help_request.service_id, source=source)


def _prefill(user: Any, help_request: HelpRequest) -> dict[str, Any]:
    """What the person told the find-help pages, put where the referral form asks the same."""
    return person_initial(needs_from_stored(help_request_personal(user, help_request).needs))


def _detail_url(help_request: Any) -> str:
    return reverse("help_requests:detail", args=[help_request.pk])
