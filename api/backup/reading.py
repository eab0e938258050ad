"""Reading and checking a backup file: its lines (gzip-compressed JSON objects) and its header (the format, its
version, and tables and columns this version of fiscal-sim knows). :func:`read_header` is public;
:mod:`api.backup.restoring` reads the row lines through :func:`_open_lines`.
"""

from __future__ import annotations

import gzip
import json
import os
from collections.abc import Iterator
from pathlib import Path

from .format import FORMAT, FORMAT_VERSION, BackupError, _tables


def _open_lines(path: Path) -> Iterator[tuple[int, dict]]:
    """``(line number, object)`` of each line of a backup file; BackupError when it is not one."""
    try:
        with gzip.open(path, "rt", encoding="utf-8") as stream:
            for number, line in enumerate(stream, start=1):
                if not line.strip():
                    continue
                try:
                    item = json.loads(line)
                except ValueError:
                    raise BackupError(f"{path}: line {number} is not JSON") from None
                if not isinstance(item, dict):
                    raise BackupError(f"{path}: line {number} is not a JSON object")
                yield number, item
    except gzip.BadGzipFile:
        raise BackupError(f"{path} is not a fiscal-sim backup (not gzip-compressed)") from None
    except EOFError:
        raise BackupError(f"{path} is incomplete (the compressed data ends early)") from None
    except UnicodeDecodeError:
        raise BackupError(f"{path} is not a fiscal-sim backup (not UTF-8 text)") from None


def _check_header(path: Path, header: dict) -> list[dict]:
    """The header's table entries, after checking the format, its version and every table and column name."""
    if header.get("format") != FORMAT:
        raise BackupError(f"{path} is not a fiscal-sim backup (its first line does not say format {FORMAT!r})")
    version = header.get("version")
    if not isinstance(version, int) or version < 1:
        raise BackupError(f"{path}: the header has no valid format version")
    if version > FORMAT_VERSION:
        raise BackupError(
            f"{path} was written in format version {version} by fiscal-sim {header.get('fiscal_sim', '?')};"
            f" this version reads up to {FORMAT_VERSION}: restore it with a newer fiscal-sim"
        )
    entries = header.get("tables")
    if not isinstance(entries, list) or not all(
        isinstance(e, dict)
        and isinstance(e.get("name"), str)
        and isinstance(e.get("columns"), list)
        and all(isinstance(c, str) for c in e["columns"])
        and isinstance(e.get("rows"), int)
        for e in entries
    ):
        raise BackupError(f"{path}: the header's table list is malformed")
    known = {table.name: table for table in _tables()}
    for entry in entries:
        table = known.get(entry["name"])
        if table is None:
            raise BackupError(
                f"{path} holds table {entry['name']!r}, which this version of fiscal-sim does not know:"
                " restore it with the version that wrote it, or a newer one"
            )
        unknown = [c for c in entry["columns"] if c not in table.columns]
        if unknown:
            raise BackupError(
                f"{path}: table {entry['name']} has columns this version of fiscal-sim does not know:"
                f" {', '.join(unknown)}"
            )
    return entries


def read_header(path: str | os.PathLike) -> dict:
    """The header of a backup file, checked (format, version, tables and columns this version knows)."""
    path = Path(path)
    for _, header in _open_lines(path):
        _check_header(path, header)
        return header
    raise BackupError(f"{path} is empty")
