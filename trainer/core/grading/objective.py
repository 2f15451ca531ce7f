"""Items with one right answer: choice, true/false, ordering and matching.

Responses use the authored positions (the page shuffles what it shows, never what it sends).
"""
from .rubric import GradeResult


def _result(score, max_score, **detail):
    return GradeResult(score=score, max_score=max_score, pass_mark=max_score, points=(), confidence=1.0,
                       extra={"detail": detail})


def _index(value):
    """A position, or None: a bool is no position although Python counts it as an int (JSON ``true`` is not 1)."""
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _indices(response):
    """The positions in a list response; a response of any other shape (None, a number, text) chose nothing."""
    if not isinstance(response, (list, tuple)):
        return []
    return [i for i in map(_index, response) if i is not None]


def _pairs(response):
    """``{left: right}`` positions from a matching response, whose keys arrive as text from forms and JSON."""
    if not isinstance(response, dict):
        return {}
    return {int(k): _index(v) for k, v in response.items() if str(k).isdecimal() and _index(v) is not None}


def grade_single(item, response):
    right = next(i for i, option in enumerate(item.options) if option.correct)
    chosen = _index(response)
    return _result(float(chosen == right), 1.0, chosen=chosen, correct=right)


def grade_multiple(item, response):
    right = {i for i, option in enumerate(item.options) if option.correct}
    chosen = set(_indices(response))
    return _result(float(chosen == right), 1.0, chosen=sorted(chosen), correct=sorted(right),
                   missed=sorted(right - chosen), wrong=sorted(chosen - right))


def grade_true_false(item, response):
    return _result(float(response is item.answer), 1.0, chosen=response, correct=item.answer)


def grade_ordering(item, response):
    """Full marks for the whole order; the detail names each step put in the wrong place."""
    expected = list(range(len(item.steps)))
    placed = _indices(response)
    misplaced = [step for position, step in enumerate(placed) if step != position]
    valid = sorted(placed) == expected
    return _result(float(valid and not misplaced), 1.0, chosen=placed, correct=expected,
                   misplaced=misplaced if valid else expected)


def grade_matching(item, response):
    """One point in all, shared equally among the pairs (rounded to quarters)."""
    pairs = len(item.pairs)
    chosen = _pairs(response)
    right = [left for left in range(pairs) if chosen.get(left) == left]
    score = int(4 * len(right) / pairs) / 4
    return _result(score, 1.0, chosen=chosen, correct=list(range(pairs)),
                   wrong=[left for left in range(pairs) if left not in right])
