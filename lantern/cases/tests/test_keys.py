"""Per-case data keys: sealed values need the case's own key, rotation re-wraps only the keys,
and the case tables hold no personal value in clear."""

import pytest
from cryptography.fernet import Fernet
from django.contrib import admin
from django.core.management import call_command
from django.db import connection

from lantern.cases.keys import PREFIX, CaseKeyDestroyed, cipher_for
from lantern.cases.models import Case, CaseKey
from lantern.cases.tests.factories import open_case

pytestmark = pytest.mark.django_db


def _raw(table: str, column: str, pk_column: str, pk: object) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {table} WHERE {pk_column} = %s", [pk])  # noqa: S608
        return cursor.fetchone()[0]


def test_personal_fields_are_sealed_under_the_case_key_not_the_deployment_key(world):
    case = open_case(world, alias="Lucia Fictional", contact="call 555-0107")
    stored = Case.objects.get(pk=case.pk)
    assert stored.alias_sealed.startswith(PREFIX)
    assert "Lucia" not in stored.alias_sealed
    assert cipher_for(stored).open(stored.alias_sealed) == "Lucia Fictional"
    # Another case's key cannot open it.
    other = open_case(world, alias="Marta Fictional")
    with pytest.raises(ValueError, match="cannot open"):
        cipher_for(other).open(stored.alias_sealed)
    # The wrapped key is itself encrypted by the deployment keys (never stored in clear).
    wrapped = _raw(
        "cases_casekey",
        "wrapped",
        "case_id",
        case.pk.hex if connection.vendor == "sqlite" else case.pk,
    )
    assert wrapped.startswith("enc1:")
    assert CaseKey.objects.get(pk=case.pk).wrapped not in wrapped


def test_destroying_the_key_destroys_every_sealed_value(world):
    case = open_case(world)
    sealed = Case.objects.get(pk=case.pk).contact_sealed
    CaseKey.objects.filter(pk=case.pk).delete()
    fresh = Case.objects.get(pk=case.pk)
    with pytest.raises(CaseKeyDestroyed):
        cipher_for(fresh)
    assert sealed == fresh.contact_sealed  # the ciphertext alone is useless


def test_keys_rotate_rewraps_case_keys_and_leaves_sealed_fields_alone(world, settings):
    case = open_case(world, alias="Ines Fictional")
    before = Case.objects.get(pk=case.pk)
    data_key = CaseKey.objects.get(pk=case.pk).wrapped
    pk = case.pk.hex if connection.vendor == "sqlite" else case.pk
    wrapped_before = _raw("cases_casekey", "wrapped", "case_id", pk)

    new_key = Fernet.generate_key().decode()
    settings.LANTERN_ENCRYPTION_KEYS = [new_key, *settings.LANTERN_ENCRYPTION_KEYS]
    call_command("keys", "rotate", stdout=open("/dev/null", "w"))  # noqa: SIM115

    wrapped_after = _raw("cases_casekey", "wrapped", "case_id", pk)
    assert wrapped_after != wrapped_before
    # Only the new deployment key is needed now, and the data key itself did not change.
    settings.LANTERN_ENCRYPTION_KEYS = [new_key]
    assert CaseKey.objects.get(pk=case.pk).wrapped == data_key
    after = Case.objects.get(pk=case.pk)
    assert after.alias_sealed == before.alias_sealed
    assert after.contact_sealed == before.contact_sealed
    assert cipher_for(after).open(after.alias_sealed) == "Ines Fictional"


def test_the_django_admin_is_no_side_door_to_cases():
    registered = {model._meta.app_label for model in admin.site._registry}
    assert "cases" not in registered
