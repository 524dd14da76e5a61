"""The outcomes pages: a case's assessments (section and page, the form) and the program
evaluation page (supervisors only, charts with tables, small numbers hidden)."""

import re
from datetime import timedelta

import pytest
from django.template.loader import render_to_string
from django.test import Client, RequestFactory
from django.utils import timezone, translation

from lantern.audit.models import AuditEvent
from lantern.cases.models import Assessment
from lantern.cases.selectors import case_for_user, reach_for
from lantern.cases.tests.factories import open_case, supervisor
from lantern.cases.tests.outcomes_helpers import assess, share
from lantern.cases.views_outcomes import section_context
from lantern.testing import Persona

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    """English unless a test asks otherwise (and no language left active after a test)."""
    with translation.override("en"):
        yield


TODAY = timezone.localdate


def _client(user) -> Client:
    """A logged-in client (two factors done) for a user who is not one of the personas."""
    return Persona(user.email, user).client()


def _url(case) -> str:
    return f"/cases/{case.pk}/assessments/"


def _post(client, case, **fields):
    data = {"kind": "intake", "assessed_on": TODAY().isoformat(), **fields}
    return client.post(_url(case), data)


def test_the_caseworker_records_an_assessment_with_the_form(world):
    case = open_case(world)
    client = world["provider_b"].client()
    client.handler.enforce_csrf_checks = False
    page = client.get(_url(case))
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-testid="assessment-form"' in html
    assert "No safe place to sleep" in html  # an anchor as the label of level 1
    assert html.count('type="radio"') == 11 * 6  # 11 domains, "not assessed" and 1-5
    response = _post(client, case, score_housing="1", score_safety="2")
    assert response.status_code == 302 and response["Location"] == _url(case)
    assert Assessment.objects.get().scores == {"safety": 2, "housing": 1}
    page = client.get(_url(case)).content.decode()
    assert "The assessment was recorded." in page
    assert 'data-testid="assessment-history"' in page


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({}, "score at least one life domain"),
        ({"score_housing": "9"}, "Select a valid choice"),
        ({"score_housing": "2", "assessed_on": str(TODAY() + timedelta(days=1))}, "in the future"),
        ({"score_housing": "2", "kind": "sometime"}, "Select a valid choice"),
    ],
)
def test_a_bad_assessment_is_refused_on_the_page_with_the_reason(world, fields, message):
    case = open_case(world)
    client = world["provider_b"].client()
    client.handler.enforce_csrf_checks = False
    response = _post(client, case, **fields)
    assert response.status_code == 422
    assert message in response.content.decode()
    assert not Assessment.objects.exists()


def test_a_second_intake_is_refused_on_the_kind_field(world):
    case = open_case(world)
    assess(case, world["provider_b"].user, "intake", 0, housing=2)
    client = world["provider_b"].client()
    client.handler.enforce_csrf_checks = False
    response = _post(client, case, score_housing="3")
    assert response.status_code == 422
    html = response.content.decode()
    assert re.search(r'data-for="kind">[^<]*already has its intake', html)
    # The blank form offers a follow-up once the intake exists.
    page = client.get(_url(case)).content.decode()
    assert re.search(r'<option value="interval" selected>', page)


def test_the_page_is_for_the_cases_reach_only(world):
    case = open_case(world)
    assess(case, world["provider_b"].user, "intake", 0, housing=2)
    for name in ("advocate_a", "provider_c", "coalition_admin", "analyst"):
        client = world[name].client()
        client.handler.enforce_csrf_checks = False
        assert client.get(_url(case)).status_code == 404, name
        assert _post(client, case, kind="interval", score_housing="3").status_code == 404, name
    anonymous = Client()
    assert anonymous.get(_url(case)).status_code == 302
    assert Assessment.objects.count() == 1


def test_a_recipient_reads_only_when_the_assessments_are_granted_and_never_writes(world):
    case = open_case(world)
    assess(case, world["provider_b"].user, "intake", 0, housing=2)
    sharing = share(case, recipient=world.org_c, actor=world["provider_b"].user, groups=["plan"])
    client = world["provider_c"].client()
    client.handler.enforce_csrf_checks = False
    assert client.get(_url(case)).status_code == 404
    sharing.delete()
    share(case, recipient=world.org_c, actor=world["provider_b"].user, groups=["assessments"])
    page = client.get(_url(case))
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-testid="assessment-form"' not in html
    assert "What the levels mean" in html
    assert _post(client, case, kind="interval", score_housing="3").status_code == 404


def _section(world, user, case) -> tuple[dict, str]:
    request = RequestFactory().get(f"/cases/{case.pk}/")
    request.user = user
    _case, reach = case_for_user(user, case.pk)
    context = section_context(request, case, reach)
    return context, render_to_string("cases/sections/outcomes.html", context, request=request)


def test_the_case_page_section_shows_first_last_and_change_and_the_form(world):
    case = open_case(world, opened_on=TODAY() - timedelta(days=60))
    user = world["provider_b"].user
    assess(case, user, "intake", 50, housing=1, income=3)
    assess(case, user, "interval", 10, housing=3, income=2)
    context, html = _section(world, user, case)
    assert context["outcomes"]["form"] is not None
    housing = re.search(r'<tr data-domain="housing">.*?</tr>', html, re.S).group(0)
    assert "No safe place to sleep" in housing and "Transitional or program housing" in housing
    assert re.search(r'data-testid="change">\+2<', housing)
    income = re.search(r'<tr data-domain="income">.*?</tr>', html, re.S).group(0)
    assert re.search(r'data-testid="change">-1<', income)
    assert "<details" in html  # the form folds away, and opens without JavaScript
    assert 'href="/cases/evaluation/"' not in html  # a caseworker does not evaluate
    _context, boss_html = _section(world, supervisor(world), case)
    assert 'href="/cases/evaluation/"' in boss_html
    assert AuditEvent.objects.filter(action="assessment.read").count() == 2


def test_the_section_is_empty_for_a_share_without_the_assessments(world):
    case = open_case(world)
    assess(case, world["provider_b"].user, "intake", 0, housing=2)
    share(case, recipient=world.org_c, actor=world["provider_b"].user, groups=["identity"])
    reader = world["provider_c"].user
    request = RequestFactory().get("/")
    request.user = reader
    context = section_context(request, case, reach_for(reader, case))
    assert context == {"outcomes": None}
    assert render_to_string("cases/sections/outcomes.html", context).strip() == ""


def test_the_page_speaks_spanish(world):
    case = open_case(world)
    client = world["provider_b"].client()
    html = client.get(_url(case), HTTP_ACCEPT_LANGUAGE="es").content.decode()
    with translation.override("es"):
        from lantern.cases.assessments import anchor

        assert str(anchor("housing", 1)) in html
    assert "Registrar la evaluación" in html


# --- The program evaluation page -------------------------------------------------------


def _cases(world, count, levels=(1, 3)):
    user = world["provider_b"].user
    for _ in range(count):
        case = open_case(world, opened_on=TODAY() - timedelta(days=30))
        assess(case, user, "intake", 30, housing=levels[0])
        assess(case, user, "interval", 5, housing=levels[1])


def test_a_supervisor_sees_the_evaluation_with_a_table_beside_every_chart(world):
    _cases(world, 4)
    _cases(world, 1, levels=(3, 2))
    response = _client(supervisor(world)).get("/cases/evaluation/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Rosa Fictional" not in html and "555-0142" not in html  # no personal data
    assert html.count("<svg") == 2 and html.count("<table") == 2
    assert "<script" not in html.split("</main>")[0]  # the charts need no JavaScript
    assert re.search(r'data-testid="tile-cases">.*?<strong>5</strong>', html, re.S)
    row = re.search(
        r'data-testid="table-improving".*?<tr data-domain="housing">(.*?)</tr>', html, re.S
    )
    assert row is not None
    cells = re.findall(r"<td[^>]*>([^<]*)</td>", row.group(1))
    assert cells == ["5", "4 (80 %)", "0 (0 %)", "1 (20 %)"]
    chart = re.search(r'data-testid="chart-improving".*?</svg>', html, re.S).group(0)
    assert chart.count('data-testid="bar"') == 1  # housing only: no other domain was scored
    assert 'width="160.0"' in chart  # 80 % of the 200-unit plot


def test_the_charts_keep_a_dot_as_decimal_mark_in_spanish(world):
    _cases(world, 5)
    html = (
        _client(supervisor(world))
        .get("/cases/evaluation/", HTTP_ACCEPT_LANGUAGE="es")
        .content.decode()
    )
    chart = re.search(r'data-testid="chart-change".*?</svg>', html, re.S).group(0)
    centre = re.search(r'<line x1="([\d.]+)"', chart).group(1)
    assert re.fullmatch(r"\d+\.0", centre)  # not "265,0"
    assert f'<rect x="{centre}"' in chart and 'width="50.0"' in chart, chart  # +2 of 4 levels
    label = re.search(r'<text x="(\d+)"[^>]*>Asuntos legales y migratorios<', chart)
    assert label is not None and int(label.group(1)) > 29 * 6  # room for the longest label
    assert "Evaluación del programa" in html


def test_small_numbers_read_fewer_than_five(world):
    _cases(world, 3)
    html = _client(supervisor(world)).get("/cases/evaluation/").content.decode()
    assert re.search(r'data-testid="tile-cases">.*?<strong>fewer than 5</strong>', html, re.S)
    row = re.search(
        r'data-testid="table-improving".*?<tr data-domain="housing">(.*?)</tr>', html, re.S
    )
    cells = re.findall(r"<td[^>]*>([^<]*)</td>", row.group(1))
    assert cells == ["fewer than 5"] * 4
    assert 'data-testid="bar"' not in html


def test_the_evaluation_is_for_supervisors_only(world):
    _cases(world, 5)
    for name in ("provider_b", "advocate_a", "provider_c", "coalition_admin", "analyst"):
        assert world[name].client().get("/cases/evaluation/").status_code == 404, name
    assert Client().get("/cases/evaluation/").status_code == 302


def test_a_supervisor_cannot_ask_for_another_organization(world):
    _cases(world, 5)
    boss_c = supervisor(world, org="c")
    response = _client(boss_c).get("/cases/evaluation/", {"organization": str(world.org_b.pk)})
    assert response.status_code == 422
    own = _client(boss_c).get("/cases/evaluation/").content.decode()
    assert re.search(r'data-testid="tile-cases">.*?<strong>0</strong>', own, re.S)


def test_bad_filters_answer_422_naming_the_field(world):
    client = _client(supervisor(world))
    response = client.get("/cases/evaluation/", {"opened_from": "2025-02-30"})
    assert response.status_code == 422
    assert 'data-for="opened_from"' in response.content.decode()
    response = client.get("/cases/evaluation/", {"service_type": "spa-days"})
    assert response.status_code == 422
    assert 'data-for="service_type"' in response.content.decode()
