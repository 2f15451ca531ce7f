"""A demo cohort big enough for the team view: trainees who each miss the things new hires really miss.

Every trainee here answers through the real services (graded, stored, certified as usual). A member's
answers leave out rubric key points and role-play checks by chance, but not evenly: some skills are
missed by most people (as on a real team, where few ask for the order number in the first reply),
so the team view's most-missed lists and score distributions have something to show.
"""
import random
from datetime import timedelta

from ..models import Role
from ..models._types import utcnow
from . import accounts, attempts, progress
from .grading import item_of

#: ``(username, name, lessons studied, how well prepared 0–1)``: the November batch's other members.
MEMBERS = [
    ("chenlu", "陈露", 23, 0.92), ("linfeng", "林峰", 20, 0.85), ("guoqian", "郭倩", 18, 0.8),
    ("maxin", "马欣", 16, 0.75), ("xuyang", "徐阳", 14, 0.7), ("hulan", "胡兰", 12, 0.65),
    ("zhuwei", "朱伟", 11, 0.6), ("gaoyan", "高燕", 9, 0.55), ("luoming", "罗明", 7, 0.5),
    ("tangli", "唐丽", 5, 0.45), ("hanbo", "韩波", 3, 0.4), ("fengxue", "冯雪", 1, 0.35),
]
#: Role-play assessments the better-prepared members have taken.
SCENARIOS = ["wrong-shipment", "off-platform-payment", "bad-review-threat", "delayed-parcel"]
#: How often a skill is left out: most are usually there, a few are usually missed.
OFTEN_MISSED, USUALLY_MET = (0.55, 0.8), (0.05, 0.25)


def seed_team(cohort, play_scenario):
    """Add :data:`MEMBERS` to ``cohort``; ``play_scenario(user, key, when, leave_out)`` plays an assessment."""
    rng = random.Random(2026)  # nosec B311  # reproducible demo data
    misses = _MissRates(rng)
    lessons = progress.published_lessons()
    now = utcnow()
    for n, (username, name, studied, prepared) in enumerate(MEMBERS):
        member = accounts.create_user("demo", username, name, "demo1234", [Role.TRAINEE], cohort=cohort)
        for lesson in lessons[:studied]:
            progress.mark_studied(member, lesson)
        for lesson in lessons[:studied]:
            _practise(member, lesson.key, prepared, misses, rng)
        if studied >= 14:
            _sit_exam(member, prepared, misses, rng, now - timedelta(days=len(MEMBERS) - n + 1))
        if studied >= 12:
            for key in SCENARIOS[: 1 + int(prepared * len(SCENARIOS))]:
                when = now - timedelta(days=len(MEMBERS) - n, hours=rng.randint(1, 8))
                play_scenario(member, key, when, lambda check, key=key: misses.misses(key, check.id, prepared))


class _MissRates:
    """Per skill, a chance of being missed, drawn from the skill's name (whatever order the questions come
    in): a few skills are hard for everyone."""

    def __init__(self, rng):
        self.rng, self.rates = rng, {}

    def misses(self, content_key, part, prepared):
        rate = self.rates.get((content_key, part))
        if rate is None:
            draw = random.Random(f"{content_key}/{part}")  # nosec B311  # reproducible demo data
            low, high = OFTEN_MISSED if draw.random() < 0.25 else USUALLY_MET
            rate = self.rates[(content_key, part)] = draw.uniform(low, high)
        return self.rng.random() < rate * (1.6 - prepared)


def _practise(user, lesson_key, prepared, misses, rng):
    """A lesson quiz answered as this trainee would, for as long as mastery takes (or a few goes)."""
    quiz = attempts.active_quiz(lesson_key)
    if quiz is None:
        return
    attempt = attempts.practice_attempt(user, quiz)
    for _ in range(quiz.mastery_window + 2):
        if attempt.mastered_at is not None:
            return
        seq, item_key = attempts.next_practice_key(attempt)
        item = item_of(attempts.item_rows([item_key])[item_key])
        attempts.answer_practice(user, attempt, seq, _response(item, prepared, misses, rng), quiz)


def _sit_exam(user, prepared, misses, rng, when):
    exam = attempts.active_exam()
    if exam is None:
        return
    attempt = attempts.start_exam(user, exam, when, rng)
    rows = attempts.item_rows(attempt.item_keys)
    for seq, key in enumerate(attempt.item_keys):
        attempts.save_exam_answer(user, attempt, seq, _response(item_of(rows[key]), prepared, misses, rng),
                                  when + timedelta(minutes=seq))
    attempts.submit_exam(user, attempt, when + timedelta(minutes=len(attempt.item_keys)))


def _response(item, prepared, misses, rng):
    """A short answer with the key points this trainee remembers; a right or a wrong choice otherwise."""
    from .demo import model_response

    if item.kind == "short":
        kept = [point.model or point.aliases[0].text for point in item.rubric.points
                if not misses.misses(item.id, point.id, prepared)]
        return "，".join(kept) or "不太清楚，我去问一下主管。"
    if rng.random() < prepared:
        return model_response(item)
    if item.kind == "single":
        return next(i for i, option in enumerate(item.options) if not option.correct)
    if item.kind == "true_false":
        return not item.answer
    if item.kind == "ordering":
        return list(reversed(range(len(item.steps))))
    return model_response(item) if item.kind != "multiple" else [0]
