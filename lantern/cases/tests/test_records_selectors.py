"""Who reaches which case (404 for the rest), and the list search, by alias through the
keyed blind index only."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from lantern.accounts.models import Role
from lantern.cases import indexing
from lantern.cases.keys import CaseCipher
from lantern.cases.models import Case, CaseSearchKey
from lantern.cases.selectors import (
    CaseQuery,
    case_for_edit,
    case_for_user,
    case_search,
    cases_shared_with,
    cases_visible_to,
)
from lantern.cases.services import case_update
from lantern.cases.supervision import case_merge
from lantern.cases.tests.factories import member, open_case, supervisor
from lantern.cases.tests.records_helpers import share_case
from lantern.consent.services import consent_revoke
from lantern.core.errors import NotFound

pytestmark = pytest.mark.django_db


# --- reach -------------------------------------------------------------------------------


def test_the_assigned_caseworker_reaches_the_case(world):
    case = open_case(world)
    found, reach = case_for_user(world["provider_b"].user, case.pk)
    assert found == case and reach.mode == "assigned" and reach.own


def test_an_unassigned_caseworker_of_the_same_organization_gets_404(world):
    case = open_case(world)
    colleague = member(world.org_b, Role.CASEWORKER, "colleague_b@example.test")
    with pytest.raises(NotFound):
        case_for_user(colleague, case.pk)
    assert not cases_visible_to(colleague).exists()


def test_a_supervisor_reaches_every_case_of_the_organization(world):
    first = open_case(world)
    colleague = member(world.org_b, Role.CASEWORKER, "colleague_b@example.test")
    second = open_case(world, actor=colleague, alias="Someone Else")
    boss = supervisor(world)
    assert set(cases_visible_to(boss)) == {first, second}
    assert case_for_user(boss, second.pk)[1].mode == "supervisor"


@pytest.mark.parametrize("persona", ["advocate_a", "provider_c", "coalition_admin", "analyst"])
def test_everyone_else_gets_404(world, persona):
    case = open_case(world)
    with pytest.raises(NotFound):
        case_for_user(world[persona].user, case.pk)
    assert not cases_visible_to(world[persona].user).exists()


@pytest.mark.parametrize("case_id", ["not-a-uuid", "00000000-0000-4000-8000-000000000000", None])
def test_a_missing_case_is_404_too(world, case_id):
    with pytest.raises(NotFound):
        case_for_user(world["provider_b"].user, case_id)


def test_a_share_reaches_the_granted_groups_until_revoked(world):
    case = open_case(world)
    share = share_case(world, case, ["identity", "notes"])
    viewer = world["provider_c"].user
    _found, reach = case_for_user(viewer, case.pk)
    assert reach.mode == "shared" and not reach.own
    assert reach.groups == {"identity", "notes"}
    assert reach.organization_id == world.org_c.pk
    assert list(cases_shared_with(viewer)) == [case]
    with pytest.raises(NotFound):
        case_for_edit(viewer, case.pk)  # read-only
    consent_revoke(consent=share.consent, actor=world["provider_b"].user)
    with pytest.raises(NotFound):
        case_for_user(viewer, case.pk)
    assert not cases_shared_with(viewer).exists()


def test_an_expired_share_reaches_nothing(world):
    case = open_case(world)
    share = share_case(world, case, ["identity"])
    type(share.consent).objects.filter(pk=share.consent_id).update(
        created=timezone.now() - timedelta(days=40), expires_at=timezone.now() - timedelta(days=1)
    )
    with pytest.raises(NotFound):
        case_for_user(world["provider_c"].user, case.pk)


def test_a_merged_case_is_for_supervisors_only_and_leaves_every_list(world):
    keep = open_case(world, alias="Ana Example")
    merge = open_case(world, alias="Ana Exemple")
    share_case(world, merge, ["identity"])
    boss = supervisor(world)
    case_merge(actor=boss, keep=keep, merge=merge)
    with pytest.raises(NotFound):
        case_for_user(world["provider_b"].user, merge.pk)
    assert case_for_user(boss, merge.pk)[0] == merge
    with pytest.raises(NotFound):
        case_for_edit(boss, merge.pk)
    assert list(case_search(boss, CaseQuery())) == [keep]
    assert not cases_shared_with(world["provider_c"].user).exists()


# --- the list search ---------------------------------------------------------------------


def test_search_by_number_status_dates_and_assignee(world):
    boss = supervisor(world)
    colleague = member(world.org_b, Role.CASEWORKER, "colleague_b@example.test")
    old = open_case(world, opened_on="2024-03-01")
    new = open_case(world, actor=colleague, alias="Other Person", status="FollowUp")
    assert list(case_search(boss, CaseQuery(number=f" {new.number.lower()} "))) == [new]
    assert list(case_search(boss, CaseQuery(status="FollowUp"))) == [new]
    assert list(case_search(boss, CaseQuery(opened_to=old.opened_on))) == [old]
    assert list(case_search(boss, CaseQuery(opened_from=old.opened_on + timedelta(1)))) == [new]
    assert list(case_search(boss, CaseQuery(assignee_id=colleague.pk))) == [new]
    # A caseworker's search stays within the cases assigned to them.
    assert list(case_search(colleague, CaseQuery())) == [new]


def test_alias_search_goes_through_the_blind_index_without_opening_any_case(world, monkeypatch):
    wanted = open_case(world, alias="María López")
    open_case(world, alias="Keiko Tanaka")
    opened = []
    monkeypatch.setattr(CaseCipher, "open", lambda self, stored: opened.append(stored) or "")
    digests = indexing.alias_search_digests("maria")
    with CaptureQueriesContext(connection) as queries:
        found = list(case_search(world["provider_b"].user, CaseQuery(alias_digests=digests)))
    assert found == [wanted]
    assert opened == []  # no sealed value was opened to answer
    (search,) = [
        q["sql"] for q in queries.captured_queries if f'FROM "{Case._meta.db_table}"' in q["sql"]
    ]
    where = search.split(" WHERE ", 1)[1]
    assert CaseSearchKey._meta.db_table in where  # the digests are what is matched
    assert "alias_sealed" not in where
    # The index holds digests, never the alias.
    stored = set(CaseSearchKey.objects.values_list("digest", flat=True))
    assert not any("maria" in d or "lopez" in d for d in stored)
    assert digests[0] in stored


def test_each_word_typed_must_be_a_word_of_the_alias(world):
    wanted = open_case(world, alias="María López")
    open_case(world, alias="Maria Tanaka")
    user = world["provider_b"].user
    both = indexing.alias_search_digests("LOPEZ maría")
    assert list(case_search(user, CaseQuery(alias_digests=both))) == [wanted]
    assert (
        len(
            list(case_search(user, CaseQuery(alias_digests=indexing.alias_search_digests("maria"))))
        )
        == 2
    )


def test_a_changed_alias_is_found_by_its_new_name_only(world):
    case = open_case(world, alias="Rosa Fictional")
    user = world["provider_b"].user
    case_update(actor=user, case=case, data={"alias": "Luz Invented"})
    by = lambda text: list(  # noqa: E731
        case_search(user, CaseQuery(alias_digests=indexing.alias_search_digests(text)))
    )
    assert by("luz") == [case]
    assert by("rosa") == []


def test_the_alias_search_never_crosses_organizations(world):
    open_case(world, alias="María López")
    in_c = open_case(world, org="c", actor=world["provider_c"].user, alias="María López")
    digests = indexing.alias_search_digests("maria")
    assert list(case_search(world["provider_c"].user, CaseQuery(alias_digests=digests))) == [in_c]
    assert Case.objects.count() == 2
