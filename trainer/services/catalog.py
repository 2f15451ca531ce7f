"""Content files ↔ database rows."""
import logging
from dataclasses import dataclass, field

from sqlalchemy import select

from ..extensions import db
from ..models import Lesson
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


def sync_lessons(lessons):
    """Make the lesson rows match the loaded files; progress is kept (rows are never deleted)."""
    report = SyncReport()
    existing = {row.key: row for row in db.session.scalars(select(Lesson))}
    for lesson in lessons:
        row = existing.pop(lesson.id, None)
        if row is None:
            db.session.add(Lesson(key=lesson.id, **_columns(lesson)))
            report.added.append(lesson.id)
        elif row.content_hash != lesson.content_hash or row.retired:
            for name, value in _columns(lesson).items():
                setattr(row, name, value)
            row.version += 1
            row.updated_at = utcnow()
            report.updated.append(lesson.id)
        else:
            report.unchanged += 1
    for row in existing.values():
        if not row.retired:
            row.retired = True
            report.retired.append(row.key)
    db.session.flush()
    return report


def sync_content(bundle):
    """Load a validated ``ContentBundle`` into the database (the caller commits once)."""
    report = sync_lessons(bundle.lessons)
    log.info("content sync: %d added, %d updated, %d retired, %d unchanged",
             len(report.added), len(report.updated), len(report.retired), report.unchanged)
    return report


def _columns(lesson):
    return {
        "title": lesson.title, "part": lesson.part, "position": lesson.order,
        "minutes": lesson.minutes, "required": lesson.required,
        "objectives": list(lesson.objectives), "body_html": lesson.html,
        "outline": [list(entry) for entry in lesson.outline], "source": lesson.source,
        "content_hash": lesson.content_hash, "retired": False,
    }
