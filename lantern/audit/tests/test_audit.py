from itertools import pairwise

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from lantern.audit.models import AuditEvent, AuditHead
from lantern.audit.services import (
    GENESIS_HASH,
    audit_head,
    audit_record,
    audit_verify,
    event_hash,
)

pytestmark = pytest.mark.django_db


def _chain(n: int = 5) -> list[AuditEvent]:
    return [
        audit_record(
            actor=None, action="test.event", object_type="thing", object_id=i, detail={"n": i}
        )
        for i in range(n)
    ]


def test_each_event_links_to_the_previous_hash():
    events = _chain()
    assert events[0].prev_hash == GENESIS_HASH
    for before, after in pairwise(events):
        assert after.prev_hash == before.hash
    assert audit_verify().ok


def test_verify_command_exits_zero_on_an_intact_log(capsys):
    _chain()
    call_command("audit", "verify")
    assert "intact: 5 events" in capsys.readouterr().out


def test_altering_a_row_with_sql_is_detected_and_named():
    events = _chain()
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE audit_auditevent SET action = %s WHERE id = %s", ["tampered", events[2].pk]
        )
    with pytest.raises(CommandError, match=f"event {events[2].pk}"):
        call_command("audit", "verify")


def test_deleting_a_row_with_sql_is_detected_at_the_next_event():
    events = _chain()
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_auditevent WHERE id = %s", [events[1].pk])
    result = audit_verify()
    assert not result.ok and result.first_bad_id == events[2].pk


def test_rewriting_detail_and_rehashing_one_row_still_breaks_the_chain():
    events = _chain()
    victim = AuditEvent.objects.get(pk=events[1].pk)
    victim.detail = {"n": 99}
    victim.hash = event_hash(victim)
    AuditEvent.objects.filter(pk=victim.pk).update(detail=victim.detail, hash=victim.hash)
    result = audit_verify()
    assert not result.ok and result.first_bad_id == events[2].pk


# --- The signed head: the newest events cannot go unnoticed --------------------------------


def _delete(*event_ids: int) -> None:
    with connection.cursor() as cursor:
        for event_id in event_ids:
            cursor.execute("DELETE FROM audit_auditevent WHERE id = %s", [event_id])


def test_the_head_names_the_newest_event_after_each_append():
    events = _chain(3)
    head = audit_head()
    assert (head.event_id, head.hash) == (events[-1].pk, events[-1].hash)


def test_deleting_the_newest_event_with_sql_is_detected_and_named():
    events = _chain()
    _delete(events[-1].pk)
    result = audit_verify()
    assert not result.ok
    assert result.first_bad_id == events[-1].pk
    assert result.checked == 4
    with pytest.raises(CommandError, match=f"event {events[-1].pk}: the newest events were"):
        call_command("audit", "verify")


def test_deleting_every_event_with_sql_is_detected():
    events = _chain(2)
    _delete(*(e.pk for e in events))
    result = audit_verify()
    assert not result.ok and result.first_bad_id == events[-1].pk


def test_moving_the_head_back_without_the_key_is_detected():
    events = _chain()
    _delete(events[-1].pk)
    # The attacker points the head at the new last event, but cannot sign it.
    AuditHead.objects.filter(pk=1).update(event_id=events[-2].pk, hash=events[-2].hash)
    result = audit_verify()
    assert not result.ok and result.reason == "the signed head's signature is wrong"


def test_deleting_the_head_is_detected():
    events = _chain()
    AuditHead.objects.all().delete()
    result = audit_verify()
    assert not result.ok
    assert (result.first_bad_id, result.reason) == (events[-1].pk, "the signed head is missing")


def test_rewriting_and_rehashing_the_newest_event_is_detected():
    events = _chain()
    victim = AuditEvent.objects.get(pk=events[-1].pk)
    victim.detail = {"n": 99}
    victim.hash = event_hash(victim)
    AuditEvent.objects.filter(pk=victim.pk).update(detail=victim.detail, hash=victim.hash)
    result = audit_verify()
    assert not result.ok and result.first_bad_id == events[-1].pk


def test_an_event_appended_with_sql_is_detected():
    events = _chain(2)
    forged = AuditEvent(
        created=events[-1].created,
        actor_label="anonymous",
        action="forged",
        object_type="thing",
        object_id="x",
        detail={},
        prev_hash=events[-1].hash,
        hash=f"pending-{events[-1].pk}",
    )
    forged.save()
    forged.hash = event_hash(forged)
    AuditEvent.objects.filter(pk=forged.pk).update(hash=forged.hash)
    result = audit_verify()
    assert not result.ok and result.first_bad_id == forged.pk


def test_a_head_signed_with_a_retired_secret_key_still_verifies(settings):
    _chain(2)
    old = settings.SECRET_KEY
    settings.SECRET_KEY = "a-new-secret-key-for-this-test-only-0123456789abcdef"
    settings.SECRET_KEY_FALLBACKS = [old]
    assert audit_verify().ok


def test_an_empty_log_without_a_head_verifies():
    assert audit_verify().ok


def test_verify_prints_the_head_and_a_checkpoint_from_it_verifies(capsys):
    events = _chain(3)
    call_command("audit", "verify")
    line = capsys.readouterr().out.splitlines()[-1]
    assert line == f"head: {events[-1].pk}:{events[-1].hash}"
    _chain(2)
    call_command("audit", "verify", "--checkpoint", line.removeprefix("head: "))


def test_a_log_cut_back_to_an_older_head_fails_the_checkpoint():
    """Someone with a copy of an older head row (a backup) deletes the events after it and
    puts the old head back: only a checkpoint kept outside Lantern shows it."""
    events = _chain(3)
    old_head = audit_head()
    checkpoint = f"{events[-1].pk}:{events[-1].hash}"
    newer = _chain(2)
    _delete(*(e.pk for e in newer))
    AuditHead.objects.filter(pk=1).update(
        event_id=old_head.event_id, hash=old_head.hash, signature=old_head.signature
    )
    assert audit_verify().ok  # the replayed head is genuinely signed
    call_command("audit", "verify", "--checkpoint", checkpoint)  # still there: passes
    later = f"{newer[-1].pk}:{newer[-1].hash}"
    with pytest.raises(CommandError, match=f"event {newer[-1].pk}: the checkpoint's event"):
        call_command("audit", "verify", "--checkpoint", later)


def test_a_malformed_checkpoint_is_refused():
    with pytest.raises(CommandError, match="EVENT_ID:HASH"):
        call_command("audit", "verify", "--checkpoint", "12:not-a-hash")
