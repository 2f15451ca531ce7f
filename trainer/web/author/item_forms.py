"""The question and glossary-term editors: forms that mirror the file format field for field,
and the conversions between a form and the data a quiz file or ``glossary.yaml`` holds.

WTForms only carries the shape. What is valid is decided by the validator that checks the
files (``authoring.problems_of``); ``item_problems.show_problems`` puts each problem beside the
field its path names. Numbers that are not numbers are kept as typed, so the validator names the problem and
nothing the trainer typed is lost. Rows are added, removed and moved by submit buttons
(``change_rows``), so the editor works without JavaScript.
"""
import re

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import (BooleanField, FieldList, Form, FormField, HiddenField, RadioField, SelectField, StringField,
                     TextAreaField)
from wtforms.validators import DataRequired, Length, Optional, Regexp

from ..forms import TrainerForm
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


class FreeSelectField(SelectField):
    """A select whose value, even one not among its choices, is left for the validator to judge."""

    def pre_validate(self, form):
        pass


# --- sub-forms --------------------------------------------------------------------------------

class OptionForm(Form):
    text = TextAreaField(_l("Option"), render_kw={"rows": 2})
    correct = BooleanField(_l("Correct option"))


class PairForm(Form):
    left = StringField(_l("Left"))
    right = TextAreaField(_l("Right"), render_kw={"rows": 2})


class PointForm(Form):
    #: Kept as the file had it (points are named p1, p2 … when it has none).
    id = HiddenField()
    label = StringField(_l("Key point (shown to trainees)"))
    points = StringField(_l("Point value"), render_kw={"inputmode": "decimal"})
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
    pass_mark = StringField(_l("Pass mark (optional; default 60 percent of the maximum)"), render_kw={"inputmode": "decimal"})
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

class _EditorForm(TrainerForm):
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


class DuplicateForm(TrainerForm):
    new_key = StringField(_l("Id of the copy"), validators=[
        DataRequired(), Regexp(ID_PATTERN, message=_l("Use lowercase letters, digits and '-' (2 to 64 characters)."))])


class ImportForm(TrainerForm):
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
                          for o in dicts(data.get("options"))],
              "answer": _shown(data["answer"]) if isinstance(data.get("answer"), bool) else None,
              "steps": [_shown(s) for s in data.get("steps") or []],
              "pairs": [{"left": _shown(p.get("left")), "right": _shown(p.get("right"))} for p in dicts(data.get("pairs"))]}
    rubric = data.get("rubric") if isinstance(data.get("rubric"), dict) else {}
    order = rubric.get("order") if isinstance(rubric.get("order"), dict) else {}
    values["rubric"] = {
        "mode": rubric.get("mode", "sum"), "best": _shown(rubric.get("best")), "step": _shown(rubric.get("step")),
        "pass_mark": _shown(rubric.get("pass")), "order_points": _shown(order.get("points")),
        "model_answer": _shown(rubric.get("model_answer")),
        "points": [{"id": _shown(p.get("id")), "label": _shown(p.get("label")), "points": _shown(p.get("points")),
                    "aliases": _shown(p.get("aliases")), "reject": _shown(p.get("reject")),
                    "all_of": "\n".join("、".join(map(_shown, g)) for g in p.get("all_of") or [] if isinstance(g, list)),
                    "model": _shown(p.get("model"))} for p in dicts(rubric.get("points"))],
        "examples": [{"answer": _shown(e.get("answer")), "score": _shown(e.get("score")), "note": _shown(e.get("note"))}
                     for e in dicts(rubric.get("examples"))],
    }
    return values


def term_values(data):
    """Keyword data for ``TermForm`` from a term's data."""
    data = data if isinstance(data, dict) else {}
    return {"id": _shown(data.get("id")), "term": _shown(data.get("term")), "aliases": _shown(data.get("aliases")),
            "lesson": _shown(data.get("lesson")), "definition": _shown(data.get("definition")),
            "key_points": [{"label": _shown(p.get("label")), "points": _shown(p.get("points")),
                            "aliases": _shown(p.get("aliases"))} for p in dicts(data.get("key_points"))]}


def dicts(values):
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


def kind_choices():
    return [(kind, KIND_LABELS[kind]) for kind in KINDS]
