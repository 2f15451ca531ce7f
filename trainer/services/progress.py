"""Reading the handbook: what a trainee opened, studied and how long they spent."""
from dataclasses import dataclass
from datetime import timedelta
from itertools import groupby

from sqlalchemy import bindparam, select, update
from sqlalchemy.exc import IntegrityError

from ..extensions import db
from ..models import LessonProgress
from ..models._types import utcnow
from . import handbook
from .handbook import PublishedLesson

#: The most one report from the browser may add; it reports every 30 s while visible.
MAX_SECONDS_PER_REPORT = 120
#: A lesson opened again within this time is not written again (``last_opened_at`` is "last activity"
#: on the managers' board, where minutes do not matter); being studied and reading time are always written.
VISIT_WRITE_INTERVAL = timedelta(minutes=5)


@dataclass(frozen=True)
class LessonStatus:
    lesson: PublishedLesson
    progress: LessonProgress | None

    @property
    def state(self):
        if self.progress is None:
            return "new"
        return "studied" if self.progress.studied_at else "started"


@dataclass(frozen=True)
class StudyPath:
    parts: list  # [(part name, [LessonStatus])]
    studied: int
    total: int
    required_left: int
    next_lesson: PublishedLesson | None
    minutes_spent: int

    @property
    def percent(self):
        return round(100 * self.studied / self.total) if self.total else 0


def published_lessons():
    return list(handbook.current().lessons)


def get_lesson(key):
    return handbook.current().lesson(key)


def study_path(user):
    """The handbook in order, with this trainee's status on every lesson."""
    lessons = published_lessons()
    rows = {p.lesson_id: p for p in db.session.scalars(select(LessonProgress).where(LessonProgress.user_id == user.id))}
    statuses = [LessonStatus(lesson, rows.get(lesson.id)) for lesson in lessons]
    parts = [(name, list(group)) for name, group in groupby(statuses, key=lambda s: s.lesson.part)]
    unfinished = [s for s in statuses if s.state != "studied"]
    return StudyPath(
        parts=parts,
        studied=len(statuses) - len(unfinished),
        total=len(statuses),
        required_left=sum(1 for s in unfinished if s.lesson.required),
        next_lesson=unfinished[0].lesson if unfinished else None,
        minutes_spent=sum(p.seconds_spent for p in rows.values()) // 60,
    )


def neighbours(lesson):
    """The lessons before and after ``lesson`` in the handbook."""
    return handbook.current().neighbours(lesson)


def open_lesson(user, lesson, now=None):
    """Record that ``user`` opened ``lesson``; safe when two tabs do it at once.

    A visit within ``VISIT_WRITE_INTERVAL`` of the one recorded writes nothing."""
    now = now or utcnow()
    progress = _progress(user, lesson)
    if progress is None:
        try:
            with db.session.begin_nested():
                progress = LessonProgress(user_id=user.id, lesson_id=lesson.id, first_opened_at=now, last_opened_at=now)
                db.session.add(progress)
        except IntegrityError:
            progress = _progress(user, lesson)
    elif now - progress.last_opened_at >= VISIT_WRITE_INTERVAL:
        progress.last_opened_at = now
    db.session.flush()
    return progress


def mark_studied(user, lesson, studied=True):
    progress = open_lesson(user, lesson)
    if studied and progress.studied_at is None:
        progress.studied_at = utcnow()
    elif not studied:
        progress.studied_at = None
    db.session.flush()
    return progress


def record_time(user, lesson, seconds):
    """Add visible reading time; one atomic UPDATE so concurrent tabs both count."""
    seconds = max(0, min(int(seconds), MAX_SECONDS_PER_REPORT))
    progress = open_lesson(user, lesson)
    db.session.execute(
        update(LessonProgress)
        .where(LessonProgress.id == progress.id)
        .values(seconds_spent=LessonProgress.seconds_spent + seconds)
    )
    return seconds


_PROGRESS = select(LessonProgress).where(LessonProgress.user_id == bindparam("user_id"),
                                         LessonProgress.lesson_id == bindparam("lesson_id"))


def _progress(user, lesson):
    return db.session.scalar(_PROGRESS, {"user_id": user.id, "lesson_id": lesson.id})
