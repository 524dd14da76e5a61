"""The retention purge, `lantern cases purge [--dry-run] [--now ISO]`: crypto-shredding of the
cases that have been closed for longer than their organization's retention schedule.

A case is due when it is closed (`closed_on` set), `closed_on` is at least the schedule's
days before today, it was not purged yet, and no legal hold is in force on it (not released,
`until` today or later). Due cases are purged in batches, each in one transaction with one
audit event naming its case ids (never a per-case event, so 10,000 cases take seconds):

- the case key row is deleted: every value sealed under it is unreadable from then on, in
  this database and in every backup of it;
- the rows that hold only personal data are deleted (notes, documents and their files, the
  blind-index search keys, the history of personal fields);
- every other sealed column of the case and of its rows is blanked (the history of coded
  fields keeps who changed which field and when; goals keep their domain and status, tasks
  their due dates, approvals their decision);
- the coded fields stay for statistics (status, trafficking status, gender, age band,
  citizenship, language, exploitation, control, recruitment, industry, places at state
  level: the county is blanked), its dates are cut to the first of their month, and the
  assessments' coded scores and the disclosure log (ids and codes only) are kept.

Legal holds and compelled-disclosure records are not touched: their text is under the
deployment keys on purpose, as the organization's account of what it did.
"""

import logging
from argparse import ArgumentParser
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.apps import apps
from django.core.cache import cache
from django.core.management.base import CommandError
from django.db import models, transaction
from django.db.models import Q, QuerySet
from django.db.models.functions import TruncMonth
from django.utils import timezone

from lantern.audit.services import audit_record
from lantern.cases import storage
from lantern.cases.fields import PERSONAL_FIELDS
from lantern.cases.legal_selectors import held_cases, retention_by_organization
from lantern.cases.models import (
    Case,
    CaseChange,
    CaseDocument,
    CaseKey,
    CaseNote,
    CaseSearchKey,
    ExploitationPlace,
)

logger = logging.getLogger(__name__)

BATCH_SIZE = 500
# Dates of a purged case are cut to the first of their month.
CASE_DATES = ("identified_on", "opened_on", "closed_on", "child_report_on")
# Clear-text columns of a case that are neither coded nor needed for statistics.
CASE_CLEAR_TEXT = {"child_report_agency": ""}
# Rows that hold nothing but personal data: deleted, not blanked.
DELETED_ROWS: tuple[type[models.Model], ...] = (CaseNote, CaseDocument, CaseSearchKey)


@dataclass(frozen=True)
class PurgeResult:
    due: int  # past their schedule, not held (what a run purges)
    held: int  # past their schedule, kept by a legal hold in force
    waiting: int  # past their schedule, merged into a case that is not due yet
    purged: int
    batches: int
    documents: int
    dry_run: bool


# --- Which cases ----------------------------------------------------------------------


def _closed_unpurged() -> QuerySet[Case]:
    return Case.objects.filter(closed_on__isnull=False, purged_at__isnull=True)


def past_schedule(today: date) -> QuerySet[Case]:
    """Closed, unpurged cases whose organization's schedule has run out on `today` (held
    or not). One condition per organization that has such cases."""
    org_ids = _closed_unpurged().order_by().values_list("organization_id", flat=True).distinct()
    days_by_org = retention_by_organization(set(org_ids))
    condition = Q(pk__in=[])
    for org_id, days in days_by_org.items():
        condition |= Q(organization_id=org_id, closed_on__lte=today - timedelta(days=days))
    return _closed_unpurged().filter(condition)


def due_cases(today: date) -> QuerySet[Case]:
    """The cases a purge on `today` destroys: past their schedule and not held. A case
    merged into another keeps part of that person's record (its notes, documents, history),
    so it goes only with (or after) the case it was merged into."""
    unheld = past_schedule(today).exclude(held_cases(today))
    survivors_due = unheld.filter(merged_into__isnull=True).values("pk")
    return unheld.filter(
        Q(merged_into__isnull=True)
        | Q(merged_into__purged_at__isnull=False)
        | Q(merged_into__in=survivors_due)
    )


# --- Purging one batch ----------------------------------------------------------------


def _links_to_case(model: type[models.Model]) -> list[str]:
    return [
        field.name
        for field in model._meta.concrete_fields
        if field.is_relation and field.related_model is Case and field.name == "case"
    ]


def _sealed_columns(model: type[models.Model]) -> list[str]:
    return [f.name for f in model._meta.concrete_fields if f.name.endswith("_sealed")]


def sealed_case_rows() -> list[tuple[type[models.Model], list[str]]]:
    """Every model with a `case` foreign key and sealed columns (found, not listed, so a
    model added later is purged too), with its sealed columns."""
    found = []
    for model in apps.get_models():
        if model is Case or model in DELETED_ROWS:
            continue
        sealed = _sealed_columns(model)
        if sealed and _links_to_case(model):
            found.append((model, sealed))
    return found


def delete_document_files(document_ids: Iterable[Any]) -> int:
    """Delete the stored files of these documents (a whole batch of cases at once); returns
    how many existed."""
    deleted = 0
    for document_id in document_ids:
        try:
            deleted += storage.delete_document(document_id)
        except OSError:  # pragma: no cover - the key is gone already, so it stays unreadable
            logger.exception("cases purge: could not delete document file %s", document_id)
    return deleted


def case_cache_key(case_id: Any) -> str:
    """The one cache slot a case may have. Nothing caches case data today; anything that
    ever does must use this key, so that the purge forgets it."""
    return f"lantern:case:{case_id}"


def _forget_cached(case_ids: Sequence[Any]) -> None:
    cache.delete_many([case_cache_key(case_id) for case_id in case_ids])


def purge_batch(case_ids: Sequence[Any], *, now: datetime) -> tuple[int, int]:
    """Purge these cases (call inside a transaction, rows locked). Returns (cases,
    documents). Document files are deleted once the transaction commits."""
    ids = list(case_ids)
    document_ids = list(CaseDocument.objects.filter(case_id__in=ids).values_list("pk", flat=True))
    CaseKey.objects.filter(case_id__in=ids).delete()
    for model in DELETED_ROWS:
        model._default_manager.filter(case_id__in=ids).delete()
    CaseChange.objects.filter(case_id__in=ids, field__in=PERSONAL_FIELDS).delete()
    for model, sealed in sealed_case_rows():
        model._default_manager.filter(case_id__in=ids).update(**dict.fromkeys(sealed, ""))
    ExploitationPlace.objects.filter(case_id__in=ids).update(county="")
    Case.objects.filter(pk__in=ids).update(
        purged_at=now,
        **dict.fromkeys(_sealed_columns(Case), ""),
        **CASE_CLEAR_TEXT,
        **{name: TruncMonth(name) for name in CASE_DATES},
    )
    audit_record(
        actor=None,
        actor_label="system:purge",
        action="case.purge",
        object_type="case",
        object_id="batch",
        detail={
            "count": len(ids),
            "case_ids": [str(case_id) for case_id in ids],
            "documents": len(document_ids),
        },
    )
    _forget_cached(ids)
    transaction.on_commit(lambda: delete_document_files(document_ids))
    return len(ids), len(document_ids)


# --- The whole run --------------------------------------------------------------------


def purge_due(
    *, now: datetime | None = None, dry_run: bool = False, batch_size: int = BATCH_SIZE
) -> PurgeResult:
    """Purge every due case in batches of `batch_size` (or, with `dry_run`, only count)."""
    now = now or timezone.now()
    today = timezone.localdate(now) if timezone.is_aware(now) else now.date()
    due = due_cases(today).count()
    past = past_schedule(today)
    held = past.filter(held_cases(today)).count()
    waiting = past.count() - held - due
    if dry_run:
        return PurgeResult(due, held, waiting, 0, 0, 0, dry_run=True)
    purged = batches = documents = 0
    while True:
        with transaction.atomic():
            ids = list(
                due_cases(today)
                .order_by("pk")
                .select_for_update(skip_locked=True, of=("self",))
                .values_list("pk", flat=True)[:batch_size]
            )
            if not ids:
                break
            cases, docs = purge_batch(ids, now=timezone.now())
        purged += cases
        documents += docs
        batches += 1
    return PurgeResult(due, held, waiting, purged, batches, documents, dry_run=False)


# --- The command verb -----------------------------------------------------------------


def add_arguments(parser: ArgumentParser) -> None:
    parser.add_argument(
        "--dry-run",
        action="store_true",
        help="count the cases a purge would destroy; write nothing",
    )
    parser.add_argument(
        "--now",
        default="",
        metavar="ISO",
        help="judge the schedules as on this date or date-time (default: now)",
    )
    parser.add_argument(
        "--batch-size",
        type=int,
        default=BATCH_SIZE,
        help=f"cases per transaction and audit event (default {BATCH_SIZE})",
    )


def parse_now(text: str) -> datetime:
    """`--now`: an ISO date (the start of that day, local time) or date-time."""
    if not text:
        return timezone.now()
    text = text.strip()
    try:
        # A date alone is the start of that day.
        value = datetime.fromisoformat(text if len(text) > 10 else f"{text}T00:00:00")
    except ValueError as exc:
        raise CommandError(f"--now: not an ISO date or date-time: {text!r}") from exc
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    return value


def run(command: Any, **options: Any) -> None:
    batch_size = int(options.get("batch_size") or BATCH_SIZE)
    if batch_size < 1:
        raise CommandError("--batch-size must be at least 1")
    now = parse_now(str(options.get("now") or ""))
    result = purge_due(now=now, dry_run=bool(options.get("dry_run")), batch_size=batch_size)
    out = command.stdout
    out.write(f"cases past their retention schedule: {result.due + result.held + result.waiting}")
    out.write(f"kept under a legal hold: {result.held}")
    out.write(f"merged into a case that is kept: {result.waiting}")
    if result.dry_run:
        out.write(f"dry run: would purge {result.due} cases; nothing was written")
        return
    out.write(
        f"purged {result.purged} cases in {result.batches} batches "
        f"({result.documents} documents destroyed)"
    )
