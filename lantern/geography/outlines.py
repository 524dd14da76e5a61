"""Read the built outlines: US states and counties keyed by FIPS code.

The files are built once at set-up (`lantern geography build`, see `build.py`) into
`settings.LANTERN_GEOGRAPHY_DIR`, which Lantern also serves as static files under
`geography/` for the maps. Later domains (tips, hotspots, public statistics) use the same
geometry through this module: look an area up by code, or find the county at a point.

The outlines are simplified for drawing (borders move by up to about a kilometre), so a point
within that distance of a border may fall in the neighbour.
"""

import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import shapely
from django.conf import settings
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

from lantern.core.errors import NotFound

STATES_FILE = "states.geojson"
COUNTIES_FOLDER = "counties"
STATIC_PREFIX = "geography"

_STATE_FIPS = re.compile(r"^\d{2}$")
_COUNTY_FIPS = re.compile(r"^\d{5}$")


class OutlinesMissing(RuntimeError):
    """The outlines were never built into this directory."""


@dataclass(frozen=True)
class Area:
    """A state (2-digit FIPS code) or a county (5 digits, starting with its state's)."""

    fips: str
    name: str
    state_fips: str
    geometry: BaseGeometry

    @property
    def is_county(self) -> bool:
        return len(self.fips) == 5


def outlines_directory() -> Path:
    return Path(settings.LANTERN_GEOGRAPHY_DIR)


def _read(path: Path) -> list[dict[str, Any]]:
    if not path.is_file():
        raise OutlinesMissing(
            f"{path} is missing: build the outlines with `lantern geography build` "
            "(`make setup` does it)"
        )
    features: list[dict[str, Any]] = json.loads(path.read_text(encoding="utf-8"))["features"]
    return features


def _area(feature: dict[str, Any]) -> Area:
    properties = feature["properties"]
    fips = properties["fips"]
    return Area(
        fips=fips,
        name=properties["name"],
        state_fips=fips[:2],
        geometry=shape(feature["geometry"]),
    )


@cache
def _states(directory: Path) -> dict[str, Area]:
    return {area.fips: area for area in map(_area, _read(directory / STATES_FILE))}


@cache
def _counties(directory: Path, state_fips: str) -> dict[str, Area]:
    path = directory / COUNTIES_FOLDER / f"{state_fips}.geojson"
    return {area.fips: area for area in map(_area, _read(path))}


def states(directory: Path | None = None) -> list[Area]:
    """Every state, DC and territory, by FIPS code."""
    return list(_states(directory or outlines_directory()).values())


def counties(state_fips: str, directory: Path | None = None) -> list[Area]:
    """The counties (and county equivalents) of one state; NotFound for an unknown state."""
    directory = directory or outlines_directory()
    state(state_fips, directory)
    return list(_counties(directory, state_fips).values())


def state(fips: str, directory: Path | None = None) -> Area:
    """The state with this 2-digit FIPS code (Illinois is "17"); NotFound otherwise."""
    found = (
        _states(directory or outlines_directory()).get(fips) if _STATE_FIPS.match(fips) else None
    )
    if found is None:
        raise NotFound(f"no state with FIPS code {fips!r}")
    return found


def county(fips: str, directory: Path | None = None) -> Area:
    """The county with this 5-digit FIPS code (Cook County, Illinois is "17031")."""
    if not _COUNTY_FIPS.match(fips):
        raise NotFound(f"no county with FIPS code {fips!r}")
    found = next((area for area in counties(fips[:2], directory) if area.fips == fips), None)
    if found is None:
        raise NotFound(f"no county with FIPS code {fips!r}")
    return found


# How far (degrees) from a point a state may lie and still be searched for its county: the
# state outlines are simplified more than the counties', so near a border both are tried.
_NEAR_DEGREES = 0.05


def state_at(latitude: float, longitude: float, directory: Path | None = None) -> Area | None:
    """The state whose outline holds this point, or None (at sea, abroad)."""
    point = shapely.Point(longitude, latitude)
    return next((area for area in states(directory) if area.geometry.covers(point)), None)


def county_at(latitude: float, longitude: float, directory: Path | None = None) -> Area | None:
    """The county whose outline holds this point, or None."""
    point = shapely.Point(longitude, latitude)
    nearby = sorted(
        (area.geometry.distance(point), area.fips)
        for area in states(directory)
        if area.geometry.dwithin(point, _NEAR_DEGREES)
    )
    for _, state_fips in nearby:
        for area in counties(state_fips, directory):
            if area.geometry.covers(point):
                return area
    return None


def static_paths(directory: Path | None = None) -> dict[str, Any] | None:
    """The static-file paths a map fetches (the states, and each state's counties), or None
    before the outlines are built."""
    directory = directory or outlines_directory()
    # Every advocate search asks: once built, the listing is remembered (a rebuild while
    # the server runs needs a restart, as for the outlines themselves); before, each call
    # looks again, so a build is seen without one.
    known = _STATIC_PATHS.get(directory)
    if known is not None:
        return known
    if not (directory / STATES_FILE).is_file():
        return None
    found = {
        "states": f"{STATIC_PREFIX}/{STATES_FILE}",
        "counties": {
            path.stem: f"{STATIC_PREFIX}/{COUNTIES_FOLDER}/{path.name}"
            for path in sorted((directory / COUNTIES_FOLDER).glob("*.geojson"))
        },
    }
    _STATIC_PATHS[directory] = found
    return found


_STATIC_PATHS: dict[Path, dict[str, Any]] = {}
