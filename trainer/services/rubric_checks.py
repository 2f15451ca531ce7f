"""Testing a rubric before it is published: grade a pasted answer against the draft, grade the
draft's calibration examples, and suggest wordings for a key point.

All three work on the draft as it is on the screen, including one whose calibration still
fails (that is when a trainer needs them): the draft is built with the file format's checks
only (``authoring.build(..., replay=False)``). Nothing here stores anything.
"""
from dataclasses import dataclass

from ..core.calibration import calibrate, tolerance
from ..core.errors import ContentInvalid
from ..core.grading import grade_short_answer
from ..core.synonym_suggestions import suggest
from . import authoring

#: How a grader's evidence says the point's words were found.
FOUND = ("exact", "homophone", "fuzzy")


@dataclass(frozen=True)
class ExampleRow:
    number: int
    answer: str
    note: str
    expected: float
    got: float
    failing: bool


@dataclass(frozen=True)
class CalibrationReport:
    rows: tuple[ExampleRow, ...]
    qwk: float
    mae: float
    max_score: float
    tolerance: float

    @property
    def failing(self):
        return [row for row in self.rows if row.failing]


@dataclass(frozen=True)
class PointSuggestions:
    number: int
    label: str
    #: ``synonym_suggestions.Suggestion`` list, best first.
    words: list
    #: How many answers spoke for the point, and how many against.
    speaking: int
    against: int


def _built_item(data, quiz_key):
    try:
        return authoring.build("item", data, quiz_key, replay=False), []
    except ContentInvalid as invalid:
        return None, invalid.errors


def try_answer(kind, data, quiz_key, answer):
    """``(GradeResult dict, problems)``: ``answer`` graded against the draft's rubric."""
    try:
        built = authoring.build(kind, data, quiz_key, replay=False)
    except ContentInvalid as invalid:
        return None, invalid.errors
    return grade_short_answer(built.rubric, answer).to_dict(), []


def calibration(data, quiz_key):
    """``(CalibrationReport, problems)``: every calibration example graded, with QWK and MAE."""
    item, problems = _built_item(data, quiz_key)
    if item is None:
        return None, problems
    result = calibrate([item])
    limit = tolerance(item.rubric.max_score, item.rubric.step)
    rows = tuple(ExampleRow(n + 1, c.answer, c.note, c.expected, c.got, c.error > limit + 1e-9)
                 for n, c in enumerate(result.checks))
    return CalibrationReport(rows, result.qwk, result.mae, item.rubric.max_score, limit), []


def suggestions(data, quiz_key, number):
    """``(PointSuggestions, problems)`` for point ``number`` (0-based) of the draft.

    The trainers' scores are per answer, not per point, so an answer speaks for the point when
    the trainers gave it something, the grader does not find the point, and the grader gives
    less than the trainers: the missing credit is probably this point in words the rubric lacks.
    An answer the trainers gave nothing, or one where the grader agrees with them without the
    point, speaks against; answers where the point is already found say nothing new.
    """
    item, problems = _built_item(data, quiz_key)
    if item is None:
        return None, problems
    points = item.rubric.points
    if not 0 <= number < len(points):
        return None, []
    answers = []
    for example in item.examples:
        result = grade_short_answer(item.rubric, example.answer)
        if result.points[number].how in FOUND:
            continue
        answers.append((example.answer, example.score > 0 and example.score > result.score))
    others = [a.text for i, p in enumerate(points) if i != number for a in p.aliases]
    related = [text for i, p in enumerate(points) if i != number for text in (p.label, p.model)]
    words = suggest(answers, [a.text for a in points[number].aliases], others, related)
    speaking = sum(1 for _, speaks in answers if speaks)
    return PointSuggestions(number, points[number].label, words, speaking, len(answers) - speaking), []
