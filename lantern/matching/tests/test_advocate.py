"""Advocate search: every filter, sorting, the stale mark, the map, and who may see what."""

import json
import re
from datetime import timedelta
from html import unescape

import pytest

from lantern.testing import PERSONAS, HsdsOrganizationFactory, make_listing

pytestmark = pytest.mark.django_db

URL = "/advocate/search/"
ALLOWED = {"advocate_a", "provider_b", "provider_c", "coalition_admin"}


def search(client, **params):
    response = client.get(URL, params)
    assert response.status_code == 200, response.content[:500]
    return response.content.decode()


def result_ids(html: str) -> list[str]:
    return re.findall(r'data-testid="advocate-result" data-id="([0-9a-f-]+)"', html)


def markers(html: str) -> list[dict]:
    found = re.search(r'data-markers="([^"]*)"', html)
    assert found, "the results carry their map markers"
    return json.loads(unescape(found.group(1)))


@pytest.mark.parametrize("persona", PERSONAS)
def test_who_may_search(world, persona):
    response = world[persona].client().get(URL)
    if persona in ALLOWED:
        assert response.status_code == 200
    elif persona in ("anonymous", "survivor"):
        assert response.status_code == 302  # to the staff log-in
    else:
        assert response.status_code == 404  # analysts: not found looks like not allowed


def test_filters_reach_the_engine(world):
    client = world["advocate_a"].client()
    men_only = make_listing(org=world.hsds_c, genders_served=["man"], accepts_pets=False)
    everyone = set(result_ids(search(client, limit=50)))
    assert str(men_only.service_id) in everyone
    assert str(men_only.service_id) not in result_ids(search(client, gender="woman"))
    assert str(men_only.service_id) not in result_ids(search(client, pets="yes"))
    near = search(client, latitude=41.85, longitude=-87.65, max_distance_km=2)
    assert set(result_ids(near)) == {str(world.c_public.service_id)}
    by_postcode = search(client, postcode="60608", max_distance_km=3)
    assert str(world.c_public.service_id) in result_ids(by_postcode)


def test_sorting(world):
    client = world["advocate_a"].client()
    make_listing(org=world.hsds_c, name="Aardvark House", available=9, maximum=9)
    by_name = result_ids(search(client, sort="name"))
    assert by_name[0] != result_ids(search(client, sort="open"))[-1]
    html = search(client, sort="name")
    names = re.findall(r"<h3>(.*?)</h3>", html)
    assert names == sorted(names, key=str.casefold)
    most_open = re.findall(r"<h3>(.*?)</h3>", search(client, sort="open"))
    assert most_open[0] == "Aardvark House"


def test_stale_data_is_clearly_marked(world):
    stale = make_listing(org=world.hsds_c, updated_ago=timedelta(hours=30))
    html = search(world["advocate_a"].client())
    block = html.split(f'data-id="{stale.service_id}"')[1].split("</li>")[0]
    assert 'data-testid="stale"' in block
    assert "Stale: last updated 30 hours ago" in block
    fresh_block = html.split(f'data-id="{world.b_public.service_id}"')[1].split("</li>")[0]
    assert 'data-testid="stale"' not in fresh_block


def test_confidential_place_is_exact_only_for_its_own_organization(world):
    location = world.b_confidential.location
    sid = str(world.b_confidential.service_id)
    params = {"latitude": 41.95, "longitude": -87.7, "max_distance_km": 30}
    outsider = search(world["advocate_a"].client(), **params)
    assert sid in result_ids(outsider)
    for secret in (str(location.latitude), str(location.longitude), "60614"):
        assert secret not in outsider
    assert sid not in {m["id"] for m in markers(outsider)}
    assert "Confidential: area only." in outsider
    member = search(world["provider_b"].client(), **params)
    point = {m["id"]: m["point"] for m in markers(member)}[sid]
    assert point == [location.latitude, location.longitude]


def test_bad_input_names_the_field(world):
    client = world["advocate_a"].client()
    response = client.get(URL, {"age": -3, "postcode": "00000", "languages": "english"})
    assert response.status_code == 422
    html = response.content.decode()
    for label in ("Age:", "ZIP code:", "Languages the person speaks:"):
        assert label in html


def test_languages_are_chosen_by_name_never_typed_as_codes(world):
    html = world["advocate_a"].client().get(URL, {"languages": ["es", "vi"]}).content.decode()
    assert 'type="checkbox" name="languages" value="es"' in html
    assert "Spanish" in html and "Vietnamese" in html and "Haitian Creole" in html
    assert "two-letter" not in html
    checked = re.findall(r'name="languages" value="([a-z]+)"[^>]*checked', html)
    assert checked == ["es", "vi"]


def test_htmx_gets_only_the_results(world):
    client = world["advocate_a"].client()
    response = client.get(URL, {"limit": 5}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert html.lstrip().startswith('<section id="advocate-results"')
    assert "<form" not in html


def test_queries_do_not_grow_with_results(world, django_assert_max_num_queries):
    for _ in range(12):
        make_listing(org=world.hsds_c)
    client = world["advocate_a"].client()
    search(client, limit=50)  # warm the rendered-document cache and the session
    counts = []
    for limit in (2, 15):
        with django_assert_max_num_queries(30) as captured:
            search(client, limit=limit)
        counts.append(len(captured.captured_queries))
    assert counts[0] == counts[1], counts


def test_htmx_shows_a_refused_field_instead_of_swallowing_it(world):
    client = world["advocate_a"].client()
    response = client.get(URL, {"age": -3}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200  # HTMX swaps 2xx only
    assert "Age:" in response.content.decode()


def test_the_page_is_never_cached_and_anonymous_goes_to_log_in(world):
    response = world["advocate_a"].client().get(URL, {"gender": "woman"})
    assert "no-store" in response["Cache-Control"] or "no-cache" in response["Cache-Control"]
    anonymous = world["anonymous"].client().get(URL)
    assert anonymous.status_code == 302
    assert anonymous["Location"].startswith("/accounts/login/")


def test_stored_languages_are_shown_by_name_in_either_language():
    from django.utils import translation

    from lantern.matching.needs import needs_lines

    lines = dict(needs_lines({"languages": ["es", "de", "xx"]}))
    assert lines["Languages the person speaks"] == "Spanish, German, xx"
    with translation.override("es"):
        lines = dict(needs_lines({"languages": ["es", "de"]}))
    assert list(lines.values()) == ["Español, Alemán"]


def test_results_say_what_each_serves_and_mark_a_place_too_far_for_tonight(world):
    far = make_listing(org=world.hsds_c, name="Far Away Shelter", latitude=41.85, longitude=-81.9)
    clinic = make_listing(org=world.hsds_c, name="Clinic Only", types=("legal",), latitude=41.85)
    html = search(
        world["advocate_a"].client(),
        latitude="41.85",
        longitude="-87.65",
        help_types="emergency-shelter",
    )
    ids = result_ids(html)
    assert str(clinic.service_id) not in ids  # offers none of the help asked for
    assert ids[-1] == str(far.service_id)
    rows = html.split('data-testid="advocate-result"')[1:]
    assert all("Serves what was asked: Offers a safe place to stay tonight" in r for r in rows)
    assert "Farther away: more than 80 km from you" in rows[-1]
    assert all('data-testid="farther-away"' not in r for r in rows[:-1])


def test_hold_and_refer_is_offered_only_where_a_member_organization_answers(world):
    outside = make_listing(
        org=HsdsOrganizationFactory(name="Fictional Outside Org"), name="Outside"
    )
    html = search(world["advocate_a"].client(), limit=50)
    rows = {
        row.split('data-id="', 1)[1].split('"', 1)[0]: row
        for row in html.split('data-testid="advocate-result"')[1:]
    }
    outside_row = rows[str(outside.service_id)]
    assert 'data-testid="hold-and-refer"' not in outside_row
    assert "Not on Lantern: call to refer." in outside_row
    member_row = rows[str(world.b_public.service_id)]
    assert 'data-testid="hold-and-refer"' in member_row
    assert "Not on Lantern" not in member_row
