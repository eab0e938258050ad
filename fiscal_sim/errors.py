"""Errors a user can act on: each names the file, the field or row, and the problem."""

from __future__ import annotations


class ScenarioError(ValueError):
    """An invalid scenario, override or request.

    ``errors`` maps a field path (``revenue_items[vat].split.town_share``, ``towns.csv row 4``)
    to its messages, the shape the HTTP API returns as ``{"errors": {...}}``.
    """

    def __init__(self, errors: dict[str, list[str]] | str, source: str | None = None):
        if isinstance(errors, str):
            errors = {"_schema": [errors]}
        self.errors = {str(k): [str(m) for m in v] for k, v in errors.items()}
        self.source = source
        super().__init__(self.one_line())

    def one_line(self) -> str:
        """All problems on one line, for the CLI."""
        parts = []
        for field, messages in self.errors.items():
            text = " ".join(messages)
            parts.append(text if field == "_schema" else f"{field}: {text}")
        prefix = f"{self.source}: " if self.source else ""
        return prefix + "; ".join(parts)


class SolveError(ValueError):
    """Goal seeking could not reach the target inside the bounds."""
