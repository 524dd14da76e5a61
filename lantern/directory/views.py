"""Provider pages: update capacity in one tap, from the web or from a signed link."""

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from lantern.core.errors import NotFound
from lantern.core.ratelimit import limited, too_many
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


def _form_error(form: CapacityActionForm) -> str:
    return "; ".join(str(e) for errors in form.errors.values() for e in errors)


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
            changes = onetap.capacity_change(
                form.cleaned_data["action"], form.cleaned_data.get("available")
            )
            capacity_set(capacity=capacity, actor=request.user, via="web", **changes)
        except CapacityError as err:
            error = err.message
    else:
        error = _form_error(form)
    if request.headers.get("HX-Request"):
        capacity = selectors.capacity_for_user(request.user, capacity_id)
        # htmx does not swap 4xx responses by default, so a refused value comes back as a
        # 200 row that carries the error; without JavaScript the whole page says 422.
        return render(
            request,
            "directory/_capacity_row.html",
            {"row": _row(capacity, timezone.now()), "error": error},
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
    """The page a reminder links to. The signed link is the credential, so opening it is
    harmless (GET changes nothing) and each button works once per link."""
    if request.method == "POST" and limited(request, "one_tap"):
        return too_many(request)
    try:
        link = onetap.one_tap_read(token)
        capacity = onetap.one_tap_capacity(link)
    except onetap.LinkInvalid as exc:
        raise NotFound from exc
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
            message, status = _form_error(form), 422
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
