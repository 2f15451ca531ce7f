"""The board's fast reading of each trainee's state, from stored facts, for filtering and sorting thousands.

The certification rules (``certification.evaluate``) decide a status from every result; for a
10,000-trainee board that takes many seconds, too slow to filter by status on each request.
This module reads the same states from the few facts that decide them, with five aggregated
queries whatever the number of trainees:

- the latest certificate of each programme: still valid (``certified``; ``expiring_soon`` in
  its renewal window; ``retest_due`` when its evidence predates a live material change), expired
  (``expired``), or none; a revoked one counts as none;
- results awaiting a trainer (exam, role-play, quiz answer) once the rest is done — every lesson
  studied, the exam sat, every role-play passed or awaiting (``awaiting_review``);
- the cohort's due date passed without a certificate ever (``overdue``);
- anything done towards the programme (``in_progress``), else ``not_started``.

It agrees with the rules except in transitions the rules settle at the next result or refresh
(all requirements met but the certificate not issued yet; a re-test passed but not yet recorded;
a quiz threshold or glossary retention still missing when the rest is awaiting review). The board
shows the rules' verdict on every row it displays; this reading only selects and orders rows.
"""
from collections import defaultdict
from datetime import timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import and_, case, func, or_, select

from ..extensions import db
from ..models import Answer, Certification, Lesson, LessonProgress, QuizAttempt, QuizResult, RoleplayRun
from ..models.roleplay import FINISHED
from . import certification


def read_states(users, pairs, built, now, timezone=certification.TIMEZONE):
    """``{(user id, programme key): (state, past_due)}`` for ``pairs`` (rows with user_id, programme_key, due_on).

    ``users`` is a SELECT of the trainees' ids (the scope), so every query stays one query.
    """
    zone = ZoneInfo(timezone)
    today = certification.local_day(now, timezone)
    needs = {p.key: _Needs(p) for p in built}
    latest, ever = certificates(users, zone)
    lessons = lessons_done(users, built)
    exams = _exams(users, built)
    pending = _pending(users, built)
    asked = {row.user_id for row in pairs if (row.user_id, row.programme_key) in pending
             or (row.user_id not in lessons and row.user_id not in exams)}
    runs = _runs(asked, built)
    found = {}
    for row in pairs:
        need = needs.get(row.programme_key)
        if need is None:
            continue
        key = (row.user_id, row.programme_key)
        past_due = row.due_on is not None and today > row.due_on and key not in ever
        found[key] = (_state(need, key, latest.get(key), today, past_due, lessons, exams, pending, runs), past_due)
    return found


class _Needs:
    """A programme's requirement keys by kind, worked out once per request."""

    def __init__(self, programme):
        self.programme = programme
        self.lessons = len(_keys(programme, "lesson"))
        self.exams = _keys(programme, "exam")
        self.scenarios = _keys(programme, "scenario")
        self.renew = timedelta(days=programme.renew_days)
        self.material = programme.live_material()


def _state(need, key, cert, today, past_due, lessons, exams, pending, runs):
    user_id = key[0]
    if cert is not None and today < cert.expires_on:
        if any((cert.versions.get((m.kind, m.key)) or 0) < m.version for m in need.material):
            return "retest_due"
        return "expiring_soon" if today >= cert.expires_on - need.renew else "certified"
    studied, opened = lessons.get(user_id, {}).get(need.programme.key, (0, 0))
    played = runs.get(user_id, {})
    if key in pending and studied >= need.lessons and all((user_id, k) in exams for k in need.exams) \
            and all(played.get(k) for k in need.scenarios):
        return "awaiting_review"
    if cert is not None:
        return "expired"
    if past_due:
        return "overdue"
    if opened or any((user_id, k) in exams for k in need.exams) or any(k in played for k in need.scenarios):
        return "in_progress"
    return "not_started"


def _keys(programme, kind):
    return [r.key for r in programme.requirements if r.kind == kind]


def certificates(users, zone):
    """The latest certificate (revoked ones count as none) and the programmes ever held, per trainee."""
    newest, ever = {}, set()
    for row in db.session.scalars(select(Certification).where(Certification.user_id.in_(users))
                                  .order_by(Certification.certified_at, Certification.id)):
        key = (row.user_id, row.programme_key)
        newest[key] = row
        if row.revoked_at is None:
            ever.add(key)
    latest = {key: certification.issued_of(row, zone) for key, row in newest.items() if row.revoked_at is None}
    return latest, ever


def lessons_done(users, built):
    """``{user: {programme: (lessons studied, lessons opened)}}``: one pass over lesson progress."""
    ids = dict(db.session.execute(select(Lesson.key, Lesson.id)).all())
    columns = []
    for programme in built:
        wanted = [ids[k] for k in _keys(programme, "lesson") if k in ids]
        inside = LessonProgress.lesson_id.in_(wanted)
        columns += [func.sum(case((and_(inside, LessonProgress.studied_at.is_not(None)), 1), else_=0)),
                    func.sum(case((inside, 1), else_=0))]
    found = {}
    for user_id, *counts in db.session.execute(select(LessonProgress.user_id, *columns)
                                                .where(LessonProgress.user_id.in_(users))
                                                .group_by(LessonProgress.user_id)):
        found[user_id] = {p.key: (int(counts[2 * n] or 0), int(counts[2 * n + 1] or 0)) for n, p in enumerate(built)}
    return found


def _exams(users, built):
    """``{(user, exam key): True}`` for each exam sat."""
    keys = sorted({k for p in built for k in _keys(p, "exam")})
    if not keys:
        return {}
    return {(user_id, key): True for user_id, key in db.session.execute(
        select(QuizResult.user_id, QuizResult.quiz_key).where(QuizResult.user_id.in_(users), QuizResult.quiz_key.in_(keys))
        .group_by(QuizResult.user_id, QuizResult.quiz_key))}


def _pending(users, built):
    """``{(user, programme)}`` with a result that would count awaiting a trainer (found through the needs_review indexes)."""
    found = set()
    exam_rows = db.session.execute(select(QuizResult.user_id, QuizResult.quiz_key).where(
        QuizResult.needs_review.is_(True), QuizResult.user_id.in_(users)).distinct()).all()
    run_rows = db.session.execute(select(RoleplayRun.user_id, RoleplayRun.scenario_key).where(
        RoleplayRun.needs_review.is_(True), RoleplayRun.reviewed_at.is_(None), RoleplayRun.passed.is_(True),
        RoleplayRun.mode == "assessment", RoleplayRun.status == FINISHED, RoleplayRun.user_id.in_(users)).distinct()).all()
    waiting = select(Answer.attempt_id).where(Answer.needs_review.is_(True), Answer.reviewed_at.is_(None))
    answer_rows = db.session.execute(select(QuizAttempt.user_id, QuizAttempt.quiz_key).where(
        QuizAttempt.id.in_(waiting), QuizAttempt.user_id.in_(users)).distinct()).all()
    by_kind = defaultdict(set)
    for kind, rows in (("exam", exam_rows), ("scenario", run_rows), ("quiz", answer_rows)):
        for user_id, key in rows:
            by_kind[kind, key].add(user_id)
    for programme in built:
        for requirement in programme.requirements:
            for user_id in by_kind.get((requirement.kind, requirement.key), ()):
                found.add((user_id, programme.key))
    return found


def _runs(user_ids, built):
    """``{user: {scenario: passed or awaiting a trainer}}`` for the few trainees whose state depends on it."""
    keys = sorted({k for p in built for k in _keys(p, "scenario")})
    if not user_ids or not keys:
        return {}
    counted = or_(and_(RoleplayRun.reviewed_at.is_not(None), RoleplayRun.final_passed.is_(True)),
                  and_(RoleplayRun.reviewed_at.is_(None), RoleplayRun.passed.is_(True)))
    found = defaultdict(dict)
    ids = sorted(user_ids)
    for start in range(0, len(ids), 2000):
        for user_id, key, passed in db.session.execute(
                select(RoleplayRun.user_id, RoleplayRun.scenario_key, func.max(case((counted, 1), else_=0)))
                .where(RoleplayRun.user_id.in_(ids[start:start + 2000]), RoleplayRun.scenario_key.in_(keys),
                       RoleplayRun.mode == "assessment", RoleplayRun.status == FINISHED)
                .group_by(RoleplayRun.user_id, RoleplayRun.scenario_key)):
            found[user_id][key] = bool(passed)
    return found
