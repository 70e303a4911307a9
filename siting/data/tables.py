"""Read one data table and check it against its schema.

The schemas name each table's required columns and their kinds (:data:`SCHEMAS`), and
the columns it may have (:data:`OPTIONAL`); :func:`read_table` reads the file in any
format :func:`siting.data.formats.read_raw` knows, converts the columns, collects
every bad cell of a file and raises one :class:`~siting.errors.InputError` naming
file, row and field. Every other column is kept: in a user's candidates and hubs as
numbers when every filled cell is one, else as text.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from siting.data.formats import read_raw
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
    "power_plants": "power_plants.csv",
    "closed_plants": "closed_plants.csv",
    "substations": "substations.csv",
    "grid_regions": "grid_regions.csv",
    "bidding_zones": "bidding_zones.csv",
    "carbon_intensity": "carbon_intensity.csv",
    "ppa_prices": "ppa_prices.csv",
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
        "renewable_share": "fraction",
        "water_stress": "nonnegative",
        "researchers_fte": "nonnegative",
        "capex_eur_per_mw_it": "positive",
        "transmission_eur_per_mwh": "nonnegative",
        "levies_eur_per_mwh": "nonnegative",
        "taxes_eur_per_mwh": "nonnegative",
    },
    "candidates": {
        "site_id": "id",
        "name": "str",
        "country": "country",
        "lat": "lat",
        "lon": "lon",
    },
    "hubs": {
        "hub_id": "id",
        "name": "str",
        "country": "country",
        "lat": "lat",
        "lon": "lon",
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
    "power_plants": {
        "asset_id": "id",
        "name": "str",
        "country": "str",
        "lat": "lat",
        "lon": "lon",
        "fuel": "str",
        "capacity_mw": "positive",
    },
    "closed_plants": {
        "asset_id": "id",
        "name": "str",
        "country": "str",
        "capacity_mw": "positive",
    },
    "substations": {
        "substation_id": "id",
        "country": "str",
        "lat": "lat",
        "lon": "lon",
        "voltage_kv": "positive",
    },
    "grid_regions": {
        "region_id": "id",
        "name": "str",
        "country": "country",
    },
    "bidding_zones": {
        "zone": "id",
        "country": "country",
        "countries": "str",
        "name": "str",
        "wholesale_eur_per_mwh": "positive",
    },
    "carbon_intensity": {
        "area": "id",
        "country": "country",
        "carbon_g_per_kwh": "nonnegative",
    },
    "ppa_prices": {
        "country": "str",
        "technology": "str",
        "price_eur_per_mwh": "positive",
    },
}

#: Kinds of candidate site, strongest first (docs/data.md). ``city`` rows are town-
#: centre placeholders, excluded unless the scenario sets ``selection.include_cities``.
CANDIDATE_KINDS = (
    "aigf_bid",
    "eurohpc_supercomputer",
    "eurohpc_ai_factory",
    "dc_campus",
    "brownfield_power_site",
    "industrial_site",
    "city",
)

#: Columns a table may have, checked like :data:`SCHEMAS` when present; "text" and an
#: ``optional_`` kind may be blank. A hub's weight is ``researchers`` (FTE) as given,
#: else its ``population`` (see :func:`siting.data.dataset.researcher_weights`).
OPTIONAL: dict[str, dict[str, str]] = {
    "countries": {"land_eur_per_ha": "optional_nonnegative"},
    "candidates": {"kind": "text", "announced_mw": "optional_positive"},
    "hubs": {"researchers": "nonnegative", "population": "positive"},
    "closed_plants": {"closed_year": "optional_year"},
    "bidding_zones": {"wholesale_2024_eur_per_mwh": "optional_positive"},
    "grid_regions": {
        "lat": "optional_lat",
        "lon": "optional_lon",
        "radius_km": "optional_positive",
        "connection_years": "optional_nonnegative",
        "reinforcement_years": "optional_nonnegative",
        "capacity_factor": "optional_fraction",
    },
}

#: Groups of optional columns of which a table needs at least one.
ONE_OF: dict[str, tuple[str, ...]] = {"hubs": ("researchers", "population")}
#: Optional text columns filled with "" when absent, so later stages may rely on them.
FILLED = {"candidates": ("kind",)}
#: Tables whose other columns (a user's own) are read as numbers where each filled
#: cell is one; the other tables keep such columns as text.
TYPED_EXTRAS = ("candidates", "hubs")

#: Eurostat geo codes that are not ISO 3166-1 alpha-2.
EUROSTAT_TO_ISO = {"EL": "GR", "UK": "GB"}


def read_table(path: Path, name: str) -> pd.DataFrame:
    """Read one table and check it against its schema.

    Parameters
    ----------
    path
        A CSV, or any vector file GDAL reads (:func:`siting.data.formats.read_raw`;
        a GeoPackage of several layers is read at the layer called ``name``).
    name
        The table, a key of :data:`SCHEMAS`.

    Returns
    -------
    The table indexed by its id column (the first column of its schema with kind
    ``id`` or ``country_id``): schema and optional columns converted to their kinds
    (numbers as float64), every other column kept (in :data:`TYPED_EXTRAS` as
    float64 when each filled cell is a number, else as text).
    """
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: file not found; it should hold the '{name}' table")
    frame = read_raw(path, layer=name)
    if frame.empty:
        raise InputError(f"{path}: no rows; the '{name}' table needs at least one")
    schema = SCHEMAS[name]
    missing = [column for column in schema if column not in frame.columns]
    if missing:
        raise InputError(
            f"{path}: missing column(s) {', '.join(missing)}; the '{name}' table needs "
            f"{', '.join(schema)} (see docs/data.md)"
        )
    group = ONE_OF.get(name, ())
    if group and not any(column in frame.columns for column in group):
        raise InputError(
            f"{path}: missing column: the '{name}' table needs one of "
            f"{' or '.join(group)} (see docs/data.md)"
        )
    if "country" in frame.columns:
        frame["country"] = frame["country"].replace(EUROSTAT_TO_ISO)
    for column in FILLED.get(name, ()):
        if column not in frame.columns:
            frame[column] = ""
    checked = {
        **schema,
        **{c: k for c, k in OPTIONAL.get(name, {}).items() if c in frame.columns},
    }
    problems: list[str] = []
    for column, kind in checked.items():
        frame[column] = _check_column(frame[column], kind, path, column, problems)
    if problems:
        shown = problems[:20]
        more = len(problems) - len(shown)
        tail = f"\n... and {more} more" if more else ""
        raise InputError("\n".join(shown) + tail)
    if name in TYPED_EXTRAS:
        for column in frame.columns.difference(list(checked)):
            frame[column] = _number_or_text(frame[column])
    id_column = next(
        (c for c, kind in schema.items() if kind in ("id", "country_id")), None
    )
    return frame.set_index(id_column) if id_column else frame


def _number_or_text(values: pd.Series) -> pd.Series:
    """A column of a table's own: float64 when every filled cell is a finite number
    (empty cells NaN), else the text as given."""
    text = values.astype(str).str.strip()
    filled = text != ""
    numbers = pd.to_numeric(text.where(filled), errors="coerce").astype("float64")
    finite = np.isfinite(numbers.to_numpy())
    if filled.any() and bool((finite | ~filled.to_numpy()).all()):
        return numbers
    return values


_RANGES = {
    "lat": (-90.0, 90.0),
    "lon": (-180.0, 180.0),
    "fraction": (0.0, 1.0),
    "temperature": (-60.0, 60.0),
    "year": (1900.0, 2100.0),
    "positive": (0.0, np.inf),
    "nonnegative": (0.0, np.inf),
}
#: Plausible ranges of single columns, which catch absurd values and wrong units.
_COLUMN_RANGES = {
    "price_eur_per_mwh": (0.0, 1000.0),
    "carbon_g_per_kwh": (0.0, 1500.0),
    "water_stress": (0.0, 5.0),
    "researchers_fte": (0.0, 2e6),
    "researchers": (0.0, 2e6),
    "population": (0.0, 2e7),
    "capacity_mw": (0.0, 2e4),
    "voltage_kv": (100.0, 1000.0),
    "connection_years": (0.0, 30.0),
    "reinforcement_years": (0.0, 30.0),
    "radius_km": (0.0, 2000.0),
    "capex_eur_per_mw_it": (1e6, 5e7),
    "land_eur_per_ha": (0.0, 1e8),
    "announced_mw": (0.0, 1e4),
    "wholesale_eur_per_mwh": (0.0, 1000.0),
    "wholesale_2024_eur_per_mwh": (0.0, 1000.0),
    "transmission_eur_per_mwh": (0.0, 200.0),
    "levies_eur_per_mwh": (0.0, 500.0),
    "taxes_eur_per_mwh": (0.0, 500.0),
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

    if kind == "text":
        return text
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
    blank_allowed = kind.startswith("optional_")
    kind = kind.removeprefix("optional_")
    numbers = pd.to_numeric(text, errors="coerce").astype("float64")
    finite = pd.Series(np.isfinite(numbers.to_numpy()), index=numbers.index)
    missing = text == "" if blank_allowed else pd.Series(False, index=text.index)
    bad(~finite & ~missing, "not a finite number; write a plain decimal number")
    low, high = _COLUMN_RANGES.get(column, _RANGES[kind])
    if kind == "positive":
        out_of_range = finite & ((numbers <= low) | (numbers > high))
        limit = f"at most {high:g}" if np.isfinite(high) else ""
        bad(out_of_range, f"must be greater than {low:g} {limit}".strip())
    else:
        out_of_range = finite & ((numbers < low) | (numbers > high))
        bad(out_of_range, f"must lie between {low:g} and {high:g}")
    return numbers
