"""Bidding zones: which ENTSO-E zone each point lies in, from its coordinates.

``bidding_zones.csv`` lists every zone of the EU-27 and the countries it covers
(``countries``, ";"-separated: DE-LU covers DE and LU). A country with one zone puts
all its points in it. The zones of the countries with several (SE1-SE4, DK1-DK2 and
the seven Italian zones) are polygons of ``bidding_zones.geojson``; a point of such a
country lies in the polygon that contains it, or in the nearest one within the
placement tolerance (the outlines are simplified, so coastal towns such as Lulea can
fall just outside). A point of a multi-zone country farther from every zone is refused.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from siting.errors import InputError
from siting.geo import haversine_km

#: File of the zone outlines in a data folder.
ZONE_OUTLINES_FILE = "bidding_zones.geojson"


def read_zone_outlines(path: Path) -> dict[str, tuple[str, object]]:
    """Shapely geometries of ``bidding_zones.geojson``: zone -> (country, geometry).

    Raises
    ------
    InputError
        If the file is missing or not a FeatureCollection with ``zone`` and
        ``country`` properties.
    """
    from shapely.geometry import shape

    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: file not found; the bidding-zone lookup needs it")
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
        return {
            feature["properties"]["zone"]: (
                feature["properties"]["country"],
                shape(feature["geometry"]),
            )
            for feature in document["features"]
        }
    except (json.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
        raise InputError(
            f"{path}: not a FeatureCollection of bidding zones with 'zone' and "
            f"'country' properties ({exc})"
        ) from None


def assign_zones(
    points: pd.DataFrame,
    zones: pd.DataFrame,
    outlines: dict[str, tuple[str, object]],
    *,
    tolerance_km: float,
    path: Path,
) -> pd.Series:
    """The bidding zone of each point (``country``, ``lat``, ``lon`` columns).

    Parameters
    ----------
    points
        Rows indexed by id with ``country`` (ISO alpha-2), ``lat``, ``lon`` (degrees).
    zones
        ``bidding_zones.csv`` indexed by zone, with ``countries``.
    outlines
        From :func:`read_zone_outlines`.
    tolerance_km
        How far outside a zone polygon a point may lie and still be given it (km).
    path
        The points' file, named in errors.

    Raises
    ------
    InputError
        For a point in a country no zone covers, or a point of a multi-zone country
        outside every zone by more than ``tolerance_km``; every such point is listed.
    """
    import shapely
    from shapely.ops import nearest_points

    single: dict[str, str] = {}
    for zone, countries in zones["countries"].items():
        for country in str(countries).split(";"):
            single.setdefault(country.strip(), str(zone))
    polygons: dict[str, list[tuple[str, object]]] = {}
    for zone, (country, geometry) in outlines.items():
        polygons.setdefault(country, []).append((zone, geometry))
    country = points["country"].astype(str)
    lat = points["lat"].to_numpy(float)
    lon = points["lon"].to_numpy(float)
    out = pd.Series(country.map(single).fillna("").to_numpy(), index=points.index)
    problems: list[str] = []
    for code, members in polygons.items():
        mask = (country == code).to_numpy()
        out[mask] = ""
        for zone, geometry in members:
            inside = mask & shapely.intersects_xy(geometry, lon, lat)
            out[inside & (out.to_numpy() == "")] = zone
        for k in np.flatnonzero(mask & (out.to_numpy() == "")):
            point = shapely.Point(lon[k], lat[k])
            km = {
                zone: float(
                    haversine_km(lat[k], lon[k], *_latlon(nearest_points(g, point)[0]))
                )
                for zone, g in members
            }
            zone = min(km, key=lambda z: km[z])
            if km[zone] <= tolerance_km:
                out.iloc[k] = zone
                continue
            problems.append(
                f"{path}: {points.index[k]} ({lat[k]:g}, {lon[k]:g}): fields "
                f"'lat'/'lon': {km[zone]:.0f} km outside every bidding zone of {code} "
                f"(nearest {zone}); correct the coordinates or the country"
            )
    for point_id in out.index[out.to_numpy() == ""]:
        if country[point_id] not in polygons:
            problems.append(
                f"{path}: {point_id}: field 'country': no bidding zone covers "
                f"{country[point_id]!r}; use a member state of bidding_zones.csv"
            )
    if problems:
        shown = problems[:20]
        more = f"\n... and {len(problems) - 20} more" if len(problems) > 20 else ""
        raise InputError("\n".join(shown) + more)
    return out.rename("bidding_zone")


def _latlon(point: object) -> tuple[float, float]:
    return float(np.asarray(point.y)), float(np.asarray(point.x))  # type: ignore[attr-defined]
