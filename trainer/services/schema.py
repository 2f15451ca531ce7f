"""What the database holds: its migration revision against the code's, and its tables' row counts."""
from alembic.script import ScriptDirectory
from flask import current_app
from sqlalchemy import column, func, inspect, select, table

from ..extensions import db


def scripts():
    """The Alembic revisions shipped with this code."""
    state = current_app.extensions["migrate"]
    return ScriptDirectory.from_config(state.migrate.get_config(state.directory))


def head_revision():
    """The newest revision of the code's migrations (read once per process)."""
    cached = current_app.extensions.get("trainer.migration_head")
    if cached is None:
        cached = current_app.extensions["trainer.migration_head"] = scripts().get_current_head()
    return cached


def database_revision(connection):
    """The revision the database was migrated to; None if it never was (``alembic_version`` absent).

    Read directly rather than through alembic's MigrationContext, which logs two lines per call
    (the health check asks every few seconds)."""
    if not inspect(connection).has_table("alembic_version"):
        return None
    return connection.scalar(select(column("version_num")).select_from(table("alembic_version")))


def is_known_revision(revision):
    """Whether ``revision`` is one of the code's migrations (an older backup can be upgraded)."""
    try:
        return scripts().get_revision(revision) is not None
    except Exception:  # alembic raises several kinds for an unknown id
        return False


def row_counts(connection=None):
    """``{table: rows}`` for every table in the database, ``alembic_version`` included."""
    connection = connection or db.session.connection()
    return {name: connection.scalar(select(func.count()).select_from(table(name)))
            for name in sorted(inspect(connection).get_table_names())}
