"""Transferring a case: a new case in the receiving organization with exactly the consented
groups, sealed under its own key; the sender's case closed as ClosedReferred."""

import pytest
from django.utils import timezone

from lantern.audit.models import AuditEvent
from lantern.cases.keys import cipher_for
from lantern.cases.models import (
    Assessment,
    Case,
    CaseAccess,
    CaseChange,
    CaseDocument,
    CaseNote,
    CaseTask,
    CaseTransfer,
    PlanGoal,
)
from lantern.cases.reading import case_values
from lantern.cases.selectors import case_for_user, reach_for
from lantern.cases.storage import document_path
from lantern.cases.tests.factories import open_case, supervisor
from lantern.cases.tests.sharing_factories import (
    ALIAS,
    CONTACT,
    COUNTY,
    NOTE_TEXT,
    supervisor_c,
    transfer,
)
from lantern.core.api_errors import FieldError
from lantern.core.errors import NotFound
from lantern.notify.models import Notification

pytestmark = pytest.mark.django_db

ALL = ["identity", "contact", "trafficking", "plan", "assessments", "notes", "documents"]


@pytest.fixture
def documents_dir(settings, tmp_path):
    settings.LANTERN_CASE_DOCUMENT_DIR = tmp_path
    return tmp_path


def _work(case):
    """A note, a goal with a task, an assessment and a stored document on the case."""
    cipher = cipher_for(case)
    CaseNote.objects.create(
        case=case, body_sealed=cipher.seal(NOTE_TEXT), organization=case.organization
    )
    goal = PlanGoal.objects.create(case=case, domain="housing", text_sealed=cipher.seal("A flat"))
    CaseTask.objects.create(
        case=case, goal=goal, title_sealed=cipher.seal("Call the landlord"), due_on="2030-01-02"
    )
    Assessment.objects.create(case=case, kind="intake", assessed_on="2026-01-05", scores={"x": 2})
    document = CaseDocument.objects.create(
        case=case,
        document_type="identity",
        filename_sealed=cipher.seal("passport.pdf"),
        media_type="application/pdf",
        size=9,
    )
    path = document_path(document.pk)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(cipher.seal_bytes(b"%PDF-fake"))
    return document


def test_transfer_makes_a_new_unassigned_case_with_only_the_consented_groups(world):
    supervisor_c(world)
    case = open_case(world)
    moved = transfer(world, case, groups=["identity"])

    new = moved.new_case
    assert new.organization_id == world.org_c.pk
    assert new.owner_id is None
    assert not new.assignments.exists()
    assert new.status == "Active"
    values = case_values(new, frozenset(ALL))
    assert values["alias"] == ALIAS
    assert values["birth_year"] == 1999
    assert values["gender"] == case.gender
    assert values["contact"] == ""
    assert values["trafficking_status"] == ""
    assert values["places"] == []
    assert new.contact_sealed == ""
    # Sealed under the new case's own key: the sender's key cannot open it.
    assert new.key.wrapped != case.key.wrapped
    with pytest.raises(ValueError):
        cipher_for(case).open(new.alias_sealed)
    # Found by its alias through the receiver's blind index.
    assert new.search_keys.filter(organization=world.org_c).exists()


def test_transfer_closes_the_senders_case_and_keeps_its_history(world):
    supervisor_c(world)
    case = open_case(world)
    moved = transfer(world, case)
    case.refresh_from_db()
    assert case.status == "ClosedReferred"
    assert case.closed_on == timezone.localdate()
    changed = set(CaseChange.objects.filter(case=case).values_list("field", flat=True))
    assert {"status", "closed_on"} <= changed
    assert CaseTransfer.objects.get() == moved
    assert moved.consent.catalogue == "case"
    assert moved.consent.subject_id == str(case.pk)
    row = CaseAccess.objects.get(case=case, kind="transfer")
    assert row.organization_id == world.org_c.pk
    assert row.groups == ["contact", "identity"]
    event = AuditEvent.objects.get(action="case.transfer")
    assert event.detail["new_case_id"] == str(moved.new_case_id)
    # The sender still has its closed case; a second transfer is refused.
    assert case_for_user(world["provider_b"].user, case.pk)[1].own
    with pytest.raises(FieldError) as caught:
        transfer(world, case)
    assert caught.value.field == "case"


def test_the_receivers_supervisors_are_told_and_see_it_caseworkers_do_not(world):
    boss_c = supervisor_c(world)
    case = open_case(world)
    moved = transfer(world, case)
    told = Notification.objects.filter(kind="case_shared")
    assert {n.recipient for n in told} == {boss_c}
    assert {n.link_path for n in told} == {f"/cases/{moved.new_case_id}/"}
    assert reach_for(boss_c, moved.new_case).supervisor
    # Unassigned: provider_c (a caseworker there) does not see it until assigned.
    with pytest.raises(NotFound):
        case_for_user(world["provider_c"].user, moved.new_case_id)


def test_transfer_is_refused_to_an_organization_without_a_supervisor(world):
    case = open_case(world)
    with pytest.raises(FieldError) as caught:
        transfer(world, case)
    assert caught.value.field == "recipient"
    case.refresh_from_db()
    assert case.status == "Active"
    assert Case.objects.count() == 1


@pytest.mark.parametrize("persona", ["provider_c", "advocate_a", "coalition_admin"])
def test_only_own_reach_may_transfer(world, persona):
    supervisor_c(world)
    case = open_case(world)
    with pytest.raises(NotFound):
        transfer(world, case, actor=world[persona].user)
    assert not CaseTransfer.objects.exists()


def test_a_supervisor_may_transfer_a_case_of_the_organization(world):
    supervisor_c(world)
    case = open_case(world)
    moved = transfer(world, case, actor=supervisor(world))
    assert moved.new_case.organization_id == world.org_c.pk


def test_transfer_of_everything_copies_the_work_resealed(world, documents_dir):
    supervisor_c(world)
    case = open_case(world)
    document = _work(case)
    moved = transfer(world, case, groups=ALL)
    new = moved.new_case
    new_cipher = cipher_for(new)
    values = case_values(new, frozenset(ALL))
    assert values["contact"].endswith(CONTACT + " after 6pm")
    assert values["places"][0]["county"] == COUNTY
    assert values["trafficking_status"] == case.trafficking_status
    note = new.notes.get()
    assert new_cipher.open(note.body_sealed) == NOTE_TEXT
    goal = new.goals.get()
    assert new_cipher.open(goal.text_sealed) == "A flat"
    task = new.tasks.get()
    assert task.goal_id == goal.pk
    assert task.assignee_id is None
    assert new_cipher.open(task.title_sealed) == "Call the landlord"
    assert new.assessments.get().scores == {"x": 2}
    copy = new.documents.get()
    assert copy.pk != document.pk
    assert new_cipher.open(copy.filename_sealed) == "passport.pdf"
    assert new_cipher.open_bytes(document_path(copy.pk).read_bytes()) == b"%PDF-fake"
    # The sender's stored file is untouched (its purge is its own retention's business).
    assert cipher_for(case).open_bytes(document_path(document.pk).read_bytes()) == b"%PDF-fake"


def test_transfer_without_the_work_groups_copies_no_work(world, documents_dir):
    supervisor_c(world)
    case = open_case(world)
    _work(case)
    moved = transfer(world, case, groups=["identity", "trafficking"])
    new = moved.new_case
    assert not new.notes.exists()
    assert not new.goals.exists()
    assert not new.tasks.exists()
    assert not new.assessments.exists()
    assert not new.documents.exists()
    assert len(list(documents_dir.iterdir())) == 1  # the sender's only
    assert case_values(new, frozenset(ALL))["places"][0]["county"] == COUNTY


def test_a_failed_transfer_leaves_no_copied_file(world, documents_dir, monkeypatch):
    supervisor_c(world)
    case = open_case(world)
    _work(case)

    def broken(*args, **kwargs):
        raise RuntimeError("the index is down")

    monkeypatch.setattr("lantern.cases.transfer.indexing.index_case", broken)
    with pytest.raises(RuntimeError):
        transfer(world, case, groups=ALL)
    assert len(list(documents_dir.iterdir())) == 1
    assert Case.objects.count() == 1
    case.refresh_from_db()
    assert case.status == "Active"
