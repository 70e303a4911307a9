"""Write a run's outputs: ``result.json``, the GeoJSON layers, the report and the map.

``result.json``, ``sites.geojson``, ``hubs.geojson`` and ``links.geojson`` are written
here; ``report.md``/``report.html`` with their plots come from :mod:`siting.report` and
``map.html`` from :mod:`siting.webmap`.

Writes are atomic at the folder level: everything goes into a temporary folder beside
the target, which is renamed into place only when complete, so an interrupted run leaves
either the previous outputs or the new ones, never a mix or a half-written file.
"""

from __future__ import annotations

import ctypes
import json
import math
import os
import platform
import shutil
import tempfile
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from siting.errors import InputError
from siting.geo import haversine_km
from siting.pipeline import Result
from siting.problem import COST_PARTS

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
    "grid_headroom_mw",
    "grid_shortfall_mw",
    "grid_asset_km",
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

#: Fields of result.json that hold wall times: they differ from run to run, and
#: everything else in result.json is byte-identical for the same inputs.
TIMING_FIELDS = ("runtime_s", "timings_s")
#: Fields that depend on the solver: with a unique optimum, everything but these and
#: the timings is the same whichever solver ran.
SOLVER_FIELDS = ("solver", "bound", "gap")

PACKAGES = ("siting", "numpy", "pandas", "networkx", "pulp", "highspy", "pydantic")


def check_out_dir(out_dir: Path, *, force: bool) -> None:
    """Refuse an output folder that exists and is not empty, unless ``force``.

    Raises
    ------
    InputError
        If ``out_dir`` is a file, or a non-empty folder and ``force`` is false.
    """
    out_dir = Path(out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise InputError(
            f"{out_dir}: --out names a file, not a folder; choose a folder"
        )
    if out_dir.is_dir() and any(out_dir.iterdir()) and not force:
        raise InputError(
            f"{out_dir}: the output folder exists and is not empty; pass --force to "
            "replace it or choose another --out"
        )


def write_outputs(
    result: Result,
    out_dir: Path,
    *,
    force: bool = False,
    report: bool = True,
    online_tiles: bool = False,
) -> list[Path]:
    """Write every output of a run into ``out_dir`` atomically.

    Parameters
    ----------
    result
        The run from :func:`siting.optimise`.
    out_dir
        The output folder; with ``force`` an existing folder is replaced whole.
    report
        Also write ``report.md``, ``report.html`` with its PNG plots and ``map.html``.
    online_tiles
        Offer an online tile layer in ``map.html`` (unticked; off by default).

    Returns
    -------
    The paths written, in order.
    """
    from siting.analysis.explain import explain

    out_dir = Path(out_dir)
    check_out_dir(out_dir, force=force)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    explanations = explain(result)
    documents = {
        "result.json": result_document(result, explanations),
        "sites.geojson": sites_geojson(result.sites),
        "hubs.geojson": hubs_geojson(result.hubs, result.sites),
        "links.geojson": links_geojson(result.hubs, result.sites),
    }
    _remove_stale_staging(out_dir)
    staging = Path(
        tempfile.mkdtemp(
            prefix=f".{out_dir.name}.tmp-{os.getpid()}-", dir=out_dir.parent
        )
    )
    try:
        for name, document in documents.items():
            (staging / name).write_text(_dumps(document), encoding="utf-8")
        names = list(documents)
        if report:
            from siting.report import write_report
            from siting.webmap import write_map

            names += write_report(result, staging, explanations)
            names += write_map(result, staging, online_tiles=online_tiles)
        _replace_dir(staging, out_dir)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return [out_dir / name for name in names]


def result_document(
    result: Result, explanations: pd.DataFrame | None = None
) -> dict[str, Any]:
    """The content of ``result.json``; ``explanations`` is the table of
    :func:`siting.analysis.explain` (each chosen site's regret and replacement)."""
    solution = result.solution
    selection = result.selection
    fixed = float(selection["annual_cost_eur"].sum())
    latency = float(solution.objective) - fixed
    return {
        "status": solution.status,
        "objective_eur_per_year": solution.objective,
        "objective_breakdown_eur_per_year": {
            **{
                layer: float(selection[f"{layer}_cost_eur_per_year"].sum())
                for layer in COST_PARTS
            },
            "latency": latency,
        },
        "bound": solution.bound,
        "gap": solution.gap,
        "solver": solution.solver,
        "runtime_s": solution.runtime_s,
        "timings_s": result.timings_s,
        "mean_rtt_ms": result.mean_rtt_ms,
        "selected": [
            {
                **_selected_site(site_id, row),
                **(
                    _explanation(explanations.loc[site_id])
                    if explanations is not None
                    else {}
                ),
            }
            for site_id, row in selection.iterrows()
        ],
        "scenario": result.scenario.to_dict(),
        "scenario_sha256": result.scenario.sha256,
        "data_sha256": result.data_sha256,
        "versions": versions(),
    }


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


def write_text_atomic(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file and a rename."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as stream:
            stream.write(text)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def geojson_text(document: dict[str, Any]) -> str:
    """A GeoJSON or JSON document as text, NaN written as null."""
    return _dumps(document)


def versions() -> dict[str, str]:
    """Versions of Python and of the packages a result depends on."""
    found = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = "not installed"
    return found


def _selected_site(site_id: str, row: pd.Series) -> dict[str, Any]:
    return {
        "rank": row["rank"],
        "site_id": site_id,
        "name": row["name"],
        "country": row["country"],
        "lat": row["lat"],
        "lon": row["lon"],
        "annual_cost_eur": row["annual_cost_eur"],
        "annual_cost_breakdown_eur": {
            layer: row[f"{layer}_cost_eur_per_year"] for layer in COST_PARTS
        },
        "mean_rtt_ms": row["mean_rtt_ms"],
        "researchers_served": row["researchers_served"],
        "pue": row["pue"],
        "power_mw": row["power_mw"],
    }


def _explanation(row: pd.Series) -> dict[str, Any]:
    """Why a chosen site won: the priced latency of its hubs and its regret."""
    return {
        "latency_eur_per_year": row["latency_eur_per_year"],
        "regret_eur_per_year": row["regret_eur_per_year"],
        "objective_without_eur_per_year": row["objective_without_eur_per_year"],
        "replacement_site_id": row["replacement_site_id"],
    }


def _replace_dir(staging: Path, out_dir: Path) -> None:
    """Move ``staging`` to ``out_dir``; an existing folder is swapped out atomically
    (Linux ``renameat2(RENAME_EXCHANGE)``, else two renames) and then deleted."""
    if not out_dir.exists():
        staging.rename(out_dir)
        return
    if _exchange(staging, out_dir):
        shutil.rmtree(staging)
        return
    retired = out_dir.with_name(f".{out_dir.name}.old-{os.getpid()}")
    out_dir.rename(retired)
    staging.rename(out_dir)
    shutil.rmtree(retired)


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths in one atomic step; False where the system cannot."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    done = renameat2(
        at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange
    )
    return done == 0


def _remove_stale_staging(out_dir: Path) -> None:
    """Delete staging folders left by runs that were killed (their process is gone)."""
    for leftover in out_dir.parent.glob(f".{out_dir.name}.tmp-*"):
        pid = leftover.name.removeprefix(f".{out_dir.name}.tmp-").split("-")[0]
        if pid.isdigit() and not _alive(int(pid)):
            shutil.rmtree(leftover, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _plain(value: Any) -> Any:
    """JSON-ready value: numpy scalars to Python, NaN/NA to None, floats rounded."""
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    if value is None or value is pd.NA:
        return None
    if isinstance(value, np.bool_ | bool):
        return bool(value)
    if isinstance(value, np.integer | int):
        return int(value)
    if isinstance(value, np.floating | float):
        value = float(value)
        if math.isnan(value):
            return None
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return round(value, 6)
    return value


def _dumps(document: dict[str, Any]) -> str:
    return (
        json.dumps(_plain(document), indent=2, ensure_ascii=False, allow_nan=False)
        + "\n"
    )
