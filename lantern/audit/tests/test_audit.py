from itertools import pairwise

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from lantern.audit.models import AuditEvent
from lantern.audit.services import GENESIS_HASH, audit_record, audit_verify

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
    from lantern.audit.services import event_hash

    victim.hash = event_hash(victim)
    AuditEvent.objects.filter(pk=victim.pk).update(detail=victim.detail, hash=victim.hash)
    result = audit_verify()
    assert not result.ok and result.first_bad_id == events[2].pk
