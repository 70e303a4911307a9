"""Files written atomically: single files, and whole output folders swapped in.

- :func:`write_text_atomic` and :func:`staged_file` write a file through a temporary
  file and a rename, so it is never half written;
- :func:`staged_folder` builds a whole output folder and swaps it in only when
  complete (Linux ``renameat2(RENAME_EXCHANGE)``, else two renames), so an
  interrupted run leaves either the previous outputs or the new ones, never a mix;
  :func:`write_folder` writes a dict of files that way;
- :func:`csv_text`, :func:`json_text` and :func:`png_bytes` render tables, documents
  and figures the same way everywhere.

Which ``--out`` is accepted, and what happens to what is there (README, "Where the
outputs go"):

- Any spelling works: ``.``, ``..``, relative paths, spaces; the path is resolved
  first. A symlink is followed: the folder (or file) it points at gets the new
  content and the symlink itself stays a symlink to it.
- The parent folder must exist (a typo does not silently create a tree of folders)
  and be writable; else an :class:`~siting.errors.InputError` names the fix before
  anything is computed.
- A new or empty folder is written. A folder that holds anything needs ``--force``,
  and ``--force`` replaces only a folder of siting outputs (:data:`OUTPUT_NAMES`): a
  file or folder that siting did not write is never deleted; the refusal names it
  and says to move it or choose another ``--out``.
- A folder is swapped whole by a rename in its parent. The current folder and the
  folders above it cannot be (the shell would be left in a deleted folder), so there
  the new files are staged in a hidden folder inside it and each one renamed into
  place, and siting's previous outputs that the new run does not write are removed:
  each file is atomic, the set is complete before the first rename.

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
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from siting.encode import dumps
from siting.errors import InputError

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.figure import Figure

__all__ = [
    "OUTPUT_NAMES",
    "check_out_dir",
    "check_out_file",
    "csv_text",
    "follow_umask",
    "json_text",
    "png_bytes",
    "staged_file",
    "staged_folder",
    "write_folder",
    "write_text_atomic",
]

#: Every file a siting command writes into an output folder (``optimise``,
#: ``pareto``, ``alternatives``, ``robustness``); ``--force`` replaces a folder that
#: holds nothing else (tests/test_output_files.py checks the list against the writers).
OUTPUT_NAMES = frozenset(
    {
        "result.json",
        "robustness.json",
        "sites.geojson",
        "hubs.geojson",
        "links.geojson",
        "result.gpkg",
        "report.md",
        "report.html",
        "cost_breakdown.png",
        "latency.png",
        "map.png",
        "map.html",
        "pareto.csv",
        "pareto.png",
        "alternatives.csv",
        "samples.csv",
        "site_frequency.csv",
        "portfolios.csv",
        "factors.csv",
    }
)

#: Prefix of the staging folder made inside a folder that is written in place.
_INSIDE = ".siting-tmp-"


@dataclass(frozen=True)
class _Target:
    """Where an output folder really is and how it is replaced."""

    given: Path  # as the user spelt it, for messages
    real: Path  # absolute, symlinks resolved
    in_place: bool  # the current folder or one above it: files renamed one by one


def check_out_dir(out_dir: Path, *, force: bool) -> None:
    """Refuse an output folder that cannot be written or replaced (module docstring).

    Raises
    ------
    InputError
        If ``out_dir`` is a file, its parent is missing or not writable, or it holds
        files and ``force`` is false, or it holds files siting did not write.
    """
    _folder_target(Path(out_dir), force=force)


def check_out_file(path: Path) -> Path:
    """Refuse an output file that cannot be written; return the path it really
    names (symlinks resolved, so a symlink stays one and its target is replaced).

    Raises
    ------
    InputError
        If ``path`` is a folder, or its folder is missing or not writable.
    """
    path = Path(path)
    real = _resolved(path)
    if real.is_dir():
        raise InputError(f"{path}: --out names a folder; give a file name in it")
    _writable_parent(path, real.parent)
    return real


@contextmanager
def staged_folder(out_dir: Path, *, force: bool) -> Iterator[Path]:
    """A temporary folder that replaces ``out_dir`` when the block ends.

    Files written into the yielded folder appear in ``out_dir`` all at once when the
    block completes; if it raises (or is interrupted), the staging folder is deleted
    and ``out_dir`` is left as it was. Staging folders of killed runs are removed.

    Raises
    ------
    InputError
        As :func:`check_out_dir`, or if the staging folder cannot be made.
    """
    target = _folder_target(Path(out_dir), force=force)
    home = target.real if target.in_place else target.real.parent
    prefix = _INSIDE if target.in_place else f".{target.real.name}.tmp-"
    _remove_stale_staging(home, prefix)
    try:
        staging = Path(tempfile.mkdtemp(prefix=f"{prefix}{os.getpid()}-", dir=home))
    except OSError as exc:
        raise _cannot_write(target.given, home, exc) from None
    try:
        follow_umask(staging)
        yield staging
        if target.in_place:
            _move_in(staging, target.real)
        else:
            _replace_dir(staging, target.real)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


@contextmanager
def staged_file(path: Path, *, suffix: str = "") -> Iterator[Path]:
    """A temporary path beside ``path`` (not yet existing) that replaces it when the
    block ends; if the block raises, it is deleted and ``path`` is left as it was.

    Raises
    ------
    InputError
        As :func:`check_out_file`, or if the temporary file cannot be made.
    """
    real = check_out_file(path)
    try:
        handle, name = tempfile.mkstemp(
            prefix=f".{real.name}.", suffix=suffix, dir=real.parent
        )
    except OSError as exc:
        raise _cannot_write(Path(path), real.parent, exc) from None
    os.close(handle)
    temporary = Path(name)
    temporary.unlink()
    try:
        yield temporary
        follow_umask(temporary)
        os.replace(temporary, real)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def write_text_atomic(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file and a rename."""
    with staged_file(path) as temporary:
        temporary.write_text(text, encoding="utf-8")


def write_folder(
    out_dir: Path, files: dict[str, str | bytes], *, force: bool
) -> list[Path]:
    """Write each file of ``files`` (name -> text or bytes) into ``out_dir``, all at
    once through :func:`staged_folder`; returns their paths.

    Raises
    ------
    InputError
        As :func:`check_out_dir`.
    """
    out_dir = Path(out_dir)
    with staged_folder(out_dir, force=force) as staging:
        for name, content in files.items():
            data = content.encode("utf-8") if isinstance(content, str) else content
            (staging / name).write_bytes(data)
    return [out_dir / name for name in files]


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


def _folder_target(out_dir: Path, *, force: bool) -> _Target:
    """Check ``out_dir`` as :func:`check_out_dir` says and say how to replace it."""
    real = _resolved(out_dir)
    if real.exists() and not real.is_dir():
        raise InputError(
            f"{out_dir}: --out names a file, not a folder; choose a folder"
        )
    here = Path.cwd().resolve()
    in_place = real == here or real in here.parents
    try:
        entries = _contents(real) if real.is_dir() else []
    except OSError as exc:
        raise _cannot_write(out_dir, real, exc) from None
    if entries and not force:
        raise InputError(
            f"{out_dir}: the output folder exists and is not empty; pass --force to "
            "replace the previous outputs in it, or choose another --out"
        )
    foreign = sorted(
        p.name for p in entries if p.name not in OUTPUT_NAMES or not p.is_file()
    )
    if foreign:
        shown = ", ".join(foreign[:5]) + (
            f" and {len(foreign) - 5} more" if len(foreign) > 5 else ""
        )
        raise InputError(
            f"{out_dir}: the output folder holds files siting did not write "
            f"({shown}); --force replaces only siting's own outputs, so move them "
            "away or choose a new folder for --out"
        )
    _writable_parent(out_dir, real if in_place else real.parent)
    if entries:  # the previous outputs are deleted from it
        _writable_parent(out_dir, real)
    return _Target(out_dir, real, in_place)


def _resolved(path: Path) -> Path:
    """``path`` made absolute with its symlinks followed."""
    try:
        return path.resolve()
    except (OSError, RuntimeError) as exc:
        raise InputError(f"{path}: --out cannot be resolved ({exc})") from None


def _contents(folder: Path) -> list[Path]:
    """The entries of ``folder``, less the staging folders of in-place writes."""
    return [p for p in folder.iterdir() if not p.name.startswith(_INSIDE)]


def _writable_parent(given: Path, folder: Path) -> None:
    if not folder.is_dir():
        raise InputError(
            f"{given}: the folder {folder} does not exist; create it first "
            f"(mkdir -p '{folder}') or choose another --out"
        )
    if not os.access(folder, os.W_OK | os.X_OK):
        raise _cannot_write(given, folder, PermissionError("permission denied"))


def _cannot_write(given: Path, folder: Path, exc: OSError) -> InputError:
    reason = exc.strerror or str(exc)
    return InputError(
        f"{given}: cannot write in {folder} ({reason}); choose a folder you can "
        "write to for --out"
    )


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


def _move_in(staging: Path, folder: Path) -> None:
    """Rename each file of ``staging`` into ``folder``, then delete siting's previous
    outputs there that the new set does not have, and ``staging`` itself."""
    names = sorted(p.name for p in staging.iterdir())
    for name in names:
        os.replace(staging / name, folder / name)
    for old in folder.iterdir():
        if old.name in OUTPUT_NAMES and old.name not in names and old.is_file():
            old.unlink()
    staging.rmdir()


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


def _remove_stale_staging(folder: Path, prefix: str) -> None:
    """Delete staging folders ``folder/<prefix><pid>-*`` left by runs that were
    killed (their process is gone)."""
    for leftover in folder.iterdir():
        if not leftover.name.startswith(prefix):
            continue
        pid = leftover.name.removeprefix(prefix).split("-")[0]
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
