"""Lesson-quiz practice and exam sittings: answers stored one by one, a submission exactly once."""
import logging
import random
import secrets
from datetime import timedelta

from sqlalchemy import bindparam, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import defer, selectinload
from sqlalchemy.orm.attributes import set_committed_value

from ..core.grading import grade
from ..extensions import db
from ..models import Answer, Exam, Quiz, QuizAttempt, QuizItem, QuizResult
from ..models.attempts import OPEN, SUBMITTED
from ..models._types import utcnow
from . import certification, handbook
from .grading import item_of

log = logging.getLogger(__name__)


class AttemptError(Exception):
    """Something the trainee cannot do now; ``code`` says what (the web layer words it)."""

    def __init__(self, code):
        super().__init__(code)
        self.code = code


def active_quiz(key):
    return db.session.scalar(select(Quiz).where(Quiz.key == key, Quiz.retired.is_(False)))


def active_exam(key=None):
    query = select(Exam).where(Exam.retired.is_(False))
    return db.session.scalar(query.where(Exam.key == key) if key else query.order_by(Exam.id))


def item_rows(keys):
    rows = db.session.scalars(select(QuizItem).where(QuizItem.key.in_(list(keys))))
    return {row.key: row for row in rows}


def quizzes_for_lesson(lesson_key):
    return handbook.current().quizzes_for(lesson_key)


def _open_attempt(user, key):
    return db.session.scalar(select(QuizAttempt).where(
        QuizAttempt.user_id == user.id, QuizAttempt.quiz_key == key, QuizAttempt.status == OPEN))


#: A practice's answers as the quiz pages use them (position, item, right or not): the stored
#: response and grading evidence, which grow with every answer, are read only for the answer shown.
_LIGHT_ANSWERS = selectinload(QuizAttempt.answers).options(defer(Answer.response), defer(Answer.result))


def _open_practice(user, key):
    return db.session.scalar(select(QuizAttempt).options(_LIGHT_ANSWERS).where(
        QuizAttempt.user_id == user.id, QuizAttempt.quiz_key == key, QuizAttempt.status == OPEN))


def _insert_once(obj, find_existing):
    """Insert ``obj``; if a unique constraint says it already exists, return the existing row."""
    try:
        with db.session.begin_nested():
            db.session.add(obj)
        return obj
    except IntegrityError:
        return find_existing()


# --- practice: answer a lesson quiz's items until mastery -----------------------------------------

def practice_attempt(user, quiz):
    """The trainee's open practice on ``quiz``, started if needed (safe from two tabs).

    Practice on an older version of the quiz is closed: the new items are practised, and results
    on the new version can meet a certification's re-test after a material change.
    """
    attempt = _open_practice(user, quiz.key)
    if attempt is not None and attempt.quiz_version != quiz.version:
        attempt.status = SUBMITTED
        db.session.flush()
        attempt = None
    if attempt is None:
        attempt = _insert_once(
            QuizAttempt(user_id=user.id, quiz_key=quiz.key, kind="practice", quiz_version=quiz.version,
                        item_keys=list(quiz.item_keys), seed=secrets.randbelow(2**31)),
            lambda: _open_practice(user, quiz.key))
    return attempt


def next_practice_key(attempt):
    """The item to answer next: each round goes through all items in a fresh shuffled order."""
    seq, keys = len(attempt.answers), list(attempt.item_keys)
    order = keys[:]
    random.Random(attempt.seed + seq // len(keys)).shuffle(order)  # nosec B311  # replays the attempt's seed
    return seq, order[seq % len(keys)]


def answer_practice(user, attempt, seq, response, quiz, row=None):
    """Grade and store the answer at position ``seq``; a repeated submit returns the stored one.

    ``row``: the ``QuizItem`` row of the item due at ``seq`` if the caller has it already."""
    _require_open(user, attempt)
    if seq < len(attempt.answers):
        return attempt.answers[seq]
    expected_seq, key = next_practice_key(attempt)
    if seq != expected_seq:
        raise AttemptError("out_of_step")
    fresh = _graded_answer(attempt, seq, key, response, row if row is not None and row.key == key else None)
    answer = _insert_once(fresh, lambda: _answer_at(attempt, seq))
    if answer is fresh:  # the answers loaded, then this one: the attempt's answers as they now stand
        set_committed_value(attempt, "answers", [*attempt.answers, answer])
    else:  # another request stored this position first: read the attempt again as it stands
        db.session.refresh(attempt)
    recent, mastered = mastery(attempt, quiz)
    if mastered and attempt.mastered_at is None:
        attempt.mastered_at = answer.answered_at
    db.session.flush()
    if answer.correct and not answer.needs_review:
        certification.after_practice(user, quiz, recent)
    return answer


def mastery(attempt, quiz):
    """``(results of the last window answers, mastered?)`` — Kolibri's "m of n" rule."""
    recent = [answer.correct for answer in attempt.answers[-quiz.mastery_window:]]
    return recent, attempt.mastered_at is not None or sum(recent) >= quiz.mastery_correct


_MASTERED = select(QuizAttempt.quiz_key).where(
    QuizAttempt.user_id == bindparam("user_id"), QuizAttempt.kind == "practice", QuizAttempt.mastered_at.is_not(None))
_MASTERED_AMONG = _MASTERED.where(QuizAttempt.quiz_key.in_(bindparam("keys", expanding=True)))


def mastered_quizzes(user, keys=None):
    """Keys of the quizzes this trainee has mastered (among ``keys`` if given: none asked, no query)."""
    if keys is None:
        return set(db.session.scalars(_MASTERED, {"user_id": user.id}))
    return set(db.session.scalars(_MASTERED_AMONG, {"user_id": user.id, "keys": list(keys)})) if keys else set()


# --- exams: a timed sitting, answers saved as given, submitted once ---------------------------------

def exam_overview(user, exam, now):
    """Past results, the open sitting (submitted first if its time ran out) and attempts left."""
    attempt = _open_attempt(user, exam.key)
    if attempt is not None and _expired(attempt, now):
        submit_exam(user, attempt, now, by="deadline")
        attempt = None
    results = list(db.session.scalars(select(QuizResult).where(
        QuizResult.user_id == user.id, QuizResult.quiz_key == exam.key).order_by(QuizResult.submitted_at)))
    return {"open": attempt, "results": results, "left": max(exam.max_attempts - len(results), 0),
            "best": max(results, key=lambda r: r.percent, default=None)}


def start_exam(user, exam, now, rng=None):
    """Open a sitting with items drawn from the pools; resumes the open one instead."""
    overview = exam_overview(user, exam, now)
    if overview["open"] is not None:
        return overview["open"]
    if overview["left"] == 0:
        raise AttemptError("no_attempts_left")
    keys = draw_items(exam, rng or random.Random(secrets.randbits(32)))  # nosec B311  # seeded from secrets
    attempt = QuizAttempt(user_id=user.id, quiz_key=exam.key, kind="exam", quiz_version=exam.version,
                          item_keys=keys, seed=secrets.randbelow(2**31), number=len(overview["results"]) + 1,
                          started_at=now, deadline=now + timedelta(minutes=exam.time_limit_minutes))
    attempt = _insert_once(attempt, lambda: _open_attempt(user, exam.key))
    log.info("exam %s started by %s (attempt %s)", exam.key, user.username, attempt.id)
    return attempt


def draw_items(exam, rng):
    """Each pool draws its count at random from the active items of its lessons and kinds."""
    rows = list(db.session.scalars(select(QuizItem).where(QuizItem.retired.is_(False)).order_by(QuizItem.key)))
    chosen = []
    for pool in exam.pools:
        candidates = [r.key for r in rows if set(r.lessons) & set(pool["lessons"])
                      and (not pool["kinds"] or r.kind in pool["kinds"]) and r.key not in chosen]
        chosen += rng.sample(candidates, min(pool["count"], len(candidates)))
    return chosen


def save_exam_answer(user, attempt, seq, response, now):
    """Store (or replace) the answer to item ``seq``; refused once the time is up."""
    _require_open(user, attempt)
    if _expired(attempt, now):
        submit_exam(user, attempt, now, by="deadline")
        raise AttemptError("time_up")
    if not 0 <= seq < len(attempt.item_keys):
        raise AttemptError("no_such_item")
    fresh = _graded_answer(attempt, seq, attempt.item_keys[seq], response)
    existing = _answer_at(attempt, seq)
    if existing is None:
        existing = _insert_once(fresh, lambda: _answer_at(attempt, seq))
        if existing is fresh:
            return fresh
    for name in ("item_version", "response", "score", "max_score", "correct", "needs_review", "result", "answered_at"):
        setattr(existing, name, getattr(fresh, name))
    db.session.flush()
    return existing


def submit_exam(user, attempt, now, by="trainee"):
    """Score the sitting; the unique result row means a second submit returns the first result."""
    if attempt.user_id != user.id:
        raise AttemptError("not_yours")
    existing = lambda: db.session.scalar(select(QuizResult).where(QuizResult.attempt_id == attempt.id))
    if (found := existing()) is not None:
        return found
    rows = item_rows(attempt.item_keys)
    answers = {a.seq: a for a in attempt.answers}
    score = sum(a.score for a in answers.values())
    max_score = sum(item_of(rows[key]).max_score for key in attempt.item_keys if key in rows)
    percent = round(100 * score / max_score, 1) if max_score else 0.0
    exam = db.session.scalar(select(Exam).where(Exam.key == attempt.quiz_key))
    result = _insert_once(QuizResult(
        attempt_id=attempt.id, user_id=user.id, quiz_key=attempt.quiz_key, score=score, max_score=max_score,
        percent=percent, passed=percent >= exam.pass_percent, submitted_at=now, submitted_by=by,
        needs_review=any(a.needs_review for a in answers.values())), existing)
    attempt.status = SUBMITTED
    db.session.flush()
    log.info("exam %s submitted by %s: %.1f%%", attempt.quiz_key, user.username, percent)
    if result.passed and not result.needs_review:
        certification.refresh(user, now, only_if=("exam", attempt.quiz_key))
    return result


def submitted_attempts(user, key):
    return db.session.scalar(select(func.count(QuizResult.id)).where(
        QuizResult.user_id == user.id, QuizResult.quiz_key == key))


# --- shared ------------------------------------------------------------------------------------

def _require_open(user, attempt):
    if attempt.user_id != user.id:
        raise AttemptError("not_yours")
    if attempt.status != OPEN:
        raise AttemptError("closed")


def _expired(attempt, now):
    return attempt.deadline is not None and now > attempt.deadline


def _answer_at(attempt, seq):
    return db.session.scalar(select(Answer).where(Answer.attempt_id == attempt.id, Answer.seq == seq))


def practice_answer(attempt, seq):
    """``(answer at seq with everything stored, its QuizItem row)`` in one statement; ``(None, None)`` if none."""
    found = db.session.execute(
        select(Answer, QuizItem).join(QuizItem, QuizItem.key == Answer.item_key)
        .where(Answer.attempt_id == attempt.id, Answer.seq == seq)).first()
    return (found[0], found[1]) if found is not None else (None, None)


def _graded_answer(attempt, seq, key, response, row=None):
    row = row if row is not None else item_rows([key])[key]
    item = item_of(row)
    result = grade(item, response)
    return Answer(attempt_id=attempt.id, seq=seq, item_key=key, item_version=row.version, response=response,
                  score=result.score, max_score=result.max_score, correct=result.passed,
                  needs_review=result.needs_review, result=result.to_dict(), answered_at=utcnow())
