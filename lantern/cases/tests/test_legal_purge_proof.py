"""The issue's proof: purged personal data cannot be recovered (the key is gone) while the
coded statistics remain. Every table, the audit details, task rows, the cache and the
document storage are searched for the purged values."""

import json
import pickle
from datetime import date

import pytest
from cryptography.fernet import Fernet, InvalidToken
from django.apps import apps
from django.conf import settings
from django.core.cache import cache
from django.db import connection, models

from lantern.audit.models import AuditEvent
from lantern.cases.keys import PREFIX, CaseCipher, CaseKeyDestroyed, cipher_for
from lantern.cases.legal_services import (
    child_report_record,
    legal_hold_place,
    legal_hold_release,
)
from lantern.cases.models import (
    Assessment,
    Case,
    CaseAccess,
    CaseChange,
    CaseDocument,
    CaseKey,
    CaseNote,
    CaseSearchKey,
    CaseTask,
    LegalHold,
    PlanGoal,
)
from lantern.cases.reading import case_read
from lantern.cases.retention import case_cache_key
from lantern.cases.selectors import case_for_user
from lantern.cases.services import case_update
from lantern.cases.storage import document_path
from lantern.cases.tests.factories import supervisor
from lantern.cases.tests.legal_factories import add_work, close, open_case, run_purge

pytestmark = pytest.mark.django_db

# Every personal value carries the marker, so one search finds any of them anywhere.
MARK = "Quillfeather"
ALIAS = f"Zephyrine {MARK}"
NEW_ALIAS = f"Zephyrine {MARK}-Marlowgate"
CONTACT = f"call 555-0177, ask for {MARK}-Contact"
BIRTH_YEAR = 1987
NOTE = f"{MARK}-Note: stays near the Vandermolen bakery"
GOAL = f"{MARK}-Goal: a room at Lindqvist Court"
TASK = f"{MARK}-Task: renew the visa papers"
COMMENT = f"{MARK}-Comment: closure agreed"
DOCUMENT_NAME = f"{MARK}-passport-scan.pdf"
DOCUMENT_BYTES = f"%PDF-1.4 {MARK}-Document-Body-7731".encode()
CHILD_REFERENCE = f"CW-{MARK}-0042"
HOLD_REASON = "Litigation hold, docket 24-CV-118"


def _sealed_values(case: Case) -> list[str]:
    """Every sealed value stored for the case, as the database holds it."""
    values = [
        case.alias_sealed,
        case.contact_sealed,
        case.birth_year_sealed,
        case.child_report_reference_sealed,
    ]
    values += list(CaseNote.objects.filter(case=case).values_list("body_sealed", flat=True))
    values += list(PlanGoal.objects.filter(case=case).values_list("text_sealed", flat=True))
    values += list(CaseTask.objects.filter(case=case).values_list("title_sealed", flat=True))
    values += list(CaseDocument.objects.filter(case=case).values_list("filename_sealed", flat=True))
    for old, new in CaseChange.objects.filter(case=case).values_list("old_sealed", "new_sealed"):
        values += [old, new]
    values += [a.comment_sealed for a in case.approvals.all()]
    return [value for value in values if value]


def _text_columns(model: type[models.Model]) -> list[str]:
    return [
        field.attname
        for field in model._meta.concrete_fields
        if isinstance(field, models.CharField | models.TextField | models.JSONField)
    ]


def _leaves(value: object) -> list[str]:
    if isinstance(value, dict):
        return [s for k, v in value.items() for s in (str(k), *_leaves(v))]
    if isinstance(value, list | tuple):
        return [s for item in value for s in _leaves(item)]
    return [str(value)]


def _database_hits(needles: list[str], exact: list[str]) -> list[str]:
    """Where any needle occurs (case-insensitive) in any text or JSON column of any table
    (read through the ORM, so encrypted columns are searched decrypted), or a column equals
    one of `exact`; plus the audit table's detail read raw by SQL."""
    lowered = [n.lower() for n in needles]
    hits = []
    for model in apps.get_models():
        columns = _text_columns(model)
        if not columns:
            continue
        for row in model._default_manager.values_list("pk", *columns):
            for column, value in zip(columns, row[1:], strict=True):
                if value in (None, ""):
                    continue
                for leaf in _leaves(value):
                    low = leaf.lower()
                    found = [n for n in lowered if n in low] + [e for e in exact if leaf == e]
                    if found:
                        hits.append(f"{model._meta.label}.{column} pk={row[0]}: {found}")
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id, detail FROM {AuditEvent._meta.db_table}")  # noqa: S608
        for pk, detail in cursor.fetchall():
            text = detail if isinstance(detail, str) else json.dumps(detail)
            found = [n for n in lowered if n in text.lower()]
            if found:
                hits.append(f"audit detail (raw) id={pk}: {found}")
    return hits


def _cache_contents() -> list[tuple[str, str]]:
    """Every key and value in the (local-memory) cache, values unpickled and printed."""
    assert "LocMemCache" in settings.CACHES["default"]["BACKEND"], "tests use the memory cache"
    store = cache._cache  # type: ignore[attr-defined]
    return [(key, repr(pickle.loads(value))) for key, value in store.items()]  # noqa: S301


def _cache_hits(needles: list[str]) -> list[str]:
    return [
        key
        for key, value in _cache_contents()
        if any(n.lower() in key.lower() or n.lower() in value.lower() for n in needles)
    ]


@pytest.fixture
def document_dir(settings, tmp_path):
    settings.LANTERN_CASE_DOCUMENT_DIR = tmp_path / "case-documents"
    return settings.LANTERN_CASE_DOCUMENT_DIR


def _case_with_everything(world):
    provider = world["provider_b"].user
    case = open_case(
        world,
        alias=ALIAS,
        contact=CONTACT,
        birth_year=BIRTH_YEAR,
        identified_on="2019-03-17",
        opened_on="2019-04-23",
    )
    case_update(actor=provider, case=case, data={"alias": NEW_ALIAS, "status": "FollowUp"})
    rows = add_work(
        case,
        author=provider,
        note=NOTE,
        goal=GOAL,
        task=TASK,
        comment=COMMENT,
        document_name=DOCUMENT_NAME,
        document_bytes=DOCUMENT_BYTES,
    )
    child_report_record(
        actor=provider,
        case=case,
        reported_on=date(2019, 4, 24),
        agency="County Children's Services",
        reference=CHILD_REFERENCE,
    )
    boss = supervisor(world)
    found, reach = case_for_user(boss, case.pk)
    case_read(actor=boss, case=found, reach=reach)  # a disclosure-log row and an audit event
    hold = legal_hold_place(actor=boss, case=case, reason=HOLD_REASON, until=date(2100, 1, 1))
    legal_hold_release(actor=boss, hold=hold)
    case = close(case, date(2019, 9, 14))
    return case, rows


def test_purged_personal_data_cannot_be_recovered_and_statistics_remain(
    world, monkeypatch, document_dir, django_capture_on_commit_callbacks
):
    case, rows = _case_with_everything(world)
    other = open_case(world, alias="Otto Controlcase", contact="555-0111")
    other_document = add_work(
        other,
        author=world["provider_b"].user,
        note="other note",
        goal="other goal",
        task="other task",
        comment="other comment",
        document_name="other.pdf",
        document_bytes=b"%PDF other",
    )["document"]
    case.refresh_from_db()
    sealed = _sealed_values(case)
    assert len(sealed) >= 12, "alias, contact, birth year, reference, work rows and history"
    data_key = case.key.wrapped
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT wrapped FROM {CaseKey._meta.db_table} WHERE case_id = %s",  # noqa: S608
            [case.pk.hex if connection.vendor == "sqlite" else case.pk],
        )
        wrapped_raw = cursor.fetchone()[0]
    document_file = document_path(rows["document"].pk)
    document_token = document_file.read_bytes()
    cache.set(case_cache_key(case.pk), {"alias": NEW_ALIAS})
    # The searches below do find the values while they exist (so silence later means gone).
    assert cipher_for(case).open(case.alias_sealed) == NEW_ALIAS
    assert _database_hits([MARK], [str(BIRTH_YEAR)]) == []  # sealed: never in clear
    assert _cache_hits([MARK]) == [cache.make_key(case_cache_key(case.pk))]
    assert DOCUMENT_BYTES in cipher_for(case).open_bytes(document_token)
    assert _database_hits([data_key], []) != []  # the key is readable (decrypted column)

    with django_capture_on_commit_callbacks(execute=True):
        output = run_purge(monkeypatch, "--now", "2030-01-01")
    assert "purged 1 cases in 1 batches (1 documents destroyed)" in output
    case.refresh_from_db()

    # (a) The key row is gone: nothing the deployment holds opens what was captured.
    assert not CaseKey.objects.filter(case_id=case.pk).exists()
    with pytest.raises(CaseKeyDestroyed):
        cipher_for(case)
    deployment = [Fernet(key.encode()) for key in settings.LANTERN_ENCRYPTION_KEYS]
    remaining = [CaseCipher(Fernet(k.wrapped.encode())) for k in CaseKey.objects.all()]
    assert remaining, "the other case keeps its key"
    for value in sealed:
        token = value[len(PREFIX) :].encode()
        for fernet in deployment:
            with pytest.raises(InvalidToken):
                fernet.decrypt(token)
        for cipher in remaining:
            with pytest.raises(ValueError):
                cipher.open(value)
    for fernet in deployment:
        with pytest.raises(InvalidToken):
            fernet.decrypt(document_token)

    # (b) No table holds any of the values, the key or its ciphertexts; audit details neither.
    assert _database_hits([MARK, data_key, wrapped_raw, *sealed], [str(BIRTH_YEAR)]) == []
    assert not CaseSearchKey.objects.filter(case=case).exists()
    assert not CaseNote.objects.filter(case=case).exists()
    assert not CaseDocument.objects.filter(case=case).exists()
    # The history of coded fields says who changed which field when; its values are gone,
    # and the history of personal fields (alias, reference) is gone altogether.
    history = CaseChange.objects.filter(case=case)
    assert sorted(history.values_list("field", flat=True)) == [
        "child_report_agency",
        "child_report_on",
        "status",
    ]
    assert set(history.values_list("old_sealed", "new_sealed")) == {("", "")}
    purge_event = AuditEvent.objects.get(action="case.purge")
    assert purge_event.detail["case_ids"] == [str(case.pk)]

    # (c) Task rows keep their dates, not their titles; goals their domain, not their text.
    task = CaseTask.objects.get(pk=rows["task"].pk)
    assert (task.title_sealed, task.due_on) == ("", date(2019, 6, 30))
    goal = PlanGoal.objects.get(pk=rows["goal"].pk)
    assert (goal.text_sealed, goal.domain) == ("", "housing")
    assert case.approvals.get().comment_sealed == ""

    # (d) The cache holds none of it, and nothing keyed by the case.
    assert _cache_hits([MARK, str(case.pk), case.pk.hex]) == []

    # (e) The document storage has no file of the case and none holding the values.
    assert not document_file.exists()
    stored = list(document_dir.iterdir())
    assert [p.name for p in stored] == [str(other_document.pk)]
    for path in stored:
        assert MARK.encode() not in path.read_bytes()
        assert path.read_bytes() != document_token

    # (f) The coded statistics remain; dates are cut to the month.
    assert case.purged_at is not None
    assert (case.status, case.trafficking_status) == ("Closed", "ActualVictimOfTrafficking")
    assert case.age_band == "25-34"  # 2019 - 1987 = 32 when identified
    assert case.types_of_exploitation and case.methods_of_control
    assert (case.opened_on, case.identified_on, case.closed_on) == (
        date(2019, 4, 1),
        date(2019, 3, 1),
        date(2019, 9, 1),
    )
    assert case.child_report_on == date(2019, 4, 1)
    assert list(case.places.values_list("state", "county")) == [("17", "")]
    assert [a.scores for a in Assessment.objects.filter(case=case)] == [
        {"safety": 2, "housing": 1},
        {"safety": 4, "housing": 3},
    ]
    assert CaseAccess.objects.filter(case=case).exists(), "the disclosure log is kept"
    assert LegalHold.objects.get(case=case).reason == HOLD_REASON

    # The other case is untouched.
    other.refresh_from_db()
    assert cipher_for(other).open(other.alias_sealed) == "Otto Controlcase"
    assert other.purged_at is None
