"""Case pages: the work on a case (service plan, tasks, notes, documents, approvals) and the
supervisor's dashboard.

The case page (records part) includes `cases/sections/work.html` with `section_context`;
`/cases/<id>/work/` shows the same section on a page of its own, which is where a form of
the section comes back with its errors (422, or 409 when someone else got there first);
after a change the person is sent back to the case page at `#work`, with a message. Forms
parse, services write, selectors read, policy decides; a case, row or group the user may not
see is the site's 404.
"""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST, require_safe

from lantern.cases import approvals, dashboard, selectors, work_policy, work_selectors
from lantern.cases import work_services as services
from lantern.cases.documents import max_bytes, size_text
from lantern.cases.models import Case
from lantern.cases.models.work import GoalStatus
from lantern.cases.policy import Reach
from lantern.cases.work_forms import (
    ApprovalDecisionForm,
    ApprovalRequestForm,
    DocumentForm,
    GoalForm,
    GoalUpdateForm,
    NoteForm,
    TaskForm,
    TaskUpdateForm,
)
from lantern.core.api_errors import FieldError
from lantern.core.errors import NotFound

PAGE = "cases/work/page.html"
SECTION_ANCHOR = "#work"
DOWNLOAD_CHUNK = 64 * 1024


# --- the section and its page ------------------------------------------------------------


def _goal_labels(view: work_selectors.WorkView) -> list[tuple[Any, str]]:
    return [
        (goal.goal.pk, f"{domain.label}: {goal.text[:60]}")
        for domain in view.domains
        for goal in domain.goals
    ]


def section_context(request: HttpRequest, case: Any, reach: Any, **bound: Any) -> dict[str, Any]:
    """What this part adds to the case page's context (template cases/sections/work.html).
    Every key starts with `work_`. Opening the notes, plan and documents is audited."""
    view = work_selectors.work_read(
        actor=request.user, case=case, reach=reach, today=timezone.localdate()
    )
    may_work = work_policy.may_work(reach, case)
    context: dict[str, Any] = {
        "work": view,
        "work_case": case,
        "work_may_work": may_work,
        "work_may_note": work_policy.may_add_note(reach, case),
        "work_may_decide": work_policy.may_decide(request.user, case),
        "work_user_id": request.user.pk,
        "work_max_size": size_text(max_bytes()),
        "work_goal_statuses": GoalStatus.choices,
        "work_has_goals": any(domain.goals for domain in view.domains),
    }
    if may_work:
        people = work_selectors.caseworkers(case.organization_id)
        task_form = bound.get("task_form")
        if task_form is not None:  # sent back with its errors: the goals get their labels
            task_form.set_goals(_goal_labels(view))
        context.update(
            work_goal_form=bound.get("goal_form")
            or GoalForm(
                services=work_selectors.service_choices(case),
                referrals=work_selectors.referral_choices(case),
            ),
            work_task_form=task_form
            or TaskForm(
                people=people,
                goals=_goal_labels(view),
                initial={"assignee": str(request.user.pk)},
            ),
            work_people=people,
            work_document_form=bound.get("document_form") or DocumentForm(),
            work_request_form=bound.get("request_form") or ApprovalRequestForm(),
        )
    if context["work_may_note"]:
        context["work_note_form"] = bound.get("note_form") or NoteForm()
    if context["work_may_decide"]:
        context["work_decision_form"] = bound.get("decision_form") or ApprovalDecisionForm()
        context["work_decision_for"] = bound.get("decision_for")
    context["work_error"] = bound.get("error", "")
    return context


def _page(
    request: HttpRequest, case: Case, reach: Reach, *, status: int = 200, **bound: Any
) -> HttpResponse:
    context = section_context(request, case, reach, **bound)
    return render(request, PAGE, context, status=status)


def _back(case: Case) -> HttpResponse:
    """After a change: the case page, at this section (its messages say what happened)."""
    return redirect(reverse("cases:detail", args=[case.pk]) + SECTION_ANCHOR)


def _field_message(exc: FieldError) -> str:
    """What a person reads for a service's refusal (the service's own text is for the API)."""
    if exc.field == "due_on":
        if "past" in exc.message:
            return _("The due date cannot be in the past.")
        return _("Give the task a valid due date.")
    messages_by_field = {
        "assignee": _("Choose a caseworker of the case's organization."),
        "goal": _("Choose a goal of this case's plan."),
        "services": _("Choose services from the list."),
        "referrals": _("Choose referrals from the list."),
    }
    return messages_by_field.get(
        exc.field, _("This cannot be saved as it is. Check it and try again.")
    )


def _invalid(
    request: HttpRequest, case: Case, reach: Reach, form_key: str, form: Any, exc: FieldError
) -> HttpResponse:
    """A service's FieldError shown on the form it came from (or above the section)."""
    message = _field_message(exc)
    if exc.field in form.fields:
        form.add_error(exc.field, message)
        return _page(request, case, reach, status=422, **{form_key: form})
    return _page(request, case, reach, status=422, **{form_key: form, "error": message})


def _case(request: HttpRequest, case_id: Any) -> tuple[Case, Reach]:
    return selectors.case_for_user(request.user, case_id)


def _writer(case: Case, reach: Reach) -> None:
    if not work_policy.may_work(reach, case):
        raise NotFound


@never_cache
@login_required
@require_safe
def work_page(request: HttpRequest, case_id: Any) -> HttpResponse:
    case, reach = _case(request, case_id)
    return _page(request, case, reach)


# --- plan: goals and tasks ---------------------------------------------------------------


@never_cache
@login_required
@require_POST
def goal_add(request: HttpRequest, case_id: Any) -> HttpResponse:
    case, reach = _case(request, case_id)
    _writer(case, reach)
    form = GoalForm(
        request.POST,
        services=work_selectors.service_choices(case),
        referrals=work_selectors.referral_choices(case),
    )
    if not form.is_valid():
        return _page(request, case, reach, status=422, goal_form=form)
    try:
        services.goal_add(
            actor=request.user,
            case=case,
            reach=reach,
            domain=form.cleaned_data["domain"],
            text=form.cleaned_data["text"],
            services=form.cleaned_data["services"],
            referrals=form.cleaned_data["referrals"],
        )
    except FieldError as exc:
        return _invalid(request, case, reach, "goal_form", form, exc)
    messages.success(request, _("The goal is added to the plan."))
    return _back(case)


@never_cache
@login_required
@require_POST
def goal_update(request: HttpRequest, case_id: Any, goal_id: int) -> HttpResponse:
    case, reach = _case(request, case_id)
    _writer(case, reach)
    goal = work_selectors.goal_for(case, reach, goal_id)
    form = GoalUpdateForm(request.POST)
    if not form.is_valid():
        return _page(request, case, reach, status=422, error=_("Choose a status for the goal."))
    services.goal_update(
        actor=request.user, case=case, reach=reach, goal=goal, status=form.cleaned_data["status"]
    )
    messages.success(request, _("The goal is updated."))
    return _back(case)


@never_cache
@login_required
@require_POST
def task_add(request: HttpRequest, case_id: Any) -> HttpResponse:
    case, reach = _case(request, case_id)
    _writer(case, reach)
    form = TaskForm(
        request.POST,
        people=work_selectors.caseworkers(case.organization_id),
        goals=[(g.pk, "") for g in case.goals.all()],
    )
    if not form.is_valid():
        return _page(request, case, reach, status=422, task_form=form)
    try:
        services.task_add(
            actor=request.user,
            case=case,
            reach=reach,
            title=form.cleaned_data["title"],
            due_on=form.cleaned_data["due_on"],
            assignee=form.cleaned_data["assignee"],
            goal=form.cleaned_data["goal"] or None,
        )
    except FieldError as exc:
        return _invalid(request, case, reach, "task_form", form, exc)
    messages.success(request, _("The task is added."))
    return _back(case)


@never_cache
@login_required
@require_POST
def task_update(request: HttpRequest, case_id: Any, task_id: int) -> HttpResponse:
    case, reach = _case(request, case_id)
    _writer(case, reach)
    task = work_selectors.task_for(case, reach, task_id)
    form = TaskUpdateForm(request.POST, people=work_selectors.caseworkers(case.organization_id))
    if not form.is_valid():
        return _page(request, case, reach, status=422, error=_task_update_error(form))
    try:
        services.task_update(
            actor=request.user,
            case=case,
            reach=reach,
            task=task,
            due_on=form.cleaned_data["due_on"],
            assignee=form.cleaned_data["assignee"],
        )
    except FieldError as exc:
        return _page(request, case, reach, status=422, error=_field_message(exc))
    messages.success(request, _("The task is updated."))
    return _back(case)


def _task_update_error(form: TaskUpdateForm) -> str:
    if "due_on" in form.errors:
        return _("Give the task a valid due date.")
    return _("Choose who does the task.")


@never_cache
@login_required
@require_POST
def task_done(request: HttpRequest, case_id: Any, task_id: int) -> HttpResponse:
    case, reach = _case(request, case_id)
    _writer(case, reach)
    task = work_selectors.task_for(case, reach, task_id)
    services.task_done(actor=request.user, case=case, reach=reach, task=task)
    messages.success(request, _("The task is marked done."))
    return _back(case)


# --- notes and documents -----------------------------------------------------------------


@never_cache
@login_required
@require_POST
def note_add(request: HttpRequest, case_id: Any) -> HttpResponse:
    case, reach = _case(request, case_id)
    if not work_policy.may_add_note(reach, case):
        raise NotFound
    form = NoteForm(request.POST)
    if not form.is_valid():
        return _page(request, case, reach, status=422, note_form=form)
    try:
        services.note_add(
            actor=request.user, case=case, reach=reach, body=form.cleaned_data["body"]
        )
    except FieldError as exc:
        return _invalid(request, case, reach, "note_form", form, exc)
    messages.success(request, _("The note is saved."))
    return _back(case)


@never_cache
@login_required
@require_POST
def document_upload(request: HttpRequest, case_id: Any) -> HttpResponse:
    case, reach = _case(request, case_id)
    _writer(case, reach)
    form = DocumentForm(request.POST, request.FILES)
    if not form.is_valid():
        return _page(request, case, reach, status=422, document_form=form)
    upload = form.cleaned_data["file"]
    limit = max_bytes()
    if upload.size is not None and upload.size > limit:
        form.add_error(
            "file", _("The file is larger than %(limit)s.") % {"limit": size_text(limit)}
        )
        return _page(request, case, reach, status=422, document_form=form)
    try:
        services.document_add(
            actor=request.user,
            case=case,
            reach=reach,
            data=upload.read(limit + 1),
            filename=upload.name or "",
            document_type=form.cleaned_data["document_type"],
        )
    except FieldError as exc:
        form.add_error("file", _document_error(exc))
        return _page(request, case, reach, status=422, document_form=form)
    messages.success(request, _("The document is stored."))
    return _back(case)


def _document_error(exc: FieldError) -> str:
    if exc.field != "file":
        return _field_message(exc)
    if "empty" in exc.message:
        return _("The file is empty.")
    if "larger" in exc.message:
        return _("The file is larger than %(limit)s.") % {"limit": size_text(max_bytes())}
    if "not a file we accept" in exc.message:
        return _("This kind of file is not accepted. Send a PDF, JPEG, PNG or WebP file.")
    return _("The file could not be read. It may be damaged or too large an image.")


@never_cache
@login_required
@require_safe
def document_download(
    request: HttpRequest, case_id: Any, document_id: Any
) -> StreamingHttpResponse:
    case, reach = _case(request, case_id)
    document = work_selectors.document_for(case, reach, document_id)
    opened = work_selectors.document_open(
        actor=request.user, case=case, reach=reach, document=document
    )
    content = opened.content
    chunks = (content[i : i + DOWNLOAD_CHUNK] for i in range(0, len(content), DOWNLOAD_CHUNK))
    response = StreamingHttpResponse(chunks, content_type=opened.media_type)
    response["Content-Length"] = str(len(content))
    response["Content-Disposition"] = content_disposition_header(True, opened.filename) or (
        "attachment"
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "no-store"
    return response


# --- approvals ---------------------------------------------------------------------------


@never_cache
@login_required
@require_POST
def approval_request(request: HttpRequest, case_id: Any) -> HttpResponse:
    case, reach = _case(request, case_id)
    _writer(case, reach)
    form = ApprovalRequestForm(request.POST)
    if not form.is_valid():
        return _page(request, case, reach, status=422, error=_("Choose what to put forward."))
    try:
        asked = approvals.approval_request(
            actor=request.user,
            case=case,
            reach=reach,
            kind=form.cleaned_data["kind"],
            closing_status=form.cleaned_data["closing_status"],
        )
    except approvals.AlreadyPending:
        message = _("This is already waiting for a supervisor.")
        return _page(request, case, reach, status=409, error=message)
    except FieldError as exc:
        return _page(request, case, reach, status=422, error=_request_error(exc))
    messages.success(request, _("Sent to the supervisors for approval."))
    if asked.missing_closure_assessment:
        messages.warning(
            request,
            _("Reminder: no closure assessment is recorded yet. Add one before the case closes."),
        )
    return _back(case)


def _request_error(exc: FieldError) -> str:
    if exc.field == "closing_status":
        return _("Choose how the case closes: Closed, or Closed (referred on).")
    if "closed" in exc.message:
        return _("The case is already closed.")
    return _("Add at least one goal to the plan before putting it forward.")


@never_cache
@login_required
@require_POST
def approval_decide(request: HttpRequest, case_id: Any, approval_id: int) -> HttpResponse:
    case = selectors.case_for_supervisor(request.user, case_id)
    reach = selectors.reach_for(request.user, case)
    if reach is None:
        raise NotFound
    approval = work_selectors.approval_for(case, approval_id)
    form = ApprovalDecisionForm(request.POST)
    bound = {"decision_form": form, "decision_for": approval.pk}
    if not form.is_valid():
        return _page(request, case, reach, status=422, **bound)
    try:
        approvals.approval_decide(
            actor=request.user,
            approval=approval,
            approve=form.cleaned_data["decision"] == "approve",
            comment=form.cleaned_data["comment"],
        )
    except approvals.NotPending:
        message = _("This was already decided, perhaps a moment ago. The page below is up to date.")
        return _page(request, case, reach, status=409, error=message)
    except approvals.OwnRequest:
        message = _("Another supervisor must decide this: you asked for it yourself.")
        return _page(request, case, reach, status=409, error=message)
    except FieldError as exc:
        if exc.field == "comment":
            form.add_error("comment", _("Say what should change when you return it."))
            return _page(request, case, reach, status=422, **bound)
        raise
    messages.success(request, _("Your decision is recorded."))
    return _back(case)


# --- the supervisor's dashboard ----------------------------------------------------------


@never_cache
@login_required
@require_safe
def supervision_page(request: HttpRequest) -> HttpResponse:
    if not work_policy.may_see_supervision(request.user):
        raise NotFound
    today = timezone.localdate()
    context = {
        "boards": dashboard.boards_for(request.user, today),
        "today": today,
        "interval_days": dashboard.assessment_interval_days(),
        "first_days": dashboard.FIRST_ASSESSMENT_DAYS,
    }
    return render(request, "cases/work/supervision.html", context)


urlpatterns: list[URLPattern] = [
    path("supervision/", supervision_page, name="supervision"),
    path("<uuid:case_id>/work/", work_page, name="work"),
    path("<uuid:case_id>/goals/", goal_add, name="work-goal-add"),
    path("<uuid:case_id>/goals/<int:goal_id>/", goal_update, name="work-goal-update"),
    path("<uuid:case_id>/tasks/", task_add, name="work-task-add"),
    path("<uuid:case_id>/tasks/<int:task_id>/", task_update, name="work-task-update"),
    path("<uuid:case_id>/tasks/<int:task_id>/done/", task_done, name="work-task-done"),
    path("<uuid:case_id>/notes/", note_add, name="work-note-add"),
    path("<uuid:case_id>/documents/", document_upload, name="work-document-upload"),
    path(
        "<uuid:case_id>/documents/<uuid:document_id>/",
        document_download,
        name="work-document-download",
    ),
    path("<uuid:case_id>/approvals/", approval_request, name="work-approval-request"),
    path(
        "<uuid:case_id>/approvals/<int:approval_id>/",
        approval_decide,
        name="work-approval-decide",
    ),
]
