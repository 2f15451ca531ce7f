"""Item analysis of the exams, the lesson quizzes and the role-plays, from the stored attempts.

What one test attempt is (``core.item_analysis`` has the formulas):

- an exam: each submitted sitting, with its drawn items; an item left unanswered scores 0, as in
  the submitted result. The CIC's slots are the positions of the sitting, as in Moodle.
- a lesson quiz: each trainee's *first* answer to each of the quiz's items. Practice repeats the
  items until mastery and every later answer has seen the feedback on the earlier ones; Moodle
  likewise analyses first attempts by default. A trainee not yet through every item counts for
  the items answered, and only a trainee with every item graded counts for the CIC.
- a role-play: each finished assessment run. Every check is an item (met 1, missed 0, not
  applicable left out) against the rest of the run's score, the check counting its share of its
  category's weight; the CIC's slots are the scoring categories.

An answer or a run awaiting review is left out until a trainer has decided it; its sitting then
stays out of the CIC. A decided answer counts with the trainer's score, and its key points are
the latest grading that gives that score (a re-grade's, else the machine's first reading); when
none does (the trainer set another score), the answer counts for its item but not its key points.
A decided run counts with the trainer's score; its checks stay the machine's.
Every analysis takes a fixed handful of queries, whatever the number of trainees.
"""
from dataclasses import dataclass, field

from sqlalchemy import func, select

from ..core import item_analysis as core
from ..extensions import db
from ..models import Answer, Exam, GradeOverride, Quiz, QuizAttempt, QuizItem, QuizResult, RoleplayRun, Scenario
from ..models.roleplay import FINISHED
from .grading import item_of

#: The part key of a sequence rubric's credit for the order of the points.
ORDER = "order"
#: What the analysis reads of an answer.
ANSWER_COLUMNS = (Answer.id, Answer.item_key, Answer.score, Answer.max_score, Answer.needs_review, Answer.result,
                  Answer.reviewed_at)
#: The thresholds behind the "needs checking" flags, for the pages to state.
LIMITS = {"min_attempts": core.MIN_ATTEMPTS, "facility": core.FACILITY_RANGE,
          "discrimination": core.MIN_DISCRIMINATION, "efficiency": core.MIN_EFFICIENCY}


@dataclass
class Analysis:
    """One exam, quiz or scenario: its figures and what to call each item and part."""

    kind: str
    key: str
    title: str
    stats: core.TestStats
    #: item key → the prompt (quiz items) or the check's label (role-plays).
    labels: dict = field(default_factory=dict)
    #: ``(item key, part key)`` → the rubric point's label.
    part_labels: dict = field(default_factory=dict)
    #: Role-plays: check key → its scoring category.
    groups: dict = field(default_factory=dict)


def overview():
    """Every active exam, lesson quiz and role-play with its figures, in that order."""
    exams = list(db.session.scalars(select(Exam).where(Exam.retired.is_(False)).order_by(Exam.key)))
    quizzes = list(db.session.scalars(select(Quiz).where(Quiz.retired.is_(False)).order_by(Quiz.key)))
    scenarios = list(db.session.scalars(select(Scenario).where(Scenario.retired.is_(False)).order_by(Scenario.key)))
    return [*analyse_exams(exams), *analyse_quizzes(quizzes), *analyse_scenarios(scenarios)]


def analysis(kind, key):
    """The analysis of one exam, quiz or scenario by key, or None when there is no such active one."""
    model, analyse = {"exam": (Exam, analyse_exams), "quiz": (Quiz, analyse_quizzes),
                      "scenario": (Scenario, analyse_scenarios)}[kind]
    row = db.session.scalar(select(model).where(model.key == key, model.retired.is_(False)))
    return analyse([row])[0] if row is not None else None


# --- exams ------------------------------------------------------------------------------------

def analyse_exams(exams):
    """Each submitted sitting of each exam is one attempt (the same few queries for any number of exams)."""
    keys = [exam.key for exam in exams]
    sittings = db.session.execute(
        select(QuizAttempt.id, QuizAttempt.quiz_key, QuizAttempt.item_keys)
        .join(QuizResult, QuizResult.attempt_id == QuizAttempt.id)
        .where(QuizResult.quiz_key.in_(keys)).order_by(QuizAttempt.id)).all()
    answers = {(a.attempt_id, a.seq): a for a in db.session.execute(
        select(*ANSWER_COLUMNS, Answer.attempt_id, Answer.seq)
        .join(QuizResult, QuizResult.attempt_id == Answer.attempt_id).where(QuizResult.quiz_key.in_(keys)))}
    items = _items({key for sitting in sittings for key in sitting.item_keys})
    regraded = _regraded(answers.values())
    by_exam = {key: [] for key in keys}
    for sitting in sittings:
        by_exam[sitting.quiz_key].append(_sitting(sitting, answers, items, regraded))
    return [_quiz_analysis("exam", exam, [a for a in by_exam[exam.key] if a], (), items) for exam in exams]


def _sitting(sitting, answers, items, regraded):
    responses, slots, pending = [], {}, False
    for seq, key in enumerate(sitting.item_keys):
        answer = answers.get((sitting.id, seq))
        if answer is None and key in items:
            item = item_of(items[key])
            responses.append(core.Response(key, 0.0, item.max_score, _unanswered_parts(item)))
            slots[seq] = 0.0
        elif answer is not None and answer.needs_review:
            pending = True
        elif answer is not None:
            responses.append(_response(answer, items.get(key), regraded))
            slots[seq] = answer.score
    return core.Attempt(sitting.id, tuple(responses), slots=None if pending else slots) if responses else None


# --- lesson quizzes -----------------------------------------------------------------------------

def analyse_quizzes(quizzes):
    """Each trainee's first answer to each item of each quiz (one query finds them for all the quizzes)."""
    ranked = (
        select(QuizAttempt.quiz_key, QuizAttempt.user_id, *ANSWER_COLUMNS,
               func.row_number().over(
                   partition_by=(QuizAttempt.quiz_key, QuizAttempt.user_id, Answer.item_key),
                   order_by=(Answer.answered_at, Answer.attempt_id, Answer.seq)).label("nth"))
        .join(QuizAttempt, QuizAttempt.id == Answer.attempt_id)
        .where(QuizAttempt.kind == "practice", QuizAttempt.quiz_key.in_([q.key for q in quizzes]))
        .subquery())
    rows = db.session.execute(select(ranked).where(ranked.c.nth == 1)).all()
    firsts = {}
    for row in rows:
        firsts.setdefault(row.quiz_key, {}).setdefault(row.user_id, {})[row.item_key] = row
    items = _items({key for quiz in quizzes for key in quiz.item_keys})
    regraded = _regraded(rows)
    return [_quiz_analysis("quiz", quiz, _trainees(quiz, firsts.get(quiz.key, {}), items, regraded), quiz.item_keys,
                           items) for quiz in quizzes]


def _trainees(quiz, by_trainee, items, regraded):
    attempts = []
    for user_id, answers in sorted(by_trainee.items()):
        graded = [answers[key] for key in quiz.item_keys if key in answers and not answers[key].needs_review]
        complete = len(graded) == len(quiz.item_keys)
        responses = tuple(_response(answer, items.get(answer.item_key), regraded) for answer in graded)
        if responses:
            attempts.append(core.Attempt(user_id, responses,
                                         slots={a.item_key: a.score for a in graded} if complete else None))
    return attempts


# --- role-plays ---------------------------------------------------------------------------------

def analyse_scenarios(scenarios):
    """Each finished assessment run of each scenario (one query for all the scenarios)."""
    runs = {}
    for run in db.session.execute(
            select(RoleplayRun.id, RoleplayRun.scenario_key, RoleplayRun.score, RoleplayRun.debrief,
                   RoleplayRun.reviewed_at, RoleplayRun.final_score)
            .where(RoleplayRun.scenario_key.in_([s.key for s in scenarios]), RoleplayRun.mode == "assessment",
                   RoleplayRun.status == FINISHED, RoleplayRun.needs_review.is_(False)).order_by(RoleplayRun.id)):
        if run.debrief:
            runs.setdefault(run.scenario_key, []).append(_run(run))
    return [_scenario_analysis(scenario, runs.get(scenario.key, [])) for scenario in scenarios]


def _run(run):
    """A run's checks as items; each counts ``weight / applicable checks`` of the run's score when met.

    The categories' scores are the CIC's slots; they add up to the machine's score, so a run whose
    score a trainer changed stays out of the CIC."""
    responses, slots = [], {}
    for category in run.debrief.get("categories", []):
        slots[category["id"]] = category["score"]
        applicable = [check for check in category.get("checks", []) if check["status"] != "na"]
        for check in applicable:
            share = category["weight"] / len(applicable)
            met = check["status"] == "met"
            responses.append(core.Response(check["id"], float(met), 1.0, counted=share if met else 0.0,
                                           counted_max=share))
    machine = run.debrief.get("score", run.score)
    score = run.final_score if run.reviewed_at is not None else machine
    return core.Attempt(run.id, tuple(responses), total=score, max_total=run.debrief.get("max_score", 100),
                        slots=slots if _same(score, machine) else None)


def _scenario_analysis(scenario, attempts):
    checks = scenario.definition.get("checks", [])
    labels = {check["id"]: check["label"] for check in checks}
    groups = {check["id"]: check["category"] for check in checks}
    return Analysis("scenario", scenario.key, scenario.title, core.analyse(attempts, order=list(labels)),
                    labels=labels, groups=groups)


# --- shared -------------------------------------------------------------------------------------

def _items(keys):
    return {row.key: row for row in db.session.scalars(select(QuizItem).where(QuizItem.key.in_(list(keys))))}


def _quiz_analysis(kind, quiz, attempts, order, items):
    stats = core.analyse(attempts, order=list(order))
    labels = {key: row.definition.get("prompt", key) for key, row in items.items()}
    part_labels = {}
    for item in stats.items:
        rubric = item_of(items[item.key]).rubric if item.key in items else None
        for point in rubric.points if rubric else ():
            part_labels[item.key, point.id] = point.label
    return Analysis(kind, quiz.key, quiz.title, stats, labels=labels, part_labels=part_labels)


def _regraded(answers):
    """answer id → the latest re-grade's result, for the answers a trainer has decided (one query)."""
    ids = [answer.id for answer in answers if answer.reviewed_at is not None]
    if not ids:
        return {}
    return dict(db.session.execute(
        select(GradeOverride.answer_id, GradeOverride.evidence)
        .where(GradeOverride.answer_id.in_(ids), GradeOverride.evidence.is_not(None))
        .order_by(GradeOverride.created_at, GradeOverride.id)).all())


def _response(answer, row, regraded):
    """A graded answer with its rubric key points (and a sequence rubric's order) as parts, taken from
    the latest grading that gives the answer's score; none when a trainer set a score of their own."""
    result = next((r for r in (regraded.get(answer.id), answer.result)
                   if r and _same(r.get("score", answer.score), answer.score)), {})
    points = result.get("points") or {}
    parts = [core.Mark(p["point"], p["earned"], p["points"])
             for p in [*points.get("earned", []), *points.get("missed", [])]]
    if result.get("order"):
        parts.append(core.Mark(ORDER, result["order"]["earned"], result["order"]["points"]))
    rubric = item_of(row).rubric if row is not None else None
    position = {point.id: n for n, point in enumerate(rubric.points)} if rubric else {}
    parts.sort(key=lambda part: position.get(part.key, len(position)))
    return core.Response(answer.item_key, answer.score, answer.max_score, tuple(parts))


def _same(a, b):
    return a is not None and b is not None and abs(a - b) < 1e-9


def _unanswered_parts(item):
    rubric = item.rubric
    if rubric is None:
        return ()
    parts = [core.Mark(point.id, 0.0, point.points) for point in rubric.points]
    if rubric.mode == "sequence" and rubric.order_points:
        parts.append(core.Mark(ORDER, 0.0, rubric.order_points))
    return tuple(parts)
