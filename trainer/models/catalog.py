"""Rows mirroring the content files, written by ``trainer content sync``."""
from datetime import datetime

from sqlalchemy import JSON, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from ._types import UTCDateTime, utcnow


class _ContentRow:
    """Columns every synced content row has (mixin)."""

    #: The stable id from the content file.
    key: Mapped[str] = mapped_column(String(64), unique=True)
    content_hash: Mapped[str] = mapped_column(String(64))
    #: Bumped whenever the definition changes; attempts record the version they used.
    version: Mapped[int] = mapped_column(default=1)
    #: Gone from the files; kept so that results on it keep their meaning.
    retired: Mapped[bool] = mapped_column(default=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    #: "file" (synced from content/) or "browser" (published by a trainer): a sync never
    #: overwrites a browser-published version with a different file.
    origin: Mapped[str] = mapped_column(String(16), default="file", server_default="file")


class Lesson(_ContentRow, db.Model):
    __tablename__ = "lessons"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    part: Mapped[str] = mapped_column(String(40))
    position: Mapped[int] = mapped_column(index=True)
    minutes: Mapped[int]
    required: Mapped[bool]
    objectives: Mapped[list] = mapped_column(JSON)
    #: Rendered and sanitised once at sync; served as is.
    body_html: Mapped[str] = mapped_column(Text)
    #: ``[[level, anchor, text], …]`` for the in-page outline.
    outline: Mapped[list] = mapped_column(JSON)
    source: Mapped[str] = mapped_column(String(255))


class QuizItem(_ContentRow, db.Model):
    __tablename__ = "quiz_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    #: Lesson keys the item belongs to.
    lessons: Mapped[list] = mapped_column(JSON)
    #: The validated item, synonyms expanded: ``core.content.quizzes.build_item`` rebuilds it.
    definition: Mapped[dict] = mapped_column(JSON)


class Quiz(_ContentRow, db.Model):
    """A lesson quiz: practise its items until mastery."""

    __tablename__ = "quizzes"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    lessons: Mapped[list] = mapped_column(JSON)
    item_keys: Mapped[list] = mapped_column(JSON)
    mastery_correct: Mapped[int]
    mastery_window: Mapped[int]


class Exam(_ContentRow, db.Model):
    __tablename__ = "exams"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    time_limit_minutes: Mapped[int]
    pass_percent: Mapped[int]
    max_attempts: Mapped[int]
    #: ``[{"lessons": [...], "kinds": [...] | None, "count": n}, …]``
    pools: Mapped[list] = mapped_column(JSON)


class GlossaryTerm(_ContentRow, db.Model):
    __tablename__ = "glossary_terms"

    id: Mapped[int] = mapped_column(primary_key=True)
    term: Mapped[str] = mapped_column(String(60))
    lesson_key: Mapped[str] = mapped_column(String(64))
    definition: Mapped[str] = mapped_column(Text)
    #: Aliases and key points: ``core.content.glossary.build_term`` rebuilds the term.
    data: Mapped[dict] = mapped_column(JSON)
