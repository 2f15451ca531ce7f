"""Certification status for one trainee or thousands, and issuing certificates when one is earned.

``summaries`` gathers every trainee's results with one aggregated query per kind of result
(lessons, quiz windows, exam sittings, role-play runs, glossary retention, certificates, due
dates): the number of queries does not grow with the number of trainees. ``core.certification``
decides the status; ``refresh`` issues what it says is earned. Services flush; callers commit.
"""
import logging
import math
import secrets
from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Integer, and_, bindparam, case, func, or_, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import FunctionElement

from ..core import certification as rules
from ..extensions import db
from ..models import (Answer, CardState, Certification, Cohort, CohortProgramme, Exam, GlossaryTerm, Lesson,
                      LessonProgress, Programme, Quiz, QuizAttempt, QuizResult, Role, RoleplayRun, Scenario, User,
                      UserRole)
from ..models._types import UTCDateTime, utcnow
from . import audit
from ..models.roleplay import FINISHED

log = logging.getLogger(__name__)
#: The shop's calendar: days, due dates and expiry are local days (``BABEL_DEFAULT_TIMEZONE``).
TIMEZONE = "Asia/Shanghai"
_VERSIONED = {"quiz": Quiz, "exam": Exam, "scenario": Scenario}


@dataclass(frozen=True)
class Row:
    """One trainee in one programme, as the status board lists it."""

    user_id: int
    username: str
    display_name: str
    cohort: str | None
    programme: str
    programme_title: str
    status: rules.Status

    def to_dict(self):
        return {"user_id": self.user_id, "username": self.username, "display_name": self.display_name,
                "cohort": self.cohort, "programme_title": self.programme_title, **self.status.to_dict()}


# --- programmes ------------------------------------------------------------------------------

def programmes():
    """Every active programme as ``core.certification.Programme``, with the live versions its material changes name."""
    rows = list(db.session.scalars(select(Programme).where(Programme.retired.is_(False))))
    named = {(m["kind"], m["key"]) for row in rows for m in row.definition.get("material", ())}
    live = {}
    for kind, model in _VERSIONED.items():
        keys = [key for k, key in named if k == kind]
        if keys:
            live.update({(kind, key): version for key, version in
                         db.session.execute(select(model.key, model.version).where(model.key.in_(keys)))})
    built = [rules.Programme.from_definition(row.key, row.version, row.definition, live) for row in rows]
    order = {row.key: (row.definition.get("order", 100), row.key) for row in rows}
    return sorted(built, key=lambda p: order[p.key])


# --- results of many trainees, a query per kind ----------------------------------------------

def summaries(users, programmes_, now=None, timezone=TIMEZONE, detail=False, retention=True):
    """``{user id: core.certification.Summary}`` for ``users`` (a list of ids or a SELECT of ids).

    Each kind of result is one aggregated query over all the trainees, whatever their number; for a list
    of ids each statement is built once per set of content keys and reused (building one costs more than
    running it for a single trainee). ``detail`` adds the day each lesson was studied (a certificate's
    evidence names it; a status does not need it, and thousands of trainees read faster without).
    ``retention=False`` leaves glossary retention out (``Summary.glossary`` is empty): for callers that
    work it out themselves, as the stored report rows do.
    """
    now, days = now or utcnow(), _Days(ZoneInfo(timezone))
    wanted = _wanted(programmes_)
    parts = defaultdict(lambda: {"lessons": {}, "quizzes": {}, "exams": {}, "scenarios": {}, "glossary": {},
                                 "certifications": []})
    for user_id, lessons in (_lesson_days if detail else _lessons)(users, wanted["lesson"], days):
        parts[user_id]["lessons"] = lessons
    for kind, rows in (("quizzes", _quizzes(users, wanted["quiz"], days)), ("exams", _exams(users, wanted["exam"], days)),
                       ("scenarios", _scenarios(users, wanted["scenario"], days))):
        for user_id, key, record in rows:
            parts[user_id][kind].setdefault(key, []).append(record)
    if retention:
        for user_id, scope, recalled in _glossary(users, wanted["glossary"], _day_end(now, days.zone)):
            parts[user_id]["glossary"][scope] = recalled
    for user_id, issued in _certifications(users, days.zone):
        parts[user_id]["certifications"].append(issued)
    totals = _glossary_terms(wanted["glossary"]) if retention else {}
    empty = rules.Summary(glossary={scope: rules.Retention(0, terms) for scope, terms in totals.items()})
    return {user_id: _summary(parts[user_id], totals) if user_id in parts else empty for user_id in _ids(users)}


def _summary(part, totals):
    glossary = {scope: rules.Retention(part["glossary"].get(scope, 0), terms) for scope, terms in totals.items()}
    return rules.Summary(
        lessons=part["lessons"], quizzes={k: tuple(v) for k, v in part["quizzes"].items()},
        exams={k: tuple(v) for k, v in part["exams"].items()},
        scenarios={k: tuple(v) for k, v in part["scenarios"].items()},
        glossary=glossary, certifications=tuple(part["certifications"]))


def _ids(users):
    if isinstance(users, (list, tuple, set, frozenset)):
        return list(users)
    return list(db.session.scalars(users))


def _wanted(programmes_):
    wanted = defaultdict(set)
    for programme in programmes_:
        for requirement in programme.requirements:
            wanted[requirement.kind].add(requirement.scope if requirement.kind == "glossary" else requirement.key)
    return wanted


def _of(column, users):
    return column.in_(users if not isinstance(users, (set, frozenset, tuple)) else list(users))


_USERS = bindparam("users", expanding=True)


def _run(build, users, *args, params=None, scalars=False):
    """Execute ``build(users, *args)``; for a list of ids the statement is built once per ``args`` (hashable:
    the content keys it names) with the ids bound, and kept."""
    run = db.session.scalars if scalars else db.session.execute
    if isinstance(users, (list, tuple, set, frozenset)):
        return run(_built(build, *args), {"users": list(users), **(params or {})})
    return run(build(users, *args), params or {})


@lru_cache(maxsize=256)
def _built(build, *args):
    return build(_USERS, *args)


class epoch(FunctionElement):
    """A timestamp as whole seconds since 1970 (UTC): rows of thousands of trainees read as plain integers."""

    type = Integer()
    inherit_cache = True
    name = "epoch"


@compiles(epoch, "sqlite")
def _epoch_sqlite(element, compiler, **kw):
    return f"CAST(strftime('%s', {compiler.process(element.clauses, **kw)}) AS INTEGER)"


@compiles(epoch)
def _epoch(element, compiler, **kw):
    return f"CAST(EXTRACT(EPOCH FROM {compiler.process(element.clauses, **kw)}) AS BIGINT)"


class _Days:
    """Seconds since 1970 → the local calendar day, the zone's offset looked up once per hour."""

    _ORDINAL_1970 = date(1970, 1, 1).toordinal()

    def __init__(self, zone):
        self.zone, self._offsets = zone, {}

    def __call__(self, seconds):
        if seconds is None:
            return None
        hour = seconds // 3600
        offset = self._offsets.get(hour)
        if offset is None:
            offset = self._offsets[hour] = int(datetime.fromtimestamp(hour * 3600, self.zone).utcoffset().total_seconds())
        return date.fromordinal(self._ORDINAL_1970 + (seconds + offset) // 86400)


def _lessons(users, keys, days):
    """Per trainee, one row: the required lessons opened and those studied."""
    if not keys:
        return
    rows = _run(_lessons_statement, users, tuple(sorted(keys)))
    done, opened = rules.LessonRecord(studied=True), rules.LessonRecord()
    for user_id, opened_keys, studied_keys in rows:
        lessons = dict.fromkeys(opened_keys.split(), opened)
        lessons.update(dict.fromkeys((studied_keys or "").split(), done))
        yield user_id, lessons


def _lessons_statement(users, keys):
    studied = func.aggregate_strings(case((LessonProgress.studied_at.is_not(None), Lesson.key)), " ")
    return (select(LessonProgress.user_id, func.aggregate_strings(Lesson.key, " "), studied)
            .join(Lesson, Lesson.id == LessonProgress.lesson_id)
            .where(Lesson.key.in_(keys), _of(LessonProgress.user_id, users))
            .group_by(LessonProgress.user_id))


def _lesson_days(users, keys, days):
    """Per trainee: each required lesson opened, with the day it was studied (for a certificate's evidence)."""
    if not keys:
        return
    rows = db.session.execute(
        select(LessonProgress.user_id, Lesson.key, epoch(LessonProgress.studied_at))
        .join(Lesson, Lesson.id == LessonProgress.lesson_id)
        .where(Lesson.key.in_(sorted(keys)), _of(LessonProgress.user_id, users)))
    found = defaultdict(dict)
    for user_id, key, studied in rows:
        found[user_id][key] = rules.LessonRecord(studied=studied is not None, studied_on=days(studied))
    yield from found.items()


def _quizzes(users, keys, days):
    """Each practice attempt reduced to its latest mastery window (the index on (attempt, seq) finds it)."""
    if not keys:
        return
    rows = _run(_quizzes_statement, users, tuple(sorted(keys)))
    for user_id, key, version, mastered, window, needed, answered, right_, unsure_, first, last in rows:
        yield user_id, key, rules.QuizRecord(
            version=version, window=window, mastery_correct=needed, answered=answered, right=int(right_ or 0),
            pending_right=int(unsure_ or 0), first_on=days(first), last_on=days(last), mastered_on=days(mastered))


def _quizzes_statement(users, keys):
    later = Answer.__table__.alias("later")
    last_seq = select(func.max(later.c.seq)).where(later.c.attempt_id == QuizAttempt.id).scalar_subquery()
    right = func.sum(case((and_(Answer.correct.is_(True), Answer.needs_review.is_(False)), 1), else_=0))
    unsure = func.sum(case((and_(Answer.correct.is_(True), Answer.needs_review.is_(True)), 1), else_=0))
    return (select(QuizAttempt.user_id, QuizAttempt.quiz_key, QuizAttempt.quiz_version, epoch(QuizAttempt.mastered_at),
                   Quiz.mastery_window, Quiz.mastery_correct, func.count(Answer.id), right, unsure,
                   epoch(func.min(Answer.answered_at)), epoch(func.max(Answer.answered_at)))
            .join(Quiz, Quiz.key == QuizAttempt.quiz_key)
            .join(Answer, and_(Answer.attempt_id == QuizAttempt.id, Answer.seq > last_seq - Quiz.mastery_window))
            .where(QuizAttempt.kind == "practice", QuizAttempt.quiz_key.in_(keys), _of(QuizAttempt.user_id, users))
            .group_by(QuizAttempt.id, QuizAttempt.user_id, QuizAttempt.quiz_key, QuizAttempt.quiz_version,
                      QuizAttempt.mastered_at, Quiz.mastery_window, Quiz.mastery_correct))


def _exams(users, keys, days):
    if not keys:
        return
    rows = _run(_exams_statement, users, tuple(sorted(keys)))
    for user_id, key, version, percent, pending, submitted in rows:
        yield user_id, key, rules.ExamRecord(version, percent, bool(pending), days(submitted))


def _exams_statement(users, keys):
    return (select(QuizResult.user_id, QuizResult.quiz_key, QuizAttempt.quiz_version, QuizResult.percent,
                   QuizResult.needs_review, epoch(QuizResult.submitted_at))
            .join(QuizAttempt, QuizAttempt.id == QuizResult.attempt_id)
            .where(QuizResult.quiz_key.in_(keys), _of(QuizResult.user_id, users)))


def _scenarios(users, keys, days):
    """Assessment runs per trainee, scenario and version: the latest counted pass and the latest awaiting a trainer."""
    if not keys:
        return
    rows = _run(_scenarios_statement, users, tuple(sorted(keys)))
    for user_id, key, version, passed, waiting_, best, runs in rows:
        yield user_id, key, rules.ScenarioRecord(version, days(passed), days(waiting_),
                                                 None if best is None else float(best), runs)


def _scenarios_statement(users, keys):
    reviewed = RoleplayRun.reviewed_at.is_not(None)
    counted = or_(and_(reviewed, RoleplayRun.final_passed.is_(True)),
                  and_(~reviewed, RoleplayRun.needs_review.is_(False), RoleplayRun.passed.is_(True)))
    waiting = and_(~reviewed, RoleplayRun.needs_review.is_(True), RoleplayRun.passed.is_(True))
    return (select(RoleplayRun.user_id, RoleplayRun.scenario_key, RoleplayRun.scenario_version,
                   epoch(func.max(case((counted, RoleplayRun.finished_at)))),
                   epoch(func.max(case((waiting, RoleplayRun.finished_at)))),
                   func.max(case((reviewed, RoleplayRun.final_score), else_=RoleplayRun.score)), func.count(RoleplayRun.id))
            .where(RoleplayRun.mode == "assessment", RoleplayRun.status == FINISHED,
                   RoleplayRun.scenario_key.in_(keys), _of(RoleplayRun.user_id, users))
            .group_by(RoleplayRun.user_id, RoleplayRun.scenario_key, RoleplayRun.scenario_version))


class elapsed_days(FunctionElement):
    """Whole days from ``since`` to ``at``, rounded down, as ``fsrs`` counts them."""

    type = Integer()
    inherit_cache = True
    name = "elapsed_days"


@compiles(elapsed_days, "sqlite")
def _elapsed_days_sqlite(element, compiler, **kw):
    at, since = (compiler.process(clause, **kw) for clause in element.clauses)
    return f"CAST(julianday({at}) - julianday({since}) AS INTEGER)"


@compiles(elapsed_days)
def _elapsed_days(element, compiler, **kw):
    at, since = (compiler.process(clause, **kw) for clause in element.clauses)
    return f"CAST(FLOOR(EXTRACT(EPOCH FROM ({at} - {since})) / 86400) AS INTEGER)"


def _glossary(users, scopes, at):
    """Per trainee and scope: terms FSRS predicts are recalled with the scope's probability at ``at``.

    Recall ≥ r exactly when elapsed whole days ≤ k(r) × stability (``rules.recall_horizon``).
    """
    if not scopes:
        return
    scopes = tuple(sorted(scopes))
    rows = _run(_glossary_statement, users, scopes, params={"at": at})
    for user_id, *counts in rows:
        for scope, count in zip(scopes, counts):
            yield user_id, scope, int(count or 0)


def _glossary_statement(users, scopes):
    elapsed = elapsed_days(bindparam("at", type_=UTCDateTime()), CardState.last_review)
    stability = CardState.card["stability"].as_float()
    columns = []
    for min_recall, lessons in scopes:
        condition = elapsed <= stability * rules.recall_horizon(min_recall)
        if lessons:
            condition = and_(condition, GlossaryTerm.lesson_key.in_(lessons))
        columns.append(func.sum(case((condition, 1), else_=0)))
    return (select(CardState.user_id, *columns).join(GlossaryTerm, GlossaryTerm.key == CardState.term_key)
            .where(GlossaryTerm.retired.is_(False), CardState.last_review.is_not(None), _of(CardState.user_id, users))
            .group_by(CardState.user_id))


def _glossary_terms(scopes):
    """Terms in each scope (the same for every trainee): one query."""
    if not scopes:
        return {}
    scopes = sorted(scopes)
    columns = [func.sum(case((GlossaryTerm.lesson_key.in_(lessons), 1), else_=0)) if lessons else func.count(GlossaryTerm.id)
               for _, lessons in scopes]
    counts = db.session.execute(select(*columns).where(GlossaryTerm.retired.is_(False))).one()
    return {scope: int(count or 0) for scope, count in zip(scopes, counts)}


def _certifications(users, zone):
    rows = _run(_certifications_statement, users, scalars=True)
    for row in rows:
        yield row.user_id, issued_of(row, zone)


def _certifications_statement(users):
    return select(Certification).where(_of(Certification.user_id, users))


def issued_of(row, zone):
    """A ``Certification`` row as the rules see it."""
    versions = {(e["kind"], e["key"]): e.get("version") for e in (row.evidence or {}).values()
                if isinstance(e, dict) and "kind" in e and "key" in e}
    return rules.Issued(programme=row.programme_key, certified_on=_day(row.certified_at, zone),
                        expires_on=_day(row.expires_at, zone), revoked_on=_day(row.revoked_at, zone),
                        versions=versions, id=row.id)


def due_dates(users):
    """``{user id: {programme key: due date or None}}`` from the cohorts' programmes: one query."""
    rows = db.session.execute(
        select(User.id, CohortProgramme.programme_key, CohortProgramme.due_on)
        .join(CohortProgramme, CohortProgramme.cohort_id == User.cohort_id).where(_of(User.id, users)))
    taken = defaultdict(dict)
    for user_id, key, due_on in rows:
        taken[user_id][key] = due_on
    return taken


# --- statuses ----------------------------------------------------------------------------------

def statuses(users, now=None, timezone=TIMEZONE):
    """Every trainee of ``users`` in each programme that applies to them, as board rows.

    A programme applies when the trainee's cohort takes it (with its due date) or they hold a
    certificate of it; a trainee whose cohort takes none sees every programme.
    """
    people = {user_id: rest for user_id, *rest in db.session.execute(
        select(User.id, User.username, User.display_name, Cohort.name)
        .outerjoin(Cohort, Cohort.id == User.cohort_id).where(_of(User.id, users)))}
    return [Row(user_id, *people[user_id], programme.key, programme.title, result)
            for user_id, programme, result in evaluate(users, now, timezone) if user_id in people]


def evaluate(users, now=None, timezone=TIMEZONE, built=None, detail=False):
    """``[(user id, core Programme, core Status)]`` for every applicable programme of every trainee."""
    now = now or utcnow()
    today = local_day(now, timezone)
    built = programmes() if built is None else built
    found = summaries(users, built, now, timezone, detail)
    taken = due_dates(users)
    return [(user_id, programme, rules.status(programme, summary, today, taken.get(user_id, {}).get(programme.key)))
            for user_id, summary in found.items() for programme in applicable(built, taken.get(user_id, {}), summary)]


def applicable(built, due, summary):
    """The programmes shown for a trainee: their cohort's and those they hold a certificate of (all if no cohort's)."""
    if not due:
        return built
    held = {c.programme for c in summary.certifications}
    return [p for p in built if p.key in due or p.key in held]


def own_statuses(user, now=None, timezone=TIMEZONE):
    """The trainee's own ``[(programme, Status)]`` for their page, issuing first what they have just earned."""
    now, built = now or utcnow(), programmes()
    found = evaluate([user.id], now, timezone, built)
    if any(result.issue for _, _, result in found) and _issue(user.id, built, now, timezone):
        found = evaluate([user.id], now, timezone, built)
    return [(programme, result) for _, programme, result in found]


# --- issuing ---------------------------------------------------------------------------------

def refresh(user, now=None, timezone=TIMEZONE, only_if=None):
    """Issue the certificates ``user`` has earned (or record a re-test); returns the rows written.

    Cheap enough to call after every result that may complete a programme; ``only_if``
    (``(kind, key)``) skips the work unless some programme requires that quiz, exam or scenario.
    """
    built = programmes()
    if only_if is not None and not any((r.kind, r.key) == only_if for p in built for r in p.requirements):
        return []
    now, user_id = now or utcnow(), getattr(user, "id", user)
    if not any(result.issue for _, _, result in evaluate([user_id], now, timezone, built)):
        return []
    return _issue(user_id, built, now, timezone)


def after_practice(user, quiz, recent, now=None):
    """``refresh`` after a practice answer, only when it brings the quiz's latest window to a
    programme's threshold (the answers right in the window grow one at a time, so this is the moment)."""
    right = sum(recent)
    for definition in db.session.scalars(select(Programme.definition).where(Programme.retired.is_(False))):
        for r in definition["requirements"]:
            if (r["kind"], r["key"]) == ("quiz", quiz.key) and right == _needed(r.get("min_percent"), quiz):
                return refresh(user, now)
    return []


def _needed(min_percent, quiz):
    if min_percent is None:
        return quiz.mastery_correct
    return math.ceil(min_percent * quiz.mastery_window / 100)


def refresh_all(now=None, timezone=TIMEZONE, batch=5000):
    """``refresh`` for every active trainee: a round of queries per batch of trainees, then the
    queries of ``refresh`` for each trainee who earned something."""
    now, built, written = now or utcnow(), programmes(), []
    ids = list(db.session.scalars(select(User.id).join(UserRole, UserRole.user_id == User.id)
                                  .where(User.active.is_(True), UserRole.role == Role.TRAINEE.value).order_by(User.id)))
    for start in range(0, len(ids), batch):
        earned = {user_id for user_id, _, result in evaluate(ids[start:start + batch], now, timezone, built) if result.issue}
        for user_id in sorted(earned):
            written += _issue(user_id, built, now, timezone)
    return written


def _issue(user_id, built, now, timezone):
    """Lock the trainee, decide again with every detail, and write what the rules ask for, once."""
    db.session.execute(select(User.id).where(User.id == user_id).with_for_update())
    zone, written = ZoneInfo(timezone), []
    for _, programme, result in evaluate([user_id], now, timezone, built, detail=True):
        if result.issue == rules.RETEST:
            latest = db.session.scalar(select(Certification).where(
                Certification.user_id == user_id, Certification.programme_key == programme.key,
                Certification.revoked_at.is_(None)).order_by(Certification.certified_at.desc(), Certification.id.desc()))
            written.append(_record_retest(latest, programme, result, now))
        elif result.issue:
            certification = Certification(
                user_id=user_id, programme_key=programme.key, programme_version=programme.version, certified_at=now,
                expires_at=day_start(result.expires_on, zone), code=secrets.token_urlsafe(16),
                evidence=evidence_of(programme, result.evidence))
            db.session.add(certification)
            db.session.flush()
            audit.record("system", "certification.issue", ("certification", programme.key, certification.id),
                         user_id=user_id, programme=programme.key, version=programme.version,
                         expires_at=certification.expires_at, renewal=result.issue == rules.RENEW)
            written.append(certification)
            log.info("user %s %s in %s until %s", user_id, "renewed" if result.issue == rules.RENEW else "certified",
                     programme.key, result.expires_on)
    return written


def _record_retest(certification, programme, result, now):
    evidence = dict(certification.evidence or {})
    fresh = evidence_of(programme, result.evidence)
    for key, seen in fresh.items():
        change = next((m for m in programme.live_material() if (m.kind, m.key) == (seen["kind"], seen["key"])), None)
        evidence[key] = {**seen, "retested_at": now.isoformat(), "note": change.note if change else ""}
    certification.evidence = evidence
    db.session.flush()
    audit.record("system", "certification.retest", ("certification", programme.key, certification.id),
                 user_id=certification.user_id, retested=sorted(fresh))
    log.info("user %s re-tested %s for %s", certification.user_id, ", ".join(fresh), programme.key)
    return certification


def evidence_of(programme, met):
    """The certificate's evidence: ``{"kind:key": {title, kind, key, on, version, percent | score …}}``."""
    labels = {(r.kind, r.key): r for r in programme.requirements}
    evidence = {}
    for item in met:
        requirement = labels[(item.kind, item.key)]
        seen = {"title": requirement.label, "kind": item.kind, "key": item.key,
                "on": item.on.isoformat() if item.on else None, "version": item.version}
        if item.kind == "scenario" and item.value is not None:
            seen.update(score=item.value, max_score=100)
        elif item.value is not None:
            seen.update(percent=item.value, pass_percent=requirement.min_percent)
        evidence[item.key if item.kind == "glossary" else f"{item.kind}:{item.key}"] = seen
    return evidence


# --- days ------------------------------------------------------------------------------------

def local_day(moment, timezone=TIMEZONE):
    return moment.astimezone(ZoneInfo(timezone)).date()


def _day(moment, zone):
    return moment.astimezone(zone).date() if moment is not None else None


def day_start(day, zone):
    """Local midnight at the start of ``day``, as an aware UTC datetime."""
    return datetime.combine(day, time(), tzinfo=zone).astimezone(UTC)


def _day_end(now, zone):
    """Retention is measured at the end of the local day: "still recalled today"."""
    return day_start(now.astimezone(zone).date() + timedelta(days=1), zone)
