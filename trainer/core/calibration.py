"""How well the grader agrees with trainers on the calibration examples.

Quadratic weighted kappa (QWK) over scores binned to fifths of each item's maximum, and mean
absolute error in points. An item fails calibration when one example is off by more than the
tolerance: a trainer would not sign off a rubric that gets its own examples wrong.
"""
from dataclasses import dataclass

from .grading import grade_short_answer

BINS = 4  # 0, ¼, ½, ¾, full marks


@dataclass(frozen=True)
class ExampleCheck:
    item: str
    answer: str
    note: str
    expected: float
    got: float
    max_score: float

    @property
    def error(self):
        return abs(self.got - self.expected)


@dataclass(frozen=True)
class Calibration:
    checks: tuple[ExampleCheck, ...]
    failing: tuple[ExampleCheck, ...]
    qwk: float
    mae: float


def tolerance(max_score, step):
    return max(step, 0.25 * max_score)


def calibrate(items):
    """Grade every example of every short-answer item; collect the disagreements."""
    checks, failing = [], []
    for item in items:
        if item.rubric is None:
            continue
        for example in item.examples:
            got = grade_short_answer(item.rubric, example.answer).score
            check = ExampleCheck(item.id, example.answer, example.note, example.score, got, item.rubric.max_score)
            checks.append(check)
            if check.error > tolerance(item.rubric.max_score, item.rubric.step) + 1e-9:
                failing.append(check)
    return Calibration(tuple(checks), tuple(failing), qwk=quadratic_weighted_kappa(checks),
                       mae=round(sum(c.error for c in checks) / len(checks), 3) if checks else 0.0)


def _bin(score, max_score):
    return min(BINS, max(0, int(BINS * score / max_score + 0.5))) if max_score else 0  # half up


def quadratic_weighted_kappa(checks):
    """Cohen's kappa with quadratic weights between trainer and grader bins (1 = perfect)."""
    pairs = [(_bin(c.expected, c.max_score), _bin(c.got, c.max_score)) for c in checks]
    if not pairs:
        return 1.0
    size = BINS + 1
    observed = [[0] * size for _ in range(size)]
    for a, b in pairs:
        observed[a][b] += 1
    rows = [sum(row) for row in observed]
    cols = [sum(observed[i][j] for i in range(size)) for j in range(size)]
    total = len(pairs)
    disagree = expected_disagree = 0.0
    for i in range(size):
        for j in range(size):
            weight = (i - j) ** 2 / (size - 1) ** 2
            disagree += weight * observed[i][j]
            expected_disagree += weight * rows[i] * cols[j] / total
    return round(1 - disagree / expected_disagree, 3) if expected_disagree else 1.0
