"""Quiz practice and exams: answers stored once, submissions once, deadlines and attempt limits."""
import random
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from trainer.models import Answer, QuizAttempt, QuizResult
from trainer.models._types import utcnow
from trainer.services import attempts
from trainer.services.demo import model_response
from trainer.services.grading import item_of


@pytest.fixture
def ann(make_user):
    return make_user("ann")


@pytest.fixture
def quiz(synced):
    return attempts.active_quiz("refund-basics")


@pytest.fixture
def exam(synced):
    return attempts.active_exam()


def _right_response(item):
    return model_response(item)


def _answer_next(db, user, attempt, quiz, right=True):
    seq, key = attempts.next_practice_key(attempt)
    item = item_of(attempts.item_rows([key])[key])
    response = _right_response(item) if right else ("无关的回答" if item.kind == "short" else None)
    answer = attempts.answer_practice(user, attempt, seq, response, quiz)
    db.session.commit()
    return answer


def test_practice_goes_through_every_item_before_repeating(db, ann, quiz):
    attempt = attempts.practice_attempt(ann, quiz)
    keys = []
    for _ in range(len(quiz.item_keys)):
        keys.append(attempts.next_practice_key(attempt)[1])
        _answer_next(db, ann, attempt, quiz)
    assert sorted(keys) == sorted(quiz.item_keys)


def test_three_of_the_last_five_right_masters_the_quiz(db, ann, quiz):
    attempt = attempts.practice_attempt(ann, quiz)
    for right in (False, True, False, True):
        _answer_next(db, ann, attempt, quiz, right)
    assert attempts.mastery(attempt, quiz) == ([False, True, False, True], False)
    _answer_next(db, ann, attempt, quiz, True)
    recent, mastered = attempts.mastery(attempt, quiz)
    assert mastered and attempt.mastered_at is not None
    assert "refund-basics" in attempts.mastered_quizzes(ann)


def test_the_same_practice_answer_submitted_twice_is_stored_once(db, ann, quiz):
    attempt = attempts.practice_attempt(ann, quiz)
    seq, key = attempts.next_practice_key(attempt)
    item = item_of(attempts.item_rows([key])[key])
    first = attempts.answer_practice(ann, attempt, seq, _right_response(item), quiz)
    db.session.commit()
    again = attempts.answer_practice(ann, attempt, seq, _right_response(item), quiz)
    db.session.commit()
    assert again.id == first.id
    assert db.session.scalar(select(func.count(Answer.id))) == 1


def test_practice_attempt_is_shared_by_two_tabs(db, ann, quiz):
    assert attempts.practice_attempt(ann, quiz).id == attempts.practice_attempt(ann, quiz).id


def test_exam_draws_from_its_pools_and_resumes(db, ann, exam):
    now = utcnow()
    attempt = attempts.start_exam(ann, exam, now, random.Random(1))
    db.session.commit()
    kinds = [attempts.item_rows([k])[k].kind for k in attempt.item_keys]
    assert len(kinds) == 3 and kinds[-1] == "short" and set(kinds[:2]) <= {"single", "true_false", "multiple"}
    assert attempts.start_exam(ann, exam, now).id == attempt.id
    assert attempt.deadline == now + timedelta(minutes=exam.time_limit_minutes)


def test_exam_answers_are_saved_one_by_one_and_can_be_changed(db, ann, exam):
    attempt = attempts.start_exam(ann, exam, utcnow())
    first = item_of(attempts.item_rows([attempt.item_keys[0]])[attempt.item_keys[0]])
    attempts.save_exam_answer(ann, attempt, 0, None, utcnow())
    db.session.commit()
    attempts.save_exam_answer(ann, attempt, 0, _right_response(first), utcnow())
    db.session.commit()
    rows = db.session.scalars(select(Answer).where(Answer.attempt_id == attempt.id)).all()
    assert len(rows) == 1 and rows[0].score == 1.0


def test_submit_happens_exactly_once(db, ann, exam):
    attempt = attempts.start_exam(ann, exam, utcnow())
    for seq, key in enumerate(attempt.item_keys):
        attempts.save_exam_answer(ann, attempt, seq, _right_response(item_of(attempts.item_rows([key])[key])), utcnow())
    first = attempts.submit_exam(ann, attempt, utcnow())
    db.session.commit()
    second = attempts.submit_exam(ann, attempt, utcnow())
    db.session.commit()
    assert second.id == first.id and first.percent == 100.0 and first.passed
    assert db.session.scalar(select(func.count(QuizResult.id))) == 1
    with pytest.raises(attempts.AttemptError):
        attempts.save_exam_answer(ann, attempt, 0, True, utcnow())


def test_the_database_refuses_a_second_result_for_one_attempt(db, ann, exam):
    from sqlalchemy.exc import IntegrityError

    attempt = attempts.start_exam(ann, exam, utcnow())
    attempts.submit_exam(ann, attempt, utcnow())
    db.session.commit()
    db.session.add(QuizResult(attempt_id=attempt.id, user_id=ann.id, quiz_key=exam.key, score=0, max_score=1,
                              percent=0, passed=False))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_the_database_refuses_two_open_attempts_at_one_quiz(db, ann, exam):
    from sqlalchemy.exc import IntegrityError

    attempts.start_exam(ann, exam, utcnow())
    db.session.commit()
    db.session.add(QuizAttempt(user_id=ann.id, quiz_key=exam.key, kind="exam", quiz_version=1, item_keys=[], seed=1))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_after_the_deadline_answers_are_refused_and_the_sitting_is_submitted(db, ann, exam):
    start = utcnow() - timedelta(hours=2)
    attempt = attempts.start_exam(ann, exam, start)
    attempts.save_exam_answer(ann, attempt, 0, True, start + timedelta(minutes=1))
    db.session.commit()
    with pytest.raises(attempts.AttemptError) as error:
        attempts.save_exam_answer(ann, attempt, 1, True, utcnow())
    assert error.value.code == "time_up"
    db.session.commit()
    assert attempt.result is not None and attempt.result.submitted_by == "deadline"


def test_attempt_limit(db, ann, exam):
    for _ in range(exam.max_attempts):
        attempts.submit_exam(ann, attempts.start_exam(ann, exam, utcnow()), utcnow())
        db.session.commit()
    with pytest.raises(attempts.AttemptError) as error:
        attempts.start_exam(ann, exam, utcnow())
    assert error.value.code == "no_attempts_left"


def test_uncertain_short_answer_marks_the_result_for_review(db, ann, exam):
    attempt = attempts.start_exam(ann, exam, utcnow())
    short_seq = next(n for n, k in enumerate(attempt.item_keys) if attempts.item_rows([k])[k].kind == "short")
    answer = attempts.save_exam_answer(ann, attempt, short_seq, "不需要道歉，核对订单后补发。", utcnow())
    assert answer.needs_review and "negated" in answer.result["reasons"]
    assert attempts.submit_exam(ann, attempt, utcnow()).needs_review


def test_someone_elses_attempt_is_refused(db, ann, make_user, exam):
    attempt = attempts.start_exam(ann, exam, utcnow())
    bob = make_user("bob")
    with pytest.raises(attempts.AttemptError):
        attempts.save_exam_answer(bob, attempt, 0, True, utcnow())
    with pytest.raises(attempts.AttemptError):
        attempts.submit_exam(bob, attempt, utcnow())
