"""The glossary (``content/glossary.yaml``): terms, their definitions, and recall rubrics."""
from dataclasses import dataclass
from typing import Annotated

from pydantic import Field, StringConstraints

from ..errors import ContentError, ContentInvalid
from ..grading import Rubric
from .manual import ID_PATTERN
from .quizzes import build_rubric
from .source import StrictModel, decode_utf8, parse_yaml, validate
from .synonyms import expand

Id = Annotated[str, StringConstraints(pattern=ID_PATTERN)]
Short = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=60)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=600)]


class KeyPointModel(StrictModel):
    label: Short
    aliases: Annotated[list[Short], Field(min_length=1)]
    points: Annotated[float, Field(gt=0, le=10)] = 1.0


class TermModel(StrictModel):
    id: Id
    term: Short
    aliases: list[Short] = []
    lesson: Id
    definition: Text
    key_points: Annotated[list[KeyPointModel], Field(min_length=1, max_length=6)]


class GlossaryFile(StrictModel):
    version: Annotated[int, Field(ge=1)]
    terms: Annotated[list[TermModel], Field(min_length=1)]


@dataclass(frozen=True)
class Term:
    id: str
    term: str
    aliases: tuple[str, ...]
    lesson: str
    definition: str
    #: Free recall ("what does DSR mean?") is graded against the key points.
    rubric: Rubric
    #: Plain data for the database.
    definition_data: dict
    line: int | None = None


def parse_glossary(data, path, synonyms):
    """``(version, [Term])``; raises ``ContentInvalid`` with every problem."""
    values, lines = parse_yaml(decode_utf8(data, path), path)
    parsed = validate(GlossaryFile, values, lines, path)
    terms, errors, seen = [], [], {}
    for index, model in enumerate(parsed.terms):
        line = lines.get(("terms", index))
        if model.id in seen:
            errors.append(ContentError(path, line, f"terms[{index}].id", f"duplicate id '{model.id}' (also line {seen[model.id]})"))
            continue
        seen[model.id] = line
        data, problems = _term_data(values["terms"][index], model, synonyms, path, line, f"terms[{index}].")
        errors.extend(problems)
        terms.append(build_term(data, line))
    if errors:
        raise ContentInvalid(errors)
    return parsed.version, terms


def term_from_values(raw, synonyms, path):
    """One glossary term given as plain data (the browser editor's) → ``Term``."""
    model = validate(TermModel, raw, {}, path)
    data, problems = _term_data(raw, model, synonyms, path, None, "")
    if problems:
        raise ContentInvalid(problems)
    return build_term(data)


def _term_data(raw, model, synonyms, path, line, field):
    data = model.model_dump()
    errors = []
    for number, point in enumerate(data["key_points"]):
        point["aliases"], problems = expand(point["aliases"], synonyms, path, line, f"{field}key_points[{number}]")
        point["model"] = point["label"]
        errors.extend(problems)
    data["source"] = raw
    return data, errors


def build_term(data, line=None):
    """A ``Term`` from its stored data."""
    rubric = build_rubric({"points": data["key_points"], "step": 0.5, "model_answer": data["definition"]})
    return Term(id=data["id"], term=data["term"], aliases=tuple(data["aliases"]), lesson=data["lesson"],
                definition=data["definition"], rubric=rubric, definition_data=data, line=line)
