"""Country outlines (``countries.geojson``) and the check that points lie in them."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from siting.errors import InputError
from siting.geo import haversine_km

#: File of the outlines in a data folder.
OUTLINES_FILE = "countries.geojson"


def read_outlines(path: Path) -> dict[str, object]:
    """Shapely geometries of ``countries.geojson`` by ISO alpha-2 code (lon/lat)."""
    from shapely.geometry import shape

    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: file not found; the coordinate checks need it")
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
        return {
            feature["properties"]["country"]: shape(feature["geometry"])
            for feature in document["features"]
        }
    except (json.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
        raise InputError(
            f"{path}: not a FeatureCollection of country outlines ({exc})"
        ) from None


def placement_problems(
    table: pd.DataFrame,
    outlines: dict[str, object],
    path: Path,
    *,
    tolerance_km: float,
) -> list[str]:
    """One message per row of ``table`` (lat, lon, country) outside its country.

    A point counts as inside when it lies in its country's outline or within
    ``tolerance_km`` of it; the message says when swapping lat and lon would fix it.
    """
    import shapely
    from shapely.ops import nearest_points

    problems = []
    for country, rows in table.groupby("country", sort=False):
        outline = outlines.get(country)
        if outline is None:
            problems.append(
                f"{path}: field 'country': no outline for '{country}' in "
                "countries.geojson; add it or use a member state's code"
            )
            continue
        lat, lon = rows["lat"].to_numpy(float), rows["lon"].to_numpy(float)
        inside = shapely.intersects_xy(outline, lon, lat)
        for position in np.flatnonzero(~inside):
            point = shapely.Point(lon[position], lat[position])
            nearest = nearest_points(outline, point)[0]
            km = float(haversine_km(lat[position], lon[position], nearest.y, nearest.x))
            if km <= tolerance_km:
                continue
            swapped = shapely.intersects_xy(outline, lat[position], lon[position])
            hint = " (lat and lon look swapped)" if swapped else ""
            row = table.index.get_loc(rows.index[position]) + 2
            problems.append(
                f"{path}: row {row} ({rows.index[position]}): fields 'lat'/'lon': "
                f"{km:.0f} km outside {country}{hint}; correct the coordinates or the "
                "country"
            )
    return problems
