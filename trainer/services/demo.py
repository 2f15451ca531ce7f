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
    _demo_reviews()
    db.session.flush()
    return True


#: Role-play assessments of the cohort: ``(username, scenario, [(reply, seconds)])``. 张敏's is a
#: borderline pass (80.5) that waits for the trainer; 刘洋's fails; 孙浩's passes.
ROLEPLAYS = [
    ("sunhao", "wrong-shipment", [
        ("亲，您好，我是客服小孙。非常抱歉让您收到了错误的商品，我理解您着急送礼的心情，马上帮您查一下订单。", 15),
        ("查到了，是我们把另一个订单的备注错填到了您的订单上，这完全是我们的失误。方便拍一张收到的衬衫照片给我吗？", 60),
        ("您看这样可以吗：可以马上给您全额退款，也可以今天顺丰加急给您补发白衬衫，错发的那件到付寄回，运费由我们承担。", 50),
        ("耽误您两天真的很抱歉，我再给您发一个10元红包表示歉意。", 40),
        ("好的，今天就发出，发货后第一时间把物流单号发给您。有问题随时联系我，祝您生活愉快！", 30)]),
    ("zhangmin", "wrong-shipment", [
        ("亲，您好，非常抱歉，我马上帮您查一下订单。", 20),
        ("查到了，是我们把另一个订单的备注填错了，这是我们的失误。", 200),
        ("可以给您全额退款，也可以重新发一件白衬衫，运费由我们承担。", 240),
        ("再给您发一个10元红包表示歉意。", 200),
        ("好的，今天就给您发出，发货后把物流单号发给您，祝您生活愉快！", 100)]),
    ("liuyang", "wrong-shipment", [("订单号多少", 90), ("应该是仓库发错了", 200), ("那你申请退货退款吧", 250)]),
]
#: Trainees whose short answer the grader is unsure of (a key point negated), for the review queue.
UNSURE_ANSWERS = ["zhangmin", "liuyang"]


def _demo_reviews():
    """Give the trainer's review queue something real: role-plays and uncertain short answers."""
    from datetime import timedelta

    from . import roleplay

    for username, key, replies in ROLEPLAYS:
        user = db.session.scalar(select(User).where(User.username == username))
        row = roleplay.active_scenario(key)
        if user is None or row is None:
            continue
        run = roleplay.start_run(user, row, "assessment")
        for seq, (text, seconds) in enumerate(replies, start=1):
            if run.status != "open":
                break
            run = roleplay.take_reply(user, run, seq, text, now=run.customer_at + timedelta(seconds=seconds))
        if run.status == "open":
            roleplay.stop_run(user, run)
    from ..core.grading import grade

    unsure = [row for row in _short_items() if grade(item_of(row), _negated_model_answer(item_of(row))).needs_review]
    for username, row in zip(UNSURE_ANSWERS, unsure):
        user = db.session.scalar(select(User).where(User.username == username))
        quiz = next((q for q in attempts.quizzes_for_lesson(row.lessons[0]) if row.key in q.item_keys), None)
        if user is not None and quiz is not None:
            _answer_until(user, quiz, row.key, _negated_model_answer(item_of(row)))


def _negated_model_answer(item):
    """The model answer with 不需要 before its first key wording: the grader must ask a trainer."""
    answer = item.rubric.model_answer
    for point in item.rubric.points:
        for alias in point.aliases:
            if alias.text in answer:
                return answer.replace(alias.text, "不需要" + alias.text, 1)
    return "不需要" + answer


def _answer_until(user, quiz, key, text):
    """Practise ``quiz`` well until item ``key`` comes up, then answer it with ``text``."""
    attempt = attempts.practice_attempt(user, quiz)
    for _ in range(len(quiz.item_keys) + 1):
        seq, next_key = attempts.next_practice_key(attempt)
        if next_key == key:
            attempts.answer_practice(user, attempt, seq, text, quiz)
            return
        attempts.answer_practice(user, attempt, seq, model_response(item_of(attempts.item_rows([next_key])[next_key])), quiz)


def _short_items():
    from ..models import QuizItem

    return list(db.session.scalars(select(QuizItem).where(QuizItem.kind == "short", QuizItem.retired.is_(False))
                                   .order_by(QuizItem.key)))


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
