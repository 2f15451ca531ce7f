"""The published handbook (lessons in order, the quizzes of each lesson), read once per content change.

**Why.** Every lesson page needs the lesson, its neighbours and its quizzes; reading every lesson row
(with its HTML) and every quiz for that cost a third of the page. The handbook is kept in the process
instead, as frozen values, and used as long as the tables it was read from have not changed.

**How a change is seen**, in this process or another (a sync, a trainer publishing an item that joins a
quiz, a restore): one aggregate statement per use reads, for ``lessons`` and ``quizzes``, the number of
rows, the sum of their versions, the number retired and the latest ``updated_at``. Rows are never
deleted, and every change of a row's content bumps its version (a retirement changes the retired count,
a new row the count), so any change gives other figures; a database emptied and filled again gives
another latest ``updated_at``. The key also names the database, so tests and instances never share one.
"""
from dataclasses import dataclass, field

from sqlalchemy import case, func, literal, select, union_all

from ..extensions import db
from ..models import Lesson, Quiz


@dataclass(frozen=True)
class PublishedLesson:
    """A lesson as the reader shows it (the columns of ``Lesson``, without the bookkeeping)."""

    id: int
    key: str
    title: str
    part: str
    position: int
    minutes: int
    required: bool
    objectives: tuple
    body_html: str
    outline: tuple  # ((level, anchor, text), …)
    source: str
    version: int


@dataclass(frozen=True)
class PublishedQuiz:
    id: int
    key: str
    title: str
    lessons: tuple
    item_keys: tuple
    mastery_correct: int
    mastery_window: int
    version: int


@dataclass(frozen=True)
class Handbook:
    lessons: tuple  # PublishedLesson, in handbook order
    quizzes: tuple  # PublishedQuiz, by key
    _by_key: dict = field(repr=False)
    _index: dict = field(repr=False)

    def lesson(self, key):
        """The published lesson ``key``, or None."""
        return self._by_key.get(key)

    def neighbours(self, lesson):
        """The lessons before and after ``lesson`` (None at either end)."""
        index = self._index[lesson.id]
        return (self.lessons[index - 1] if index > 0 else None,
                self.lessons[index + 1] if index + 1 < len(self.lessons) else None)

    def quizzes_for(self, lesson_key):
        """The published quizzes practising ``lesson_key``."""
        return [quiz for quiz in self.quizzes if lesson_key in quiz.lessons]


#: database URL → (fingerprint, Handbook): one handbook per database, the latest one read.
_KEPT = {}


def current():
    """The published handbook as the database holds it now."""
    return kept_while_unchanged(_KEPT, (Lesson, Quiz), _read)


def kept_while_unchanged(store, models, read):
    """``read()``, kept in ``store`` per database and read again once the ``fingerprint`` of ``models`` changes."""
    url = str(db.engine.url)
    mark = fingerprint(*models)
    kept = store.get(url)
    if kept is not None and kept[0] == mark:
        return kept[1]
    value = read()
    store[url] = (mark, value)
    return value


def _figures(model):
    return select(literal(model.__tablename__), func.count(model.id), func.coalesce(func.sum(model.version), 0),
                  func.coalesce(func.sum(case((model.retired, 1), else_=0)), 0), func.max(model.updated_at))


#: content models → the statement reading their figures, built once: constructing it costs more than running it.
_STATEMENTS = {}


def fingerprint(*models):
    """Figures of the content tables ``models`` (rows, sum of versions, retired, latest change) that any change of
    their content alters, here or in another process: one statement. The module docstring says why."""
    statement = _STATEMENTS.get(models)
    if statement is None:
        statement = _STATEMENTS[models] = union_all(*(_figures(model) for model in models))
    return tuple(sorted(tuple(row) for row in db.session.execute(statement)))


def _read():
    lessons = tuple(
        PublishedLesson(id=row.id, key=row.key, title=row.title, part=row.part, position=row.position,
                        minutes=row.minutes, required=row.required, objectives=tuple(row.objectives),
                        body_html=row.body_html, outline=tuple(tuple(entry) for entry in row.outline),
                        source=row.source, version=row.version)
        for row in db.session.execute(select(Lesson.__table__).where(Lesson.retired.is_(False))
                                      .order_by(Lesson.position, Lesson.id)))
    quizzes = tuple(
        PublishedQuiz(id=row.id, key=row.key, title=row.title, lessons=tuple(row.lessons), item_keys=tuple(row.item_keys),
                      mastery_correct=row.mastery_correct, mastery_window=row.mastery_window, version=row.version)
        for row in db.session.execute(select(Quiz.__table__).where(Quiz.retired.is_(False)).order_by(Quiz.key)))
    return Handbook(lessons=lessons, quizzes=quizzes, _by_key={lesson.key: lesson for lesson in lessons},
                    _index={lesson.id: n for n, lesson in enumerate(lessons)})
