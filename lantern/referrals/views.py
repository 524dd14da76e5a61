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
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from lantern.accounts.roles import Capability
from lantern.accounts.selectors import organization_ids_with
from lantern.consent.models import Category
from lantern.consent.selectors import consent_state
from lantern.core.api_errors import FieldError
from lantern.directory.freshness import availability_status, freshness
from lantern.directory.models import Service
from lantern.matching.advocate import PERSON_FIELDS, AdvocateSearchForm
from lantern.matching.needs import needs_lines
from lantern.referrals import old_figure, policy, selectors, services, states
from lantern.referrals.forms import DeclineForm, IntakeForm, NoteForm, ReferralForm
from lantern.referrals.holds import Figure
from lantern.referrals.models import DeclineReason, HoldState, Referral, Status

LIST_LIMIT = 100
DETAIL_TEMPLATE = "referrals/detail.html"
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


@dataclass(frozen=True)
class Box:
    """The provider's inbox (referrals received, answered here) or the referrer's outbox
    (referrals sent, withdrawn here): one list page and one detail page each."""

    name: str
    side: str  # the side of a referral this box acts for (policy.sides)
    may_open: Callable[[Any], Any]  # whether the user has this box at all


BOXES = {
    "inbox": Box(
        name="inbox",
        side="receiver",
        may_open=policy.receiving_organization_ids,
    ),
    "outbox": Box(
        name="outbox",
        side="referrer",
        may_open=policy.may_refer,
    ),
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
        "hold_figure_note": old_figure.hold_note(hold),
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


# A case record can be opened from a referral the receiving organization took on.
CASE_STATUSES = frozenset({Status.ACCEPTED, Status.INTAKE_SCHEDULED, Status.INTAKE_COMPLETED})


def _case_link(user: Any, referral: Referral, acting: set[str]) -> dict[str, Any] | None:
    """The receiving side's link to the case opened from this referral, or to open one
    (case records sit above this app: the link is a path, and the cases pages decide)."""
    if "receiver" not in acting or referral.status not in CASE_STATUSES:
        return None
    if referral.receiving_organization_id not in organization_ids_with(user, Capability.KEEP_CASES):
        return None
    case = getattr(referral, "case", None)  # the reverse one-to-one of Case.from_referral
    if case is not None:
        return {"path": f"/cases/{case.pk}/", "exists": True}
    return {"path": f"/cases/from-referral/{referral.pk}/", "exists": False}


def _detail_context(
    request: HttpRequest, referral: Referral, acting: set[str], **extra: Any
) -> dict[str, Any]:
    moves = [s for s in states.next_for(referral.status, acting) if s != Status.VIEWED]
    context = {
        "case_link": _case_link(request.user, referral, acting),
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
    request: HttpRequest, referral: Referral, acting: set[str], box: Box, detail_url: str
) -> HttpResponse:
    """Parse one action form, call the service, redirect back (or show what went wrong)."""
    target = request.POST.get("status", "")
    if target not in states.next_for(referral.status, acting) or target == Status.VIEWED:
        return _refused(request, referral, acting, box, target)
    reason, note, intake_at = "", "", None
    decline_form: DeclineForm | None = None
    intake_form: IntakeForm | None = None
    if target == Status.DECLINED:
        decline_form = DeclineForm(request.POST)
        if not decline_form.is_valid():
            return _invalid(request, referral, acting, box, decline_form=decline_form)
        reason, note = decline_form.cleaned_data["reason"], decline_form.cleaned_data["note"]
    elif target == Status.INTAKE_SCHEDULED:
        intake_form = IntakeForm(request.POST)
        if not intake_form.is_valid():
            return _invalid(request, referral, acting, box, intake_form=intake_form)
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
        return _refused(request, referral, acting, box, target)
    except FieldError as exc:
        form: Any = decline_form or intake_form
        if form is not None and exc.field in form.fields:
            form.add_error(exc.field, exc.message)
            return _invalid(
                request,
                referral,
                acting,
                box,
                decline_form=decline_form,
                intake_form=intake_form,
            )
        return _invalid(request, referral, acting, box, error=exc.message)
    messages.success(
        request,
        _("Saved. Referral %(code)s is now: %(status)s.")
        % {"code": referral.code, "status": Status(target).label},
    )
    return redirect(detail_url)


def _refused(
    request: HttpRequest, referral: Referral, acting: set[str], box: Box, target: str
) -> HttpResponse:
    fresh = selectors.referral_for_user(request.user, referral.pk)
    message = _(
        "That change is no longer possible: the referral is now %(status)s. "
        "Someone may have answered it a moment ago. The page below is up to date."
    ) % {"status": Status(fresh.status).label}
    context = _detail_context(request, fresh, acting, box=box, error=message)
    return render(request, DETAIL_TEMPLATE, context, status=409)


def _invalid(
    request: HttpRequest, referral: Referral, acting: set[str], box: Box, **forms: Any
) -> HttpResponse:
    context = _detail_context(request, referral, acting, box=box, **forms)
    return render(request, DETAIL_TEMPLATE, context, status=422)


def _acting(user: Any, referral: Referral, side: str) -> set[str]:
    """The sides this page acts for; 404 when the user is not on `side` of the referral."""
    sides = policy.sides(user, referral)
    if side not in sides:
        raise Http404
    return {side}


def _box_list(request: HttpRequest, box: Box) -> HttpResponse:
    """The open and the closed referrals of a box (no personal data); the inbox shows the
    unopened ones apart. An htmx poll gets the list alone."""
    if not box.may_open(request.user):
        raise Http404
    open_page = selectors.referrals_page(
        request.user, box=box.name, open_only=True, limit=LIST_LIMIT
    )
    closed_page = selectors.referrals_page(
        request.user, box=box.name, open_only=False, limit=LIST_LIMIT
    )
    rows = [_row(r) for r in open_page.items]
    context: dict[str, Any] = {
        "box": box,
        "open_rows": rows,
        "closed_rows": [_row(r) for r in closed_page.items],
        "closed_total": closed_page.total,
        "updated": timezone.now(),
    }
    if box.name == "inbox":
        context["new_rows"] = [r for r in rows if r["referral"].status in NEW_STATUSES]
        context["open_rows"] = [r for r in rows if r["referral"].status not in NEW_STATUSES]
    if request.headers.get("HX-Request"):
        return render(request, "referrals/_box_list.html", context)
    return render(request, "referrals/box.html", context)


def _box_detail(request: HttpRequest, box: Box, referral_id: Any) -> HttpResponse:
    referral = selectors.referral_for_user(request.user, referral_id)
    acting = _acting(request.user, referral, box.side)
    if request.method == "POST":
        return _transition(request, referral, acting, box, request.path)
    if box.side == "receiver":
        services.referral_mark_viewed(referral=referral, actor=request.user)
    return render(request, DETAIL_TEMPLATE, _detail_context(request, referral, acting, box=box))


def _box_views(name: str) -> tuple[Callable[..., HttpResponse], Callable[..., HttpResponse]]:
    """The list page and the detail page of one box."""
    box = BOXES[name]

    @never_cache
    @login_required
    @require_safe
    def box_list(request: HttpRequest) -> HttpResponse:
        return _box_list(request, box)

    @never_cache
    @login_required
    @require_http_methods(["GET", "HEAD", "POST"])
    def box_detail(request: HttpRequest, referral_id: Any) -> HttpResponse:
        return _box_detail(request, box, referral_id)

    return box_list, box_detail


inbox, inbox_detail = _box_views("inbox")
outbox, outbox_detail = _box_views("outbox")


@never_cache
@login_required
@require_POST
def inbox_release(request: HttpRequest, referral_id: Any) -> HttpResponse:
    """The receiving provider gives back the place held for a referral."""
    box = BOXES["inbox"]
    referral = selectors.referral_for_user(request.user, referral_id)
    acting = _acting(request.user, referral, box.side)
    try:
        services.hold_release(referral=referral, actor=request.user)
    except services.HoldNotActive:
        message = _("No place is held for this referral any more. The page below is up to date.")
        context = _detail_context(request, referral, acting, box=box, error=message)
        return render(request, DETAIL_TEMPLATE, context, status=409)
    messages.success(
        request,
        _("The place held for referral %(code)s is given back.") % {"code": referral.code},
    )
    return redirect("referrals:inbox-detail", referral_id=referral.pk)


# --- Hold and refer ------------------------------------------------------------------


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


def _hold_limit_message(exc: services.HoldLimitReached) -> str:
    if exc.reason == "referrer":
        text = _(
            "You already hold %(limit)s places at this service, the most one person may "
            "hold at once. Send without a hold, or wait until one is answered."
        )
    else:
        text = _(
            "Your organization already holds %(limit)s places at this service, the most "
            "it may hold at once. Send without a hold, or wait until one is answered."
        )
    return text % {"limit": exc.limit}


def _confirmation(referral: Referral) -> str:
    hold = _hold(referral)
    if hold is not None and hold.state == HoldState.ACTIVE:
        until = date_format(timezone.localtime(hold.expires_at), "TIME_FORMAT")
        # The time leads its clause: an English time ends in "a.m." and a sentence ending
        # in it would read "8:50 a.m..".
        return _(
            "Referral %(code)s is sent. Until %(until)s, one place is held for the person."
        ) % {
            "code": referral.code,
            "until": until,
        }
    return _("Referral %(code)s is sent.") % {"code": referral.code}


OLD_FIGURE_FIELD = "confirm_old_figure"


def _confirmed_figure(confirmation: old_figure.Confirmation | None) -> Figure | bool:
    return confirmation.figure if confirmation and confirmation.figure else False


def _old_figure_warning(
    request: HttpRequest,
    service: Service,
    figure: Figure,
    confirmation: old_figure.Confirmation | None,
) -> dict[str, Any]:
    """The warning shown instead of holding a place on an aging or stale figure, with a
    fresh one-time confirmation for exactly this figure (and the same referral id, so a
    form sent again after confirming cannot send twice)."""
    if confirmation is None:
        changed = ""
    elif confirmation.figure is None:
        changed = _("Your confirmation is too old. Check the figure again.")
    else:
        changed = _("The figure changed since you saw it. Check it again.")
    return {
        "text": _("%(figure)s. Call first, or confirm the hold anyway.")
        % {"figure": old_figure.figure_text(figure, timezone.now())},
        "stale": figure.band == "stale",
        "changed": changed,
        "phone": selectors.public_phone(service),
        "field": OLD_FIGURE_FIELD,
        "token": old_figure.confirmation_token(
            figure,
            user=request.user,
            service=service,
            referral_id=confirmation.referral_id if confirmation else None,
        ),
    }


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
    service = selectors.service_to_refer_to(service_id)
    availability = _availability(service)
    organizations = selectors.referring_organizations(request.user)
    status = 200
    warning: dict[str, Any] | None = None
    if request.method == "POST":
        form = ReferralForm(request.POST, organizations=organizations)
        confirmation = old_figure.read_confirmation(
            request.POST.get(OLD_FIGURE_FIELD, ""), user=request.user, service=service
        )
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
                        confirm_old_figure=_confirmed_figure(confirmation),
                        referral_id=confirmation.referral_id if confirmation else None,
                    )
                    if source is not None:
                        source.link(referral)
            except services.AlreadySent as exc:
                messages.info(request, _("This referral was sent already. Nothing was sent twice."))
                return redirect("referrals:outbox-detail", referral_id=exc.referral_id)
            except services.OldFigure as exc:
                # A question to answer, not a failure: 200, as the form was when it was
                # first shown (nothing was written either way).
                warning = _old_figure_warning(request, service, exc.figure, confirmation)
            except SourceNotOpen:
                form.add_error(None, _("This request was already handled."))
                status = 409
            except services.HoldLimitReached as exc:
                form.add_error("hold", _hold_limit_message(exc))
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
        "old_figure": warning,
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
