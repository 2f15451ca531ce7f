"""Glossary drills: each trainee's FSRS card per term, and every review they made."""
from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from ._types import UTCDateTime, utcnow


class CardState(db.Model):
    """Where one trainee stands on one glossary term; created at the term's first review."""

    __tablename__ = "card_states"
    __table_args__ = (
        UniqueConstraint("user_id", "term_key", name="uq_card_states_user_term"),
        Index("ix_card_states_user_due", "user_id", "due"),
        CheckConstraint("reps >= 0 AND lapses >= 0", name="counts_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    #: ``GlossaryTerm.key``; terms are retired, never deleted, so the card keeps its meaning.
    term_key: Mapped[str] = mapped_column(ForeignKey("glossary_terms.key"), type_=String(64))
    #: ``fsrs.Card.to_dict()``: state, step, stability, difficulty, due, last_review.
    card: Mapped[dict] = mapped_column(JSON)
    #: ``card["due"]`` as a column, for the daily queue.
    due: Mapped[datetime] = mapped_column(UTCDateTime())
    #: Reviews so far. Also the card's version: a rating form carries it, and a rating made
    #: against an older version (a double submit, a second tab) changes nothing.
    reps: Mapped[int] = mapped_column(default=0)
    #: Times the term was forgotten after it had graduated (``Again`` in the Review state).
    lapses: Mapped[int] = mapped_column(default=0)
    last_review: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: The first review; counts against that day's limit of new cards.
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ReviewLog(db.Model):
    """One rated answer to a card, kept in full so the schedule can be evaluated on our own logs."""

    __tablename__ = "review_logs"
    __table_args__ = (
        UniqueConstraint("user_id", "term_key", "rep", name="uq_review_logs_user_term_rep"),
        CheckConstraint("rating BETWEEN 1 AND 4", name="rating_in_range"),
        CheckConstraint("suggested_rating BETWEEN 1 AND 4", name="suggested_rating_in_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    term_key: Mapped[str] = mapped_column(ForeignKey("glossary_terms.key"), type_=String(64))
    #: ``GlossaryTerm.version`` answered: a changed definition may change how hard the card is.
    term_version: Mapped[int]
    #: 1 for the card's first review, 2 for the second…; unique per card, so a review is stored once.
    rep: Mapped[int]
    #: ``term_definition``, ``definition_term`` or ``recall`` (``core.drill.KINDS``).
    kind: Mapped[str] = mapped_column(String(20))
    #: Free recall: the text typed; choice drills: the key of the term chosen.
    response: Mapped[str] = mapped_column(Text, default="")
    #: Choice drills: the term keys offered, in the order shown; None for free recall.
    options: Mapped[list | None] = mapped_column(JSON)
    #: Recall: passed the term's rubric; choice: chose the right term.
    correct: Mapped[bool]
    score: Mapped[float]
    max_score: Mapped[float]
    #: What the grade suggested (``fsrs.Rating``: 1 Again, 2 Hard, 3 Good, 4 Easy).
    suggested_rating: Mapped[int]
    #: What the trainee chose; this is what FSRS scheduled with.
    rating: Mapped[int]
    reviewed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    #: From showing the card to submitting the answer, as the pages measured it; None if unknown.
    elapsed_ms: Mapped[int | None]
    #: ``fsrs.Card.to_dict()`` before the review; None for the card's first review.
    card_before: Mapped[dict | None] = mapped_column(JSON)
    card_after: Mapped[dict] = mapped_column(JSON)
    #: ``fsrs.ReviewLog.to_dict()``: what ``fsrs`` needs to replay or re-fit the schedule.
    fsrs_log: Mapped[dict] = mapped_column(JSON)
    #: ``GradeResult.to_dict()``: the rubric evidence for recall (trainers can check it later).
    grade: Mapped[dict] = mapped_column(JSON)
