"""What keeps the reports' stored tables cheap to keep in step: a change that cannot alter a stored row is not worked
out again (and the row still changes when the change can alter it), the content the rows rest on is read once per
content state (and read again after a change, made here or by another process), and only rows that differ are
written. Each skip is seen by the statements the commit runs; each time, the rows still equal a rebuild."""
from contextlib import contextmanager
from datetime import timedelta

import pytest
from sqlalchemy import event, select, update

from trainer.models import Answer, Lesson, LessonProgress, Programme, Quiz, QuizAttempt
from trainer.services import report_tables

from .test_report_tables import assert_in_step
from .test_reports import NOW, PROGRAMME, app_config, practise, sit_exam, study  # noqa: F401

SIDE = "side-quiz"


@contextmanager
def statements(db):
    """The SQL statements run inside the block."""
    seen = []

    def note(_conn, _cursor, statement, *_args):
        seen.append(" ".join(statement.split()))

    event.listen(db.engine, "before_cursor_execute", note)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", note)


def worked_out(seen):
    """Whether the trainee's results were read again (the summary's lesson query) for their rows."""
    return any("FROM lesson_progress JOIN lessons" in s for s in seen)


def status_writes(seen):
    return [s for s in seen if s.startswith(("INSERT INTO certification_statuses", "UPDATE certification_statuses",
                                             "DELETE FROM certification_statuses"))]


def row(db, user):
    from trainer.models import CertificationStatus
    return db.session.execute(select(CertificationStatus.__table__).where(
        CertificationStatus.user_id == user.id, CertificationStatus.programme_key == PROGRAMME)).one()


@pytest.fixture
def ann(make_user, synced):
    return make_user("ann")


@pytest.fixture
def side(db, synced):
    """A quiz no programme asks for (its single-choice item no short answer either)."""
    db.session.add(Quiz(key=SIDE, content_hash="side", title="附加练习", lessons=["refund-basics"],
                        item_keys=["rb-window"], mastery_correct=3, mastery_window=5))
    db.session.commit()


def answer(db, user, quiz_key, seq=0, correct=True, kind="practice", attempt=None):
    if attempt is None:
        attempt = QuizAttempt(user_id=user.id, quiz_key=quiz_key, kind=kind, quiz_version=1, item_keys=["rb-window"],
                              seed=1, started_at=NOW)
        db.session.add(attempt)
        db.session.flush()
    db.session.add(Answer(attempt_id=attempt.id, seq=seq, item_key="rb-window", item_version=1, response=0,
                          score=float(correct), max_score=1.0, correct=correct, result={},
                          answered_at=NOW + timedelta(minutes=seq)))
    return attempt


def test_a_savepoint_released_leaves_the_rows_to_the_commit(db, ann):
    """A savepoint (an insert that may meet a unique constraint) is not the end of the transaction: the rows are
    worked out once, at the commit, with everything the transaction changed."""
    with statements(db) as seen:
        with db.session.begin_nested():
            study(db, ann, NOW, keys=("greeting",))
        released = len(seen)
        study(db, ann, NOW, keys=("refund-basics",))
        db.session.commit()
    assert not worked_out(seen[:released]) and not status_writes(seen[:released])
    assert sum("FROM lesson_progress JOIN lessons" in s for s in seen[released:]) == 1  # worked out once
    assert row(db, ann).met == 2
    assert_in_step(db)


# --- changes that cannot alter a row ---------------------------------------------------------------------------

def test_reading_time_alone_works_nothing_out_and_studying_does(db, ann):
    study(db, ann, NOW - timedelta(days=1))
    db.session.commit()
    before = row(db, ann)
    progress = db.session.scalar(select(LessonProgress).where(LessonProgress.user_id == ann.id))
    with statements(db) as seen:
        progress.last_opened_at = NOW
        progress.seconds_spent = (progress.seconds_spent or 0) + 90
        db.session.commit()
    assert seen and all(s.startswith(("UPDATE lesson_progress", "SAVEPOINT", "RELEASE", "BEGIN", "COMMIT"))
                        for s in seen), seen
    assert row(db, ann) == before
    with statements(db) as seen:
        progress.studied_at = None  # no longer studied: the row changes
        db.session.commit()
    assert worked_out(seen) and status_writes(seen)
    assert row(db, ann).met == before.met - 1
    assert_in_step(db)
    with statements(db) as seen:
        progress.studied_at = NOW
        db.session.commit()
    assert worked_out(seen)
    assert row(db, ann) == before[:-1] + row(db, ann)[-1:]  # the same row again (written at another moment)
    assert_in_step(db)


def test_an_answer_no_programme_counts_is_not_worked_out_once_the_trainee_has_rows(db, ann, side):
    with statements(db) as seen:
        attempt = answer(db, ann, SIDE)  # ann has no rows yet: she gets them
        db.session.commit()
    assert worked_out(seen)
    first = assert_in_step(db)
    assert not first[0][ann.id, PROGRAMME]["started"]
    with statements(db) as seen:
        answer(db, ann, SIDE, seq=1, attempt=attempt)
        db.session.commit()
    assert not worked_out(seen) and not status_writes(seen)
    assert assert_in_step(db) == first
    # the programme comes to ask for the quiz: her answers count now
    programme = db.session.scalar(select(Programme).where(Programme.key == PROGRAMME))
    definition = dict(programme.definition)
    definition["requirements"] = [*definition["requirements"], {"kind": "quiz", "key": SIDE, "label": "附加练习"}]
    programme.definition, programme.version = definition, programme.version + 1
    db.session.commit()
    statuses, _ = assert_in_step(db)
    assert statuses[ann.id, PROGRAMME]["started"] and statuses[ann.id, PROGRAMME]["total"] == first[0][
        ann.id, PROGRAMME]["total"] + 1
    with statements(db) as seen:
        answer(db, ann, SIDE, seq=2, attempt=attempt)
        db.session.commit()
    assert worked_out(seen)
    assert_in_step(db)


def test_an_exam_answer_is_not_worked_out_and_the_exam_result_is(db, ann):
    practise(db, ann, NOW - timedelta(days=1))
    sitting = QuizAttempt(user_id=ann.id, quiz_key="final-exam", kind="exam", quiz_version=1, item_keys=["rb-window"],
                          seed=1, started_at=NOW)  # the sitting itself counts (its version is the result's)
    db.session.add(sitting)
    db.session.commit()
    before = row(db, ann)
    with statements(db) as seen:
        answer(db, ann, "final-exam", attempt=sitting)
        db.session.commit()
    assert not worked_out(seen)
    assert row(db, ann) == before
    with statements(db) as seen:
        sit_exam(db, ann, NOW)
        db.session.commit()
    assert worked_out(seen)
    assert row(db, ann).met == before.met + 1
    assert_in_step(db)


def test_a_counted_answer_that_leaves_the_row_as_it_was_writes_nothing(db, ann):
    attempt = answer(db, ann, "refund-basics", correct=False)
    db.session.commit()
    before = row(db, ann)
    assert before.started
    with statements(db) as seen:
        answer(db, ann, "refund-basics", seq=1, correct=False, attempt=attempt)  # still far from mastery
        db.session.commit()
    assert worked_out(seen) and not status_writes(seen)
    assert row(db, ann) == before
    for seq in range(2, 6):  # four right of the last five: 80 %, the requirement met
        answer(db, ann, "refund-basics", seq=seq, attempt=attempt)
    with statements(db) as seen:
        db.session.commit()
    assert [s.split(" SET ")[0] for s in status_writes(seen)] == ["UPDATE certification_statuses"]
    assert row(db, ann).met == before.met + 1
    assert_in_step(db)


# --- the content, read once per content state -----------------------------------------------------------------

def test_the_content_is_kept_until_it_changes_here_or_in_another_process(db, ann, side):
    answer(db, ann, SIDE)
    db.session.commit()
    kept = report_tables._content()
    assert report_tables._content() is kept
    db.session.rollback()
    # another process makes the programme ask for the side quiz (and works out the rows there): this session's
    # objects see none of it, only the content tables' figures
    programme = db.session.scalar(select(Programme).where(Programme.key == PROGRAMME))
    definition = {**programme.definition, "requirements": [*programme.definition["requirements"],
                                                           {"kind": "quiz", "key": SIDE, "label": "附加练习"}]}
    db.session.execute(update(Programme.__table__).where(Programme.key == PROGRAMME)
                       .values(definition=definition, version=Programme.version + 1))
    report_tables.refresh_stale()
    db.session.commit()
    fresh = report_tables._content()
    assert fresh is not kept and SIDE in fresh.quizzes and SIDE not in kept.quizzes
    with statements(db) as seen:
        answer(db, ann, SIDE, seq=1, attempt=db.session.scalar(select(QuizAttempt).where(QuizAttempt.quiz_key == SIDE)))
        db.session.commit()
    assert worked_out(seen)
    assert_in_step(db)


def test_a_transaction_that_changes_content_reads_it_afresh_and_keeps_nothing(db, ann):
    study(db, ann, NOW)
    db.session.commit()
    kept = report_tables._content()
    lesson = db.session.scalar(select(Lesson).where(Lesson.key == "refund-basics"))
    lesson.retired = True  # the rows rest on the lessons' keys, not on their being published
    db.session.rollback()
    assert report_tables._content() is kept  # nothing flushed: nothing changed
    programme = db.session.scalar(select(Programme).where(Programme.key == PROGRAMME))
    programme.definition = {**programme.definition, "title": "售后客服（新）"}  # no version bump, as a test might
    db.session.commit()
    fresh = report_tables._content()
    assert fresh is not kept and [p.title for p in fresh.built if p.key == PROGRAMME] == ["售后客服（新）"]
    assert_in_step(db)
