"""The two errors of the store: a scenario, version or user that is not there, and a lost race.

:mod:`api.errors` answers them as 404 and 409; the command line (:mod:`api.cli`) reports them in one line.
"""

from __future__ import annotations


class NotFoundError(LookupError):
    """No such scenario, or no such version of it (or the scenario was deleted)."""


class ConflictError(RuntimeError):
    """The version a writer meant to replace is no longer the latest."""
