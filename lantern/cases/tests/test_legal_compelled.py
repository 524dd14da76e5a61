"""Compelled disclosure (VAWA): recorded, reviewed, the person told unless the order forbids
it, then a release of exactly the ordered groups, logged and audited."""

import hashlib
import json
from datetime import date, timedelta

import pytest
from django.utils import timezone

from lantern.audit.models import AuditEvent
from lantern.cases.compelled import compelled_record, compelled_release, compelled_update
from lantern.cases.legal_selectors import compelled_for, compelled_for_keeper, release_blockers
from lantern.cases.models import Case, CaseAccess
from lantern.cases.models.case import AccessKind
from lantern.cases.tests.factories import supervisor
from lantern.cases.tests.legal_factories import add_work, open_case, org_admin
from lantern.core.api_errors import FieldError
from lantern.core.errors import NotFound

pytestmark = pytest.mark.django_db

ALIAS = "Quinta Ordenada"
CONTACT = "call 555-0163 after noon"
NOTE = "Note text only the notes group may carry"
GOAL = "Goal text only the plan group may carry"
DOCUMENT_NAME = "only-documents-group.pdf"
REQUESTED = "All records identifying the client named in the subpoena"
RECEIVED = date(2024, 3, 4)


@pytest.fixture
def document_dir(settings, tmp_path):
    settings.LANTERN_CASE_DOCUMENT_DIR = tmp_path / "docs"


def _case(world):
    case = open_case(world, alias=ALIAS, contact=CONTACT)
    add_work(
        case,
        author=world["provider_b"].user,
        note=NOTE,
        goal=GOAL,
        task="Task text of the plan",
        comment="c",
        document_name=DOCUMENT_NAME,
        document_bytes=b"%PDF x",
    )
    return case


def _ready(actor, case, groups=("identity",), **overrides):
    values = {
        "order_kind": "subpoena",
        "received_on": RECEIVED,
        "requested": REQUESTED,
        "groups": list(groups),
        "legal_review": "Counsel reviewed: valid, narrowed to the groups listed.",
        "reviewed_on": RECEIVED + timedelta(days=2),
        "notification_forbidden": False,
        "notified_on": RECEIVED + timedelta(days=3),
        "notified_how": "phone",
    }
    values.update(overrides)
    return compelled_record(actor=actor, case=case, **values)


def _release(actor, disclosure):
    release = compelled_release(actor=actor, disclosure=disclosure)
    return release, json.loads(release.content)


def test_the_release_holds_exactly_the_ordered_groups(world, document_dir):
    case = _case(world)
    admin = org_admin(world)
    disclosure = _ready(admin, case, ["identity"])
    release, document = _release(admin, disclosure)
    text = release.content.decode()
    assert document["case"]["alias"] == ALIAS
    assert document["case"]["number"] == case.number
    assert document["order"]["groups"] == ["identity"]
    # Nothing of the groups not ordered.
    for absent in (CONTACT, NOTE, GOAL, DOCUMENT_NAME, "trafficking_status", "places"):
        assert absent not in text
    assert set(document) == {"format", "order", "case"}
    assert "contact" not in document["case"]


def test_the_release_carries_notes_plan_and_document_lists_when_ordered(world, document_dir):
    case = _case(world)
    boss = supervisor(world)
    disclosure = _ready(boss, case, ["contact", "notes", "plan", "documents", "assessments"])
    release, document = _release(boss, disclosure)
    assert document["case"]["contact"] == CONTACT
    assert "alias" not in document["case"]
    assert [n["text"] for n in document["notes"]] == [NOTE]
    assert [g["text"] for g in document["plan"]["goals"]] == [GOAL]
    assert [d["filename"] for d in document["documents"]] == [DOCUMENT_NAME]
    assert len(document["assessments"]) == 2
    assert ALIAS not in release.content.decode()


def test_the_release_is_logged_hashed_audited_and_made_once(world, document_dir):
    case = _case(world)
    admin = org_admin(world)
    disclosure = _ready(admin, case, ["identity", "trafficking"])
    release, _document = _release(admin, disclosure)
    disclosure.refresh_from_db()
    assert disclosure.release_sha256 == hashlib.sha256(release.content).hexdigest()
    assert disclosure.released_by == admin and disclosure.released_at is not None
    access = CaseAccess.objects.get(case=case, kind=AccessKind.COMPELLED)
    assert access.groups == ["identity", "trafficking"]
    assert access.actor == admin
    event = AuditEvent.objects.get(action="compelled.release")
    assert event.detail["sha256"] == disclosure.release_sha256
    assert event.detail["groups"] == ["identity", "trafficking"]
    assert ALIAS not in json.dumps([e.detail for e in AuditEvent.objects.all()])
    with pytest.raises(FieldError) as again:
        compelled_release(actor=admin, disclosure=disclosure)
    assert again.value.field == "released_at"
    with pytest.raises(FieldError):
        compelled_update(
            actor=admin,
            disclosure=disclosure,
            legal_review="x",
            reviewed_on=RECEIVED,
            notification_forbidden=True,
            notified_on=None,
            notified_how="",
        )


def test_an_assigned_supervisor_releasing_is_still_in_the_disclosure_log(world, document_dir):
    boss = supervisor(world)
    case = open_case(world, actor=boss, alias=ALIAS)
    disclosure = _ready(boss, case, ["identity"])
    compelled_release(actor=boss, disclosure=disclosure)
    assert CaseAccess.objects.filter(case=case, kind=AccessKind.COMPELLED).count() == 1


def test_no_release_before_review_and_notice(world, document_dir):
    case = _case(world)
    admin = org_admin(world)
    disclosure = compelled_record(
        actor=admin,
        case=case,
        order_kind="court_order",
        received_on=RECEIVED,
        requested=REQUESTED,
        groups=["identity"],
    )
    assert release_blockers(disclosure) == ["review", "notice"]
    with pytest.raises(FieldError) as review:
        compelled_release(actor=admin, disclosure=disclosure)
    assert review.value.field == "legal_review"
    compelled_update(
        actor=admin,
        disclosure=disclosure,
        legal_review="Reviewed by counsel.",
        reviewed_on=RECEIVED,
        notification_forbidden=False,
        notified_on=None,
        notified_how="",
    )
    with pytest.raises(FieldError) as notice:
        compelled_release(actor=admin, disclosure=disclosure)
    assert notice.value.field == "notified_on"
    assert not CaseAccess.objects.filter(kind=AccessKind.COMPELLED).exists()
    # An order that forbids telling the person may be released without a notice.
    compelled_update(
        actor=admin,
        disclosure=disclosure,
        legal_review="Reviewed by counsel.",
        reviewed_on=RECEIVED,
        notification_forbidden=True,
        notified_on=None,
        notified_how="",
    )
    disclosure.refresh_from_db()
    assert release_blockers(disclosure) == []
    compelled_release(actor=admin, disclosure=disclosure)


def test_no_release_of_a_purged_case(world, document_dir):
    case = _case(world)
    admin = org_admin(world)
    disclosure = _ready(admin, case, ["identity"])
    Case.objects.filter(pk=case.pk).update(purged_at=timezone.now())
    disclosure.refresh_from_db()
    with pytest.raises(FieldError) as purged:
        compelled_release(actor=admin, disclosure=disclosure)
    assert purged.value.field == "case"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"order_kind": "letter"}, "order_kind"),
        ({"groups": []}, "groups"),
        ({"groups": ["identity", "secrets"]}, "groups"),
        ({"requested": " "}, "requested"),
        ({"received_on": date(2999, 1, 1)}, "received_on"),
        ({"reviewed_on": None}, "reviewed_on"),
        ({"legal_review": ""}, "legal_review"),
        ({"reviewed_on": RECEIVED - timedelta(days=1)}, "reviewed_on"),
        ({"notified_how": "carrier pigeon"}, "notified_how"),
        ({"notified_how": ""}, "notified_how"),
        ({"notification_forbidden": True}, "notified_on"),
    ],
)
def test_recorded_values_are_checked(world, overrides, field):
    case = open_case(world)
    with pytest.raises(FieldError) as exc:
        _ready(org_admin(world), case, **overrides)
    assert exc.value.field == field


@pytest.mark.parametrize("persona", ["provider_b", "provider_c", "coalition_admin", "analyst"])
def test_only_legal_keepers_of_the_organization_record_see_or_release(world, persona):
    case = open_case(world)
    user = world[persona].user
    with pytest.raises(NotFound):
        _ready(user, case, ["identity"])
    disclosure = _ready(org_admin(world), case, ["identity"])
    assert list(compelled_for(user)) == []
    with pytest.raises(NotFound):
        compelled_for_keeper(user, disclosure.pk)
    with pytest.raises(NotFound):
        compelled_release(actor=user, disclosure=disclosure)
    other_admin = org_admin(world, "c")
    with pytest.raises(NotFound):
        compelled_release(actor=other_admin, disclosure=disclosure)


def test_the_record_is_audited_without_what_was_asked(world):
    case = open_case(world)
    disclosure = _ready(org_admin(world), case, ["identity"])
    event = AuditEvent.objects.get(action="compelled.record")
    assert event.detail["disclosure_id"] == disclosure.pk
    assert REQUESTED not in json.dumps(event.detail)
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT requested, legal_review FROM cases_compelleddisclosure WHERE id = %s",
            [disclosure.pk],
        )
        requested_raw, review_raw = cursor.fetchone()
    assert REQUESTED not in requested_raw and "Counsel" not in review_raw


def test_a_gag_order_keeps_the_release_off_the_log_the_person_is_given(world, document_dir):
    from lantern.cases.disclosure import disclosure_log_read

    boss = supervisor(world)
    told = open_case(world, actor=boss, alias=ALIAS)
    compelled_release(actor=boss, disclosure=_ready(boss, told, ["identity"]))
    gagged = open_case(world, actor=boss, alias="Other Fictional", contact="call 555-0109")
    order = _ready(
        boss, gagged, ["identity"], notification_forbidden=True, notified_on=None, notified_how=""
    )
    compelled_release(actor=boss, disclosure=order)

    _, rows = disclosure_log_read(actor=boss, case=told)
    assert [row for row in rows if "court order" in str(row.as_json()).lower()]
    _, rows = disclosure_log_read(actor=boss, case=gagged)
    assert not [row for row in rows if "court order" in str(row.as_json()).lower()]
    # The release is still on record for the organization: the access row and the audit.
    assert CaseAccess.objects.filter(case=gagged, kind=AccessKind.COMPELLED).count() == 1
