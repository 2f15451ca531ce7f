"""Content files ↔ database rows: one generic upsert for every kind of content."""
import hashlib
import json
import logging
from dataclasses import dataclass, field

from sqlalchemy import select

from ..extensions import db
from ..models import Exam, GlossaryTerm, Lesson, Quiz, QuizItem, Scenario, ScenarioVersion
from ..models._types import utcnow

log = logging.getLogger(__name__)


@dataclass
class SyncReport:
    added: list = field(default_factory=list)
    updated: list = field(default_factory=list)
    retired: list = field(default_factory=list)
    unchanged: int = 0

    @property
    def changed(self):
        return bool(self.added or self.updated or self.retired)


def sync_content(bundle):
    """Make the database match a validated ``ContentBundle``; the caller commits once."""
    report = SyncReport()
    _sync(Lesson, {l.id: _lesson_columns(l) for l in bundle.lessons}, report, "lesson")
    _sync(QuizItem, {i.id: _item_columns(i) for i in bundle.items}, report, "item")
    _sync(Quiz, {q.id: _quiz_columns(q) for q in bundle.quizzes}, report, "quiz")
    _sync(Exam, {bundle.exam.id: _exam_columns(bundle.exam)} if bundle.exam else {}, report, "exam")
    _sync(GlossaryTerm, {t.id: _term_columns(t) for t in bundle.terms}, report, "term")
    _sync(Scenario, {s.id: _scenario_columns(s) for s in bundle.scenarios}, report, "scenario")
    db.session.flush()
    _keep_scenario_versions()
    log.info("content sync: %d added, %d updated, %d retired, %d unchanged",
             len(report.added), len(report.updated), len(report.retired), report.unchanged)
    return report


def _sync(model, wanted, report, kind):
    """Insert new keys, update changed ones (version + 1), retire missing ones; never delete."""
    existing = {row.key: row for row in db.session.scalars(select(model))}
    for key, columns in wanted.items():
        row = existing.pop(key, None)
        if row is None:
            db.session.add(model(key=key, **columns))
            report.added.append(f"{kind}:{key}")
        elif row.content_hash != columns["content_hash"] or row.retired:
            for name, value in columns.items():
                setattr(row, name, value)
            row.version += 1
            row.updated_at = utcnow()
            report.updated.append(f"{kind}:{key}")
        else:
            report.unchanged += 1
    for row in existing.values():
        if not row.retired:
            row.retired = True
            report.retired.append(f"{kind}:{row.key}")


def _hash(data):
    return hashlib.sha256(json.dumps(data, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def _lesson_columns(lesson):
    return {
        "title": lesson.title, "part": lesson.part, "position": lesson.order,
        "minutes": lesson.minutes, "required": lesson.required,
        "objectives": list(lesson.objectives), "body_html": lesson.html,
        "outline": [list(entry) for entry in lesson.outline], "source": lesson.source,
        "content_hash": lesson.content_hash, "retired": False,
    }


def _item_columns(item):
    return {"kind": item.kind, "lessons": list(item.lessons), "definition": item.definition,
            "content_hash": _hash(item.definition), "retired": False}


def _quiz_columns(quiz):
    columns = {"title": quiz.title, "lessons": list(quiz.lessons), "item_keys": list(quiz.items),
               "mastery_correct": quiz.mastery_correct, "mastery_window": quiz.mastery_window}
    return {**columns, "content_hash": _hash(columns), "retired": False}


def _exam_columns(exam):
    columns = {"title": exam.title, "time_limit_minutes": exam.time_limit_minutes,
               "pass_percent": exam.pass_percent, "max_attempts": exam.max_attempts,
               "pools": [{"lessons": list(p.lessons), "kinds": list(p.kinds) if p.kinds else None, "count": p.count}
                         for p in exam.pools]}
    return {**columns, "content_hash": _hash(columns), "retired": False}


def _term_columns(term):
    return {"term": term.term, "lesson_key": term.lesson, "definition": term.definition,
            "data": term.definition_data, "content_hash": _hash(term.definition_data), "retired": False}


def _scenario_columns(scenario):
    return {"title": scenario.title, "kind": scenario.kind, "situation": scenario.situation,
            "definition": scenario.definition, "content_hash": _hash(scenario.definition), "retired": False}


def _keep_scenario_versions():
    """Store each scenario version once, so runs keep the definition they were played on."""
    kept = set(db.session.execute(select(ScenarioVersion.scenario_key, ScenarioVersion.version)).all())
    for row in db.session.scalars(select(Scenario)):
        if (row.key, row.version) not in kept:
            db.session.add(ScenarioVersion(scenario_key=row.key, version=row.version,
                                           content_hash=row.content_hash, definition=row.definition))
    db.session.flush()


def listing():
    """Every loaded (not retired) thing as ``{id, kind, title, lesson}``, for ``trainer content list``."""
    rows = []
    for lesson in db.session.scalars(select(Lesson).where(Lesson.retired.is_(False)).order_by(Lesson.position)):
        rows.append({"id": lesson.key, "kind": "lesson", "title": lesson.title, "lesson": lesson.key})
    for quiz in db.session.scalars(select(Quiz).where(Quiz.retired.is_(False)).order_by(Quiz.key)):
        rows.append({"id": quiz.key, "kind": "quiz", "title": quiz.title, "lesson": quiz.lessons[0]})
    for item in db.session.scalars(select(QuizItem).where(QuizItem.retired.is_(False)).order_by(QuizItem.key)):
        rows.append({"id": item.key, "kind": item.kind, "title": item.definition["prompt"], "lesson": item.lessons[0]})
    for term in db.session.scalars(select(GlossaryTerm).where(GlossaryTerm.retired.is_(False)).order_by(GlossaryTerm.key)):
        rows.append({"id": term.key, "kind": "term", "title": term.term, "lesson": term.lesson_key})
    for scenario in db.session.scalars(select(Scenario).where(Scenario.retired.is_(False)).order_by(Scenario.key)):
        rows.append({"id": scenario.key, "kind": "scenario", "title": scenario.title,
                     "lesson": scenario.definition["lessons"][0], "situation": scenario.situation,
                     "scenario_kind": scenario.kind})
    for exam in db.session.scalars(select(Exam).where(Exam.retired.is_(False))):
        rows.append({"id": exam.key, "kind": "exam", "title": exam.title, "lesson": None})
    return rows
