"""The question bank and the glossary as the editors see them: what is published, what is a
draft, what an editor page starts from, and a whole quiz as its file."""
from dataclasses import dataclass

from sqlalchemy import select

from ..core.content.export import to_yaml
from ..extensions import db
from ..models import ContentDraft, GlossaryTerm, Lesson, Quiz, QuizItem
from . import authoring

#: Mastery a quiz file may leave out (``quizzes.MasteryModel``'s defaults).
DEFAULT_MASTERY = (3, 5)


@dataclass(frozen=True)
class Entry:
    """One item or term in a list: its published row and its draft, either may be None."""

    key: str
    row: object
    draft: ContentDraft | None

    @property
    def data(self):
        return self.draft.data if self.draft is not None else (_source(self.row) or {})


@dataclass(frozen=True)
class QuizGroup:
    quiz: Quiz | None
    entries: list


@dataclass(frozen=True)
class Editing:
    """What an editor page starts from: the draft's data, else the published version's."""

    kind: str
    key: str
    data: dict
    row: object
    draft: ContentDraft | None
    quiz_key: str | None
    revision: str


def _source(row):
    definition = getattr(row, "definition", None) if isinstance(row, QuizItem) else getattr(row, "data", None)
    return (definition or {}).get("source")


def quiz_groups():
    """Every quiz with its items in quiz order, drafts of new items last; drafts without a quiz at the end."""
    quizzes = list(db.session.scalars(select(Quiz).where(Quiz.retired.is_(False)).order_by(Quiz.key)))
    rows = {r.key: r for r in db.session.scalars(select(QuizItem).where(QuizItem.retired.is_(False)))}
    drafts = {d.key: d for d in authoring.drafts("item")}
    groups, placed = [], set()
    for quiz in quizzes:
        keys = [k for k in quiz.item_keys if k in rows] + sorted(
            k for k, d in drafts.items() if d.quiz_key == quiz.key and k not in quiz.item_keys)
        placed.update(keys)
        groups.append(QuizGroup(quiz, [Entry(k, rows.get(k), drafts.get(k)) for k in keys]))
    loose = sorted(k for k in drafts if k not in placed)
    if loose:
        groups.append(QuizGroup(None, [Entry(k, rows.get(k), drafts[k]) for k in loose]))
    return groups


def term_entries():
    """Every glossary term and draft, by lesson then term."""
    rows = {r.key: r for r in db.session.scalars(select(GlossaryTerm).where(GlossaryTerm.retired.is_(False)))}
    drafts = {d.key: d for d in authoring.drafts("term")}
    entries = [Entry(k, rows.get(k), drafts.get(k)) for k in set(rows) | set(drafts)]
    return sorted(entries, key=lambda e: (str(e.data.get("lesson", "")), str(e.data.get("term", "")), e.key))


def editing(kind, key):
    """The editor's starting point for ``key``, or None when there is nothing under that key."""
    draft, row = authoring.draft_of(kind, key), authoring.row_of(kind, key)
    data = draft.data if draft is not None else authoring.published_source(kind, key)
    if data is None:
        return None
    quiz_key = (draft.quiz_key if draft is not None else None) or (quiz_of_item(key) if kind == "item" else None)
    return Editing(kind, key, data, row, draft, quiz_key, authoring.revision(kind, key))


def quiz_of_item(key):
    for quiz in db.session.scalars(select(Quiz).order_by(Quiz.key)):
        if key in quiz.item_keys:
            return quiz.key
    return None


def key_taken(kind, key):
    return authoring.row_of(kind, key) is not None or authoring.draft_of(kind, key) is not None


def quiz(key):
    return db.session.scalar(select(Quiz).where(Quiz.key == key, Quiz.retired.is_(False))) if key else None


def quiz_choices():
    return [(q.key, q.title) for q in db.session.scalars(select(Quiz).where(Quiz.retired.is_(False)).order_by(Quiz.key))]


def lesson_choices():
    return [(l.key, l.title) for l in db.session.scalars(
        select(Lesson).where(Lesson.retired.is_(False)).order_by(Lesson.position))]


def export_quiz(key):
    """The quiz as a file of ``content/quizzes/``: its settings and every published item as written."""
    found = quiz(key)
    if found is None:
        raise authoring.AuthoringError("not_found")
    meta = {"id": found.key, "title": found.title, "lessons": list(found.lessons)}
    if (found.mastery_correct, found.mastery_window) != DEFAULT_MASTERY:
        meta["mastery"] = {"correct": found.mastery_correct, "window": found.mastery_window}
    rows = {r.key: r for r in db.session.scalars(select(QuizItem).where(QuizItem.key.in_(found.item_keys)))}
    items = [_source(rows[k]) for k in found.item_keys if k in rows and not rows[k].retired and _source(rows[k])]
    return to_yaml({"quiz": meta, "items": items})
