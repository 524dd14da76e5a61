"""Build the base map's outlines once, at set-up time (`lantern geography build`).

The source is the US Census Bureau's 2016 cartographic boundary shapefiles (1:500,000) that the
`plotly-geo` package ships. They are read with pyshp, simplified with shapely's coverage
simplification (neighbours keep one shared border, so no slivers or gaps open between them),
snapped to a coarse grid, wound right-handed and written as RFC 7946 GeoJSON:

    <dir>/states.geojson            every state, DC and territory: the map's national view
    <dir>/counties/<state>.geojson  one state's counties, fetched as the map zooms in there

Every feature has `fips` and `name` properties (counties also `state`, states also `abbr`).
The census coordinates are NAD83 longitude/latitude, which is WGS84 to within about a metre,
well under the simplification. The output is deterministic: building again writes the same
bytes, so the step is idempotent.
"""

import json
import os
import tempfile
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import shapefile
import shapely
from shapely.geometry import mapping, shape
from shapely.geometry.base import BaseGeometry

# Coverage simplification tolerance in degrees, and the grid coordinates are snapped to.
# States are the national view (a few pixels per degree); counties are seen zoomed in.
STATE_TOLERANCE = 0.02
STATE_GRID = 0.001
COUNTY_TOLERANCE = 0.01
COUNTY_GRID = 0.0001

# What the browser may download: the states file on every map, one state's counties as it
# zooms in. Tests hold the built files to these.
STATES_BUDGET_BYTES = 500_000
COUNTIES_BUDGET_BYTES = 500_000

STATES_SOURCE = "cb_2016_us_state_500k"
COUNTIES_SOURCE = "cb_2016_us_county_500k"


class SourceMissing(RuntimeError):
    """The census shapefiles (the plotly-geo package) are not installed."""


@dataclass(frozen=True)
class BuildResult:
    directory: Path
    states: int
    counties: int
    states_bytes: int
    largest_counties_file: tuple[str, int]


def source_directory() -> Path:
    """The folder inside the installed plotly-geo package that holds the census shapefiles."""
    try:
        import _plotly_geo  # the import name of the plotly-geo distribution
    except ImportError as exc:
        raise SourceMissing(
            "the census shapefiles come from the plotly-geo package: pip install plotly-geo"
        ) from exc
    for base in _plotly_geo.__path__:
        folder = Path(base) / "package_data"
        if (folder / f"{STATES_SOURCE}.shp").is_file():
            return folder
    raise SourceMissing(f"plotly-geo is installed but has no {STATES_SOURCE}.shp")


def _read(path: Path) -> tuple[list[BaseGeometry], list[dict[str, Any]]]:
    geometries: list[BaseGeometry] = []
    records: list[dict[str, Any]] = []
    with shapefile.Reader(str(path)) as reader:
        for item in reader.iterShapeRecords():
            geometries.append(shape(item.shape.__geo_interface__))
            records.append(item.record.as_dict())
    return geometries, records


def _simplify(geometries: list[BaseGeometry], tolerance: float, grid: float) -> list[Any]:
    simplified = shapely.coverage_simplify(geometries, tolerance)
    snapped = shapely.set_precision(simplified, grid)  # keeps each polygon valid
    return list(shapely.orient_polygons(snapped, exterior_cw=False))  # RFC 7946 winding


def _rounded(value: Any, digits: int) -> Any:
    if isinstance(value, float):
        return round(value, digits)
    return [_rounded(item, digits) for item in value]


def _feature(geometry: BaseGeometry, properties: dict[str, str], digits: int) -> dict[str, Any]:
    geo = mapping(geometry)
    return {
        "type": "Feature",
        "properties": properties,
        "geometry": {"type": geo["type"], "coordinates": _rounded(geo["coordinates"], digits)},
    }


def _write(path: Path, features: list[dict[str, Any]]) -> int:
    """Write atomically (two builds at once leave one whole file); return the size in bytes."""
    data = json.dumps(
        {"type": "FeatureCollection", "features": features},
        ensure_ascii=False,
        separators=(",", ":"),
    ).encode()
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return len(data)


def build(directory: Path, source: Path | None = None) -> BuildResult:
    """Read the census shapes, simplify them and write the GeoJSON files into `directory`."""
    source = source or source_directory()
    geometries, records = _read(source / STATES_SOURCE)
    order = sorted(range(len(records)), key=lambda i: records[i]["GEOID"])
    states = _simplify(geometries, STATE_TOLERANCE, STATE_GRID)
    state_features = [
        _feature(
            states[i],
            {
                "fips": records[i]["GEOID"],
                "name": records[i]["NAME"],
                "abbr": records[i]["STUSPS"],
            },
            3,
        )
        for i in order
    ]
    states_bytes = _write(directory / "states.geojson", state_features)

    geometries, records = _read(source / COUNTIES_SOURCE)
    counties = _simplify(geometries, COUNTY_TOLERANCE, COUNTY_GRID)
    by_state: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for i in sorted(range(len(records)), key=lambda i: records[i]["GEOID"]):
        record = records[i]
        by_state[record["STATEFP"]].append(
            _feature(
                counties[i],
                {"fips": record["GEOID"], "name": record["NAME"], "state": record["STATEFP"]},
                4,
            )
        )
    sizes = {
        state: _write(directory / "counties" / f"{state}.geojson", features)
        for state, features in sorted(by_state.items())
    }
    largest = max(sizes.items(), key=lambda item: item[1])
    return BuildResult(
        directory=directory,
        states=len(state_features),
        counties=sum(len(features) for features in by_state.values()),
        states_bytes=states_bytes,
        largest_counties_file=largest,
    )
