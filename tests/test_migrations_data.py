"""A populated database survives the migrations: up from the first revision to head one step at a
time, a row put into each table as soon as it exists and checked after every later step, then
down to base, each step dropping exactly the tables its upgrade made and keeping every other row.

Nothing here names a revision or a column: rows are made from each table as the database holds
it at that step (reflected), so a new migration is covered without editing this file. Where a
check constraint wants a value the generic rules cannot guess, add it to ``OVERRIDES``.
"""
import re
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import JSON, Boolean, Date, DateTime, Float, Integer, LargeBinary, MetaData, Numeric, String, select
from sqlalchemy import inspect, text

from trainer import create_app
from trainer.extensions import db
from trainer.services.schema import scripts
from tests.conftest import base_config


class Ref:
    """The value of ``column`` in the row made for ``table`` (a foreign key the rules would not choose)."""

    def __init__(self, table, column="id"):
        self.table, self.column = table, column


#: Values for columns whose check constraints need more than "the first value of an IN list".
OVERRIDES = {
    # exactly one graded thing per override row
    "grade_overrides": {"answer_id": Ref("answers"), "run_id": None, "result_id": None},
    "audit_events": {"action": "grade.override"},
}
#: Tables a migration is meant to drop on the way up (their rows go with them).
DROPPED_ON_PURPOSE = set()
MOMENT = datetime(2026, 3, 4, 5, 6, 7, tzinfo=UTC)
_IN_LIST = re.compile(r"\(?\b(\w+)\)?(?:::\w+(?: \w+)?)?\s+(?:IN\s*\(|=\s*ANY\s*\(\(?ARRAY\[)\s*'([^']*)'", re.I)


def allowed_values(table_name, inspector):
    """``{column: a value its IN-list check accepts}``, from the models and from the database."""
    texts = [str(c.sqltext) for c in getattr(db.metadata.tables.get(table_name), "constraints", ())
             if c.__class__.__name__ == "CheckConstraint"]
    texts += [c["sqltext"] for c in inspector.get_check_constraints(table_name)]
    return {column: value for sql in texts for column, value in _IN_LIST.findall(sql)}


def generic_value(column, checks):
    kind = column.type
    if column.name in checks:
        return checks[column.name]
    if isinstance(kind, Boolean):
        return True
    if isinstance(kind, Integer):
        return 1 if column.primary_key else 2
    if isinstance(kind, (Float, Numeric)):
        return 2.5
    if isinstance(kind, DateTime):
        return MOMENT
    if isinstance(kind, Date):
        return MOMENT.date()
    if isinstance(kind, JSON):
        return {"测试": [1, 2], "column": column.name}
    if isinstance(kind, String):
        return f"{column.name}·测试"[: kind.length or 100]
    if isinstance(kind, LargeBinary):
        return b"\x00\x01"
    raise AssertionError(f"no generic value for {column.table.name}.{column.name} ({kind}): add it to OVERRIDES")


def make_row(table, made, checks):
    """A row for ``table`` whose foreign keys point at the rows already ``made``."""
    row = {}
    overrides = OVERRIDES.get(table.name, {})
    for column in table.columns:
        if column.name in overrides:
            value = overrides[column.name]
            row[column.name] = made[value.table][value.column] if isinstance(value, Ref) else value
            continue
        parent = next(iter(column.foreign_keys), None)
        if parent is not None and parent.column.table.name in made:
            row[column.name] = made[parent.column.table.name][parent.column.name]
        elif parent is not None:
            assert column.nullable, f"{table.name}.{column.name} needs a row in {parent.column.table.name} first"
            row[column.name] = None
        else:
            row[column.name] = generic_value(column, checks)
    return row


def populate(connection, made):
    """Put a row into every table that has none of ours yet; return the names of those tables."""
    tables = MetaData()
    tables.reflect(bind=connection)
    inspector = inspect(connection)
    added = []
    for table in tables.sorted_tables:
        if table.name in made or table.name == "alembic_version":
            continue
        row = make_row(table, made, allowed_values(table.name, inspector))
        try:
            with connection.begin_nested():
                connection.execute(table.insert(), row)
        except Exception as error:  # say which table, and how to fix it
            raise AssertionError(f"cannot insert a row into {table.name}: {error}\n"
                                 f"add values to OVERRIDES['{table.name}']") from error
        made[table.name] = row
        added.append(table.name)
    return added


def plain(value):
    if isinstance(value, datetime):
        return value.astimezone(UTC).replace(tzinfo=None) if value.tzinfo else value
    if isinstance(value, Decimal):
        return float(value)
    return value


def lost_rows(connection, made):
    """Tables whose row is gone or changed, as messages (columns dropped since are not compared)."""
    tables = MetaData()
    tables.reflect(bind=connection)
    problems = []
    for name, row in made.items():
        table = tables.tables.get(name)
        if table is None:
            if name not in DROPPED_ON_PURPOSE:
                problems.append(f"{name}: the table is gone")
            continue
        key = [c for c in table.primary_key.columns] or list(table.columns)
        found = connection.execute(select(table).where(*(c == row[c.name] for c in key if c.name in row))).mappings().all()
        if len(found) != 1:
            problems.append(f"{name}: {len(found)} rows where one was")
            continue
        changed = [c for c in row if c in found[0] and plain(found[0][c]) != plain(row[c])]
        if changed:
            problems.append(f"{name}: changed {', '.join(changed)}")
    return problems


def table_names(connection):
    return set(inspect(connection).get_table_names()) - {"alembic_version"}


@pytest.fixture
def migrating(database_url):
    app = create_app(base_config(database_url))
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


def test_populated_database_up_to_head_and_back_to_base(migrating):
    revisions = list(reversed(list(scripts().walk_revisions())))
    assert len(scripts().get_heads()) == 1, "the migrations must form one line"
    made, created_by, tables_before = {}, {}, {}
    for script in revisions:
        with db.engine.connect() as connection:
            tables_before[script.revision] = table_names(connection)
        upgrade(revision=script.revision)
        with db.engine.begin() as connection:
            assert lost_rows(connection, made) == [], f"upgrade to {script.revision} ({script.doc})"
            created_by[script.revision] = populate(connection, made)
    assert set(made) >= set(created_by[revisions[0].revision])
    for script in reversed(revisions):
        try:
            downgrade(revision=script.down_revision or "base")
        except NotImplementedError:  # an irreversible migration says so; stop there
            break
        for table in created_by[script.revision]:
            made.pop(table)
        with db.engine.connect() as connection:
            assert table_names(connection) == tables_before[script.revision], f"downgrade of {script.revision}"
            assert lost_rows(connection, made) == [], f"downgrade of {script.revision} ({script.doc})"
    else:
        assert made == {}
        with db.engine.connect() as connection:
            assert leftovers(connection) == []


def leftovers(connection):
    """Sequences and enum types a downgrade forgot (PostgreSQL keeps them apart from tables)."""
    if connection.dialect.name != "postgresql":
        return []
    return list(connection.scalars(text(
        "SELECT relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = current_schema() AND c.relkind = 'S' "
        "UNION SELECT typname FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace "
        "WHERE n.nspname = current_schema() AND t.typtype = 'e'")))


def test_every_model_table_takes_a_generated_row(migrating):
    """The row rules (and OVERRIDES) fit every table the models describe, migrated yet or not."""
    db.create_all()
    made = {}
    with db.engine.begin() as connection:
        assert set(populate(connection, made)) == set(db.metadata.tables)
    with db.engine.connect() as connection:
        assert lost_rows(connection, made) == []
