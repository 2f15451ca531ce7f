"""trainer backup create|restore: back up, wipe, restore, and every row and content file is back."""
import json
import shutil
from pathlib import Path

import pytest
from flask_migrate import stamp
from sqlalchemy import MetaData, select, text

from trainer import create_app
from trainer.core.content import load_content
from trainer.extensions import db as _db
from trainer.services import accounts, audit, backup as backups
from trainer.services.catalog import sync_content
from trainer.services.schema import head_revision, scripts
from tests.conftest import CONTENT_DIR, PASSWORD, base_config


@pytest.fixture
def content(app, tmp_path):
    target = tmp_path / "content"
    shutil.copytree(CONTENT_DIR, target)
    app.config["CONTENT_DIR"] = str(target)
    return target


@pytest.fixture
def populated(app, db, content, make_user):
    """A database at the migration head with content, people and audit events in it."""
    stamp()
    sync_content(load_content(content))
    admin = make_user("root", roles=["admin"], name="管理员")
    trainee = make_user("ann", name="张安")
    accounts.set_roles(admin, trainee, ["trainee", "trainer"])
    audit.record(admin, "certification.issue", ("certification", "C-1", 1), note="测试")
    db.session.commit()
    return snapshot()


def snapshot():
    """Every row of every table, in a stable order."""
    tables = MetaData()
    tables.reflect(bind=_db.engine)
    with _db.engine.connect() as connection:
        return {t.name: sorted((tuple(row) for row in connection.execute(select(t))), key=repr)
                for t in tables.sorted_tables}


def tree(folder):
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def wipe_database():
    _db.session.remove()
    if _db.engine.dialect.name == "sqlite":
        _db.engine.dispose()
        for suffix in ("", "-wal", "-shm"):
            Path(_db.engine.url.database + suffix).unlink(missing_ok=True)
    else:
        with _db.engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))


def run(runner, *args):
    return runner.invoke(args=["backup", *map(str, args)])


def test_backup_wipe_restore_gives_back_every_row_and_file(runner, populated, content, tmp_path):
    files = tree(content)
    result = run(runner, "create", tmp_path / "backup")
    assert result.exit_code == 0, result.output
    assert f"at migration {head_revision()}" in result.output
    wipe_database()
    shutil.rmtree(content)
    result = run(runner, "restore", tmp_path / "backup")
    assert result.exit_code == 0, result.output
    assert "row counts match the manifest" in result.output
    assert snapshot() == populated
    assert tree(content) == files


def test_the_manifest_records_revision_counts_and_checksums(runner, populated, content, tmp_path):
    assert run(runner, "create", tmp_path / "backup").exit_code == 0
    manifest = json.loads((tmp_path / "backup" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["migration"] == {"revision": head_revision(), "head": head_revision()}
    assert manifest["rows"] == {table: len(rows) for table, rows in populated.items()}
    assert manifest["rows"]["users"] == 2 and manifest["rows"]["alembic_version"] == 1
    assert manifest["content"]["files"] == sum(1 for p in content.rglob("*") if p.is_file())
    assert (tmp_path / "backup" / manifest["database"]["file"]).is_file()
    assert len(manifest["database"]["sha256"]) == len(manifest["content"]["sha256"]) == 64


def test_a_database_with_rows_is_replaced_only_with_force(runner, populated, make_user, tmp_path, db):
    assert run(runner, "create", tmp_path / "backup").exit_code == 0
    make_user("late")
    refused = run(runner, "restore", tmp_path / "backup")
    assert refused.exit_code == 1 and "the database is not empty" in refused.output and "--force" in refused.output
    assert db.session.scalar(text("SELECT count(*) FROM users")) == 3  # nothing changed
    db.session.remove()
    forced = run(runner, "restore", tmp_path / "backup", "--force")
    assert forced.exit_code == 0, forced.output
    assert snapshot() == populated
    assert "previous content folder" not in forced.output  # same content: left alone


def test_other_content_is_replaced_only_with_force_and_kept_beside(runner, populated, content, tmp_path):
    files = tree(content)
    assert run(runner, "create", tmp_path / "backup").exit_code == 0
    (content / "glossary.yaml").write_text("# edited after the backup\n", encoding="utf-8")
    wipe_database()
    refused = run(runner, "restore", tmp_path / "backup")
    assert refused.exit_code == 1 and "holds other files than the backup's" in refused.output
    assert snapshot() == {}  # checked before anything changed
    forced = run(runner, "restore", tmp_path / "backup", "--force")
    assert forced.exit_code == 0, forced.output
    assert tree(content) == files and snapshot() == populated
    [kept] = tmp_path.glob("content.before-restore-*")
    assert (kept / "glossary.yaml").read_text(encoding="utf-8") == "# edited after the backup\n"
    assert str(kept) in forced.output
    assert not list(tmp_path.glob(".content.restore-*"))  # the staging folder is gone


def test_a_damaged_backup_is_refused(runner, populated, tmp_path):
    assert run(runner, "create", tmp_path / "backup").exit_code == 0
    manifest = json.loads((tmp_path / "backup" / "manifest.json").read_text())
    damaged = tmp_path / "backup" / manifest["database"]["file"]
    data = bytearray(damaged.read_bytes())
    data[len(data) // 2] ^= 0xFF
    damaged.write_bytes(bytes(data))
    wipe_database()
    result = run(runner, "restore", tmp_path / "backup")
    assert result.exit_code == 1 and "is missing or damaged" in result.output


def test_a_backup_from_unknown_migrations_is_refused(runner, populated, tmp_path):
    assert run(runner, "create", tmp_path / "backup").exit_code == 0
    path = tmp_path / "backup" / "manifest.json"
    manifest = json.loads(path.read_text())
    manifest["migration"]["revision"] = "ffffffffffff"
    path.write_text(json.dumps(manifest))
    wipe_database()
    result = run(runner, "restore", tmp_path / "backup", "--upgrade")
    assert result.exit_code == 1
    assert "migration ffffffffffff, which this code does not know" in result.output


def test_backing_up_into_a_folder_with_files_is_refused(runner, populated, tmp_path):
    (tmp_path / "backup").mkdir()
    (tmp_path / "backup" / "old.txt").write_text("x")
    result = run(runner, "create", tmp_path / "backup")
    assert result.exit_code == 1 and "is not empty" in result.output


def test_missing_postgresql_tools_are_named(monkeypatch):
    monkeypatch.setattr(shutil, "which", lambda name: None)
    with pytest.raises(backups.BackupError, match="pg_dump is not installed"):
        backups._tool("pg_dump")


def test_a_backup_from_an_older_migration_is_restored_with_upgrade(tmp_path):
    """Made at the first migration, restored into an empty database of this code, then upgraded."""
    shutil.copytree(CONTENT_DIR, tmp_path / "content")
    config = base_config(f"sqlite:///{tmp_path / 'old.db'}", CONTENT_DIR=str(tmp_path / "content"))
    old = create_app(config)
    with old.app_context():
        first = list(scripts().walk_revisions())[-1].revision
        old.test_cli_runner().invoke(args=["db", "upgrade", first])
        _db.session.execute(text("INSERT INTO users (username, display_name, password_hash, active, "
                                 "must_change_password, created_at) VALUES ('ann', '张安', 'x', 1, 0, '2026-01-02')"))
        _db.session.commit()
        assert run(old.test_cli_runner(), "create", tmp_path / "backup").exit_code == 0
        _db.engine.dispose()
    new = create_app({**config, "DATABASE_URL": f"sqlite:///{tmp_path / 'new.db'}"})
    with new.app_context():
        runner = new.test_cli_runner()
        refused = run(runner, "restore", tmp_path / "backup")
        assert refused.exit_code == 1 and f"at migration {first}, older than this code's" in refused.output
        result = run(runner, "restore", tmp_path / "backup", "--upgrade")
        assert result.exit_code == 0, result.output
        assert _db.session.scalar(text("SELECT version_num FROM alembic_version")) == head_revision()
        assert _db.session.scalar(text("SELECT display_name FROM users WHERE username = 'ann'")) == "张安"
        _db.session.remove()
        _db.engine.dispose()


def test_accounts_still_sign_in_after_a_restore(runner, populated, tmp_path, browser):
    assert run(runner, "create", tmp_path / "backup").exit_code == 0
    wipe_database()
    assert run(runner, "restore", tmp_path / "backup").exit_code == 0
    assert browser.login("ann", PASSWORD).status_code == 302
