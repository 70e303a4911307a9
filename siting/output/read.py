"""Read back a run's folder: ``result.json`` and the assignment the run recorded.

:func:`read_result` and :func:`read_assignment` are the inverse of
:func:`siting.output.write_outputs` for what ``siting check`` verifies: they check
the shape of the files and name the file and the field when it is wrong.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd

from siting.errors import InputError

#: The columns of a recorded hub layer that are read.
HUB_COLUMNS = ("hub_id", "site_id", "rtt_ms")


def read_result(path: Path) -> dict[str, Any]:
    """``result.json`` as a dict, with the fields :mod:`siting.check` needs checked.

    Raises
    ------
    InputError
        If it is missing, not JSON, not an object, lacks ``scenario``,
        ``scenario_sha256``, ``data_sha256``, ``selected`` (a list of sites with
        ``site_id``) or ``objective_eur_per_year`` (a number).
    """
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(
            f"{path}: not found; give the folder of a siting run"
        ) from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: not valid JSON ({exc})") from None
    if not isinstance(document, dict):
        raise InputError(f"{path}: not a result document (a JSON object)")
    needed = (
        "scenario",
        "scenario_sha256",
        "data_sha256",
        "selected",
        "objective_eur_per_year",
    )
    missing = [key for key in needed if key not in document]
    if missing:
        raise InputError(f"{path}: missing field(s) {', '.join(missing)}")
    selected = document["selected"]
    if not isinstance(selected, list) or not all(
        isinstance(entry, dict) and isinstance(entry.get("site_id"), str)
        for entry in selected
    ):
        raise InputError(
            f"{path}: field 'selected' must be a list of sites, each with its 'site_id'"
        )
    objective = document["objective_eur_per_year"]
    if isinstance(objective, bool) or not isinstance(objective, int | float):
        raise InputError(
            f"{path}: field 'objective_eur_per_year' is not a number ({objective!r})"
        )
    return document


def read_assignment(out_dir: Path) -> pd.DataFrame:
    """The assignment a run recorded: ``site_id`` and ``rtt_ms`` (ms) of each hub,
    indexed by ``hub_id``, from ``hubs.geojson`` or the ``hubs`` layer of
    ``result.gpkg``.

    Raises
    ------
    InputError
        If neither file is there, or the one there cannot be read, lacks a column
        of :data:`HUB_COLUMNS`, has a blank or repeated ``hub_id``, a blank
        ``site_id`` or an ``rtt_ms`` that is not a number.
    """
    geojson, gpkg = Path(out_dir) / "hubs.geojson", Path(out_dir) / "result.gpkg"
    if geojson.is_file():
        path, table = geojson, _geojson_properties(geojson)
    elif gpkg.is_file():
        path, table = gpkg, _gpkg_hubs(gpkg)
    else:
        raise InputError(
            f"{out_dir}: neither hubs.geojson nor result.gpkg is there, so the "
            "recorded assignment cannot be checked; give the folder of a siting run"
        )
    missing = [c for c in HUB_COLUMNS if c not in table.columns]
    if missing:
        raise InputError(
            f"{path}: missing column(s) {', '.join(missing)}; rerun siting optimise "
            "to write the hubs again"
        )
    table = table[list(HUB_COLUMNS)]
    for column in ("hub_id", "site_id"):
        blank = table[column].isna() | (table[column].astype(str).str.strip() == "")
        if blank.any():
            raise InputError(
                f"{path}: column '{column}' is blank in {int(blank.sum())} row(s); "
                "every hub needs its id and assigned site"
            )
    table = table.astype({"hub_id": str, "site_id": str})
    repeated = table["hub_id"][table["hub_id"].duplicated()]
    if len(repeated):
        raise InputError(
            f"{path}: column 'hub_id' repeats {', '.join(sorted(set(repeated)))}"
        )
    rtt = pd.to_numeric(table["rtt_ms"], errors="coerce")
    if rtt.isna().any():
        hub = table["hub_id"][rtt.isna()].iloc[0]
        raise InputError(f"{path}: column 'rtt_ms' is not a number for hub {hub}")
    return table.assign(rtt_ms=rtt.astype(float)).set_index("hub_id")


def _geojson_properties(path: Path) -> pd.DataFrame:
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
        features = document["features"]
        rows = [feature["properties"] for feature in features]
        return pd.DataFrame.from_records(rows) if rows else pd.DataFrame()
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: not valid JSON ({exc})") from None
    except (KeyError, TypeError) as exc:
        raise InputError(
            f"{path}: not a GeoJSON FeatureCollection with properties ({exc!r} missing)"
        ) from None


def _gpkg_hubs(path: Path) -> pd.DataFrame:
    import pyogrio

    try:
        table = pyogrio.read_dataframe(path, layer="hubs", read_geometry=False)
    except Exception as exc:  # GDAL's errors have no common base class
        raise InputError(f"{path}: cannot read the layer 'hubs' ({exc})") from None
    return pd.DataFrame(table)
