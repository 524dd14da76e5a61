"""Case pages, legal part: the retention schedule, legal holds, compelled disclosures and the
child-welfare report, plus this part's section of the case page.

- `/cases/retention/`: the organization admin's retention schedule (SET_RETENTION).
- `/cases/legal/`: the legal keepers' page (organization admins and case supervisors,
  KEEP_LEGAL_RECORDS): holds and orders of their organization, a hold by case number (an
  organization admin never sees the case itself).
- `/cases/legal/holds/<id>/release/`, `/cases/legal/compelled/new/`,
  `/cases/legal/compelled/<id>/` and `.../release/` (a fresh password and code first).
- `/cases/<id>/legal-hold/` and `/cases/<id>/child-report/`: the section's forms (shown on
  a page of their own again when something needs correcting).

Anyone else gets the site's 404. Thin: forms parse, services write, selectors read.
"""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from lantern.accounts.reauth import recently_reauthenticated
from lantern.cases import compelled, legal_selectors, legal_services, policy, selectors
from lantern.cases.legal_forms import (
    ChildReportForm,
    CompelledForm,
    HoldByNumberForm,
    HoldForm,
    NoticeFields,
    RetentionForm,
)
from lantern.cases.models import Case
from lantern.consent.models import CaseGroup
from lantern.core.api_errors import FieldError
from lantern.core.errors import NotFound

LIST_LIMIT = 200
# The section's forms share the case page with other parts' forms: prefixed names and ids.
HOLD_PREFIX = "legal_hold"
CHILD_REPORT_PREFIX = "child_report"


def _case_path(case: Case) -> str:
    return f"/cases/{case.pk}/"


def _form_error(form: Any, exc: FieldError, fallback: str) -> None:
    field = exc.field if exc.field in form.fields else fallback
    form.add_error(field if field in form.fields else None, exc.message)


# --- Retention schedule ---------------------------------------------------------------


def _retention_rows(organizations: list[Any], forms: dict[str, Any]) -> list[dict[str, Any]]:
    rows = []
    for org in organizations:
        schedule = legal_selectors.retention_schedule_of(org.pk)
        days = schedule.days_after_closure if schedule else legal_selectors.DEFAULT_RETENTION_DAYS
        rows.append(
            {
                "organization": org,
                "days": days,
                "years": round(days / legal_selectors.DAYS_PER_YEAR, 1),
                "schedule": schedule,
                "form": forms.get(str(org.pk)) or _retention_form(days),
            }
        )
    return rows


def _retention_form(days: int) -> RetentionForm:
    years = days / legal_selectors.DAYS_PER_YEAR
    if days and legal_selectors.days_for_years(round(years)) == days:
        return RetentionForm(initial={"amount": round(years), "unit": RetentionForm.UNIT_YEARS})
    return RetentionForm(initial={"amount": days, "unit": RetentionForm.UNIT_DAYS})


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def retention_page(request: HttpRequest) -> HttpResponse:
    organizations = legal_selectors.retention_organizations(request.user)
    if not organizations:
        raise NotFound
    forms: dict[str, Any] = {}
    status = 200
    if request.method == "POST":
        by_id = {str(org.pk): org for org in organizations}
        chosen = by_id.get(request.POST.get("organization", ""))
        if chosen is None:
            raise NotFound
        form = RetentionForm(request.POST)
        if form.is_valid():
            try:
                legal_services.retention_set(
                    actor=request.user, organization=chosen, days=form.cleaned_data["days"]
                )
            except FieldError as exc:
                _form_error(form, exc, "amount")
            else:
                messages.success(request, _("The retention schedule was saved."))
                return redirect("cases:retention")
        forms[str(chosen.pk)] = form
        status = 422
    context = {
        "rows": _retention_rows(organizations, forms),
        "max_years": legal_selectors.MAX_RETENTION_YEARS,
    }
    return render(request, "cases/legal/retention.html", context, status=status)


# --- The legal keepers' page ----------------------------------------------------------


def _legal_context(request: HttpRequest, hold_form: HoldByNumberForm) -> dict[str, Any]:
    holds = list(legal_selectors.holds_for(request.user)[:LIST_LIMIT])
    orders = list(legal_selectors.compelled_for(request.user)[:LIST_LIMIT])
    return {
        "holds": holds,
        "orders": [(order, legal_selectors.release_blockers(order)) for order in orders],
        "hold_form": hold_form,
        "list_limit": LIST_LIMIT,
        "today": timezone.localdate(),
    }


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def legal_page(request: HttpRequest) -> HttpResponse:
    organizations = legal_selectors.legal_organizations(request.user)
    if not organizations:
        raise NotFound
    if request.method == "GET":
        form = HoldByNumberForm(organizations=organizations)
        return render(request, "cases/legal/legal.html", _legal_context(request, form))
    form = HoldByNumberForm(request.POST, organizations=organizations)
    if form.is_valid():
        organization = form.organization(form.cleaned_data)
        case = legal_selectors.case_by_number(
            request.user, form.cleaned_data["number"], organization.pk if organization else None
        )
        if case is None:
            form.add_error("number", _("No case of your organization has this number."))
        else:
            try:
                legal_services.legal_hold_place(
                    actor=request.user,
                    case=case,
                    reason=form.cleaned_data["reason"],
                    until=form.cleaned_data["until"],
                )
            except FieldError as exc:
                _form_error(form, exc, "number")
            else:
                messages.success(
                    request, _("Case %(number)s is on legal hold.") % {"number": case.number}
                )
                return redirect("cases:legal")
    return render(request, "cases/legal/legal.html", _legal_context(request, form), status=422)


@login_required
@require_POST
def hold_release(request: HttpRequest, hold_id: int) -> HttpResponse:
    hold = legal_selectors.hold_for_keeper(request.user, hold_id)
    try:
        legal_services.legal_hold_release(actor=request.user, hold=hold)
    except FieldError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request, _("The hold on case %(number)s was released.") % {"number": hold.case.number}
        )
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(target)
    return redirect("cases:legal")


# --- Compelled disclosure -------------------------------------------------------------


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def compelled_new(request: HttpRequest) -> HttpResponse:
    organizations = legal_selectors.legal_organizations(request.user)
    if not organizations:
        raise NotFound
    if request.method == "GET":
        initial = {"number": request.GET.get("number", "")[:20]}
        form = CompelledForm(initial=initial, organizations=organizations)
        return render(request, "cases/legal/compelled_new.html", {"form": form})
    form = CompelledForm(request.POST, organizations=organizations)
    if form.is_valid():
        data = form.cleaned_data
        organization = form.organization(data)
        case = legal_selectors.case_by_number(
            request.user, data["number"], organization.pk if organization else None
        )
        if case is None:
            form.add_error("number", _("No case of your organization has this number."))
        else:
            try:
                disclosure = compelled.compelled_record(
                    actor=request.user,
                    case=case,
                    order_kind=data["order_kind"],
                    received_on=data["received_on"],
                    requested=data["requested"],
                    groups=data["groups"],
                    **form.service_values(),
                )
            except FieldError as exc:
                _form_error(form, exc, "requested")
            else:
                messages.success(request, _("The order was recorded."))
                return redirect("cases:compelled", disclosure_id=disclosure.pk)
    return render(request, "cases/legal/compelled_new.html", {"form": form}, status=422)


def _reauth_url(disclosure_id: int) -> str:
    back = reverse("cases:compelled", kwargs={"disclosure_id": disclosure_id})
    return f"{reverse('accounts:reauth')}?" + urlencode({"next": back})


def _compelled_page(
    request: HttpRequest, disclosure: Any, form: NoticeFields, status: int = 200
) -> HttpResponse:
    compelled.compelled_read(actor=request.user, disclosure=disclosure)
    labels = dict(CaseGroup.choices)
    context = {
        "order": disclosure,
        "group_labels": [labels.get(g, g) for g in disclosure.groups],
        "notified_how_label": dict(compelled.NoticeMethod.choices).get(disclosure.notified_how),
        "blockers": legal_selectors.release_blockers(disclosure),
        "form": form,
        "may_release": recently_reauthenticated(request),
        "reauth_url": _reauth_url(disclosure.pk),
    }
    return render(request, "cases/legal/compelled_detail.html", context, status=status)


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def compelled_detail(request: HttpRequest, disclosure_id: int) -> HttpResponse:
    disclosure = legal_selectors.compelled_for_keeper(request.user, disclosure_id)
    if request.method == "GET":
        form = NoticeFields(initial=NoticeFields.initial_for(disclosure))
        return _compelled_page(request, disclosure, form)
    form = NoticeFields(request.POST)
    if form.is_valid():
        try:
            compelled.compelled_update(
                actor=request.user, disclosure=disclosure, **form.service_values()
            )
        except FieldError as exc:
            _form_error(form, exc, "legal_review")
        else:
            messages.success(request, _("The record was updated."))
            return redirect("cases:compelled", disclosure_id=disclosure.pk)
    return _compelled_page(request, disclosure, form, status=422)


@never_cache
@login_required
@require_POST
def compelled_release_download(request: HttpRequest, disclosure_id: int) -> HttpResponse:
    disclosure = legal_selectors.compelled_for_keeper(request.user, disclosure_id)
    # Personal data leaves the organization: a fresh password and code first.
    if not recently_reauthenticated(request):
        return redirect(_reauth_url(disclosure.pk))
    try:
        release = compelled.compelled_release(actor=request.user, disclosure=disclosure)
    except FieldError as exc:
        messages.error(request, exc.message)
        return redirect("cases:compelled", disclosure_id=disclosure.pk)
    response = HttpResponse(release.content, content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{release.filename}"'
    response["X-Release-SHA256"] = release.sha256
    return response


# --- The case page's forms ------------------------------------------------------------


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def case_hold(request: HttpRequest, case_id: Any) -> HttpResponse:
    case = legal_selectors.case_for_legal(request.user, case_id)
    if case.purged_at is not None:
        raise NotFound
    form = HoldForm(request.POST if request.method == "POST" else None, prefix=HOLD_PREFIX)
    if request.method == "POST" and form.is_valid():
        try:
            legal_services.legal_hold_place(
                actor=request.user,
                case=case,
                reason=form.cleaned_data["reason"],
                until=form.cleaned_data["until"],
            )
        except FieldError as exc:
            _form_error(form, exc, "reason")
        else:
            messages.success(request, _("The case is on legal hold."))
            return redirect(_case_path(case))
    status = 422 if request.method == "POST" else 200
    context = {"case": case, "form": form, "case_path": _case_path(case)}
    return render(request, "cases/legal/case_hold.html", context, status=status)


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def child_report(request: HttpRequest, case_id: Any) -> HttpResponse:
    case, _reach = selectors.case_for_edit(request.user, case_id)
    form = ChildReportForm(
        request.POST if request.method == "POST" else None, prefix=CHILD_REPORT_PREFIX
    )
    if request.method == "POST" and form.is_valid():
        try:
            legal_services.child_report_record(
                actor=request.user,
                case=case,
                reported_on=form.cleaned_data["reported_on"],
                agency=form.cleaned_data["agency"],
                reference=form.cleaned_data["reference"],
            )
        except FieldError as exc:
            _form_error(form, exc, "agency")
        else:
            messages.success(request, _("The report to child welfare was recorded."))
            return redirect(_case_path(case))
    status = 422 if request.method == "POST" else 200
    context = {"case": case, "form": form, "case_path": _case_path(case)}
    return render(request, "cases/legal/child_report.html", context, status=status)


def section_context(request: HttpRequest, case: Any, reach: Any) -> dict[str, Any]:
    """What this part adds to the case page's context (template cases/sections/legal.html):
    one key, `legal`. The child-welfare duty for those who work on the case; holds for its
    organization's legal keepers. Recipients under a share get nothing from this part."""
    if reach is None or not reach.own:
        return {"legal": None}
    keeps = policy.may_keep_legal_records(request.user, case.organization_id)
    purged = case.purged_at is not None
    holds = list(legal_selectors.holds_of_case(case)) if keeps else []
    return {
        "legal": {
            "case_path": _case_path(case),
            "case_number": case.number,
            "child_report_due": legal_selectors.child_report_due(case),
            "child_report_on": case.child_report_on,
            "child_report_agency": case.child_report_agency,
            "child_report_form": (
                ChildReportForm(prefix=CHILD_REPORT_PREFIX)
                if policy.may_edit(reach, case)
                else None
            ),
            "keeps_legal_records": keeps,
            "holds": holds,
            "held": keeps and legal_selectors.case_is_held(case),
            "hold_form": HoldForm(prefix=HOLD_PREFIX) if keeps and not purged else None,
            "purged": purged,
        }
    }


urlpatterns: list[URLPattern] = [
    path("retention/", retention_page, name="retention"),
    path("legal/", legal_page, name="legal"),
    path("legal/holds/<int:hold_id>/release/", hold_release, name="hold-release"),
    path("legal/compelled/new/", compelled_new, name="compelled-new"),
    path("legal/compelled/<int:disclosure_id>/", compelled_detail, name="compelled"),
    path(
        "legal/compelled/<int:disclosure_id>/release/",
        compelled_release_download,
        name="compelled-release",
    ),
    path("<uuid:case_id>/legal-hold/", case_hold, name="case-hold"),
    path("<uuid:case_id>/child-report/", child_report, name="child-report"),
]
