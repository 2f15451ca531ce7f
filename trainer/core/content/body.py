"""A lesson body read line by line the way ``render_markdown`` will read it, before rendering.

The checks follow Python-Markdown's own rules (its fenced-code pattern, ``#`` headings with or
without a space, setext underlines, ``!!!`` with or without a space), so every heading the
renderer would produce is one the checker has seen, with its line number. Headings nested
inside lists, quotes or ``!!!`` blocks are left alone, as before.
"""
import re
from typing import NamedTuple

from markdown.blockprocessors import HRProcessor
from markdown.extensions.fenced_code import FencedBlockPreprocessor

from ..errors import ContentError
from .rendering import ADMONITION_KINDS, LESSON_LINK, LESSON_REFERENCE

_HASH_HEADING = re.compile(r"^(#{1,6})(.*?)#*\s*$")
_UNDERLINE = re.compile(r"^(=+|-+) *$")
_ADMONITION = re.compile(r"^!!! ?([\w-]+)")
_RULE = HRProcessor.SEARCH_RE
#: A code span never crosses a blank line (that would be two paragraphs).
_CODE_SPAN = re.compile(r"(?<!\\)(`+)((?:(?!\n[ \t]*\n).)+?)(?<!`)\1(?!`)", re.DOTALL)
_CODE_INDENT = " " * 4
_H1 = "no '#' headings: the title comes from the front matter; start at '##'"
_H1_SETEXT = "no '#' headings (a '===' underline makes one too): the title comes from the front matter; start at '##'"


class _Line(NamedTuple):
    number: int
    #: 0 for text or code, else the heading level.
    level: int
    #: The line, the heading's title, or "" for code (never checked).
    text: str
    setext: bool = False


def check_body(body, first_line, path):
    """Headings start at ##, never skip a level, every section has text, ``!!!`` kinds are known."""
    if not body.strip():
        yield ContentError(path, first_line, "body", "the lesson has no text")
        return
    level, open_heading = 1, None
    for line in _read_lines(body, first_line):
        if not line.level:
            open_heading = None
            yield from _check_block(line, path)
            continue
        if open_heading and line.level <= open_heading.level:
            yield _no_text(open_heading, path)
        yield from _check_heading(line, level, path)
        level, open_heading = line.level, line
    if open_heading:
        yield _no_text(open_heading, path)


def lesson_links(body, first_line):
    """``(line, lesson id)`` of every ``lesson:`` link, inline or by reference, outside code."""
    text = _without_code(body)
    found = [match for pattern in (LESSON_LINK, LESSON_REFERENCE) for match in pattern.finditer(text)]
    found.sort(key=lambda match: match.start(1))
    return tuple((first_line + text.count("\n", 0, match.start(1)), match.group(1)) for match in found)


def _read_lines(body, first_line):
    """Yield a ``_Line`` for every heading and every non-blank line of text or code."""
    lines, code = body.split("\n"), _fenced_line_indexes(body)
    underlines, block_start, inside = set(), True, None
    for index, line in enumerate(lines):
        number, indented = first_line + index, line.expandtabs(4).startswith(_CODE_INDENT)
        if index in code or index in underlines or not line.strip():
            if index in code:
                yield _Line(number, 0, "")
            block_start, inside = True, None
            continue
        if inside == "table" or (inside == "indented" and indented):
            yield _Line(number, 0, line)
            continue
        # Markdown parses what follows an indented run as a new block.
        block_start = block_start or inside == "indented"
        inside = _opens(lines, index, code, block_start, indented)
        heading = None if inside else _heading(lines, index, code, block_start)
        if heading and heading.setext:
            underlines.add(index + 1)
        yield heading._replace(number=number) if heading else _Line(number, 0, line)
        block_start = bool(heading) or bool(_RULE.match(line))


def _opens(lines, index, code, block_start, indented):
    """Does this line open something whose lines are not headings: a table, code or a '!!!' block?"""
    if _ADMONITION.match(lines[index]) or (block_start and indented):
        return "indented"
    if block_start and _is_table(lines, index, code):
        return "table"
    return None


def _heading(lines, index, code, block_start):
    line = lines[index]
    hashes = _HASH_HEADING.match(line)
    if hashes:
        return _Line(0, len(hashes.group(1)), hashes.group(2).strip())
    if block_start and _has_underline(lines, index, code):
        return _Line(0, 1 if lines[index + 1].startswith("=") else 2, line.strip(), setext=True)
    return None


def _has_underline(lines, index, code):
    """A setext heading: the first line of a block, not code, followed by '===' or '---'."""
    following = index + 1
    return following < len(lines) and following not in code and bool(_UNDERLINE.match(lines[following]))


def _is_table(lines, index, code):
    """A header row with a pipe, then a separator row of pipes, colons and dashes."""
    following = index + 1
    if following >= len(lines) or following in code or "|" not in lines[index]:
        return False
    separator = lines[following].strip()
    return "|" in separator and "-" in separator and set(separator) <= set("|:- ")


def _fenced_line_indexes(body):
    """Indexes of the lines (fences included) that Python-Markdown reads as fenced code."""
    text, indexes = body.expandtabs(4), set()  # Markdown expands tabs before it looks for fences
    for match in FencedBlockPreprocessor.FENCED_BLOCK_RE.finditer(text):
        first, last = text.count("\n", 0, match.start()), text.count("\n", 0, match.end())
        indexes.update(range(first, last + 1))
    return indexes


def _without_code(body):
    """The body with fenced blocks and code spans blanked out; line numbers stay the same."""
    lines = body.split("\n")
    for index in _fenced_line_indexes(body):
        lines[index] = ""
    return _CODE_SPAN.sub(lambda match: re.sub(r"[^\n]", " ", match.group()), "\n".join(lines))


def _check_heading(line, level, path):
    if line.level == 1:
        yield ContentError(path, line.number, "body", _H1_SETEXT if line.setext else _H1)
    elif line.level > level + 1:
        yield ContentError(path, line.number, "body", f"heading '{line.text}' skips a level (h{level} → h{line.level})")
    if not line.text:
        yield ContentError(path, line.number, "body", "empty heading")


def _check_block(line, path):
    kind = _ADMONITION.match(line.text)
    # Python-Markdown lower-cases the kind: '!!! TIP' is a tip.
    if kind and kind.group(1).lower() not in ADMONITION_KINDS:
        allowed = ", ".join(sorted(ADMONITION_KINDS))
        yield ContentError(path, line.number, "body", f"unknown block '!!! {kind.group(1)}' (use one of: {allowed})")


def _no_text(heading, path):
    return ContentError(path, heading.number, "body", f"section '{heading.text}' has no text")
