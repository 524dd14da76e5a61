"""What the advocate search hands its map: the base layer (Lantern's own outlines unless a
tile server is set), markers numbered like the list, and the labelled search centre."""

import json
import re
from html import unescape

import pytest

from lantern.geography import outlines
from lantern.geography.build import build

pytestmark = pytest.mark.django_db

URL = "/advocate/search/"


def _attribute(html: str, name: str):
    found = re.search(rf'{name}="([^"]*)"', html)
    assert found, name
    return json.loads(unescape(found.group(1)))


def _map_config(html: str) -> dict:
    found = re.search(r'<script id="map-config" type="application/json">(.*?)</script>', html)
    assert found
    return json.loads(found.group(1))


@pytest.fixture
def outlines_dir(settings):
    """The outlines that `make setup` builds, built here if this checkout never ran it."""
    settings.LANTERN_MAP_TILE_URL = ""
    if outlines.static_paths() is None:
        build(outlines.outlines_directory())
    return outlines.outlines_directory()


def test_the_map_draws_lanterns_own_outlines_by_default(world, outlines_dir):
    html = world["advocate_a"].client().get(URL).content.decode()
    outlines = _map_config(html)["outlines"]
    assert outlines["states"] == "/static/geography/states.geojson"
    assert outlines["counties"]["17"] == "/static/geography/counties/17.geojson"
    assert len(outlines["counties"]) == 56
    assert outlines["attribution"] == "Outlines: U.S. Census Bureau"


def test_a_tile_server_replaces_the_outlines(world, outlines_dir, settings):
    settings.LANTERN_MAP_TILE_URL = "https://tiles.example.org/{z}/{x}/{y}.png"
    settings.LANTERN_MAP_TILE_ATTRIBUTION = "Example tiles"
    html = world["advocate_a"].client().get(URL).content.decode()
    config = _map_config(html)
    assert config["tile_url"] == "https://tiles.example.org/{z}/{x}/{y}.png"
    assert config["attribution"] == "Example tiles"
    assert config["outlines"] is None


def test_unbuilt_outlines_leave_a_working_page(world, settings, tmp_path):
    settings.LANTERN_GEOGRAPHY_DIR = tmp_path
    settings.LANTERN_MAP_TILE_URL = ""
    response = world["advocate_a"].client().get(URL)
    assert response.status_code == 200
    assert _map_config(response.content.decode())["outlines"] is None


def test_markers_carry_the_number_of_their_row_in_the_list(world, outlines_dir):
    html = world["advocate_a"].client().get(URL).content.decode()
    row_ids = re.findall(r'data-testid="advocate-result" data-id="([0-9a-f-]+)"', html)
    numbers = re.findall(r'data-testid="result-number">(\d+)<', html)
    assert numbers == [str(n) for n in range(1, len(row_ids) + 1)]
    markers = _attribute(html, "data-markers")
    assert len(row_ids) == 3
    assert len(markers) == 2  # the confidential place of another organization has none
    for marker in markers:
        assert row_ids[marker["number"] - 1] == marker["id"]
    private = str(world.b_confidential.service_id)
    assert row_ids.index(private) + 1 not in {m["number"] for m in markers}


def test_the_search_centre_is_labelled_with_the_zip_code_or_the_point(world, outlines_dir):
    client = world["advocate_a"].client()
    by_zip = _attribute(client.get(URL, {"postcode": "60601"}).content.decode(), "data-centre")
    assert by_zip["label"] == "Search centre: ZIP 60601"
    assert by_zip["point"] == pytest.approx([41.886, -87.618], abs=0.01)
    by_point = _attribute(
        client.get(URL, {"latitude": "41.85", "longitude": "-87.65"}).content.decode(),
        "data-centre",
    )
    assert by_point == {"point": [41.85, -87.65], "label": "Search centre: 41.8500, -87.6500"}
    assert _attribute(client.get(URL).content.decode(), "data-centre") is None


def test_the_search_centre_label_is_translated(world, outlines_dir):
    client = world["advocate_a"].client()
    html = client.get(URL, {"postcode": "60601"}, HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert _attribute(html, "data-centre")["label"] == "Centro de la búsqueda: código postal 60601"
    assert _map_config(html)["outlines"]["attribution"] == "Contornos: Oficina del Censo de EE. UU."


def test_markers_say_which_places_are_beyond_tonights_radius(world, outlines_dir):
    from lantern.testing import make_listing

    far = make_listing(org=world.hsds_c, name="Far Shelter", latitude=41.85, longitude=-81.9)
    html = (
        world["advocate_a"]
        .client()
        .get(URL, {"latitude": "41.85", "longitude": "-87.65", "help_types": "emergency-shelter"})
        .content.decode()
    )
    markers = {m["id"]: m for m in _attribute(html, "data-markers")}
    assert markers[str(far.service_id)]["far"] is True
    assert [m["far"] for i, m in markers.items() if i != str(far.service_id)] == [False] * (
        len(markers) - 1
    )
