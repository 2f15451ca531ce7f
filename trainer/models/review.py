"""The audit trail of the review queue: one row for every change a trainer made to a grade."""
from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ._types import UTCDateTime, utcnow

#: "override": a trainer set the score; "confirm": the machine's grade was kept; "regrade": graded
#: again against a rubric version with a newly accepted wording; "recompute": an exam's total
#: followed the change of one of its answers (``cause`` is that change).
ACTIONS = ("override", "confirm", "regrade", "recompute")


class GradeOverride(db.Model):
    """Who changed which grade when, from what to what, why, against which rubric version. Never updated."""

    __tablename__ = "grade_overrides"
    __table_args__ = (
        CheckConstraint("action IN ('override', 'confirm', 'regrade', 'recompute')", name="known_action"),
        # exactly one graded thing per row
        CheckConstraint(" + ".join(f"CASE WHEN {column} IS NULL THEN 0 ELSE 1 END"
                                   for column in ("answer_id", "run_id", "result_id")) + " = 1", name="one_subject"),
        CheckConstraint("content_kind IN ('item', 'scenario', 'exam')", name="known_content_kind"),
        Index("ix_grade_overrides_created_at", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    action: Mapped[str] = mapped_column(String(16))
    answer_id: Mapped[int | None] = mapped_column(ForeignKey("answers.id", ondelete="CASCADE"), index=True)
    run_id: Mapped[int | None] = mapped_column(ForeignKey("roleplay_runs.id", ondelete="CASCADE"), index=True)
    #: An exam's ``QuizResult`` recomputed after one of its answers changed.
    result_id: Mapped[int | None] = mapped_column(ForeignKey("quiz_results.id", ondelete="CASCADE"), index=True)
    #: The trainee whose grade changed.
    trainee_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    #: The trainer who decided (kept as None if that account is ever deleted).
    reviewer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    #: The override that caused a "recompute" row.
    cause_id: Mapped[int | None] = mapped_column(ForeignKey("grade_overrides.id", ondelete="SET NULL"))
    old_score: Mapped[float]
    new_score: Mapped[float]
    max_score: Mapped[float]
    #: Role-plays and exams have a verdict besides the score; answers: full marks / pass mark reached.
    old_passed: Mapped[bool | None]
    new_passed: Mapped[bool | None]
    reason: Mapped[str] = mapped_column(Text, default="")
    #: Shown to the trainee with the final score.
    comment: Mapped[str | None] = mapped_column(Text)
    #: What was graded, and the rubric version it was graded against: "item", "scenario" or "exam".
    content_kind: Mapped[str] = mapped_column(String(16))
    content_key: Mapped[str] = mapped_column(String(64))
    content_version: Mapped[int]
    #: "regrade": the new ``GradeResult.to_dict()`` (the stored answer keeps the machine's first reading).
    evidence: Mapped[dict | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    reviewer = relationship("User", foreign_keys=[reviewer_id])
    trainee = relationship("User", foreign_keys=[trainee_id])
