"""Evidence checks: flagged for the reviewer, never a reason to refuse a submission."""
import math
from datetime import datetime, timedelta

EARTH_RADIUS_M = 6_371_000
#: Phones' clocks drift; a few minutes ahead is not "in the future".
CLOCK_SLACK = timedelta(minutes=10)


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in metres (haversine)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


def evidence_flags(config, *, location: dict | None, site_lat: float | None, site_lon: float | None,
                   recorded_at: datetime, received_at: datetime) -> dict:
    """The flags a reviewer should see; an empty dict when everything looks right."""
    flags: dict = {}
    if location and site_lat is not None and site_lon is not None:
        distance = distance_m(location["lat"], location["lon"], site_lat, site_lon)
        if distance > config["FLAG_DISTANCE_M"]:
            flags["distance_m"] = round(distance, 1)
    if location is None:
        flags["no_location"] = True
    elif location.get("accuracy_m") is not None and location["accuracy_m"] > config["FLAG_ACCURACY_M"]:
        flags["accuracy_m"] = round(location["accuracy_m"], 1)
    if recorded_at > received_at + CLOCK_SLACK:
        flags["recorded_in_future"] = True
    elif received_at - recorded_at > timedelta(days=config["FLAG_RECORDED_AGE_DAYS"]):
        flags["recorded_days_before"] = (received_at - recorded_at).days
    return flags
