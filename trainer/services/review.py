"""The trainers' review queue: what the machine was unsure of, decided once per wording, every change audited.

A decision on an answer replaces its ``score`` and ``correct`` (what quizzes, exams and reports
read); the machine's own reading stays in ``result``. A decision on a role-play run sits beside
the machine's result, which is frozen (``final_score``, ``final_passed``). Every change, and
every exam total that follows from one, is a ``GradeOverride`` row. Accepting a trainee's
wording into the rubric is in ``services/review_wording.py``.
"""
import json
import logging
from dataclasses import dataclass

from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from ..core import review as rules
from ..extensions import db
from ..models import (Answer, ContentVersion, Exam, GradeOverride, Quiz, QuizAttempt, QuizItem, RoleplayRun, Scenario,
                      User)
from ..models.attempts import SUBMITTED
from ..models.roleplay import FINISHED
from ..models._types import utcnow
from .attempts import mastery

from . import audit, certification

log = logging.getLogger(__name__)


class ReviewError(Exception):
    """A decision that cannot be made; ``code`` says why (the web layer words it), ``errors`` any content problems."""

    def __init__(self, code, errors=()):
        super().__init__(code)
        self.code = code
        self.errors = list(errors)


@dataclass
class AnswerGroup:
    """Answers to one item version that the machine read alike and that say (nearly) the same."""

    item_key: str
    item_version: int
    #: The item as it was at that version (its prompt and rubric).
    definition: dict
    #: Oldest first; the first stands for the group.
    answers: list
    identical: bool

    @property
    def first(self):
        return self.answers[0]

    @property
    def ids(self):
        return [a.id for a in self.answers]


@dataclass
class Queue:
    groups: list
    runs: list
    #: ``{scenario key: title}``
    titles: dict
    #: ``{user id: display name}`` of everyone in the queue
    people: dict

    @property
    def answer_count(self):
        return sum(len(g.answers) for g in self.groups)


# --- the queue ------------------------------------------------------------------------------

def queue():
    """Everything awaiting a trainer, oldest first: answer groups, then role-play runs."""
    runs, groups = pending_runs(), _groups(_pending_answers())
    people = names({r.user_id for r in runs} | {a.attempt.user_id for g in groups for a in g.answers})
    return Queue(groups=groups, runs=runs, titles=scenario_titles({r.scenario_key for r in runs}), people=people)


def counts():
    """``(answers, runs)`` awaiting review, for a badge."""
    answers = db.session.scalar(select(func.count()).select_from(_pending_answers_query().subquery()))
    runs = db.session.scalar(select(func.count()).select_from(_pending_runs_query().subquery()))
    return answers, runs


def answer_group(answer_id):
    """The group ``answer_id`` belongs to now, or None when it no longer awaits review."""
    answer = db.session.get(Answer, answer_id)
    if answer is None or not _pending(answer):
        return None
    same_item = _pending_answers(answer.item_key, answer.item_version)
    return next(g for g in _groups(same_item) if answer_id in g.ids)


def pending_runs():
    return list(db.session.scalars(_pending_runs_query()))


def pending_run(run_id):
    run = db.session.get(RoleplayRun, run_id)
    return run if run is not None and _run_pending(run) else None


def names(user_ids):
    """``{user id: display name}``."""
    return dict(db.session.execute(select(User.id, User.display_name).where(User.id.in_(list(user_ids)))).all())


def scenario_titles(keys):
    return dict(db.session.execute(select(Scenario.key, Scenario.title).where(Scenario.key.in_(list(keys)))).all())


def _pending_answers_query(item_key=None, version=None):
    # an exam still being sat can be answered again, so only submitted exams are reviewed
    query = (select(Answer).join(Answer.attempt).options(selectinload(Answer.attempt))
             .where(Answer.needs_review.is_(True), or_(QuizAttempt.kind == "practice", QuizAttempt.status == SUBMITTED))
             .order_by(Answer.answered_at, Answer.id))
    if item_key is not None:
        query = query.where(Answer.item_key == item_key, Answer.item_version == version)
    return query


def _pending_answers(item_key=None, version=None):
    return list(db.session.scalars(_pending_answers_query(item_key, version)))


def _pending_runs_query():
    return (select(RoleplayRun).where(RoleplayRun.needs_review.is_(True), RoleplayRun.status == FINISHED,
                                      RoleplayRun.mode == "assessment")
            .order_by(RoleplayRun.finished_at, RoleplayRun.id))


def _groups(answers):
    by_id = {a.id: a for a in answers}
    pending = [rules.Pending(a.id, a.item_key, a.item_version, response_text(a.response), rules.signature(a.result))
               for a in answers]
    return [AnswerGroup(g.item_key, g.item_version, definition_at(g.item_key, g.item_version),
                        [by_id[i] for i in g.ids], g.identical)
            for g in rules.group_answers(pending)]


def response_text(response):
    """A short answer as written; any other response as compact JSON (for grouping and display)."""
    return response if isinstance(response, str) else json.dumps(response, ensure_ascii=False, sort_keys=True)


def definition_at(key, version):
    """An item's definition at ``version`` (the current one when that version was not kept)."""
    stored = db.session.scalar(select(ContentVersion.definition).where(
        ContentVersion.kind == "item", ContentVersion.key == key, ContentVersion.version == version))
    if stored is not None:
        return stored
    row = current_item(key)
    return row.definition if row is not None else {"id": key, "prompt": key}


def current_item(key):
    """The item as published now: a wording is always added to this version."""
    return db.session.scalar(select(QuizItem).where(QuizItem.key == key))


def _pending(answer):
    attempt = answer.attempt
    return answer.needs_review and (attempt.kind == "practice" or attempt.status == SUBMITTED)


def _run_pending(run):
    return run.status == FINISHED and run.needs_review and run.mode == "assessment"


# --- deciding answers -----------------------------------------------------------------------

def decide_answers(user, answer_ids, score, reason, comment=None, now=None):
    """Give every answer of a group the score ``score``; returns the audit rows."""
    answers = pending_group(answer_ids)
    if not 0 <= score <= answers[0].max_score:
        raise ReviewError("score_out_of_range")
    if not (reason or "").strip():
        raise ReviewError("reason_required")
    now = now or utcnow()
    rows = [decide_answer(user, a, "override", score, _reaches_pass(a, score), reason, comment, now) for a in answers]
    _after_answers(user, answers, "override", reason, now)
    log.info("%s set %s answers to %s on %s: %s", user.username, len(rows), score, answers[0].item_key, reason)
    return rows


def confirm_answers(user, answer_ids, reason="", comment=None, now=None):
    """Keep the machine's grade of every answer of a group (the review is still audited)."""
    answers = pending_group(answer_ids)
    now = now or utcnow()
    rows = [decide_answer(user, a, "confirm", a.score, a.correct, reason, comment, now) for a in answers]
    _after_answers(user, answers, "confirm", reason, now)
    return rows


def _after_answers(user, answers, action, reason, now):
    """Audit the decision and let each trainee's certification follow it."""
    for answer in answers:
        audit.record(user, f"grade.{action}", ("answer", answer.id), new_score=answer.score, reason=reason)
    for trainee_id in sorted({answer.attempt.user_id for answer in answers}):
        certification.refresh(trainee_id, now)


def pending_group(answer_ids):
    """The answers a trainer saw as one group, all still awaiting review and of one item version."""
    ids = sorted(set(answer_ids))
    # locked, and read afresh: another trainer may have decided them since this request loaded them
    query = (select(Answer).where(Answer.id.in_(ids)).order_by(Answer.answered_at, Answer.id).with_for_update()
             .execution_options(populate_existing=True))
    answers = list(db.session.scalars(query))
    if not ids or len(answers) != len(ids) or not all(_pending(a) for a in answers):
        raise ReviewError("already_decided")
    if len({(a.item_key, a.item_version) for a in answers}) != 1:
        raise ReviewError("mixed_group")
    return answers


def _reaches_pass(answer, score):
    pass_mark = answer.result.get("pass_mark")
    return score >= (pass_mark if pass_mark is not None else answer.max_score)


def decide_answer(user, answer, action, score, passed, reason, comment, now, version=None, evidence=None):
    """Change one answer, audit it, and bring its exam total or practice mastery up to date.

    :param action: "override", "confirm" or "regrade" (``version`` and ``evidence`` then name the
        rubric version it was graded against and the new ``GradeResult.to_dict()``).
    """
    attempt = answer.attempt
    row = GradeOverride(
        action=action, answer_id=answer.id, trainee_id=attempt.user_id, reviewer_id=user.id,
        old_score=answer.score, new_score=score, max_score=answer.max_score, old_passed=answer.correct,
        new_passed=passed, reason=(reason or "").strip(), comment=(comment or "").strip() or None,
        content_kind="item", content_key=answer.item_key, content_version=version or answer.item_version,
        evidence=evidence, created_at=now)
    db.session.add(row)
    answer.score, answer.correct, answer.needs_review = score, passed, False
    answer.reviewed_at, answer.reviewed_by_id, answer.review_comment = now, user.id, row.comment
    db.session.flush()
    if attempt.kind == "exam" and attempt.result is not None:
        _recompute(user, attempt, row, now)
    elif attempt.kind == "practice":
        _update_mastery(attempt, now)
    return row


def _recompute(user, attempt, cause, now):
    """An exam's total, percentage, verdict and "awaiting review" after one of its answers changed."""
    result = attempt.result
    score = round(sum(a.score for a in attempt.answers), 6)
    percent = round(100 * score / result.max_score, 1) if result.max_score else 0.0
    exam = db.session.scalar(select(Exam).where(Exam.key == attempt.quiz_key))
    passed = percent >= exam.pass_percent
    db.session.add(GradeOverride(
        action="recompute", result_id=result.id, trainee_id=result.user_id, reviewer_id=user.id, cause_id=cause.id,
        old_score=result.score, new_score=score, max_score=result.max_score, old_passed=result.passed,
        new_passed=passed, reason=cause.reason, content_kind="exam", content_key=attempt.quiz_key,
        content_version=attempt.quiz_version, created_at=now))
    result.score, result.percent, result.passed = score, percent, passed
    result.needs_review = any(a.needs_review for a in attempt.answers)
    result.reviewed_at = now
    db.session.flush()


def _update_mastery(attempt, now):
    """A practice answer turned right may complete the mastery rule; mastery once reached stays."""
    quiz = db.session.scalar(select(Quiz).where(Quiz.key == attempt.quiz_key))
    if quiz is not None and attempt.mastered_at is None and mastery(attempt, quiz)[1]:
        attempt.mastered_at = now


# --- deciding role-play runs ----------------------------------------------------------------

def decide_run(user, run, score, passed, reason, comment=None, now=None):
    """Set the score and verdict that count for a finished run; the machine's result stays as it was."""
    if not _locked_pending(run):
        raise ReviewError("already_decided")
    if not 0 <= score <= (run.debrief or {}).get("max_score", 100):
        raise ReviewError("score_out_of_range")
    if not (reason or "").strip():
        raise ReviewError("reason_required")
    return _decide_run(user, run, "override", score, passed, reason, comment, now or utcnow())


def confirm_run(user, run, reason="", comment=None, now=None):
    """Keep the machine's score and verdict (audited like an override)."""
    if not _locked_pending(run):
        raise ReviewError("already_decided")
    return _decide_run(user, run, "confirm", run.score, run.passed, reason, comment, now or utcnow())


def _locked_pending(run):
    """Lock the run and read it afresh (another trainer may have just decided it); still awaiting review?"""
    db.session.refresh(run, with_for_update=True)
    return _run_pending(run)


def _decide_run(user, run, action, score, passed, reason, comment, now):
    row = GradeOverride(
        action=action, run_id=run.id, trainee_id=run.user_id, reviewer_id=user.id, old_score=run.score,
        new_score=score, max_score=(run.debrief or {}).get("max_score", 100), old_passed=run.passed,
        new_passed=passed, reason=(reason or "").strip(), comment=(comment or "").strip() or None,
        content_kind="scenario", content_key=run.scenario_key, content_version=run.scenario_version,
        created_at=now)
    db.session.add(row)
    run.final_score, run.final_passed, run.needs_review = score, passed, False
    run.reviewed_at, run.reviewed_by_id, run.review_comment = now, user.id, row.comment
    db.session.flush()
    audit.record(user, f"grade.{action}", ("roleplay_run", run.id), old_score=run.score, new_score=score,
                 passed=passed, reason=row.reason)
    certification.refresh(run.user_id, now)
    log.info("%s decided run %s: %s (%s)", user.username, run.id, score, action)
    return row


# --- the audit ------------------------------------------------------------------------------

def audit_page(page, per_page=50):
    """Every change, newest first, as a page."""
    query = select(GradeOverride).order_by(GradeOverride.created_at.desc(), GradeOverride.id.desc())
    return db.paginate(query, page=page, per_page=per_page, error_out=False)


def overrides_of(answer=None, run=None):
    """The audit rows of one answer or run, oldest first."""
    column, value = (GradeOverride.answer_id, answer.id) if answer is not None else (GradeOverride.run_id, run.id)
    return list(db.session.scalars(select(GradeOverride).where(column == value).order_by(GradeOverride.id)))
