"""Faults of the machine rather than of the input: the database gone, the disk full.

``fault_of(error)`` says whether an exception is one of them, and gives a one-line,
translatable description that holds no statement, no parameter and no personal data
(SQLAlchemy's own message quotes the SQL and its values: e-mail addresses, names). The
detail belongs in the log; the terminal and the console get this line.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from newsletter.i18n import N_, Msg


class FaultKind(StrEnum):
    database = "database"  # the database does not answer (down, restarting, network)
    disk_full = "disk_full"  # the database (or the data folder) has no space left


DATABASE_UNAVAILABLE = N_("the database does not answer ({detail})")
DISK_FULL = N_("the disk is full ({detail})")
WAITING_FOR_DATABASE = N_("waiting for the database")
WAITING_FOR_DISK = N_("waiting for disk space")

_DISK_FULL_WORDS = ("disk is full", "no space left", "disk full", "could not extend file")
#: what SQLite says when it cannot write its WAL or shared-memory file, a full disk
#: included: then the folders of the SQLite databases in use tell
_DISK_IO_WORDS = ("disk i/o error",)
#: a filesystem with less free space than this is full, for a database
FULL_BELOW_BYTES = 1024 * 1024
_sqlite_folders: set[Path] = set()


def watch_folder(folder: Path) -> None:
    """A folder holding an SQLite database in use (``store.db.make_engine``): its free
    space tells a full disk from another I/O error."""
    _sqlite_folders.add(folder)


def _a_folder_is_full() -> bool:
    for folder in _sqlite_folders:
        try:
            stats = os.statvfs(folder)
        except OSError:
            continue
        if stats.f_bavail * stats.f_frsize < FULL_BELOW_BYTES:
            return True
    return False


class DatabaseTimeout(Exception):
    """A database call got no answer in time (the server or the network is gone)."""


@dataclass(frozen=True)
class Fault:
    kind: FaultKind
    detail: str  # the error's class name and SQLSTATE: never a value

    def msg(self) -> Msg:
        template = DISK_FULL if self.kind is FaultKind.disk_full else DATABASE_UNAVAILABLE
        return Msg(template, {"detail": self.detail})

    def waiting(self) -> str:
        return WAITING_FOR_DISK if self.kind is FaultKind.disk_full else WAITING_FOR_DATABASE


def fault_of(error: BaseException) -> Fault | None:
    """The machine fault behind ``error``, or None when it is something else."""
    from sqlalchemy import exc

    if isinstance(error, OSError) and error.errno == 28:  # ENOSPC
        return Fault(FaultKind.disk_full, "ENOSPC")
    if isinstance(error, DatabaseTimeout):
        return Fault(FaultKind.database, "no answer")
    if not isinstance(error, exc.DBAPIError | exc.TimeoutError):
        return None
    if isinstance(error, exc.TimeoutError):  # the connection pool waited too long
        return Fault(FaultKind.database, "pool timeout")
    original = error.orig
    name = type(original).__name__ if original is not None else type(error).__name__
    code = getattr(original, "sqlstate", None) or ""
    text = str(original).lower() if original is not None else ""
    detail = f"{name} {code}".strip()
    if code == "53100" or any(word in text for word in _DISK_FULL_WORDS):
        return Fault(FaultKind.disk_full, detail)
    if any(word in text for word in _DISK_IO_WORDS) and _a_folder_is_full():
        return Fault(FaultKind.disk_full, detail)
    if isinstance(error, exc.OperationalError | exc.InterfaceError) or error.connection_invalidated:
        return Fault(FaultKind.database, detail)
    if code.startswith(("08", "57P")):  # connection exception, operator intervention
        return Fault(FaultKind.database, detail)
    return None


DATABASE_ERROR = N_("database error ({detail}); the detail is in the log")


def storage_error(error: BaseException) -> Msg | None:
    """A one-line message for any database or disk error (None for other errors): a
    fault as above, or another SQLAlchemy error by its class name only."""
    fault = fault_of(error)
    if fault is not None:
        return fault.msg()
    from sqlalchemy import exc

    if isinstance(error, exc.SQLAlchemyError):
        original = getattr(error, "orig", None)
        name = type(original).__name__ if original is not None else type(error).__name__
        return Msg(DATABASE_ERROR, {"detail": name})
    return None
