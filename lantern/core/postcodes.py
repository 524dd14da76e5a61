"""US postcode centroids from the `zipcodes` package (no network, no hand-typed data)."""

from dataclasses import dataclass
from functools import lru_cache

import zipcodes


@dataclass(frozen=True)
class Place:
    postcode: str
    city: str
    county: str
    state: str
    latitude: float
    longitude: float


@lru_cache(maxsize=1)
def _index() -> dict[str, Place]:
    index: dict[str, Place] = {}
    for row in zipcodes.list_all():
        if not row.get("lat") or not row.get("long"):
            continue
        index[row["zip_code"]] = Place(
            postcode=row["zip_code"],
            city=row["city"].title(),
            county=row.get("county") or "",
            state=row["state"],
            latitude=float(row["lat"]),
            longitude=float(row["long"]),
        )
    return index


def lookup(postcode: str) -> Place | None:
    """The centroid of a 5-digit US ZIP code (ZIP+4 accepted), or None if unknown."""
    code = postcode.strip()[:5]
    if len(code) != 5 or not code.isdigit():
        return None
    return _index().get(code)


def all_places() -> list[Place]:
    """Every known place, sorted by postcode so seeded data is deterministic."""
    return [place for _, place in sorted(_index().items())]


@lru_cache(maxsize=1)
def _cities() -> dict[str, list[Place]]:
    """City name (case-folded) -> one Place per state, at the mean of its ZIP centroids."""
    points: dict[tuple[str, str], list[Place]] = {}
    for place in _index().values():
        points.setdefault((place.city.casefold(), place.state), []).append(place)
    cities: dict[str, list[Place]] = {}
    for (name, state), places in sorted(points.items()):
        first = min(places, key=lambda p: p.postcode)
        cities.setdefault(name, []).append(
            Place(
                postcode="",
                city=first.city,
                county=first.county,
                state=state,
                latitude=round(sum(p.latitude for p in places) / len(places), 4),
                longitude=round(sum(p.longitude for p in places) / len(places), 4),
            )
        )
    return cities


def city_places(text: str) -> list[Place]:
    """The places a person may mean by a city name: "Chicago", "Chicago, IL" or "Chicago IL".

    One Place per state with a city of that name (none when unknown); a two-letter state at
    the end narrows it to that state.
    """
    words = text.replace(",", " ").split()
    if not words:
        return []
    state = None
    if len(words) > 1 and len(words[-1]) == 2 and words[-1].isalpha():
        state, words = words[-1].upper(), words[:-1]
    places = _cities().get(" ".join(words).casefold(), [])
    if state is not None:
        places = [p for p in places if p.state == state]
    return places
