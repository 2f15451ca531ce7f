"""Item analysis with Moodle's quiz statistics, so the figures mean what trainers elsewhere expect.

The formulas are those of Moodle's quiz statistics report: ``question/classes/statistics/questions/
calculator.php`` (per item) and ``mod/quiz/report/statistics/classes/calculator.php`` (the test),
documented on MoodleDocs as "Quiz statistics calculations". For an item with scores ``x`` (as a
fraction of its maximum) in ``n`` attempts, and ``r`` the rest of each attempt's score:

- facility index      F  = 100 · mean(x)
- standard deviation  SD = 100 · sqrt(Σ(x − x̄)² / (n − 1))
- discrimination      DI = 100 · cov(x, r) / sqrt(var(x) · var(r))        (n − 1 in each)
- discriminative eff. DE = 100 · cov(x, r) / covmax(x, r), where covmax pairs the scores and the
                           rests both sorted ascending: the largest covariance these very values allow
- internal consistency CIC = 100 · p/(p − 1) · (1 − Σ var(slot) / var(total)), over the ``p``
                           positions ("slots") of the test, in attempts where every slot is scored

Moodle correlates marks with marks; we use fractions and the rest as a share of the rest's
maximum. Both are positive rescalings when every attempt has the same items, so DI and DE are
exactly Moodle's then; when attempts hold different items (exam pools, an answer awaiting
review, practice not yet through every item), the share keeps attempts comparable.

Beyond Moodle, each item's parts (rubric key points, the order of a sequence rubric) get their
own figures against the same rest as their item (the attempt without the whole item, so sibling
key points do not inflate each other). An undefined figure (no variance) is ``None``, as Moodle
leaves it blank.
"""
from dataclasses import dataclass, field, replace
from math import sqrt

#: Below this many attempts discrimination and efficiency are shown but never judged.
MIN_ATTEMPTS = 10
#: Facility outside this range (in %) needs checking: too hard (or broken), or too easy to tell anyone apart.
FACILITY_RANGE = (20.0, 94.0)
#: Moodle's question bank says "Needs checking: very likely" below a discrimination index of 30.
MIN_DISCRIMINATION = 30.0
#: Moodle's quiz statistics report marks an item dubious below a discriminative efficiency of 15.
MIN_EFFICIENCY = 15.0
#: Moodle computes the CIC (with skewness) only from three attempts on.
MIN_CIC_ATTEMPTS = 3


@dataclass(frozen=True)
class Mark:
    """One scored part of an item in one attempt: a rubric key point, a sequence's order."""

    key: str
    score: float
    max_score: float


@dataclass(frozen=True)
class Response:
    """One graded item in one attempt. ``counted`` is what it adds to the attempt's total when that
    is not its own score (a role-play check adds its share of its category's weight)."""

    item: str
    score: float
    max_score: float
    parts: tuple[Mark, ...] = ()
    counted: float | None = None
    counted_max: float | None = None

    @property
    def points(self):
        return self.score if self.counted is None else self.counted

    @property
    def max_points(self):
        return self.max_score if self.counted_max is None else self.counted_max


@dataclass(frozen=True)
class Attempt:
    """One test attempt: its graded items, its total, and its marks per slot for the CIC.

    ``total``/``max_total`` default to the sum of the responses. ``slots`` (position → mark, summing
    to the total the CIC sees) is None when the attempt is incomplete: it then stays out of the CIC.
    """

    id: object
    responses: tuple[Response, ...]
    total: float | None = None
    max_total: float | None = None
    slots: dict | None = None

    def totals(self):
        total = sum(r.points for r in self.responses) if self.total is None else self.total
        max_total = sum(r.max_points for r in self.responses) if self.max_total is None else self.max_total
        return total, max_total


@dataclass(frozen=True)
class Stats:
    """The figures of one item or part, in percent; ``flags`` say why it needs checking."""

    key: str
    attempts: int
    facility: float | None
    sd: float | None
    discrimination: float | None
    efficiency: float | None
    flags: tuple[str, ...] = ()
    parts: tuple["Stats", ...] = ()

    @property
    def needs_checking(self):
        return bool(self.flags)


@dataclass(frozen=True)
class TestStats:
    attempts: int
    #: Attempts complete enough for the CIC.
    complete: int
    cic: float | None
    items: tuple[Stats, ...] = field(default_factory=tuple)

    @property
    def flagged(self):
        return [item for item in self.items if item.needs_checking]

    @property
    def flagged_parts(self):
        return [part for item in self.items for part in item.parts if part.needs_checking]


def analyse(attempts, order=(), min_attempts=MIN_ATTEMPTS):
    """Every item's (and part's) figures and the test's CIC.

    Items follow ``order`` (listed even before anyone has answered them), then the others as first seen.
    """
    observed, part_pairs = {}, {}
    for attempt in attempts:
        total, max_total = attempt.totals()
        for response in attempt.responses:
            rest_max = max_total - response.max_points
            rest = (total - response.points) / rest_max if rest_max > 0 else None
            observed.setdefault(response.item, []).append((_fraction(response.score, response.max_score), rest))
            for part in response.parts:
                part_pairs.setdefault(response.item, {}).setdefault(part.key, []).append(
                    (_fraction(part.score, part.max_score), rest))
    items = tuple(
        replace(item_stats(key, observed.get(key, []), min_attempts),
                parts=tuple(item_stats(p, pairs, min_attempts) for p, pairs in part_pairs.get(key, {}).items()))
        for key in dict.fromkeys([*order, *observed]))
    complete = [a.slots for a in attempts if a.slots is not None]
    return TestStats(attempts=len(attempts), complete=len(complete), cic=cic(complete), items=items)


def item_stats(key, pairs, min_attempts=MIN_ATTEMPTS):
    """Figures for one item from ``(fraction, rest)`` pairs; a None rest counts for facility only."""
    scores = [x for x, _ in pairs]
    paired = [(x, r) for x, r in pairs if r is not None]
    facility = 100 * _mean(scores) if scores else None
    sd = 100 * sqrt(_variance(scores)) if len(scores) > 1 else None
    discrimination, efficiency = discrimination_index(paired), discriminative_efficiency(paired)
    return Stats(key=key, attempts=len(scores), facility=facility, sd=sd, discrimination=discrimination,
                 efficiency=efficiency, flags=flags(facility, discrimination, efficiency, len(paired), min_attempts))


def discrimination_index(pairs):
    """100 × Pearson's correlation of the item's score with the rest of the test (Moodle's DI)."""
    if len(pairs) < 2:
        return None
    xs, rs = zip(*pairs)
    product = _variance(xs) * _variance(rs)
    return 100 * _covariance(xs, rs) / sqrt(product) if product > 1e-12 else None


def discriminative_efficiency(pairs):
    """100 × cov(x, rest) / the covariance of the same values paired in sorted order (Moodle's DE)."""
    if len(pairs) < 2:
        return None
    xs, rs = zip(*pairs)
    largest = _covariance(sorted(xs), sorted(rs))
    return 100 * _covariance(xs, rs) / largest if abs(largest) > 1e-12 else None


def cic(slot_marks):
    """Moodle's coefficient of internal consistency (Cronbach's α in %) from each complete attempt's
    marks per slot; a slot an attempt lacks counts 0, as Moodle's missing mark does."""
    slots = sorted({key for marks in slot_marks for key in marks}, key=str)
    p, n = len(slots), len(slot_marks)
    if p < 2 or n < MIN_CIC_ATTEMPTS:
        return None
    columns = [[marks.get(slot, 0.0) for marks in slot_marks] for slot in slots]
    totals = [sum(values) for values in zip(*columns)]
    total_variance = _variance(totals)
    if total_variance <= 1e-12:
        return None
    return 100 * p / (p - 1) * (1 - sum(_variance(column) for column in columns) / total_variance)


def flags(facility, discrimination, efficiency, attempts, min_attempts=MIN_ATTEMPTS):
    """Why an item needs checking: facility outside 20–94 %, and with enough attempts a
    discrimination index below 30 (negative: the stronger trainees do worse) or an efficiency below 15."""
    found = []
    if facility is not None and round(facility, 6) < FACILITY_RANGE[0]:
        found.append("too_hard")
    if facility is not None and round(facility, 6) > FACILITY_RANGE[1]:
        found.append("too_easy")
    if attempts >= min_attempts:
        if discrimination is not None and discrimination < 0:
            found.append("negative_discrimination")
        elif discrimination is not None and round(discrimination, 6) < MIN_DISCRIMINATION:
            found.append("low_discrimination")
        if efficiency is not None and round(efficiency, 6) < MIN_EFFICIENCY:
            found.append("low_efficiency")
    return tuple(found)


def _fraction(score, max_score):
    return score / max_score if max_score else 0.0


def _mean(values):
    return sum(values) / len(values)


def _variance(values):
    """Sample variance (n − 1), as Moodle's ``markvariance``."""
    mean = _mean(values)
    return sum((v - mean) ** 2 for v in values) / (len(values) - 1)


def _covariance(xs, ys):
    mx, my = _mean(xs), _mean(ys)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / (len(xs) - 1)
