"""Outcome assessments: the anchored 1-5 scale per life domain, recording an assessment and
reading a case's assessments.

The scale follows the spirit of self-sufficiency matrices: for each life domain
(`models.work.LIFE_DOMAINS`) five levels, from 1 (in crisis) to 5 (thriving), each with a
short plain description, so that two caseworkers who meet the same situation give the same
score. An assessment is taken at intake (once), at follow-ups at an interval the caseworker
chooses (any number), and at closure (once); any domain may be left out, but not all.

Scores are coded data (a level per domain, no free text): they stay after the purge and feed
the program evaluation (`evaluation.py`). Reading them is still a read of the case's
"assessments" group: audited, logged as a disclosure for anyone not assigned, and refused to
a recipient organization whose consent does not grant that group.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from lantern.audit.services import audit_record
from lantern.cases import policy, selectors
from lantern.cases.access import audit_read
from lantern.cases.models import Assessment, Case
from lantern.cases.models.case import AccessKind
from lantern.cases.models.work import LIFE_DOMAIN_CODES, LIFE_DOMAINS, AssessmentKind
from lantern.cases.policy import Reach
from lantern.core.api_errors import FieldError
from lantern.core.bounds import check_date
from lantern.core.errors import NotFound

GROUP = "assessments"
LEVELS: tuple[int, ...] = (1, 2, 3, 4, 5)
# How long before the case was opened an assessment may be dated (the person may have been
# assessed by the organization before the case record was opened).
BEFORE_OPENING = timedelta(days=365)
DOMAIN_LABELS: dict[str, Any] = dict(LIFE_DOMAINS)

# Level 1 .. level 5 of each life domain, in plain words.
ANCHORS: dict[str, tuple[Promise, Promise, Promise, Promise, Promise]] = {
    "safety": (
        _("In danger now: the people who exploited them can reach them"),
        _("Unsafe: threats go on and there is no safety plan"),
        _("Somewhat safe: a safety plan exists but risks remain"),
        _("Mostly safe: few threats, and knows how to get help"),
        _("Safe: no current threats, and confident about staying safe"),
    ),
    "housing": (
        _("No safe place to sleep"),
        _("Emergency shelter or a place to stay for days or weeks"),
        _("Transitional or program housing"),
        _("Stable housing, with help to pay for it"),
        _("Stable housing of their own"),
    ),
    "income": (
        _("No income at all"),
        _("Small or irregular income that does not meet basic needs"),
        _("Basic needs met with benefits or other help"),
        _("Steady income that covers basic needs"),
        _("Income covers their needs and allows some savings"),
    ),
    "employment": (
        _("No work, and not yet able to look for work"),
        _("Looking for work or in job training"),
        _("Temporary, part-time or informal work"),
        _("Steady work, with some support"),
        _("Steady work of their choice with fair pay"),
    ),
    "physical_health": (
        _("Urgent health needs and no care"),
        _("Health needs met only by emergency or irregular care"),
        _("Getting care, but health problems still limit daily life"),
        _("Regular care, and health problems under control"),
        _("In good health, with a regular doctor or clinic"),
    ),
    "mental_health": (
        _("In crisis: a danger to themselves, or cannot manage daily life"),
        _("Severe distress and no ongoing support"),
        _("Distress that affects daily life, with some support"),
        _("Mostly coping, with ongoing support"),
        _("Coping well, and knows where to find support"),
    ),
    "legal_immigration": (
        _("Urgent legal or immigration problem and no help"),
        _("Legal or immigration needs known, no lawyer or advocate yet"),
        _("Working with a lawyer or advocate, matters pending"),
        _("Main legal or immigration matters granted or on track"),
        _("No open legal or immigration matters, status secure"),
    ),
    "education": (
        _("Reading, writing or language skills make daily life hard"),
        _("Wants schooling or language classes but cannot start yet"),
        _("In classes, language learning or training"),
        _("Making steady progress, or finished a course"),
        _("Has the schooling and skills their goals need"),
    ),
    "social_support": (
        _("Alone: no safe person to turn to"),
        _("One or two contacts, not reliable"),
        _("Some safe people to turn to for help"),
        _("A few reliable, safe relationships"),
        _("A strong circle of safe people and community"),
    ),
    "substance_use": (
        _("Substance use puts them in danger or is out of control"),
        _("Substance use causes serious problems, no treatment"),
        _("In treatment or cutting down, with some problems"),
        _("In recovery, with occasional difficulties"),
        _("No problems with substance use, or a long stable recovery"),
    ),
    "children_family": (
        _("Children or family in danger, or separated with no contact"),
        _("Serious family problems or separation, no plan yet"),
        _("Working on reunification, custody or family problems"),
        _("Family life mostly stable, with some support"),
        _("Family safe and stable, living as they choose"),
    ),
}
if set(ANCHORS) != set(LIFE_DOMAIN_CODES) or any(len(a) != len(LEVELS) for a in ANCHORS.values()):
    raise RuntimeError("every life domain needs one anchor per level")  # pragma: no cover


def anchor(domain: str, level: int) -> Promise:
    """The description of `level` (1-5) in `domain`."""
    return ANCHORS[domain][level - 1]


def scale() -> list[tuple[str, Any, list[tuple[int, Promise]]]]:
    """Each domain (code, label) with its levels and their descriptions, in domain order."""
    return [
        (code, label, [(level, anchor(code, level)) for level in LEVELS])
        for code, label in LIFE_DOMAINS
    ]


def clean_scores(scores: Any) -> dict[str, int]:
    """{domain: level} with known domains and whole levels 1-5; at least one domain.
    A bad entry is a FieldError naming `scores.<domain>`."""
    if not isinstance(scores, Mapping):
        raise FieldError("scores", gettext("must map life domains to levels 1-5"))
    clean: dict[str, int] = {}
    for domain, level in scores.items():
        name = f"scores.{str(domain)[:40]}"
        if domain not in ANCHORS:
            raise FieldError(name, gettext("not a life domain"))
        if isinstance(level, bool) or not isinstance(level, int) or level not in LEVELS:
            raise FieldError(name, gettext("must be a whole number from 1 to 5"))
        clean[domain] = level
    if not clean:
        raise FieldError("scores", gettext("score at least one life domain"))
    return {code: clean[code] for code in LIFE_DOMAIN_CODES if code in clean}


def _clean_kind(kind: Any) -> str:
    if kind not in AssessmentKind.values:
        raise FieldError(
            "kind",
            gettext("must be one of %(kinds)s") % {"kinds": ", ".join(AssessmentKind.values)},
        )
    return str(kind)


def _clean_date(value: Any, case: Case) -> date:
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value)
        except ValueError:
            raise FieldError("assessed_on", gettext("give the date as YYYY-MM-DD")) from None
    if not isinstance(value, date):
        raise FieldError("assessed_on", gettext("give a date"))
    try:
        check_date(value)
    except ValueError:
        raise FieldError(
            "assessed_on", gettext("give a date between the years 1900 and 2100")
        ) from None
    if value > timezone.localdate():
        raise FieldError("assessed_on", gettext("an assessment cannot be dated in the future"))
    if value < case.opened_on - BEFORE_OPENING:
        raise FieldError(
            "assessed_on", gettext("cannot be more than a year before the case was opened")
        )
    return value


def _check_order(case: Case, kind: str, on: date) -> None:
    """One intake, first; one closure, last; follow-ups between them."""
    earlier = list(case.assessments.values_list("kind", "assessed_on"))
    intakes = [when for k, when in earlier if k == AssessmentKind.INTAKE]
    closures = [when for k, when in earlier if k == AssessmentKind.CLOSURE]
    if kind == AssessmentKind.INTAKE:
        if intakes:
            raise FieldError("kind", gettext("this case already has its intake assessment"))
        if any(when < on for _k, when in earlier):
            raise FieldError(
                "assessed_on", gettext("an intake assessment cannot follow another one")
            )
    elif kind == AssessmentKind.CLOSURE:
        if closures:
            raise FieldError("kind", gettext("this case already has its closure assessment"))
        if any(when > on for _k, when in earlier):
            raise FieldError(
                "assessed_on", gettext("a closure assessment cannot come before another one")
            )
    else:
        if intakes and on < intakes[0]:
            raise FieldError("assessed_on", gettext("a follow-up cannot come before the intake"))
        if closures and on > closures[0]:
            raise FieldError("assessed_on", gettext("a follow-up cannot come after the closure"))


@transaction.atomic
def assessment_record(
    *, actor: Any, case: Case, kind: str, assessed_on: Any, scores: Mapping[str, Any]
) -> Assessment:
    """Record an outcome assessment of `case` by `actor` (assigned to it, or its supervisor).

    A case the actor may not change is NotFound (as if it did not exist); bad input is a
    FieldError naming the field (`kind`, `assessed_on`, `scores` or `scores.<domain>`)."""
    locked = Case.objects.select_for_update().filter(pk=case.pk).first()
    if locked is None or not policy.may_edit(selectors.reach_for(actor, locked), locked):
        raise NotFound
    if locked.merged_into_id is not None:
        raise FieldError("case", gettext("this case was merged into another; assess that one"))
    clean_kind = _clean_kind(kind)
    on = _clean_date(assessed_on, locked)
    clean = clean_scores(scores)
    _check_order(locked, clean_kind, on)
    assessment = Assessment.objects.create(
        case=locked, kind=clean_kind, assessed_on=on, scores=clean, assessor=actor
    )
    audit_record(
        actor=actor,
        action="assessment.record",
        object_type="case",
        object_id=locked.pk,
        detail={"assessment_id": assessment.pk, "kind": clean_kind, "domains": sorted(clean)},
    )
    return assessment


@dataclass(frozen=True)
class DomainTrend:
    """One domain across a case's assessments: the first and the last level, and how many
    assessments scored it."""

    code: str
    label: Any
    first: int
    last: int
    count: int

    @property
    def change(self) -> int:
        return self.last - self.first

    @property
    def first_anchor(self) -> Promise:
        return anchor(self.code, self.first)

    @property
    def last_anchor(self) -> Promise:
        return anchor(self.code, self.last)


def series(scores_in_order: Iterable[Mapping[str, Any]]) -> dict[str, list[int]]:
    """Each domain's levels, in the order of the assessments given (oldest first)."""
    found: dict[str, list[int]] = {}
    for scores in scores_in_order:
        for code in LIFE_DOMAIN_CODES:
            level = scores.get(code)
            if isinstance(level, int) and not isinstance(level, bool) and level in LEVELS:
                found.setdefault(code, []).append(level)
    return found


def domain_trends(assessments: Iterable[Assessment]) -> list[DomainTrend]:
    """First, last and count per domain scored at least once, in domain order."""
    levels = series(a.scores or {} for a in assessments)
    return [
        DomainTrend(code, DOMAIN_LABELS[code], found[0], found[-1], len(found))
        for code in LIFE_DOMAIN_CODES
        if (found := levels.get(code))
    ]


@dataclass(frozen=True)
class AssessmentHistory:
    assessments: list[Assessment]  # oldest first
    trends: list[DomainTrend]

    @property
    def kinds(self) -> set[str]:
        return {a.kind for a in self.assessments}

    def table(self) -> list[tuple[Any, list[int | None]]]:
        """One row per domain scored at least once: its label and its level in each
        assessment (None where that assessment left it out)."""
        scored = {trend.code for trend in self.trends}
        return [
            (label, [(a.scores or {}).get(code) for a in self.assessments])
            for code, label in LIFE_DOMAINS
            if code in scored
        ]


def assessments_read(*, actor: Any, case: Case, reach: Reach) -> AssessmentHistory | None:
    """The case's assessments as `actor` may see them: None when the reach does not cover
    the "assessments" group (nothing is read then). A read is audited, and logged as a
    disclosure unless the actor is assigned to the case."""
    if not reach.sees(GROUP):
        return None
    rows = list(case.assessments.order_by("assessed_on", "id"))
    audit_read(
        cases=[case],
        actor=actor,
        kind=AccessKind.READ if reach.own else AccessKind.SHARED_READ,
        organization_id=reach.organization_id,
        groups=[GROUP],
        action="assessment.read",
    )
    return AssessmentHistory(assessments=rows, trends=domain_trends(rows))
