"""Referral pages: the provider's inbox, the referrer's outbox, and hold-and-refer.

Every page asks the one policy (through the selectors); a referral the user may not see
answers 404, exactly like one that does not exist. Log-in and the second factor are
enforced as on every staff page (`login_required` plus the session middleware). Pages that
carry personal data are never cached.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe

from lantern.accounts.models import Organization as AccountOrganization
from lantern.consent.models import Category
from lantern.consent.selectors import consent_state
from lantern.core.api_errors import FieldError
from lantern.directory.freshness import availability_status, freshness
from lantern.directory.models import Service, ServiceStatus
from lantern.matching.advocate import PERSON_FIELDS, AdvocateSearchForm
from lantern.matching.needs import needs_lines
from lantern.referrals import policy, selectors, services, states
from lantern.referrals.forms import DeclineForm, IntakeForm, NoteForm, ReferralForm
from lantern.referrals.models import DeclineReason, HoldState, Referral, Status

LIST_LIMIT = 100
NEW_STATUSES = frozenset({Status.SENT})

ACTION_LABELS: dict[str, Any] = {
    Status.ACCEPTED: gettext_lazy("Accept"),
    Status.DECLINED: gettext_lazy("Decline"),
    Status.WAITLISTED: gettext_lazy("Waitlist"),
    Status.INTAKE_SCHEDULED: gettext_lazy("Schedule intake"),
    Status.INTAKE_COMPLETED: gettext_lazy("Intake completed"),
    Status.NO_SHOW: gettext_lazy("Did not arrive"),
    Status.WITHDRAWN: gettext_lazy("Withdraw"),
}


# --- Shared bits ---------------------------------------------------------------------


def _hold(referral: Referral) -> Any:
    # A reverse one-to-one without a row raises a subclass of AttributeError.
    return getattr(referral, "hold", None)


def _row(referral: Referral) -> dict[str, Any]:
    """What a list shows: nothing personal (no needs, no shared items, no notes)."""
    hold = _hold(referral)
    return {
        "referral": referral,
        "status_label": Status(referral.status).label,
        "hold": hold,
        "hold_label": HoldState(hold.state).label if hold is not None else "",
        "hold_active": hold is not None and hold.state == HoldState.ACTIVE,
        "open": referral.status in states.OPEN,
    }


def _history(referral: Referral) -> list[dict[str, Any]]:
    return [
        {
            "at": event.at,
            "from_label": Status(event.from_status).label if event.from_status else "",
            "to_label": Status(event.to_status).label,
            "reason_label": (
                DeclineReason(event.reason).label if event.reason in DeclineReason.values else ""
            ),
        }
        for event in referral.events.all()
    ]


def _personal_context(user: Any, referral: Referral) -> dict[str, Any]:
    """The personal part of a detail page, read through `personal_view` (audited)."""
    personal = selectors.personal_view(user, referral)
    consent = referral.consent
    state = consent_state(consent) if consent is not None else None
    if referral.purged_at is not None:
        shared_note = _("Personal details were removed after the referral closed.")
    elif personal.shared:
        shared_note = ""
    elif consent is None:
        shared_note = _("The person did not share personal details.")
    elif state == "revoked":
        shared_note = _("Consent withdrawn: personal details are hidden.")
    elif state == "expired":
        shared_note = _("Consent expired: personal details are hidden.")
    else:
        shared_note = _("The person did not share personal details.")
    return {
        "needs_lines": needs_lines(personal.needs),
        "shared_lines": [
            (Category(code).label if code in Category.values else code, value)
            for code, value in personal.shared.items()
        ],
        "shared_note": shared_note,
        "note": personal.note,
        "consent": consent,
        "consent_state": state,
    }


def _detail_context(
    request: HttpRequest, referral: Referral, acting: set[str], **extra: Any
) -> dict[str, Any]:
    moves = [s for s in states.next_for(referral.status, acting) if s != Status.VIEWED]
    context = {
        "row": _row(referral),
        "history": _history(referral),
        "moves": moves,
        "actions": [(s, ACTION_LABELS.get(s, Status(s).label)) for s in moves],
        "decline_form": extra.pop("decline_form", None) or DeclineForm(),
        "intake_form": extra.pop("intake_form", None) or IntakeForm(),
        "note_form": NoteForm(),
        "rescheduling": referral.status == Status.INTAKE_SCHEDULED,
        **_personal_context(request.user, referral),
    }
    context.update(extra)
    return context


def _transition(
    request: HttpRequest, referral: Referral, acting: set[str], template: str, detail_url: str
) -> HttpResponse:
    """Parse one action form, call the service, redirect back (or show what went wrong)."""
    target = request.POST.get("status", "")
    if target not in states.next_for(referral.status, acting) or target == Status.VIEWED:
        return _refused(request, referral, acting, template, target)
    reason, note, intake_at = "", "", None
    decline_form: DeclineForm | None = None
    intake_form: IntakeForm | None = None
    if target == Status.DECLINED:
        decline_form = DeclineForm(request.POST)
        if not decline_form.is_valid():
            return _invalid(request, referral, acting, template, decline_form=decline_form)
        reason, note = decline_form.cleaned_data["reason"], decline_form.cleaned_data["note"]
    elif target == Status.INTAKE_SCHEDULED:
        intake_form = IntakeForm(request.POST)
        if not intake_form.is_valid():
            return _invalid(request, referral, acting, template, intake_form=intake_form)
        intake_at = intake_form.cleaned_data["intake_at"]
    else:
        note_form = NoteForm(request.POST)
        note = note_form.cleaned_data["note"] if note_form.is_valid() else ""
    try:
        services.referral_transition(
            referral=referral,
            actor=request.user,
            status=target,
            reason=reason,
            note=note,
            intake_at=intake_at,
        )
    except services.TransitionNotAllowed:
        return _refused(request, referral, acting, template, target)
    except FieldError as exc:
        form: Any = decline_form or intake_form
        if form is not None and exc.field in form.fields:
            form.add_error(exc.field, exc.message)
            return _invalid(
                request,
                referral,
                acting,
                template,
                decline_form=decline_form,
                intake_form=intake_form,
            )
        return _invalid(request, referral, acting, template, error=exc.message)
    messages.success(
        request,
        _("Saved. Referral %(code)s is now: %(status)s.")
        % {"code": referral.code, "status": Status(target).label},
    )
    return redirect(detail_url)


def _refused(
    request: HttpRequest, referral: Referral, acting: set[str], template: str, target: str
) -> HttpResponse:
    fresh = selectors.referral_for_user(request.user, referral.pk)
    message = _(
        "That change is no longer possible: the referral is now %(status)s. "
        "Someone may have answered it a moment ago. The page below is up to date."
    ) % {"status": Status(fresh.status).label}
    context = _detail_context(request, fresh, acting, error=message)
    return render(request, template, context, status=409)


def _invalid(
    request: HttpRequest, referral: Referral, acting: set[str], template: str, **forms: Any
) -> HttpResponse:
    context = _detail_context(request, referral, acting, **forms)
    return render(request, template, context, status=422)


def _acting(user: Any, referral: Referral, side: str) -> set[str]:
    """The sides this page acts for; 404 when the user is not on `side` of the referral."""
    sides = policy.sides(user, referral)
    if side not in sides:
        raise Http404
    return {side}


def _box_context(user: Any, box: str) -> dict[str, Any]:
    """The open and the closed referrals of an inbox or outbox (no personal data)."""
    open_page = selectors.referrals_page(user, box=box, open_only=True, limit=LIST_LIMIT)
    closed_page = selectors.referrals_page(user, box=box, open_only=False, limit=LIST_LIMIT)
    return {
        "open_rows": [_row(r) for r in open_page.items],
        "closed_rows": [_row(r) for r in closed_page.items],
        "closed_total": closed_page.total,
    }


def _list_response(
    request: HttpRequest, template: str, partial: str, context: dict[str, Any]
) -> HttpResponse:
    context["updated"] = timezone.now()
    if request.headers.get("HX-Request"):
        return render(request, partial, context)
    return render(request, template, context)


# --- Provider inbox ------------------------------------------------------------------


@never_cache
@login_required
@require_safe
def inbox(request: HttpRequest) -> HttpResponse:
    if not policy.receiving_organization_ids(request.user):
        raise Http404
    context = _box_context(request.user, "inbox")
    rows = context.pop("open_rows")
    context["new_rows"] = [r for r in rows if r["referral"].status in NEW_STATUSES]
    context["open_rows"] = [r for r in rows if r["referral"].status not in NEW_STATUSES]
    return _list_response(request, "referrals/inbox.html", "referrals/_inbox_list.html", context)


@never_cache
@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def inbox_detail(request: HttpRequest, referral_id: Any) -> HttpResponse:
    referral = selectors.referral_for_user(request.user, referral_id)
    acting = _acting(request.user, referral, "receiver")
    template = "referrals/inbox_detail.html"
    if request.method == "POST":
        return _transition(
            request,
            referral,
            acting,
            template,
            request.path,
        )
    services.referral_mark_viewed(referral=referral, actor=request.user)
    return render(request, template, _detail_context(request, referral, acting))


# --- Referrer outbox -----------------------------------------------------------------


@never_cache
@login_required
@require_safe
def outbox(request: HttpRequest) -> HttpResponse:
    if not policy.may_refer(request.user):
        raise Http404
    context = _box_context(request.user, "outbox")
    return _list_response(request, "referrals/outbox.html", "referrals/_outbox_list.html", context)


@never_cache
@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def outbox_detail(request: HttpRequest, referral_id: Any) -> HttpResponse:
    referral = selectors.referral_for_user(request.user, referral_id)
    acting = _acting(request.user, referral, "referrer")
    template = "referrals/outbox_detail.html"
    if request.method == "POST":
        return _transition(request, referral, acting, template, request.path)
    return render(request, template, _detail_context(request, referral, acting))


# --- Hold and refer ------------------------------------------------------------------


def _service(service_id: Any) -> Service:
    """A service that exists and is not defunct (directory data, public), or 404."""
    service = (
        Service.objects.filter(pk=service_id)
        .exclude(status=ServiceStatus.DEFUNCT)
        .select_related("organization")
        .prefetch_related("capacities__unit", "service_types")
        .first()
    )
    if service is None:
        raise Http404
    return service


def _availability(service: Service) -> dict[str, Any]:
    now = timezone.now()
    codes = [t.code for t in service.service_types.all()]
    capacities = []
    open_places = 0
    for capacity in service.capacities.all():
        band = freshness(capacity.updated, now, codes)
        status = availability_status(capacity.available, band)
        if status == "open":
            open_places += capacity.available
        capacities.append({"capacity": capacity, "status": status, "stale": band == "stale"})
    return {"capacities": capacities, "open_places": open_places}


def _prefill(request: HttpRequest) -> dict[str, Any]:
    initial: dict[str, Any] = {}
    fields = AdvocateSearchForm.base_fields
    for name in PERSON_FIELDS:
        values = [v for v in request.GET.getlist(name) if v]
        if not values:
            continue
        multiple = getattr(fields[name].widget, "allow_multiple_selected", False)
        initial[name] = values if multiple else values[0]
    return initial


@dataclass(frozen=True)
class ReferralSource:
    """What a referral is made from when another app's page offers "make a referral" (this
    app knows nothing of it): the form's prefill, the sending organization, a note for the
    page, and `link`, run inside the referral's transaction (it raises SourceNotOpen when
    the source was handled meanwhile, and the referral is then not written)."""

    note: str
    organization_id: Any
    initial: dict[str, Any]
    link: Callable[[Referral], None]


class SourceNotOpen(Exception):
    """The record the referral is made from was already handled."""


def _confirmation(referral: Referral) -> str:
    hold = _hold(referral)
    if hold is not None and hold.state == HoldState.ACTIVE:
        until = date_format(timezone.localtime(hold.expires_at), "TIME_FORMAT")
        return _("Referral %(code)s is sent. One place is held for the person until %(until)s.") % {
            "code": referral.code,
            "until": until,
        }
    return _("Referral %(code)s is sent.") % {"code": referral.code}


@never_cache
@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def referral_new(request: HttpRequest, service_id: Any) -> HttpResponse:
    return referral_new_page(request, service_id)


def referral_new_page(
    request: HttpRequest, service_id: Any, *, source: ReferralSource | None = None
) -> HttpResponse:
    """Hold and refer, optionally made from `source` (see ReferralSource)."""
    if not policy.may_refer(request.user):
        raise Http404
    service = _service(service_id)
    availability = _availability(service)
    organizations = list(
        AccountOrganization.objects.filter(
            pk__in=policy.referring_organization_ids(request.user)
        ).order_by("name")
    )
    status = 200
    if request.method == "POST":
        form = ReferralForm(request.POST, organizations=organizations)
        if form.is_valid():
            try:
                with transaction.atomic():
                    referral = services.referral_create(
                        actor=request.user,
                        service_id=service.pk,
                        needs=form.needs(),
                        shared=form.shared(),
                        consent=form.consent(),
                        hold=bool(form.cleaned_data.get("hold")),
                        organization_id=(
                            source.organization_id if source is not None else form.organization_id()
                        ),
                    )
                    if source is not None:
                        source.link(referral)
            except SourceNotOpen:
                form.add_error(None, _("This request was already handled."))
                status = 409
            except services.NoUnitOpen:
                form.add_error(
                    "hold",
                    _("That place was just taken. Send without a hold, or pick another service."),
                )
                status = 409
            except FieldError as exc:
                form.add_service_error(exc.field, exc.message)
                status = 422
            else:
                referral = selectors.referral_for_user(request.user, referral.pk)
                messages.success(request, _confirmation(referral))
                return redirect("referrals:outbox-detail", referral_id=referral.pk)
        else:
            status = 422
    else:
        initial = _prefill(request)
        if source is not None:
            initial.update(source.initial)
        initial["hold"] = availability["open_places"] > 0
        form = ReferralForm(initial=initial, organizations=organizations)
    context = {
        "source": source,
        "hold_minutes": settings.LANTERN_REFERRAL_HOLD_MINUTES,
        "service": service,
        "availability": availability,
        "form": form,
        "needs_fields": [form[name] for name in PERSON_FIELDS],
        "item_fields": [form[name] for name in form.fields if name.startswith("item_")],
        "consent_fields": [
            form[name]
            for name in ("consent_method", "consent_expires", "consent_purpose", "consent_attested")
        ],
    }
    return render(request, "referrals/new.html", context, status=status)
