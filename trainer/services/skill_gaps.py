"""The skills a team lacks: the rubric key points and role-play checks its trainees most often miss, by cohort.

Each trainee counts once per short-answer item (their latest graded answer) and once per
scenario (their latest finished assessment run); a point or check is then "met by 40 % of the
trainees who were asked". Answers and runs awaiting a trainer wait until decided; the key
points and checks are the machine's reading (as in item analysis, which treats checks the same way).

**Why a cache.** The evidence is JSON inside each answer (≈2 kB) and each debrief (≈10 kB):
reading it for 10,000 trainees in SQL took 9–12 s on SQLite and PostgreSQL alike. But a graded
answer's ``result`` and a finished run's ``debrief`` never change (a trainer's decision is stored
beside them), so each row is read once per process and reduced to its marks, ``(part id, met)``
pairs; later requests read only the ids (two slim queries) and the rows not seen yet. The first
request of a process pays for reading everything once.
"""
import threading
from collections import Counter, defaultdict
from dataclasses import dataclass

from sqlalchemy import func, or_, select

from ..extensions import db
from ..models import Answer, Cohort, QuizAttempt, QuizItem, RoleplayRun, Scenario, User
from ..models.roleplay import FINISHED
from .grading import item_of

#: Fewer trainees than this make a share too noisy to rank.
MIN_ASKED = 5


@dataclass(frozen=True)
class Gap:
    """One key point or check: how many of the trainees asked met it."""

    kind: str  # "point" (a rubric key point of a short answer) or "check" (a role-play check)
    content_key: str
    content_title: str
    part: str
    label: str
    met: int
    asked: int

    @property
    def percent(self):
        return round(100 * self.met / self.asked) if self.asked else 0


class _Marks:
    """Per process: each short answer ever graded as ``(user id, item key, marks)`` and each finished run's marks.

    Rows never change, so answers are read once, incrementally (ids above the highest seen); runs by the ids the
    request needs (a run finishes in place, after its id was given)."""

    def __init__(self):
        self.answers, self.runs, self.seen, self.lock = {}, {}, 0, threading.Lock()
        #: Each distinct set of marks once, so rows carry a small number and counting stays cheap.
        self.patterns, self.numbers = [], {}

    def number(self, marks):
        if marks not in self.numbers:
            self.numbers[marks] = len(self.patterns)
            self.patterns.append(marks)
        return self.numbers[marks]

    def update_answers(self):
        short = select(QuizItem.key).where(QuizItem.kind == "short")
        rows = db.session.execute(
            select(Answer.id, QuizAttempt.user_id, Answer.item_key, Answer.result["points"])
            .join(QuizAttempt, QuizAttempt.id == Answer.attempt_id)
            .where(Answer.id > self.seen, Answer.item_key.in_(short)).order_by(Answer.id)
            .execution_options(yield_per=2000))
        for answer_id, user_id, item_key, points in rows:
            self.answers[answer_id] = (user_id, item_key, self.number(_points(points)))
            self.seen = answer_id
        return self.answers

    def runs_for(self, ids):
        missing = [i for i in ids if i not in self.runs]
        for start in range(0, len(missing), 1000):
            for run_id, categories in db.session.execute(
                    select(RoleplayRun.id, RoleplayRun.debrief["categories"])
                    .where(RoleplayRun.id.in_(missing[start:start + 1000]))):
                self.runs[run_id] = self.number(_checks(categories))
        return {i: self.runs.get(i, self.number(())) for i in ids}


#: One cache per database: tests and the bench open several in one process, and a test database is
#: emptied and filled again under the same address, so its first answer identifies it too.
_MARKS = {}


def _marks():
    first = db.session.execute(select(Answer.id, Answer.answered_at).order_by(Answer.id).limit(1)).first()
    key = (str(db.engine.url), tuple(first) if first else None)
    if key not in _MARKS:
        _MARKS.clear()  # a database replaced (or another one): start again
        _MARKS[key] = _Marks()
    return _MARKS[key]


def _points(points):
    """The marks of a grading's ``points`` (``{"earned": […], "missed": […]}``), extracted by the database."""
    points = points or {}
    return tuple(sorted({(p["point"], bool(p["earned"])) for p in [*points.get("earned", []), *points.get("missed", [])]
                         if p.get("point")}))


def _checks(categories):
    """The marks of a debrief's ``categories`` (only that part is read: the transcript stays in the database)."""
    return tuple((check["id"], check["status"] == "met") for category in categories or ()
                 for check in category.get("checks", []) if check.get("status") in ("met", "missed"))


def gaps(trainees, top=10):
    """``(overall, by_cohort)``: the most-missed points and checks of ``trainees`` (a SELECT of ids), and for each
    of those the share per cohort ``{cohort name: {(kind, key, part): (met, asked)}}``."""
    cohorts = dict(db.session.execute(select(User.id, User.cohort_id).where(User.id.in_(trainees))).all())
    names = _cohort_names(set(cohorts.values()))
    # trainees share the same marks often: count each (cohort, kind, key, marks pattern) once, then spread
    marks = _marks()
    patterns = Counter((cohorts.get(user_id), kind, key, pattern)
                       for kind, user_id, key, pattern in _marked(trainees, cohorts, marks))
    overall_patterns = Counter()
    for (_cohort, kind, key, pattern), n in patterns.items():
        overall_patterns[kind, key, pattern] += n
    tallies = _tally(overall_patterns.items(), marks.patterns)
    labels, titles = _labels({(kind, key) for kind, key, _ in tallies})
    ranked = sorted(((kind, key, part, met, asked) for (kind, key, part), (met, asked) in tallies.items()
                     if asked >= MIN_ASKED and (kind, key, part) in labels),
                    key=lambda g: (g[3] / g[4], -g[4], g[1], g[2]))
    overall = [Gap(kind, key, titles.get((kind, key), key), part, labels[kind, key, part], met, asked)
               for kind, key, part, met, asked in ranked[:top]]
    wanted = {(g.kind, g.content_key, g.part) for g in overall}
    per_cohort = defaultdict(list)
    for (cohort_id, kind, key, pattern), n in patterns.items():
        per_cohort[names.get(cohort_id)].append(((kind, key, pattern), n))
    by_cohort = {cohort: _tally(counted, marks.patterns, wanted)
                 for cohort, counted in sorted(per_cohort.items(), key=lambda item: (item[0] is None, item[0] or ""))}
    return overall, by_cohort


def _tally(counted, patterns, wanted=None):
    """``{(kind, key, part): (met, asked)}`` from ``[((kind, key, marks pattern), trainees)]`` (only ``wanted`` parts)."""
    tallies = defaultdict(lambda: [0, 0])
    for (kind, key, pattern), n in counted:
        for part, met in patterns[pattern]:
            if wanted is None or (kind, key, part) in wanted:
                tally = tallies[kind, key, part]
                tally[0] += n * met
                tally[1] += n
    return {k: tuple(v) for k, v in tallies.items()}


def _marked(trainees, cohorts, marks):
    """``(kind, user id, content key, marks pattern number)`` for each trainee's latest decided short answer per item (from the
    cache, less those awaiting a trainer) and latest finished, decided assessment run per scenario."""
    latest_runs = db.session.execute(
        select(RoleplayRun.user_id, RoleplayRun.scenario_key, func.max(RoleplayRun.id))
        .where(RoleplayRun.mode == "assessment", RoleplayRun.status == FINISHED, RoleplayRun.user_id.in_(trainees),
               or_(RoleplayRun.needs_review.is_(False), RoleplayRun.reviewed_at.is_not(None)))
        .group_by(RoleplayRun.user_id, RoleplayRun.scenario_key)).all()
    waiting = set(db.session.scalars(pending_answers()))
    with marks.lock:
        answers = marks.update_answers()
        runs = marks.runs_for([row[2] for row in latest_runs])
        latest = {}
        for answer_id, (user_id, item_key, marks) in answers.items():  # ids ascending: the last one wins
            if user_id in cohorts and answer_id not in waiting:
                latest[user_id, item_key] = marks
    for (user_id, key), marks in latest.items():
        yield "point", user_id, key, marks
    for user_id, key, run_id in latest_runs:
        yield "check", user_id, key, runs[run_id]


def pending_answers():
    """SELECT of the ids of the answers awaiting a trainer, read through the needs_review index (few rows)."""
    return select(Answer.id).where(Answer.needs_review.is_(True), Answer.reviewed_at.is_(None))


def _cohort_names(ids):
    ids = [i for i in ids if i is not None]
    return dict(db.session.execute(select(Cohort.id, Cohort.name).where(Cohort.id.in_(ids))).all()) if ids else {}


def _labels(contents):
    """Labels of the points and checks, and titles of the items and scenarios (current versions)."""
    labels, titles = {}, {}
    items = [key for kind, key in contents if kind == "point"]
    for row in db.session.scalars(select(QuizItem).where(QuizItem.key.in_(items))) if items else ():
        titles["point", row.key] = row.definition.get("prompt", row.key)
        rubric = item_of(row).rubric
        for point in rubric.points if rubric else ():
            labels["point", row.key, point.id] = point.label
    scenarios = [key for kind, key in contents if kind == "check"]
    for row in db.session.scalars(select(Scenario).where(Scenario.key.in_(scenarios))) if scenarios else ():
        titles["check", row.key] = row.title
        for check in row.definition.get("checks", []):
            labels["check", row.key, check["id"]] = check["label"]
    return labels, titles
