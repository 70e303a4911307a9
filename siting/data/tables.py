"""Read one data table (CSV or GeoJSON) and check it against its schema.

The schemas name each table's required columns and their kinds; :func:`read_table`
converts the columns, collects every bad cell of a file and raises one
:class:`~siting.errors.InputError` naming file, row and field.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from siting.errors import InputError

MONTHS = (
    "jan",
    "feb",
    "mar",
    "apr",
    "may",
    "jun",
    "jul",
    "aug",
    "sep",
    "oct",
    "nov",
    "dec",
)
MONTH_COLUMNS = tuple(f"t_{m}" for m in MONTHS)

#: Files that make up a dataset, by table name.
TABLE_FILES = {
    "sources": "sources.csv",
    "countries": "countries.csv",
    "candidates": "candidates.csv",
    "hubs": "hubs.csv",
    "backbone_nodes": "backbone_nodes.csv",
    "backbone_links": "backbone_links.csv",
    "climate": "climate.csv",
    "grid_assets": "grid_assets.csv",
}

#: The measured round-trip times (docs/data.md); not part of a dataset's
#: :data:`TABLE_FILES` (the optimiser does not read it), read by ``siting latency``.
MEASUREMENTS_FILE = "latency_measurements.csv"

#: Required columns and their kind: "id", "str", "float", "country", "lat", "lon".
SCHEMAS: dict[str, dict[str, str]] = {
    "sources": {"id": "id", "title": "str", "publisher": "str", "year": "str"},
    "countries": {
        "country": "country_id",
        "name": "str",
        "price_eur_per_mwh": "positive",
        "carbon_g_per_kwh": "nonnegative",
        "renewable_share": "fraction",
        "water_stress": "nonnegative",
        "researchers_fte": "nonnegative",
    },
    "candidates": {
        "site_id": "id",
        "name": "str",
        "country": "country",
        "lat": "lat",
        "lon": "lon",
        "kind": "str",
    },
    "hubs": {
        "hub_id": "id",
        "name": "str",
        "country": "country",
        "lat": "lat",
        "lon": "lon",
        "population": "positive",
    },
    "backbone_nodes": {
        "node_id": "id",
        "name": "str",
        "country": "str",
        "lat": "lat",
        "lon": "lon",
        "kind": "str",
    },
    "backbone_links": {"a": "str", "b": "str"},
    "climate": {
        "station_id": "id",
        "name": "str",
        "country": "str",
        "lat": "lat",
        "lon": "lon",
        **dict.fromkeys(MONTH_COLUMNS, "temperature"),
    },
    "latency_measurements": {
        "pair_id": "id",
        "from_name": "str",
        "from_lat": "lat",
        "from_lon": "lon",
        "to_name": "str",
        "to_lat": "lat",
        "to_lon": "lon",
        "rtt_ms": "positive",
        "statistic": "str",
        "period": "str",
        "source_group": "str",
    },
    "grid_assets": {
        "asset_id": "id",
        "name": "str",
        "country": "str",
        "lat": "lat",
        "lon": "lon",
        "kind": "str",
        "capacity_mw": "positive",
    },
}

#: Columns a table may have, checked like the schema's when present.
OPTIONAL_COLUMNS: dict[str, dict[str, str]] = {
    "hubs": {"researchers": "nonnegative"},
}

#: Eurostat geo codes that are not ISO 3166-1 alpha-2.
EUROSTAT_TO_ISO = {"EL": "GR", "UK": "GB"}


def read_table(path: Path, name: str) -> pd.DataFrame:
    """Read one table (CSV, or GeoJSON for candidates and hubs) and check its schema.

    Returns the table indexed by its id column (the first column of its schema with kind
    ``id`` or ``country_id``), with numeric columns as float64.
    """
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: file not found; it should hold the '{name}' table")
    frame = read_raw(path)
    if frame.empty:
        raise InputError(f"{path}: no rows; the '{name}' table needs at least one")
    schema = SCHEMAS[name]
    missing = [column for column in schema if column not in frame.columns]
    if missing:
        raise InputError(
            f"{path}: missing column(s) {', '.join(missing)}; the '{name}' table needs "
            f"{', '.join(schema)} (see docs/data.md)"
        )
    if "country" in frame.columns:
        frame["country"] = frame["country"].replace(EUROSTAT_TO_ISO)
    problems: list[str] = []
    optional = OPTIONAL_COLUMNS.get(name, {})
    present = {c: kind for c, kind in optional.items() if c in frame.columns}
    for column, kind in {**schema, **present}.items():
        frame[column] = _check_column(frame[column], kind, path, column, problems)
    if problems:
        shown = problems[:20]
        more = len(problems) - len(shown)
        tail = f"\n... and {more} more" if more else ""
        raise InputError("\n".join(shown) + tail)
    id_column = next(
        (c for c, kind in schema.items() if kind in ("id", "country_id")), None
    )
    return frame.set_index(id_column) if id_column else frame


def read_raw(path: Path) -> pd.DataFrame:
    """Read a CSV or a GeoJSON FeatureCollection of points into a DataFrame of
    strings (lon/lat become columns), with no schema check."""
    try:
        if path.suffix.lower() in (".geojson", ".json"):
            return _read_point_geojson(path)
        return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(
            f"{path}: not UTF-8 text ({exc.reason}); save it as UTF-8"
        ) from None
    except pd.errors.ParserError as exc:
        raise InputError(f"{path}: not a valid CSV table ({exc})") from None
    except pd.errors.EmptyDataError:
        raise InputError(f"{path}: the file is empty; it needs a header row") from None


def _read_point_geojson(path: Path) -> pd.DataFrame:
    """Read a GeoJSON FeatureCollection of Points; lon/lat become columns."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise InputError(
            f"{path}: not valid JSON ({exc.msg} at line {exc.lineno})"
        ) from None
    features = document.get("features") if isinstance(document, dict) else None
    if not isinstance(features, list):
        raise InputError(
            f"{path}: not a GeoJSON FeatureCollection (no 'features' list)"
        )
    rows = []
    for number, feature in enumerate(features, start=1):
        geometry = (feature or {}).get("geometry") or {}
        coords = geometry.get("coordinates")
        if (
            geometry.get("type") != "Point"
            or not isinstance(coords, list)
            or len(coords) < 2
        ):
            raise InputError(
                f"{path}: feature {number}: field 'geometry': needs a Point with "
                "[lon, lat] coordinates"
            )
        properties = dict(feature.get("properties") or {})
        properties["lon"], properties["lat"] = coords[0], coords[1]
        rows.append({k: "" if v is None else str(v) for k, v in properties.items()})
    return pd.DataFrame(rows, dtype=str)


_RANGES = {
    "lat": (-90.0, 90.0),
    "lon": (-180.0, 180.0),
    "fraction": (0.0, 1.0),
    "temperature": (-60.0, 60.0),
    "positive": (0.0, np.inf),
    "nonnegative": (0.0, np.inf),
}
#: Plausible ranges of single columns, which catch absurd values and wrong units.
_COLUMN_RANGES = {
    "price_eur_per_mwh": (0.0, 1000.0),
    "carbon_g_per_kwh": (0.0, 1500.0),
    "water_stress": (0.0, 5.0),
    "researchers_fte": (0.0, 2e6),
    "population": (0.0, 2e7),
    "capacity_mw": (0.0, 2e4),
    "rtt_ms": (0.0, 1000.0),
}


def _check_column(
    values: pd.Series, kind: str, path: Path, column: str, problems: list[str]
) -> pd.Series:
    """Convert one column to its kind, appending a message for every bad cell."""
    text = values.astype(str).str.strip()

    def bad(mask: pd.Series, what: str) -> None:
        for row in np.flatnonzero(mask.to_numpy())[:5]:
            problems.append(
                f"{path}: row {row + 2}: field '{column}': {what} "
                f"(got {text.iloc[row]!r})"
            )

    if kind in ("id", "country_id", "str", "country"):
        bad(text == "", "empty; fill it in")
        if kind in ("id", "country_id"):
            bad(text.duplicated() & (text != ""), "duplicate id; ids must be unique")
        if kind in ("country", "country_id"):
            bad(
                ~text.str.fullmatch(r"[A-Z]{2}") & (text != ""),
                "not an ISO alpha-2 code",
            )
        return text
    numbers = pd.to_numeric(text, errors="coerce").astype("float64")
    finite = pd.Series(np.isfinite(numbers.to_numpy()), index=numbers.index)
    bad(~finite, "not a finite number; write a plain decimal number")
    low, high = _COLUMN_RANGES.get(column, _RANGES[kind])
    if kind == "positive":
        out_of_range = finite & ((numbers <= low) | (numbers > high))
        limit = f"at most {high:g}" if np.isfinite(high) else ""
        bad(out_of_range, f"must be greater than {low:g} {limit}".strip())
    else:
        out_of_range = finite & ((numbers < low) | (numbers > high))
        bad(out_of_range, f"must lie between {low:g} and {high:g}")
    return numbers
