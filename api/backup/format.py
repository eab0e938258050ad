"""What a backup file is called and which version of the format this is, the error every part of backup and
restore raises, and the small things the writer, the reader and the restorer share (the tables, in order; the
rows per batch; a database URL without its password, for messages).
"""

from __future__ import annotations

from sqlalchemy import Table
from sqlalchemy.engine import make_url

from ..storage import Base

FORMAT = "fiscal-sim-backup"
FORMAT_VERSION = 1
BATCH = 500  # rows fetched and inserted at a time


class BackupError(Exception):
    """A backup that cannot be written, or a file that cannot be restored (the message says why)."""


def _tables() -> list[Table]:
    return list(Base.metadata.sorted_tables)


def shown(url: str) -> str:
    """The URL without its password, for messages."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # not a URL SQLAlchemy reads: show it as given
        return url
