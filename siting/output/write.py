"""Write every output of a finished run into one folder, atomically.

``result.json`` (:mod:`siting.output.result_json`), ``sites.geojson``,
``hubs.geojson`` and ``links.geojson`` (:mod:`siting.output.geojson`), the report
(:mod:`siting.output.report`) and the map (:mod:`siting.output.webmap`) are built
into a staging folder that replaces ``--out`` only when complete
(:func:`siting.output.files.staged_folder`). Nothing here solves: explanations were
computed by the run.
"""

from __future__ import annotations

from pathlib import Path

from siting.encode import dumps
from siting.output.files import staged_folder
from siting.output.geojson import hubs_geojson, links_geojson, sites_geojson
from siting.output.result_json import result_document
from siting.result import Result


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

    Raises
    ------
    siting.errors.InputError
        If ``out_dir`` is a file, or a non-empty folder and ``force`` is false.
    """
    out_dir = Path(out_dir)
    documents = {
        "result.json": result_document(result),
        "sites.geojson": sites_geojson(result.sites),
        "hubs.geojson": hubs_geojson(result.hubs, result.sites),
        "links.geojson": links_geojson(result.hubs, result.sites),
    }
    with staged_folder(out_dir, force=force) as staging:
        for name, document in documents.items():
            (staging / name).write_text(dumps(document), encoding="utf-8")
        names = list(documents)
        if report:
            from siting.output.report import write_report
            from siting.output.webmap import write_map

            names += write_report(result, staging)
            names += write_map(result, staging, online_tiles=online_tiles)
    return [out_dir / name for name in names]
