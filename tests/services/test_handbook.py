"""The handbook kept per process: reused while the content is unchanged, read again after any change,
whoever made it (another worker process writes through its own connection, as these tests do)."""
import copy

import pytest
from sqlalchemy import create_engine, event, text

from trainer.services import authoring, handbook, progress


@pytest.fixture
def other_worker(app):
    """A connection of its own, as another gunicorn worker has: what it commits, this process is not told."""
    engine = create_engine(app.extensions["sqlalchemy"].engine.url)
    yield engine
    engine.dispose()


def _statements(db):
    seen = []
    event.listen(db.engine, "before_cursor_execute", lambda *args: seen.append(args[2]))
    return seen


def test_an_unchanged_handbook_is_not_read_again(db, synced):
    first = handbook.current()
    seen = _statements(db)
    assert handbook.current() is first
    assert len(seen) == 1 and "lessons" in seen[0] and "body_html" not in seen[0]  # the fingerprint only
    assert [lesson.key for lesson in first.lessons] == [lesson.key for lesson in progress.published_lessons()]


def test_a_lesson_changed_by_another_process_is_seen(db, synced, other_worker):
    lesson = handbook.current().lessons[0]
    db.session.commit()
    with other_worker.begin() as connection:  # what a sync in another process writes
        connection.execute(text("UPDATE lessons SET title = '改过的标题', version = version + 1 WHERE id = :id"),
                           {"id": lesson.id})
    assert handbook.current().lesson(lesson.key).title == "改过的标题"


def test_a_lesson_retired_by_another_process_is_gone(db, synced, other_worker):
    book = handbook.current()
    first, second = book.lessons[0], book.lessons[1]
    db.session.commit()
    with other_worker.begin() as connection:
        connection.execute(text("UPDATE lessons SET retired = :yes WHERE id = :id"), {"yes": True, "id": second.id})
    book = handbook.current()
    assert book.lesson(second.key) is None
    assert book.neighbours(first)[1].key == book.lessons[1].key != second.key


def test_an_item_published_into_a_quiz_is_seen_in_its_lesson(db, synced, make_user):
    quiz = handbook.current().quizzes[0]
    trainer = make_user("tina", roles=["trainer"])
    data = copy.deepcopy(authoring.edit(trainer, "item", quiz.item_keys[0]).data)
    data["id"] = "new-item"
    authoring.publish_data(trainer, "item", "new-item", data, quiz_key=quiz.key)
    db.session.commit()
    [seen] = [q for q in handbook.current().quizzes_for(quiz.lessons[0]) if q.key == quiz.key]
    assert "new-item" in seen.item_keys and seen.version == quiz.version + 1


def test_neighbours_and_quizzes_of_a_lesson(synced):
    book = handbook.current()
    first, second, last = book.lessons[0], book.lessons[1], book.lessons[-1]
    assert book.neighbours(first) == (None, second)
    assert book.neighbours(second) == (first, book.lessons[2])
    assert book.neighbours(last) == (book.lessons[-2], None)
    assert book.quizzes_for(first.key) == []
    assert [quiz.key for quiz in book.quizzes_for("refund-basics")] == ["refund-basics"]
