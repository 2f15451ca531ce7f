"""The demo installation: one account per role and a small cohort with some progress."""
from sqlalchemy import select

import random

from ..extensions import db
from ..models import Role, User
from ..models._types import utcnow
from . import accounts, attempts, progress
from .grading import item_of

DEMO_PASSWORD = "demo1234"
DEMO_COHORT = "2026年11月入职批次"
STAFF = [
    ("trainee", "王小雨", [Role.TRAINEE]),
    ("trainer", "李老师", [Role.TRAINER]),
    ("manager", "陈主管", [Role.MANAGER]),
    ("admin", "系统管理员", [Role.ADMIN]),
]
#: Cohort-mates of the demo trainee, with how many lessons each has studied.
COHORT = [("zhangmin", "张敏", 9), ("liuyang", "刘洋", 4), ("zhaojing", "赵静", 0), ("sunhao", "孙浩", 14)]


def seed_demo():
    """Create what the demo needs; running it again changes nothing."""
    if db.session.scalar(select(User.id).where(User.username == "trainee")):
        return False
    cohort = accounts.get_or_create_cohort(DEMO_COHORT)
    system = User(username="system")  # only named in the log
    for username, name, roles in STAFF:
        accounts.create_user(system, username, name, DEMO_PASSWORD, roles,
                             cohort=cohort if Role.TRAINEE in roles else None)
    lessons = progress.published_lessons()
    trainee = db.session.scalar(select(User).where(User.username == "trainee"))
    for lesson in lessons[:2]:
        progress.mark_studied(trainee, lesson)
    if len(lessons) > 2:
        progress.open_lesson(trainee, lessons[2])
    _practise(trainee, [lesson.key for lesson in lessons[:2]])
    for username, name, studied in COHORT:
        member = accounts.create_user(system, username, name, DEMO_PASSWORD, [Role.TRAINEE], cohort=cohort)
        for lesson in lessons[:studied]:
            progress.mark_studied(member, lesson)
        _practise(member, [lesson.key for lesson in lessons[:studied]])
        if studied >= 14:
            _sit_exam(member)
    db.session.flush()
    return True


def _practise(user, lesson_keys):
    """Answer each lesson quiz until mastered (the demo trainee "studied" those lessons)."""
    for key in lesson_keys:
        quiz = attempts.active_quiz(key)
        if quiz is None:
            continue
        attempt = attempts.practice_attempt(user, quiz)
        for _ in range(quiz.mastery_correct):
            seq, item_key = attempts.next_practice_key(attempt)
            item = item_of(attempts.item_rows([item_key])[item_key])
            attempts.answer_practice(user, attempt, seq, model_response(item), quiz)


def _sit_exam(user):
    exam = attempts.active_exam()
    if exam is None:
        return
    attempt = attempts.start_exam(user, exam, utcnow(), random.Random(7))
    rows = attempts.item_rows(attempt.item_keys)
    for seq, key in enumerate(attempt.item_keys):
        attempts.save_exam_answer(user, attempt, seq, model_response(item_of(rows[key])), utcnow())
    attempts.submit_exam(user, attempt, utcnow())


def model_response(item):
    """The answer a well-prepared trainee gives: the right option(s), order or pairs, or the model answer."""
    if item.kind == "single":
        return next(i for i, option in enumerate(item.options) if option.correct)
    if item.kind == "multiple":
        return [i for i, option in enumerate(item.options) if option.correct]
    if item.kind == "true_false":
        return item.answer
    if item.kind == "ordering":
        return list(range(len(item.steps)))
    if item.kind == "matching":
        return {str(i): i for i in range(len(item.pairs))}
    return item.rubric.model_answer
