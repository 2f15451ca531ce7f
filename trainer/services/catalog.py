"""Content files ↔ database rows: one generic upsert for every kind of content."""
import hashlib
import json
import logging
from dataclasses import dataclass, field

from sqlalchemy import select

from ..extensions import db
from ..models import ContentVersion, Exam, GlossaryTerm, Lesson, Programme, Quiz, QuizItem, Scenario
from ..models._types import utcnow

log = logging.getLogger(__name__)


@dataclass
class SyncReport:
    added: list = field(default_factory=list)
    updated: list = field(default_factory=list)
    retired: list = field(default_factory=list)
    #: Published in the browser and different in the files: left as published, nothing changed.
    conflicts: list = field(default_factory=list)
    unchanged: int = 0

    @property
    def changed(self):
        return bool(self.added or self.updated or self.retired)


def sync_content(bundle):
    """Make the database match a validated ``ContentBundle``; the caller commits once."""
    report = SyncReport()
    _sync(Lesson, {l.id: _lesson_columns(l) for l in bundle.lessons}, report, "lesson")
    _sync(QuizItem, {i.id: item_columns(i) for i in bundle.items}, report, "item")
    _sync(Quiz, _with_browser_items({q.id: _quiz_columns(q) for q in bundle.quizzes}), report, "quiz")
    _sync(Exam, {bundle.exam.id: _exam_columns(bundle.exam)} if bundle.exam else {}, report, "exam")
    _sync(GlossaryTerm, {t.id: term_columns(t) for t in bundle.terms}, report, "term")
    _sync(Scenario, {s.id: scenario_columns(s) for s in bundle.scenarios}, report, "scenario")
    _sync(Programme, {p.id: programme_columns(p) for p in bundle.programmes}, report, "programme")
    db.session.flush()
    keep_versions()
    log.info("content sync: %d added, %d updated, %d retired, %d conflicts, %d unchanged",
             len(report.added), len(report.updated), len(report.retired), len(report.conflicts), report.unchanged)
    return report


def _sync(model, wanted, report, kind):
    """Insert new keys, update changed ones (version + 1), retire missing ones; never delete.

    What a trainer published in the browser wins over the files: a different file version is
    reported as a conflict and changes nothing, and browser-only content is not retired.
    Export the published version into the file to end the conflict.
    """
    existing = {row.key: row for row in db.session.scalars(select(model))}
    for key, columns in wanted.items():
        row = existing.pop(key, None)
        if row is None:
            db.session.add(model(key=key, origin="file", **columns))
            report.added.append(f"{kind}:{key}")
        elif row.content_hash == columns["content_hash"] and not row.retired:
            report.unchanged += 1
        elif row.origin == "browser" and not row.retired:
            report.conflicts.append(f"{kind}:{key}")
        else:
            for name, value in columns.items():
                setattr(row, name, value)
            row.version += 1
            row.origin = "file"
            row.updated_at = utcnow()
            report.updated.append(f"{kind}:{key}")
    for row in existing.values():
        if not row.retired and row.origin != "browser":
            row.retired = True
            report.retired.append(f"{kind}:{row.key}")


def _with_browser_items(quizzes):
    """A quiz keeps the items trainers added to it in the browser."""
    browser = {row.key: row for row in db.session.scalars(select(Quiz))}
    for key, columns in quizzes.items():
        row = browser.get(key)
        if row is None:
            continue
        extra = [k for k in row.item_keys if k not in columns["item_keys"] and _browser_item(k)]
        if extra:
            columns["item_keys"] = columns["item_keys"] + extra
            columns["content_hash"] = quiz_hash(columns)
    return quizzes


def _browser_item(key):
    row = db.session.scalar(select(QuizItem).where(QuizItem.key == key))
    return row is not None and row.origin == "browser" and not row.retired


def content_hash(data):
    return hashlib.sha256(json.dumps(data, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


_hash = content_hash


def _lesson_columns(lesson):
    return {
        "title": lesson.title, "part": lesson.part, "position": lesson.order,
        "minutes": lesson.minutes, "required": lesson.required,
        "objectives": list(lesson.objectives), "body_html": lesson.html,
        "outline": [list(entry) for entry in lesson.outline], "source": lesson.source,
        "content_hash": lesson.content_hash, "retired": False,
    }


def item_columns(item):
    return {"kind": item.kind, "lessons": list(item.lessons), "definition": item.definition,
            "content_hash": _hash(item.definition), "retired": False}


def _quiz_columns(quiz):
    columns = {"title": quiz.title, "lessons": list(quiz.lessons), "item_keys": list(quiz.items),
               "mastery_correct": quiz.mastery_correct, "mastery_window": quiz.mastery_window}
    return {**columns, "content_hash": quiz_hash(columns), "retired": False}


def quiz_hash(columns):
    return _hash({name: columns[name] for name in ("title", "lessons", "item_keys", "mastery_correct", "mastery_window")})


def _exam_columns(exam):
    columns = {"title": exam.title, "time_limit_minutes": exam.time_limit_minutes,
               "pass_percent": exam.pass_percent, "max_attempts": exam.max_attempts,
               "pools": [{"lessons": list(p.lessons), "kinds": list(p.kinds) if p.kinds else None, "count": p.count}
                         for p in exam.pools]}
    return {**columns, "content_hash": _hash(columns), "retired": False}


def term_columns(term):
    return {"term": term.term, "lesson_key": term.lesson, "definition": term.definition,
            "data": term.definition_data, "content_hash": _hash(term.definition_data), "retired": False}


def scenario_columns(scenario):
    return {"title": scenario.title, "kind": scenario.kind, "situation": scenario.situation,
            "definition": scenario.definition, "content_hash": _hash(scenario.definition), "retired": False}


def programme_columns(programme):
    return {"title": programme.title, "definition": programme.definition,
            "content_hash": _hash(programme.definition), "retired": False}


#: The content kinds whose every version is kept, and the column holding the definition.
VERSIONED = {"item": (QuizItem, "definition"), "scenario": (Scenario, "definition"), "term": (GlossaryTerm, "data")}


def keep_versions(author=None, note=""):
    """Store each current version of items, scenarios and terms once (attempts name the version)."""
    kept = set(db.session.execute(select(ContentVersion.kind, ContentVersion.key, ContentVersion.version)).all())
    for kind, (model, column) in VERSIONED.items():
        for row in db.session.scalars(select(model)):
            if (kind, row.key, row.version) not in kept:
                db.session.add(ContentVersion(kind=kind, key=row.key, version=row.version, content_hash=row.content_hash,
                                              definition=getattr(row, column), origin=row.origin,
                                              author_id=author.id if author else None, note=note))
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
    for programme in db.session.scalars(select(Programme).where(Programme.retired.is_(False)).order_by(Programme.key)):
        rows.append({"id": programme.key, "kind": "programme", "title": programme.title, "lesson": None})
    return rows
