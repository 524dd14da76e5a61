"""The referral metrics page (/desk/metrics/) for coalition admins and analysts.

Aggregates only: counts, rates and durations over a period, and the short list of
referrals nobody has opened past the escalation delay (code, service, organization and
time: nothing about the person). Escalation e-mails link coalition admins here.
"""

from typing import Any, cast

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.formats import number_format
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from lantern.core.api_errors import FieldError
from lantern.directory.profile import SERVICE_TYPES
from lantern.matching.labels import HELP_TYPE_LABELS
from lantern.referrals import metrics, policy


def minutes_text(value: float | None) -> str:
    """A duration in words a person reads at a glance: minutes, hours or days."""
    if value is None:
        return "—"
    minutes = round(value)
    if minutes < 60:
        return ngettext("%(n)d minute", "%(n)d minutes", minutes) % {"n": minutes}
    if minutes < 48 * 60:
        hours, rest = divmod(minutes, 60)
        return gettext("%(h)d h %(m)d min") % {"h": hours, "m": rest}
    days = minutes / (24 * 60)
    return gettext("%(days)s days") % {"days": number_format(days, 1)}


def rate_text(value: float | None) -> str:
    return "—" if value is None else f"{number_format(value * 100, 0)} %"


SPECIAL_LABELS = {
    metrics.UNTYPED: _("No type given"),
    metrics.UNKNOWN_REGION: _("Not known"),
    metrics.VIRTUAL_REGION: _("Online or by phone"),
}


def _present(group: metrics.GroupStats) -> metrics.GroupStats:
    durations = group.durations
    if group.key in SPECIAL_LABELS:
        group.label = str(SPECIAL_LABELS[group.key])
    elif group.key in HELP_TYPE_LABELS:
        group.label = str(HELP_TYPE_LABELS[group.key])
    group.display = {
        "acceptance": rate_text(group.rates["acceptance"]),
        "decline": rate_text(group.rates["decline"]),
        "first_response": minutes_text(durations["first_response"]["p50"]),
        "first_response_p90": minutes_text(durations["first_response"]["p90"]),
        "intake": minutes_text(durations["intake"]["p50"]),
    }
    return group


class MetricsForm(forms.Form):
    filters: metrics.MetricsFilters

    start = forms.CharField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    end = forms.CharField(
        label=_("Until (not included)"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    service_type = forms.ChoiceField(label=_("Type of service"), required=False)
    organization_id = forms.ChoiceField(label=_("Receiving organization"), required=False)
    region = forms.CharField(label=_("Region (state)"), required=False, max_length=100)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        everything = ("", _("All"))
        service_type = cast(forms.ChoiceField, self.fields["service_type"])
        service_type.choices = [
            everything,
            *((term.code, HELP_TYPE_LABELS.get(term.code, term.name)) for term in SERVICE_TYPES),
        ]
        organization = cast(forms.ChoiceField, self.fields["organization_id"])
        organization.choices = [everything, *metrics.organizations_choices()]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        try:
            self.filters = metrics.metrics_filters(
                **{name: data.get(name) or None for name in self.fields}
            )
        except FieldError as exc:
            self.add_error(exc.field if exc.field in self.fields else None, exc.message)
        return data


@never_cache
@login_required
@require_safe
def dashboard(request: HttpRequest) -> HttpResponse:
    if not policy.may_see_metrics(request.user):
        raise Http404
    form = MetricsForm(request.GET)
    context: dict[str, Any] = {"form": form}
    if form.is_valid():
        result = metrics.referral_metrics(form.filters)
        for group in (
            result.summary,
            *result.by_service_type,
            *result.by_organization,
            *result.by_region,
        ):
            _present(group)
        context["metrics"] = result
        context["min_cell"] = metrics.MIN_CELL
    waiting_total, waiting = metrics.referrals_waiting()
    context.update(waiting=waiting, waiting_total=waiting_total)
    if policy.may_see_holds(request.user):
        context["holds"] = metrics.active_holds_by_referrer()
    return render(
        request, "referrals/metrics.html", context, status=200 if form.is_valid() else 422
    )
