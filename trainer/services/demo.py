"""The demo installation: one account per role and a small cohort with some progress."""
from sqlalchemy import select

import random

from ..extensions import db
from ..models import Role, User
from ..models._types import utcnow
from . import accounts, attempts, progress
from .demo_team import seed_team
from .grading import item_of

DEMO_PASSWORD = "demo1234"  # nosec B105  # the demo accounts' published password, used by `trainer demo` only
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
    _demo_certification(cohort)
    seed_team(cohort, _pass_scenario)
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
    attempt = attempts.start_exam(user, exam, utcnow(), random.Random(7))  # nosec B311  # reproducible demo data
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


# --- certification: some certified, some behind, one awaiting review, one expired, one overdue ----

#: The batch before: one member's certificate has just expired, another never finished (overdue).
EARLIER_COHORT = "2025年10月入职批次"
#: ``(username, name, cohort, [(programme, days ago when finished, everything but these requirements)])``:
#: 何佳 and 孙浩 are certified, 张敏 has done all of 售后客服 but her borderline 错发 role-play waits for the
#: trainer, 周婷 was certified a year and a week ago and did not renew.
EARNED = [
    ("hejia", "何佳", DEMO_COHORT, [("pre-sales", 9, ()), ("after-sales", 3, ())]),
    ("sunhao", "孙浩", DEMO_COHORT, [("pre-sales", 4, ())]),
    ("zhangmin", "张敏", DEMO_COHORT, [("after-sales", 2, ("wrong-shipment",))]),
    ("zhouting", "周婷", EARLIER_COHORT, [("pre-sales", 373, ())]),
]
#: 吴磊 read a few lessons a year ago and stopped: past his cohort's due date.
STALLED = ("wulei", "吴磊", EARLIER_COHORT, 380, 6)


def _demo_certification(cohort):
    """Programmes with due dates for both batches, the manager over them, and results dated in the past."""
    from datetime import timedelta

    from ..models import CohortManager, CohortProgramme, Programme
    from . import certification

    if not db.session.scalar(select(Programme.id).limit(1)):
        return
    today, now = certification.local_day(utcnow()), utcnow()
    earlier = accounts.get_or_create_cohort(EARLIER_COHORT)
    manager = db.session.scalar(select(User).where(User.username == "manager"))
    db.session.add_all([CohortManager(cohort_id=cohort.id, user_id=manager.id),
                        CohortManager(cohort_id=earlier.id, user_id=manager.id),
                        CohortProgramme(cohort_id=cohort.id, programme_key="pre-sales", due_on=today + timedelta(days=25)),
                        CohortProgramme(cohort_id=cohort.id, programme_key="after-sales", due_on=today + timedelta(days=53)),
                        CohortProgramme(cohort_id=earlier.id, programme_key="pre-sales", due_on=today - timedelta(days=358))])
    programmes = {p.key: p for p in certification.programmes()}
    for username, name, cohort_name, earned in EARNED:
        user = _demo_member(username, name, cohort_name)
        for key, days_ago, skip in earned:
            when = now - timedelta(days=days_ago, hours=3)
            _earn(user, programmes[key], when, skip)
            certification.refresh(user, now=when)
    username, name, cohort_name, days_ago, lessons = STALLED
    user = _demo_member(username, name, cohort_name)
    _study(user, [r.key for r in programmes["pre-sales"].requirements if r.kind == "lesson"][:lessons],
           now - timedelta(days=days_ago))
    db.session.flush()


def _demo_member(username, name, cohort_name):
    user = db.session.scalar(select(User).where(User.username == username))
    return user or accounts.create_user("demo", username, name, DEMO_PASSWORD, [Role.TRAINEE],
                                        cohort=accounts.get_or_create_cohort(cohort_name))


def _earn(user, programme, when, skip=()):
    """Meet every requirement of ``programme`` (but ``skip``) in the fortnight before ``when``."""
    from datetime import timedelta

    wanted = [r for r in programme.requirements if r.key not in skip]
    _study(user, [r.key for r in wanted if r.kind == "lesson"], when - timedelta(days=14))
    for requirement in wanted:
        if requirement.kind == "quiz":
            _master(user, requirement.key, when - timedelta(days=6))
        elif requirement.kind == "exam":
            _pass_exam(user, when - timedelta(days=4))
        elif requirement.kind == "scenario":
            _pass_scenario(user, requirement.key, when - timedelta(days=2))
        elif requirement.kind == "glossary":
            _retain(user, requirement.lessons, when)


def _study(user, keys, start):
    from datetime import timedelta

    for n, key in enumerate(keys):
        lesson = progress.get_lesson(key)
        row = progress.mark_studied(user, lesson)
        if row.studied_at >= start:
            row.first_opened_at = row.last_opened_at = start + timedelta(hours=8 * n)
            row.studied_at = row.first_opened_at + timedelta(minutes=lesson.minutes + 5)
            row.seconds_spent = max(row.seconds_spent, lesson.minutes * 60)
    db.session.flush()


def _master(user, key, when):
    """Answer a full mastery window right, the answers dated just before ``when``."""
    from datetime import timedelta

    quiz = attempts.active_quiz(key)
    attempt = attempts.practice_attempt(user, quiz)
    for _ in range(quiz.mastery_window):
        seq, item_key = attempts.next_practice_key(attempt)
        attempts.answer_practice(user, attempt, seq, model_response(item_of(attempts.item_rows([item_key])[item_key])), quiz)
    for answer in attempt.answers:
        answer.answered_at = min(answer.answered_at, when - timedelta(minutes=2 * (len(attempt.answers) - answer.seq)))
    attempt.started_at = min(attempt.started_at, attempt.answers[0].answered_at)
    attempt.mastered_at = attempt.answers[min(quiz.mastery_correct, len(attempt.answers)) - 1].answered_at
    db.session.flush()


def _pass_exam(user, when):
    from ..models import QuizResult

    exam = attempts.active_exam()
    passed = db.session.scalar(select(QuizResult).where(QuizResult.user_id == user.id, QuizResult.passed.is_(True)))
    if passed is not None:  # sat earlier in the demo: move it back to ``when``
        passed.submitted_at = passed.attempt.started_at = when
        for answer in passed.attempt.answers:
            answer.answered_at = when
        return
    attempt = attempts.start_exam(user, exam, when, random.Random(user.id))  # nosec B311  # reproducible demo data
    rows = attempts.item_rows(attempt.item_keys)
    for seq, key in enumerate(attempt.item_keys):
        attempts.save_exam_answer(user, attempt, seq, model_response(item_of(rows[key])), when)
    attempts.submit_exam(user, attempt, when)


def _pass_scenario(user, key, when, leave_out=lambda check: False):
    """An assessment in which every reply carries the scenario's model wordings for the stage
    (but those of the checks ``leave_out`` picks, decided once for the run)."""
    from datetime import timedelta

    from ..core import roleplay as engine
    from . import roleplay

    row = roleplay.active_scenario(key)
    scenario = roleplay.current_scenario(row)
    run = roleplay.start_run(user, row, "assessment", now=when)
    stages = [stage.id for stage in scenario.stages]
    left_out = {check.id for check in scenario.checks if leave_out(check)}
    while run.status == "open" and run.state["replies"] < 8:
        state = engine.Run.from_dict(run.state)
        stage = engine.engine.current_stage(scenario, state)
        reached = stages[: stages.index(stage.id) + 1]
        wanted = [scenario.check(c) for c in stage.needs if c not in state.met]
        wanted += [c for c in scenario.checks if c.id not in state.met and c not in wanted
                   and (c.stage is None or c.stage in reached) and (c.within is None or state.replies < c.within)
                   and (c.category != "closing" or stage.id == stages[-1])]
        text = "".join(c.model for c in wanted if c.id not in left_out) or stage.suggestions[0].text
        run = roleplay.take_reply(user, run, state.replies + 1, text, now=run.customer_at + timedelta(seconds=25))
    if run.status == "open":
        roleplay.stop_run(user, run, now=run.customer_at)


def _retain(user, lessons, when):
    """Three good reviews of each term in scope over the ten days before ``when`` (the cards only)."""
    from datetime import timedelta

    from ..core import drill
    from ..models import CardState, GlossaryTerm

    query = select(GlossaryTerm.key).where(GlossaryTerm.retired.is_(False))
    keys = db.session.scalars(query.where(GlossaryTerm.lesson_key.in_(lessons)) if lessons else query).all()
    states = {s.term_key: s for s in db.session.scalars(select(CardState).where(CardState.user_id == user.id))}
    for key in keys:
        state = states.get(key) or CardState(user_id=user.id, term_key=key, reps=0, lapses=0, created_at=when)
        for days in (10, 7, 3):
            moment = when - timedelta(days=days)
            if state.last_review is not None and state.last_review >= moment:
                continue
            reviewed = drill.review(state.card or drill.new_card(moment), 3, moment)
            state.card, state.due, state.last_review, state.reps = reviewed.card, reviewed.due, moment, state.reps + 1
            state.created_at = min(state.created_at, moment)
        db.session.add(state)
    db.session.flush()
