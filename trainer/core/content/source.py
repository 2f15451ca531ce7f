"""Strict reading of content files: UTF-8 only, YAML without surprises, schema errors with lines.

YAML's conveniences are traps for authors: ``yes``/``no``/``on``/``off`` silently become
booleans, anchors and aliases make a file depend on itself, and a repeated key silently wins.
Every one of these is an error here, reported as ``file:line: field: message``.
"""
import re

import pydantic
import yaml
from yaml.constructor import ConstructorError, SafeConstructor

from ..characters import UNSTORABLE, describe, first_unstorable
from ..errors import ContentError, ContentInvalid

#: Deeper than any content file needs, far below what would exhaust Python's recursion limit.
MAX_DEPTH = 40
#: LibYAML reads ten times faster than PyYAML's Python parser (a 2 MB upload: 2 s instead of 20 s).
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_BOOL_TAG = "tag:yaml.org,2002:bool"
_STRICT_BOOLEANS = {"true", "false"}


def decode_utf8(data, path):
    """Decode a file's bytes, naming the line of the first byte that is not UTF-8 or of the
    first control character (a NUL byte is also what UTF-16 files are full of)."""
    try:
        # Windows editors save "UTF-8" with a byte-order mark; it is not part of the text.
        text = data.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as exc:
        if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
            raise ContentInvalid([ContentError(path, 1, "", "file is UTF-16 text; save it as UTF-8")]) from None
        line = data[: exc.start].count(b"\n") + 1
        raise ContentInvalid([ContentError(path, line, "", "file is not valid UTF-8 text")]) from None
    at = first_unstorable(text)
    if at is not None:
        line = text.count("\n", 0, at) + 1
        raise ContentInvalid([ContentError(path, line, "", f"{describe(text[at])} in the text (is the file UTF-16 "
                                           "or binary?); save it as UTF-8 text")])
    return text


def parse_yaml(text, path, first_line=1):
    """Parse YAML text into plain values and a map from field path to line number."""
    value, lines, errors = read_yaml(text, path, first_line)
    if errors:
        raise ContentInvalid(errors)
    return value, lines


def read_yaml(text, path, first_line=1):
    """Like ``parse_yaml``, but return ``(values, lines, errors)`` with whatever could be read."""
    offset = first_line - 1
    if "\t" in text:  # LibYAML accepts a tab after a colon, PyYAML refuses it: refused either way
        line = text.count("\n", 0, text.index("\t")) + 1 + offset
        return None, {}, [ContentError(path, line, "", "YAML syntax: found character '\\t' (a tab); indent and separate "
                                                       "with spaces")]
    try:
        anchor = _first_anchor(text, path, offset)
        node = None if anchor else yaml.compose(text, Loader=_LOADER)
    except yaml.MarkedYAMLError as exc:
        return None, {}, [_syntax_error(exc, path, offset)]
    except yaml.reader.ReaderError as exc:  # a character YAML refuses, in text that did not come from a file
        line = text.count("\n", 0, exc.position) + 1 + offset
        return None, {}, [ContentError(path, line, "", f"YAML syntax: {describe(chr(exc.character))}")]
    if anchor:
        return None, {}, [anchor]
    if node is None:
        return {}, {(): first_line}, []
    builder = _Builder(path, offset)
    value = builder.build(node, ())
    return value, builder.lines, builder.errors


def _syntax_error(exc, path, offset):
    # A scanner's context mark is where the broken token starts (an unclosed quote's
    # opening line); a parser's is only the enclosing block, so its problem mark is closer.
    token_start = isinstance(exc, yaml.scanner.ScannerError) and exc.context_mark is not None
    mark = exc.context_mark if token_start else (exc.problem_mark or exc.context_mark)
    line = mark.line + 1 + offset if mark else None
    message = f"YAML syntax: {exc.problem}" + (f" ({exc.context})" if token_start else "")
    return ContentError(path, line, "", message)


def _first_anchor(text, path, offset):
    """The first anchor or alias, or nesting deeper than ``MAX_DEPTH`` (found from the event
    stream, before anything is built: a billion-laughs file is never expanded, a deep one never recursed)."""
    for event, where, depth in _node_events(yaml.parse(text, Loader=_LOADER)):
        line = event.start_mark.line + 1 + offset
        if isinstance(event, yaml.AliasEvent) or event.anchor:
            message = "YAML anchors and aliases are not allowed; write the value out"
            return ContentError(path, line, field_name(where), message)
        if depth > MAX_DEPTH:
            return ContentError(path, line, field_name(where[:3]), f"nested more than {MAX_DEPTH} levels deep")
    return None


def _node_events(events):
    """Yield ``(node event, field path, depth)``, following mapping keys and list positions."""
    frames = []
    for event in events:
        if isinstance(event, yaml.CollectionEndEvent):
            frames.pop()
        elif isinstance(event, yaml.NodeEvent):
            where = frames[-1].child(event) if frames else ()
            yield event, where, len(frames)
            if isinstance(event, yaml.CollectionStartEvent):
                frames.append(_Frame(where, isinstance(event, yaml.MappingStartEvent)))


class _Frame:
    """One open mapping or list while walking YAML events."""

    def __init__(self, where, is_mapping):
        self.where, self.is_mapping = where, is_mapping
        self.count, self.key = 0, None

    def child(self, event):
        """The field path of the next node in this collection (a key counts as its own field)."""
        index, self.count = self.count, self.count + 1
        if not self.is_mapping:
            return self.where + (index,)
        if index % 2 == 0:
            self.key = event.value if isinstance(event, yaml.ScalarEvent) else None
        return self.where + (self.key,) if self.key is not None else self.where


class _Builder:
    """Turns a composed YAML node tree into values, collecting errors and line numbers."""

    def __init__(self, path, offset):
        self.path, self.offset = path, offset
        self.errors, self.lines = [], {}
        self._constructor = SafeConstructor()

    def build(self, node, where):
        self.lines[where] = node.start_mark.line + 1 + self.offset
        if isinstance(node, yaml.MappingNode):
            return self._mapping(node, where)
        if isinstance(node, yaml.SequenceNode):
            return [self.build(item, where + (i,)) for i, item in enumerate(node.value)]
        return self._scalar(node, where)

    def _mapping(self, node, where):
        result = {}
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else None
            line = key_node.start_mark.line + 1 + self.offset
            if not isinstance(key, str) or key == "<<":
                self._error(line, where, "keys must be plain text")
                continue
            if key in result:
                self._error(line, where + (key,), "duplicate key (the first one would be silently replaced)")
                continue
            result[key] = self.build(value_node, where + (key,))
            self.lines[where + (key,)] = line
        return result

    def _scalar(self, node, where):
        line = node.start_mark.line + 1 + self.offset
        if node.tag == _BOOL_TAG and not node.style and node.value.lower() not in _STRICT_BOOLEANS:
            self._error(line, where, f"'{node.value}' would be read as a boolean; write true or false, or quote the text")
            return node.value
        try:
            value = self._constructor.construct_object(node, deep=True)
        except ConstructorError as exc:
            self._error(line, where, str(exc.problem))
            return None
        found = UNSTORABLE.search(value) if isinstance(value, str) else None
        if found:
            self._error(line, where, f"{describe(found.group())} (written as an escape such as \\0); remove it")
        return value

    def _error(self, line, where, message):
        self.errors.append(ContentError(self.path, line, field_name(where), message))


def field_name(where):
    """``("objectives", 2)`` → ``objectives[2]``."""
    name = ""
    for part in where:
        name += f"[{part}]" if isinstance(part, int) else (f".{part}" if name else str(part))
    return name


class StrictModel(pydantic.BaseModel):
    """Base of every content schema: unknown keys are errors and no type is coerced."""

    model_config = pydantic.ConfigDict(extra="forbid", strict=True)


_FRIENDLY = {
    "missing": "required field is missing",
    "extra_forbidden": "unknown key",
}


def validate(model, data, lines, path):
    """Validate plain data against a pydantic model, errors naming file, line and field."""
    try:
        return model.model_validate(data)
    except pydantic.ValidationError as exc:
        raise ContentInvalid([_to_content_error(err, lines, path) for err in exc.errors()]) from None


def _to_content_error(err, lines, path):
    where = tuple(part for part in err["loc"] if isinstance(part, (str, int)))
    probe = where
    while probe not in lines and probe:
        probe = probe[:-1]
    message = _FRIENDLY.get(err["type"]) or _clean(err["msg"])
    return ContentError(path, lines.get(probe), field_name(where), message)


def _clean(message):
    return re.sub(r"^(Value error|Assertion failed), ", "", message)
