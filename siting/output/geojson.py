"""The vector layers of a run, candidates, hubs and hub-to-site links, and their files.

:func:`site_layer`, :func:`hub_layer` and :func:`link_layer` are GeoDataFrames in
EPSG:4326 with the id as the first column, the declared columns in a fixed order
(:data:`SITE_PROPERTIES`, :data:`HUB_PROPERTIES`) and then every other column of the
tables, so columns of a user's own files and new layers are carried along.
:func:`write_geojson` and :func:`write_geopackage` write them through pyogrio (GDAL):

- GeoJSON as RFC 7946 (WGS84, ``[lon, lat]``), coordinates to 6 decimals (about
  0.1 m), other numbers to the 12 significant digits of :mod:`siting.encode`, no
  bounding boxes, so the same run gives the same bytes;
- a GeoPackage with the three layers, its ``last_change`` timestamps fixed
  (:data:`GPKG_TIMESTAMP`) for the same reason.

JSON has no infinity and GDAL would drop such a value silently, so an infinite number
is written as null (no layer column holds one today).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from siting.data.dataset import points
from siting.encode import DIGITS
from siting.layers.table import COST_PARTS
from siting.output.files import follow_umask, staged_file

#: Declared columns of ``sites.geojson``, first and in this order, units in the names.
SITE_PROPERTIES = (
    "site_id",
    "name",
    "description",
    "country",
    "bidding_zone",
    "kind",
    "selected",
    "rank",
    "gigafactory",
    "campus_share",
    "excluded_reason",
    "annual_cost_eur",
    *(f"{layer}_cost_eur_per_year" for layer in COST_PARTS),
    "wholesale_eur_per_mwh",
    "network_eur_per_mwh",
    "levies_eur_per_mwh",
    "taxes_eur_per_mwh",
    "price_eur_per_mwh",
    "band_price_eur_per_mwh",
    "carbon_g_per_kwh",
    "ets_in_price_eur_per_mwh",
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
#: Declared columns of ``hubs.geojson``, first and in this order.
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
#: Columns of ``links.geojson``.
LINK_PROPERTIES = ("hub_id", "site_id", "researchers", "rtt_ms", "distance_km")
#: Layer options of GDAL's GeoJSON driver that make the output RFC 7946 and stable.
GEOJSON_OPTIONS = {
    "RFC7946": "YES",
    "COORDINATE_PRECISION": "6",
    "SIGNIFICANT_FIGURES": str(DIGITS),
    "WRITE_BBOX": "NO",
    "WRITE_NAME": "NO",
}
#: The ``last_change`` written into a GeoPackage, fixed so that its bytes repeat.
GPKG_TIMESTAMP = "1970-01-01T00:00:00.000Z"


def site_layer(
    sites: pd.DataFrame, properties: tuple[str, ...] = SITE_PROPERTIES
) -> gpd.GeoDataFrame:
    """Every candidate as points: ``properties`` (those present) first, then every
    other column of ``sites`` but ``lat`` and ``lon`` (they are the geometry)."""
    return _layer(sites.rename_axis("site_id"), properties)


def hub_layer(hubs: pd.DataFrame, sites: pd.DataFrame) -> gpd.GeoDataFrame:
    """Every hub as points with its researchers (FTE), assigned site (id and name)
    and RTT to it (ms), then its other columns."""
    hubs = hubs.rename_axis("hub_id").copy()
    hubs["site_name"] = hubs["site_id"].map(sites["name"])
    return _layer(hubs, HUB_PROPERTIES)


def link_layer(links: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """:attr:`siting.result.Result.links` as a layer: a line from each hub to its
    site with ``researchers`` (FTE), ``rtt_ms`` and ``distance_km``."""
    return _layer(links.rename_axis("hub_id"), LINK_PROPERTIES)


def write_geojson(layer: gpd.GeoDataFrame, path: Path) -> None:
    """Write ``layer`` as an RFC 7946 GeoJSON file (see the module docstring)."""
    import pyogrio

    pyogrio.write_dataframe(
        _writable(layer), path, driver="GeoJSON", layer_options=GEOJSON_OPTIONS
    )


def write_geojson_atomic(layer: gpd.GeoDataFrame, path: Path) -> None:
    """:func:`write_geojson` through a temporary file beside ``path`` and a rename
    (:func:`siting.output.files.staged_file`), so ``path`` is never half written.

    Raises
    ------
    siting.errors.InputError
        As :func:`siting.output.files.check_out_file`.
    """
    with staged_file(path, suffix=".geojson") as temporary:
        write_geojson(layer, temporary)


def write_geopackage(layers: dict[str, gpd.GeoDataFrame], path: Path) -> None:
    """Write each layer (name -> GeoDataFrame) into one GeoPackage at ``path``."""
    import pyogrio

    with _gdal_option("OGR_CURRENT_DATE", GPKG_TIMESTAMP):
        for position, (name, layer) in enumerate(layers.items()):
            pyogrio.write_dataframe(
                _writable(layer),
                path,
                layer=name,
                driver="GPKG",
                append=position > 0,
            )
    follow_umask(Path(path))  # SQLite creates its files 0644 whatever the umask


def _layer(table: pd.DataFrame, properties: tuple[str, ...]) -> gpd.GeoDataFrame:
    if not isinstance(table, gpd.GeoDataFrame):
        table = points(table)
    frame = table.reset_index()
    geometry = frame.geometry.name
    declared = [c for c in properties if c in frame.columns]
    rest = [
        c
        for c in frame.columns
        if c not in declared and c not in ("lat", "lon", geometry)
    ]
    return gpd.GeoDataFrame(
        frame[[*declared, *rest]], geometry=frame.geometry, crs=frame.crs
    )


def _writable(layer: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """A copy with infinite numbers as NaN (written as null), see the docstring."""
    layer = layer.copy()
    for column in layer.columns:
        values = layer[column]
        if values.dtype.kind == "f" and np.isinf(values.to_numpy()).any():
            layer[column] = values.where(np.isfinite(values.to_numpy()))
    return layer


@contextmanager
def _gdal_option(name: str, value: str) -> Iterator[None]:
    """Set a GDAL configuration option for the block, then restore it."""
    import pyogrio

    before = pyogrio.get_gdal_config_option(name)
    pyogrio.set_gdal_config_options({name: value})
    try:
        yield
    finally:
        pyogrio.set_gdal_config_options({name: before})
