"""Small, dependency-free geometry for distance filters and rounding."""

import math

EARTH_RADIUS_KM = 6371.0088


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi = phi2 - phi1
    dlmb = math.radians(lon2 - lon1)
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlmb / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


def bounding_box(lat: float, lon: float, radius_km: float) -> tuple[float, float, float, float]:
    """(min_lat, max_lat, min_lon, max_lon) that contains every point within radius_km."""
    dlat = math.degrees(radius_km / EARTH_RADIUS_KM)
    cos_lat = math.cos(math.radians(lat))
    if cos_lat < 1e-6 or radius_km / EARTH_RADIUS_KM >= math.pi / 2:
        return max(-90.0, lat - dlat), min(90.0, lat + dlat), -180.0, 180.0
    dlon = math.degrees(math.asin(min(1.0, math.sin(radius_km / EARTH_RADIUS_KM) / cos_lat)))
    return lat - dlat, lat + dlat, lon - dlon, lon + dlon


def round_distance_km(distance_km: float, step_km: float) -> float:
    """Round up to the next step, never below one step: a shelter 300 m away shows as 5 km."""
    steps = max(1, math.ceil(distance_km / step_km))
    return float(steps * step_km)


def coarse_point(lat: float, lon: float, grid_deg: float = 0.1) -> tuple[float, float]:
    """Snap a point to the centre of its grid cell (about 11 km tall at 0.1 degrees)."""
    return (
        round((math.floor(lat / grid_deg) + 0.5) * grid_deg, 4),
        round((math.floor(lon / grid_deg) + 0.5) * grid_deg, 4),
    )
