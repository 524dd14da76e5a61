import pytest

from lantern.core.errors import NotFound
from lantern.geography import outlines

KNOWN_PLACES = [
    # (latitude, longitude, county FIPS, county name, state FIPS)
    (41.8781, -87.6298, "17031", "Cook", "17"),  # Chicago
    (34.0522, -118.2437, "06037", "Los Angeles", "06"),
    (29.7604, -95.3698, "48201", "Harris", "48"),  # Houston
    (25.7617, -80.1918, "12086", "Miami-Dade", "12"),
    (38.8977, -77.0365, "11001", "District of Columbia", "11"),
    (61.2181, -149.9003, "02020", "Anchorage", "02"),
    (21.3069, -157.8583, "15003", "Honolulu", "15"),
]


@pytest.mark.parametrize(("latitude", "longitude", "fips", "name", "state"), KNOWN_PLACES)
def test_a_known_place_is_in_its_county(built, latitude, longitude, fips, name, state):
    found = outlines.county_at(latitude, longitude, built.directory)
    assert found is not None
    assert (found.fips, found.name, found.state_fips) == (fips, name, state)
    assert found.is_county
    assert outlines.state_at(latitude, longitude, built.directory).fips == state


def test_a_point_at_sea_or_abroad_is_in_no_county(built):
    assert outlines.county_at(35.0, -40.0, built.directory) is None  # the mid-Atlantic
    assert outlines.state_at(48.8566, 2.3522, built.directory) is None  # Paris


def test_areas_are_found_by_fips_code(built):
    illinois = outlines.state("17", built.directory)
    cook = outlines.county("17031", built.directory)
    assert (illinois.name, cook.name) == ("Illinois", "Cook")
    assert not illinois.is_county
    assert illinois.geometry.contains(cook.geometry.representative_point())
    codes = [area.fips for area in outlines.counties("17", built.directory)]
    assert len(codes) == 102 and "17031" in codes
    assert len(outlines.states(built.directory)) == 56


@pytest.mark.parametrize("code", ["99", "1", "IL", "017", ""])
def test_an_unknown_or_malformed_state_code_is_not_found(built, code):
    with pytest.raises(NotFound):
        outlines.state(code, built.directory)
    with pytest.raises(NotFound):
        outlines.counties(code, built.directory)


@pytest.mark.parametrize("code", ["17999", "99001", "1703", "17031 ", "abcde"])
def test_an_unknown_or_malformed_county_code_is_not_found(built, code):
    with pytest.raises(NotFound):
        outlines.county(code, built.directory)


def test_unbuilt_outlines_name_the_command_that_builds_them(tmp_path):
    with pytest.raises(outlines.OutlinesMissing, match="lantern geography build"):
        outlines.states(tmp_path)
    assert outlines.static_paths(tmp_path) is None


def test_static_paths_name_every_state_file(built):
    paths = outlines.static_paths(built.directory)
    assert paths is not None
    assert paths["states"] == "geography/states.geojson"
    assert paths["counties"]["17"] == "geography/counties/17.geojson"
    assert len(paths["counties"]) == 56


def test_the_default_directory_is_the_setting(settings, built):
    settings.LANTERN_GEOGRAPHY_DIR = built.directory
    assert outlines.state("06").name == "California"
