import hashlib
import json
import sys

import pytest
import shapely
from django.core.management import CommandError, call_command
from shapely.geometry import shape

from lantern.geography.build import (
    COUNTIES_BUDGET_BYTES,
    STATES_BUDGET_BYTES,
    SourceMissing,
    source_directory,
)

# The 50 states and the District of Columbia (FIPS 11); the census files add five territories.
STATES_AND_DC = {f"{code:02d}" for code in range(1, 57) if code not in {3, 7, 14, 43, 52}}


def _features(path):
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["type"] == "FeatureCollection"
    return data["features"]


def _all_files(directory):
    return [directory / "states.geojson", *sorted((directory / "counties").glob("*.geojson"))]


def test_every_state_and_dc_has_one_feature_keyed_by_fips(built):
    features = _features(built.directory / "states.geojson")
    codes = [f["properties"]["fips"] for f in features]
    assert len(codes) == len(set(codes)) == built.states
    assert set(codes) >= STATES_AND_DC
    assert len(STATES_AND_DC) == 51
    by_code = {f["properties"]["fips"]: f["properties"] for f in features}
    assert by_code["17"] == {"fips": "17", "name": "Illinois", "abbr": "IL"}
    assert by_code["11"]["name"] == "District of Columbia"


def test_counties_are_unique_and_filed_under_their_state(built):
    seen = []
    for path in sorted((built.directory / "counties").glob("*.geojson")):
        for feature in _features(path):
            properties = feature["properties"]
            assert properties["fips"][:2] == properties["state"] == path.stem
            assert len(properties["fips"]) == 5 and properties["name"]
            seen.append(properties["fips"])
    assert len(seen) == len(set(seen)) == built.counties
    assert built.counties > 3100
    assert {path.stem for path in (built.directory / "counties").glob("*.geojson")} >= (
        STATES_AND_DC
    )


def test_every_outline_is_valid_rfc7946_geometry_in_range(built):
    for path in _all_files(built.directory):
        for feature in _features(path):
            geometry = shape(feature["geometry"])
            assert geometry.geom_type in {"Polygon", "MultiPolygon"}, feature["properties"]
            assert geometry.is_valid and not geometry.is_empty, feature["properties"]
            west, south, east, north = geometry.bounds
            assert -180 <= west <= east <= 180 and -90 <= south <= north <= 90
            # Right-hand rule: exterior rings counterclockwise, holes clockwise.
            for polygon in getattr(geometry, "geoms", [geometry]):
                assert polygon.exterior.is_ccw, feature["properties"]
                assert all(not ring.is_ccw for ring in polygon.interiors)


def test_the_simplified_files_stay_within_the_download_budget(built):
    assert built.states_bytes == (built.directory / "states.geojson").stat().st_size
    assert built.states_bytes < STATES_BUDGET_BYTES < 1_000_000
    for path in (built.directory / "counties").glob("*.geojson"):
        assert path.stat().st_size < COUNTIES_BUDGET_BYTES, path.name
    # Simplification is real: the census source is tens of megabytes.
    source = source_directory()
    assert built.states_bytes * 10 < (source / "cb_2016_us_state_500k.shp").stat().st_size


def _digests(directory):
    return {
        path.relative_to(directory).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in _all_files(directory)
    }


def test_the_command_builds_the_same_bytes_again(built, tmp_path, capsys):
    call_command("geography", "build", "--dir", str(tmp_path))
    assert "56 states" in capsys.readouterr().out
    assert _digests(tmp_path) == _digests(built.directory)
    assert not list(tmp_path.rglob(".*.geojson.*"))  # no temporary files left behind


def test_without_plotly_geo_the_command_says_what_to_install(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "_plotly_geo", None)  # makes the import fail
    with pytest.raises(SourceMissing):
        source_directory()
    with pytest.raises(CommandError, match="plotly-geo"):
        call_command("geography", "build", "--dir", str(tmp_path))
    assert not (tmp_path / "states.geojson").exists()


def test_the_outlines_shrink_by_simplification_but_keep_their_area(built):
    illinois = next(
        f for f in _features(built.directory / "states.geojson") if f["properties"]["fips"] == "17"
    )
    geometry = shape(illinois["geometry"])
    # Illinois is about 150,000 km2, some 15.5 square degrees at its latitude.
    assert 14 < shapely.area(geometry) < 17
    assert shapely.get_num_coordinates(geometry) < 2000
