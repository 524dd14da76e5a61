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
