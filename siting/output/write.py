"""Write every output of a finished run into one folder, atomically.

``result.json`` (:mod:`siting.output.result_json`), the vector layers
(:mod:`siting.output.geojson`: ``sites.geojson``, ``hubs.geojson`` and
``links.geojson``, or one ``result.gpkg`` with layers ``sites``, ``hubs`` and
``links``), the report (:mod:`siting.output.report`) and the map
(:mod:`siting.output.webmap`) are built into a staging folder that replaces ``--out``
only when complete (:func:`siting.output.files.staged_folder`). Nothing here solves:
explanations were computed by the run.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from siting.encode import dumps
from siting.output.files import staged_folder
from siting.output.geojson import (
    hub_layer,
    link_layer,
    site_layer,
    write_geojson,
    write_geopackage,
)
from siting.output.result_json import result_document
from siting.result import Result

#: Formats of the vector layers: one GeoJSON file per layer, or one GeoPackage.
FORMATS = ("geojson", "gpkg")


def write_outputs(
    result: Result,
    out_dir: Path,
    *,
    force: bool = False,
    report: bool = True,
    online_tiles: bool = False,
    vector_format: Literal["geojson", "gpkg"] = "geojson",
    robustness: dict[str, Any] | None = None,
) -> list[Path]:
    """Write every output of a run into ``out_dir`` atomically.

    Parameters
    ----------
    result
        The run from :func:`siting.optimise`.
    out_dir
        The output folder; with ``force`` an existing folder of siting outputs is
        replaced whole (:mod:`siting.output.files` says which folders are accepted).
    report
        Also write ``report.md``, ``report.html`` with its PNG plots and ``map.html``.
    online_tiles
        Offer an online tile layer in ``map.html`` (unticked; off by default).
    vector_format
        ``"geojson"``: ``sites.geojson``, ``hubs.geojson`` and ``links.geojson``;
        ``"gpkg"``: ``result.gpkg`` with the layers ``sites``, ``hubs``, ``links``.
    robustness
        The summary of a robustness sweep of the same scenario
        (:attr:`siting.analysis.Robustness.summary`): written as ``robustness.json``,
        and the report prints its headline.

    Returns
    -------
    The paths written, in order.

    Raises
    ------
    siting.errors.InputError
        As :func:`siting.output.files.check_out_dir`: ``out_dir`` is a file, its
        parent is missing or not writable, it holds files and ``force`` is false, or
        it holds files siting did not write.
    ValueError
        If ``vector_format`` is not one of :data:`FORMATS`.
    """
    if vector_format not in FORMATS:
        raise ValueError(f"vector_format must be one of {FORMATS}: {vector_format!r}")
    out_dir = Path(out_dir)
    layers = {
        "sites": site_layer(result.sites),
        "hubs": hub_layer(result.hubs, result.sites),
        "links": link_layer(result.links),
    }
    document = dumps(result_document(result))
    with staged_folder(out_dir, force=force) as staging:
        (staging / "result.json").write_text(document, encoding="utf-8")
        names = ["result.json"]
        if robustness is not None:
            (staging / "robustness.json").write_text(
                dumps(robustness), encoding="utf-8"
            )
            names.append("robustness.json")
        if vector_format == "gpkg":
            write_geopackage(layers, staging / "result.gpkg")
            names.append("result.gpkg")
        else:
            for name, layer in layers.items():
                write_geojson(layer, staging / f"{name}.geojson")
                names.append(f"{name}.geojson")
        if report:
            from siting.output.report import write_report
            from siting.output.webmap import write_map

            names += write_report(result, staging, robustness=robustness)
            names += write_map(result, staging, online_tiles=online_tiles)
    return [out_dir / name for name in names]
