"""Synthetic demo case records: about 200 cases across the demo organizations that keep
cases, with outcome assessments over time, so the case pages and the program evaluation
have something to show.

Everything is invented: aliases are a fictional first name and an initial, phone numbers
are 555-01xx, places are real US states and counties of the demo metropolitan areas (never
an address). The HTCDS codes are spread as an anti-trafficking program might see them, and
the scores mostly improve. Cases are opened through `services.case_create`, so each has its
own data key and blind index. Assessments are written in one go, in the order and with the
levels `assessments.assessment_record` accepts, and the seed's audit event counts them. Cases
that closed are closed by the seed itself (no supervisor approval in a demo), with an audit
event each.

Idempotent: an organization that already has cases gets none. `lantern demo seed` calls
`demo_seeded` (through `lantern.directory.signals.demo_seeded`, since the command lives in
the directory, below this app) and prints the line it returns. The same `seed` gives the same
cases, relative to `today`.
"""

import random
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from lantern.accounts.models import Membership, Organization, User
from lantern.accounts.roles import Capability, roles_with
from lantern.audit.services import audit_record
from lantern.cases.assessments import clean_scores
from lantern.cases.models import Assessment, Case
from lantern.cases.models.work import LIFE_DOMAIN_CODES
from lantern.cases.services import case_create
from lantern.directory.demo import DEMO_USERS, demo_phone

CASES = 200
MAX_DAYS_OPEN = 3 * 365

_FIRST_NAMES = (
    "Amara", "Lucía", "Mei", "Thanh", "Rosa", "Daniela", "Aisha", "Marisol", "Yesenia",
    "Ngozi", "Olena", "Priya", "Joy", "Carmen", "Linh", "Fatima", "Inés", "Maricel",
    "Guadalupe", "Esperanza", "Kateryna", "Divya", "Chipo", "Ana", "Sofía", "Jasmine",
    "Keisha", "Alondra", "Mariela", "Hui", "Rahel", "Zainab", "Teresa", "Nadia", "Paola",
    "Wen", "Dalia", "Imani", "Corazon", "Xiomara", "Miguel", "José", "Luis", "Tuan",
    "Emeka", "Andriy", "Rajesh", "Carlos", "Bao", "Samuel", "Hector", "Ricardo", "Kwame",
    "Jun", "Eduardo", "Pedro", "Alex", "Sam", "Jordan", "River",
)  # fmt: skip
_INITIALS = "ABCDEFGHJKLMNPRSTVWZ"
_CONTACTS = (
    "text {phone} after 6pm",
    "call {phone} on weekdays, say it is the clinic",
    "WhatsApp {phone}, never leave a message",
    "through the shelter's front desk",
    "text {phone} first, a friend's phone",
)

# Citizenship (ISO 3166-1) with its weight and the languages spoken (ISO 639-2), first most.
_CITIZENSHIPS = (
    ("US", 44, ("eng", "eng", "eng", "spa")),
    ("MX", 16, ("spa",)),
    ("GT", 6, ("spa",)),
    ("HN", 6, ("spa",)),
    ("SV", 4, ("spa",)),
    ("PH", 5, ("tgl", "eng")),
    ("CN", 4, ("zho",)),
    ("IN", 3, ("hin", "eng")),
    ("NG", 3, ("eng", "yor")),
    ("UA", 3, ("ukr", "rus")),
    ("VN", 3, ("vie",)),
    ("TH", 2, ("tha",)),
    ("HT", 1, ("hat", "fra")),
)
_GENDERS = (
    ("Feminine", 64),
    ("Masculine", 27),
    ("TransgenderFeminine", 4),
    ("TransgenderMasculine", 1),
    ("NonConforming", 2),
    ("NonSpecifiedUnknown", 2),
)
_STATUS = (
    ("ActualVictimOfTrafficking", 52),
    ("PossibleVictimOfTrafficking", 43),
    ("NotAVictimOfTrafficking", 5),
)
_EXPLOITATION = (
    (("SexualExploitation",), 46),
    (("ForcedLabour",), 36),
    (("SexualExploitation", "ForcedLabour"), 8),
    (("Servitude",), 4),
    (("ForcedBegging",), 2),
    (("ForcedMarriage",), 2),
    (("ForcedLabour", "Servitude"), 2),
)
_CONTROL = (
    ("PsychologicalAbuse", 30),
    ("PhysicalThreats", 28),
    ("FalsePromises", 26),
    ("TakesEarnings", 22),
    ("DebtBondage", 20),
    ("WithholdsDocuments", 16),
    ("ThreatsLawEnforcement", 15),
    ("PhysicalAbuse", 14),
    ("RestrictsFinancialAccess", 12),
    ("SexualAbuse", 10),
    ("ExcessiveWorkingHours", 10),
    ("ThreatensChildrenFamily", 8),
    ("PsychoactiveSubstance", 7),
    ("WithholdsNecessities", 5),
    ("RestrictsMedicalCare", 4),
)
_RECRUITMENT = (
    ("ThroughFriendsOrSocialEvents", 24),
    ("ThroughOnlineSocialNetworks", 22),
    ("ThroughFamilyOrFamilyEvents", 14),
    ("ThroughAnOnlineAdvertisement", 12),
    ("AtWork", 8),
    ("AtAPlaceOfBusiness", 6),
    ("AtAnEducationalInstitution", 3),
    ("ThroughANewspaperAdvert", 2),
    ("Other", 9),
)
_INDUSTRIES = (
    ("A_AgricultureForestryAndFishing", 22),
    ("I_AccommodationAndFoodServiceActivities", 20),
    ("T_ActivitiesOfHouseholdsAsEmployers", 16),
    ("F_Construction", 12),
    ("S_OtherServiceActivities", 12),
    ("C_Manufacturing", 8),
    ("N_AdministrativeAndSupportServiceActivities", 7),
    ("G_WholesaleAndRetailTradeRepairOfMotorVehicles", 3),
)
# The demo metropolitan areas (lantern.directory.demo_cities): FIPS state code, a few of
# its counties (5-digit FIPS) around the city, and a weight.
_METROS = (
    ("17", ("17031", "17031", "17043", "17097", "17197"), 3),  # Chicago: Cook, DuPage ...
    ("48", ("48201", "48201", "48157", "48339"), 2),  # Houston: Harris, Fort Bend, Montgomery
    ("13", ("13121", "13089", "13067", "13135"), 2),  # Atlanta: Fulton, DeKalb, Cobb ...
    ("06", ("06037", "06037", "06059", "06071", "06065"), 2),  # Los Angeles, Orange ...
    ("36", ("36061", "36047", "36081", "36005"), 2),  # New York, Kings, Queens, Bronx
    ("12", ("12086", "12086", "12011"), 1),  # Miami-Dade, Broward
    ("53", ("53033", "53061", "53053"), 1),  # King, Snohomish, Pierce
)
_CHILD_AGENCY = "State child protective services hotline"


def _pick(rng: random.Random, weighted: tuple[tuple[Any, int], ...]) -> Any:
    return rng.choices([value for value, _w in weighted], [w for _v, w in weighted])[0]


@dataclass
class DemoCasesResult:
    cases: int = 0
    assessments: int = 0
    organizations: int = 0
    skipped_organizations: int = 0

    def line(self) -> str:
        if not self.organizations and not self.skipped_organizations:
            return "demo cases: no demo organization keeps cases (seed the directory first)"
        if not self.cases:
            return "demo cases: already there, nothing added"
        return (
            f"seeded {self.cases} demo cases ({self.assessments} outcome assessments) in "
            f"{self.organizations} organizations"
        )


def _case_keepers() -> dict[Organization, list[User]]:
    """The demo organizations that keep cases and who works their cases there (caseworkers
    before supervisors: supervisors get cases only where nobody else keeps them)."""
    keepers = roles_with(Capability.KEEP_CASES)
    supervising = set(roles_with(Capability.SUPERVISE_CASES))
    found: dict[Organization, list[tuple[bool, str, User]]] = defaultdict(list)
    for membership in Membership.objects.filter(
        user__email__in=list(DEMO_USERS), role__in=keepers, user__is_active=True
    ).select_related("user", "organization"):
        found[membership.organization].append(
            (membership.role in supervising, membership.user.email, membership.user)
        )
    result = {}
    for org, people in sorted(found.items(), key=lambda item: item[0].name):
        workers = [user for sup, _email, user in sorted(people, key=lambda p: p[:2]) if not sup]
        result[org] = workers or [
            user for _sup, _email, user in sorted(people, key=lambda p: p[:2])
        ]
    return result


def _place(rng: random.Random, home_state: str | None) -> dict[str, str]:
    metro = next((m for m in _METROS if m[0] == home_state), None)
    if metro is None or rng.random() < 0.25:
        metro = _pick(rng, tuple((m, m[2]) for m in _METROS))
    return {
        "place_type": "Exploitation",
        "country": "US",
        "state": metro[0],
        "county": rng.choice(metro[1]),
    }


def _case_data(rng: random.Random, today: date, home_state: str | None) -> dict[str, Any]:
    days_open = int(rng.triangular(10, MAX_DAYS_OPEN, 90))
    opened_on = today - timedelta(days=days_open)
    identified_on = opened_on - timedelta(days=rng.randint(0, 45))
    citizenship, _w, languages = rng.choices(_CITIZENSHIPS, [c[1] for c in _CITIZENSHIPS])[0]
    minor = rng.random() < 0.1
    age = rng.randint(14, 17) if minor else int(rng.triangular(18, 62, 26))
    status = _pick(rng, _STATUS)
    types = list(_pick(rng, _EXPLOITATION))
    if minor and "ForcedLabour" in types and rng.random() < 0.5:
        types = ["ChildLabour", *(t for t in types if t != "ForcedLabour")]
    controls: list[str] = []
    wanted = rng.randint(1, 4)
    while len(controls) < wanted:
        control = _pick(rng, _CONTROL)
        if control not in controls:
            controls.append(control)
    places = [_place(rng, home_state)]
    if citizenship != "US" and rng.random() < 0.6:
        places.insert(0, {"place_type": "Recruitment", "country": citizenship})
    phone = demo_phone(rng)
    data: dict[str, Any] = {
        "alias": f"{rng.choice(_FIRST_NAMES)} {rng.choice(_INITIALS)}.",
        "contact": rng.choice(_CONTACTS).format(phone=phone) if rng.random() < 0.75 else "",
        "birth_year": identified_on.year - age,
        "gender": _pick(rng, _GENDERS),
        "citizenship": citizenship,
        "primary_language": rng.choice(languages),
        "trafficking_status": status,
        "types_of_exploitation": types,
        "methods_of_control": controls,
        "method_of_recruitment": _pick(rng, _RECRUITMENT),
        "forced_labour_industry": _pick(rng, _INDUSTRIES) if "ForcedLabour" in types else "",
        "identified_on": identified_on,
        "opened_on": opened_on,
        "status": "FollowUp" if days_open > 120 and rng.random() < 0.2 else "Active",
        "places": places,
    }
    if minor and status != "NotAVictimOfTrafficking" and rng.random() < 0.75:
        data["child_report_on"] = min(today, identified_on + timedelta(days=rng.randint(0, 3)))
        data["child_report_agency"] = _CHILD_AGENCY
        data["child_report_reference"] = f"DEMO-{rng.randint(100000, 999999)}"
    return data


def _closing(rng: random.Random, opened_on: date, today: date) -> date | None:
    days_open = (today - opened_on).days
    if days_open < 180 or rng.random() > 0.45:
        return None
    return opened_on + timedelta(days=rng.randint(120, min(days_open, 600)))


def _next_levels(rng: random.Random, levels: dict[str, int]) -> dict[str, int]:
    """The next assessment: most domains the same or better, a few worse, some skipped."""
    moved = {}
    for code, level in levels.items():
        if rng.random() < 0.08:
            continue
        step = rng.choices((-1, 0, 1, 2), (12, 43, 38, 7))[0]
        moved[code] = min(5, max(1, level + step))
    return moved or dict(levels)


def _assessments(rng: random.Random, case: Case, actor: User, end: date) -> list[Assessment]:
    """Intake, 1-4 follow-ups spread to `end` and, for a closed case, a closure at `end`:
    in the order `assessments.assessment_record` asks for, with levels it accepts."""
    closed = case.closed_on is not None
    intake_on = min(end, case.opened_on + timedelta(days=rng.randint(0, 10)))
    asked = [
        code
        for code in LIFE_DOMAIN_CODES
        if rng.random() < {"children_family": 0.45, "substance_use": 0.8}.get(code, 0.95)
    ]
    levels = {code: rng.choices((1, 2, 3, 4), (30, 40, 22, 8))[0] for code in asked or ["safety"]}
    found = [("intake", intake_on, levels)]
    span = (end - intake_on).days
    follow_ups = rng.randint(1, 4) if span >= 45 else 0
    for index in range(follow_ups):
        on = intake_on + timedelta(days=span * (index + 1) // (follow_ups + 1))
        levels = {**levels, **_next_levels(rng, levels)}
        found.append(("interval", on, levels))
    if closed:
        found.append(("closure", end, {**levels, **_next_levels(rng, levels)}))
    return [
        Assessment(
            case=case, kind=kind, assessed_on=on, scores=clean_scores(scores), assessor=actor
        )
        for kind, on, scores in found
    ]


def _home_state(org: Organization) -> str | None:
    """The demo provider works in Chicago (Illinois); others anywhere in the demo metros."""
    return "17" if org.hsds_organization_id else None


@transaction.atomic
def demo_cases_seed(
    *, seed: int = 1, count: int = CASES, today: date | None = None
) -> DemoCasesResult:
    """Open about `count` synthetic cases across the demo organizations that keep cases and
    have none yet (shared out by their number of caseworkers), with their assessments."""
    today = today or timezone.localdate()
    rng = random.Random(f"lantern-demo-cases-{seed}")  # noqa: S311 - invented data, no secret
    result = DemoCasesResult()
    keepers = _case_keepers()
    fresh = {org: people for org, people in keepers.items() if not org.cases.exists()}
    result.skipped_organizations = len(keepers) - len(fresh)
    workers = sum(len(people) for people in fresh.values())
    assessments: list[Assessment] = []
    for org, people in fresh.items():
        share = round(count * len(people) / workers) if workers else 0
        result.organizations += 1
        for index in range(share):
            actor = people[index % len(people)]
            data = _case_data(rng, today, _home_state(org))
            case = case_create(actor=actor, organization=org, data=data, duplicates_reviewed=True)
            closed_on = _closing(rng, case.opened_on, today)
            if closed_on is not None:
                _close(rng, case, closed_on)
            assessments.extend(_assessments(rng, case, actor, closed_on or today))
            result.cases += 1
    # In one go: the seed's audit event below counts them (a service call each, with its
    # own audit event, takes most of a minute for 750 assessments).
    Assessment.objects.bulk_create(assessments, batch_size=500)
    result.assessments = len(assessments)
    if result.cases:
        audit_record(
            actor=None,
            actor_label="system:demo",
            action="demo.seed",
            object_type="case",
            object_id="demo",
            detail={"cases": result.cases, "assessments": result.assessments, "seed": seed},
        )
    return result


def _close(rng: random.Random, case: Case, closed_on: date) -> None:
    case.status = "ClosedReferred" if rng.random() < 0.2 else "Closed"
    case.closed_on = closed_on
    case.save(update_fields=["status", "closed_on"])
    audit_record(
        actor=None,
        actor_label="system:demo",
        action="case.close",
        object_type="case",
        object_id=case.pk,
        detail={"status": case.status, "demo": True},
    )


def demo_seeded(sender: Any, *, seed: int = 1, **kwargs: Any) -> str:
    """Receiver of `lantern.directory.signals.demo_seeded`: the demo cases, one line back."""
    return demo_cases_seed(seed=seed).line()
