"""SQLite write transactions: a savepoint is always inside one, and writers wait their turn on a file lock.

Python's ``sqlite3`` begins a transaction itself only before INSERT, UPDATE and DELETE. A transaction whose
first write is inside a savepoint (an insert that may meet a unique constraint, ``begin_nested``) therefore
began with the SAVEPOINT, and its RELEASE committed everything at once: the rest of the transaction was
committed apart, and a crash in between left, say, a chat reply stored without the conversation moving on.
So a savepoint outside a transaction is preceded by BEGIN here.

Then the queue. SQLite lets one transaction write at a time. A writer that finds the database locked sleeps
and tries again (after 1, 2, 5, 10 … then 100 ms), so under concurrent submits a waiting writer sleeps on
past the moment the lock frees and newcomers overtake it: transactions of a few milliseconds wait hundreds
(``bench/sqlite_writers.py``, 5 processes: p99 438 ms with the busy handler, 29 ms with this lock). Here each
connection that is about to write first takes an exclusive ``flock`` on ``<database>.writers`` and drops it
when its transaction ends: the writers waiting sleep in the kernel, and one wakes as soon as the lock is free.
Reads never take it (WAL lets them read during a write). The kernel drops the lock of a process that dies.
A writer waits as long as the transaction before it lasts (SQLite's busy timeout gave up after 10 s); under
gunicorn a request is still bounded by the worker timeout. A process that does not come through here (the
``sqlite3`` shell) still meets SQLite's own lock and busy timeout.
"""
import fcntl
import os
import sqlite3

from sqlalchemy import Engine, event


class QueuedWriters(sqlite3.Connection):
    """A ``sqlite3`` connection (``sqlite3.connect(path, factory=QueuedWriters)``) that queues for writing."""

    def __init__(self, database, *args, **kwargs):
        super().__init__(database, *args, **kwargs)
        path = os.fspath(database)
        self._lock_path = None if kwargs.get("uri") or path in ("", ":memory:") else path + ".writers"
        self._lock_file = None
        self._holding = False

    def writing(self):
        """Wait for the lock, unless this transaction holds it already."""
        if self._holding or self._lock_path is None:
            return
        if self._lock_file is None:
            self._lock_file = open(self._lock_path, "a")  # noqa: SIM115  kept open with the connection
        fcntl.flock(self._lock_file, fcntl.LOCK_EX)
        self._holding = True

    def _done(self):
        if self._holding:
            self._holding = False
            fcntl.flock(self._lock_file, fcntl.LOCK_UN)

    def commit(self):
        try:
            super().commit()
        finally:
            self._done()

    def rollback(self):
        try:
            super().rollback()
        finally:
            self._done()

    def close(self):
        try:
            super().close()
        finally:
            self._done()
            if self._lock_file is not None:
                self._lock_file.close()
                self._lock_file = None


def connect_args(url):
    """The ``connect_args`` that make an SQLite file database's connections queue (none for other databases)."""
    return {"factory": QueuedWriters} if url.startswith("sqlite") and url not in ("sqlite://", "sqlite:///:memory:") \
        else {}


@event.listens_for(Engine, "savepoint")
def _savepoint_inside_a_transaction(conn, _name):
    connection = conn.connection.dbapi_connection
    if isinstance(connection, sqlite3.Connection) and not connection.in_transaction:
        if isinstance(connection, QueuedWriters):
            connection.writing()
        connection.execute("BEGIN")


@event.listens_for(Engine, "before_cursor_execute")
def _queue_before_writing(_conn, cursor, statement, _params, _context, _executemany):
    connection = cursor.connection
    if isinstance(connection, QueuedWriters) and not _reads(statement):  # writing() returns at once if held
        connection.writing()


def _reads(statement):
    return statement.lstrip()[:6].upper() == "SELECT"
