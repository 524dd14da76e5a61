"""Referral metrics for coalition admins and analysts: counts, rates and durations over a
period, overall and by service type, receiving organization and region.

Pure reads over the referral timeline (service, organizations, status, reason code,
timestamps). The personal columns (needs, shared items, notes) are never selected.

Counts: `sent` is every referral created in the period; `viewed`, `responded`, `accepted`
and `intake_completed` count referrals that ever reached that step (their timestamp is
set), so an accepted referral later withdrawn still counts as accepted; `declined`,
`waitlisted`, `withdrawn`, `expired` and `no_show` count referrals whose current status
is that one. Rates are over `responded` (None when nothing was answered). Durations are in
minutes from `created`, p50 and p90 by linear interpolation (PostgreSQL's
`percentile_cont`).

Small cells: a group of fewer than `MIN_CELL` referrals shows its counts but not its
durations (`suppressed: true`), and any duration resting on fewer than `MIN_CELL`
referrals (say 5 sent, 1 accepted) is left out too, since with a handful a duration can point at
one person's case.

On PostgreSQL the aggregates are one SQL statement (grouping sets and `percentile_cont`),
about 0.3 s over 100,000 referrals (bench/referrals.py); on other databases (the embedded
SQLite run) the same figures are computed in Python from the same non-personal columns.
"""

import math
import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import EmptyResultSet
from django.db import connection, transaction
from django.db.models import Count, QuerySet
from django.utils import timezone

from lantern.accounts.models import Organization
from lantern.core.api_errors import FieldError
from lantern.core.bounds import RANGE_MESSAGE, check_date
from lantern.directory.selectors import ServiceFacts, service_facts
from lantern.referrals.models import DeclineReason, Hold, HoldState, Referral, Status

MIN_CELL = 5
DEFAULT_DAYS = 30
MAX_DAYS = 3660
WAITING_LIMIT = 50
UNKNOWN_REGION = "unknown"
VIRTUAL_REGION = "virtual"
UNTYPED = "untyped"
SQL_WORK_MEM = "64MB"

COUNTS = (
    "sent",
    "viewed",
    "responded",
    "accepted",
    "declined",
    "waitlisted",
    "withdrawn",
    "expired",
    "intake_completed",
    "no_show",
)
# Counted by the referral's current status (the others by their timestamp).
BY_STATUS = {
    "declined": Status.DECLINED,
    "waitlisted": Status.WAITLISTED,
    "withdrawn": Status.WITHDRAWN,
    "expired": Status.EXPIRED,
    "no_show": Status.NO_SHOW,
}
# Duration name -> the timestamp it runs to from `created`.
DURATIONS = {
    "first_view": "viewed_at",
    "first_response": "responded_at",
    "acceptance": "accepted_at",
    "intake": "intake_completed_at",
}
PERCENTILES = {"p50": 0.5, "p90": 0.9}
# The only referral columns these metrics read: nothing personal.
COLUMNS = (
    "service_id",
    "receiving_organization_id",
    "status",
    "decline_reason",
    "created",
    *DURATIONS.values(),
)


@dataclass(frozen=True)
class Period:
    """[start, end) in whole days of the current time zone; `end` is exclusive."""

    start: date
    end: date

    @classmethod
    def last_days(cls, days: int = DEFAULT_DAYS, *, today: date | None = None) -> "Period":
        end = (today or timezone.localdate()) + timedelta(days=1)
        return cls(start=end - timedelta(days=days), end=end)

    def bounds(self) -> tuple[datetime, datetime]:
        zone = timezone.get_current_timezone()
        return (
            datetime.combine(self.start, time.min, tzinfo=zone),
            datetime.combine(self.end, time.min, tzinfo=zone),
        )


@dataclass(frozen=True)
class MetricsFilters:
    period: Period
    service_type: str | None = None
    organization_id: uuid.UUID | None = None
    region: str | None = None


@dataclass
class GroupStats:
    key: str
    label: str
    counts: dict[str, int]
    rates: dict[str, float | None]
    durations: dict[str, dict[str, float | None]]
    suppressed: bool
    # Filled by the dashboard with its readable texts; not part of the API answer.
    display: dict[str, str] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "label": self.label,
            "counts": self.counts,
            "rates": self.rates,
            "durations_minutes": self.durations,
            "suppressed": self.suppressed,
        }


@dataclass
class ReasonCount:
    reason: str
    label: str
    count: int


@dataclass
class Metrics:
    filters: MetricsFilters
    summary: GroupStats
    decline_reasons: list[ReasonCount]
    by_service_type: list[GroupStats]
    by_organization: list[GroupStats]
    by_region: list[GroupStats]

    def as_dict(self) -> dict[str, Any]:
        f = self.filters
        return {
            "period": {"start": f.period.start.isoformat(), "end": f.period.end.isoformat()},
            "filters": {
                "service_type": f.service_type,
                "organization_id": str(f.organization_id) if f.organization_id else None,
                "region": f.region,
            },
            "min_cell": MIN_CELL,
            "summary": self.summary.as_dict(),
            "decline_reasons": [r.__dict__ for r in self.decline_reasons],
            "by_service_type": [g.as_dict() for g in self.by_service_type],
            "by_organization": [g.as_dict() for g in self.by_organization],
            "by_region": [g.as_dict() for g in self.by_region],
        }


@dataclass
class _Raw:
    """One group's counts and percentile values (minutes) before suppression."""

    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(COUNTS, 0))
    durations: dict[str, dict[str, float | None]] = field(default_factory=dict)


def _date(field_name: str, value: str | None, default: date) -> date:
    if value is None or value == "":
        return default
    try:
        return check_date(date.fromisoformat(value))
    except (TypeError, ValueError):
        raise FieldError(
            field_name, f"a date as YYYY-MM-DD, {RANGE_MESSAGE}", where="query"
        ) from None


def metrics_filters(
    *,
    start: str | None = None,
    end: str | None = None,
    service_type: str | None = None,
    organization_id: str | None = None,
    region: str | None = None,
    today: date | None = None,
) -> MetricsFilters:
    """Filters from request parameters (text); FieldError (422) names a bad one.
    Without dates, the last 30 days including today."""
    default = Period.last_days(today=today)
    first = _date("start", start, default.start)
    last = _date("end", end, default.end)
    if start and not end:
        last = max(last, first + timedelta(days=1))
    if end and not start:
        first = min(first, last - timedelta(days=DEFAULT_DAYS))
    if first >= last:
        raise FieldError("end", "must be after start", where="query")
    if (last - first).days > MAX_DAYS:
        raise FieldError("end", f"a period of at most {MAX_DAYS} days", where="query")
    organization = None
    if organization_id:
        try:
            organization = uuid.UUID(organization_id)
        except ValueError:
            raise FieldError("organization_id", "not an organization id", where="query") from None
    for name, value in (("service_type", service_type), ("region", region)):
        if value is not None and len(value) > 100:
            raise FieldError(name, "at most 100 characters", where="query")
    return MetricsFilters(
        period=Period(first, last),
        service_type=(service_type or "").strip() or None,
        organization_id=organization,
        region=(region or "").strip() or None,
    )


# --- the base set ---------------------------------------------------------------------


def _base(filters: MetricsFilters) -> tuple[QuerySet[Referral], ServiceFacts]:
    """The referrals in the period matching the filters, and what the directory says of
    their services (regions, types), read through the directory's selector."""
    start, end = filters.period.bounds()
    base = Referral.objects.filter(created__gte=start, created__lt=end).order_by()
    if filters.organization_id is not None:
        base = base.filter(receiving_organization_id=filters.organization_id)
    facts = service_facts(base.values("service_id"))
    if filters.service_type:
        typed = [s for s, codes in facts.types.items() if filters.service_type in codes]
        base = base.filter(service_id__in=typed)
    if filters.region:
        wanted = filters.region.strip().casefold()
        if wanted == UNKNOWN_REGION:
            base = base.exclude(service_id__in=list(facts.regions))
        else:
            matching = [s for s, region in facts.regions.items() if region.casefold() == wanted]
            base = base.filter(service_id__in=matching)
    return base, facts


# --- PostgreSQL: one statement ---------------------------------------------------------


# The counts that are "reached this step": the step's duration is set.
REACHED = {
    "viewed": "first_view",
    "responded": "first_response",
    "accepted": "acceptance",
    "intake_completed": "intake",
}


def _sql_counts() -> str:
    parts = ["count(*)"]
    for name in COUNTS[1:]:
        if name in BY_STATUS:
            parts.append(f"count(*) FILTER (WHERE t.status = '{BY_STATUS[name].value}')")
        else:
            parts.append(f"count(t.{REACHED[name]})")
    return ", ".join(parts)


def _sql_percentiles() -> str:
    # One sort per duration gives both cuts (percentile_cont over an array of fractions).
    fractions = ", ".join(str(f) for f in PERCENTILES.values())
    return ", ".join(
        f"percentile_cont(ARRAY[{fractions}]::float8[]) WITHIN GROUP (ORDER BY t.{duration})"
        for duration in DURATIONS
    )


def _rows_postgresql(base: QuerySet[Referral], facts: ServiceFacts) -> list[tuple[str, str, _Raw]]:
    try:
        inner, params = base.values_list(*COLUMNS).query.sql_with_params()
    except EmptyResultSet:  # a filter that matches nothing (e.g. an unknown region)
        return []
    minutes = ", ".join(
        f"date_part('epoch', r.{column} - r.created) / 60.0 AS {duration}"
        for duration, column in DURATIONS.items()
    )
    counts, cuts = _sql_counts(), _sql_percentiles()
    no_cuts = ", ".join("NULL::float8[]" for _ in DURATIONS)
    # Identifiers and status values come from the models, never from the request; the
    # request's values are all bound parameters (inside `inner` and the region arrays).
    sql = f"""
        WITH r AS ({inner}),
        reg AS (SELECT * FROM unnest(%s::uuid[], %s::text[]) AS reg(service_id, region)),
        t AS (
            SELECT r.service_id, r.receiving_organization_id, r.status, r.decline_reason,
                COALESCE(reg.region, '{UNKNOWN_REGION}') AS region, {minutes}
            FROM r LEFT JOIN reg ON reg.service_id = r.service_id
        ),
        st AS (SELECT * FROM unnest(%s::uuid[], %s::text[]) AS st(service_id, code))
        SELECT CASE
                WHEN GROUPING(t.receiving_organization_id) = 0 THEN 'organization'
                WHEN GROUPING(t.region) = 0 THEN 'region'
                ELSE 'all' END,
            COALESCE(t.receiving_organization_id::text, t.region, ''), {counts}, {cuts}
        FROM t
        GROUP BY GROUPING SETS ((), (t.receiving_organization_id), (t.region))
        UNION ALL
        SELECT 'service_type', COALESCE(st.code, '{UNTYPED}'), {counts}, {cuts}
        FROM t LEFT JOIN st ON st.service_id = t.service_id
        GROUP BY st.code
        UNION ALL
        SELECT 'reason', t.decline_reason, {counts}, {no_cuts}
        FROM t WHERE t.decline_reason <> ''
        GROUP BY t.decline_reason
    """  # noqa: S608
    regions = facts.regions
    service_ids = list(regions)
    typed = [(s, code) for s, codes in facts.types.items() for code in sorted(codes)]
    with transaction.atomic(), connection.cursor() as cursor:
        # The sorts behind the percentiles fit in memory at 100,000 referrals (the
        # default 4 MB spills them to disk); for this statement only.
        cursor.execute(f"SET LOCAL work_mem = '{SQL_WORK_MEM}'")
        cursor.execute(
            sql,
            [
                *params,
                service_ids,
                [regions[s] for s in service_ids],
                [s for s, _ in typed],
                [code for _, code in typed],
            ],
        )
        fetched = cursor.fetchall()
    rows = []
    for dimension, key, *values in fetched:
        raw = _Raw(counts=dict(zip(COUNTS, values[: len(COUNTS)], strict=True)))
        for duration, found in zip(DURATIONS, values[len(COUNTS) :], strict=True):
            raw.durations[duration] = {
                cut: None if found is None or found[i] is None else float(found[i])
                for i, cut in enumerate(PERCENTILES)
            }
        rows.append((dimension, key, raw))
    return rows


# --- elsewhere: the same figures in Python ------------------------------------------------


def percentile_cont(values: Sequence[float], fraction: float) -> float | None:
    """PostgreSQL's percentile_cont: linear interpolation between the closest ranks."""
    if not values:
        return None
    ordered = sorted(values)
    position = fraction * (len(ordered) - 1)
    low, high = math.floor(position), math.ceil(position)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def _rows_python(base: QuerySet[Referral], facts: ServiceFacts) -> list[tuple[str, str, _Raw]]:
    records = list(base.values_list(*COLUMNS))
    regions, types = facts.regions, facts.types
    counts: dict[tuple[str, str], dict[str, int]] = defaultdict(lambda: dict.fromkeys(COUNTS, 0))
    minutes: dict[tuple[str, str], dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    counts[("all", "")] = dict.fromkeys(COUNTS, 0)  # the overall row, even when empty
    for service_id, organization_id, status, reason, created, *stamps in records:
        keys = [
            ("all", ""),
            ("organization", str(organization_id)),
            ("region", regions.get(service_id, UNKNOWN_REGION)),
            ("reason", reason),
        ] + [("service_type", code) for code in sorted(types.get(service_id) or {UNTYPED})]
        reached = dict(zip(DURATIONS.values(), stamps, strict=True))
        for key in keys:
            c = counts[key]
            c["sent"] += 1
            c["viewed"] += reached["viewed_at"] is not None
            c["responded"] += reached["responded_at"] is not None
            c["accepted"] += reached["accepted_at"] is not None
            c["intake_completed"] += reached["intake_completed_at"] is not None
            for name, value in BY_STATUS.items():
                c[name] += status == value
            if key[0] == "reason":
                continue  # reason rows carry counts only
            for duration, column in DURATIONS.items():
                if reached[column] is not None:
                    seconds = (reached[column] - created).total_seconds()
                    minutes[key][duration].append(seconds / 60)
    rows = []
    for key, c in counts.items():
        raw = _Raw(counts=c)
        for duration in DURATIONS:
            values = minutes[key][duration]
            raw.durations[duration] = {
                cut: percentile_cont(values, fraction) for cut, fraction in PERCENTILES.items()
            }
        rows.append((key[0], key[1], raw))
    return rows


# --- assembling -------------------------------------------------------------------------


# Each duration is a percentile over the referrals that reached its step, so it is
# suppressed by the count behind it, not by the group's size: 5 sent and 1 accepted must
# not show that one person's time to acceptance.
DURATION_BASIS = {
    "first_view": "viewed",
    "first_response": "responded",
    "acceptance": "accepted",
    "intake": "intake_completed",
}


def _stats(key: str, label: str, raw: _Raw) -> GroupStats:
    counts = raw.counts
    responded = counts["responded"]
    suppressed = counts["sent"] < MIN_CELL
    durations: dict[str, dict[str, float | None]] = {}
    for duration in DURATIONS:
        found = raw.durations.get(duration, {})
        hidden = suppressed or counts[DURATION_BASIS[duration]] < MIN_CELL
        durations[duration] = {
            cut: None if hidden or (value := found.get(cut)) is None else round(value, 2)
            for cut in PERCENTILES
        }
    return GroupStats(
        key=key,
        label=label,
        counts=dict(counts),
        rates={
            "acceptance": round(counts["accepted"] / responded, 4) if responded else None,
            "decline": round(counts["declined"] / responded, 4) if responded else None,
        },
        durations=durations,
        suppressed=suppressed,
    )


def referral_metrics(filters: MetricsFilters, *, in_python: bool = False) -> Metrics:
    """The metrics for `filters`: one SQL statement on PostgreSQL, Python elsewhere (the
    statement needs PostgreSQL's grouping sets and percentiles). `in_python` forces the
    Python computation on PostgreSQL too; both give the same figures."""
    base, facts = _base(filters)
    if in_python or connection.vendor != "postgresql":
        rows = _rows_python(base, facts)
    else:
        rows = _rows_postgresql(base, facts)

    by: dict[str, dict[str, _Raw]] = defaultdict(dict)
    for dimension, key, raw in rows:
        by[dimension][key] = raw
    summary_raw = by["all"].get("", _Raw())

    org_names = dict(
        Organization.objects.filter(pk__in=list(by["organization"])).values_list("pk", "name")
    )
    type_names = facts.type_names
    reason_labels = dict(DeclineReason.choices)

    def ordered(groups: list[GroupStats]) -> list[GroupStats]:
        return sorted(groups, key=lambda g: (-g.counts["sent"], g.label.casefold(), g.key))

    return Metrics(
        filters=filters,
        summary=_stats("all", "all", summary_raw),
        decline_reasons=sorted(
            (
                ReasonCount(reason=key, label=str(reason_labels.get(key, key)), count=n)
                for key, raw in by["reason"].items()
                if key and (n := raw.counts["declined"])
            ),
            key=lambda r: (-r.count, r.reason),
        ),
        by_service_type=ordered(
            [_stats(k, str(type_names.get(k, k)), raw) for k, raw in by["service_type"].items()]
        ),
        by_organization=ordered(
            [
                _stats(k, org_names.get(uuid.UUID(k), k), raw)
                for k, raw in by["organization"].items()
            ]
        ),
        by_region=ordered([_stats(k, k, raw) for k, raw in by["region"].items()]),
    )


# --- waiting without an answer -----------------------------------------------------------


@dataclass(frozen=True)
class WaitingReferral:
    code: str
    service_name: str
    organization_name: str
    since: datetime


def referrals_waiting(
    *, now: datetime | None = None, limit: int = WAITING_LIMIT
) -> tuple[int, list[WaitingReferral]]:
    """Referrals still unopened after the escalation delay, oldest first (no personal data):
    how many there are, and the first `limit` of them."""
    now = now or timezone.now()
    cutoff = now - timedelta(minutes=settings.LANTERN_REFERRAL_ESCALATE_MINUTES)
    waiting = Referral.objects.filter(status=Status.SENT, created__lte=cutoff)
    rows = waiting.order_by("created", "code").values_list(
        "code", "service__name", "receiving_organization__name", "created"
    )[:limit]
    return waiting.count(), [WaitingReferral(*row) for row in rows]


# --- holds in force ----------------------------------------------------------------------


@dataclass(frozen=True)
class ReferrerHolds:
    referrer: str  # the staff member's display name (or e-mail), never the person's
    organization: str
    holds: int
    services: int


def active_holds_by_referrer(*, limit: int = WAITING_LIMIT) -> list[ReferrerHolds]:
    """Who holds places right now and how many (coalition admins watch for one account
    holding a shelter's places): staff names and counts only, most holds first."""
    rows = (
        Hold.objects.filter(state=HoldState.ACTIVE)
        .values(
            "referral__referred_by__display_name",
            "referral__referred_by__email",
            "referral__referring_organization__name",
        )
        .annotate(holds=Count("id"), services=Count("capacity__service", distinct=True))
        .order_by("-holds", "referral__referred_by__display_name", "referral__referred_by__email")
    )[:limit]
    return [
        ReferrerHolds(
            referrer=row["referral__referred_by__display_name"]
            or row["referral__referred_by__email"]
            or "—",
            organization=row["referral__referring_organization__name"],
            holds=row["holds"],
            services=row["services"],
        )
        for row in rows
    ]


def organizations_choices() -> list[tuple[str, str]]:
    """Receiving organizations that ever got a referral, for the dashboard's filter."""
    ids = Referral.objects.order_by().values("receiving_organization_id").distinct()
    return [
        (str(pk), name)
        for pk, name in Organization.objects.filter(pk__in=ids)
        .order_by("name")
        .values_list("pk", "name")
    ]
