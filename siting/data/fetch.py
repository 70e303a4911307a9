"""Refresh data from public APIs (only ``siting data fetch`` uses the network).

Eurostat publishes electricity prices for non-household consumers as the dataset
``nrg_pc_205`` through its dissemination API in JSON-stat 2.0: a flat ``value`` map
indexed row-major over the dimensions listed in ``id`` with sizes ``size``; missing
observations are absent. :func:`parse_eurostat_prices` turns such a response into a
table in EUR/MWh by ISO country code (Eurostat's ``EL`` becomes ``GR``).
"""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from siting.data.tables import EUROSTAT_TO_ISO
from siting.errors import InputError, SitingError

EUROSTAT_API = "https://ec.europa.eu/eurostat/api/dissemination/statistics/1.0/data"


def eurostat_prices_url(band: str, semester: str, *, tax: str = "X_VAT") -> str:
    """Address of the nrg_pc_205 query for one band and semester, in EUR per kWh."""
    query = {
        "format": "JSON",
        "lang": "en",
        "nrg_cons": band,
        "currency": "EUR",
        "tax": tax,
        "unit": "KWH",
        "time": semester,
    }
    return f"{EUROSTAT_API}/nrg_pc_205?{urllib.parse.urlencode(query)}"


def fetch_eurostat_prices(
    band: str,
    semester: str,
    *,
    tax: str = "X_VAT",
    timeout_s: float = 30.0,
    opener: Callable[..., Any] = urllib.request.urlopen,
) -> pd.DataFrame:
    """Download and parse electricity prices; see :func:`parse_eurostat_prices`.

    Raises
    ------
    SitingError
        If the API cannot be reached or answers with an error.
    """
    url = eurostat_prices_url(band, semester, tax=tax)
    try:
        with opener(url, timeout=timeout_s) as response:
            document = json.loads(response.read().decode("utf-8"))
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        raise SitingError(
            f"could not reach Eurostat ({exc}); check the network"
        ) from None
    return parse_eurostat_prices(document, semester=semester, source=url)


def read_json_stat(path: Path) -> dict[str, Any]:
    """A saved JSON-stat response (for ``siting data fetch --from-file``).

    Raises
    ------
    InputError
        If the file is not UTF-8 JSON holding an object.
    """
    try:
        document = json.loads(Path(path).read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InputError(
            f"{path}: not a JSON file ({exc}); give a saved nrg_pc_205 response"
        ) from None
    if not isinstance(document, dict):
        raise InputError(f"{path}: not a JSON-stat dataset (not a JSON object)")
    return document


def parse_eurostat_prices(
    document: dict[str, Any], *, semester: str, source: str = "response"
) -> pd.DataFrame:
    """Prices by country from a JSON-stat 2.0 response of nrg_pc_205.

    Returns
    -------
    DataFrame indexed by ``country`` (ISO alpha-2, aggregates such as ``EU27_2020``
    dropped) with ``price_eur_per_mwh`` (EUR/kWh x 1,000), ``band``, ``tax`` and
    ``semester``.

    Raises
    ------
    InputError
        If the document is not a JSON-stat dataset of this shape.
    """
    try:
        dims: list[str] = list(document["id"])
        sizes: list[int] = [int(size) for size in document["size"]]
        categories = {
            dim: {
                str(code): int(position)
                for code, position in document["dimension"][dim]["category"][
                    "index"
                ].items()
            }
            for dim in dims
        }
        values = document["value"]
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise InputError(
            f"{source}: not a JSON-stat dataset (missing or malformed {exc})"
        ) from None
    if len(sizes) != len(dims) or "geo" not in dims:
        raise InputError(
            f"{source}: not a JSON-stat dataset of prices by country: 'id' lists "
            f"{len(dims)} dimension(s) ({', '.join(map(str, dims))}), 'size' "
            f"{len(sizes)}, and 'geo' must be one of them"
        )
    if isinstance(values, list):
        values = {str(i): v for i, v in enumerate(values) if v is not None}
    if not isinstance(values, dict):
        raise InputError(f"{source}: field 'value' is neither a list nor an object")
    strides = np.cumprod([1, *sizes[::-1]])[:-1][::-1]
    fixed: dict[str, int] = {}
    for dim, size in zip(dims, sizes, strict=True):
        if dim == "geo":
            continue
        if dim == "time":
            if semester not in categories[dim]:
                raise InputError(f"{source}: semester {semester} not in the response")
            fixed[dim] = categories[dim][semester]
        elif size == 1:
            fixed[dim] = 0
        else:
            raise InputError(f"{source}: dimension '{dim}' has {size} values; fix it")
    rows = []
    labels = {dim: {pos: code for code, pos in categories[dim].items()} for dim in dims}
    for code, position in categories["geo"].items():
        if len(code) != 2 or not code.isalpha():
            continue  # aggregates such as EU27_2020 or EA20
        index = {**fixed, "geo": position}
        flat = int(
            sum(index[dim] * stride for dim, stride in zip(dims, strides, strict=True))
        )
        value = values.get(str(flat))
        if value is None:
            continue
        if not isinstance(value, int | float) or not np.isfinite(value) or value < 0:
            raise InputError(
                f"{source}: field 'value' holds {value!r} for {code}; prices must be "
                "numbers >= 0 (EUR/kWh)"
            )
        rows.append(
            {
                "country": EUROSTAT_TO_ISO.get(code, code),
                "price_eur_per_mwh": round(float(value) * 1000.0, 4),
                "band": labels.get("nrg_cons", {}).get(fixed.get("nrg_cons", -1), ""),
                "tax": labels.get("tax", {}).get(fixed.get("tax", -1), ""),
                "semester": semester,
            }
        )
    if not rows:
        raise InputError(
            f"{source}: no country has a price for {semester}; check the band and "
            "the semester"
        )
    return pd.DataFrame(rows).set_index("country").sort_index()
