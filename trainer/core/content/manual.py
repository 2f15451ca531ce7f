"""Handbook chapters: ``content/manual/*.md`` → validated, rendered ``Lesson`` values."""
import hashlib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from ..errors import ContentError, ContentInvalid
from .rendering import ADMONITION_KINDS, LESSON_LINK, render_markdown
from .source import decode_utf8, parse_yaml, validate

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


def load_manual(manual_dir, relative_to):
    """Load every lesson file; return ``(lessons by order, errors)``."""
    lessons, errors = [], []
    for path in sorted(Path(manual_dir).glob("*.md")):
        name = str(path.relative_to(relative_to)) if relative_to else str(path)
        try:
            lessons.append(parse_lesson(path.read_bytes(), name))
        except ContentInvalid as exc:
            errors.extend(exc.errors)
    errors.extend(_cross_check(lessons))
    return sorted(lessons, key=lambda lesson: lesson.order), errors


def parse_lesson(data, path):
    """Parse one lesson file's bytes; raise ``ContentInvalid`` with every problem found."""
    text = decode_utf8(data, path).replace("\r\n", "\n")
    front, body, body_line = _split_front_matter(text, path)
    values, lines = parse_yaml(front, path, first_line=2)
    meta = validate(LessonMeta, values, lines, path)
    errors = list(_check_body(body, body_line, path))
    if errors:
        raise ContentInvalid(errors)
    rendered = render_markdown(body)
    links = tuple(
        (body_line + body[: m.start()].count("\n"), m.group(1)) for m in LESSON_LINK.finditer(body)
    )
    return Lesson(
        id=meta.id, title=meta.title, part=meta.part, order=meta.order, minutes=meta.minutes,
        required=meta.required, objectives=tuple(meta.objectives), html=rendered.html,
        outline=rendered.outline, links=links, source=path,
        content_hash=hashlib.sha256(data).hexdigest(),
    )


def _split_front_matter(text, path):
    lines = text.split("\n")
    if not lines or lines[0].strip() != "---":
        raise ContentInvalid([ContentError(path, 1, "front matter", "file must start with a '---' line")])
    for index in range(1, len(lines)):
        if lines[index].strip() == "---":
            return "\n".join(lines[1:index]), "\n".join(lines[index + 1:]), index + 2
    raise ContentInvalid([ContentError(path, 1, "front matter", "no closing '---' line")])


_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_FENCE = re.compile(r"^\s*(```|~~~)")
_ADMONITION = re.compile(r"^!!!\s+(\S+)")


def _check_body(body, first_line, path):
    """Headings start at ##, never skip a level, and every section has text."""
    if not body.strip():
        yield ContentError(path, first_line, "body", "the lesson has no text")
        return
    level, open_heading, in_fence = 1, None, False
    for number, line in enumerate(body.split("\n"), start=first_line):
        if _FENCE.match(line):
            in_fence = not in_fence
        if in_fence:
            continue
        heading = _HEADING.match(line)
        if heading:
            new_level, title = len(heading.group(1)), heading.group(2)
            if open_heading and new_level <= open_heading[1]:
                yield ContentError(path, open_heading[0], "body", f"section '{open_heading[2]}' has no text")
            if new_level == 1:
                yield ContentError(path, number, "body", "no '#' headings: the title comes from the front matter; start at '##'")
            elif new_level > level + 1:
                yield ContentError(path, number, "body", f"heading '{title}' skips a level (h{level} → h{new_level})")
            if not title:
                yield ContentError(path, number, "body", "empty heading")
            level, open_heading = new_level, (number, new_level, title)
        elif line.strip():
            open_heading = None
            kind = _ADMONITION.match(line)
            if kind and kind.group(1) not in ADMONITION_KINDS:
                allowed = ", ".join(sorted(ADMONITION_KINDS))
                yield ContentError(path, number, "body", f"unknown block '!!! {kind.group(1)}' (use one of: {allowed})")
    if open_heading:
        yield ContentError(path, open_heading[0], "body", f"section '{open_heading[2]}' has no text")


def _cross_check(lessons):
    by_id, by_order = {}, {}
    for lesson in lessons:
        if lesson.id in by_id:
            yield ContentError(lesson.source, 2, "id", f"duplicate id '{lesson.id}' (also in {by_id[lesson.id].source})")
        by_id.setdefault(lesson.id, lesson)
        if lesson.order in by_order:
            yield ContentError(lesson.source, 2, "order", f"order {lesson.order} is also used by {by_order[lesson.order].source}")
        by_order.setdefault(lesson.order, lesson)
    for lesson in lessons:
        for line, target in lesson.links:
            if target not in by_id:
                yield ContentError(lesson.source, line, "body", f"link to unknown lesson 'lesson:{target}'")
