"""Files written atomically: single files, and whole output folders swapped in.

- :func:`write_text_atomic` and :func:`write_folder` write each file through a
  temporary file and a rename, so none is ever half written;
- :func:`staged_folder` builds a whole output folder beside its target and swaps it in
  only when complete (Linux ``renameat2(RENAME_EXCHANGE)``, else two renames), so an
  interrupted run leaves either the previous outputs or the new ones, never a mix;
- :func:`csv_text`, :func:`json_text` and :func:`png_bytes` render tables, documents
  and figures the same way everywhere.

Files and folders get the modes a plain ``open`` or ``mkdir`` would give them
(0666 and 0777 less the user's umask, :func:`follow_umask`), not the private 0600 and
0700 of the temporary files they are made from.
"""

from __future__ import annotations

import ctypes
import io
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from siting.encode import dumps
from siting.errors import InputError

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.figure import Figure

__all__ = [
    "check_out_dir",
    "csv_text",
    "follow_umask",
    "json_text",
    "png_bytes",
    "staged_folder",
    "write_folder",
    "write_text_atomic",
]


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


@contextmanager
def staged_folder(out_dir: Path, *, force: bool) -> Iterator[Path]:
    """A temporary folder beside ``out_dir`` that replaces it when the block ends.

    Files written into the yielded folder appear in ``out_dir`` all at once when the
    block completes; if it raises (or is interrupted), the staging folder is deleted
    and ``out_dir`` is left as it was. Staging folders of killed runs are removed.

    Raises
    ------
    InputError
        As :func:`check_out_dir`.
    """
    out_dir = Path(out_dir)
    check_out_dir(out_dir, force=force)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    _remove_stale_staging(out_dir)
    staging = Path(
        tempfile.mkdtemp(
            prefix=f".{out_dir.name}.tmp-{os.getpid()}-", dir=out_dir.parent
        )
    )
    try:
        follow_umask(staging)
        yield staging
        _replace_dir(staging, out_dir)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def write_text_atomic(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file and a rename."""
    _write_atomic(Path(path), text.encode("utf-8"))


def write_folder(
    out_dir: Path, files: dict[str, str | bytes], *, force: bool
) -> list[Path]:
    """Write each file of ``files`` (name -> text or bytes) into ``out_dir``.

    Each file goes through a temporary file and a rename, so none is ever half
    written.

    Raises
    ------
    InputError
        If ``out_dir`` is a file, or a non-empty folder and ``force`` is false.
    """
    out_dir = Path(out_dir)
    check_out_dir(out_dir, force=force)
    written = []
    for name, content in files.items():
        data = content.encode("utf-8") if isinstance(content, str) else content
        _write_atomic(out_dir / name, data)
        written.append(out_dir / name)
    return written


def csv_text(table: pd.DataFrame, *, index: bool = False) -> str:
    """A table as CSV text (full float precision, Unix line ends)."""
    return str(table.to_csv(index=index, lineterminator="\n", float_format="%.17g"))


def json_text(document: Any) -> str:
    """A JSON document as indented text (:func:`siting.encode.dumps`)."""
    return dumps(document)


def png_bytes(figure: Figure) -> bytes:
    """A matplotlib figure rendered as PNG (Agg, no display needed)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    FigureCanvasAgg(figure)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=120, bbox_inches="tight")
    return buffer.getvalue()


def follow_umask(path: Path) -> None:
    """Give ``path`` the mode ``open``/``mkdir`` would: 0666 for a file and 0777 for
    a folder, less the process's umask."""
    full = 0o777 if Path(path).is_dir() else 0o666
    os.chmod(path, full & ~current_umask())


def current_umask() -> int:
    """The process's umask (read by setting it and putting it back)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _write_atomic(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        follow_umask(Path(temporary))
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


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
    return bool(done == 0)


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
