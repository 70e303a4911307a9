"""Writing an analysis's files into its output folder, each file atomically."""

from __future__ import annotations

import io
import json
import math
import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from siting.output import check_out_dir

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["csv_text", "json_text", "png_bytes", "write_folder"]


def write_folder(
    out_dir: Path, files: dict[str, str | bytes], *, force: bool
) -> list[Path]:
    """Write each file of ``files`` (name -> text or bytes) into ``out_dir``.

    Each file goes through a temporary file and a rename, so none is ever half
    written.

    Raises
    ------
    siting.errors.InputError
        If ``out_dir`` is a file, or a non-empty folder and ``force`` is false.
    """
    out_dir = Path(out_dir)
    check_out_dir(out_dir, force=force)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for name, content in files.items():
        path = out_dir / name
        handle, temporary = tempfile.mkstemp(prefix=f".{name}.", dir=out_dir)
        try:
            data = content.encode("utf-8") if isinstance(content, str) else content
            with os.fdopen(handle, "wb") as stream:
                stream.write(data)
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        written.append(path)
    return written


def csv_text(table: pd.DataFrame, *, index: bool = False) -> str:
    """A table as CSV text (full float precision, Unix line ends)."""
    return table.to_csv(index=index, lineterminator="\n", float_format="%.17g")


def json_text(document: dict[str, Any]) -> str:
    """A JSON document as indented text; NaN and infinity written as null."""
    return json.dumps(_plain(document), indent=2, allow_nan=False) + "\n"


def png_bytes(figure: Figure) -> bytes:
    """A matplotlib figure rendered as PNG (Agg, no display needed)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    FigureCanvasAgg(figure)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=120, bbox_inches="tight")
    return buffer.getvalue()


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(key): _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value
