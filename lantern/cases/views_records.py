"""Case pages of the records part: the case list, opening a case (with the duplicate check),
the case page, editing and the change history. Assigning, handing over and merging are in
`views_records_team.py`; their routes are listed here.

Thin views: forms parse, services write, selectors read (404 for a case missing or not
allowed), `reading` opens personal fields and audits every read. Pages with personal data
are never cached.
"""

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe

from lantern.cases import (
    fields,
    indexing,
    labels,
    policy,
    reading,
    selectors,
    services,
    views_legal,
    views_outcomes,
    views_records_team,
    views_sharing,
    views_work,
)
from lantern.cases.forms import PLACE_ROWS, CaseForm, CaseSearchForm
from lantern.cases.models import Case
from lantern.cases.policy import Reach
from lantern.cases.selectors import CaseQuery
from lantern.core.api_errors import FieldError
from lantern.core.bounds import MAX_PAGE

PAGE_SIZE = 25
HISTORY_PAGE = 50
# The other parts' sections of the case page, in the order the page shows them.
SECTION_MODULES = (views_work, views_sharing, views_legal, views_outcomes)
REASON_LABELS = {
    "name": gettext_lazy("Name"),
    "sounds alike": gettext_lazy("Name sounds alike"),
    "birth year": gettext_lazy("Birth year"),
    "language": gettext_lazy("Language"),
    "place": gettext_lazy("Place"),
}


def _names(users: Any) -> list[str]:
    return [user.display_name or user.email for user in users]


def _page_link(request: HttpRequest, key: str, number: int) -> str:
    query = request.GET.copy()
    query[key] = str(number)
    return "?" + query.urlencode()


def _page_context(request: HttpRequest, page: Any, key: str) -> dict[str, Any]:
    return {
        "page": page,
        "previous": _page_link(request, key, page.previous_page_number())
        if page.has_previous()
        else "",
        "next": _page_link(request, key, page.next_page_number()) if page.has_next() else "",
    }


def _page_number(request: HttpRequest, key: str) -> int:
    """A page number from the query string; anything odd is the first page, one past the
    end the last (Paginator.get_page)."""
    try:
        number = int(request.GET.get(key, "1"))
    except ValueError:
        return 1
    return min(max(number, 1), MAX_PAGE)


# --- the list ----------------------------------------------------------------------------


@never_cache
@login_required
@require_safe
def case_list(request: HttpRequest) -> HttpResponse:
    """The cases the user works on (searchable) and the cases shared with their
    organization. One audit event names every case whose alias the page shows."""
    user = request.user
    if not policy.may_open_cases(user):
        raise Http404
    supervisor = bool(policy.supervisor_org_ids(user))
    people = list(selectors.supervised_case_workers(user)) if supervisor else None
    query_keys = set(request.GET) - {"page", "shared_page"}
    form = CaseSearchForm(request.GET if query_keys else None, assignees=people)
    context: dict[str, Any] = {"form": form, "supervisor": supervisor, "searched": False}
    if form.is_bound and not form.is_valid():
        return render(request, "cases/list.html", context, status=422)
    query = CaseQuery()
    if form.is_bound:
        alias = form.cleaned_data.get("alias") or ""
        digests = indexing.alias_search_digests(alias) if alias else ()
        if alias and not digests:
            form.add_error("alias", _("Type at least one word of two letters or more."))
            return render(request, "cases/list.html", context, status=422)
        query = form.query(digests)
        context["searched"] = any(form.cleaned_data.values())
    own = Paginator(selectors.for_listing(selectors.case_search(user, query)), PAGE_SIZE)
    own_page = own.get_page(_page_number(request, "page"))
    shared_cases = selectors.for_listing(
        selectors.cases_shared_with(user).order_by("-opened_on", "-created")
    )
    shared = Paginator(shared_cases, PAGE_SIZE)
    shared_page = shared.get_page(_page_number(request, "shared_page"))
    rows, shared_rows = reading.case_list_page(
        actor=user,
        cases=list(own_page.object_list),
        shared=selectors.shared_case_rows(user, list(shared_page.object_list)),
    )
    context.update(
        rows=[
            {
                "case": row.case,
                "alias": row.alias,
                "status": labels.code_label("status", row.case.status),
                "assignees": _names(a.user for a in row.case.assignments.all()),
            }
            for row in rows
        ],
        own=_page_context(request, own_page, "page"),
        shared_rows=[
            {
                "case": row.case,
                "alias": row.alias,
                "status": labels.code_label("status", row.case.status),
                "organization": row.case.organization.name,
                "expires_at": row.expires_at,
                "identity": "identity" in row.groups,
            }
            for row in shared_rows
        ],
        shared=_page_context(request, shared_page, "shared_page"),
        may_open=bool(selectors.case_organizations(user)),
    )
    return render(request, "cases/list.html", context)


# --- a new case --------------------------------------------------------------------------


def _organization(form: CaseForm, organizations: list[Any]) -> Any:
    chosen = form.organization_id()
    if chosen is None:
        return organizations[0]
    return next(org for org in organizations if str(org.pk) == chosen)


def _duplicates(
    request: HttpRequest, form: CaseForm, candidates: list[indexing.Candidate]
) -> HttpResponse:
    """The possible duplicates, and the way on: "none of these is the same person" (the
    values go back in hidden fields) or open one of them."""
    user = request.user
    by_id = {case.pk: case for case in selectors.cases_by_ids(c.case_id for c in candidates)}
    cases = [by_id[c.case_id] for c in candidates if c.case_id in by_id]
    openable = set()
    for case in cases:
        reach = selectors.reach_for(user, case)
        if reach is not None and reach.own:
            openable.add(case.pk)
    rows = reading.candidate_rows(
        actor=user,
        cases=cases,
        reasons={c.case_id: c.reasons for c in candidates},
        openable=openable,
    )
    context = {
        "form": form,
        "rows": [
            {
                "case": row.case,
                "alias": row.alias,
                "may_open": row.may_open,
                "status": labels.code_label("status", row.case.status),
                "reasons": [str(REASON_LABELS.get(r, r)) for r in row.reasons],
            }
            for row in rows
        ],
    }
    return render(request, "cases/duplicates.html", context)


@never_cache
@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def case_new(request: HttpRequest) -> HttpResponse:
    """A new case. Possible duplicates in the organization are shown first (when an alias
    is given); the case opens once the person says none of them is the same person."""
    user = request.user
    organizations = selectors.case_organizations(user)
    if not organizations:
        raise Http404
    status = 200
    if request.method != "POST":
        form = CaseForm(organizations=organizations)
    else:
        form = CaseForm(request.POST, organizations=organizations)
        if "revise" in request.POST:
            form.full_clean()  # back to the form with the values, to change them
        elif not form.is_valid():
            status = 422
        else:
            try:
                case = services.case_create(
                    actor=user,
                    organization=_organization(form, organizations),
                    data=form.case_data(),
                    duplicates_reviewed=request.POST.get("duplicates_reviewed") == "1",
                )
            except services.DuplicatesFound as exc:
                return _duplicates(request, form, exc.candidates)
            except FieldError as exc:
                form.add_service_error(exc)
                status = 422
            else:
                messages.success(request, _("Case %(number)s is open.") % {"number": case.number})
                return redirect("cases:detail", case_id=case.pk)
    context = {"form": form, "new": True, "place_groups": form.place_groups()}
    return render(request, "cases/form.html", context, status=status)


# --- the case page -----------------------------------------------------------------------


def section_context(request: HttpRequest, case: Any, reach: Any) -> dict[str, Any]:
    """What this part adds to the case page (cases/sections/records.html): who works on
    it, and the cases merged into it (or the one it was merged into)."""
    supervisor = bool(reach is not None and reach.supervisor)
    return {
        "records_assignees": _names(selectors.assignees_of(case)) if reach.own else [],
        "records_merged_from": [
            {"number": merged.number, "url": reverse("cases:detail", args=[merged.pk])}
            for merged in case.merged_from.order_by("number")
        ],
        "records_merged_into": case.merged_into,
        "records_supervisor": supervisor,
    }


def _banner(request: HttpRequest, case: Case, reach: Reach) -> dict[str, Any] | None:
    if reach.own:
        return None
    rows = selectors.shared_case_rows(request.user, [case])
    return {
        "organization": case.organization.name,
        "until": rows[0].expires_at if rows else None,
    }


@never_cache
@login_required
@require_safe
def case_detail(request: HttpRequest, case_id: Any) -> HttpResponse:
    case, reach = selectors.case_for_user(request.user, case_id)
    detail = reading.case_read(actor=request.user, case=case, reach=reach)
    editable = policy.may_edit(reach, case) and case.merged_into_id is None
    context: dict[str, Any] = {
        "case": case,
        "reach": reach,
        "status": labels.code_label("status", case.status),
        "groups": [
            {
                "code": group,
                "title": labels.GROUP_TITLES[group],
                "lines": labels.group_lines(group, detail.values),
            }
            for group in labels.GROUP_TITLES
            if reach.sees(group)
        ],
        "banner": _banner(request, case, reach),
        "may_edit": editable,
        "may_assign": editable and (reach.supervisor or case.owner_id == request.user.pk),
        "may_merge": editable and reach.supervisor,
        "may_read_history": reach.own,
    }
    context.update(section_context(request, case, reach))
    for module in SECTION_MODULES:
        context.update(module.section_context(request, case, reach))
    return render(request, "cases/detail.html", context)


# --- editing -----------------------------------------------------------------------------


@never_cache
@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def case_edit(request: HttpRequest, case_id: Any) -> HttpResponse:
    case, reach = selectors.case_for_edit(request.user, case_id)
    options: dict[str, Any] = {
        "place_rows": max(PLACE_ROWS, case.places.count() + 1),
        "with_status": case.status in fields.OPEN_STATUSES,
        "editing": True,
    }
    status = 200
    if request.method != "POST":
        detail = reading.case_read(actor=request.user, case=case, reach=reach)
        form = CaseForm(initial=CaseForm.initial_from(detail.values), **options)
    else:
        form = CaseForm(request.POST, **options)
        if not form.is_valid():
            status = 422
        else:
            try:
                changed = services.case_update(actor=request.user, case=case, data=form.case_data())
            except FieldError as exc:
                form.add_service_error(exc)
                status = 422
            else:
                text = _("Saved.") if changed else _("Nothing changed.")
                messages.success(request, text)
                return redirect("cases:detail", case_id=case.pk)
    context = {"form": form, "case": case, "new": False, "place_groups": form.place_groups()}
    return render(request, "cases/form.html", context, status=status)


# --- the history -------------------------------------------------------------------------


@never_cache
@login_required
@require_safe
def case_history(request: HttpRequest, case_id: Any) -> HttpResponse:
    """Who changed which field and when, with the old and new values (opened with the
    case key; reading them is audited). Also the history of the cases merged into it."""
    case, reach = selectors.case_for_user(request.user, case_id)
    if not reach.own:
        raise Http404
    number = _page_number(request, "page")
    rows, total = reading.case_history(
        actor=request.user,
        case=case,
        reach=reach,
        limit=HISTORY_PAGE,
        offset=(number - 1) * HISTORY_PAGE,
    )
    pages = max((total + HISTORY_PAGE - 1) // HISTORY_PAGE, 1)
    context = {
        "case": case,
        "merged": case.merged_from.exists(),
        "rows": [
            {
                "number": row.case.number,
                "field": labels.field_label(row.field),
                "who": (row.actor.display_name or row.actor.email) if row.actor else "",
                "at": row.at,
                "old": labels.value_text(row.field, row.old),
                "new": labels.value_text(row.field, row.new),
            }
            for row in rows
        ],
        "total": total,
        "previous": "?" + urlencode({"page": number - 1}) if number > 1 else "",
        "next": "?" + urlencode({"page": number + 1}) if number < pages else "",
    }
    return render(request, "cases/history.html", context)


urlpatterns: list[URLPattern] = [
    path("", case_list, name="list"),
    path("new/", case_new, name="new"),
    path("handover/", views_records_team.handover, name="handover"),
    path("<uuid:case_id>/", case_detail, name="detail"),
    path("<uuid:case_id>/edit/", case_edit, name="edit"),
    path("<uuid:case_id>/history/", case_history, name="history"),
    path("<uuid:case_id>/assign/", views_records_team.case_assign, name="assign"),
    path("<uuid:case_id>/merge/", views_records_team.case_merge, name="merge"),
]
