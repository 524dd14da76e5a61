"""Writes to case records: open, change, assign (handing over and merging are a
supervisor's, in `supervision.py`).

Each validates, writes and leaves an audit event in one transaction. Audit details carry
ids, field names and codes, never a personal value; personal values (and their history)
are sealed under the case's own key.
"""

import json
from collections.abc import Mapping, Sequence
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models.functions import Length
from django.utils import timezone

from lantern.accounts.models import Membership, Organization
from lantern.accounts.roles import Capability, roles_with
from lantern.audit.services import audit_record
from lantern.cases import indexing, policy, vocab
from lantern.cases.fields import CODED_FIELDS, OPEN_STATUSES, PERSONAL_FIELDS, clean_case_fields
from lantern.cases.keys import CaseCipher, cipher_for, key_create
from lantern.cases.models import Case, CaseAssignment, CaseChange, ExploitationPlace
from lantern.core.api_errors import FieldError
from lantern.notify.services import notify_users

OBJECT_TYPE = "case"
SEALED_ATTR = {
    "alias": "alias_sealed",
    "contact": "contact_sealed",
    "birth_year": "birth_year_sealed",
    "child_report_reference": "child_report_reference_sealed",
}


class DuplicatesFound(Exception):
    """Possible duplicates exist and the person has not said they reviewed them."""

    def __init__(self, candidates: Sequence[indexing.Candidate]) -> None:
        super().__init__("possible duplicates")
        self.candidates = list(candidates)


def _next_number(organization: Organization) -> str:
    """The organization's next case number this year: "2026-00042". Past 99999 the number
    grows a digit, so the longest number is the latest (text order alone would not say)."""
    year = timezone.localdate().year
    prefix = f"{year}-"
    last = (
        Case.objects.filter(organization=organization, number__startswith=prefix)
        .order_by(Length("number").desc(), "-number")
        .values_list("number", flat=True)
        .first()
    )
    sequence = int(last.split("-", 1)[1]) + 1 if last else 1
    return f"{prefix}{sequence:05d}"


def case_worker_ids(organization: Organization) -> set[Any]:
    """Ids of the people who keep cases for the organization (in-force memberships)."""
    roles = roles_with(Capability.KEEP_CASES)
    return set(
        Membership.objects.filter(organization=organization, role__in=roles).values_list(
            "user_id", flat=True
        )
    )


def _check_assignees(organization: Organization, assignees: Sequence[Any]) -> list[Any]:
    allowed = case_worker_ids(organization)
    ids = []
    for user in assignees:
        user_id = getattr(user, "pk", user)
        if user_id not in allowed:
            raise FieldError("assignees", "each assignee must be a caseworker of the organization")
        ids.append(user_id)
    return list(dict.fromkeys(ids))


def band_on(birth_year: int, on: Any) -> str:
    """The age band on a day from the birth year; FieldError when the year is after it."""
    age = vocab.age_at(birth_year, on)
    if age < 0:
        raise FieldError("birth_year", "is after the date the person was identified or met")
    return vocab.age_band(age)


def _age_band(clean: Mapping[str, Any], on: Any) -> str:
    if clean.get("birth_year"):
        return band_on(int(clean["birth_year"]), on)
    return str(clean.get("age_band") or "")


def _write_places(case: Case, places: list[dict[str, str]]) -> None:
    ExploitationPlace.objects.filter(case=case).delete()
    ExploitationPlace.objects.bulk_create(ExploitationPlace(case=case, **place) for place in places)


def _places_of(case: Case) -> list[dict[str, str]]:
    return [
        {"place_type": p.place_type, "country": p.country, "state": p.state, "county": p.county}
        for p in case.places.order_by("id")
    ]


def reindex(case: Case, cipher: CaseCipher) -> None:
    """Rebuild the case's blind index from its current (sealed) values."""
    indexing.index_case(
        case,
        alias=cipher.open(case.alias_sealed),
        birth_year=cipher.open(case.birth_year_sealed),
        language=case.primary_language,
        places=_places_of(case),
    )


@transaction.atomic
def case_create(
    *,
    actor: Any,
    organization: Organization,
    data: Mapping[str, Any],
    assignees: Sequence[Any] = (),
    duplicates_reviewed: bool = False,
    from_referral: Any = None,
) -> Case:
    """Open a case in `organization`. The actor (a caseworker there) is assigned and owns it
    unless other assignees are named. With possible duplicates in the organization and no
    `duplicates_reviewed`, nothing is written and `DuplicatesFound` lists them."""
    if organization.pk not in policy.caseworker_org_ids(actor):
        raise FieldError("organization", "you do not keep cases for this organization")
    clean = clean_case_fields(data)
    clean["age_band"] = _age_band(clean, clean["identified_on"] or clean["opened_on"])
    assignee_ids = _check_assignees(organization, assignees or [actor])
    if not duplicates_reviewed:
        candidates = indexing.find_duplicates(
            organization_id=organization.pk,
            alias=clean["alias"],
            birth_year=clean["birth_year"],
            language=clean["primary_language"],
            places=clean["places"],
        )
        if candidates:
            raise DuplicatesFound(candidates)
    now = timezone.now()
    for attempt in range(5):
        try:
            with transaction.atomic():
                case = Case.objects.create(
                    organization=organization,
                    number=_next_number(organization),
                    owner_id=assignee_ids[0],
                    created=now,
                    updated=now,
                    from_referral=from_referral,
                    **{name: clean[name] for name in CODED_FIELDS if name != "places"},
                )
            break
        except IntegrityError:
            if attempt == 4:
                raise
    cipher = key_create(case)
    for name, attr in SEALED_ATTR.items():
        setattr(case, attr, cipher.seal(clean[name]))
    case.save(update_fields=list(SEALED_ATTR.values()))
    _write_places(case, clean["places"])
    CaseAssignment.objects.bulk_create(
        CaseAssignment(case=case, user_id=user_id, assigned_by=actor) for user_id in assignee_ids
    )
    reindex(case, cipher)
    audit_record(
        actor=actor,
        action="case.create",
        object_type=OBJECT_TYPE,
        object_id=case.pk,
        detail={
            "organization_id": str(organization.pk),
            "number": case.number,
            "assignees": [str(u) for u in assignee_ids],
            "from_referral": str(from_referral.pk) if from_referral is not None else None,
            "duplicates_reviewed": duplicates_reviewed,
        },
    )
    return case


def _coded_value(case: Case, name: str) -> Any:
    if name == "places":
        return _places_of(case)
    value = getattr(case, name)
    return value.isoformat() if hasattr(value, "isoformat") else value


@transaction.atomic
def case_update(*, actor: Any, case: Case, data: Mapping[str, Any]) -> list[str]:
    """Change the fields given; returns the names of the fields that changed.

    Each change is kept (field, who, when, old and new value: personal ones sealed); the
    case's owner is told, without any detail, when someone else changed it."""
    clean = clean_case_fields(data, partial=True)
    locked = Case.objects.select_for_update().get(pk=case.pk)
    if locked.purged_at is not None:
        raise FieldError("case", "this case was purged and cannot change")
    if locked.merged_into_id is not None:
        raise FieldError("case", "this case was merged into another; change that one")
    if (
        "status" in clean
        and locked.status not in OPEN_STATUSES
        and clean["status"] != locked.status
    ):
        raise FieldError("status", "a closed case keeps its status")
    cipher = cipher_for(locked)
    changed: list[str] = []
    history: list[CaseChange] = []
    for name, value in clean.items():
        if name in PERSONAL_FIELDS:
            attr = SEALED_ATTR[name]
            old = cipher.open(getattr(locked, attr))
            if old == value:
                continue
            setattr(locked, attr, cipher.seal(value))
            history.append(
                CaseChange(
                    case=locked,
                    field=name,
                    old_sealed=cipher.seal(old),
                    new_sealed=cipher.seal(value),
                    actor=actor,
                )
            )
        else:
            old_value = _coded_value(locked, name)
            new_value = value.isoformat() if hasattr(value, "isoformat") else value
            if old_value == new_value:
                continue
            if name == "places":
                _write_places(locked, value)
            else:
                setattr(locked, name, value)
            history.append(
                CaseChange(
                    case=locked,
                    field=name,
                    old_sealed=cipher.seal(history_value(old_value)),
                    new_sealed=cipher.seal(history_value(new_value)),
                    actor=actor,
                )
            )
        changed.append(name)
    if not changed:
        return []
    if {"birth_year", "age_band", "identified_on", "opened_on"} & set(changed):
        _rederive_age_band(locked, cipher, history, changed, actor)
        if not changed:
            return []
    locked.updated = timezone.now()
    locked.save()
    CaseChange.objects.bulk_create(history)
    if {"alias", "birth_year", "primary_language", "places"} & set(changed):
        reindex(locked, cipher)
    audit_record(
        actor=actor,
        action="case.update",
        object_type=OBJECT_TYPE,
        object_id=locked.pk,
        detail={"fields": changed},
    )
    tell_owner(locked, actor)
    case.refresh_from_db()
    return changed


def _rederive_age_band(
    case: Case, cipher: CaseCipher, history: list[CaseChange], changed: list[str], actor: Any
) -> None:
    """With a birth year known, the age band follows it (at identification, or at opening):
    a change of the year or of those dates may move the band, and that move is history too
    (one change of `age_band`, from the band before this update to the derived one)."""
    birth_year = cipher.open(case.birth_year_sealed)
    if not birth_year:
        return
    band = band_on(int(birth_year), case.identified_on or case.opened_on)
    given = next((c for c in history if c.field == "age_band"), None)
    if given is not None:
        history.remove(given)
        changed.remove("age_band")
        before = json.loads(cipher.open(given.old_sealed))
    else:
        before = case.age_band
    case.age_band = band
    if band == before:
        return
    changed.append("age_band")
    history.append(
        CaseChange(
            case=case,
            field="age_band",
            old_sealed=cipher.seal(history_value(before)),
            new_sealed=cipher.seal(history_value(band)),
            actor=actor,
        )
    )


def history_value(value: Any) -> str:
    """A coded value as kept in the history (JSON, then sealed like the personal ones)."""
    return json.dumps(value, sort_keys=True, default=str)


def tell_owner(case: Case, actor: Any) -> None:
    """Tell the case's owner (no detail, a link only) when someone else changed it."""
    owner = case.owner
    if owner is None or owner.pk == getattr(actor, "pk", None):
        return
    notify_users(users=[owner], kind="case_edited", link_path=f"/cases/{case.pk}/")


@transaction.atomic
def case_assign(*, actor: Any, case: Case, user: Any) -> CaseAssignment:
    """Add a caseworker of the case's organization to the case."""
    _check_assignees(case.organization, [user])
    assignment, created = CaseAssignment.objects.get_or_create(
        case=case, user_id=getattr(user, "pk", user), defaults={"assigned_by": actor}
    )
    if created:
        audit_record(
            actor=actor,
            action="case.assign",
            object_type=OBJECT_TYPE,
            object_id=case.pk,
            detail={"user_id": str(assignment.user_id)},
        )
        if assignment.user_id != getattr(actor, "pk", None):
            notify_users(
                users=[assignment.user], kind="case_assigned", link_path=f"/cases/{case.pk}/"
            )
    return assignment


@transaction.atomic
def case_unassign(*, actor: Any, case: Case, user: Any) -> None:
    user_id = getattr(user, "pk", user)
    if case.owner_id == user_id:
        raise FieldError("user", "hand the case to another caseworker before removing its owner")
    deleted, _ = CaseAssignment.objects.filter(case=case, user_id=user_id).delete()
    if deleted:
        audit_record(
            actor=actor,
            action="case.unassign",
            object_type=OBJECT_TYPE,
            object_id=case.pk,
            detail={"user_id": str(user_id)},
        )
