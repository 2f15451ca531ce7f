"""Quiz and exam attempts, every answer as it is given, and the one result of a submission."""
from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ._types import UTCDateTime, utcnow

OPEN = "open"
SUBMITTED = "submitted"


class QuizAttempt(db.Model):
    """Practice on a lesson quiz (open until mastered and beyond) or one sitting of an exam."""

    __tablename__ = "quiz_attempts"
    __table_args__ = (
        # Two tabs or a double click can never open two attempts at the same quiz.
        Index("uq_quiz_attempts_one_open", "user_id", "quiz_key", unique=True,
              sqlite_where=text("status = 'open'"), postgresql_where=text("status = 'open'")),
        CheckConstraint("kind IN ('practice', 'exam')", name="known_kind"),
        CheckConstraint("status IN ('open', 'submitted')", name="known_status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    #: The quiz key (lesson quiz) or the exam key.
    quiz_key: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(16))
    #: The quiz or exam version the attempt was started on.
    quiz_version: Mapped[int]
    status: Mapped[str] = mapped_column(String(16), default=OPEN)
    #: 1 for the first sitting of an exam, 2 for the second …
    number: Mapped[int] = mapped_column(default=1)
    #: The items of this attempt in order: drawn from the pools for an exam.
    item_keys: Mapped[list] = mapped_column(JSON)
    #: Seeds the order of options shown, so a reload shows the same page.
    seed: Mapped[int]
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    #: Exams only: answers after this moment are refused and the attempt is submitted.
    deadline: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: Practice only: when the mastery rule (e.g. 3 of the last 5 right) was first met.
    mastered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    answers: Mapped[list["Answer"]] = relationship(back_populates="attempt", order_by="Answer.seq",
                                                   cascade="all, delete-orphan")
    result: Mapped["QuizResult | None"] = relationship(back_populates="attempt", uselist=False)


class Answer(db.Model):
    """One response, stored and graded the moment it is given."""

    __tablename__ = "answers"
    __table_args__ = (UniqueConstraint("attempt_id", "seq", name="uq_answers_attempt_seq"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("quiz_attempts.id", ondelete="CASCADE"), index=True)
    #: Position in the attempt: the n-th practice answer, or the n-th exam item.
    seq: Mapped[int]
    item_key: Mapped[str] = mapped_column(String(64), index=True)
    #: The item version it was graded against; the stored result never changes afterwards.
    item_version: Mapped[int]
    response: Mapped[object] = mapped_column(JSON)
    score: Mapped[float]
    max_score: Mapped[float]
    #: Full marks (objective) or at least the rubric's pass mark (short answer).
    correct: Mapped[bool]
    #: The grader was unsure (negation, near the pass mark, …): a trainer decides.
    needs_review: Mapped[bool] = mapped_column(default=False, index=True)
    #: ``GradeResult.to_dict()``: the evidence behind the score.
    result: Mapped[dict] = mapped_column(JSON)
    answered_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # --- review (services/review.py): a trainer's decision replaces ``score`` and ``correct``;
    # the machine's own score stays in ``result`` and every change is a ``GradeOverride`` row.
    #: When a trainer decided this answer (override, confirmation or re-grade); None: never reviewed.
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    #: The reviewer's words to the trainee, shown with the final score.
    review_comment: Mapped[str | None] = mapped_column(Text)

    attempt: Mapped[QuizAttempt] = relationship(back_populates="answers")


class QuizResult(db.Model):
    """The outcome of submitting an exam. One per attempt: the constraint makes submit happen once."""

    __tablename__ = "quiz_results"

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("quiz_attempts.id", ondelete="CASCADE"), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    quiz_key: Mapped[str] = mapped_column(String(64), index=True)
    score: Mapped[float]
    max_score: Mapped[float]
    percent: Mapped[float]
    passed: Mapped[bool]
    #: Some answer awaits a trainer; ``passed`` is provisional until then.
    needs_review: Mapped[bool] = mapped_column(default=False)
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    #: "deadline" when the time ran out, else "trainee".
    submitted_by: Mapped[str] = mapped_column(String(16), default="trainee")
    #: Review: when a trainer's decision on one of its answers last recomputed this result.
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    attempt: Mapped[QuizAttempt] = relationship(back_populates="result")
