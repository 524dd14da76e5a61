"""The legal pages and the case page's legal section, for the organization admin and the
case supervisor (who are not personas of the authorization matrix) and for everyone else."""

import json
import time
from datetime import date, timedelta

import pytest
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.utils import timezone

from lantern.accounts.reauth import REAUTH_SESSION_KEY
from lantern.audit.models import AuditEvent
from lantern.cases import views_legal
from lantern.cases.compelled import compelled_record
from lantern.cases.legal_selectors import DEFAULT_RETENTION_DAYS, retention_days
from lantern.cases.legal_services import legal_hold_place
from lantern.cases.models import Case, CaseAccess, CompelledDisclosure, LegalHold
from lantern.cases.policy import Reach
from lantern.cases.selectors import reach_for
from lantern.cases.tests.factories import member, supervisor
from lantern.cases.tests.legal_factories import open_case, org_admin
from lantern.testing import Persona

pytestmark = pytest.mark.django_db

REASON = "Civil case 24-CV-99 requires it"
REQUESTED = "The intake record of the client"


def _client(user):
    return Persona("someone", user).client()


def _post(client, url, data):
    if "csrftoken" not in client.cookies:
        client.get("/accounts/login/")
    return client.post(url, {**data, "csrfmiddlewaretoken": client.cookies["csrftoken"].value})


def _tomorrow():
    return (timezone.localdate() + timedelta(days=1)).isoformat()


# --- Retention ------------------------------------------------------------------------


def test_the_organization_admin_sets_the_schedule_in_years_or_days(world):
    client = _client(org_admin(world))
    page = client.get("/cases/retention/")
    assert page.status_code == 200
    assert world.org_b.name in page.content.decode()
    assert f"{DEFAULT_RETENTION_DAYS} days" in page.content.decode()
    saved = _post(
        client,
        "/cases/retention/",
        {"organization": str(world.org_b.pk), "amount": "3", "unit": "years"},
    )
    assert saved.status_code == 302
    assert retention_days(world.org_b.pk) == 1096
    saved = _post(
        client,
        "/cases/retention/",
        {"organization": str(world.org_b.pk), "amount": "90", "unit": "days"},
    )
    assert retention_days(world.org_b.pk) == 90
    too_long = _post(
        client,
        "/cases/retention/",
        {"organization": str(world.org_b.pk), "amount": "51", "unit": "years"},
    )
    assert too_long.status_code == 422
    assert 'data-for="amount"' in too_long.content.decode()
    assert retention_days(world.org_b.pk) == 90
    elsewhere = _post(
        client,
        "/cases/retention/",
        {"organization": str(world.org_c.pk), "amount": "1", "unit": "days"},
    )
    assert elsewhere.status_code == 404
    assert retention_days(world.org_c.pk) == DEFAULT_RETENTION_DAYS


def test_a_supervisor_does_not_set_the_schedule(world):
    assert _client(supervisor(world)).get("/cases/retention/").status_code == 404


# --- The legal keepers' page ----------------------------------------------------------


def test_the_organization_admin_places_a_hold_by_number_and_sees_the_list(world):
    case = open_case(world)
    client = _client(org_admin(world))
    assert client.get("/cases/legal/").status_code == 200
    placed = _post(
        client, "/cases/legal/", {"number": case.number, "reason": REASON, "until": _tomorrow()}
    )
    assert placed.status_code == 302
    hold = LegalHold.objects.get(case=case)
    page = client.get("/cases/legal/").content.decode()
    assert case.number in page and REASON in page
    # No personal field of the case shows on the page.
    assert "Rosa Fictional" not in page and "555-0142" not in page
    released = _post(client, f"/cases/legal/holds/{hold.pk}/release/", {})
    assert released.status_code == 302
    hold.refresh_from_db()
    assert hold.released_at is not None


def test_an_unknown_number_or_a_bad_date_is_a_field_error(world):
    case = open_case(world)
    client = _client(org_admin(world))
    unknown = _post(
        client, "/cases/legal/", {"number": "1999-99999", "reason": REASON, "until": _tomorrow()}
    )
    assert unknown.status_code == 422
    assert 'data-for="number"' in unknown.content.decode()
    past = (timezone.localdate() - timedelta(days=1)).isoformat()
    late = _post(client, "/cases/legal/", {"number": case.number, "reason": REASON, "until": past})
    assert late.status_code == 422
    assert 'data-for="until"' in late.content.decode()
    assert not LegalHold.objects.exists()


def test_another_organizations_admin_sees_none_of_it(world):
    case = open_case(world)
    hold = legal_hold_place(
        actor=supervisor(world), case=case, reason=REASON, until=timezone.localdate()
    )
    client = _client(org_admin(world, "c"))
    page = client.get("/cases/legal/").content.decode()
    assert REASON not in page and case.number not in page
    assert _post(client, f"/cases/legal/holds/{hold.pk}/release/", {}).status_code == 404
    refused = _post(
        client, "/cases/legal/", {"number": case.number, "reason": REASON, "until": _tomorrow()}
    )
    assert refused.status_code == 422
    assert LegalHold.objects.count() == 1


# --- Compelled disclosure -------------------------------------------------------------


def _new_order(client, case, **extra):
    data = {
        "number": case.number,
        "order_kind": "subpoena",
        "received_on": "2024-03-04",
        "requested": REQUESTED,
        "groups": ["identity"],
        "notice": "not_yet",
    }
    data.update(extra)
    return _post(client, "/cases/legal/compelled/new/", data)


def test_an_order_is_recorded_reviewed_and_released_after_reauthentication(world):
    case = open_case(world)
    admin = org_admin(world)
    client = _client(admin)
    assert client.get(f"/cases/legal/compelled/new/?number={case.number}").status_code == 200
    recorded = _new_order(client, case)
    assert recorded.status_code == 302
    disclosure = CompelledDisclosure.objects.get(case=case)
    detail_url = f"/cases/legal/compelled/{disclosure.pk}/"
    assert recorded["Location"] == detail_url
    page = client.get(detail_url)
    assert page.status_code == 200
    assert REQUESTED in page.content.decode()
    assert 'data-testid="release-blocked"' in page.content.decode()
    assert AuditEvent.objects.filter(action="compelled.read").count() == 1
    # Not ready: the release is refused, nothing leaves.
    release_url = f"{detail_url}release/"
    session = client.session
    session[REAUTH_SESSION_KEY] = time.time()
    session.save()
    refused = _post(client, release_url, {})
    assert refused.status_code == 302 and refused["Location"] == detail_url
    assert not CaseAccess.objects.filter(case=case, kind="compelled").exists()
    updated = _post(
        client,
        detail_url,
        {
            "legal_review": "Counsel: valid order.",
            "reviewed_on": "2024-03-05",
            "notice": "notified",
            "notified_on": "2024-03-06",
            "notified_how": "in_person",
        },
    )
    assert updated.status_code == 302
    released = _post(client, release_url, {})
    assert released.status_code == 200
    assert released["Content-Disposition"].startswith("attachment;")
    document = json.loads(released.content)
    assert document["case"]["alias"] == "Rosa Fictional"
    assert "contact" not in document["case"]
    disclosure.refresh_from_db()
    assert disclosure.release_sha256 == released["X-Release-SHA256"]


def test_the_release_asks_for_a_fresh_password_and_code(world):
    case = open_case(world)
    admin = org_admin(world)
    disclosure = compelled_record(
        actor=admin,
        case=case,
        order_kind="warrant",
        received_on=date(2024, 3, 4),
        requested=REQUESTED,
        groups=["identity"],
        legal_review="ok",
        reviewed_on=date(2024, 3, 4),
        notification_forbidden=True,
    )
    client = _client(admin)
    answer = _post(client, f"/cases/legal/compelled/{disclosure.pk}/release/", {})
    assert answer.status_code == 302
    assert answer["Location"].startswith("/accounts/reauth/")
    disclosure.refresh_from_db()
    assert disclosure.released_at is None


def test_the_notice_form_needs_a_date_and_a_way_when_the_person_was_told(world):
    case = open_case(world)
    client = _client(supervisor(world))
    answer = _new_order(client, case, notice="notified")
    assert answer.status_code == 422
    body = answer.content.decode()
    assert 'data-for="notified_on"' in body and 'data-for="notified_how"' in body
    assert not CompelledDisclosure.objects.exists()


def test_people_who_keep_no_legal_records_get_404(world):
    case = open_case(world)
    disclosure = compelled_record(
        actor=supervisor(world),
        case=case,
        order_kind="subpoena",
        received_on=date(2024, 3, 4),
        requested=REQUESTED,
        groups=["identity"],
    )
    client = world["provider_b"].client()
    for url in (
        "/cases/legal/",
        "/cases/legal/compelled/new/",
        f"/cases/legal/compelled/{disclosure.pk}/",
        f"/cases/{case.pk}/legal-hold/",
    ):
        assert client.get(url).status_code == 404, url
    other_admin = _client(org_admin(world, "c"))
    assert other_admin.get(f"/cases/legal/compelled/{disclosure.pk}/").status_code == 404
    assert other_admin.get(f"/cases/{case.pk}/legal-hold/").status_code == 404


# --- The case page's forms and section ------------------------------------------------


def test_a_supervisor_places_a_hold_from_the_case_page(world):
    case = open_case(world)
    client = _client(supervisor(world))
    assert client.get(f"/cases/{case.pk}/legal-hold/").status_code == 200
    bad = _post(
        client,
        f"/cases/{case.pk}/legal-hold/",
        {"legal_hold-reason": "", "legal_hold-until": _tomorrow()},
    )
    assert bad.status_code == 422
    placed = _post(
        client,
        f"/cases/{case.pk}/legal-hold/",
        {"legal_hold-reason": REASON, "legal_hold-until": _tomorrow()},
    )
    assert placed.status_code == 302 and placed["Location"] == f"/cases/{case.pk}/"
    hold = LegalHold.objects.get(case=case)
    released = _post(
        client, f"/cases/legal/holds/{hold.pk}/release/", {"next": f"/cases/{case.pk}/"}
    )
    assert released["Location"] == f"/cases/{case.pk}/"


def test_the_assigned_caseworker_records_the_child_welfare_report(world):
    case = open_case(world, birth_year=timezone.localdate().year - 15)
    client = world["provider_b"].client()
    assert client.get(f"/cases/{case.pk}/child-report/").status_code == 200
    recorded = _post(
        client,
        f"/cases/{case.pk}/child-report/",
        {
            "child_report-reported_on": timezone.localdate().isoformat(),
            "child_report-agency": "DCFS",
            "child_report-reference": "R-1",
        },
    )
    assert recorded.status_code == 302
    case.refresh_from_db()
    assert case.child_report_agency == "DCFS"
    assert world["provider_c"].client().get(f"/cases/{case.pk}/child-report/").status_code == 404
    unassigned = _client(member(world.org_b, "caseworker", "unassigned_b@example.test"))
    assert unassigned.get(f"/cases/{case.pk}/child-report/").status_code == 404


def _section(user, case, reach):
    request = RequestFactory().get(f"/cases/{case.pk}/")
    request.user = user
    context = views_legal.section_context(request, case, reach)
    return render_to_string("cases/sections/legal.html", context, request=request)


def test_the_section_shows_the_duty_to_those_who_work_on_the_case(world):
    minor = open_case(world, birth_year=timezone.localdate().year - 16)
    provider = world["provider_b"].user
    html = _section(provider, minor, reach_for(provider, minor))
    assert "Report to child welfare required" in html
    assert 'data-testid="child-report-form"' in html
    assert 'data-testid="legal-section"' not in html  # holds are for legal keepers only
    adult = open_case(world, alias="Adulta Mayor", birth_year=1990)
    assert "Report to child welfare required" not in _section(
        provider, adult, reach_for(provider, adult)
    )


def test_the_section_gives_legal_keepers_the_hold_form(world):
    case = open_case(world)
    boss = supervisor(world)
    legal_hold_place(actor=boss, case=case, reason=REASON, until=timezone.localdate())
    html = _section(boss, case, reach_for(boss, case))
    assert 'data-testid="case-hold-form"' in html
    assert 'data-testid="case-held"' in html
    assert REASON in html


def test_a_recipient_under_a_share_sees_nothing_of_this_section(world):
    case = open_case(world, birth_year=timezone.localdate().year - 16)
    shared = Reach("shared", groups=frozenset({"identity"}), organization_id=world.org_c.pk)
    html = _section(world["provider_c"].user, case, shared)
    assert html.strip() == ""


def test_a_purged_case_offers_no_forms(world):
    case = open_case(world)
    boss = supervisor(world)
    Case.objects.filter(pk=case.pk).update(purged_at=timezone.now())
    case.refresh_from_db()
    html = _section(boss, case, reach_for(boss, case))
    assert 'data-testid="case-hold-form"' not in html
    assert 'data-testid="child-report-form"' not in html
    assert _client(boss).get(f"/cases/{case.pk}/legal-hold/").status_code == 404


def test_the_pages_and_the_section_speak_spanish(world):
    from django.utils import translation

    case = open_case(world, birth_year=timezone.localdate().year - 16)
    boss = supervisor(world)
    html = _client(boss).get("/cases/legal/", HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert "Retenciones legales y órdenes judiciales" in html
    retention = _client(org_admin(world)).get("/cases/retention/", HTTP_ACCEPT_LANGUAGE="es")
    assert "Conservación de los expedientes de casos" in retention.content.decode()
    with translation.override("es"):
        section = _section(boss, case, reach_for(boss, case))
    assert "Denuncia obligatoria a protección de la infancia" in section
    assert "Poner en retención legal" in section


def test_the_case_page_carries_the_section(world):
    minor = open_case(world, birth_year=timezone.localdate().year - 16)
    page = world["provider_b"].client().get(f"/cases/{minor.pk}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-testid="child-report-due"' in html
    assert 'data-testid="legal-section"' not in html
    boss_page = _client(supervisor(world)).get(f"/cases/{minor.pk}/").content.decode()
    assert 'data-testid="case-hold-form"' in boss_page
