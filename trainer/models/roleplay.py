"""Role-play scenarios (mirroring the content files, every version kept) and the runs played on them."""
from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint, event, inspect, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ._types import UTCDateTime, utcnow
from .catalog import _ContentRow

OPEN = "open"
FINISHED = "finished"
MODES = ("practice", "assessment")
#: A trainer trying a draft: played like practice, never counted, the draft's definition kept on the run.
PLAYTEST = "playtest"


class Scenario(_ContentRow, db.Model):
    __tablename__ = "scenarios"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    #: "after_sales", "complaint" or "pre_sales".
    kind: Mapped[str] = mapped_column(String(16))
    situation: Mapped[str] = mapped_column(Text)
    #: The current definition: ``core.content.scenarios.build_scenario`` rebuilds it.
    definition: Mapped[dict] = mapped_column(JSON)


class RoleplayRun(db.Model):
    """One conversation. Open while it goes on (one per trainee, scenario and mode); finished runs never change."""

    __tablename__ = "roleplay_runs"
    __table_args__ = (
        Index("uq_roleplay_runs_one_open", "user_id", "scenario_key", "mode", unique=True,
              sqlite_where=text("status = 'open'"), postgresql_where=text("status = 'open'")),
        # a trainee's finished assessments of each scenario with their outcome, read by the reports and the
        # certification rules from the index alone (in SQLite the columns after the large debrief are slow to reach)
        Index("ix_roleplay_runs_outcomes", "user_id", "scenario_key", "mode", "status", "scenario_version",
              "reviewed_at", "needs_review", "passed", "score", "final_passed", "final_score", "finished_at"),
        CheckConstraint("mode IN ('practice', 'assessment', 'playtest')", name="known_mode"),
        CheckConstraint("status IN ('open', 'finished')", name="known_status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    scenario_key: Mapped[str] = mapped_column(String(64), index=True)
    #: The scenario version it is played against (a ``ContentVersion`` of kind "scenario").
    scenario_version: Mapped[int]
    mode: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), default=OPEN)
    #: ``core.roleplay.Run.to_dict()`` after the latest reply.
    state: Mapped[dict] = mapped_column(JSON)
    #: Play-tests only: the draft's definition (a draft has no published version to point to).
    definition: Mapped[dict | None] = mapped_column(JSON)
    #: When the customer's latest message arrived: the agent's reply time runs from here.
    customer_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    #: Practice: how often a hint was asked for.
    hints: Mapped[int] = mapped_column(default=0)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    score: Mapped[float | None]
    passed: Mapped[bool | None]
    #: Borderline or uncertain: a trainer should confirm the result.
    needs_review: Mapped[bool] = mapped_column(default=False, index=True)
    #: ``core.roleplay.debrief()``: everything the debrief page shows.
    debrief: Mapped[dict | None] = mapped_column(JSON)
    # --- review (services/review.py): a trainer's decision sits beside the machine's result, which
    # stays frozen; every decision is also a ``GradeOverride`` row.
    #: The score and verdict that count once a trainer decided (None: not reviewed).
    final_score: Mapped[float | None]
    final_passed: Mapped[bool | None]
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    #: The reviewer's words to the trainee, shown on the debrief.
    review_comment: Mapped[str | None] = mapped_column(Text)

    @property
    def outcome_score(self):
        """The score that counts: the reviewer's when there is one, else the machine's."""
        return self.final_score if self.reviewed_at is not None else self.score

    @property
    def outcome_passed(self):
        return self.final_passed if self.reviewed_at is not None else self.passed

    turns: Mapped[list["RoleplayTurn"]] = relationship(back_populates="run", order_by="RoleplayTurn.seq",
                                                      cascade="all, delete-orphan")


class RoleplayTurn(db.Model):
    """One reply of the agent, stored as it is sent; the unique seq stores a double submit once."""

    __tablename__ = "roleplay_turns"
    __table_args__ = (UniqueConstraint("run_id", "seq", name="uq_roleplay_turns_run_seq"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("roleplay_runs.id", ondelete="CASCADE"), index=True)
    #: 1 for the agent's first reply, 2 for the second …
    seq: Mapped[int]
    text: Mapped[str] = mapped_column(Text)
    #: Seconds after the customer's message, on the server's clock.
    seconds: Mapped[float]
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    run: Mapped[RoleplayRun] = relationship(back_populates="turns")


class FinishedRunChanged(Exception):
    """A finished run's conversation or result was about to change."""


_FROZEN = ("state", "score", "passed", "debrief", "scenario_key", "scenario_version", "mode", "status", "user_id")


@event.listens_for(RoleplayRun, "before_update")
def _finished_runs_are_immutable(mapper, connection, run):
    status = inspect(run).attrs.status.history
    was = status.deleted[0] if status.deleted else run.status
    if was == FINISHED and any(inspect(run).attrs[name].history.has_changes() for name in _FROZEN):
        raise FinishedRunChanged(f"roleplay run {run.id} is finished and cannot change")
