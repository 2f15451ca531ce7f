"""Grading stored items: built once per item version, then reused for every answer."""
import json

from ..core.content.glossary import build_term
from ..core.content.quizzes import build_item
from ..core.content.scenarios import build_scenario
from ..core.grading import grade

MAX_LINES = 10_000


class GradingInputError(ValueError):
    """A ``trainer grade`` input that cannot be graded; the message names the line."""


_BUILT = {}
_MAX_BUILT = 8192


def _once(kind, key, content_hash, build):
    """Build a core object once per content version; a new version builds anew."""
    cache_key = (kind, key, content_hash)
    built = _BUILT.get(cache_key)
    if built is None:
        if len(_BUILT) >= _MAX_BUILT:
            _BUILT.clear()
        built = _BUILT[cache_key] = build()
    return built


def item_of(row):
    """The core ``Item`` for a ``QuizItem`` row, built once per version (aliases normalised once)."""
    return _once("item", row.key, row.content_hash, lambda: build_item(row.definition))


def scenario_of(key, content_hash, definition):
    """The core ``Scenario`` for a definition, built once per version."""
    return _once("scenario", key, content_hash, lambda: build_scenario(definition))


def scenario_loading(key, content_hash, load_definition):
    """The same, with the definition read (``load_definition()``) only when this version is not built yet."""
    return _once("scenario", key, content_hash, lambda: build_scenario(load_definition()))


def term_of(row):
    """The core ``Term`` for a ``GlossaryTerm`` row, built once per version."""
    return _once("term", row.key, row.content_hash, lambda: build_term(row.data))


def grade_lines(bundle, item_id, data):
    """``trainer grade``: one result dict per JSON line; errors name the line."""
    item = next((i for i in bundle.items if i.id == item_id), None)
    if item is None:
        raise GradingInputError(f"unknown item '{item_id}'")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise GradingInputError("the answers file is not UTF-8") from None
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        if number > MAX_LINES:
            raise GradingInputError(f"line {number}: more than {MAX_LINES} lines")
        try:
            record = json.loads(line)
        except json.JSONDecodeError as error:
            raise GradingInputError(f"line {number}: not JSON ({error.msg})") from None
        if not isinstance(record, dict) or "answer" not in record:
            raise GradingInputError(f'line {number}: expected an object with an "answer" field')
        result = grade(item, record["answer"]).to_dict()
        yield {"line": number, **_grade_fields(result)}


def _grade_fields(result):
    return {key: result[key] for key in ("score", "max_score", "points", "confidence", "needs_review", "reasons",
                                         "passed", "order")}
