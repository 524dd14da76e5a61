"""The metropolitan areas of the demo directory.

Most demo organizations work in one of `DEMO_CITIES`: most of their sites within `CORE_KM`
of the city centre, some in the suburbs (up to `SUBURB_KM`); the others are elsewhere in
the country (`1 - METRO_SHARE` of the organizations). The ZIPs come from the same postcode
data the searches use, so a demo city's ZIP finds its services.
"""

import random
from dataclasses import dataclass
from functools import lru_cache

from lantern.core import geo, postcodes


@dataclass(frozen=True)
class DemoCity:
    """A metropolitan area of the demo directory. `postcode` is its centre, and the ZIP to
    try; `weight` its share of the organizations that work in a demo city."""

    name: str
    state: str
    postcode: str
    weight: int

    @property
    def label(self) -> str:
        return f"{self.name}, {self.state}"


DEMO_CITIES = (
    DemoCity("Chicago", "IL", "60601", 3),  # the demo provider's city
    DemoCity("Houston", "TX", "77002", 2),
    DemoCity("Atlanta", "GA", "30303", 2),
    DemoCity("Los Angeles", "CA", "90012", 2),
    DemoCity("New York", "NY", "10001", 2),
    DemoCity("Miami", "FL", "33130", 1),
    DemoCity("Seattle", "WA", "98101", 1),
)
CORE_KM = 30.0  # most of a metro organization's sites
SUBURB_KM = 70.0  # the rest of them, beyond CORE_KM
METRO_SHARE = 0.9  # of the organizations; the others are elsewhere in the country
CORE_SHARE = 0.8  # of a metro organization's sites


@dataclass(frozen=True)
class Metro:
    city: DemoCity
    centre: postcodes.Place
    core: tuple[postcodes.Place, ...]  # ZIPs within CORE_KM of the centre
    suburbs: tuple[postcodes.Place, ...]  # ZIPs from CORE_KM to SUBURB_KM

    def place(self, rng: random.Random) -> postcodes.Place:
        if rng.random() < CORE_SHARE or not self.suburbs:
            return rng.choice(self.core)
        return rng.choice(self.suburbs)


def _centre(city: DemoCity) -> postcodes.Place:
    centre = postcodes.lookup(city.postcode)
    if centre is None:  # the postcode data changed under us: say so, loudly
        raise ValueError(f"demo city {city.label}: unknown ZIP {city.postcode}")
    return centre


@lru_cache(maxsize=1)
def metros() -> tuple[Metro, ...]:
    """Each demo city with the ZIPs around it, from the same postcode data the search uses
    (so every ZIP a demo site has is one a person can search from). In postcode order, so
    the seed is deterministic; one pass over the ZIPs, a box test before the distance."""
    centres = [_centre(city) for city in DEMO_CITIES]
    boxes = [geo.bounding_box(c.latitude, c.longitude, SUBURB_KM) for c in centres]
    core: list[list[postcodes.Place]] = [[] for _ in DEMO_CITIES]
    suburbs: list[list[postcodes.Place]] = [[] for _ in DEMO_CITIES]
    for place in postcodes.all_places():
        lat, lon = place.latitude, place.longitude
        for i, (south, north, west, east) in enumerate(boxes):
            if not (south <= lat <= north and west <= lon <= east):
                continue
            km = geo.haversine_km(centres[i].latitude, centres[i].longitude, lat, lon)
            if km <= CORE_KM:
                core[i].append(place)
            elif km <= SUBURB_KM:
                suburbs[i].append(place)
    return tuple(
        Metro(city, centres[i], tuple(core[i]), tuple(suburbs[i]))
        for i, city in enumerate(DEMO_CITIES)
    )
