"""A lesson seen again within a few minutes is not written again; being studied and reading time are
always written; a lesson page seen before costs a handful of statements, none of them a write."""
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from trainer.models import LessonProgress
from trainer.services import progress
from tests.conftest import statements_of


@pytest.fixture
def lesson(synced):
    return progress.published_lessons()[0]


@pytest.fixture
def trainee(browser, make_user):
    user = make_user("ann")
    browser.login("ann")
    return user


def _row(db, user, lesson):
    db.session.expire_all()
    return db.session.scalar(select(LessonProgress).where(LessonProgress.user_id == user.id,
                                                          LessonProgress.lesson_id == lesson.id))



def test_a_visit_within_the_interval_is_not_written_again(browser, trainee, lesson, db):
    browser.get(f"/study/lessons/{lesson.key}")
    first = _row(db, trainee, lesson)
    assert first.first_opened_at == first.last_opened_at
    browser.get(f"/study/lessons/{lesson.key}")
    assert _row(db, trainee, lesson).last_opened_at == first.last_opened_at


def test_a_visit_after_the_interval_is_written(browser, trainee, lesson, db):
    browser.get(f"/study/lessons/{lesson.key}")
    row = _row(db, trainee, lesson)
    earlier = row.first_opened_at - progress.VISIT_WRITE_INTERVAL - timedelta(seconds=1)
    db.session.execute(update(LessonProgress).where(LessonProgress.id == row.id).values(last_opened_at=earlier))
    db.session.commit()
    browser.get(f"/study/lessons/{lesson.key}")
    assert _row(db, trainee, lesson).last_opened_at > row.first_opened_at


def test_studied_and_reading_time_are_written_within_the_interval(browser, trainee, lesson, db):
    browser.get(f"/study/lessons/{lesson.key}")
    browser.post(f"/study/lessons/{lesson.key}/studied", {"studied": "1"})
    browser.post(f"/study/lessons/{lesson.key}/time", {"seconds": "30"})
    browser.post(f"/study/lessons/{lesson.key}/time", {"seconds": "25"})
    row = _row(db, trainee, lesson)
    assert row.studied_at is not None and row.seconds_spent == 55
    assert 'class="studied-note"' in browser.get(f"/study/lessons/{lesson.key}").get_data(as_text=True)


def test_a_lesson_seen_before_costs_a_few_statements_and_writes_nothing(browser, trainee, lesson, db):
    browser.get(f"/study/lessons/{lesson.key}")
    response, seen = statements_of(db, lambda: browser.get(f"/study/lessons/{lesson.key}"))
    assert response.status_code == 200 and lesson.title in response.get_data(as_text=True)
    assert len(seen) <= 5, seen  # the session and user, the handbook's fingerprint, the progress row, mastered quizzes
    assert not [s for s in seen if s.split()[0] in ("INSERT", "UPDATE", "DELETE")], seen


def test_a_first_visit_is_written_and_shown(browser, trainee, lesson, db):
    response, seen = statements_of(db, lambda: browser.get(f"/study/lessons/{lesson.key}"))
    assert response.status_code == 200
    assert any(s.startswith("INSERT INTO lesson_progress") for s in seen)
    assert _row(db, trainee, lesson) is not None
