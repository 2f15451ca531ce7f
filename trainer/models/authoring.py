"""Every published version of an editable piece of content, and trainers' unpublished drafts."""
from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from ._types import UTCDateTime, utcnow

#: What can be authored in the browser and versioned: quiz items, role-play scenarios, glossary terms.
KINDS = ("item", "scenario", "term")
#: Where a version came from: ``trainer content sync`` of the files, or publishing in the browser.
ORIGINS = ("file", "browser")


class ContentVersion(db.Model):
    """One published version; attempts record the version number they were scored against."""

    __tablename__ = "content_versions"
    __table_args__ = (
        UniqueConstraint("kind", "key", "version", name="uq_content_versions_kind_key_version"),
        CheckConstraint("kind IN ('item', 'scenario', 'term')", name="known_kind"),
        CheckConstraint("origin IN ('file', 'browser')", name="known_origin"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    key: Mapped[str] = mapped_column(String(64))
    version: Mapped[int]
    content_hash: Mapped[str] = mapped_column(String(64))
    #: The definition exactly as the content row held it (``source`` inside is the data as written).
    definition: Mapped[dict] = mapped_column(JSON)
    origin: Mapped[str] = mapped_column(String(16), default="file")
    #: Who published it (None for a file sync).
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ContentDraft(db.Model):
    """Unpublished edits: trainees never see them. One draft per piece of content."""

    __tablename__ = "content_drafts"
    __table_args__ = (
        UniqueConstraint("kind", "key", name="uq_content_drafts_kind_key"),
        CheckConstraint("kind IN ('item', 'scenario', 'term')", name="known_kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    key: Mapped[str] = mapped_column(String(64))
    #: The data as the file format writes it (``{"scenario": …}``, one item, one term).
    data: Mapped[dict] = mapped_column(JSON)
    #: Items only: the quiz a new item joins.
    quiz_key: Mapped[str | None] = mapped_column(String(64))
    #: The published version the draft started from (None for new content): publishing over a
    #: newer version than this is refused, so two trainers cannot silently overwrite each other.
    base_version: Mapped[int | None]
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
