"""Case pages: sharing under consent, transfers, the disclosure log, a case opened from an
accepted referral, and referrals sent from a case.

Thin views: forms parse, services write, selectors read, policy decides. A case the user
may not act on answers 404, like a missing one. Sharing, transferring and withdrawing a
share need a fresh password and code (re-authentication), like withdrawing a consent: an
unlocked screen must not send a person's record to another organization. Pages that carry
personal data or staff names are never cached.
"""

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from lantern.accounts.reauth import recently_reauthenticated
from lantern.cases import disclosure, policy, sharing_selectors, sharing_services
from lantern.cases.models import Case
from lantern.cases.services import DuplicatesFound
from lantern.cases.sharing_forms import FromReferralForm, RevokeForm, ShareForm, TransferForm
from lantern.cases.transfer import case_transfer
from lantern.consent.models import CaseGroup, Category
from lantern.core.api_errors import FieldError
from lantern.referrals import policy as referral_policy
from lantern.referrals import views as referral_views
from lantern.referrals.models import Referral, Status

SECTION_ANCHOR = "#sharing"


def case_path(case: Any) -> str:
    return f"/cases/{case.pk}/"


def _reauth_url(next_path: str) -> str:
    return f"{reverse('accounts:reauth')}?" + urlencode({"next": next_path})


def _group_labels(codes: Any) -> list[Any]:
    return [CaseGroup(code).label for code in codes if code in CaseGroup.values]


def _organization_choices(organizations: Any) -> list[tuple[str, str]]:
    return [(str(org.pk), org.name) for org in organizations]


def _share_form(case: Case, data: Any = None) -> ShareForm:
    organizations = _organization_choices(sharing_selectors.share_recipients(case))
    return ShareForm(data, organizations=organizations, prefix="share")


def _transfer_form(case: Case, data: Any = None) -> TransferForm:
    organizations = _organization_choices(sharing_selectors.transfer_recipients(case))
    return TransferForm(data, organizations=organizations, prefix="transfer")


def _share_rows(case: Case) -> list[dict[str, Any]]:
    rows = []
    for share in sharing_selectors.shares_of(case):
        consent = share.consent
        in_force = sharing_selectors.share_in_force(share)
        if consent.revoked_at is not None:
            state = _("Withdrawn")
        elif in_force:
            state = _("In force")
        else:
            state = _("Ended")
        rows.append(
            {
                "share": share,
                "recipient": share.recipient.name,
                "groups": _group_labels(consent.categories),
                "expires_at": consent.expires_at,
                "revoked_at": consent.revoked_at,
                "in_force": in_force,
                "state": state,
                "revoke_url": reverse(
                    "cases:sharing-revoke", kwargs={"case_id": case.pk, "share_id": share.pk}
                ),
            }
        )
    return rows


def _referral_rows(case: Case) -> list[dict[str, Any]]:
    return [
        {
            "referral": referral,
            "status_label": Status(referral.status).label,
            "service": referral.service.name,
            "to": referral.receiving_organization.name,
        }
        for referral in sharing_selectors.case_referrals(case)
    ]


def section_context(request: HttpRequest, case: Any, reach: Any) -> dict[str, Any]:
    """What this part adds to the case page's context (template cases/sections/sharing.html):
    one key, `sharing`. A recipient under a share sees only what was shared with it and
    until when; the case's own people see and manage its shares."""
    if reach is None:
        return {"sharing": None}
    if not reach.own:
        received = [
            {
                "groups": _group_labels(share.consent.categories),
                "expires_at": share.consent.expires_at,
                "may_add_notes": share.may_add_notes,
            }
            for share in sharing_selectors.shares_received(request.user, case)
        ]
        return {"sharing": {"mode": "shared", "received": received}}
    may_share = policy.may_share(reach, case) and case.merged_into_id is None
    confirmed = recently_reauthenticated(request)
    open_case = case.status not in ("Closed", "ClosedReferred")
    context: dict[str, Any] = {
        "mode": "own",
        "case": case,
        "shares": _share_rows(case),
        "transfers": list(sharing_selectors.transfers_of(case)),
        "may_share": may_share,
        "may_transfer": may_share and open_case,
        "confirmed": confirmed,
        "reauth_url": _reauth_url(case_path(case) + SECTION_ANCHOR),
        "share_url": reverse("cases:sharing-share", kwargs={"case_id": case.pk}),
        "transfer_url": reverse("cases:sharing-transfer", kwargs={"case_id": case.pk}),
        "disclosures_url": reverse("cases:sharing-disclosures", kwargs={"case_id": case.pk}),
        "may_refer": may_share and referral_policy.may_refer(request.user),
        "refer_url": f"{reverse('matching:advocate-search')}?" + urlencode({"case": case.pk}),
        "referrals": _referral_rows(case),
        "revoke_form": RevokeForm(),
    }
    if may_share and confirmed:
        context["share_form"] = _share_form(case)
        if open_case:
            context["transfer_form"] = _transfer_form(case)
    return {"sharing": context}


# --- Share and transfer ----------------------------------------------------------------


def _recipient(form: Any, organizations: Any) -> Any:
    return organizations.filter(pk=form.cleaned_data["recipient"]).first()


def _form_page(
    request: HttpRequest, case: Case, template: str, form: Any, status: int = 200
) -> HttpResponse:
    context = {"case": case, "form": form, "case_url": case_path(case)}
    return render(request, template, context, status=status)


@never_cache
@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def share_new(request: HttpRequest, case_id: Any) -> HttpResponse:
    """Share chosen groups of the case with another organization under the person's
    consent (the section's form posts here; errors come back on this page)."""
    case, _reach = sharing_selectors.case_for_sharing(request.user, case_id)
    if not recently_reauthenticated(request):
        return redirect(_reauth_url(request.path))
    template = "cases/sharing/share.html"
    if request.method != "POST":
        return _form_page(request, case, template, _share_form(case))
    form = _share_form(case, request.POST)
    if not form.is_valid():
        return _form_page(request, case, template, form, status=422)
    recipient = _recipient(form, sharing_selectors.share_recipients(case))
    try:
        sharing_services.case_share(
            actor=request.user,
            case=case,
            recipient=recipient,
            groups=form.cleaned_data["groups"],
            purpose=form.cleaned_data["purpose"],
            method=form.cleaned_data["method"],
            expires_at=form.expires_at(),
            may_add_notes=form.cleaned_data["may_add_notes"],
        )
    except FieldError as exc:
        form.add_service_error(exc.field, exc.message)
        return _form_page(request, case, template, form, status=422)
    messages.success(request, _("Shared with %(organization)s.") % {"organization": recipient.name})
    return redirect(case_path(case) + SECTION_ANCHOR)


@never_cache
@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def transfer_new(request: HttpRequest, case_id: Any) -> HttpResponse:
    """Transfer the case to another organization under the person's consent."""
    case, _reach = sharing_selectors.case_for_sharing(request.user, case_id)
    if not recently_reauthenticated(request):
        return redirect(_reauth_url(request.path))
    template = "cases/sharing/transfer.html"
    if request.method != "POST":
        return _form_page(request, case, template, _transfer_form(case))
    form = _transfer_form(case, request.POST)
    if not form.is_valid():
        return _form_page(request, case, template, form, status=422)
    recipient = _recipient(form, sharing_selectors.transfer_recipients(case))
    try:
        case_transfer(
            actor=request.user,
            case=case,
            recipient=recipient,
            groups=form.cleaned_data["groups"],
            purpose=form.cleaned_data["purpose"],
            method=form.cleaned_data["method"],
            expires_at=form.expires_at(),
        )
    except FieldError as exc:
        form.add_service_error(exc.field, exc.message)
        return _form_page(request, case, template, form, status=422)
    messages.success(
        request,
        _("Transferred to %(organization)s. This case is now closed as referred.")
        % {"organization": recipient.name},
    )
    return redirect(case_path(case) + SECTION_ANCHOR)


@never_cache
@login_required
@require_POST
def share_revoke(request: HttpRequest, case_id: Any, share_id: Any) -> HttpResponse:
    """Withdraw a share: the recipient sees nothing of the case from its next request on."""
    share = sharing_selectors.share_for_revoke(request.user, case_id, share_id)
    if not recently_reauthenticated(request):
        return redirect(_reauth_url(case_path(share.case) + SECTION_ANCHOR))
    form = RevokeForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    sharing_services.case_share_revoke(actor=request.user, share=share, reason=reason)
    messages.success(
        request,
        _("The share with %(organization)s is withdrawn.") % {"organization": share.recipient.name},
    )
    return redirect(case_path(share.case) + SECTION_ANCHOR)


# --- The disclosure log ----------------------------------------------------------------


@never_cache
@login_required
@require_safe
def disclosures(request: HttpRequest, case_id: Any) -> HttpResponse:
    """Who has seen the record: every read and share by anyone but its assigned
    caseworkers, newest first, printable, in English or Spanish (`?lang=`; by default the
    person's own language when Lantern speaks it)."""
    case, _reach = sharing_selectors.case_for_disclosures(request.user, case_id)
    language = disclosure.page_language(
        request.GET.get("lang", ""), case, translation.get_language() or "en"
    )
    with translation.override(language):
        _total, rows = disclosure.disclosure_log_read(actor=request.user, case=case)
        context = {
            "case": case,
            "rows": rows,
            "language": language,
            "case_url": case_path(case),
            "languages": [("en", "English"), ("es", "Español")],
        }
        return render(request, "cases/sharing/disclosures.html", context)


# --- A case from an accepted referral ---------------------------------------------------


def _from_referral_page(
    request: HttpRequest,
    referral: Referral,
    form: FromReferralForm,
    *,
    status: int = 200,
    duplicates: list[Case] | None = None,
    error: str = "",
) -> HttpResponse:
    codes = sharing_selectors.consented_items(referral)
    carried = sharing_services.CARRIED_ITEMS
    context = {
        "referral": referral,
        "form": form,
        "carried": [Category(c).label for c in codes if c in carried],
        "not_carried": [Category(c).label for c in codes if c not in carried],
        "taken_on": referral.status in sharing_selectors.REFERRAL_STATUSES_FOR_CASE,
        "existing": sharing_selectors.case_of_referral(referral),
        "duplicates": duplicates or [],
        "error": error,
        "referral_url": reverse("referrals:inbox-detail", kwargs={"referral_id": referral.pk}),
    }
    return render(request, "cases/sharing/from_referral.html", context, status=status)


@never_cache
@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def case_from_referral(request: HttpRequest, referral_id: Any) -> HttpResponse:
    """Open a case from a referral the organization accepted, with exactly the items the
    person consented to."""
    referral = sharing_selectors.referral_for_case_opening(request.user, referral_id)
    if request.method != "POST":
        return _from_referral_page(request, referral, FromReferralForm())
    form = FromReferralForm(request.POST)
    reviewed = bool(form.is_valid() and form.cleaned_data["duplicates_reviewed"])
    try:
        case = sharing_services.case_from_referral(
            actor=request.user, referral=referral, duplicates_reviewed=reviewed
        )
    except sharing_services.ReferralNotTakenOn:
        error = _("Open a case once the referral is accepted.")
        return _from_referral_page(request, referral, form, status=409, error=error)
    except sharing_services.ReferralHasCase:
        error = _("A case was already opened from this referral.")
        return _from_referral_page(request, referral, form, status=409, error=error)
    except DuplicatesFound as exc:
        found = sharing_selectors.cases_numbered(c.case_id for c in exc.candidates)
        return _from_referral_page(request, referral, form, status=409, duplicates=found)
    messages.success(request, _("Case %(number)s is open.") % {"number": case.number})
    return redirect(case_path(case))


# --- Referrals sent from a case ---------------------------------------------------------


@never_cache
@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def refer(request: HttpRequest, case_id: Any, service_id: Any) -> HttpResponse:
    """Hold and refer, made from the case: the referral goes through the referral flow and
    the case lists it. The search's filters prefill the person's needs, as they always do."""
    case, _reach = sharing_selectors.case_for_sharing(request.user, case_id)

    def link(referral: Referral) -> None:
        try:
            sharing_services.case_referral_link(actor=request.user, case=case, referral=referral)
        except sharing_services.CaseNotOpenForReferral as exc:
            raise referral_views.SourceNotOpen from exc

    source = referral_views.ReferralSource(
        note=_("Made from case %(number)s: the case will list this referral.")
        % {"number": case.number},
        organization_id=case.organization_id,
        initial={},
        link=link,
    )
    return referral_views.referral_new_page(request, service_id, source=source)


urlpatterns = [
    path("<uuid:case_id>/share/", share_new, name="sharing-share"),
    path("<uuid:case_id>/transfer/", transfer_new, name="sharing-transfer"),
    path("<uuid:case_id>/shares/<uuid:share_id>/revoke/", share_revoke, name="sharing-revoke"),
    path("<uuid:case_id>/disclosures/", disclosures, name="sharing-disclosures"),
    path("<uuid:case_id>/refer/<uuid:service_id>/", refer, name="sharing-refer"),
    path("from-referral/<uuid:referral_id>/", case_from_referral, name="sharing-from-referral"),
]
