"""Stored facts the managers' reports read instead of every result: one row per trainee and programme with
what decides their certification state, and one row per trainee and graded item or scenario with the marks
that count. Both are written in the transaction that changes the results (``services.report_tables``).
"""
from datetime import date, datetime

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from ._types import UTCDateTime, utcnow


class CertificationStatus(db.Model):
    """What the certification rules need to tell a trainee's state in a programme on any day.

    Only what does not move with the calendar is stored; the state itself is worked out in SQL on the
    day asked (expiring soon, expired, overdue and glossary retention depend on it) — see
    ``services.report_tables.state_column``.
    """

    __tablename__ = "certification_statuses"
    __table_args__ = (
        CheckConstraint("funnel BETWEEN 0 AND 5", name="funnel_stage"),
        Index("ix_certification_statuses_programme_key", "programme_key"),
    )

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    programme_key: Mapped[str] = mapped_column(String(64), primary_key=True)
    #: Fingerprint of the programme, the live versions and the glossary it was worked out against: a row
    #: with another fingerprint is stale and is worked out again when content changes.
    basis: Mapped[str] = mapped_column(String(64))
    #: The latest certificate, unless it is revoked: its expiry and the first day of its renewal window.
    expires_on: Mapped[date | None]
    renew_from: Mapped[date | None]
    #: Some certificate of the programme that is not revoked (a due date then no longer makes them late).
    ever_certified: Mapped[bool] = mapped_column(default=False)
    #: A live material change the latest certificate's evidence predates, and the re-test not met yet.
    retest_failed: Mapped[bool] = mapped_column(default=False)
    #: Requirements other than glossary retention not met (with results fresh enough to renew), and of
    #: those, the ones met by a result awaiting a trainer.
    unmet: Mapped[int] = mapped_column(default=0)
    unmet_pending: Mapped[int] = mapped_column(default=0)
    #: Something towards a requirement other than glossary retention is done.
    started: Mapped[bool] = mapped_column(default=False)
    #: Glossary retention decays day by day: the last day every glossary requirement is still met (None:
    #: not met), and the last day some term is still recalled or a glossary requirement met.
    glossary_met_until: Mapped[date | None]
    glossary_started_until: Mapped[date | None]
    #: Requirements other than glossary retention met, and all the programme's requirements.
    met: Mapped[int] = mapped_column(default=0)
    total: Mapped[int] = mapped_column(default=0)
    #: The team view's funnel: stages reached before "certified" (opened a lesson, studied them all,
    #: passed the exams, passed the role-plays), 0–5 counting "member".
    funnel: Mapped[int] = mapped_column(default=1)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class SkillMark(db.Model):
    """A trainee's latest decided marks on one short-answer item (its rubric key points) or one scenario (its
    checks, from the latest decided assessment run): the team view's skill gaps count these."""

    __tablename__ = "skill_marks"
    __table_args__ = (CheckConstraint("kind IN ('point', 'check')", name="known_kind"),)

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(8), primary_key=True)
    #: The item key (points) or the scenario key (checks).
    content_key: Mapped[str] = mapped_column(String(64), primary_key=True)
    #: The answer or run the marks come from.
    source_id: Mapped[int]
    #: ``"met part ids|missed part ids"``, each list sorted and space-separated: trainees with the same marks
    #: share the text, so the team view counts each distinct text once per cohort.
    marks: Mapped[str] = mapped_column(Text)
    #: A 63-bit hash of kind, key and marks: grouping compares it first, so the long texts (which share long
    #: beginnings) are seldom compared; the texts stay in the grouping, so equal hashes never merge two marks.
    pattern: Mapped[int] = mapped_column(BigInteger)
