"""Question bank and quizzes (``content/quizzes/*.yaml``) and the final exam.

Files are validated with pydantic, synonym sets are expanded, and each item is kept twice:
as a plain ``definition`` dict (what the database stores) and as a built ``Item`` whose
rubric aliases are normalised once, so grading does no preparation per request.
"""
from dataclasses import dataclass
from typing import Annotated, Literal

from pydantic import Field, StringConstraints, model_validator

from ..errors import ContentError, ContentInvalid
from ..grading import Rubric, RubricPoint
from ..grading.matching import Alias
from .manual import ID_PATTERN
from .source import StrictModel, decode_utf8, parse_yaml, validate
from .synonyms import expand

Id = Annotated[str, StringConstraints(pattern=ID_PATTERN)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]
Short = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
KINDS = ("single", "multiple", "true_false", "ordering", "matching", "short")
MIN_EXAMPLES = 6


class OptionModel(StrictModel):
    text: Text
    correct: bool = False


class PairModel(StrictModel):
    left: Short
    right: Text


class PointModel(StrictModel):
    id: Id | None = None
    label: Short
    points: Annotated[float, Field(gt=0, le=100)]
    aliases: Annotated[list[Short], Field(min_length=1)]
    all_of: list[Annotated[list[Short], Field(min_length=1)]] = []
    reject: list[Short] = []
    model: Text


class ExampleModel(StrictModel):
    answer: Annotated[str, StringConstraints(max_length=4000)]
    score: Annotated[float, Field(ge=0)]
    note: str = ""


class OrderModel(StrictModel):
    points: Annotated[float, Field(gt=0, le=100)]


class RubricModel(StrictModel):
    mode: Literal["sum", "best", "sequence"] = "sum"
    best: Annotated[int, Field(ge=1)] | None = None
    step: Annotated[float, Field(gt=0, le=10)] = 0.5
    pass_mark: float | None = Field(default=None, ge=0, alias="pass")
    points: Annotated[list[PointModel], Field(min_length=1, max_length=30)]
    order: OrderModel | None = None
    model_answer: Text
    examples: Annotated[list[ExampleModel], Field(min_length=MIN_EXAMPLES)]

    @model_validator(mode="after")
    def _consistent(self):
        if (self.mode == "best") != (self.best is not None):
            raise ValueError("'best: n' goes with 'mode: best' and only with it")
        if self.best and self.best > len(self.points):
            raise ValueError(f"best: {self.best} is more than the {len(self.points)} points")
        if (self.mode == "sequence") != (self.order is not None):
            raise ValueError("'order' goes with 'mode: sequence' and only with it")
        return self


class ItemModel(StrictModel):
    id: Id
    kind: Literal[KINDS]
    lessons: list[Id] | None = None
    prompt: Text
    explanation: Text
    options: list[OptionModel] | None = None
    answer: bool | None = None
    steps: list[Short] | None = None
    pairs: list[PairModel] | None = None
    rubric: RubricModel | None = None

    @model_validator(mode="after")
    def _fields_of_kind(self):
        needs = {"single": "options", "multiple": "options", "true_false": "answer", "ordering": "steps",
                 "matching": "pairs", "short": "rubric"}[self.kind]
        for name in ("options", "answer", "steps", "pairs", "rubric"):
            present = getattr(self, name) is not None
            if name == needs and not present:
                raise ValueError(f"a {self.kind} item needs '{name}'")
            if name != needs and present:
                raise ValueError(f"'{name}' does not belong to a {self.kind} item")
        _check_kind(self)
        return self


def _check_kind(item):
    if item.options is not None:
        right = sum(option.correct for option in item.options)
        if len(item.options) < 2 or len({o.text for o in item.options}) != len(item.options):
            raise ValueError("options: at least two, all different")
        if item.kind == "single" and right != 1:
            raise ValueError(f"options: a single-choice item has exactly one correct option, not {right}")
        if item.kind == "multiple" and right < 1:
            raise ValueError("options: mark at least one option correct")
    if item.steps is not None and not (3 <= len(item.steps) <= 10 and len(set(item.steps)) == len(item.steps)):
        raise ValueError("steps: 3 to 10 different steps")
    if item.pairs is not None:
        lefts, rights = {p.left for p in item.pairs}, {p.right for p in item.pairs}
        if not (3 <= len(item.pairs) <= 8 and len(lefts) == len(rights) == len(item.pairs)):
            raise ValueError("pairs: 3 to 8 pairs, no side repeated")


class MasteryModel(StrictModel):
    correct: Annotated[int, Field(ge=1, le=20)] = 3
    window: Annotated[int, Field(ge=1, le=20)] = 5


class QuizMeta(StrictModel):
    id: Id
    title: Short
    lessons: Annotated[list[Id], Field(min_length=1)]
    mastery: MasteryModel = MasteryModel()


class QuizFile(StrictModel):
    quiz: QuizMeta
    items: Annotated[list[ItemModel], Field(min_length=1)]


class PoolModel(StrictModel):
    lessons: Annotated[list[Id], Field(min_length=1)]
    kinds: list[Literal[KINDS]] | None = None
    count: Annotated[int, Field(ge=1, le=50)]


class ExamMeta(StrictModel):
    id: Id
    title: Short
    time_limit_minutes: Annotated[int, Field(ge=1, le=300)]
    pass_percent: Annotated[int, Field(ge=1, le=100)]
    max_attempts: Annotated[int, Field(ge=1, le=20)]
    pools: Annotated[list[PoolModel], Field(min_length=1)]


class ExamFile(StrictModel):
    exam: ExamMeta


@dataclass(frozen=True)
class Option:
    text: str
    correct: bool


@dataclass(frozen=True)
class Example:
    answer: str
    score: float
    note: str


@dataclass(frozen=True)
class Item:
    id: str
    kind: str
    lessons: tuple[str, ...]
    prompt: str
    explanation: str
    options: tuple[Option, ...] = ()
    answer: bool | None = None
    steps: tuple[str, ...] = ()
    pairs: tuple[tuple[str, str], ...] = ()
    rubric: Rubric | None = None
    examples: tuple[Example, ...] = ()
    #: The validated file data with synonyms expanded: what the database stores.
    definition: dict | None = None
    source: str = ""
    line: int | None = None

    @property
    def max_score(self):
        return self.rubric.max_score if self.rubric else 1.0


@dataclass(frozen=True)
class Quiz:
    id: str
    title: str
    lessons: tuple[str, ...]
    mastery_correct: int
    mastery_window: int
    items: tuple[str, ...]
    source: str


@dataclass(frozen=True)
class Pool:
    lessons: tuple[str, ...]
    kinds: tuple[str, ...] | None
    count: int


@dataclass(frozen=True)
class Exam:
    id: str
    title: str
    time_limit_minutes: int
    pass_percent: int
    max_attempts: int
    pools: tuple[Pool, ...]
    source: str


def parse_quiz_file(data, path, synonyms):
    """One quiz file → ``(Quiz, [Item])``; raises ``ContentInvalid`` with every problem."""
    values, lines = parse_yaml(decode_utf8(data, path), path)
    parsed = validate(QuizFile, values, lines, path)
    items, errors = [], []
    for index, model in enumerate(parsed.items):
        raw = values["items"][index]
        definition, problems = _definition(raw, model, parsed.quiz.lessons, synonyms, path, lines, index)
        errors.extend(problems)
        if not problems:
            items.append(build_item(definition, source=path, line=lines.get(("items", index))))
    if errors:
        raise ContentInvalid(errors)
    meta = parsed.quiz
    quiz = Quiz(id=meta.id, title=meta.title, lessons=tuple(meta.lessons), mastery_correct=meta.mastery.correct,
                mastery_window=meta.mastery.window, items=tuple(item.id for item in items), source=path)
    return quiz, items


def item_from_values(raw, quiz_lessons, synonyms, path):
    """One item given as plain data (the browser editor's) → ``Item``, checked like a file's item."""
    model = validate(ItemModel, raw, {}, path)
    definition, problems = _definition(raw, model, quiz_lessons, synonyms, path, {}, 0)
    if problems:
        raise ContentInvalid(problems)
    return build_item(definition, source=path)


def parse_exam_file(data, path):
    values, lines = parse_yaml(decode_utf8(data, path), path)
    meta = validate(ExamFile, values, lines, path).exam
    pools = tuple(Pool(tuple(p.lessons), tuple(p.kinds) if p.kinds else None, p.count) for p in meta.pools)
    return Exam(id=meta.id, title=meta.title, time_limit_minutes=meta.time_limit_minutes,
                pass_percent=meta.pass_percent, max_attempts=meta.max_attempts, pools=pools, source=path)


def _definition(raw, model, quiz_lessons, synonyms, path, lines, index):
    """The item as plain data, defaults filled in and ``@set`` aliases expanded."""
    definition = model.model_dump(exclude_none=True, by_alias=True)
    definition["lessons"] = list(model.lessons or quiz_lessons)
    definition["source"] = raw  # as written: what export gives back
    errors = []
    for number, point in enumerate(definition.get("rubric", {}).get("points", [])):
        where = ("items", index, "rubric", "points", number)
        line = lines.get(where + ("aliases",), lines.get(where))
        point.setdefault("id", f"p{number + 1}")
        for field in ("aliases", "reject"):
            point[field], problems = expand(point.get(field, []), synonyms, path, line, f"items[{index}].{field}")
            errors.extend(problems)
        groups = []
        for group in point.get("all_of", []):
            expanded, problems = expand(group, synonyms, path, line, f"items[{index}].all_of")
            groups.append(expanded)
            errors.extend(problems)
        point["all_of"] = groups
    return definition, errors


def build_item(definition, source="", line=None):
    """An ``Item`` from its stored definition (as returned by ``parse_quiz_file``)."""
    rubric = _rubric(definition["rubric"]) if "rubric" in definition else None
    examples = tuple(Example(e["answer"], e["score"], e.get("note", ""))
                     for e in definition.get("rubric", {}).get("examples", []))
    return Item(
        id=definition["id"], kind=definition["kind"], lessons=tuple(definition["lessons"]),
        prompt=definition["prompt"], explanation=definition["explanation"],
        options=tuple(Option(o["text"], o.get("correct", False)) for o in definition.get("options", [])),
        answer=definition.get("answer"), steps=tuple(definition.get("steps", [])),
        pairs=tuple((p["left"], p["right"]) for p in definition.get("pairs", [])),
        rubric=rubric, examples=examples, definition=definition, source=source, line=line,
    )


def build_rubric(data):
    """A ``Rubric`` from plain data (also used by the glossary's free recall)."""
    return _rubric(data)


def _rubric(data):
    points = tuple(
        RubricPoint(
            id=p.get("id", f"p{n + 1}"), label=p["label"], points=p["points"],
            aliases=tuple(Alias.of(a) for a in p["aliases"]),
            all_of=tuple(tuple(Alias.of(a) for a in group) for group in p.get("all_of", [])),
            reject=tuple(Alias.of(a) for a in p.get("reject", [])), model=p.get("model", ""),
        )
        for n, p in enumerate(data["points"])
    )
    return Rubric(points=points, mode=data.get("mode", "sum"), best=data.get("best"), step=data.get("step", 0.5),
                  pass_mark=data.get("pass"), order_points=data.get("order", {}).get("points", 0.0),
                  model_answer=data.get("model_answer", ""))


def check_exam(exam, items):
    """Each pool must hold at least as many items as it draws."""
    for number, pool in enumerate(exam.pools):
        available = [i for i in items if set(i.lessons) & set(pool.lessons) and (not pool.kinds or i.kind in pool.kinds)]
        if len(available) < pool.count:
            yield ContentError(exam.source, None, f"exam.pools[{number}]",
                               f"draws {pool.count} items but only {len(available)} match")
