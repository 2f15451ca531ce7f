"""The team view: how far the trainees of a scope have come (a funnel per programme), how they score
(exam and role-play distributions), and the skills they lack (``skill_gaps``).

Every figure is aggregated in SQL over the whole scope, a fixed handful of queries whatever its size: the
funnel from the stored ``certification_statuses``, the skill gaps from the stored ``skill_marks``.
"""
from collections import Counter, defaultdict
from dataclasses import dataclass

from sqlalchemy import case, func, select

from ..extensions import db
from ..models import CertificationStatus, QuizResult, RoleplayRun
from ..models._types import utcnow
from ..models.roleplay import FINISHED
from . import certification, report_tables, reports, skill_gaps
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
    pairs = _pairs(trainees, built, now, timezone)
    members = _members(pairs)
    exam_best = _exam_best(trainees)
    runs = _runs(trainees)
    overall, by_cohort = skill_gaps.gaps(trainees)
    return TeamView(
        trainees=len(set().union(*members.values())),
        funnels=_funnels(built, pairs),
        exams=_exam_distributions(built, members, exam_best),
        roleplays=_roleplay_distributions(built, members, runs),
        gaps=overall, gaps_by_cohort=by_cohort)


def _pairs(trainees, built, now, timezone):
    """``(user_id, programme_key, stage)`` for every trainee and applicable programme: the funnel stage reached
    (6 with a certificate holding today) read from the stored statuses, in one query."""
    if not built:
        return []
    pairs = reports.applicable_pairs(trainees, [p.key for p in built]).subquery("pairs")
    stage = report_tables.funnel_column(pairs.c.programme_key, certification.local_day(now, timezone), built,
                                        report_tables.glossary_terms(built))
    return db.session.execute(
        select(pairs.c.user_id, pairs.c.programme_key, stage.label("stage")).select_from(pairs)
        .outerjoin(CertificationStatus, report_tables.status_join(pairs))).all()


def _keys(programme, kind):
    return [r.key for r in programme.requirements if r.kind == kind]


def _exam_best(trainees):
    """``{(user, exam key): best percent}`` (one query)."""
    return {(user_id, key): best for user_id, key, best in db.session.execute(
        select(QuizResult.user_id, QuizResult.quiz_key, func.max(QuizResult.percent))
        .where(QuizResult.user_id.in_(trainees)).group_by(QuizResult.user_id, QuizResult.quiz_key))}


def _runs(trainees):
    """``{(user, scenario): best score that counts}`` over finished assessments (one query)."""
    reviewed = RoleplayRun.reviewed_at.is_not(None)
    score = case((reviewed, RoleplayRun.final_score), else_=RoleplayRun.score)
    return {(user_id, key): best for user_id, key, best in db.session.execute(
        select(RoleplayRun.user_id, RoleplayRun.scenario_key, func.max(score))
        .where(RoleplayRun.user_id.in_(trainees), RoleplayRun.mode == "assessment", RoleplayRun.status == FINISHED)
        .group_by(RoleplayRun.user_id, RoleplayRun.scenario_key))}


def _funnels(built, pairs):
    """Per programme, how many of its members reached each stage."""
    at_stage = Counter((programme_key, stage) for _user, programme_key, stage in pairs)
    reached = defaultdict(Counter)
    for (programme_key, stage), n in at_stage.items():
        for name in STAGES[:stage]:
            reached[programme_key][name] += n
    return [Funnel(p.key, p.title, tuple((stage, reached[p.key][stage]) for stage in STAGES)) for p in built]


def _bin(score):
    return min(BINS - 1, max(0, int(score // (100 / BINS))))


def _members(pairs):
    """``{programme key: {user id}}``."""
    members = defaultdict(set)
    for user_id, programme_key, _stage in pairs:
        members[programme_key].add(user_id)
    return members


def _members_of(built, members, kind, key):
    """The trainees in a programme that asks for ``(kind, key)``."""
    return set().union(*[members[p.key] for p in built if key in _keys(p, kind)])


def _distributions(built, members, kind, best):
    """``{key: counts per bin}``: each member's ``best`` score ``{(user, key): score}`` on each ``kind`` requirement
    of their programmes (a trainee in two programmes that ask for it counts once)."""
    keys = dict.fromkeys(k for p in built for k in _keys(p, kind))
    members_of = {key: _members_of(built, members, kind, key) for key in keys}
    counts = {key: [0] * BINS for key in keys}
    for (user_id, key), score in best.items():
        if score is not None and key in counts and user_id in members_of[key]:
            counts[key][_bin(score)] += 1
    return counts


def _requirement(built, kind, key):
    return next(r for p in built for r in p.requirements if r.kind == kind and r.key == key)


def _exam_distributions(built, members, exam_best):
    """Each member's best percent on each programme exam."""
    found = []
    for key, counts in _distributions(built, members, "exam", exam_best).items():
        exam = _requirement(built, "exam", key)
        found.append(Distribution(key, exam.label, tuple(counts), exam.min_percent))
    return found


def _roleplay_distributions(built, members, runs):
    """Each member's best assessment score on each programme role-play."""
    return [Distribution(key, _requirement(built, "scenario", key).label, tuple(counts), None)
            for key, counts in _distributions(built, members, "scenario", runs).items()]
