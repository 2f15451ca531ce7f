"""Accepting a trainee's wording from the review queue: the rubric learns it, in one step.

The wording is added to one rubric point, the group under review and (if the trainer asks)
every earlier answer of the item are graded again with it, and the trainer sees all of that
before anything changes. Applying publishes a new item version through the authoring service
and records each re-grade like an override.
"""
import hashlib
import json
import logging
from dataclasses import dataclass

from sqlalchemy import or_, select

from ..core import review as rules
from ..core.content.quizzes import build_item
from ..core.grading import grade
from ..extensions import db
from ..models import Answer, Quiz, QuizAttempt, QuizItem
from ..models.attempts import SUBMITTED
from ..models._types import utcnow
from . import authoring
from .review import ReviewError, current_item, decide_answer, pending_group, response_text

log = logging.getLogger(__name__)


@dataclass
class WordingPreview:
    """What accepting a wording would do, shown before it is done."""

    row: QuizItem
    point: dict
    wording: str
    #: The item's source data with the wording added: what gets published.
    source: dict
    #: The group's answers and their new grade: applying decides them with it.
    group: list
    #: Other answers of the item whose score would change: ``[(answer, new result)]``.
    changes: list
    #: Answers of the item left alone: awaiting review elsewhere in the queue, or decided by a trainer.
    left_alone: int
    #: Publishing would be refused for these (e.g. a calibration example now disagrees).
    problems: list
    #: Names this exact preview; applying refuses when the preview would now be different.
    token: str


def preview_wording(answer_ids, point_id, wording):
    """Grade the group and every earlier answer of the item again with ``wording`` accepted for ``point_id``."""
    answers = pending_group(answer_ids)
    row = current_item(answers[0].item_key)
    if row is None or row.retired or row.kind != "short":
        raise ReviewError("item_retired")
    try:
        definition = rules.with_alias(row.definition, point_id, wording)
    except rules.AliasError as error:
        raise ReviewError(error.code) from None
    graded = _grader(build_item(definition))
    group = [(a, graded(a.response)) for a in answers]
    changes = [(a, r) for a in _regradable(row.key, {a.id for a in answers})
               if (r := graded(a.response)).score != a.score]
    source = definition.get("source") or {k: v for k, v in definition.items() if k != "source"}
    point = next(p for n, p in enumerate(definition["rubric"]["points"]) if p.get("id", f"p{n + 1}") == point_id)
    return WordingPreview(row=row, point=point, wording=wording.strip(), source=source, group=group, changes=changes,
                          left_alone=_left_alone(row.key, {a.id for a in answers}),
                          problems=authoring.problems_of("item", source, _quiz_of(row.key)),
                          token=_token(row, point_id, wording, group + changes))


def apply_wording(user, answer_ids, point_id, wording, reason, comment, regrade, token, now=None):
    """Publish the item with the wording accepted, decide the group with its new grade and, if asked,
    re-grade the earlier answers the preview listed. Refused if the preview is no longer what was shown."""
    preview = preview_wording(answer_ids, point_id, wording)
    if token != preview.token:
        raise ReviewError("preview_changed")
    if not (reason or "").strip():
        raise ReviewError("reason_required")
    note = f"review: accepted 「{preview.wording}」 for {preview.point['label']}"
    try:
        row = authoring.publish_data(user, "item", preview.row.key, preview.source, note, _quiz_of(preview.row.key))
    except authoring.AuthoringError as error:
        raise ReviewError("publish_refused", error.errors) from None
    now = now or utcnow()
    chosen = preview.group + (preview.changes if regrade else [])
    rows = [decide_answer(user, answer, "regrade", result.score, result.passed, reason, comment, now,
                          version=row.version, evidence=result.to_dict()) for answer, result in chosen]
    log.info("%s accepted a wording for %s (version %s): %s answers re-graded", user.username, row.key,
             row.version, len(rows))
    return row, rows


def _quiz_of(item_key):
    """The quiz an item belongs to (its lessons, when the item names none)."""
    quizzes = db.session.scalars(select(Quiz).order_by(Quiz.retired, Quiz.id))
    return next((q.key for q in quizzes if item_key in q.item_keys), None)


def _grader(item):
    """Grade responses with ``item``, each distinct response once."""
    seen = {}

    def graded(response):
        key = response_text(response)
        if key not in seen:
            seen[key] = grade(item, response)
        return seen[key]
    return graded


def _regradable_query(item_key):
    return (select(Answer).join(Answer.attempt)
            .where(Answer.item_key == item_key, or_(QuizAttempt.kind == "practice", QuizAttempt.status == SUBMITTED))
            .order_by(Answer.answered_at, Answer.id))


def _regradable(item_key, exclude):
    """Earlier answers the machine alone graded: not awaiting review, never decided by a trainer."""
    query = _regradable_query(item_key).where(Answer.needs_review.is_(False), Answer.reviewed_at.is_(None))
    return [a for a in db.session.scalars(query) if a.id not in exclude]


def _left_alone(item_key, exclude):
    query = _regradable_query(item_key).where(or_(Answer.needs_review.is_(True), Answer.reviewed_at.is_not(None)))
    return sum(1 for a in db.session.scalars(query) if a.id not in exclude)


def _token(row, point_id, wording, graded):
    data = [row.key, row.version, point_id, wording.strip(), sorted((a.id, r.score) for a, r in graded)]
    return hashlib.sha256(json.dumps(data, ensure_ascii=False).encode()).hexdigest()[:24]
