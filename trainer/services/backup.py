"""Backups of the database and the content folder, and restoring them.

A backup is a folder: the database (SQLite's online backup API into ``database.sqlite3``, or
``pg_dump --format=custom`` into ``database.pgdump``), ``content.tar.gz`` of the content
folder, and ``manifest.json`` with the time, the migration revision, the row count of every
table (read in the same snapshot as the dump) and a SHA-256 of each file.

A restore checks everything before it changes anything: the checksums, the database kind, the
migration revision against the code's head, that the database holds no rows and the content
folder is empty or the same (else ``force``). It then replaces the database (PostgreSQL: the
tables are dropped and the dump loaded in one transaction) and the content folder (the old one is
kept beside it), and checks the restored row counts against the manifest.
"""
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess  # nosec B404  # pg_dump/pg_restore with an argument list, never a shell
import tarfile
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from flask import current_app
from sqlalchemy import create_engine, inspect, text

from ..extensions import db
from . import schema

MANIFEST = "manifest.json"
CONTENT_FILE = "content.tar.gz"
DATABASE_FILES = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}


class BackupError(Exception):
    """A backup or restore that cannot be done; the message says why and what to do."""


# --- create ---------------------------------------------------------------------------------

def create_backup(directory):
    """Back up the database and the content folder into ``directory`` (new or empty); return the manifest."""
    target = Path(directory)
    if target.exists() and any(target.iterdir()):
        raise BackupError(f"{target} is not empty: back up into a new folder")
    engine = db.engine
    dialect = engine.dialect.name
    if dialect not in DATABASE_FILES:
        raise BackupError(f"backups of {dialect} databases are not supported (SQLite and PostgreSQL are)")
    target.mkdir(parents=True, exist_ok=True)
    database_file = target / DATABASE_FILES[dialect]
    if dialect == "sqlite":
        revision, counts = _sqlite_backup(engine.url.database, database_file)
    else:
        revision, counts = _pg_backup(engine, database_file)
    content_files = _tar_content(Path(current_app.config["CONTENT_DIR"]), target / CONTENT_FILE)
    manifest = {
        "format": 1,
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "trainer_version": _trainer_version(),
        "database": {"dialect": dialect, "file": database_file.name, "sha256": _sha256(database_file)},
        "content": {"file": CONTENT_FILE, "files": content_files, "sha256": _sha256(target / CONTENT_FILE)},
        "migration": {"revision": revision, "head": schema.head_revision()},
        "rows": counts,
    }
    (target / MANIFEST).write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return manifest


def _sqlite_backup(path, target):
    if not path or path == ":memory:" or not Path(path).exists():
        raise BackupError(f"no SQLite database file at {path!r}")
    source = sqlite3.connect(path)
    copy = sqlite3.connect(target)
    try:
        source.backup(copy)  # a consistent copy while the app keeps serving
        copy.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal beside it
    finally:
        source.close()
        copy.close()
    snapshot = create_engine(f"sqlite:///{target}")
    try:
        with snapshot.connect() as connection:  # counted in the copy itself: exactly what was saved
            return schema.database_revision(connection), schema.row_counts(connection)
    finally:
        snapshot.dispose()


def _pg_backup(engine, target):
    """``pg_dump`` of a snapshot exported by our transaction, whose row counts we read meanwhile."""
    pg_dump = _tool("pg_dump")
    with engine.connect().execution_options(isolation_level="REPEATABLE READ") as connection:
        snapshot = connection.scalar(text("SELECT pg_export_snapshot()"))
        revision, counts = schema.database_revision(connection), schema.row_counts(connection)
        uri, env = _libpq(engine.url)
        _run([pg_dump, "--format=custom", f"--snapshot={snapshot}", f"--file={target}", f"--dbname={uri}"], env)
        connection.rollback()
    return revision, counts


def _tar_content(content_dir, target):
    if not content_dir.is_dir():
        raise BackupError(f"the content folder {content_dir} does not exist")
    count = 0
    with tarfile.open(target, "w:gz") as tar:
        for path in sorted(content_dir.rglob("*")):
            tar.add(path, arcname=Path("content") / path.relative_to(content_dir), recursive=False)
            count += path.is_file()
    return count


# --- restore --------------------------------------------------------------------------------

def read_manifest(directory):
    """The manifest of a backup folder, after checking every file against its checksum."""
    source = Path(directory)
    try:
        manifest = json.loads((source / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise BackupError(f"{source / MANIFEST} cannot be read: {error}") from None
    for part in ("database", "content"):
        path = source / manifest[part]["file"]
        if not path.is_file() or _sha256(path) != manifest[part]["sha256"]:
            raise BackupError(f"{path} is missing or damaged (its checksum differs from the manifest)")
    return manifest


def restore_backup(directory, force=False, upgrade=False):
    """Restore a backup folder; return ``(manifest, where the replaced content folder was kept or None)``.

    :param force: overwrite a database that holds rows and a content folder that differs.
    :param upgrade: accept a backup made at an older migration of this code; the caller then
        runs the migrations (``trainer backup restore --upgrade`` does).
    """
    source = Path(directory)
    manifest = read_manifest(source)
    _check_compatible(manifest, db.engine.dialect.name, upgrade)
    _check_database_empty(force)
    content_dir = Path(current_app.config["CONTENT_DIR"])
    staged = _stage_content(source / CONTENT_FILE, content_dir)
    try:
        changed = _check_content(content_dir, staged / "content", force)
        _replace_database(source / manifest["database"]["file"])
        kept = _swap_content(staged / "content", content_dir) if changed else None
    finally:
        shutil.rmtree(staged, ignore_errors=True)
    with db.engine.connect() as connection:
        restored = schema.row_counts(connection)
    if restored != manifest["rows"]:
        differ = sorted(t for t in set(restored) | set(manifest["rows"]) if restored.get(t) != manifest["rows"].get(t))
        raise BackupError(f"restored, but the row counts differ from the manifest in: {', '.join(differ)}")
    return manifest, kept


def _check_database_empty(force):
    with db.engine.connect() as connection:
        holding = {name: n for name, n in schema.row_counts(connection).items() if n and name != "alembic_version"}
    if holding and not force:
        raise BackupError(f"the database is not empty ({sum(holding.values())} rows in {len(holding)} tables): "
                          "restore into an empty database, or add --force to replace it")


def _check_content(content_dir, staged, force):
    """Whether the content folder differs from the backup's; refused if it does and holds files, unless ``force``."""
    current = _tree(content_dir)
    changed = current != _tree(staged)
    if changed and current and not force:
        raise BackupError(f"the content folder {content_dir} holds other files than the backup's: "
                          "add --force to replace it (the old folder is kept beside it)")
    return changed


def _replace_database(database_file):
    engine = db.engine
    db.session.remove()
    engine.dispose()  # no pooled connection may hold the old database open
    if engine.dialect.name == "sqlite":
        _sqlite_restore(database_file, engine.url.database)
    else:
        _pg_restore(engine, database_file)
    engine.dispose()


def _check_compatible(manifest, dialect, upgrade):
    if manifest["database"]["dialect"] != dialect:
        raise BackupError(f"this is a backup of a {manifest['database']['dialect']} database; "
                          f"the configured database is {dialect}")
    revision, head = manifest["migration"]["revision"], schema.head_revision()
    if revision == head:
        return
    if upgrade and revision and schema.is_known_revision(revision):
        return
    if revision and schema.is_known_revision(revision):
        raise BackupError(f"the backup is at migration {revision}, older than this code's {head}: "
                          "add --upgrade to restore it and run the migrations")
    raise BackupError(f"the backup is at migration {revision or 'none'}, which this code does not know "
                      f"(its head is {head}): restore it with the trainer version that made it")


def _sqlite_restore(backup_file, path):
    if not path or path == ":memory:":
        raise BackupError("the configured SQLite database is in memory; nothing to restore into")
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    source = sqlite3.connect(f"file:{backup_file}?mode=ro", uri=True)
    target = sqlite3.connect(path)
    try:
        source.backup(target)  # replaces every page; a WAL target stays consistent
    finally:
        source.close()
        target.close()


def _pg_restore(engine, dump):
    """Drop our tables and load the dump in one transaction: on any error nothing changes."""
    pg_restore, psql = _tool("pg_restore"), _tool("psql")
    with engine.connect() as connection:
        tables = inspect(connection).get_table_names()
    drop = "DROP TABLE IF EXISTS " + ", ".join(f'"{t}"' for t in tables) + " CASCADE;" if tables else "SELECT 1;"
    uri, env = _libpq(engine.url)
    with tempfile.NamedTemporaryFile(suffix=".sql") as script:  # whole before psql starts: no half loads
        _run([pg_restore, "--no-owner", "--no-privileges", f"--file={script.name}", str(dump)], env)
        _run([psql, "--no-psqlrc", "--quiet", "--set=ON_ERROR_STOP=1", "--single-transaction",
              "--command", drop, f"--file={script.name}", f"--dbname={uri}"], env)


def _stage_content(tarball, content_dir):
    staged = Path(tempfile.mkdtemp(prefix=f".{content_dir.name}.restore-", dir=content_dir.parent))
    with tarfile.open(tarball, "r:gz") as tar:
        tar.extractall(staged, filter="data")  # refuses absolute paths, .. and links out of the folder
    if not (staged / "content").is_dir():
        (staged / "content").mkdir()
    return staged


def _swap_content(new, content_dir):
    """Put ``new`` in place of ``content_dir``; the old folder, if any, is kept beside it."""
    kept = None
    if content_dir.exists():
        kept = content_dir.with_name(f"{content_dir.name}.before-restore-{datetime.now():%Y%m%d-%H%M%S}")
        content_dir.rename(kept)
    new.rename(content_dir)
    return kept


def _tree(folder):
    """``{relative path: sha256}`` of every file under ``folder`` (empty if it does not exist)."""
    if not folder.is_dir():
        return {}
    return {str(p.relative_to(folder)): _sha256(p) for p in sorted(folder.rglob("*")) if p.is_file()}


# --- helpers --------------------------------------------------------------------------------

def _sha256(path):
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _tool(name):
    path = shutil.which(name)
    if path is None:
        raise BackupError(f"{name} is not installed: install the PostgreSQL client tools of the server's "
                          f"major version (Debian: apt-get install postgresql-client)")
    return path


def _libpq(url):
    """A libpq URI without the password, and an environment carrying it (not visible in ``ps``)."""
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = url.password
    return url.set(drivername="postgresql", password=None).render_as_string(hide_password=False), env


def _run(command, env):
    done = subprocess.run(command, capture_output=True, env=env)  # nosec B603  # an argument list, no shell
    if done.returncode:
        raise BackupError(f"{Path(command[0]).name} failed: {done.stderr.decode(errors='replace').strip()}")


def _trainer_version():
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("trainer")
    except PackageNotFoundError:
        return None
