"""Provider pages: update capacity in one tap, from the web or from a signed link."""

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from lantern.directory import onetap, selectors
from lantern.directory.forms import CapacityActionForm
from lantern.directory.freshness import availability_status, freshness
from lantern.directory.services import CapacityError, capacity_set


def _row(capacity: Any, now: Any) -> dict[str, Any]:
    codes = [t.code for t in capacity.service.service_types.all()]
    band = freshness(capacity.updated, now, codes)
    return {
        "capacity": capacity,
        "freshness": band,
        "status": availability_status(capacity.available, band),
    }


def _apply(capacity: Any, form: CapacityActionForm, actor: Any, via: str) -> Any:
    action = form.cleaned_data["action"]
    kwargs: dict[str, Any] = {}
    if action == "plus":
        kwargs["delta"] = 1
    elif action == "minus":
        kwargs["delta"] = -1
    elif action == "full":
        kwargs["available"] = 0
    elif action == "set":
        kwargs["available"] = form.cleaned_data["available"]
    return capacity_set(capacity=capacity, actor=actor, via=via, **kwargs).capacity


@login_required
def provider_capacities(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    rows = [_row(c, now) for c in selectors.capacities_of_user(request.user)]
    return render(request, "directory/provider_capacities.html", {"rows": rows})


@login_required
@require_POST
def provider_capacity_action(request: HttpRequest, capacity_id: str) -> HttpResponse:
    capacity = selectors.capacity_for_user(request.user, capacity_id)
    form = CapacityActionForm(request.POST)
    error = None
    if form.is_valid():
        try:
            capacity = _apply(capacity, form, request.user, via="web")
        except CapacityError as err:
            error = err.message
    else:
        error = "; ".join(e for errors in form.errors.values() for e in errors)
    if request.headers.get("HX-Request"):
        capacity = selectors.capacity_for_user(request.user, capacity_id)
        return render(
            request,
            "directory/_capacity_row.html",
            {"row": _row(capacity, timezone.now()), "error": error},
            status=422 if error else 200,
        )
    if error:
        now = timezone.now()
        rows = [_row(c, now) for c in selectors.capacities_of_user(request.user)]
        return render(
            request,
            "directory/provider_capacities.html",
            {"rows": rows, "error": error, "error_capacity_id": str(capacity.pk)},
            status=422,
        )
    return redirect("directory:provider-capacities")


@require_http_methods(["GET", "POST"])
def one_tap(request: HttpRequest, token: str) -> HttpResponse:
    try:
        link = onetap.one_tap_read(token)
        capacity = onetap.one_tap_capacity(link)
    except onetap.LinkInvalid as exc:
        raise Http404 from exc
    message = None
    status = 200
    if request.method == "POST":
        form = CapacityActionForm(request.POST)
        if form.is_valid():
            try:
                capacity = onetap.one_tap_apply(
                    link=link,
                    action=form.cleaned_data["action"],
                    value=form.cleaned_data.get("available"),
                )
                message = "saved"
            except onetap.ActionAlreadyUsed:
                message, status = "used", 409
            except CapacityError as err:
                message, status = err.message, 422
        else:
            message, status = "invalid", 422
    return render(
        request,
        "directory/one_tap.html",
        {
            "row": _row(capacity, timezone.now()),
            "token": token,
            "message": message,
            "used": onetap.used_actions(link),
        },
        status=status,
    )
