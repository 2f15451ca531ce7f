"""People, their roles, and the sign-in sessions that can be ended server-side."""
import enum
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ._types import UTCDateTime, utcnow


class Role(enum.StrEnum):
    TRAINEE = "trainee"
    TRAINER = "trainer"
    MANAGER = "manager"
    ADMIN = "admin"


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Lower-case sign-in name, unique.
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(100))
    email: Mapped[str | None] = mapped_column(String(254))
    password_hash: Mapped[str] = mapped_column(String(255))
    #: A deactivated person cannot sign in and their sessions are ended.
    active: Mapped[bool] = mapped_column(default=True)
    #: Set for accounts created with a temporary password (cohort import, reset).
    must_change_password: Mapped[bool] = mapped_column(default=False)
    cohort_id: Mapped[int | None] = mapped_column(ForeignKey("cohorts.id", ondelete="SET NULL"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    cohort = relationship("Cohort", back_populates="members")
    role_rows: Mapped[list["UserRole"]] = relationship(
        back_populates="user", cascade="all, delete-orphan", lazy="selectin"
    )

    #: The ``AuthSession`` token this request was authenticated with (not a column).
    session_token = None

    @property
    def roles(self):
        return {Role(row.role) for row in self.role_rows}

    def has_role(self, role):
        return Role(role) in self.roles

    @property
    def is_active(self):
        return self.active

    def get_id(self):
        # Flask-Login keeps this in the cookie; a token, not the user id, so that the
        # server can end one session (sign-out) or all of them (deactivation).
        return self.session_token


class UserRole(db.Model):
    __tablename__ = "user_roles"
    __table_args__ = (CheckConstraint("role IN ('trainee', 'trainer', 'manager', 'admin')", name="known_role"),)

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    role: Mapped[str] = mapped_column(String(16), primary_key=True)

    user: Mapped[User] = relationship(back_populates="role_rows")


class AuthSession(db.Model):
    """One signed-in browser. Only the token's hash is stored."""

    __tablename__ = "auth_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    #: Set by sign-out, deactivation or a password change; the token never works again.
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    user: Mapped[User] = relationship()
