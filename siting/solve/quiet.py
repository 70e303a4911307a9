"""Keep HiGHS's banner off the command line's standard output.

highspy prints a banner on standard output when its first ``Highs`` object is built,
whatever its options say; that would spoil the output of ``siting`` commands (and
their ``--json``). Every HiGHS object of the package is built by :func:`quiet_highs`.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any


@contextmanager
def banner_to_devnull() -> Iterator[None]:
    """Send C-level stdout to /dev/null: highspy prints a banner on construction even
    with output switched off, which would spoil the command line's own stdout."""
    sys.stdout.flush()
    saved = os.dup(1)
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 1)
        yield
    finally:
        os.dup2(saved, 1)
        os.close(saved)
        os.close(devnull)


def quiet_highs() -> Any:
    """A ``highspy.Highs`` with output off, built without printing its banner."""
    import highspy

    with banner_to_devnull():
        highs = highspy.Highs()
    highs.setOptionValue("output_flag", False)
    return highs
