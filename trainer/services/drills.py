"""Glossary drills: the daily review queue, answering and rating a card, the glossary by lesson."""
import random
from dataclasses import dataclass
from datetime import datetime
from itertools import groupby

from sqlalchemy import and_, exists, func, select, update
from sqlalchemy.exc import IntegrityError

from ..core import drill
from ..extensions import db
from ..models import CardState, GlossaryTerm, Lesson, ReviewLog
from . import report_tables
from .grading import term_of

#: New terms a trainee meets per day when the caller has no setting (``DRILL_NEW_PER_DAY``).
NEW_PER_DAY = 10
#: A card left open longer than this says nothing about how fast the trainee recalled it.
MAX_ELAPSED_MS = 60 * 60 * 1000


@dataclass(frozen=True)
class Queue:
    """Today's work for one trainee."""

    #: Cards due now.
    due: int
    #: New terms still allowed today.
    new: int
    #: When the next card not yet due falls due.
    next_due: datetime | None
    #: Terms the trainee has met, of all the glossary's terms.
    learned: int
    terms: int

    @property
    def total(self):
        return self.due + self.new

    @property
    def percent(self):
        """Share of the glossary met so far."""
        return round(100 * self.learned / self.terms) if self.terms else 0


@dataclass(frozen=True)
class Prompt:
    """One card to answer: the term, the trainee's state on it (None when new) and the question."""

    term: GlossaryTerm
    state: CardState | None
    question: drill.Question

    @property
    def version(self):
        return self.state.reps if self.state else 0


@dataclass(frozen=True)
class Feedback:
    prompt: Prompt
    response: str
    #: ``GradeResult.to_dict()``.
    result: dict
    suggested: int
    #: The option chosen, for choice drills.
    chosen: drill.Choice | None
    elapsed_ms: int | None

    @property
    def correct(self):
        return self.result["passed"]


def get_term(key):
    return db.session.scalar(select(GlossaryTerm).where(GlossaryTerm.key == key, GlossaryTerm.retired.is_(False)))


def queue(user, now, new_per_day, timezone):
    """How many cards wait today ("今日待复习 N 张") and when the next one falls due."""
    cards = _live_cards(user)
    due = db.session.scalar(select(func.count()).select_from(cards.where(CardState.due <= now).subquery()))
    next_due = db.session.scalar(select(func.min(CardState.due)).join(GlossaryTerm, GlossaryTerm.key == CardState.term_key)
                                 .where(CardState.user_id == user.id, GlossaryTerm.retired.is_(False), CardState.due > now))
    learned = db.session.scalar(select(func.count()).select_from(cards.subquery()))
    terms = db.session.scalar(select(func.count(GlossaryTerm.id)).where(GlossaryTerm.retired.is_(False)))
    return Queue(due=due, new=min(_new_allowed(user, now, new_per_day, timezone), terms - learned),
                 next_due=next_due, learned=learned, terms=terms)


def next_card(user, now, new_per_day, timezone):
    """The card to answer now: the most overdue first, then a new term in handbook order; None when done."""
    found = db.session.execute(_live_cards(user).where(CardState.due <= now).order_by(CardState.due, CardState.id)).first()
    if found:
        state, term = found
        return _prompt(user, term, state)
    if _new_allowed(user, now, new_per_day, timezone) <= 0:
        return None
    seen = exists().where(CardState.user_id == user.id, CardState.term_key == GlossaryTerm.key)
    term = db.session.scalar(_ordered_terms().where(~seen).limit(1))
    return _prompt(user, term, None) if term else None


def card_prompt(user, key):
    """The card for term ``key`` as it stands for ``user`` (new or not); None for an unknown term."""
    term = get_term(key)
    return _prompt(user, term, _state(user, key)) if term else None


def check_answer(prompt, response, shown_at_ms, now):
    """Grade a response without storing anything: the feedback page, then the trainee rates."""
    result = drill.grade_response(term_of(prompt.term), prompt.question, response)
    chosen = next((o for o in prompt.question.options if o.key == response), None)
    return Feedback(prompt=prompt, response=response, result=result.to_dict(), suggested=int(drill.suggest_rating(result)),
                    chosen=chosen, elapsed_ms=elapsed_ms(shown_at_ms, now))


def rate_card(user, term, version, response, rating, now, elapsed_ms=None):
    """Store the review and reschedule the card; None (and nothing changed) if ``version`` is stale.

    :param version: the card's ``reps`` when the trainee saw it; a second submit of the same
        rating, or a rating from another tab, no longer matches and is ignored.
    """
    state = _state(user, term.key)
    if (state.reps if state else 0) != version:
        return None
    prompt = _prompt(user, term, state)
    result = drill.grade_response(term_of(term), prompt.question, response)
    before = state.card if state else None
    reviewed = drill.review(before or drill.new_card(now), rating, now, elapsed_ms)
    if not _save_card(user, term, state, version, reviewed, now):
        return None
    log = ReviewLog(
        user_id=user.id, term_key=term.key, term_version=term.version, rep=version + 1, kind=prompt.question.kind,
        response=response, options=[o.key for o in prompt.question.options] or None, correct=result.passed,
        score=result.score, max_score=result.max_score, suggested_rating=int(drill.suggest_rating(result)),
        rating=int(rating), reviewed_at=now, elapsed_ms=elapsed_ms, card_before=before, card_after=reviewed.card,
        fsrs_log=reviewed.log, grade=result.to_dict(),
    )
    db.session.add(log)
    db.session.flush()
    return log


def glossary(user):
    """Every term grouped by its lesson in handbook order: ``[(Lesson | None, [(term, CardState | None)])]``."""
    states = {s.term_key: s for s in db.session.scalars(select(CardState).where(CardState.user_id == user.id))}
    rows = db.session.execute(
        select(GlossaryTerm, Lesson)
        .outerjoin(Lesson, and_(Lesson.key == GlossaryTerm.lesson_key, Lesson.retired.is_(False)))
        .where(GlossaryTerm.retired.is_(False))
        .order_by(Lesson.id.is_(None), Lesson.position, GlossaryTerm.id)
    ).all()
    return [(lesson, [(term, states.get(term.key)) for term, _ in group])
            for lesson, group in groupby(rows, key=lambda row: row[1])]


def elapsed_ms(shown_at_ms, now):
    """Milliseconds since the card was shown, or None when unknown or implausible."""
    if shown_at_ms is None:
        return None
    elapsed = int(now.timestamp() * 1000) - shown_at_ms
    return elapsed if 0 <= elapsed <= MAX_ELAPSED_MS else None


def _save_card(user, term, state, version, reviewed, now):
    """Write the new card only if nobody rated it since ``version``: insert once, or a conditional UPDATE."""
    if state is None:
        try:
            with db.session.begin_nested():
                db.session.add(CardState(user_id=user.id, term_key=term.key, card=reviewed.card, due=reviewed.due,
                                         reps=1, lapses=0, last_review=now, created_at=now))
        except IntegrityError:  # the same new card, rated at the same moment elsewhere
            return False
        return True
    changed = db.session.execute(
        update(CardState)
        .where(CardState.id == state.id, CardState.reps == version)
        .values(card=reviewed.card, due=reviewed.due, reps=version + 1, last_review=now,
                lapses=CardState.lapses + int(reviewed.lapse))
        .execution_options(synchronize_session=False)
    )
    db.session.expire(state)
    report_tables.touch(user.id)  # a bulk UPDATE: the session sees no changed card
    return changed.rowcount == 1


def _prompt(user, term, state):
    reps = state.reps if state else 0
    kind = drill.drill_kind(reps)
    # Seeded by card and version: a reload, and the answer to it, see the same options.
    rng = random.Random(f"{user.id}:{term.key}:{reps}")  # nosec B311  # options' order per card
    others = [term_of(row) for row in db.session.scalars(_ordered_terms())] if kind != drill.RECALL else []
    return Prompt(term=term, state=state, question=drill.build_question(term_of(term), others, kind, rng))


def _state(user, key):
    return db.session.scalar(select(CardState).where(CardState.user_id == user.id, CardState.term_key == key))


def _live_cards(user):
    """The trainee's cards on terms still in the glossary."""
    return (select(CardState, GlossaryTerm).join(GlossaryTerm, GlossaryTerm.key == CardState.term_key)
            .where(CardState.user_id == user.id, GlossaryTerm.retired.is_(False)))


def _ordered_terms():
    return (select(GlossaryTerm).outerjoin(Lesson, Lesson.key == GlossaryTerm.lesson_key)
            .where(GlossaryTerm.retired.is_(False)).order_by(Lesson.id.is_(None), Lesson.position, GlossaryTerm.id))


def _new_allowed(user, now, new_per_day, timezone):
    """New cards left today: the daily limit less the terms first met since local midnight."""
    met_today = db.session.scalar(select(func.count(CardState.id)).where(
        CardState.user_id == user.id, CardState.created_at >= drill.day_start(now, timezone)))
    return max(new_per_day - met_today, 0)
