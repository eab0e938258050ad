"""Backup and restore of the service's database in one portable file, from any backend into any other.

:func:`backup` writes every table of :data:`api.storage.Base.metadata` (in ``sorted_tables`` order, so a
table added later is included without change here, parents before children) to one gzip-compressed
file of JSON lines::

    {"format": "fiscal-sim-backup", "version": 1, "created_at": …, "fiscal_sim": "0.2.0", "source": "sqlite",
     "tables": [{"name": "scenario_versions", "columns": ["row_id", "scenario_id", …], "rows": 42}, …]}
    {"table": "scenario_versions", "values": [1, "baseline", …]}
    …

one line per row, its values in the order of the header's columns; datetimes as ISO 8601 strings (in UTC
for time-zone-aware columns), JSON columns as JSON. The file is read in one snapshot of the database and
written atomically (a temporary file in the same folder, renamed when complete).

:func:`restore` loads such a file into an *empty* database in one transaction: it creates the tables,
checks the header, refuses a database that holds rows unless ``replace=True`` (which empties the tables
first, in the same transaction), inserts the rows, checks every table's count against the header, and
on PostgreSQL moves the id sequences past the restored ids. A backup made by an older version (fewer
columns) restores: the missing columns take their defaults. One naming a table or column this version
does not know is refused. A SQLite backup restores into PostgreSQL and the other way round.

:func:`add_db_commands` registers ``fiscal-sim db backup FILE`` and ``fiscal-sim db restore FILE``.

Where things are: :mod:`~api.backup.format` (``FORMAT``, ``FORMAT_VERSION``, :class:`BackupError`, what the
other parts share), :mod:`~api.backup.values` (values ⇄ JSON by column type), :mod:`~api.backup.reading`
(reading and checking a file: :func:`read_header`), :mod:`~api.backup.restoring` (:func:`restore`) and
:mod:`~api.backup.writing` (:func:`backup`) and :mod:`~api.backup.commands` (``fiscal-sim db backup |
restore``).
"""

from __future__ import annotations

from .commands import add_db_commands
from .commands import cmd_backup as cmd_backup
from .commands import cmd_restore as cmd_restore
from .format import FORMAT, FORMAT_VERSION, BackupError
from .reading import read_header
from .restoring import restore
from .writing import backup

__all__ = ["BackupError", "FORMAT", "FORMAT_VERSION", "add_db_commands", "backup", "read_header", "restore"]
