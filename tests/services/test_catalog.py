"""Content sync: all or nothing, idempotent, edits update, progress kept."""
import shutil

import pytest
from sqlalchemy import func, select

from trainer.core.content import load_content
from trainer.models import Lesson, LessonProgress
from trainer.services import progress
from trainer.services.catalog import sync_content
from tests.conftest import CONTENT_DIR


@pytest.fixture
def content(tmp_path):
    target = tmp_path / "content"
    shutil.copytree(CONTENT_DIR / "manual", target / "manual")
    return target


def _sync(db, content):
    report = sync_content(load_content(content))
    db.session.commit()
    return report


def test_first_sync_adds_every_lesson(db, content):
    report = _sync(db, content)
    files = sorted(p.stem for p in (content / "manual").glob("*.md"))
    assert len(report.added) == len(files)
    assert db.session.scalar(select(func.count(Lesson.id))) == len(files)


def test_second_sync_changes_nothing(db, content):
    _sync(db, content)
    before = {row.key: (row.version, row.updated_at) for row in db.session.scalars(select(Lesson))}
    report = _sync(db, content)
    assert not report.changed and report.unchanged == len(before)
    assert {row.key: (row.version, row.updated_at) for row in db.session.scalars(select(Lesson))} == before


def test_edited_lesson_updates_and_keeps_progress(db, content, make_user):
    _sync(db, content)
    user = make_user("ann")
    lesson = progress.published_lessons()[0]
    progress.mark_studied(user, lesson)
    db.session.commit()
    path = content / "manual" / lesson.source.split("/")[-1]
    path.write_text(path.read_text(encoding="utf-8").replace(lesson.title, "改过的标题"), encoding="utf-8")
    report = _sync(db, content)
    assert report.updated == [f"lesson:{lesson.key}"]
    db.session.expire_all()
    row = db.session.scalar(select(Lesson).where(Lesson.key == lesson.key))
    assert row.title == "改过的标题" and row.version == 2
    assert db.session.scalar(select(LessonProgress).where(LessonProgress.user_id == user.id)).studied_at


def test_removed_file_retires_the_lesson_without_losing_progress(db, content, make_user):
    _sync(db, content)
    user = make_user("ann")
    lesson = progress.published_lessons()[-1]
    progress.mark_studied(user, lesson)
    db.session.commit()
    text = (content / "manual" / lesson.source.split("/")[-1])
    text.unlink()
    for other in (content / "manual").glob("*.md"):  # drop links to the removed lesson
        other.write_text(other.read_text(encoding="utf-8").replace(f"(lesson:{lesson.key})", "(https://example.com)"), encoding="utf-8")
    report = _sync(db, content)
    assert report.retired == [f"lesson:{lesson.key}"]
    assert lesson.key not in {l.key for l in progress.published_lessons()}
    assert db.session.scalar(select(func.count(LessonProgress.id))) == 1
    (content / "manual" / "back.md").write_text("x")  # an invalid file: nothing changes
    with pytest.raises(Exception):
        _sync(db, content)
