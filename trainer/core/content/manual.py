"""Handbook chapters: ``content/manual/*.md`` → validated, rendered ``Lesson`` values."""
import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from ..errors import ContentError, ContentInvalid
from .body import check_body, lesson_links
from .rendering import render_markdown
from .source import decode_utf8, read_yaml, validate

ID_PATTERN = r"^[a-z0-9][a-z0-9-]{1,63}$"
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]


class LessonMeta(BaseModel):
    """The front matter of a lesson file."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    id: Annotated[str, StringConstraints(pattern=ID_PATTERN)]
    title: Text
    part: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40)]
    order: Annotated[int, Field(ge=0, le=100_000)]
    minutes: Annotated[int, Field(ge=1, le=240)]
    required: bool
    objectives: Annotated[list[Text], Field(min_length=1, max_length=12)]


@dataclass(frozen=True)
class Lesson:
    id: str
    title: str
    part: str
    order: int
    minutes: int
    required: bool
    objectives: tuple[str, ...]
    html: str
    outline: tuple[tuple[int, str, str], ...]
    #: ``(line, lesson id)`` of every ``lesson:`` link, checked against the handbook.
    links: tuple[tuple[int, str], ...]
    source: str
    #: Changes whenever the file changes; sync compares it to skip unchanged lessons.
    content_hash: str
    #: Line of each front-matter key, so cross-file errors can point at ``id:`` or ``order:``.
    key_lines: dict[str, int] = field(default_factory=dict, compare=False, repr=False)


@dataclass
class _Reading:
    """What one file yielded: a lesson, or errors and (if the front matter said) its id."""

    lesson: Lesson | None
    errors: list
    lesson_id: str | None = None


def load_manual(manual_dir, relative_to):
    """Load every lesson file; return ``(lessons by order, errors)``."""
    lessons, errors, known_ids = [], [], set()
    for path in sorted(Path(manual_dir).glob("*.md")):
        name = str(path.relative_to(relative_to)) if relative_to else str(path)
        reading = _read_lesson(path.read_bytes(), name)
        errors.extend(reading.errors)
        if reading.lesson:
            lessons.append(reading.lesson)
        if reading.lesson_id:
            known_ids.add(reading.lesson_id)
    errors.extend(_cross_check(lessons, known_ids))
    return sorted(lessons, key=lambda lesson: lesson.order), errors


def parse_lesson(data, path):
    """Parse one lesson file's bytes; raise ``ContentInvalid`` with every problem found."""
    reading = _read_lesson(data, path)
    if reading.errors:
        raise ContentInvalid(reading.errors)
    return reading.lesson


def _read_lesson(data, path):
    """Check front matter and body (both, so one pass shows every problem), then build."""
    try:
        text = decode_utf8(data, path).replace("\r\n", "\n")
        front, body, body_line = _split_front_matter(text, path)
    except ContentInvalid as exc:
        return _Reading(None, exc.errors)
    meta, lines, errors, lesson_id = _front_matter(front, path)
    errors += check_body(body, body_line, path)
    if errors:
        return _Reading(None, errors, lesson_id)
    return _Reading(_build(meta, body, body_line, lines, data, path), [], meta.id)


def _front_matter(front, path):
    """``(meta or None, key lines, errors, id)``; the id is kept even when other fields are wrong."""
    values, lines, errors = read_yaml(front, path, first_line=2)
    lesson_id = values.get("id") if isinstance(values, dict) else None
    lesson_id = lesson_id if isinstance(lesson_id, str) else None
    if errors:
        return None, lines, errors, lesson_id
    try:
        return validate(LessonMeta, values, lines, path), lines, [], lesson_id
    except ContentInvalid as exc:
        return None, lines, exc.errors, lesson_id


def _build(meta, body, body_line, lines, data, path):
    rendered = render_markdown(body)
    return Lesson(
        id=meta.id, title=meta.title, part=meta.part, order=meta.order, minutes=meta.minutes,
        required=meta.required, objectives=tuple(meta.objectives), html=rendered.html,
        outline=rendered.outline, links=lesson_links(body, body_line), source=path,
        content_hash=hashlib.sha256(data).hexdigest(),
        key_lines={where[0]: line for where, line in lines.items() if len(where) == 1},
    )


def _split_front_matter(text, path):
    lines = text.split("\n")
    if not lines or lines[0].strip() != "---":
        raise ContentInvalid([ContentError(path, 1, "front matter", "file must start with a '---' line")])
    for index in range(1, len(lines)):
        if lines[index].strip() == "---":
            return "\n".join(lines[1:index]), "\n".join(lines[index + 1:]), index + 2
    raise ContentInvalid([ContentError(path, 1, "front matter", "no closing '---' line")])


_DUPLICATE = {
    "id": "duplicate id '{value}' (also in {other})",
    "order": "order {value} is also used by {other}",
}


def _cross_check(lessons, known_ids):
    """Ids and orders are unique; a link names a lesson file (even one with its own errors)."""
    firsts = {}
    for lesson in lessons:
        for key in _DUPLICATE:
            value = getattr(lesson, key)
            first = firsts.setdefault((key, value), lesson)
            if first is not lesson:
                message = _DUPLICATE[key].format(value=value, other=first.source)
                yield ContentError(lesson.source, lesson.key_lines.get(key), key, message)
    for lesson in lessons:
        for line, target in lesson.links:
            if target not in known_ids:
                yield ContentError(lesson.source, line, "body", f"link to unknown lesson 'lesson:{target}'")
