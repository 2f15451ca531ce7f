"""Item analysis from stored answers and runs: the hand-computed figures of tests/core reach the service."""
from datetime import timedelta

import pytest
from sqlalchemy import event

from trainer.models import Answer, GradeOverride, QuizAttempt, QuizResult, RoleplayRun
from trainer.models._types import utcnow
from trainer.services import item_analysis

QUIZ = "refund-basics"
# The core fixture (tests/core/test_item_analysis.py): A and B are worth 1, C is the short answer
# (rb-short, 4 marks: p1 p2 p3 and 1 for the order) of which these trainees only ever earn p1 and p2.
#            A  B  p1 p2
TABLE = [(1, 1, 1, 1), (1, 1, 1, 0), (1, 0, 1, 1), (0, 1, 0, 1), (1, 0, 0, 0), (0, 0, 0, 0)]
A, B, C = "rb-window", "rb-true", "rb-short"
OTHERS = ("rb-multi", "rb-order", "rb-match")
LABELS = {"p1": "向顾客道歉", "p2": "核对订单信息", "p3": "给出补发或退款方案"}


def short_result(p1, p2):
    """``GradeResult.to_dict()`` of rb-short with points p1 and p2 earned as given, p3 and the order missed."""
    points = [{"point": key, "label": LABELS[key], "points": 1.0, "earned": float(earned), "how": "exact"}
              for key, earned in (("p1", p1), ("p2", p2), ("p3", 0))]
    return {"score": float(p1 + p2), "max_score": 4.0, "points": {"earned": [p for p in points if p["earned"]],
                                                                    "missed": [p for p in points if not p["earned"]]},
            "order": {"points": 1.0, "earned": 0.0, "in_order": [], "out_of_order": []}}


def objective_result(score):
    return {"score": float(score), "max_score": 1.0, "points": {"earned": [], "missed": []}, "order": None}


def answer(attempt, seq, key, score, at, needs_review=False, p=(0, 0)):
    result = short_result(*p) if key == C else objective_result(score)
    return Answer(attempt=attempt, seq=seq, item_key=key, item_version=1, response="…", score=float(score),
                  max_score=4.0 if key == C else 1.0, correct=bool(score), needs_review=needs_review,
                  result=result, answered_at=at)


@pytest.fixture
def trainees(make_user, synced):
    return [make_user(f"t{n}") for n in range(1, 8)]


def practise(db, user, rows, start):
    """One practice attempt whose answers are given in order: ``(key, score, needs_review, points)``."""
    attempt = QuizAttempt(user_id=user.id, quiz_key=QUIZ, kind="practice", quiz_version=1,
                          item_keys=[A, B, *OTHERS, C], seed=1)
    db.session.add(attempt)
    for seq, (key, score, pending, points) in enumerate(rows):
        db.session.add(answer(attempt, seq, key, score, start + timedelta(minutes=seq), pending, points))
    db.session.flush()
    return attempt


def first_round(a, b, p1, p2):
    """A whole first round: the other three items always right (constant: no effect on correlations)."""
    return [(A, a, False, ()), (B, b, False, ()), *[(key, 1, False, ()) for key in OTHERS],
            (C, p1 + p2, False, (p1, p2))]


@pytest.fixture
def practised(db, trainees):
    start = utcnow() - timedelta(days=1)
    for user, (a, b, p1, p2) in zip(trainees, TABLE):
        rows = first_round(a, b, p1, p2)
        # later answers are coached by the feedback: never counted
        rows += [(A, 1 - a, False, ()), (C, 4, False, (1, 1))]
        practise(db, user, rows, start)
    db.session.commit()


def _item(analysis, key):
    return next(item for item in analysis.stats.items if item.key == key)


def test_lesson_quiz_uses_each_trainees_first_answers(practised):
    analysis = item_analysis.analysis("quiz", QUIZ)
    assert analysis.stats.attempts == 6
    assert [item.key for item in analysis.stats.items] == [A, B, *OTHERS, C]  # the quiz's order
    a, b, c = _item(analysis, A), _item(analysis, B), _item(analysis, C)
    # as computed by hand in tests/core/test_item_analysis.py
    assert (a.attempts, round(a.facility, 2), round(a.sd, 2)) == (6, 66.67, 51.64)
    assert (round(a.discrimination, 2), round(a.efficiency, 2)) == (31.62, 33.33)
    assert (round(b.discrimination, 2), round(b.efficiency, 2)) == (30.15, 33.33)
    # C earns 2 1 2 1 0 0 of 4: facility 25 %, SD 0.894/4 = 22.36 %; DI and DE do not depend on the scale
    assert (c.facility, round(c.sd, 2), round(c.discrimination, 2), round(c.efficiency, 2)) == (25.0, 22.36, 59.41, 66.67)


def test_key_points_get_their_own_figures(practised):
    analysis = item_analysis.analysis("quiz", QUIZ)
    parts = {part.key: part for part in _item(analysis, C).parts}
    assert list(parts) == ["p1", "p2", "p3", "order"]  # the rubric's order, the order credit last
    assert (parts["p1"].facility, round(parts["p1"].discrimination, 2), round(parts["p1"].efficiency, 2)) == (50.0, 72.76, 100.0)
    assert (parts["p2"].facility, round(parts["p2"].discrimination, 2)) == (50.0, 24.25)
    # nobody gives the third point or the order: "0 % offer a solution"
    assert parts["p3"].facility == 0.0 and parts["p3"].flags == ("too_hard",)
    assert analysis.part_labels[C, "p3"] == "给出补发或退款方案"


def test_cic_counts_every_slot_of_complete_attempts(practised):
    stats = item_analysis.analysis("quiz", QUIZ).stats
    # as the core fixture but with p = 6 slots (three constant ones add no variance):
    # 100 · 6/5 · (1 − (41/30)/(65/30)) = 120 · 24/65 = 44.31
    assert stats.complete == 6 and round(stats.cic, 2) == 44.31
    # always right: too easy
    assert _item(item_analysis.analysis("quiz", QUIZ), "rb-multi").flags == ("too_easy",)


def test_an_answer_awaiting_review_counts_once_graded(db, practised, trainees):
    seventh = practise(db, trainees[6], [(A, 1, False, ()), (C, 3, True, (1, 1))], utcnow())
    db.session.commit()
    analysis = item_analysis.analysis("quiz", QUIZ)
    assert _item(analysis, A).attempts == 7 and _item(analysis, C).attempts == 6
    assert analysis.stats.complete == 6  # the seventh trainee is not through the quiz
    pending = db.session.query(Answer).filter_by(attempt_id=seventh.id, item_key=C).one()
    pending.needs_review = False  # a trainer graded it
    db.session.commit()
    assert _item(item_analysis.analysis("quiz", QUIZ), C).attempts == 7


def _decide(db, answer, score, evidence=None):
    """What the review queue does to an answer it decides (services/review.py)."""
    answer.score, answer.needs_review, answer.reviewed_at = score, False, utcnow()
    db.session.add(GradeOverride(action="regrade" if evidence else "override", answer_id=answer.id,
                                 trainee_id=answer.attempt.user_id, old_score=1.0, new_score=score, max_score=4.0,
                                 content_kind="item", content_key=C, content_version=1, evidence=evidence))
    db.session.commit()


def test_a_trainers_own_score_counts_for_the_item_but_not_its_key_points(db, practised, trainees):
    seventh = practise(db, trainees[6], [(C, 1, True, (1, 0))], utcnow())
    _decide(db, seventh.answers[0], 3.0)
    c = _item(item_analysis.analysis("quiz", QUIZ), C)
    assert c.attempts == 7
    assert c.facility == pytest.approx(100 * (0.5 + 0.25 + 0.5 + 0.25 + 0 + 0 + 0.75) / 7)  # 3 of 4 counts
    assert [part.attempts for part in c.parts] == [6, 6, 6, 6]  # the machine's points no longer explain 3


def test_a_regrade_gives_the_key_points_of_its_new_grading(db, practised, trainees):
    seventh = practise(db, trainees[6], [(C, 1, True, (1, 0))], utcnow())
    _decide(db, seventh.answers[0], 2.0, evidence=short_result(1, 1))
    parts = {part.key: part for part in _item(item_analysis.analysis("quiz", QUIZ), C).parts}
    assert parts["p2"].attempts == 7
    assert parts["p2"].facility == pytest.approx(100 * 4 / 7)  # 1 0 1 1 0 0 and now 1


def test_a_pending_first_answer_is_not_replaced_by_a_later_one(db, trainees, synced):
    practise(db, trainees[0], [(A, 0, True, ()), (A, 1, False, ())], utcnow())
    db.session.commit()
    assert _item(item_analysis.analysis("quiz", QUIZ), A).attempts == 0


def sit(db, user, rows, pending_seq=None):
    """A submitted exam sitting with items A, B, C; ``rows`` = (a, b, p1, p2), C None = unanswered."""
    attempt = QuizAttempt(user_id=user.id, quiz_key="final-exam", kind="exam", quiz_version=1,
                          item_keys=[A, B, C], seed=1, status="submitted")
    db.session.add(attempt)
    a, b, points = rows
    now = utcnow()
    db.session.add(answer(attempt, 0, A, a, now))
    db.session.add(answer(attempt, 1, B, b, now, needs_review=pending_seq == 1))
    if points is not None:
        db.session.add(answer(attempt, 2, C, sum(points), now, p=points))
    db.session.flush()
    db.session.add(QuizResult(attempt_id=attempt.id, user_id=user.id, quiz_key="final-exam", score=0, max_score=6,
                              percent=0, passed=False))
    db.session.flush()


def test_exam_sittings_with_an_unanswered_item_scoring_zero(db, trainees):
    for user, (a, b, p1, p2) in zip(trainees, TABLE):
        sit(db, user, (a, b, None if (p1, p2) == (0, 0) and not a else (p1, p2)))
    sit(db, trainees[6], (1, 0, (1, 1)), pending_seq=1)  # B awaits review: no CIC for this sitting
    open_sitting = QuizAttempt(user_id=trainees[6].id, quiz_key="final-exam", kind="exam", quiz_version=1,
                               item_keys=[A, B, C], seed=1)
    db.session.add(open_sitting)
    db.session.add(answer(open_sitting, 0, A, 0, utcnow()))  # not submitted: not counted
    db.session.commit()
    stats = item_analysis.analysis("exam", "final-exam").stats
    assert (stats.attempts, stats.complete) == (7, 6)
    assert (_item(item_analysis.analysis("exam", "final-exam"), A).attempts,
            _item(item_analysis.analysis("exam", "final-exam"), B).attempts) == (7, 6)
    # the six complete sittings are the core fixture with C out of 4 marks: slot variances 4/15, 3/10, 4/5
    # and total variance 65/30 as there → CIC = 55.38
    assert round(stats.cic, 2) == 55.38
    c = _item(item_analysis.analysis("exam", "final-exam"), C)
    assert c.attempts == 7 and [p.attempts for p in c.parts] == [7, 7, 7, 7]


def run(db, user, checks, score, mode="assessment", status="finished"):
    """A finished run: an empathy category (weight 40) holding ``checks``, and timing for the rest."""
    applicable = [status for status in checks.values() if status != "na"]
    empathy = 40 * sum(s == "met" for s in applicable) / len(applicable)
    debrief = {"score": score, "max_score": 100, "categories": [
        {"id": "empathy", "weight": 40, "score": empathy,
         "checks": [{"id": key, "label": key, "status": status} for key, status in checks.items()]},
        {"id": "timing", "weight": 60, "score": score - empathy, "checks": []}]}
    db.session.add(RoleplayRun(user_id=user.id, scenario_key="test-wrong-item", scenario_version=1, mode=mode,
                               status=status, state={}, score=score, passed=score >= 80, debrief=debrief))


def test_scenario_checks_are_items_against_the_rest_of_the_run(db, trainees):
    for user, (x, y, score) in zip(trainees, [(1, 1, 90), (1, 0, 70), (0, 1, 60), (0, 0, 30)]):
        status = {1: "met", 0: "missed"}
        run(db, user, {"apologise": status[x], "empathise": status[y], "compensate": "na"}, score)
    run(db, trainees[5], {"apologise": "met", "empathise": "met"}, 100, mode="practice")
    run(db, trainees[6], {"apologise": "missed", "empathise": "missed"}, 0, status="open")
    db.session.commit()
    analysis = item_analysis.analysis("scenario", "test-wrong-item")
    assert analysis.stats.attempts == 4
    apologise = _item(analysis, "apologise")
    # as in tests/core: DI = 100 · 15 / √875 = 50.71
    assert (apologise.facility, round(apologise.discrimination, 2)) == (50.0, 50.71)
    assert _item(analysis, "compensate").attempts == 0  # not applicable in any run
    # the scenario's checks in its order, each under its category
    assert [item.key for item in analysis.stats.items][:3] == ["greet", "apologise", "empathise"]
    assert analysis.groups["apologise"] == "empathy" and analysis.labels["greet"] == "第一句话就问候顾客"
    # CIC over the categories: var(empathy) = 800/3, var(timing) = 275/3, var(total) = 1875/3
    # 100 · 2 · (1 − 1075/1875) = 85.33
    assert round(analysis.stats.cic, 2) == 85.33


def test_role_plays_awaiting_review_wait_and_decided_ones_count_with_the_trainers_score(db, trainees):
    for user, (x, score) in zip(trainees, [(1, 90), (1, 70), (0, 60), (0, 30)]):
        run(db, user, {"apologise": "met" if x else "missed", "empathise": "met"}, score)
    run(db, trainees[4], {"apologise": "met", "empathise": "met"}, 80)
    db.session.flush()
    borderline = db.session.query(RoleplayRun).order_by(RoleplayRun.id.desc()).first()
    borderline.needs_review = True
    db.session.commit()
    stats = item_analysis.analysis("scenario", "test-wrong-item").stats
    assert (stats.attempts, stats.complete) == (4, 4)
    # what the review queue does to a run it decides (services/review.py)
    borderline.needs_review, borderline.reviewed_at, borderline.final_score = False, utcnow(), 75.0
    db.session.commit()
    stats = item_analysis.analysis("scenario", "test-wrong-item").stats
    # counted, but its categories add up to 80, not 75: out of the CIC
    assert (stats.attempts, stats.complete) == (5, 4)


def test_overview_takes_the_same_few_queries_whatever_the_number_of_trainees(db, practised, trainees):
    def count_queries():
        statements = []
        listener = lambda *args: statements.append(args[2])  # noqa: E731
        event.listen(db.engine, "before_cursor_execute", listener)
        try:
            rows = item_analysis.overview()
        finally:
            event.remove(db.engine, "before_cursor_execute", listener)
        return rows, len(statements)

    rows, before = count_queries()
    assert [(a.kind, a.key, a.stats.attempts) for a in rows] == [
        ("exam", "final-exam", 0), ("quiz", QUIZ, 6), ("scenario", "test-wrong-item", 0)]
    practise(db, trainees[6], first_round(1, 1, 1, 1), utcnow())
    db.session.commit()
    db.session.expire_all()
    rows, after = count_queries()
    assert rows[1].stats.attempts == 7
    assert after == before <= 10  # the three lists; sittings, their answers, items; first answers, items; runs


def test_unknown_or_retired_content_has_no_analysis(synced):
    assert item_analysis.analysis("quiz", "nope") is None
    assert item_analysis.analysis("scenario", "refund-basics") is None
