"""Case pages of the records part about the people on a case: assigning caseworkers (the
case's supervisor or owner), handing a caseworker's cases to another, and merging two
records of one person (supervisors). Routes are in `views_records.urlpatterns`."""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from lantern.cases import labels, policy, reading, selectors, services, supervision
from lantern.cases.forms import AssignForm, HandoverForm, MergeForm
from lantern.cases.models import Case
from lantern.core.api_errors import FieldError


def _name(user: Any) -> str:
    return str(user.display_name or user.email)


# --- assigning ---------------------------------------------------------------------------


@never_cache
@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def case_assign(request: HttpRequest, case_id: Any) -> HttpResponse:
    """Who works on the case: add a caseworker of the organization, or take one off (never
    the owner: hand the case over first)."""
    user = request.user
    case, reach = selectors.case_for_edit(user, case_id)
    if not (reach.supervisor or case.owner_id == user.pk):
        raise Http404
    people = list(selectors.case_workers(case.organization_id))
    status = 200
    error = ""
    if request.method == "POST":
        form = AssignForm(request.POST, people=people)
        if form.is_valid():
            chosen = next(p for p in people if str(p.pk) == form.cleaned_data["user"])
            try:
                if form.cleaned_data["action"] == "assign":
                    services.case_assign(actor=user, case=case, user=chosen)
                    text = _("%(name)s now works on this case.")
                else:
                    services.case_unassign(actor=user, case=case, user=chosen)
                    text = _("%(name)s no longer works on this case.")
            except FieldError as exc:
                error = exc.message
                status = 422
            else:
                messages.success(request, text % {"name": _name(chosen)})
                return redirect("cases:assign", case_id=case.pk)
        else:
            error = _("Choose a caseworker of the organization.")
            status = 422
    assigned = selectors.assignees_of(case)
    assigned_ids = {person.pk for person in assigned}
    others = [person for person in people if person.pk not in assigned_ids]
    context = {
        "case": case,
        "assigned": [
            {"user": person, "name": _name(person), "owner": person.pk == case.owner_id}
            for person in assigned
        ],
        "form": AssignForm(initial={"action": "assign"}, people=others) if others else None,
        "error": error,
    }
    return render(request, "cases/assign.html", context, status=status)


# --- handing over ------------------------------------------------------------------------


@never_cache
@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def handover(request: HttpRequest) -> HttpResponse:
    """A supervisor hands every case (or the ones ticked) of one caseworker to another,
    with a note added to each case. Choosing the caseworker first (a GET) lists their
    cases, so the page works without JavaScript."""
    user = request.user
    if not policy.supervisor_org_ids(user):
        raise Http404
    people = list(selectors.supervised_case_workers(user))
    source = request.POST if request.method == "POST" else request.GET
    from_user = next((p for p in people if str(p.pk) == source.get("from_user", "")), None)
    cases: list[Case] = (
        list(selectors.worker_cases_for_supervisor(user, from_user)) if from_user else []
    )
    status = 200
    if request.method == "POST":
        form = HandoverForm(request.POST, people=people, cases=cases)
        if form.is_valid():
            ticked = set(form.cleaned_data["cases"])
            chosen = [case for case in cases if str(case.pk) in ticked] or cases
            to_user = next(p for p in people if str(p.pk) == form.cleaned_data["to_user"])
            try:
                handed = supervision.case_handover(
                    actor=user,
                    from_user=from_user,
                    to_user=to_user,
                    cases=chosen,
                    note=form.cleaned_data["note"],
                )
            except FieldError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
                status = 422
            else:
                messages.success(
                    request,
                    ngettext(
                        "%(count)d case handed over to %(name)s.",
                        "%(count)d cases handed over to %(name)s.",
                        len(handed),
                    )
                    % {"count": len(handed), "name": _name(to_user)},
                )
                return redirect(reverse("cases:list") + f"?assignee={to_user.pk}")
        else:
            status = 422
    else:
        form = HandoverForm(
            initial={"from_user": str(from_user.pk)} if from_user else None,
            people=people,
            cases=cases,
        )
    context = {
        "form": form,
        "from_user": from_user,
        "from_name": _name(from_user) if from_user else "",
        "cases": [
            {"case": case, "status": labels.code_label("status", case.status)} for case in cases
        ],
        "people": [{"id": str(p.pk), "name": _name(p)} for p in people],
    }
    return render(request, "cases/handover.html", context, status=status)


# --- merging -----------------------------------------------------------------------------


def _mergeable(user: Any, case_id: Any) -> Case:
    case = selectors.case_for_supervisor(user, case_id)
    if case.merged_into_id is not None or case.purged_at is not None:
        raise Http404
    return case


def _other(keep: Case, number: str) -> tuple[Case | None, str]:
    other = selectors.case_by_number(keep.organization_id, number)
    if other is None:
        return None, _("No case of this organization has that number.")
    if other.pk == keep.pk:
        return None, _("That is this case. Give the number of the duplicate.")
    if other.merged_into_id is not None:
        return None, _("That case was already merged into another.")
    if other.purged_at is not None:
        return None, _("That case was purged: nothing is left to merge.")
    return other, ""


@never_cache
@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def case_merge(request: HttpRequest, case_id: Any) -> HttpResponse:
    """Merge a duplicate (by its number) into this case: first the two cases side by side,
    then the confirmation. The duplicate is closed; both histories stay."""
    user = request.user
    keep = _mergeable(user, case_id)
    status = 200
    form = MergeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        other, problem = _other(keep, form.cleaned_data["number"])
        if other is None:
            form.add_error("number", problem)
            status = 422
        elif request.POST.get("confirm") == "1":
            try:
                filled = supervision.case_merge(actor=user, keep=keep, merge=other)
            except FieldError as exc:
                form.add_error("number", exc.message)
                status = 422
            else:
                messages.success(
                    request,
                    _("Case %(merged)s is merged into this one.") % {"merged": other.number}
                    + (
                        " "
                        + _("Filled in from it: %(fields)s.")
                        % {"fields": ", ".join(labels.field_label(f) for f in filled)}
                        if filled
                        else ""
                    ),
                )
                return redirect("cases:detail", case_id=keep.pk)
        else:
            rows = reading.case_list_rows(actor=user, cases=[keep, other])
            context = {
                "case": keep,
                "form": form,
                "pair": [
                    {
                        "case": row.case,
                        "alias": row.alias,
                        "status": labels.code_label("status", row.case.status),
                    }
                    for row in rows
                ],
            }
            return render(request, "cases/merge.html", context)
    elif request.method == "POST":
        status = 422
    return render(request, "cases/merge.html", {"case": keep, "form": form}, status=status)
