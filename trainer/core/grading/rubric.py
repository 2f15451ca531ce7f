"""Rubrics and the explained result of grading an answer against one."""
from dataclasses import dataclass, field

from .matching import Alias


@dataclass(frozen=True)
class RubricPoint:
    id: str
    #: Shown to trainees.
    label: str
    points: float
    #: Never shown to trainees (they would learn the keywords instead of the idea).
    aliases: tuple[Alias, ...]
    #: Groups of wordings that must all be present as well.
    all_of: tuple[tuple[Alias, ...], ...] = ()
    #: Known wrong statements: never earn the point, and ask a trainer to look.
    reject: tuple[Alias, ...] = ()
    #: The model-answer sentence for this point, shown when it is missed.
    model: str = ""


@dataclass(frozen=True)
class Rubric:
    points: tuple[RubricPoint, ...]
    #: "sum", "best" (only the best ``best`` points count) or "sequence" (order scored too).
    mode: str = "sum"
    best: int | None = None
    step: float = 0.5
    pass_mark: float | None = None
    order_points: float = 0.0
    model_answer: str = ""

    @property
    def max_score(self):
        values = sorted((p.points for p in self.points), reverse=True)
        if self.mode == "best" and self.best:
            values = values[: self.best]
        return sum(values) + (self.order_points if self.mode == "sequence" else 0)

    @property
    def passing(self):
        return self.pass_mark if self.pass_mark is not None else round_to(0.6 * self.max_score, self.step)


@dataclass(frozen=True)
class Evidence:
    """One rubric point: earned with the trainee's own words, or missed with the model sentence."""

    point: str
    label: str
    points: float
    earned: float
    #: ``(from, to)`` in the trainee's original answer, and the words there.
    span: tuple[int, int] | None = None
    words: str = ""
    #: "exact", "homophone", "fuzzy"; or why it was not earned: "missing", "negated", "rejected", "incomplete".
    how: str = "missing"
    typos: tuple = ()
    model: str = ""
    #: Position of the match in the normalised answer (for order checks).
    at: int | None = None

    def to_dict(self):
        data = {"point": self.point, "label": self.label, "points": self.points, "earned": self.earned,
                "how": self.how}
        if self.span:
            data.update(span=list(self.span), words=self.words)
        if self.typos:
            data["typos"] = [{"wrote": w, "meant": m} for w, m in self.typos]
        if not self.earned:
            data["model"] = self.model
        return data


@dataclass(frozen=True)
class GradeResult:
    score: float
    max_score: float
    pass_mark: float
    points: tuple[Evidence, ...]
    confidence: float
    #: Why a trainer should look ("negation", "near_pass_mark", …); empty when the grade is sure.
    reasons: tuple[str, ...] = ()
    #: Mode sequence: ``{"earned", "points", "in_order": [labels], "out_of_order": [labels]}``.
    order: dict | None = None
    model_answer: str = ""
    extra: dict = field(default_factory=dict)

    @property
    def passed(self):
        return self.score >= self.pass_mark

    @property
    def needs_review(self):
        return bool(self.reasons)

    def to_dict(self):
        return {
            "score": self.score, "max_score": self.max_score, "pass_mark": self.pass_mark,
            "passed": self.passed, "confidence": self.confidence, "needs_review": self.needs_review,
            "reasons": list(self.reasons),
            "points": {"earned": [e.to_dict() for e in self.points if e.earned],
                       "missed": [e.to_dict() for e in self.points if not e.earned]},
            "order": self.order, "model_answer": self.model_answer, **self.extra,
        }


def round_to(value, step):
    """Round half up to the rubric's step (0.5 → 0, 0.5, 1, …)."""
    if not step:
        return value
    units = int(value / step + 0.5 + 1e-9)
    return round(units * step, 6)
