"""`GET /api/v1/referrals/metrics`: aggregate referral metrics for coalition admins and
analysts (no personal data; small groups keep their counts but not their durations).

Registered before the referrals router: otherwise `/referrals/{referral_id}` would take
`metrics` for an id.
"""

from dataclasses import asdict
from typing import Any

from django.http import HttpRequest
from ninja import Router

from lantern.accounts.api_auth import api_user, write_auth
from lantern.core.api_errors import reject_unknown_query
from lantern.core.errors import NotFound
from lantern.referrals import metrics, policy

router = Router(tags=["referrals"])

PARAMETERS = ("start", "end", "service_type", "organization_id", "region")
Errors = {401: dict[str, Any], 404: dict[str, Any], 422: dict[str, Any]}


@router.get(
    "/referrals/metrics/holds",
    response={200: dict[str, Any], **Errors},
    auth=write_auth,
    url_name="referral-metrics-holds",
    summary="Places held now, per referring staff member (coalition admins)",
    description=(
        "Active holds per referrer: the staff member's name, organization, how many "
        "places they hold and at how many services. Nothing about the people referred."
    ),
)
def referral_holds(request: HttpRequest) -> Any:
    if not policy.may_see_holds(api_user(request)):
        raise NotFound
    reject_unknown_query(request, ())
    rows = metrics.active_holds_by_referrer()
    return {"total": len(rows), "results": [asdict(row) for row in rows]}


@router.get(
    "/referrals/metrics",
    response={200: dict[str, Any], **Errors},
    auth=write_auth,
    url_name="referral-metrics",
    summary="Referral metrics over a period [start, end), overall and by group",
    description=(
        "Counts, acceptance and decline rates (over responded referrals), decline reasons, "
        "and p50/p90 durations in minutes from sending to first view, first response, "
        "acceptance and completed intake; also by service type, receiving organization "
        "and region. Dates are YYYY-MM-DD, `end` exclusive; the default is the last 30 "
        "days. Groups of fewer than 5 referrals keep their counts but not their "
        "durations (`suppressed: true`). Coalition admins and analysts only."
    ),
)
def referral_metrics(
    request: HttpRequest,
    start: str | None = None,
    end: str | None = None,
    service_type: str | None = None,
    organization_id: str | None = None,
    region: str | None = None,
) -> Any:
    if not policy.may_see_metrics(api_user(request)):
        raise NotFound
    reject_unknown_query(request, PARAMETERS)
    filters = metrics.metrics_filters(
        start=start,
        end=end,
        service_type=service_type,
        organization_id=organization_id,
        region=region,
    )
    return metrics.referral_metrics(filters).as_dict()
