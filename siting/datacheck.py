"""Audit a dataset: schema, ranges, ids, provenance and coordinates.

:func:`check_dataset` goes beyond what loading needs: every value must be traced to a
source id of ``sources.csv`` or flagged ``assumption: <reason>``, and every coordinate
must lie inside its own country's outline (``countries.geojson``) or within
``tolerance_km`` of it. It collects every problem instead of stopping at the first.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from siting.data import SCHEMAS, TABLE_FILES, load_dataset
from siting.geo import distance_matrix_km
from siting.outlines import OUTLINES_FILE, placement_problems, read_outlines

#: Tables whose rows carry coordinates, and the column naming their country.
LOCATED_TABLES = ("candidates", "hubs", "backbone_nodes", "climate", "grid_assets")
ASSUMPTION = "assumption:"
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


def check_dataset(directory: Path, *, tolerance_km: float = 10.0) -> CheckReport:
    """Check every table of the dataset in ``directory``.

    Raises
    ------
    InputError
        If a table cannot be loaded at all (missing file, column or bad value); the
        finer checks are reported in the returned :class:`CheckReport`.
    """
    directory = Path(directory)
    dataset = load_dataset(directory, check_placement=False)
    report = CheckReport()
    source_ids = set(dataset.sources.index)
    for name, file in TABLE_FILES.items():
        table = getattr(dataset, name)
        report.rows[name] = len(table)
        if name == "sources":
            _check_sources(table, directory / file, report)
            continue
        raw = pd.read_csv(directory / file, dtype=str, keep_default_na=False)
        _check_provenance(raw, name, directory / file, source_ids, report)
    outlines = read_outlines(directory / OUTLINES_FILE)
    for name in LOCATED_TABLES:
        report.problems.extend(
            placement_problems(
                getattr(dataset, name),
                outlines,
                directory / TABLE_FILES[name],
                tolerance_km=tolerance_km,
            )
        )
    _check_climate_coverage(dataset.candidates, dataset.climate, directory, report)
    report.countries = sorted(set(dataset.candidates["country"]))
    return report


def provenance_columns(columns: list[str], name: str) -> dict[str, str]:
    """Map each value column of table ``name`` to the column holding its source.

    A row-level ``source`` column covers every value; otherwise each value column needs
    its own ``<column>_source``. Columns with no source column map to "".
    """
    values = [
        c for c, kind in SCHEMAS[name].items() if kind not in ("id", "country_id")
    ]
    values = [c for c in values if c not in ("name", "country")]
    if "source" in columns:
        return dict.fromkeys(values, "source")
    return {c: f"{c}_source" if f"{c}_source" in columns else "" for c in values}


def _check_provenance(
    raw: pd.DataFrame, name: str, path: Path, source_ids: set[str], report: CheckReport
) -> None:
    mapping = provenance_columns(list(raw.columns), name)
    flagged = 0
    for value_column, source_column in mapping.items():
        if not source_column:
            report.problems.append(
                f"{path}: field '{value_column}': no source column; add 'source' or "
                f"'{value_column}_source'"
            )
    for source_column in sorted(set(mapping.values()) - {""}):
        for row, cell in enumerate(raw[source_column], start=2):
            cell = cell.strip()
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
    directory: Path,
    report: CheckReport,
) -> None:
    distance = distance_matrix_km(
        candidates["lat"], candidates["lon"], climate["lat"], climate["lon"]
    ).min(axis=1)
    for site_id, km in zip(candidates.index, distance, strict=True):
        if km > MAX_STATION_KM:
            report.problems.append(
                f"{directory / TABLE_FILES['candidates']}: site '{site_id}': nearest "
                f"climate station is {km:.0f} km away (limit {MAX_STATION_KM:g} km); "
                "add a station to climate.csv"
            )


def summary_lines(report: CheckReport) -> list[str]:
    """Human-readable summary of a report, one line per table and a verdict."""
    lines = []
    for name, count in report.rows.items():
        flagged = report.assumptions.get(name, 0)
        lines.append(f"{name:<15} {count:>5} rows, {flagged:>4} assumption(s)")
    lines.append(
        f"candidate countries: {len(report.countries)} ({' '.join(report.countries)})"
    )
    verdict = "OK" if report.ok else f"{len(report.problems)} problem(s)"
    lines.append(f"result: {verdict}")
    return lines
