"""The package's exception classes.

A user's mistake (a bad file, an impossible scenario) raises a subclass of
:class:`SitingError` with a message that names the file, the field and the fix; the
command line prints it without a traceback and exits with status 2. Each class also
subclasses the built-in exception it refines, so ``except ValueError`` catches a bad
input as it would anywhere else. Anything else is a bug and may raise whatever it
raises.
"""

from __future__ import annotations


class SitingError(Exception):
    """Base class of every error that a user can cause and mend."""


class InputError(SitingError, ValueError):
    """A scenario or data file is missing, malformed or out of range."""


class InfeasibleError(SitingError, ValueError):
    """The constraints admit no solution; the message says which ones conflict."""


class SolverError(SitingError, RuntimeError):
    """The solver failed or is not available."""
