"""Glossary drills: FSRS scheduling of a trainee's cards, the question for a card, and its grade.

Cards and review logs cross this module as the JSON-ready dicts of the ``fsrs`` package
(``Card.to_dict()``, ``ReviewLog.to_dict()``), so they can be stored as they are and the
schedule can later be replayed or re-fitted on our own review logs.
"""
from dataclasses import dataclass
from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

from fsrs import Card, Rating, Scheduler, State

from .grading import GradeResult, grade_short_answer

#: Default FSRS parameters; 90 % of cards should still be recalled when they fall due.
DESIRED_RETENTION = 0.9
SCHEDULER = Scheduler(desired_retention=DESIRED_RETENTION)

TERM_TO_DEFINITION = "term_definition"
DEFINITION_TO_TERM = "definition_term"
RECALL = "recall"
#: Reviews cycle through the kinds; free recall first comes on the third review, once the
#: trainee has recognised the term both ways.
KINDS = (TERM_TO_DEFINITION, DEFINITION_TO_TERM, RECALL)
DISTRACTORS = 3
#: Stands in for the term (and its aliases) where showing it would give the answer away.
BLANK = "＿＿"


@dataclass(frozen=True)
class Reviewed:
    """A card after one rating: the new card, the fsrs review log, and whether it was a lapse."""

    card: dict
    log: dict
    due: datetime
    #: Forgotten after it had graduated to review (``Again`` on a card in the Review state).
    lapse: bool


@dataclass(frozen=True)
class Choice:
    #: The term the option belongs to; this is what the answer form sends back.
    key: str
    text: str
    term: str
    definition: str


@dataclass(frozen=True)
class Question:
    term: str
    kind: str
    #: The term (term→definition, recall) or its definition with the term blanked out.
    prompt: str
    #: Empty for free recall.
    options: tuple[Choice, ...] = ()

    @property
    def answer(self):
        """The right option, or None for free recall."""
        return next((o for o in self.options if o.key == self.term), None)


def _utc(moment):
    if moment.tzinfo is None:
        raise ValueError("naive datetime; use an aware UTC datetime")
    return moment.astimezone(UTC)


def new_card(now):
    """A card never reviewed, due at ``now``."""
    now = _utc(now)
    return Card(card_id=int(now.timestamp() * 1000), due=now).to_dict()


def review(card, rating, now, duration_ms=None, scheduler=SCHEDULER):
    """Apply ``rating`` (``fsrs.Rating``) to ``card`` (a dict) at ``now``."""
    before = Card.from_dict(card)
    after, log = scheduler.review_card(before, Rating(rating), _utc(now), duration_ms)
    return Reviewed(card=after.to_dict(), log=log.to_dict(), due=after.due,
                    lapse=before.state == State.Review and rating == Rating.Again)


def due_of(card):
    return datetime.fromisoformat(card["due"])


def retrievability(card, at, scheduler=SCHEDULER):
    """Predicted probability that the trainee recalls the card at ``at`` (0 if never reviewed)."""
    return float(scheduler.get_card_retrievability(Card.from_dict(card), _utc(at)))


def day_start(now, timezone):
    """Midnight of ``now``'s day in ``timezone`` (an IANA name), as an aware UTC datetime."""
    zone = ZoneInfo(timezone)
    local = _utc(now).astimezone(zone)
    return datetime.combine(local.date(), time(), tzinfo=zone).astimezone(UTC)


def drill_kind(reps):
    """The kind of question for a card reviewed ``reps`` times: the kinds take turns."""
    return KINDS[reps % len(KINDS)]


def build_question(term, terms, kind, rng):
    """The question of ``kind`` for ``term``; ``terms`` supply the distractors (drawn with ``rng``)."""
    if kind == RECALL:
        return Question(term=term.id, kind=kind, prompt=term.term)
    others = distractors(term, terms, kind, rng)
    options = [_choice(term, kind)] + [_choice(other, kind) for other in others]
    rng.shuffle(options)
    prompt = term.term if kind == TERM_TO_DEFINITION else masked_definition(term)
    return Question(term=term.id, kind=kind, prompt=prompt, options=tuple(options))


def distractors(term, terms, kind, rng, count=DISTRACTORS):
    """Up to ``count`` other terms, same lesson first; no two options read the same.

    A term sharing a name with the answer (an alias, or a homonym in another lesson) is never
    offered: either way round, choosing it would not be wrong.
    """
    names = {term.term, *term.aliases}
    taken = {_option_text(term, kind)}
    near, far = [], []
    for other in sorted(terms, key=lambda t: t.id):
        if other.id != term.id and not names & {other.term, *other.aliases}:
            (near if other.lesson == term.lesson else far).append(other)
    rng.shuffle(near)
    rng.shuffle(far)
    chosen = []
    for other in near + far:
        text = _option_text(other, kind)
        if text not in taken and len(chosen) < count:
            taken.add(text)
            chosen.append(other)
    return chosen


def masked_definition(term):
    """The definition with the term and its aliases blanked out, longest first."""
    text = term.definition
    for name in sorted({term.term, *term.aliases}, key=len, reverse=True):
        text = text.replace(name, BLANK)
    return text


def _option_text(term, kind):
    return masked_definition(term) if kind == TERM_TO_DEFINITION else term.term


def _choice(term, kind):
    return Choice(key=term.id, text=_option_text(term, kind), term=term.term, definition=term.definition)


def grade_response(term, question, response):
    """Grade a response: the chosen term key for a choice, free text for recall."""
    if question.kind == RECALL:
        return grade_short_answer(term.rubric, response if isinstance(response, str) else "")
    right = response == question.term
    return GradeResult(score=float(right), max_score=1.0, pass_mark=1.0, points=(), confidence=1.0,
                       extra={"detail": {"chosen": response, "correct": question.term}})


def suggest_rating(result):
    """Wrong → Again; passed with points missing → Hard; full marks → Good."""
    if not result.passed:
        return Rating.Again
    return Rating.Good if result.score >= result.max_score else Rating.Hard
