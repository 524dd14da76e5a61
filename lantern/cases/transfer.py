"""Transferring a case to another organization under the person's consent.

The receiver gets a NEW case: the consented groups' values are copied into it and sealed
under the new case's own key (so each organization can purge its copy on its own
schedule). It arrives unassigned and owned by nobody; the receiver's case supervisors are
told and one of them assigns it. The sender's case is closed as ClosedReferred today, so
its retention clock starts: from then on the sender keeps only what its retention schedule
requires (the purge applies as to any closed case).

A transfer is a one-time move: withdrawing its consent later does not pull the copy back
(the consent is the record of what the person agreed to when the case moved).
"""

import json
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from lantern.accounts.models import Organization
from lantern.accounts.roles import Capability, roles_with
from lantern.audit.services import audit_record
from lantern.cases import indexing, services, sharing_selectors, storage
from lantern.cases.disclosure import log_disclosure
from lantern.cases.keys import CaseCipher, cipher_for, key_create
from lantern.cases.models import (
    Assessment,
    Case,
    CaseChange,
    CaseDocument,
    CaseNote,
    CaseTask,
    CaseTransfer,
    ExploitationPlace,
    PlanGoal,
)
from lantern.cases.models.case import AccessKind
from lantern.cases.sharing_services import (
    case_consent_record,
    check_recipient,
    require_own_reach,
)
from lantern.consent.models import CaseGroup
from lantern.core.api_errors import FieldError
from lantern.notify.services import notify_organization_staff

OBJECT_TYPE = "case"
CLOSED_STATUSES = ("Closed", "ClosedReferred")
TRANSFERRED_STATUS = "ClosedReferred"
IDENTITY_CODED = ("gender", "age_band", "citizenship", "primary_language")
TRAFFICKING_CODED = (
    "trafficking_status",
    "types_of_exploitation",
    "methods_of_control",
    "method_of_recruitment",
    "forced_labour_industry",
    "identified_on",
)


class _Copier:
    """Copies one case's granted groups into a new case, re-sealing every sealed value
    under the new key. Files written are remembered so a failed transfer removes them."""

    def __init__(
        self, source: Case, target: Case, old: CaseCipher, new: CaseCipher, written: list[Path]
    ) -> None:
        self.source, self.target, self.old, self.new = source, target, old, new
        self.written = written

    def reseal(self, stored: str) -> str:
        return self.new.seal(self.old.open(stored))

    def fields(self, groups: frozenset[str]) -> None:
        source, target = self.source, self.target
        if CaseGroup.IDENTITY in groups:
            for name in IDENTITY_CODED:
                setattr(target, name, getattr(source, name))
            target.alias_sealed = self.reseal(source.alias_sealed)
            target.birth_year_sealed = self.reseal(source.birth_year_sealed)
        if CaseGroup.CONTACT in groups:
            target.contact_sealed = self.reseal(source.contact_sealed)
        if CaseGroup.TRAFFICKING in groups:
            for name in TRAFFICKING_CODED:
                setattr(target, name, getattr(source, name))
            ExploitationPlace.objects.bulk_create(
                ExploitationPlace(
                    case=target,
                    place_type=p.place_type,
                    country=p.country,
                    state=p.state,
                    county=p.county,
                )
                for p in source.places.order_by("id")
            )
        target.save()

    def plan(self) -> None:
        goals: dict[Any, PlanGoal] = {}
        for goal in self.source.goals.order_by("id"):
            copy = PlanGoal.objects.create(
                case=self.target,
                domain=goal.domain,
                text_sealed=self.reseal(goal.text_sealed),
                status=goal.status,
                created=goal.created,
            )
            # Directory services are public; the sender's referrals are not the receiver's.
            copy.services.set(goal.services.all())
            goals[goal.pk] = copy
        CaseTask.objects.bulk_create(
            CaseTask(
                case=self.target,
                goal=goals.get(task.goal_id),
                title_sealed=self.reseal(task.title_sealed),
                due_on=task.due_on,
                done_at=task.done_at,
                created=task.created,
            )
            for task in self.source.tasks.order_by("id")
        )

    def assessments(self) -> None:
        Assessment.objects.bulk_create(
            Assessment(
                case=self.target,
                kind=a.kind,
                assessed_on=a.assessed_on,
                scores=dict(a.scores or {}),
                created=a.created,
            )
            for a in self.source.assessments.order_by("id")
        )

    def notes(self) -> None:
        CaseNote.objects.bulk_create(
            CaseNote(
                case=self.target,
                body_sealed=self.reseal(note.body_sealed),
                author=note.author,
                organization_id=note.organization_id,
                created=note.created,
            )
            for note in self.source.notes.order_by("created")
        )

    def documents(self) -> None:
        for document in self.source.documents.order_by("created"):
            try:
                data = self.old.open_bytes(storage.read_document(document.pk))
            except FileNotFoundError:
                continue  # nothing stored to copy (the row alone would be a dead link)
            copy = CaseDocument.objects.create(
                case=self.target,
                document_type=document.document_type,
                filename_sealed=self.reseal(document.filename_sealed),
                media_type=document.media_type,
                size=document.size,
                created=document.created,
            )
            # Registered before writing, so a failed transfer removes a half-written file.
            self.written.append(storage.document_path(copy.pk))
            storage.write_document(copy.pk, self.new.seal_bytes(data))


def _new_case(recipient: Organization, now: datetime) -> Case:
    for attempt in range(5):
        try:
            with transaction.atomic():
                return Case.objects.create(
                    organization=recipient,
                    number=services._next_number(recipient),
                    owner=None,
                    status="Active",
                    opened_on=timezone.localdate(),
                    created=now,
                    updated=now,
                )
        except IntegrityError:
            if attempt == 4:
                raise
    raise AssertionError("unreachable")


def _close_sender(case: Case, cipher: CaseCipher, actor: Any) -> None:
    today = timezone.localdate()
    history = []
    for name, old, new in (
        ("status", case.status, TRANSFERRED_STATUS),
        ("closed_on", case.closed_on.isoformat() if case.closed_on else None, today.isoformat()),
    ):
        history.append(
            CaseChange(
                case=case,
                field=name,
                old_sealed=cipher.seal(json.dumps(old)),
                new_sealed=cipher.seal(json.dumps(new)),
                actor=actor,
            )
        )
    case.status = TRANSFERRED_STATUS
    case.closed_on = today
    case.updated = timezone.now()
    case.save(update_fields=["status", "closed_on", "updated"])
    CaseChange.objects.bulk_create(history)


def case_transfer(
    *,
    actor: Any,
    case: Case,
    recipient: Organization,
    groups: Sequence[str],
    purpose: str,
    method: str,
    expires_at: datetime | None,
) -> CaseTransfer:
    """Move the case to `recipient` under the person's consent (see the module's text).
    Only people with own reach on an open case may; the recipient must be another
    organization with a case supervisor."""
    written: list[Path] = []
    try:
        with transaction.atomic():
            transfer = _transfer(
                actor=actor,
                case=case,
                recipient=recipient,
                groups=groups,
                purpose=purpose,
                method=method,
                expires_at=expires_at,
                written=written,
            )
    except BaseException:
        # Nothing was written to the database: remove the copies of documents too.
        for path in written:
            path.unlink(missing_ok=True)
        raise
    case.refresh_from_db()
    return transfer


def _transfer(
    *,
    actor: Any,
    case: Case,
    recipient: Organization,
    groups: Sequence[str],
    purpose: str,
    method: str,
    expires_at: datetime | None,
    written: list[Path],
) -> CaseTransfer:
    locked = Case.objects.select_for_update().get(pk=case.pk)
    require_own_reach(actor, locked)
    if locked.status in CLOSED_STATUSES:
        raise FieldError("case", "a closed case cannot be transferred")
    check_recipient(
        locked,
        recipient,
        sharing_selectors.transfer_recipients(locked),
        why="it has no case supervisor to take the case on",
    )
    consent = case_consent_record(
        actor=actor,
        case=locked,
        recipient=recipient,
        groups=groups,
        purpose=purpose,
        method=method,
        expires_at=expires_at,
    )
    granted = frozenset(consent.categories)
    now = timezone.now()
    new_case = _new_case(recipient, now)
    old_cipher = cipher_for(locked)
    copier = _Copier(locked, new_case, old_cipher, key_create(new_case), written)
    copier.fields(granted)
    if CaseGroup.PLAN in granted:
        copier.plan()
    if CaseGroup.ASSESSMENTS in granted:
        copier.assessments()
    if CaseGroup.NOTES in granted:
        copier.notes()
    transfer = CaseTransfer.objects.create(
        case=locked,
        new_case=new_case,
        consent=consent,
        recipient=recipient,
        transferred_by=actor,
    )
    if CaseGroup.DOCUMENTS in granted:
        copier.documents()
    new_cipher = cipher_for(new_case)
    indexing.index_case(
        new_case,
        alias=new_cipher.open(new_case.alias_sealed),
        birth_year=new_cipher.open(new_case.birth_year_sealed),
        language=new_case.primary_language,
        places=[
            {"place_type": p.place_type, "country": p.country, "state": p.state, "county": p.county}
            for p in new_case.places.order_by("id")
        ],
    )
    _close_sender(locked, old_cipher, actor)
    log_disclosure(
        case=locked,
        actor=actor,
        kind=AccessKind.TRANSFER,
        recipient_id=recipient.pk,
        groups=granted,
    )
    audit_record(
        actor=actor,
        action="case.transfer",
        object_type=OBJECT_TYPE,
        object_id=locked.pk,
        detail={
            "transfer_id": str(transfer.pk),
            "consent_id": str(consent.pk),
            "recipient_id": str(recipient.pk),
            "new_case_id": str(new_case.pk),
            "groups": list(consent.categories),
        },
    )
    audit_record(
        actor=actor,
        action="case.create",
        object_type=OBJECT_TYPE,
        object_id=new_case.pk,
        detail={
            "organization_id": str(recipient.pk),
            "number": new_case.number,
            "transferred_from": str(locked.pk),
            "groups": list(consent.categories),
        },
    )
    notify_organization_staff(
        organization=recipient,
        roles=roles_with(Capability.SUPERVISE_CASES),
        kind="case_shared",
        link_path=f"/cases/{new_case.pk}/",
    )
    return transfer
