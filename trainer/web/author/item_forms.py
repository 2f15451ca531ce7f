"""The question and glossary-term editors: forms that mirror the file format field for field,
and the conversions between a form and the data a quiz file or ``glossary.yaml`` holds.

WTForms only carries the shape. What is valid is decided by the validator that checks the
files (``authoring.problems_of``); ``show_problems`` puts each problem beside the field its path
names. Numbers that are not numbers are kept as typed, so the validator names the problem and
nothing the trainer typed is lost. Rows are added, removed and moved by submit buttons
(``change_rows``), so the editor works without JavaScript.
"""
import re

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (BooleanField, FieldList, Form, FormField, HiddenField, RadioField, SelectField, StringField,
                     TextAreaField)
from wtforms.validators import DataRequired, Length, Optional, Regexp

from ...core.content.manual import ID_PATTERN
from ...core.content.quizzes import KINDS

KIND_LABELS = {"single": _l("Single choice"), "multiple": _l("Multiple choice"), "true_false": _l("True or false"),
               "ordering": _l("Ordering"), "matching": _l("Matching"), "short": _l("Short answer")}
MODES = [("sum", _l("sum: every point counts")), ("best", _l("best: only the best n points count")),
         ("sequence", _l("sequence: points in order, order earns points too"))]
#: Rows a new item starts with, per list.
NEW_ROWS = {"options": 4, "steps": 4, "pairs": 3, "points": 3, "examples": 6, "key_points": 2}
_GROUP_SPLIT = re.compile(r"\s*[|,，、;；]\s*")
_WORD_SPLIT = re.compile(r"[\s,，、;；]+")
_ROW_ACTION = re.compile(r"^(add|remove|up):([a-z_]+)(?::(\d+))?$")
_PATH = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


class FreeSelectField(SelectField):
    """A select whose value, even one not among its choices, is left for the validator to judge."""

    def pre_validate(self, form):
        pass


# --- sub-forms --------------------------------------------------------------------------------

class OptionForm(Form):
    text = TextAreaField(_l("Option"), render_kw={"rows": 2})
    correct = BooleanField(_l("Correct"))


class PairForm(Form):
    left = StringField(_l("Left"))
    right = TextAreaField(_l("Right"), render_kw={"rows": 2})


class PointForm(Form):
    #: Kept as the file had it (points are named p1, p2 … when it has none).
    id = HiddenField()
    label = StringField(_l("Key point (shown to trainees)"))
    points = StringField(_l("Points"), render_kw={"inputmode": "decimal"})
    aliases = TextAreaField(_l("Accepted wordings, one per line"), render_kw={"rows": 4},
                            description=_l("Never shown to trainees. @name stands for a shared synonym set."))
    all_of = TextAreaField(_l("Must also contain (optional)"), render_kw={"rows": 2},
                           description=_l("One group per line, its wordings separated by 、 or commas: "
                                          "one wording of every group must be there too."))
    reject = TextAreaField(_l("Known wrong statements (optional), one per line"), render_kw={"rows": 2})
    model = TextAreaField(_l("Model sentence (shown when the point is missed)"), render_kw={"rows": 2})


class ExampleForm(Form):
    answer = TextAreaField(_l("Answer"), render_kw={"rows": 3})
    score = StringField(_l("Score a fair trainer gives"), render_kw={"inputmode": "decimal"})
    note = StringField(_l("Note (optional)"))


class RubricForm(Form):
    mode = FreeSelectField(_l("Mode"), choices=MODES)
    best = StringField(_l("Best n (mode best)"), render_kw={"inputmode": "numeric"})
    step = StringField(_l("Rounded to"), render_kw={"inputmode": "decimal"})
    pass_mark = StringField(_l("Pass mark (optional; default 60 % of the maximum)"), render_kw={"inputmode": "decimal"})
    order_points = StringField(_l("Points for the order (mode sequence)"), render_kw={"inputmode": "decimal"})
    points = FieldList(FormField(PointForm))
    model_answer = TextAreaField(_l("Model answer"), render_kw={"rows": 4})
    examples = FieldList(FormField(ExampleForm))


class KeyPointForm(Form):
    label = StringField(_l("Key point"))
    points = StringField(_l("Points (optional; default 1)"), render_kw={"inputmode": "decimal"})
    aliases = TextAreaField(_l("Accepted wordings, one per line"), render_kw={"rows": 3},
                            description=_l("@name stands for a shared synonym set."))


# --- the editors ------------------------------------------------------------------------------

class _EditorForm(FlaskForm):
    #: What the page was opened on (``authoring.revision``): a save over someone else's is refused.
    revision = HiddenField()
    note = StringField(_l("Note for the history (optional)"), validators=[Length(max=500)])
    trial = TextAreaField(_l("Answer to try"), validators=[Length(max=4000)], render_kw={"rows": 4})

    def lists(self):
        """``{list name: FieldList}`` of the rows this form has."""
        return {}


class ItemForm(_EditorForm):
    """One quiz item; the fields of other kinds are removed."""

    id = StringField(_l("Id"), description=_l("Lowercase letters, digits and '-'; it never changes."))
    lessons = StringField(_l("Lessons (optional)"),
                          description=_l("Lesson ids separated by spaces; empty means the quiz's lessons."))
    prompt = TextAreaField(_l("Question"), render_kw={"rows": 3})
    options = FieldList(FormField(OptionForm))
    answer = RadioField(_l("The statement is"), choices=[("true", _l("True")), ("false", _l("False"))],
                        validators=[Optional()])
    steps = FieldList(StringField(_l("Step")))
    pairs = FieldList(FormField(PairForm))
    explanation = TextAreaField(_l("Explanation (shown after answering)"), render_kw={"rows": 3})
    rubric = FormField(RubricForm)

    def __init__(self, *args, kind, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind = kind
        keep = {"single": "options", "multiple": "options", "true_false": "answer", "ordering": "steps",
                "matching": "pairs", "short": "rubric"}[kind]
        for name in {"options", "answer", "steps", "pairs", "rubric"} - {keep}:
            delattr(self, name)

    def lists(self):
        found = {name: self[name] for name in ("options", "steps", "pairs") if name in self}
        if "rubric" in self:
            found.update(points=self.rubric.form.points, examples=self.rubric.form.examples)
        return found


class TermForm(_EditorForm):
    id = StringField(_l("Id"), description=_l("Lowercase letters, digits and '-'; it never changes."))
    term = StringField(_l("Term"))
    aliases = TextAreaField(_l("Other names, one per line (optional)"), render_kw={"rows": 2})
    lesson = FreeSelectField(_l("Lesson that introduces it"))
    definition = TextAreaField(_l("Definition"), render_kw={"rows": 3})
    key_points = FieldList(FormField(KeyPointForm))

    def __init__(self, *args, lessons=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.kind = "term"
        choices = [("", _("— choose —"))] + [(key, f"{title} ({key})") for key, title in lessons]
        if self.lesson.data and self.lesson.data not in {key for key, _ in lessons}:
            choices.append((self.lesson.data, self.lesson.data))  # an unknown lesson stays visible
        self.lesson.choices = choices

    def lists(self):
        return {"key_points": self.key_points}


class DuplicateForm(FlaskForm):
    new_key = StringField(_l("Id of the copy"), validators=[
        DataRequired(), Regexp(ID_PATTERN, message=_l("Use lowercase letters, digits and '-' (2 to 64 characters)."))])


class ImportForm(FlaskForm):
    file = FileField(_l("File (YAML, UTF-8)"))
    text = TextAreaField(_l("…or paste the text"), render_kw={"rows": 8})
    quiz = SelectField(_l("Quiz the items join (for a list of items)"))

    def __init__(self, *args, quizzes=None, **kwargs):
        super().__init__(*args, **kwargs)
        if quizzes is None:
            del self.quiz
        else:
            self.quiz.choices = [("", _("— from the file —"))] + [(key, f"{title} ({key})") for key, title in quizzes]

    def upload(self):
        """``(bytes, file name)`` of the uploaded file or pasted text, or None when neither was given."""
        if self.file.data and self.file.data.filename:
            return self.file.data.read(), self.file.data.filename
        if (self.text.data or "").strip():
            return self.text.data.replace("\r\n", "\n").encode("utf-8"), "pasted.yaml"
        return None


# --- rows without JavaScript ------------------------------------------------------------------

def change_rows(form, action):
    """Apply a row button (``add:points``, ``remove:options:2``, ``up:steps:1``); False if not one."""
    match = _ROW_ACTION.match(action or "")
    rows = form.lists().get(match.group(2)) if match else None
    if rows is None:
        return False
    op, index = match.group(1), int(match.group(3) or 0)
    if op == "add":
        rows.append_entry()
    elif op == "remove" and index < len(rows):
        rows.pop_entry(index)
    elif op == "up" and 0 < index < len(rows):
        moved = rows.pop_entry(index)
        rows.insert_entry(index - 1, data=moved.data)
    return True


# --- form → data ------------------------------------------------------------------------------

def _text(value):
    return (value or "").replace("\r\n", "\n").strip()


def _lines(value):
    return [line.strip() for line in _text(value).split("\n") if line.strip()]


def _number(value):
    """A number as the file writes it (1, not 1.0), the text as typed if it is none, or None."""
    text = _text(value)
    if not text:
        return None
    try:
        number = float(text)
    except ValueError:
        return text
    return int(number) if number.is_integer() else number


def item_data(form):
    """The item as one entry of a quiz file; empty optional fields are left out."""
    data = {"id": _text(form.id.data), "kind": form.kind}
    lessons = [w for w in _WORD_SPLIT.split(_text(form.lessons.data)) if w]
    if lessons:
        data["lessons"] = lessons
    data["prompt"] = _text(form.prompt.data)
    if "options" in form:
        data["options"] = [{"text": _text(e.form.text.data), **({"correct": True} if e.form.correct.data else {})}
                           for e in form.options]
    if "answer" in form and form.answer.data in ("true", "false"):
        data["answer"] = form.answer.data == "true"
    if "steps" in form:
        data["steps"] = [_text(e.data) for e in form.steps]
    if "pairs" in form:
        data["pairs"] = [{"left": _text(e.form.left.data), "right": _text(e.form.right.data)} for e in form.pairs]
    data["explanation"] = _text(form.explanation.data)
    if "rubric" in form:
        data["rubric"] = _rubric_data(form.rubric.form)
    return data


def _rubric_data(form):
    rubric = {"mode": form.mode.data or "sum"}
    _put(rubric, "best", _number(form.best.data))
    _put(rubric, "step", _number(form.step.data))
    _put(rubric, "pass", _number(form.pass_mark.data))
    rubric["points"] = [_point_data(e.form) for e in form.points]
    order = _number(form.order_points.data)
    if order is not None:
        rubric["order"] = {"points": order}
    rubric["model_answer"] = _text(form.model_answer.data)
    rubric["examples"] = [_example_data(e.form) for e in form.examples]
    return rubric


def _point_data(form):
    point = {"id": form.id.data} if form.id.data else {}
    point["label"] = _text(form.label.data)
    _put(point, "points", _number(form.points.data))
    point["aliases"] = _lines(form.aliases.data)
    groups = [[w for w in _GROUP_SPLIT.split(line) if w] for line in _lines(form.all_of.data)]
    _put(point, "all_of", [g for g in groups if g] or None)
    _put(point, "reject", _lines(form.reject.data) or None)
    point["model"] = _text(form.model.data)
    return point


def _example_data(form):
    example = {"answer": _text(form.answer.data)}
    _put(example, "score", _number(form.score.data))
    _put(example, "note", _text(form.note.data) or None)
    return example


def term_data(form):
    """The term as one entry of ``glossary.yaml``; empty optional fields are left out."""
    data = {"id": _text(form.id.data), "term": _text(form.term.data)}
    _put(data, "aliases", _lines(form.aliases.data) or None)
    data["lesson"] = _text(form.lesson.data)
    data["definition"] = _text(form.definition.data)
    data["key_points"] = []
    for entry in form.key_points:
        point = {"label": _text(entry.form.label.data), "aliases": _lines(entry.form.aliases.data)}
        _put(point, "points", _number(entry.form.points.data))
        data["key_points"].append(point)
    return data


def _put(mapping, key, value):
    if value is not None:
        mapping[key] = value


# --- data → form ------------------------------------------------------------------------------

def _shown(value):
    """A value as the form shows it: numbers without a needless .0, lists one per line."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, list):
        return "\n".join(_shown(v) for v in value)
    return str(value)


def item_values(data):
    """Keyword data for ``ItemForm`` from an item's data (a draft's, as typed, or a file's)."""
    data = data if isinstance(data, dict) else {}
    values = {"id": _shown(data.get("id")), "prompt": _shown(data.get("prompt")),
              "explanation": _shown(data.get("explanation")),
              "lessons": " ".join(map(_shown, data.get("lessons") or [])),
              "options": [{"text": _shown(o.get("text")), "correct": o.get("correct") is True}
                          for o in _dicts(data.get("options"))],
              "answer": _shown(data["answer"]) if isinstance(data.get("answer"), bool) else None,
              "steps": [_shown(s) for s in data.get("steps") or []],
              "pairs": [{"left": _shown(p.get("left")), "right": _shown(p.get("right"))} for p in _dicts(data.get("pairs"))]}
    rubric = data.get("rubric") if isinstance(data.get("rubric"), dict) else {}
    order = rubric.get("order") if isinstance(rubric.get("order"), dict) else {}
    values["rubric"] = {
        "mode": rubric.get("mode", "sum"), "best": _shown(rubric.get("best")), "step": _shown(rubric.get("step")),
        "pass_mark": _shown(rubric.get("pass")), "order_points": _shown(order.get("points")),
        "model_answer": _shown(rubric.get("model_answer")),
        "points": [{"id": _shown(p.get("id")), "label": _shown(p.get("label")), "points": _shown(p.get("points")),
                    "aliases": _shown(p.get("aliases")), "reject": _shown(p.get("reject")),
                    "all_of": "\n".join("、".join(map(_shown, g)) for g in p.get("all_of") or [] if isinstance(g, list)),
                    "model": _shown(p.get("model"))} for p in _dicts(rubric.get("points"))],
        "examples": [{"answer": _shown(e.get("answer")), "score": _shown(e.get("score")), "note": _shown(e.get("note"))}
                     for e in _dicts(rubric.get("examples"))],
    }
    return values


def term_values(data):
    """Keyword data for ``TermForm`` from a term's data."""
    data = data if isinstance(data, dict) else {}
    return {"id": _shown(data.get("id")), "term": _shown(data.get("term")), "aliases": _shown(data.get("aliases")),
            "lesson": _shown(data.get("lesson")), "definition": _shown(data.get("definition")),
            "key_points": [{"label": _shown(p.get("label")), "points": _shown(p.get("points")),
                            "aliases": _shown(p.get("aliases"))} for p in _dicts(data.get("key_points"))]}


def _dicts(values):
    return [v for v in values or [] if isinstance(v, dict)]


def blank_item(kind):
    """The data a new item of ``kind`` starts from: empty rows to fill in."""
    data = {"kind": kind}
    if kind in ("single", "multiple"):
        data["options"] = [{"text": ""} for _ in range(NEW_ROWS["options"])]
    elif kind == "ordering":
        data["steps"] = [""] * NEW_ROWS["steps"]
    elif kind == "matching":
        data["pairs"] = [{"left": "", "right": ""} for _ in range(NEW_ROWS["pairs"])]
    elif kind == "short":
        data["rubric"] = {"mode": "sum", "step": 0.5, "points": [{} for _ in range(NEW_ROWS["points"])],
                          "examples": [{} for _ in range(NEW_ROWS["examples"])]}
    return data


def blank_term():
    return {"key_points": [{} for _ in range(NEW_ROWS["key_points"])]}


# --- problems beside their fields -------------------------------------------------------------

#: File keys whose form field has another name.
_RENAMES = {"pass": "pass_mark", "order": "order_points"}


def show_problems(form, problems, data):
    """Put each ``ContentError`` beside the field its path names: a field's own errors, a row's
    or a list's ``form.problems[name]``, and what names no field under ``form.problems[""]``.
    ``form.problem_list`` repeats them all as ``(anchor, where, message)`` for the top of the page."""
    form.problems, form.problem_list = {}, []
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
    points = _dicts(((data or {}).get("rubric") or {}).get("points"))
    for index, point in enumerate(points):
        wordings = point.get(field) or []
        flat = [w for g in wordings for w in (g if isinstance(g, list) else [g])]
        if name and name.group(1) in flat:
            return f"rubric.points[{index}].{field}"
    return "rubric.points"


def _example_naming(data, message):
    quoted = message.split("«", 1)[1].split("»", 1)[0]
    examples = _dicts(((data or {}).get("rubric") or {}).get("examples"))
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
            child = inner[name] if isinstance(inner, (FlaskForm, Form)) and name in inner else None
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


def kind_choices():
    return [(kind, KIND_LABELS[kind]) for kind in KINDS]
