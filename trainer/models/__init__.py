"""Persistence. Importing this package registers every model, so Alembic sees them all."""
from .catalog import Lesson
from .cohorts import Cohort
from .progress import LessonProgress
from .users import AuthSession, Role, User, UserRole

__all__ = ["AuthSession", "Cohort", "Lesson", "LessonProgress", "Role", "User", "UserRole"]
