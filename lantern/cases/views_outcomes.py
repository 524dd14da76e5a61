"""Case pages: outcomes. The assessments of a case (its section on the case page, and a page
of its own with every assessment and the form), and the program evaluation page.

- `/cases/<id>/assessments/`: whoever may see the case's "assessments" group reads them
  (audited, a disclosure for anyone not assigned); whoever may change the case records one.
  Anyone else gets 404, as for a case that does not exist.
- `/cases/evaluation/`: the supervisors of an organization (`policy.may_evaluate`); figures
  only, no personal data, the small-number rule applied (`evaluation.py`).
"""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe

from lantern.cases import evaluation, policy, selectors
from lantern.cases.assessments import assessment_record, assessments_read, scale
from lantern.cases.models import Case
from lantern.cases.models.work import AssessmentKind
from lantern.cases.outcomes_charts import evaluation_context
from lantern.cases.outcomes_forms import AssessmentForm, EvaluationForm
from lantern.cases.policy import Reach
from lantern.core.api_errors import FieldError
from lantern.core.errors import NotFound


def _new_form(history: Any) -> AssessmentForm:
    """A blank assessment, set to intake until the case has one, then to a follow-up."""
    kinds = history.kinds if history is not None else set()
    kind = AssessmentKind.INTERVAL if AssessmentKind.INTAKE in kinds else AssessmentKind.INTAKE
    return AssessmentForm(initial={"kind": kind})


def _outcomes(request: HttpRequest, case: Case, reach: Reach, form: Any = None) -> Any:
    history = assessments_read(actor=request.user, case=case, reach=reach)
    if history is None:
        return None
    may_assess = policy.may_edit(reach, case) and case.merged_into_id is None
    return {
        "case": case,
        "history": history,
        "form": (form or _new_form(history)) if may_assess else None,
        "may_evaluate": reach.own and policy.may_evaluate(request.user, case.organization_id),
    }


def section_context(request: HttpRequest, case: Any, reach: Any) -> dict[str, Any]:
    """What this part adds to the case page's context (template cases/sections/outcomes.html):
    `outcomes` is None when the reader's reach does not cover the assessments."""
    return {"outcomes": _outcomes(request, case, reach)}


@never_cache
@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def assessments_page(request: HttpRequest, case_id: Any) -> HttpResponse:
    form = None
    status = 200
    if request.method == "POST":
        case, reach = selectors.case_for_edit(request.user, case_id)
        form = AssessmentForm(request.POST)
        if form.is_valid():
            try:
                assessment_record(
                    actor=request.user,
                    case=case,
                    kind=form.cleaned_data["kind"],
                    assessed_on=form.cleaned_data["assessed_on"],
                    scores=form.scores(),
                )
            except FieldError as exc:
                form.place_error(exc)
            else:
                messages.success(request, _("The assessment was recorded."))
                return redirect("cases:assessments", case_id=case.pk)
        status = 422
    else:
        case, reach = selectors.case_for_user(request.user, case_id)
    outcomes = _outcomes(request, case, reach, form)
    if outcomes is None:
        raise NotFound
    outcomes["scale"] = scale()
    return render(request, "cases/outcomes/assessments.html", outcomes, status=status)


@never_cache
@login_required
@require_safe
def evaluation_page(request: HttpRequest) -> HttpResponse:
    organizations = evaluation.organizations_to_evaluate(request.user)
    if not organizations:
        raise NotFound
    form = EvaluationForm(
        request.GET, organizations=[(str(org.pk), org.name) for org in organizations]
    )
    context: dict[str, Any] = {"form": form}
    if form.is_valid():
        result = evaluation.program_evaluation(form.filters)
        context.update(evaluation_context(result))
        context["organization"] = next(
            org for org in organizations if str(org.pk) == str(form.filters.organization_id)
        )
    return render(
        request, "cases/outcomes/evaluation.html", context, status=200 if form.is_valid() else 422
    )


urlpatterns: list[URLPattern] = [
    path("evaluation/", evaluation_page, name="evaluation"),
    path("<uuid:case_id>/assessments/", assessments_page, name="assessments"),
]
