"""The team view: how far the trainees of a scope have come (a funnel per programme), how they score
(exam and role-play distributions), and the skills they lack (``skill_gaps``).

Every figure is aggregated in SQL over the whole scope, a fixed handful of queries whatever its size.
"""
from collections import Counter, defaultdict
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy import and_, case, func, or_, select

from ..extensions import db
from ..models import QuizResult, RoleplayRun
from ..models._types import utcnow
from ..models.roleplay import FINISHED
from . import board_states, certification, reports, skill_gaps
from .certification import TIMEZONE

#: The funnel's stages, in order; each counts the trainees who reached it and every stage before.
STAGES = ("members", "started", "lessons", "exam", "roleplays", "certified")
#: Score bins of the distributions: 0–9, 10–19, … 90–100.
BINS = 10


@dataclass(frozen=True)
class Funnel:
    programme: str
    title: str
    #: ``[(stage, trainees)]`` in STAGES order.
    stages: tuple

    @property
    def members(self):
        return self.stages[0][1]


@dataclass(frozen=True)
class Distribution:
    key: str
    title: str
    #: Trainees per bin: ``counts[n]`` scored from 10·n to 10·n + 9 (the last bin includes 100).
    counts: tuple
    pass_mark: float | None

    @property
    def total(self):
        return sum(self.counts)


@dataclass(frozen=True)
class TeamView:
    trainees: int
    funnels: list
    exams: list
    roleplays: list
    gaps: list
    #: ``{cohort name: {(kind, key, part): (met, asked)}}`` for the gaps above.
    gaps_by_cohort: dict


def overview(scope, cohort=None, programme=None, now=None, timezone=TIMEZONE, max_age=0):
    """The team view of ``scope`` (one of its cohorts, one programme if given), computed at most every
    ``max_age`` seconds per process."""
    now = now or utcnow()
    return reports.cached(("team", scope, cohort, programme, certification.local_day(now, timezone)), max_age,
                          lambda: _overview(scope, cohort, programme, now, timezone))


def _overview(scope, cohort, programme, now, timezone):
    built = certification.programmes()
    built = [p for p in built if programme in (None, p.key)]
    trainees = scope.trainees(cohort)
    pairs = db.session.execute(reports.applicable_pairs(trainees, [p.key for p in built])).all() if built else []
    members = _members(pairs)
    exam_best = _exam_best(trainees)
    runs = _runs(trainees)
    overall, by_cohort = skill_gaps.gaps(trainees)
    return TeamView(
        trainees=len(set().union(*members.values())),
        funnels=_funnels(trainees, members, built, exam_best, runs, now, timezone),
        exams=_exam_distributions(built, members, exam_best),
        roleplays=_roleplay_distributions(built, members, runs),
        gaps=overall, gaps_by_cohort=by_cohort)


def _keys(programme, kind):
    return [r.key for r in programme.requirements if r.kind == kind]


def _exam_best(trainees):
    """``{(user, exam key): best percent}`` (one query)."""
    return {(user_id, key): best for user_id, key, best in db.session.execute(
        select(QuizResult.user_id, QuizResult.quiz_key, func.max(QuizResult.percent))
        .where(QuizResult.user_id.in_(trainees)).group_by(QuizResult.user_id, QuizResult.quiz_key))}


def _runs(trainees):
    """``{(user, scenario): (best score that counts, passed)}`` over finished assessments (one query)."""
    reviewed = RoleplayRun.reviewed_at.is_not(None)
    score = case((reviewed, RoleplayRun.final_score), else_=RoleplayRun.score)
    passed = or_(and_(reviewed, RoleplayRun.final_passed.is_(True)),
                 and_(~reviewed, RoleplayRun.needs_review.is_(False), RoleplayRun.passed.is_(True)))
    return {(user_id, key): (best, bool(ok)) for user_id, key, best, ok in db.session.execute(
        select(RoleplayRun.user_id, RoleplayRun.scenario_key, func.max(score), func.max(case((passed, 1), else_=0)))
        .where(RoleplayRun.user_id.in_(trainees), RoleplayRun.mode == "assessment", RoleplayRun.status == FINISHED)
        .group_by(RoleplayRun.user_id, RoleplayRun.scenario_key))}


def _funnels(trainees, members, built, exam_best, runs, now, timezone):
    lessons = board_states.lessons_done(trainees, built)
    latest, _ever = board_states.certificates(trainees, ZoneInfo(timezone))
    today = certification.local_day(now, timezone)
    funnels = []
    for programme in built:
        counts = Counter()
        minimum = {r.key: r.min_percent or 0 for r in programme.requirements if r.kind == "exam"}
        lesson_count, scenarios = len(_keys(programme, "lesson")), _keys(programme, "scenario")
        for user_id in members[programme.key]:
            studied, opened = lessons.get(user_id, {}).get(programme.key, (0, 0))
            cert = latest.get((user_id, programme.key))
            reached = [True, opened > 0, studied >= lesson_count,
                       all((exam_best.get((user_id, k)) or -1) >= minimum[k] for k in minimum),
                       all(runs.get((user_id, k), (None, False))[1] for k in scenarios),
                       cert is not None and today < cert.expires_on]
            if reached[-1]:  # a valid certificate: every step was done, whatever is still on record
                reached = [True] * len(reached)
            depth = next((n for n, ok in enumerate(reached) if not ok), len(reached))
            for stage in STAGES[:depth]:
                counts[stage] += 1
        funnels.append(Funnel(programme.key, programme.title, tuple((stage, counts[stage]) for stage in STAGES)))
    return funnels


def _bin(score):
    return min(BINS - 1, max(0, int(score // (100 / BINS))))


def _members(pairs):
    """``{programme key: {user id}}``."""
    members = defaultdict(set)
    for row in pairs:
        members[row.programme_key].add(row.user_id)
    return members


def _members_of(built, members, kind, key):
    """The trainees in a programme that asks for ``(kind, key)``."""
    return set().union(*[members[p.key] for p in built if key in _keys(p, kind)])


def _exam_distributions(built, members, exam_best):
    """Each member's best percent on each programme exam."""
    found = []
    for key in dict.fromkeys(k for p in built for k in _keys(p, "exam")):
        counts = [0] * BINS
        for user_id in _members_of(built, members, "exam", key):
            best = exam_best.get((user_id, key))
            if best is not None:
                counts[_bin(best)] += 1
        mark = next((r.min_percent for p in built for r in p.requirements if r.kind == "exam" and r.key == key), None)
        found.append(Distribution(key, next(r.label for p in built for r in p.requirements if r.key == key),
                                  tuple(counts), mark))
    return found


def _roleplay_distributions(built, members, runs):
    """Each member's best assessment score on each programme role-play."""
    found = []
    for key in dict.fromkeys(k for p in built for k in _keys(p, "scenario")):
        counts = [0] * BINS
        for user_id in _members_of(built, members, "scenario", key):
            best = runs.get((user_id, key), (None, False))[0]
            if best is not None:
                counts[_bin(best)] += 1
        label = next(r.label for p in built for r in p.requirements if r.key == key)
        found.append(Distribution(key, label, tuple(counts), None))
    return found

