"""A trainee's progress through the handbook."""
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ._types import UTCDateTime, utcnow


class LessonProgress(db.Model):
    __tablename__ = "lesson_progress"
    __table_args__ = (
        UniqueConstraint("user_id", "lesson_id", name="uq_lesson_progress_user_lesson"),
        CheckConstraint("seconds_spent >= 0", name="seconds_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    lesson_id: Mapped[int] = mapped_column(ForeignKey("lessons.id", ondelete="CASCADE"), index=True)
    first_opened_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_opened_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    #: When the trainee marked the lesson as studied; None while in progress.
    studied_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: Visible time on the page, reported by the browser in capped increments.
    seconds_spent: Mapped[int] = mapped_column(default=0)

    lesson = relationship("Lesson")
