"""Program evaluation: how the people an organization's program serves are doing, per life
domain, between their first and their last outcome assessment.

For the cases of one organization opened in a period (and, optionally, that came through a
referral to a service of one type), it counts:
- the cases, and the median time in the program (from opening to closing, or to today for
  a case still open), in days;
- per life domain, the cases scored in that domain at least twice, and among them those
  whose last level is higher than their first (improving), equal (same) or lower (worse),
  with their shares and the median change in levels.

Only coded data is read (dates, codes, levels): no personal data, so nothing here needs the
case keys, and purged cases still count. Merged-away cases do not (their person is counted
in the case they were merged into).

Small numbers (the project's rule, as in the referral metrics, `MIN_CELL` = 5): a group of
fewer than 5 cases (the cases selected, or the cases scored twice in a domain) is shown as
"fewer than 5" (none is shown as 0), and the shares, counts and medians within it are not
shown. Within a group of 5 or more, improving / same / worse are shown with their shares.
`Tally.count` keeps the true number for computing and testing; pages show `Tally.shown` and
`Tally.share`, which are None when hidden.
"""

import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext

from lantern.accounts.models import Organization
from lantern.cases import policy
from lantern.cases.assessments import DOMAIN_LABELS, series
from lantern.cases.models import Assessment, Case
from lantern.cases.models.work import LIFE_DOMAIN_CODES
from lantern.core.api_errors import FieldError
from lantern.core.bounds import check_date
from lantern.directory.profile import SERVICE_TYPE_CODES
from lantern.directory.selectors import service_facts

MIN_CELL = 5


@dataclass(frozen=True)
class Tally:
    """A count of cases: a group of its own (`base` 0), or part of the group of `base` cases."""

    count: int
    base: int = 0

    @property
    def hidden(self) -> bool:
        if self.base == 0:
            return 0 < self.count < MIN_CELL
        return self.base < MIN_CELL

    @property
    def shown(self) -> int | None:
        return None if self.hidden else self.count

    @property
    def share(self) -> float | None:
        if self.hidden or self.base < MIN_CELL:
            return None
        return self.count / self.base


@dataclass(frozen=True)
class DomainOutcome:
    code: str
    label: Any
    assessed: Tally  # cases scored in this domain at least twice
    improving: Tally
    same: Tally
    worse: Tally
    changes: tuple[int, ...] = field(repr=False, default=())  # last - first, per case

    @property
    def small(self) -> bool:
        return self.assessed.count < MIN_CELL

    @property
    def median_change(self) -> float | None:
        if self.small or not self.changes:
            return None
        return float(statistics.median(self.changes))


@dataclass(frozen=True)
class EvaluationFilters:
    organization_id: Any
    service_type: str = ""
    opened_from: date | None = None
    opened_to: date | None = None


@dataclass(frozen=True)
class Evaluation:
    filters: EvaluationFilters
    cases: Tally
    domains: list[DomainOutcome]
    days_in_program: tuple[int, ...] = field(repr=False, default=())

    @property
    def small(self) -> bool:
        return self.cases.count < MIN_CELL

    @property
    def median_days(self) -> float | None:
        if self.small or not self.days_in_program:
            return None
        return float(statistics.median(self.days_in_program))


def organizations_to_evaluate(user: Any) -> list[Organization]:
    """The organizations whose program evaluation `user` may see, by name."""
    ids = [pk for pk in policy.supervisor_org_ids(user) if policy.may_evaluate(user, pk)]
    return list(Organization.objects.filter(pk__in=ids).order_by("name", "pk"))


def _date(name: str, value: Any) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value)
        except ValueError:
            raise FieldError(name, gettext("give the date as YYYY-MM-DD"), where="query") from None
    if not isinstance(value, date):
        raise FieldError(name, gettext("give a date"), where="query")
    try:
        return check_date(value)
    except ValueError:
        raise FieldError(
            name, gettext("give a date between the years 1900 and 2100"), where="query"
        ) from None


def evaluation_filters(
    *,
    organization_id: Any,
    service_type: Any = "",
    opened_from: Any = None,
    opened_to: Any = None,
) -> EvaluationFilters:
    """Checked filters; a FieldError names the bad one."""
    code = str(service_type or "").strip()
    if code and code not in SERVICE_TYPE_CODES:
        raise FieldError("service_type", gettext("not a service type"), where="query")
    start = _date("opened_from", opened_from)
    end = _date("opened_to", opened_to)
    if start and end and end < start:
        raise FieldError("opened_to", gettext("must not be before the start"), where="query")
    return EvaluationFilters(
        organization_id=organization_id, service_type=code, opened_from=start, opened_to=end
    )


def _case_rows(filters: EvaluationFilters) -> list[tuple[Any, date, date | None]]:
    cases = Case.objects.filter(organization_id=filters.organization_id, merged_into__isnull=True)
    if filters.opened_from:
        cases = cases.filter(opened_on__gte=filters.opened_from)
    if filters.opened_to:
        cases = cases.filter(opened_on__lte=filters.opened_to)
    rows = list(
        cases.order_by("pk").values_list("pk", "opened_on", "closed_on", "from_referral__service")
    )
    if filters.service_type:
        facts = service_facts(sorted({service for *_rest, service in rows if service}, key=str))
        rows = [
            row for row in rows if row[3] and filters.service_type in facts.types.get(row[3], ())
        ]
    return [(pk, opened, closed) for pk, opened, closed, _service in rows]


def _outcome(code: str, changes: list[int]) -> DomainOutcome:
    n = len(changes)
    return DomainOutcome(
        code=code,
        label=DOMAIN_LABELS[code],
        assessed=Tally(n),
        improving=Tally(sum(1 for c in changes if c > 0), n),
        same=Tally(sum(1 for c in changes if c == 0), n),
        worse=Tally(sum(1 for c in changes if c < 0), n),
        changes=tuple(changes),
    )


def program_evaluation(filters: EvaluationFilters, *, today: date | None = None) -> Evaluation:
    """The figures for the cases `filters` select (see the module's docstring)."""
    today = today or timezone.localdate()
    rows = _case_rows(filters)
    ids = [pk for pk, _opened, _closed in rows]
    scores: dict[Any, list[dict[str, Any]]] = defaultdict(list)
    # In batches, so that a large organization never sends one huge IN list.
    for start in range(0, len(ids), 2000):
        for case_id, levels in (
            Assessment.objects.filter(case_id__in=ids[start : start + 2000])
            .order_by("case_id", "assessed_on", "id")
            .values_list("case_id", "scores")
        ):
            scores[case_id].append(levels if isinstance(levels, dict) else {})
    changes: dict[str, list[int]] = {code: [] for code in LIFE_DOMAIN_CODES}
    for case_levels in scores.values():
        for code, found in series(case_levels).items():
            if len(found) >= 2:
                changes[code].append(found[-1] - found[0])
    days = tuple(max(0, ((closed or today) - opened).days) for _pk, opened, closed in rows)
    return Evaluation(
        filters=filters,
        cases=Tally(len(rows)),
        domains=[_outcome(code, changes[code]) for code in LIFE_DOMAIN_CODES],
        days_in_program=days,
    )
