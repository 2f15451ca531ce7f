"""The validator's problems beside the editor fields they concern.

``authoring.problems_of`` names each problem by its path in the file's data
(``rubric.points[1].aliases[0]``, ``options``, ``items[0].aliases`` for a synonym set, the
item's ``…examples`` for a calibration example); ``show_problems`` walks the form along that
path and puts the problem on the deepest field it reaches, in the trainer's language where the
message is one we know.
"""
import re

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import FieldList, Form, FormField

from ..forms import TrainerForm
from .item_forms import dicts

_PATH = re.compile(r"([^.\[\]]+)|\[(\d+)\]")

#: File keys whose form field has another name.
_RENAMES = {"pass": "pass_mark", "order": "order_points"}  # nosec B105  # form field names, no password


def show_problems(form, problems, data):
    """Put each ``ContentError`` beside the field its path names: a field's own errors, a row's
    or a list's ``form.problems[name]``, and what names no field under ``form.problems[""]``.
    ``form.problem_list`` repeats them all as ``(anchor, where, message)`` for the top of the page."""
    form.problems, form.problem_list = {}, []
    #: Calibration is checked only once everything else is right: then nothing more can appear.
    form.calibration_checked = any((p.field or "").endswith(".examples") for p in problems)
    for problem in problems:
        path, message = _refine(problem.field or "", problem.message, data)
        node = _resolve(form, path)
        text = friendly(message)
        if node is form:
            form.problems.setdefault("", []).append(text)
            form.problem_list.append((None, "", text))
            continue
        if isinstance(node, (FieldList, FormField)):
            form.problems.setdefault(node.name, []).append(text)
        elif text not in node.errors:
            node.errors = [*node.errors, text]
        form.problem_list.append((_anchor(node), _where(node), text))
    return form


_ROW = re.compile(r"^(?:rubric-)?(options|steps|pairs|points|examples|key_points)(?:-(\d+))?")


def _anchor(node):
    """The id to jump to: the field itself, or the row or list (``ie-points-1``)."""
    if not isinstance(node, (FieldList, FormField)):
        return node.id
    match = _ROW.match(node.name)
    return f"ie-{match.group(1)}" + (f"-{match.group(2)}" if match.group(2) else "") if match else f"ie-{node.name}"


def _where(node):
    """Where a problem is, in words: «Key point 2 · Points»."""
    rows = {"options": _l("Option %(n)s"), "steps": _l("Step %(n)s"), "pairs": _l("Pair %(n)s"),
            "points": _l("Key point %(n)s"), "examples": _l("Calibration example %(n)s"),
            "key_points": _l("Key point %(n)s")}
    lists = {"options": _l("Options"), "steps": _l("Steps"), "pairs": _l("Pairs"), "points": _l("Key points"),
             "examples": _l("Calibration examples"), "key_points": _l("Key points"), "rubric": _l("Rubric")}
    match = _ROW.match(node.name)
    if match and match.group(2) is not None:
        row = str(rows[match.group(1)] % {"n": int(match.group(2)) + 1})
        leaf = not isinstance(node, (FieldList, FormField)) and node.name.count("-") > match.group(0).count("-")
        return f"{row} · {node.label.text}" if leaf else row
    if isinstance(node, (FieldList, FormField)):
        return str(lists.get(match.group(1) if match else node.name, node.name))
    return node.label.text


def _refine(field, message, data):
    """A more precise path for the problems the validator reports on the whole item or rubric."""
    whole = re.match(r"^(options|steps|pairs): (.*)$", message)
    if field == "" and whole:
        return whole.group(1), whole.group(2)
    named = re.search(r"needs '(\w+)'|^'(\w+)' does not belong", message)
    if field == "" and named:
        return named.group(1) or named.group(2), message
    if field == "rubric" and ("'order'" in message or "'best" in message or message.startswith("best:")):
        return ("rubric.order" if "'order'" in message else "rubric.best"), message
    synonyms = re.match(r"^items\[\d+\]\.(aliases|reject|all_of)$", field)
    if synonyms:
        return _point_naming(data, synonyms.group(1), message), message
    if re.match(r"^key_points\[\d+\]$", field):
        return field + ".aliases", message
    if field.endswith(".examples") and "«" in message:
        return _example_naming(data, message), message
    return field, message


def _point_naming(data, field, message):
    name = re.search(r"'(@[^']*)'", message)
    points = dicts(((data or {}).get("rubric") or {}).get("points"))
    for index, point in enumerate(points):
        wordings = point.get(field) or []
        flat = [w for g in wordings for w in (g if isinstance(g, list) else [g])]
        if name and name.group(1) in flat:
            return f"rubric.points[{index}].{field}"
    return "rubric.points"


def _example_naming(data, message):
    quoted = message.split("«", 1)[1].split("»", 1)[0]
    examples = dicts(((data or {}).get("rubric") or {}).get("examples"))
    for index, example in enumerate(examples):
        if str(example.get("answer", ""))[:40] == quoted:
            return f"rubric.examples[{index}]"
    return "rubric.examples"


def _resolve(form, path):
    """The deepest form field the path reaches (the form itself for an empty path)."""
    node = form
    for name, index in _PATH.findall(path):
        inner = node.form if isinstance(node, FormField) else node
        if index:
            ok = isinstance(inner, FieldList) and int(index) < len(inner.entries)
            child = inner.entries[int(index)] if ok else None
        else:
            name = _RENAMES.get(name, name)
            child = inner[name] if isinstance(inner, (TrainerForm, Form)) and name in inner else None
        if child is None:
            break
        node = child
    return node


_FRIENDLY = [
    (r"^String should have at least 1 character$|^required field is missing$", lambda m: _("Fill this in.")),
    (r"^List should have at least 1 item", lambda m: _("Give at least one.")),
    (r"^List should have at least (\d+) items", lambda m: _("Give at least %(n)s.", n=m.group(1))),
    (r"^List should have at most (\d+) items", lambda m: _("Give at most %(n)s.", n=m.group(1))),
    (r"^Input should be a valid (number|integer)", lambda m: _("Write a number, such as 1 or 0.5.")),
    (r"^Input should be greater than or equal to (\S+)$", lambda m: _("At least %(n)s.", n=m.group(1))),
    (r"^Input should be greater than (\S+)$", lambda m: _("More than %(n)s.", n=m.group(1))),
    (r"^Input should be less than or equal to (\S+)$", lambda m: _("At most %(n)s.", n=m.group(1))),
    (r"^String should have at most (\d+) characters?$", lambda m: _("At most %(n)s characters.", n=m.group(1))),
    (r"^String should match pattern", lambda m: _("Use lowercase letters, digits and '-' (2 to 64 characters).")),
    (r"^unknown lesson '(.*)'$", lambda m: _("There is no lesson '%(key)s'.", key=m.group(1))),
    (r"^unknown synonym set '(.*)'$", lambda m: _("There is no synonym set '%(name)s'.", name=m.group(1))),
    (r"^a single-choice item has exactly one correct option, not (\d+)$",
     lambda m: _("Mark exactly one option correct (now %(n)s).", n=m.group(1))),
    (r"^mark at least one option correct$", lambda m: _("Mark at least one option correct.")),
    (r"^at least two, all different$", lambda m: _("At least two options, all different.")),
    (r"^3 to 10 different steps$", lambda m: _("3 to 10 steps, all different.")),
    (r"^3 to 8 pairs, no side repeated$", lambda m: _("3 to 8 pairs; no left or right side twice.")),
    (r"^'best: n' goes with", lambda m: _("'Best n' goes with the mode 'best', and that mode needs it.")),
    (r"^best: (\d+) is more than the (\d+) points$",
     lambda m: _("Best %(n)s is more than the %(points)s key points.", n=m.group(1), points=m.group(2))),
    (r"^'order' goes with", lambda m: _("Points for the order go with the mode 'sequence', and that mode needs them.")),
    (r"^grader gives (\S+) where trainers give (\S+) for", lambda m: _(
        "The grader gives %(got)s where trainers give %(expected)s: add the wording this answer uses, "
        "or check the score.", got=m.group(1), expected=m.group(2))),
    (r"^the id must stay '(.*)'$", lambda m: _("The id must stay '%(key)s'; duplicate the item to use another.",
                                              key=m.group(1))),
    (r"^choose the quiz", lambda m: _("Choose the quiz the item belongs to.")),
]


def friendly(message):
    """The validator's message in the trainer's language where we know it; as it is otherwise."""
    for pattern, text in _FRIENDLY:
        match = re.match(pattern, message)
        if match:
            return text(match)
    return message
