"""Load a whole dataset into typed, validated DataFrames.

The packaged default data lives in ``data/`` at the repository root and is installed as
``siting/_data``; :func:`data_dir` finds whichever is present. Every table is described
in ``docs/data.md``. Loading checks what the pipeline needs to run (columns, types,
unique ids, references between tables) and collects every problem in a file before
raising one :class:`~siting.errors.InputError`.

Candidates and hubs are GeoDataFrames of points in EPSG:4326 (WGS84 lon/lat) that keep
``lat`` and ``lon`` as columns too, with every column of the user's file.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from siting.data.outlines import OUTLINES_FILE, placement_problems, read_outlines
from siting.data.tables import TABLE_FILES, read_table
from siting.data.zones import ZONE_OUTLINES_FILE, assign_zones, read_zone_outlines
from siting.errors import InputError

logger = logging.getLogger(__name__)
#: Coordinate reference system of every point table: WGS84 longitude, latitude.
CRS = "EPSG:4326"


#: Tables whose ``country`` must be a member state of ``countries.csv`` (the backbone
#: reaches beyond the EU; every other located table describes EU facts).
MEMBER_STATE_TABLES = (
    "candidates",
    "hubs",
    "power_plants",
    "substations",
    "grid_regions",
    "bidding_zones",
    "carbon_intensity",
)


@dataclass(frozen=True)
class Dataset:
    """All tables of one dataset, each a DataFrame indexed by its id column.

    ``candidates`` and ``hubs`` are GeoDataFrames of points (:data:`CRS`); ``hubs``
    carries ``researchers`` (FTE), given or derived (:func:`researcher_weights`).
    ``notes`` says how the data was read where a user may not expect it (hub weights
    apportioned by population).
    """

    sources: pd.DataFrame
    countries: pd.DataFrame
    candidates: pd.DataFrame
    hubs: pd.DataFrame
    backbone_nodes: pd.DataFrame
    backbone_links: pd.DataFrame
    climate: pd.DataFrame
    power_plants: pd.DataFrame
    closed_plants: pd.DataFrame
    substations: pd.DataFrame
    grid_regions: pd.DataFrame
    bidding_zones: pd.DataFrame
    carbon_intensity: pd.DataFrame
    ppa_prices: pd.DataFrame
    files: tuple[Path, ...]
    notes: tuple[str, ...] = ()

    @property
    def sha256(self) -> str:
        """SHA-256 over the names and bytes of every file read, in name order."""
        return files_sha256(self.files)


def data_dir() -> Path:
    """Return the folder of the packaged default data.

    An installed wheel carries it as ``siting/_data``; a source checkout (or an editable
    install) reads ``data/`` at the repository root.
    """
    package = Path(__file__).resolve().parents[1]
    packaged = package / "_data"
    if packaged.is_dir():
        return packaged
    return package.parent / "data"


def table_paths(
    directory: Path | None = None,
    *,
    candidates: Path | None = None,
    hubs: Path | None = None,
) -> dict[str, Path]:
    """The file of each table of :data:`TABLE_FILES`: ``directory`` (the packaged
    default if None), with a user's own candidates and hubs files in their place."""
    directory = Path(directory) if directory is not None else data_dir()
    paths = {name: directory / file for name, file in TABLE_FILES.items()}
    if candidates is not None:
        paths["candidates"] = Path(candidates)
    if hubs is not None:
        paths["hubs"] = Path(hubs)
    return paths


def load_dataset(
    directory: Path | None = None,
    *,
    candidates: Path | None = None,
    hubs: Path | None = None,
    tolerance_km: float | None,
) -> Dataset:
    """Load and validate every table of a dataset.

    Parameters
    ----------
    directory
        Folder holding the tables of ``TABLE_FILES``; the packaged default if omitted.
    candidates, hubs
        A user's own candidate sites or research hubs (CSV with lat/lon, or any
        vector file GDAL reads: GeoJSON, GeoPackage, zipped Shapefile), replacing the
        tables of ``directory``.
    tolerance_km
        Refuse candidates and hubs that lie more than this outside their country's
        outline (km; the scenario's ``data.placement_tolerance_km``); None skips the
        check (``siting data check`` reports every placement problem itself).

    Raises
    ------
    InputError
        If a file is missing or a table breaks its schema; the message lists every
        problem found, each with file, row and field.
    """
    directory = Path(directory) if directory is not None else data_dir()
    paths = table_paths(directory, candidates=candidates, hubs=hubs)
    tables = {name: read_table(path, name) for name, path in paths.items()}
    outlines_path = directory / OUTLINES_FILE
    outlines = read_outlines(outlines_path)

    problems: list[str] = []
    countries = tables["countries"]
    for name in MEMBER_STATE_TABLES:
        unknown = sorted(set(tables[name]["country"]) - set(countries.index))
        if unknown:
            problems.append(
                f"{paths[name]}: field 'country': unknown country code(s) "
                f"{', '.join(unknown)}; use ISO 3166-1 alpha-2 codes of countries.csv"
            )
        elif tolerance_km is not None and name in ("candidates", "hubs"):
            problems.extend(
                placement_problems(
                    tables[name], outlines, paths[name], tolerance_km=tolerance_km
                )
            )
    links, nodes = tables["backbone_links"], tables["backbone_nodes"]
    pairs = pd.Series(
        [tuple(sorted(p)) for p in zip(links["a"], links["b"], strict=True)]
    )
    for row in np.flatnonzero(pairs.duplicated().to_numpy()):
        a, b = pairs.iloc[row]
        problems.append(
            f"{paths['backbone_links']}: row {row + 2}: fields 'a'/'b': link {a}-{b} "
            "is listed twice; keep one row per link"
        )
    for end in ("a", "b"):
        missing = sorted(set(links[end]) - set(nodes.index))
        if missing:
            problems.append(
                f"{paths['backbone_links']}: field '{end}': node id(s) "
                f"{', '.join(missing)} not in {paths['backbone_nodes'].name}"
            )
    if problems:
        raise InputError("\n".join(problems))

    zones_path = directory / ZONE_OUTLINES_FILE
    candidates_frame = tables["candidates"].copy()
    candidates_frame["bidding_zone"] = assign_zones(
        candidates_frame,
        tables["bidding_zones"],
        read_zone_outlines(zones_path),
        tolerance_km=tolerance_km if tolerance_km is not None else np.inf,
        path=paths["candidates"],
    )
    hubs_frame = tables["hubs"].copy()
    notes: list[str] = []
    if "researchers" not in hubs_frame.columns:
        hubs_frame["researchers"] = researcher_weights(hubs_frame, countries)
        notes.append(
            f"{paths['hubs']}: no 'researchers' column, so each country's "
            f"researchers_fte ({paths['countries'].name}) was shared among its hubs "
            "by population; add a 'researchers' column (FTE) to use your own figures."
        )
    for note in notes:
        logger.info(note)
    return Dataset(
        sources=tables["sources"],
        countries=countries,
        candidates=points(candidates_frame),
        hubs=points(hubs_frame),
        backbone_nodes=nodes,
        backbone_links=links,
        climate=tables["climate"],
        power_plants=tables["power_plants"],
        closed_plants=tables["closed_plants"],
        substations=tables["substations"],
        grid_regions=tables["grid_regions"],
        bidding_zones=tables["bidding_zones"],
        carbon_intensity=tables["carbon_intensity"],
        ppa_prices=tables["ppa_prices"],
        files=tuple(sorted([*paths.values(), outlines_path, zones_path])),
        notes=tuple(notes),
    )


def points(table: pd.DataFrame) -> gpd.GeoDataFrame:
    """``table`` (with ``lon`` and ``lat`` in degrees) as a GeoDataFrame of points in
    :data:`CRS`, its index and columns unchanged."""
    geometry = gpd.points_from_xy(table["lon"], table["lat"], crs=CRS)
    return gpd.GeoDataFrame(table, geometry=geometry, crs=CRS)


def researcher_weights(hubs: pd.DataFrame, countries: pd.DataFrame) -> pd.Series:
    """Researchers (FTE) at each hub.

    The hubs' own ``researchers`` column when the table has one: the packaged hubs
    carry regional research statistics apportioned to their universities and research
    centres (docs/data.md, "Researcher weight rule"). A table with only ``population``
    gets the national figure shared by population:
    ``researchers_j = researchers_fte[c] * population_j / sum(population of c's hubs)``.
    :func:`load_dataset` uses it only for a hubs table without a ``researchers``
    column; a given ``researchers`` column is used as it is.
    """
    if "researchers" in hubs.columns:
        return hubs["researchers"].astype("float64").rename("researchers")
    country_population = hubs.groupby("country")["population"].transform("sum")
    national = hubs["country"].map(countries["researchers_fte"])
    return (national * hubs["population"] / country_population).rename("researchers")


def files_sha256(paths: tuple[Path, ...] | list[Path]) -> str:
    """SHA-256 over the names and contents of ``paths``, in the order given."""
    digest = hashlib.sha256()
    for path in paths:
        digest.update(Path(path).name.encode())
        digest.update(b"\0")
        digest.update(Path(path).read_bytes())
    return digest.hexdigest()
