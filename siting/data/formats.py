"""Read a table from a file of any format a user is likely to have, as text.

- ``.csv``: UTF-8 CSV with a header row, points as ``lat`` and ``lon`` columns
  (WGS84 degrees), read with pandas so that every cell stays exactly as written;
- anything else: any vector format GDAL reads (GeoJSON, GeoPackage, a Shapefile or a
  zipped one, FlatGeobuf, KML, ...), read with pyogrio. Point geometries become the
  ``lon`` and ``lat`` columns: a layer in another coordinate reference system is
  reprojected to EPSG:4326 (WGS84), one without a CRS is taken to be in it. A file
  without geometries needs ``lat`` and ``lon`` attribute columns like a CSV.

:func:`read_raw` returns every column as text ("" for an empty cell), so that
:func:`siting.data.tables.read_table` checks every format by the same rules.
"""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd

from siting.errors import InputError

#: Decimals kept of coordinates reprojected to EPSG:4326 (1e-7 degree is about 1 cm).
REPROJECTED_DECIMALS = 7
#: The formats named in messages about a file that cannot be read.
FORMATS = "CSV with lat and lon columns, GeoJSON, GeoPackage or a zipped Shapefile"


def read_raw(path: Path, layer: str | None = None) -> pd.DataFrame:
    """Read a CSV, or a layer of any vector file GDAL reads, into a table of text.

    Parameters
    ----------
    path
        The file; ``.csv`` is read as CSV, any other suffix through GDAL.
    layer
        For a file of several layers (a GeoPackage), the layer to read; a file of one
        layer is read whatever its name.

    Returns
    -------
    DataFrame of strings, one row per feature, with ``lon`` and ``lat`` (degrees,
    EPSG:4326) taken from point geometries; no schema is checked.

    Raises
    ------
    InputError
        If the file cannot be read, has several layers and none is ``layer``, or holds
        a geometry other than a point.
    """
    path = Path(path)
    if path.suffix.lower() == ".csv":
        return _read_csv(path)
    return _read_vector(path, layer)


def _read_csv(path: Path) -> pd.DataFrame:
    try:
        return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(
            f"{path}: not UTF-8 text ({exc.reason}); save it as UTF-8"
        ) from None
    except pd.errors.ParserError as exc:
        raise InputError(f"{path}: not a valid CSV table ({exc})") from None
    except pd.errors.EmptyDataError:
        raise InputError(f"{path}: the file is empty; it needs a header row") from None


def _read_vector(path: Path, layer: str | None) -> pd.DataFrame:
    """One layer of a GDAL vector file, point geometries as lon/lat columns."""
    import pyogrio
    from pyogrio.errors import DataLayerError, DataSourceError

    try:
        layers = [str(name) for name, _kind in pyogrio.list_layers(path)]
        if len(layers) > 1 and layer not in layers:
            raise InputError(
                f"{path}: holds {len(layers)} layers ({', '.join(layers)}); name the "
                f"layer to read '{layer}' or keep one layer in the file"
            )
        chosen = layer if len(layers) > 1 else layers[0]
        frame = pyogrio.read_dataframe(path, layer=chosen)
    except (DataSourceError, DataLayerError, IndexError) as exc:
        table = f"for the '{layer}' table " if layer else ""
        raise InputError(
            f"{path}: not a vector data file GDAL can read ({exc}); {table}use "
            f"{FORMATS}"
        ) from None
    if "geometry" in frame.columns:
        frame = _points_as_columns(frame, path)
    return pd.DataFrame(
        {column: frame[column].map(_text) for column in frame.columns}, dtype=str
    )


def _points_as_columns(frame: pd.DataFrame, path: Path) -> pd.DataFrame:
    """Replace the geometry column by ``lon`` and ``lat`` in EPSG:4326 (degrees)."""
    import geopandas as gpd

    frame = gpd.GeoDataFrame(frame)
    geometry = frame.geometry
    kinds = geometry.geom_type.fillna("nothing")
    bad = [number for number, kind in enumerate(kinds, start=1) if kind != "Point"]
    if bad:
        shown = ", ".join(str(n) for n in bad[:5]) + (" ..." if len(bad) > 5 else "")
        raise InputError(
            f"{path}: feature(s) {shown}: field 'geometry': needs a Point with "
            f"[lon, lat] coordinates (got {kinds.iloc[bad[0] - 1]}); give each row "
            "one point"
        )
    if frame.crs is not None and frame.crs.to_epsg() != 4326:
        geometry = geometry.to_crs(4326)
        lon = geometry.x.round(REPROJECTED_DECIMALS)
        lat = geometry.y.round(REPROJECTED_DECIMALS)
    else:
        lon, lat = geometry.x, geometry.y
    table = pd.DataFrame(frame.drop(columns=frame.geometry.name))
    table["lon"], table["lat"] = lon.to_numpy(), lat.to_numpy()
    return table


def _text(value: object) -> str:
    """A cell as text: "" for a missing value, numbers as their shortest repr."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if value is pd.NaT or type(value).__name__ == "NAType":
        return ""
    return str(value)
