"""The GeoJSON layers of a run: candidates, hubs and hub-to-site links.

RFC 7946 FeatureCollections of WGS84 points and lines, coordinates ``[lon, lat]``
rounded to 6 decimals (about 0.1 m), every property named with its unit.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from siting.encode import dumps
from siting.geo import haversine_km
from siting.layers.table import COST_PARTS

#: Columns of every candidate written to ``sites.geojson``, with units in the names.
SITE_PROPERTIES = (
    "site_id",
    "name",
    "country",
    "kind",
    "selected",
    "rank",
    "excluded_reason",
    "annual_cost_eur",
    *(f"{layer}_cost_eur_per_year" for layer in COST_PARTS),
    "price_eur_per_mwh",
    "carbon_g_per_kwh",
    "power_mw",
    "energy_mwh_per_year",
    "carbon_t_per_year",
    "pue",
    "free_cooling_hours",
    "mean_temp_c",
    "water_m3_per_year",
    "water_stress",
    "grid_capacity_mw",
    "grid_shortfall_mw",
    "grid_node_km",
    "grid_ready_year",
    "site_max_mw",
    "power_limit",
    "capex_eur",
    "pop_km",
    "ixp_km",
    "fibre_km",
    "researchers_served",
    "mean_rtt_ms",
)

#: Columns of every hub written to ``hubs.geojson``.
HUB_PROPERTIES = (
    "hub_id",
    "name",
    "country",
    "population",
    "researchers",
    "site_id",
    "site_name",
    "rtt_ms",
)


def sites_geojson(
    sites: pd.DataFrame, properties: tuple[str, ...] = SITE_PROPERTIES
) -> dict[str, Any]:
    """Every candidate as an RFC 7946 FeatureCollection of Points ([lon, lat])."""
    table = sites.reset_index()
    features = []
    for row in table.to_dict(orient="records"):
        features.append(
            {
                "type": "Feature",
                "geometry": {
                    "type": "Point",
                    "coordinates": [round(row["lon"], 6), round(row["lat"], 6)],
                },
                "properties": {key: row.get(key) for key in properties},
            }
        )
    return {"type": "FeatureCollection", "features": features}


def hubs_geojson(hubs: pd.DataFrame, sites: pd.DataFrame) -> dict[str, Any]:
    """Every hub as Points ([lon, lat]) with its researchers (FTE), assigned site and
    RTT to it (ms)."""
    table = hubs.reset_index()
    table["site_name"] = table["site_id"].map(sites["name"])
    features = [
        {
            "type": "Feature",
            "geometry": {
                "type": "Point",
                "coordinates": [round(row["lon"], 6), round(row["lat"], 6)],
            },
            "properties": {key: row.get(key) for key in HUB_PROPERTIES},
        }
        for row in table.to_dict(orient="records")
    ]
    return {"type": "FeatureCollection", "features": features}


def links_geojson(hubs: pd.DataFrame, sites: pd.DataFrame) -> dict[str, Any]:
    """A LineString from each hub to its assigned site ([lon, lat] pairs), with the
    hub's researchers (FTE), the RTT (ms) and the great-circle distance (km)."""
    site = sites.loc[hubs["site_id"]]
    km = haversine_km(
        hubs["lat"].to_numpy(float),
        hubs["lon"].to_numpy(float),
        site["lat"].to_numpy(float),
        site["lon"].to_numpy(float),
    )
    features = []
    for position, (hub_id, row) in enumerate(hubs.iterrows()):
        target = site.iloc[position]
        features.append(
            {
                "type": "Feature",
                "geometry": {
                    "type": "LineString",
                    "coordinates": [
                        [round(row["lon"], 6), round(row["lat"], 6)],
                        [round(target["lon"], 6), round(target["lat"], 6)],
                    ],
                },
                "properties": {
                    "hub_id": hub_id,
                    "site_id": row["site_id"],
                    "researchers": row["researchers"],
                    "rtt_ms": row["rtt_ms"],
                    "distance_km": km[position],
                },
            }
        )
    return {"type": "FeatureCollection", "features": features}


def geojson_text(document: dict[str, Any]) -> str:
    """A GeoJSON or JSON document as text (:func:`siting.encode.dumps`)."""
    return dumps(document)
