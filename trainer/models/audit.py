"""The audit log: one row for every change that bears on who is certified to serve customers."""
from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ._types import UTCDateTime, utcnow


class AuditEvent(db.Model):
    """Who did what to which thing, when. Written once by ``services.audit.record``, never updated."""

    __tablename__ = "audit_events"
    __table_args__ = (
        # "noun.verb", lower case: grade.override, content.publish, certification.issue, …
        CheckConstraint("action LIKE '%_._%'", name="dotted_action"),
        Index("ix_audit_events_at", "at"),
        Index("ix_audit_events_target", "target_kind", "target_key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    #: The person who acted; None for the system (``trainer content sync``, a scheduled job).
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    #: Their username at the time (or "cli", "system"), kept if the account is ever deleted.
    actor_name: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(64))
    #: What was changed: a kind ("user", "item", "scenario", "answer", "certification", …) and
    #: its stable key (username, content key, certificate code) and/or row id.
    target_kind: Mapped[str] = mapped_column(String(32))
    target_key: Mapped[str | None] = mapped_column(String(128))
    target_id: Mapped[int | None]
    #: The details of the change: old and new values, version numbers, the reason given.
    data: Mapped[dict] = mapped_column(JSON, default=dict)

    actor = relationship("User", foreign_keys=[actor_id])
