"""Find help: the survivor pages (no login).

A short flow at `/`: where you are, what help you need, then a few optional questions.
Results appear after the first step and sharpen with each answer.

Privacy. The answers describe a person, so they travel only in the body of POST requests
(hidden fields carry earlier answers to the next step): never in the URL, the browser
history's URLs, a cookie or the session, and they are never stored or logged. The language
choice travels the same way (a hidden field), so these pages set no cookie at all.

Why the POST is exempt from CSRF: a search changes nothing on the server and the response
is shown only to the browser that asked, so a forged cross-site POST gains an attacker
nothing; the CSRF token would need a cookie on a survivor's phone, which we avoid. The
page is framed by nobody (`frame-ancestors 'none'`) and forms post only to this origin.

With JavaScript, HTMX posts the same form and swaps the page in place (so the whole flow
stays one entry in the browser history) and refreshes only the results after each answer.
"""

from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import translation
from django.utils.translation import gettext_noop
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from lantern.findhelp.forms import (
    LOCATION_FIELDS,
    MORE,
    RADIO_FIELDS,
    STEP_FIELDS,
    STEPS,
    WHAT,
    WHERE,
    NeedsForm,
)
from lantern.matching.cards import result_card
from lantern.matching.services import MatchPage, find_help

RESULT_LIMIT = 20

# The engine builds this sentence inside an f-string, where makemessages cannot see it.
gettext_noop("The address is kept private.")


def _use_language(request: HttpRequest) -> None:
    """A language picked on the page (a button or hidden field, or ?lang= on plain links)
    wins over the browser's Accept-Language, without a cookie."""
    source = request.POST if request.method == "POST" else request.GET
    wanted = source.get("switch_lang") or source.get("lang")
    if wanted and wanted in dict(settings.LANGUAGES):
        translation.activate(wanted)
        request.LANGUAGE_CODE = wanted


def _next_step(data: Any) -> str:
    current = data.get("step") if data.get("step") in STEPS else WHERE
    if data.get("switch_lang"):
        return str(current)
    go = data.get("go", "")
    if go == "skip-where":
        return WHAT
    if go == "skip-what":
        return MORE
    return str(go) if go in STEPS else str(current)


@csrf_exempt  # a read-only search that needs no cookie; see the module docstring
@require_http_methods(["GET", "POST"])
def find_help_page(request: HttpRequest) -> HttpResponse:
    _use_language(request)
    if request.method == "GET":
        form = NeedsForm(initial=dict.fromkeys(RADIO_FIELDS, ""))
        return _render(request, form=form, step=WHERE, page=None)

    data = request.POST.copy()
    step = _next_step(data)
    # "Skip this" drops whatever was typed on that step.
    if data.get("go") == "skip-where":
        for name in LOCATION_FIELDS:
            data.pop(name, None)
    elif data.get("go") == "skip-what":
        data.pop("help", None)
    for name in RADIO_FIELDS:  # an unanswered question shows "Prefer not to say" checked
        data.setdefault(name, "")
    form = NeedsForm(data)
    valid = form.is_valid()
    if not valid:
        step = next(s for s in STEPS if any(n in form.errors for n in STEP_FIELDS[s]))
    # Results from the first step on; none while an answer needs fixing.
    page = (
        find_help(form.needs(), user=request.user, limit=RESULT_LIMIT)
        if valid and step != WHERE
        else None
    )
    if request.headers.get("HX-Request") and request.headers.get("HX-Target") == "results":
        return render(request, "findhelp/_help_results.html", _results_context(form, page))
    return _render(request, form=form, step=step, page=page)


@require_GET
def safety_page(request: HttpRequest) -> HttpResponse:
    _use_language(request)
    return render(request, "findhelp/help_safety.html", {"languages": settings.LANGUAGES})


def _render(
    request: HttpRequest, *, form: NeedsForm, step: str, page: MatchPage | None
) -> HttpResponse:
    errors = []
    for name, messages in form.errors.items():
        if name in form.fields:
            bound = form[name]
            error_id = f"{name}-error"
            attrs = form.fields[name].widget.attrs
            attrs["aria-invalid"] = "true"
            attrs["aria-describedby"] = error_id
            errors.append(
                {"label": bound.label, "message": messages[0], "id": bound.auto_id or name}
            )
    asks_away = _asks_away(form)
    shown = STEP_FIELDS[step]
    if step == MORE and not asks_away:
        shown = tuple(name for name in shown if name != "away")
    context = {
        "form": form,
        "step": step,
        "step_number": STEPS.index(step) + 1,
        "step_count": len(STEPS),
        "state": form.state(leave_out=shown) if form.is_bound else [],
        "asks_away": asks_away,
        "errors": errors,
        "place_label": getattr(form, "place_label", ""),
        "languages": settings.LANGUAGES,
        # The results region is there from the first step on, even while an answer needs
        # fixing (it then says so), so HTMX always has a place to put updated results.
        "show_results": form.is_bound and step != WHERE,
        **_results_context(form, page),
    }
    return render(request, "findhelp/help.html", context)


def _asks_away(form: NeedsForm) -> bool:
    """The question "far from here" is asked only once the person has said where they are:
    without a place it could exclude nothing. An earlier answer then travels on as a hidden
    field (it has no effect without a place) and counts again if a place is given."""
    return getattr(form, "point", None) is not None


def _results_context(form: NeedsForm, page: MatchPage | None) -> dict[str, Any]:
    items = page.items if page else []
    return {
        "total": page.total if page else 0,
        "cards": [result_card(item) for item in items],
        "result_errors": [
            f"{form[name].label}: {messages[0]}"
            for name, messages in form.errors.items()
            if name in form.fields
        ]
        if form.is_bound
        else [],
        "hotline_phone": settings.LANTERN_HOTLINE_PHONE,
        "hotline_text": settings.LANTERN_HOTLINE_TEXT,
    }
