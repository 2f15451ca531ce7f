"""Persistence. Importing this package registers every model, so Alembic sees them all."""
from .attempts import Answer, QuizAttempt, QuizResult
from .audit import AuditEvent
from .catalog import Exam, GlossaryTerm, Lesson, Quiz, QuizItem
from .certification import Certification, CohortManager, CohortProgramme, Programme
from .cohorts import Cohort
from .drills import CardState, ReviewLog
from .progress import LessonProgress
from .reporting import CertificationStatus, SkillMark
from .review import GradeOverride
from .roleplay import RoleplayRun, RoleplayTurn, Scenario
from .authoring import ContentDraft, ContentVersion
from .users import AuthSession, Role, User, UserRole

__all__ = ["Answer", "AuthSession", "Cohort", "Exam", "GlossaryTerm", "Lesson", "LessonProgress", "Quiz", "QuizAttempt", "QuizItem", "QuizResult", "Role", "User",
           "UserRole"]
__all__ += ["CardState", "ReviewLog"]
__all__ += ["ContentDraft", "ContentVersion", "RoleplayRun", "RoleplayTurn", "Scenario"]
__all__ += ["GradeOverride"]
__all__ += ["Certification", "CohortManager", "CohortProgramme", "Programme"]
__all__ += ["AuditEvent"]
__all__ += ["CertificationStatus", "SkillMark"]
