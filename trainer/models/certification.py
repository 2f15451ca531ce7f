"""Certification: programmes (mirroring content/certification/), who manages which cohort, due
dates, and the certificates issued."""
from datetime import date, datetime

from sqlalchemy import JSON, Date, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ._types import UTCDateTime, utcnow
from .catalog import _ContentRow


class Programme(_ContentRow, db.Model):
    """A certification programme (e.g. 售前客服): what a trainee must have done, and for how long it holds."""

    __tablename__ = "programmes"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    #: The validated programme file: ``core.certification`` reads its requirements from here.
    definition: Mapped[dict] = mapped_column(JSON)


class CohortManager(db.Model):
    """A manager sees the trainees of the cohorts they manage, and only those."""

    __tablename__ = "cohort_managers"

    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True)


class CohortProgramme(db.Model):
    """A cohort takes a programme and must be certified by a date."""

    __tablename__ = "cohort_programmes"

    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id", ondelete="CASCADE"), primary_key=True)
    programme_key: Mapped[str] = mapped_column(String(64), primary_key=True)
    due_on: Mapped[date | None] = mapped_column(Date)


class Certification(db.Model):
    """A certificate issued when a trainee met a programme. Never deleted: revoked or expired instead."""

    __tablename__ = "certifications"
    __table_args__ = (UniqueConstraint("code", name="uq_certifications_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    programme_key: Mapped[str] = mapped_column(String(64), index=True)
    #: The programme version the trainee was certified against.
    programme_version: Mapped[int]
    certified_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    #: Unguessable: the public verification page and the QR code use it.
    code: Mapped[str] = mapped_column(String(64))
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_reason: Mapped[str | None] = mapped_column(Text)
    #: What the status rules saw when certifying: requirement → evidence (scores, dates, versions).
    evidence: Mapped[dict] = mapped_column(JSON, default=dict)

    user = relationship("User")
