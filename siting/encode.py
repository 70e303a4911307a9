"""The one JSON encoder of the package: plain values, the same rules everywhere.

:func:`plain` turns numpy scalars and arrays, pandas' missing values, tuples and paths
into JSON-ready Python values: NaN and missing become ``null``, infinities the strings
``"inf"`` and ``"-inf"`` (JSON has no infinity), floats keep 12 significant digits so
that the last bits of floating-point noise never reach a file. :func:`dumps` writes a
document as indented UTF-8 text with a final newline. It imports neither numpy nor
pandas, so the scenario can use it at no cost.
"""

from __future__ import annotations

import json
import math
from pathlib import PurePath
from typing import Any

#: Significant digits kept of every float written.
DIGITS = 12


def plain(value: Any) -> Any:
    """A JSON-ready copy of ``value`` (see the module docstring)."""
    if isinstance(value, dict):
        return {str(key): plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [plain(item) for item in value]
    if value is None or type(value).__name__ in ("NAType", "NaTType"):
        return None
    if hasattr(value, "tolist") and not isinstance(value, int | float | str):
        return plain(value.tolist())  # numpy scalars and arrays
    if isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        if math.isnan(value):
            return None
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return float(f"{value:.{DIGITS}g}")
    if isinstance(value, PurePath):
        return str(value)
    return value


def dumps(document: Any) -> str:
    """``document`` as indented JSON text (UTF-8, not ASCII-escaped), newline-ended."""
    text = json.dumps(plain(document), indent=2, ensure_ascii=False, allow_nan=False)
    return text + "\n"
