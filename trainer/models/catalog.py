"""Rows mirroring the content files, written by ``trainer content sync``."""
from datetime import datetime

from sqlalchemy import JSON, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from ._types import UTCDateTime, utcnow


class Lesson(db.Model):
    __tablename__ = "lessons"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The stable id from the file's front matter.
    key: Mapped[str] = mapped_column(String(64), unique=True)
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
    content_hash: Mapped[str] = mapped_column(String(64))
    #: Bumped whenever the file changes.
    version: Mapped[int] = mapped_column(default=1)
    #: The file is gone; kept so that progress on it is not lost.
    retired: Mapped[bool] = mapped_column(default=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
