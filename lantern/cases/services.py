"""Writes to case records: open, change, assign, hand over, merge.

Each validates, writes and leaves an audit event in one transaction. Audit details carry
ids, field names and codes, never a personal value; personal values (and their history)
are sealed under the case's own key.
"""

from collections.abc import Mapping, Sequence
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from lantern.accounts.models import Membership, Organization
from lantern.accounts.roles import Capability, roles_with
from lantern.audit.services import audit_record
from lantern.cases import indexing, policy, vocab
from lantern.cases.fields import CODED_FIELDS, PERSONAL_FIELDS, clean_case_fields
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
    year = timezone.localdate().year
    prefix = f"{year}-"
    last = (
        Case.objects.filter(organization=organization, number__startswith=prefix)
        .aggregate(n=Max("number"))
        .get("n")
    )
    sequence = int(last.split("-", 1)[1]) + 1 if last else 1
    return f"{prefix}{sequence:05d}"


def _case_workers(organization: Organization) -> set[Any]:
    roles = roles_with(Capability.KEEP_CASES)
    return set(
        Membership.objects.filter(organization=organization, role__in=roles).values_list(
            "user_id", flat=True
        )
    )


def _check_assignees(organization: Organization, assignees: Sequence[Any]) -> list[Any]:
    allowed = _case_workers(organization)
    ids = []
    for user in assignees:
        user_id = getattr(user, "pk", user)
        if user_id not in allowed:
            raise FieldError("assignees", "each assignee must be a caseworker of the organization")
        ids.append(user_id)
    return list(dict.fromkeys(ids))


def _age_band(clean: Mapping[str, Any], on: Any) -> str:
    if clean.get("birth_year"):
        return vocab.age_band(vocab.age_at(int(clean["birth_year"]), on))
    return str(clean.get("age_band") or "")


def _write_places(case: Case, places: list[dict[str, str]]) -> None:
    ExploitationPlace.objects.filter(case=case).delete()
    ExploitationPlace.objects.bulk_create(ExploitationPlace(case=case, **place) for place in places)


def _places_of(case: Case) -> list[dict[str, str]]:
    return [
        {"place_type": p.place_type, "country": p.country, "state": p.state, "county": p.county}
        for p in case.places.order_by("id")
    ]


def _reindex(case: Case, cipher: CaseCipher) -> None:
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
    case.age_band = _age_band(clean, clean["identified_on"] or clean["opened_on"])
    cipher = key_create(case)
    for name, attr in SEALED_ATTR.items():
        setattr(case, attr, cipher.seal(clean[name]))
    case.save(update_fields=["age_band", *SEALED_ATTR.values()])
    _write_places(case, clean["places"])
    CaseAssignment.objects.bulk_create(
        CaseAssignment(case=case, user_id=user_id, assigned_by=actor) for user_id in assignee_ids
    )
    _reindex(case, cipher)
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
                    old_sealed=cipher.seal(_json(old_value)),
                    new_sealed=cipher.seal(_json(new_value)),
                    actor=actor,
                )
            )
        changed.append(name)
    if not changed:
        return []
    if "birth_year" in changed or "age_band" in changed:
        birth_year = cipher.open(locked.birth_year_sealed)
        on = locked.identified_on or locked.opened_on
        if birth_year:
            locked.age_band = vocab.age_band(vocab.age_at(int(birth_year), on))
    locked.updated = timezone.now()
    locked.save()
    CaseChange.objects.bulk_create(history)
    if {"alias", "birth_year", "primary_language", "places"} & set(changed):
        _reindex(locked, cipher)
    audit_record(
        actor=actor,
        action="case.update",
        object_type=OBJECT_TYPE,
        object_id=locked.pk,
        detail={"fields": changed},
    )
    _tell_owner(locked, actor)
    case.refresh_from_db()
    return changed


def _json(value: Any) -> str:
    import json

    return json.dumps(value, sort_keys=True, default=str)


def _tell_owner(case: Case, actor: Any) -> None:
    if case.owner_id is None or case.owner_id == getattr(actor, "pk", None):
        return
    notify_users(users=[case.owner], kind="case_edited", link_path=f"/cases/{case.pk}/")


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
