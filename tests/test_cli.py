"""The trainer command: content check, sync and list."""
import json
import shutil

import pytest

from tests.conftest import CONTENT_DIR


@pytest.fixture
def content(tmp_path, app):
    target = tmp_path / "content"
    shutil.copytree(CONTENT_DIR / "manual", target / "manual")
    app.config["CONTENT_DIR"] = str(target)
    return target


def test_check_passes_on_valid_content(runner, content):
    result = runner.invoke(args=["content", "check"])
    assert result.exit_code == 0, result.output
    assert "OK: 3 lessons" in result.output


def test_check_lists_every_problem_with_file_line_and_field(runner, content):
    (content / "manual" / "bad.md").write_text("---\nid: bad\ntitle: 坏\ntitle: 又一个\n---\n正文\n", encoding="utf-8")
    (content / "manual" / "worse.md").write_bytes("---\nid: worse\n".encode() + "标题".encode("gbk"))
    result = runner.invoke(args=["content", "check"])
    assert result.exit_code == 1
    assert "content/manual/bad.md:4: title: duplicate key" in result.output
    assert "content/manual/worse.md:3: -: file is not valid UTF-8 text" in result.output


def test_sync_is_all_or_nothing(runner, content, db):
    from trainer.models import Lesson

    (content / "manual" / "bad.md").write_text("---\nid: bad\n---\n", encoding="utf-8")
    result = runner.invoke(args=["content", "sync"])
    assert result.exit_code == 1 and "nothing was loaded" in result.output
    assert db.session.query(Lesson).count() == 0


def test_sync_then_list_json(runner, content):
    result = runner.invoke(args=["content", "sync"])
    assert result.exit_code == 0 and "added 3" in result.output
    assert "added 0, updated 0, retired 0, unchanged 3" in runner.invoke(args=["content", "sync"]).output
    items = json.loads(runner.invoke(args=["content", "list", "--json"]).output)
    assert len(items) == 3
    assert {item["kind"] for item in items} == {"lesson"}
    assert all(set(item) == {"id", "kind", "title", "lesson"} for item in items)


def test_user_create(runner, db):
    from trainer.models import User

    result = runner.invoke(args=["user", "create", "boss", "--name", "老板", "--role", "admin", "--role", "manager",
                                 "--password", "a long password"])
    assert result.exit_code == 0, result.output
    assert db.session.query(User).filter_by(username="boss").one().roles == {"admin", "manager"}
    again = runner.invoke(args=["user", "create", "boss", "--name", "x", "--password", "a long password"])
    assert again.exit_code != 0 and "already taken" in again.output
