"""Certification programmes (``content/certification/*.yaml``): what a trainee must have done to be
certified, how long a certificate holds, and which content changes call for a targeted re-test.

A file is read like every other content file (strict YAML, pydantic schema, errors as
``file:line: field: message``); ``resolve_programmes`` then checks every id it names against the
loaded lessons, quizzes, exam and scenarios and fills in the labels trainees read. The result's
``definition`` is what the database stores and what ``core.certification`` reads.
"""
from dataclasses import dataclass
from typing import Annotated, Literal

from pydantic import Field, StringConstraints, field_validator, model_validator

from ..errors import ContentError
from .manual import ID_PATTERN
from .source import StrictModel, decode_utf8, field_name, parse_yaml, validate

Id = Annotated[str, StringConstraints(pattern=ID_PATTERN)]
Label = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40)]
Short = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=1000)]
Percent = Annotated[int, Field(ge=1, le=100)]
#: Requirement groups whose results must be earned again to renew (lessons stay read; the
#: glossary is always measured on the day).
RETAKE = ("quizzes", "exam", "scenarios")
#: Group name in the file → requirement kind in the definition.
KIND_OF = {"lessons": "lesson", "quizzes": "quiz", "exam": "exam", "scenarios": "scenario", "glossary": "glossary"}


def _id_or_mapping(value):
    """``- wrong-shipment`` is short for ``- {id: wrong-shipment}``."""
    return {"id": value} if isinstance(value, str) else value


class QuizRequirement(StrictModel):
    id: Id
    #: None: the quiz's own mastery rule (e.g. 3 of the last 5 right); else the share of its
    #: mastery window (the last 5 answers) that must be right.
    min_percent: Percent | None = None
    label: Label | None = None


class ExamRequirement(StrictModel):
    id: Id
    #: Default: the exam's own pass mark.
    min_percent: Percent | None = None
    label: Label | None = None


class ScenarioRequirement(StrictModel):
    id: Id
    label: Label | None = None


class GlossaryRequirement(StrictModel):
    #: Share of the glossary (or of the terms of ``lessons``) that must be retained on the day.
    min_percent: Percent = 90
    #: A term counts as retained when FSRS predicts at least this probability of recall.
    min_recall: Annotated[float, Field(ge=0.5, le=0.99)] = 0.9
    lessons: list[Id] = []


class Requires(StrictModel):
    lessons: list[Id] = []
    quizzes: list[QuizRequirement] = []
    exam: ExamRequirement | None = None
    scenarios: list[ScenarioRequirement] = []
    glossary: GlossaryRequirement | None = None

    _short_forms = field_validator("quizzes", "scenarios", mode="before")(
        lambda value: [_id_or_mapping(v) for v in value] if isinstance(value, list) else value)

    @model_validator(mode="after")
    def _something_required(self):
        if not (self.lessons or self.quizzes or self.exam or self.scenarios or self.glossary):
            raise ValueError("a programme requires at least one thing")
        return self


class MaterialChange(StrictModel):
    """Results on versions before ``version`` no longer meet the requirement it names."""

    quiz: Id | None = None
    exam: Id | None = None
    scenario: Id | None = None
    version: Annotated[int, Field(ge=2)]
    note: Label

    @model_validator(mode="after")
    def _one_target(self):
        if sum(getattr(self, name) is not None for name in ("quiz", "exam", "scenario")) != 1:
            raise ValueError("name exactly one of quiz, exam or scenario")
        return self

    @property
    def target(self):
        kind = next(name for name in ("quiz", "exam", "scenario") if getattr(self, name) is not None)
        return kind, getattr(self, kind)


class ProgrammeMeta(StrictModel):
    id: Id
    title: Label
    summary: Text
    #: Position among programmes (lowest first).
    order: Annotated[int, Field(ge=0, le=10000)] = 100
    #: How long a certificate holds, in days from the day it is issued.
    valid_days: Annotated[int, Field(ge=30, le=3650)]
    #: Recertification opens this many days before expiry ("expiring soon").
    renew_days: Annotated[int, Field(ge=1, le=365)] = 30
    #: What must be done again (after recertification opens) to renew.
    retake: list[Literal[RETAKE]] = list(RETAKE)

    @model_validator(mode="after")
    def _window_inside_validity(self):
        if self.renew_days >= self.valid_days:
            raise ValueError(f"renew_days ({self.renew_days}) must be shorter than valid_days ({self.valid_days})")
        return self


class ProgrammeFile(StrictModel):
    programme: ProgrammeMeta
    requires: Requires
    material: list[MaterialChange] = []


@dataclass(frozen=True)
class ParsedProgramme:
    """A file that passed its schema; ids are checked against the rest of the content later."""

    model: ProgrammeFile
    lines: dict
    source: str


@dataclass(frozen=True)
class Programme:
    id: str
    title: str
    summary: str
    #: Plain data for the database and for ``core.certification.Programme.from_definition``.
    definition: dict
    source: str


def parse_programme_file(data, path):
    """One programme file → ``ParsedProgramme``; raises ``ContentInvalid`` with every problem."""
    values, lines = parse_yaml(decode_utf8(data, path), path)
    return ParsedProgramme(validate(ProgrammeFile, values, lines, path), lines, path)


def resolve_programmes(parsed, lessons, quizzes, exam, scenarios, terms):
    """Check every id a programme names and fill in labels; ``(programmes, errors)``.

    :param lessons, quizzes, scenarios, terms: the loaded content (objects with ``id`` and a title);
        ``exam`` is the final exam or None.
    """
    titles = {
        "lesson": {l.id: l.title for l in lessons},
        "quiz": {q.id: q.title for q in quizzes},
        "exam": {exam.id: exam.title} if exam else {},
        "scenario": {s.id: s.title for s in scenarios},
    }
    pass_marks = {exam.id: exam.pass_percent} if exam else {}
    programmes, errors, seen = [], [], {}
    for entry in parsed:
        meta = entry.model.programme
        if meta.id in seen:
            errors.append(ContentError(entry.source, entry.lines.get(("programme", "id")), "programme.id",
                                       f"duplicate programme id '{meta.id}' (also in {seen[meta.id]})"))
            continue
        seen[meta.id] = entry.source
        problems = list(_problems(entry, titles, {t.lesson for t in terms}))
        errors.extend(problems)
        if not problems:
            programmes.append(Programme(meta.id, meta.title, meta.summary,
                                        _definition(entry.model, titles, pass_marks), entry.source))
    return sorted(programmes, key=lambda p: (p.definition["order"], p.id)), errors


def _problems(entry, titles, glossary_lessons):
    requires, error = entry.model.requires, _error_at(entry)
    for index, key in enumerate(requires.lessons):
        if key not in titles["lesson"]:
            yield error(("requires", "lessons", index), f"unknown lesson '{key}'")
    for group, kind in (("quizzes", "quiz"), ("scenarios", "scenario")):
        for index, requirement in enumerate(getattr(requires, group)):
            if requirement.id not in titles[kind]:
                yield error(("requires", group, index, "id"), f"unknown {kind} '{requirement.id}'")
    if requires.exam and requires.exam.id not in titles["exam"]:
        yield error(("requires", "exam", "id"), f"unknown exam '{requires.exam.id}'")
    if requires.glossary:
        for index, key in enumerate(requires.glossary.lessons):
            if key not in titles["lesson"]:
                yield error(("requires", "glossary", "lessons", index), f"unknown lesson '{key}'")
            elif key not in glossary_lessons:
                yield error(("requires", "glossary", "lessons", index), f"no glossary term belongs to lesson '{key}'")
    for group in ("lessons", "quizzes", "scenarios"):
        keys = [v if isinstance(v, str) else v.id for v in getattr(requires, group)]
        for index, key in enumerate(keys):
            if key in keys[:index]:
                yield error(("requires", group, index), f"'{key}' is required twice")
    required = _required_keys(requires)
    for index, change in enumerate(entry.model.material):
        kind, key = change.target
        if (kind, key) not in required:
            yield error(("material", index, kind),
                        f"{kind} '{key}' is not required by this programme (a material change re-tests a requirement)")
    retake = entry.model.programme.retake
    for index, group in enumerate(retake):
        if group in retake[:index]:
            yield error(("programme", "retake", index), f"'{group}' is listed twice")


def _required_keys(requires):
    keys = {("quiz", q.id) for q in requires.quizzes} | {("scenario", s.id) for s in requires.scenarios}
    return keys | ({("exam", requires.exam.id)} if requires.exam else set())


def _error_at(entry):
    def error(where, message):
        probe = where
        while probe and probe not in entry.lines:
            probe = probe[:-1]
        return ContentError(entry.source, entry.lines.get(probe), field_name(where), message)

    return error


def short_title(title):
    """``拼多多客服规则 · 小测`` → ``拼多多客服规则``; ``售后为什么重要：售后的类型…`` → ``售后为什么重要``."""
    for separator in (" · ", "：", ":"):
        title = title.split(separator)[0]
    return title.strip()


def _definition(model, titles, pass_marks):
    requires, meta = model.requires, model.programme
    label = lambda kind, key, given=None: given or short_title(titles[kind][key])  # noqa: E731
    requirements = [{"kind": "lesson", "key": key, "label": label("lesson", key)} for key in requires.lessons]
    requirements += [{"kind": "quiz", "key": q.id, "label": label("quiz", q.id, q.label), "min_percent": q.min_percent}
                     for q in requires.quizzes]
    if requires.exam:
        exam = requires.exam
        requirements.append({"kind": "exam", "key": exam.id, "label": label("exam", exam.id, exam.label),
                             "min_percent": exam.min_percent or pass_marks[exam.id]})
    requirements += [{"kind": "scenario", "key": s.id, "label": label("scenario", s.id, s.label)}
                     for s in requires.scenarios]
    if requires.glossary:
        glossary = requires.glossary
        requirements.append({"kind": "glossary", "key": "glossary", "label": "术语",
                             "min_percent": glossary.min_percent, "min_recall": glossary.min_recall,
                             "lessons": list(glossary.lessons)})
    return {
        "id": meta.id, "title": meta.title, "summary": meta.summary, "order": meta.order,
        "valid_days": meta.valid_days, "renew_days": meta.renew_days,
        "retake": [KIND_OF[group] for group in meta.retake],
        "requirements": requirements,
        "material": [{"kind": c.target[0], "key": c.target[1], "version": c.version, "note": c.note}
                     for c in model.material],
    }
