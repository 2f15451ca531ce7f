"""Strict reading of content files: UTF-8 only, YAML without surprises, schema errors with lines.

YAML's conveniences are traps for authors: ``yes``/``no``/``on``/``off`` silently become
booleans, anchors and aliases make a file depend on itself, and a repeated key silently wins.
Every one of these is an error here, reported as ``file:line: field: message``.
"""
import re

import pydantic
import yaml
from yaml.constructor import ConstructorError, SafeConstructor

from ..errors import ContentError, ContentInvalid

_BOOL_TAG = "tag:yaml.org,2002:bool"
_STRICT_BOOLEANS = {"true", "false"}


def decode_utf8(data, path):
    """Decode a file's bytes, naming the line of the first byte that is not UTF-8."""
    try:
        # Windows editors save "UTF-8" with a byte-order mark; it is not part of the text.
        return data.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ContentInvalid([ContentError(path, line, "", "file is not valid UTF-8 text")]) from None


def parse_yaml(text, path, first_line=1):
    """Parse YAML text into plain values and a map from field path to line number."""
    value, lines, errors = read_yaml(text, path, first_line)
    if errors:
        raise ContentInvalid(errors)
    return value, lines


def read_yaml(text, path, first_line=1):
    """Like ``parse_yaml``, but return ``(values, lines, errors)`` with whatever could be read."""
    offset = first_line - 1
    try:
        anchor = _first_anchor(text, path, offset)
        node = None if anchor else yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        return None, {}, [_syntax_error(exc, path, offset)]
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
    for event, where in _node_events(yaml.parse(text, Loader=yaml.SafeLoader)):
        if isinstance(event, yaml.AliasEvent) or event.anchor:
            line = event.start_mark.line + 1 + offset
            message = "YAML anchors and aliases are not allowed; write the value out"
            return ContentError(path, line, field_name(where), message)
    return None


def _node_events(events):
    """Yield ``(node event, field path)``, following mapping keys and list positions."""
    frames = []
    for event in events:
        if isinstance(event, yaml.CollectionEndEvent):
            frames.pop()
        elif isinstance(event, yaml.NodeEvent):
            where = frames[-1].child(event) if frames else ()
            yield event, where
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
        if node.tag == _BOOL_TAG and node.style is None and node.value.lower() not in _STRICT_BOOLEANS:
            self._error(line, where, f"'{node.value}' would be read as a boolean; write true or false, or quote the text")
            return node.value
        try:
            return self._constructor.construct_object(node, deep=True)
        except ConstructorError as exc:
            self._error(line, where, str(exc.problem))
            return None

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
