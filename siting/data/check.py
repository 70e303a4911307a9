"""Audit a dataset: schema, ranges, ids, provenance and coordinates.

:func:`check_dataset` goes beyond what loading needs: every value must be traced to a
source id of ``sources.csv`` or flagged ``assumption: <reason>``, and every coordinate
must lie inside its own country's outline (``countries.geojson``) or within
``tolerance_km`` of it. It collects every problem instead of stopping at the first.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from siting.data.dataset import data_dir, load_dataset, table_paths
from siting.data.formats import read_raw
from siting.data.outlines import OUTLINES_FILE, placement_problems, read_outlines
from siting.data.tables import (
    CANDIDATE_KINDS,
    MEASUREMENTS_FILE,
    OPTIONAL,
    SCHEMAS,
    read_table,
)
from siting.data.zones import ZONE_OUTLINES_FILE
from siting.geo import distance_matrix_km

#: Tables whose rows carry coordinates, and the column naming their country.
LOCATED_TABLES = (
    "candidates",
    "hubs",
    "backbone_nodes",
    "climate",
    "power_plants",
    "substations",
)
ASSUMPTION = "assumption:"
#: Source columns that cover several value columns of a table.
SHARED_SOURCES = {"grid_regions": {"area_source": ("lat", "lon", "radius_km")}}
#: Farthest a candidate may be from its climate station, km.
MAX_STATION_KM = 150.0


@dataclass
class CheckReport:
    """What :func:`check_dataset` found.

    Attributes
    ----------
    problems
        One line per problem, naming file, row and field.
    rows
        Number of rows of each table.
    assumptions
        Number of cells flagged ``assumption`` in each table.
    countries
        Member states with at least one candidate.
    """

    problems: list[str] = field(default_factory=list)
    rows: dict[str, int] = field(default_factory=dict)
    assumptions: dict[str, int] = field(default_factory=dict)
    countries: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when no problem was found."""
        return not self.problems


def check_dataset(
    directory: Path | None = None,
    *,
    candidates: Path | None = None,
    hubs: Path | None = None,
    tolerance_km: float,
) -> CheckReport:
    """Check every table of the dataset in ``directory`` (the packaged default if
    None), with a user's own candidates and hubs files in their place.

    ``tolerance_km`` is how far outside its country's outline a point may lie (km).

    Raises
    ------
    InputError
        If a table cannot be loaded at all (missing file, column or bad value); the
        finer checks are reported in the returned :class:`CheckReport`.
    """
    directory = Path(directory) if directory is not None else data_dir()
    paths = table_paths(directory, candidates=candidates, hubs=hubs)
    dataset = load_dataset(
        directory, candidates=candidates, hubs=hubs, tolerance_km=None
    )
    report = CheckReport()
    source_ids = set(dataset.sources.index)
    for name, path in paths.items():
        table = getattr(dataset, name)
        report.rows[name] = len(table)
        if name == "sources":
            _check_sources(table, path, report)
            continue
        raw = read_raw(path, layer=name)
        _check_provenance(raw, name, path, source_ids, report)
    measurements = directory / MEASUREMENTS_FILE
    if measurements.is_file():
        table = read_table(measurements, "latency_measurements")
        report.rows["latency_measurements"] = len(table)
        raw = read_raw(measurements)
        _check_provenance(raw, "latency_measurements", measurements, source_ids, report)
    _check_zone_outline_sources(directory / ZONE_OUTLINES_FILE, source_ids, report)
    outlines = read_outlines(directory / OUTLINES_FILE)
    for name in LOCATED_TABLES:
        report.problems.extend(
            placement_problems(
                getattr(dataset, name), outlines, paths[name], tolerance_km=tolerance_km
            )
        )
    _check_climate_coverage(
        dataset.candidates, dataset.climate, paths["candidates"], report
    )
    _check_kinds(dataset.candidates, paths["candidates"], report)
    report.countries = sorted(set(dataset.candidates["country"]))
    return report


def provenance_columns(columns: list[str], name: str) -> dict[str, str]:
    """Map each value column of table ``name`` to the column holding its source.

    The value columns are those of the schema and the optional ones present (a
    table's other columns are the user's own and need no source). A row-level
    ``source`` column covers every value; otherwise each value column needs its own
    ``<column>_source``. Columns with no source column map to "".
    """
    declared = {
        **SCHEMAS[name],
        **{c: k for c, k in OPTIONAL.get(name, {}).items() if c in columns},
    }
    values = [
        c
        for c, kind in declared.items()
        if kind not in ("id", "country_id")
        and c not in ("name", "country", "countries")
    ]
    if "source" in columns:
        return dict.fromkeys(values, "source")
    shared = {
        c: src for src, group in SHARED_SOURCES.get(name, {}).items() for c in group
    }
    return {
        c: shared.get(c) or (f"{c}_source" if f"{c}_source" in columns else "")
        for c in values
    }


def _check_provenance(
    raw: pd.DataFrame, name: str, path: Path, source_ids: set[str], report: CheckReport
) -> None:
    mapping = provenance_columns(list(raw.columns), name)
    # a value column outside the schema (hubs' researchers) brings its own source column
    mapping |= {c: c for c in raw.columns if c.endswith("_source")}
    flagged = 0
    for value_column, source_column in mapping.items():
        if not source_column:
            report.problems.append(
                f"{path}: field '{value_column}': no source column; add 'source' or "
                f"'{value_column}_source'"
            )
    for source_column in sorted(set(mapping.values()) - {""}):
        covered = [v for v, src in mapping.items() if src == source_column]
        blank = (raw[covered].apply(lambda c: c.str.strip()) == "").all(axis=1)
        for row, (cell, skip) in enumerate(
            zip(raw[source_column], blank, strict=True), start=2
        ):
            cell = cell.strip()
            if skip and not cell:
                continue  # no value, so no source is owed
            if cell.startswith(ASSUMPTION):
                flagged += 1
                if not cell[len(ASSUMPTION) :].strip():
                    report.problems.append(
                        f"{path}: row {row}: field '{source_column}': an assumption "
                        "needs its one-line reason after 'assumption:'"
                    )
                continue
            ids = [part.strip() for part in cell.split(";") if part.strip()]
            if not ids:
                report.problems.append(
                    f"{path}: row {row}: field '{source_column}': empty; give a source "
                    "id of sources.csv or 'assumption: <reason>'"
                )
            for source_id in ids:
                if source_id not in source_ids:
                    report.problems.append(
                        f"{path}: row {row}: field '{source_column}': source id "
                        f"'{source_id}' is not in sources.csv; add it there"
                    )
    report.assumptions[name] = flagged


def _check_zone_outline_sources(
    path: Path, source_ids: set[str], report: CheckReport
) -> None:
    """Every zone outline names the source ids of its geometry (``source``)."""
    if not path.is_file():
        return  # loading has already refused a dataset that needs it
    for feature in json.loads(path.read_text(encoding="utf-8"))["features"]:
        zone = feature["properties"].get("zone", "?")
        ids = [
            s.strip() for s in str(feature["properties"].get("source", "")).split(";")
        ]
        unknown = [s for s in ids if s not in source_ids]
        if unknown:
            report.problems.append(
                f"{path}: zone {zone}: property 'source': {unknown} not in "
                "sources.csv; name the outline's source id"
            )


def _check_sources(sources: pd.DataFrame, path: Path, report: CheckReport) -> None:
    for column in ("title", "publisher", "year", "address", "licence"):
        if column not in sources.columns:
            report.problems.append(f"{path}: missing column '{column}'")
            continue
        empty = sources.index[sources[column].astype(str).str.strip() == ""]
        for source_id in empty:
            report.problems.append(
                f"{path}: source '{source_id}': field '{column}' is empty; fill it in"
            )


def _check_climate_coverage(
    candidates: pd.DataFrame,
    climate: pd.DataFrame,
    path: Path,
    report: CheckReport,
) -> None:
    distance = distance_matrix_km(
        candidates["lat"], candidates["lon"], climate["lat"], climate["lon"]
    ).min(axis=1)
    for site_id, km in zip(candidates.index, distance, strict=True):
        if km > MAX_STATION_KM:
            report.problems.append(
                f"{path}: site '{site_id}': nearest "
                f"climate station is {km:.0f} km away (limit {MAX_STATION_KM:g} km); "
                "add a station to climate.csv"
            )


def _check_kinds(candidates: pd.DataFrame, path: Path, report: CheckReport) -> None:
    if "kind" not in candidates.columns:
        return
    for site_id, kind in candidates["kind"].items():
        if kind not in CANDIDATE_KINDS:
            report.problems.append(
                f"{path}: site '{site_id}': field 'kind': {kind!r} is not one of "
                f"{', '.join(CANDIDATE_KINDS)}"
            )
    bids = candidates[candidates["kind"] == "aigf_bid"]
    if "consortium" in candidates.columns:
        for site_id in bids.index[bids["consortium"].astype(str).str.strip() == ""]:
            report.problems.append(
                f"{path}: site '{site_id}': field 'consortium': empty for a bid site; "
                "name who bids"
            )


def summary_lines(report: CheckReport) -> list[str]:
    """Human-readable summary of a report, one line per table and a verdict."""
    lines = []
    for name, count in report.rows.items():
        flagged = report.assumptions.get(name, 0)
        lines.append(f"{name:<20} {count:>5} rows, {flagged:>4} assumption(s)")
    lines.append(
        f"candidate countries: {len(report.countries)} ({' '.join(report.countries)})"
    )
    verdict = "OK" if report.ok else f"{len(report.problems)} problem(s)"
    lines.append(f"result: {verdict}")
    return lines
