"""The package's exception classes.

A user's mistake (a bad file, an impossible scenario) raises a subclass of
:class:`SitingError` with a message that names the file, the field and the fix; the
command line prints it without a traceback and exits with status 2. Anything else is a
bug and may raise whatever it raises.
"""

from __future__ import annotations


class SitingError(Exception):
    """Base class of every error that a user can cause and mend."""


class InputError(SitingError):
    """A scenario or data file is missing, malformed or out of range."""


class InfeasibleError(SitingError):
    """The constraints admit no solution; the message says which ones conflict."""


class SolverError(SitingError):
    """The solver failed or is not available."""
