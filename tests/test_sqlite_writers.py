"""SQLite writers queue on a file lock beside the database: taken before the first write of a transaction,
dropped when it ends (commit, rollback, close); reads never take it."""
import fcntl
import sqlite3
import threading

import pytest
from sqlalchemy import create_engine, text

from trainer.sqlite_writers import QueuedWriters, connect_args


@pytest.fixture
def engine(tmp_path):
    url = f"sqlite:///{tmp_path / 'queue.db'}"
    engine = create_engine(url, connect_args=connect_args(url))
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)"))
    yield engine
    engine.dispose()


def _free(tmp_path):
    """Whether another holder could take the lock now."""
    with open(tmp_path / "queue.db.writers", "a") as other:
        try:
            fcntl.flock(other, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        fcntl.flock(other, fcntl.LOCK_UN)
        return True


def test_only_file_databases_queue():
    assert connect_args("sqlite:////srv/trainer.db") == {"factory": QueuedWriters}
    assert connect_args("sqlite://") == connect_args("sqlite:///:memory:") == {}
    assert connect_args("postgresql+psycopg://db/trainer") == {}


def test_a_write_holds_the_lock_until_its_transaction_ends(engine, tmp_path):
    with engine.connect() as connection:
        connection.execute(text("SELECT count(*) FROM notes"))
        assert _free(tmp_path)  # reading takes nothing
        connection.execute(text("INSERT INTO notes (body) VALUES ('a')"))
        assert not _free(tmp_path)
        connection.commit()
        assert _free(tmp_path)
        connection.execute(text("INSERT INTO notes (body) VALUES ('b')"))
        assert not _free(tmp_path)
        connection.rollback()
        assert _free(tmp_path)
        connection.execute(text("INSERT INTO notes (body) VALUES ('c')"))
    assert _free(tmp_path)  # returned to the pool: rolled back, the lock dropped
    with engine.connect() as connection:
        assert connection.execute(text("SELECT body FROM notes")).scalars().all() == ["a"]


def test_a_second_writer_waits_for_the_first_to_commit(engine, tmp_path):
    order, first_wrote = [], threading.Event()

    def first():
        with engine.connect() as connection:
            connection.execute(text("INSERT INTO notes (body) VALUES ('first')"))
            first_wrote.set()
            threading.Event().wait(0.2)  # the second writer is at the lock meanwhile
            order.append("first commits")
            connection.commit()

    def second():
        first_wrote.wait()
        with engine.connect() as connection:
            connection.execute(text("INSERT INTO notes (body) VALUES ('second')"))
            order.append("second wrote")
            connection.commit()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert order == ["first commits", "second wrote"]
    with engine.connect() as connection:
        assert connection.execute(text("SELECT body FROM notes ORDER BY id")).scalars().all() == ["first", "second"]


def test_a_failed_write_drops_the_lock_with_its_rollback(engine, tmp_path):
    with engine.connect() as connection:
        with pytest.raises(Exception):
            connection.execute(text("INSERT INTO notes (id, body) VALUES (1, 'x'), (1, 'y')"))
        connection.rollback()
        assert _free(tmp_path)


def test_the_application_queues_on_its_own_database(app, db):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite only")
    raw = db.session.connection().connection.dbapi_connection
    assert isinstance(raw, QueuedWriters) and isinstance(raw, sqlite3.Connection)


@pytest.mark.parametrize("url", ["sqlite://", "file"])
def test_a_savepoint_first_does_not_commit_the_transaction_when_released(tmp_path, url):
    url = f"sqlite:///{tmp_path / 'nested.db'}" if url == "file" else url
    engine = create_engine(url, connect_args=connect_args(url))
    with engine.connect() as connection:
        connection.execute(text("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)"))
        connection.commit()
        connection.execute(text("SELECT count(*) FROM notes"))
        with connection.begin_nested():
            connection.execute(text("INSERT INTO notes (body) VALUES ('inside')"))
        connection.execute(text("INSERT INTO notes (body) VALUES ('after')"))
        connection.rollback()  # the whole transaction goes: the savepoint's release was not a commit
        assert connection.execute(text("SELECT count(*) FROM notes")).scalar() == 0
        with connection.begin_nested():
            connection.execute(text("INSERT INTO notes (body) VALUES ('kept')"))
        connection.commit()
        assert connection.execute(text("SELECT body FROM notes")).scalars().all() == ["kept"]
    engine.dispose()
