"""The scenario editor's forms: one structured form that mirrors a scenario file.

WTForms only carries the shape here; what is valid is decided by the core validator that
checks the files (``authoring.problems_of``). ``scenario_data`` converts between this form and
the file's data, and ``scenario_problems`` puts each problem beside the field it names.
"""
from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import (BooleanField, FieldList, Form, FormField, HiddenField, SelectField, SelectMultipleField,
                     StringField, SubmitField, TextAreaField)
from wtforms.fields.choices import Choice, SelectChoice
from wtforms.validators import DataRequired, Length, Regexp, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from ..forms import TrainerForm
from ...core.content.manual import ID_PATTERN
from ...core.content.scenarios import CATEGORIES, KINDS, ORDER_FACTS, RULE_IDS

BANDS = ("angry", "upset", "calm")
#: The lists a trainer adds entries to and removes them from (each entry a sub-form).
LISTS = ("checks", "critical", "stages", "calibration")
SUGGESTION_SLOTS = 4


def _options(pairs):
    """``[(value, label)]`` → the options a select or a set of boxes offers."""
    return [SelectChoice(str(value), label) for value, label in pairs]


def _same(values):
    return _options((value, value) for value in values)


def _category_choices():
    return _same(c for c in CATEGORIES if c != "timing")


class MultiCheckboxField(SelectMultipleField):
    """Several choices as checkboxes (order-card facts, critical rules)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()

    def pre_validate(self, form):
        pass  # an unknown value is the core validator's to report


class FreeSelectField(SelectField):
    """A select whose value, even one not among the choices, is kept and left for the core to judge."""

    def pre_validate(self, form):
        pass

    def iter_choices(self):
        choices = list(super().iter_choices())
        if self.data not in (None, "") and not any(choice.selected for choice in choices):
            choices.append(Choice(value=self.data, label=self.data, selected=True, render_kw={}))
        return choices


# --- sub-forms --------------------------------------------------------------------------------

class LinesForm(Form):
    """A customer line: the text, and optional variants by the customer's mood."""

    default = TextAreaField(_l("Text"), render_kw={"rows": 2})
    angry = TextAreaField(_l("When angry (mood 0–1)"), render_kw={"rows": 2})
    upset = TextAreaField(_l("When unhappy (mood 2)"), render_kw={"rows": 2})
    calm = TextAreaField(_l("When calm (mood 3–4)"), render_kw={"rows": 2})
    #: "variants" when the file wrote the line as ``{default: …}``: kept so, even without variants.
    shape = HiddenField()


class CustomerForm(Form):
    name = StringField(_l("Name"))
    profile = TextAreaField(_l("Profile (shown to the trainee)"), render_kw={"rows": 2})
    mood = FreeSelectField(_l("Mood at the start"), choices=_options([
        ("0", _l("0 Furious")), ("1", _l("1 Angry")), ("2", _l("2 Unhappy")), ("3", _l("3 Calm")),
        ("4", _l("4 Satisfied"))]))
    leaves = FormField(LinesForm, _l("Says when giving up"))
    escalates = FormField(LinesForm, _l("Says after a critical mistake"))


class PolicyForm(Form):
    return_days = StringField(_l("Return window (days)"), render_kw={"inputmode": "numeric"})
    shipping_insurance = BooleanField(_l("Shipping insurance"))
    compensation_limit = StringField(_l("Compensation the agent may give alone (yuan)"),
                                     render_kw={"inputmode": "decimal"})
    after_sales_valid = BooleanField(_l("The customer's after-sales request is valid"))
    notes = TextAreaField(_l("Policy notes, one per line"), render_kw={"rows": 3})


class OrderForm(Form):
    number = StringField(_l("Order number"), render_kw={"inputmode": "numeric"})
    product = StringField(_l("Product"))
    amount = StringField(_l("Amount (yuan)"), render_kw={"inputmode": "decimal"})
    status = StringField(_l("Status"))
    logistics = StringField(_l("Logistics"))
    policy = FormField(PolicyForm, _l("Policy"))


class CheckForm(Form):
    id = StringField(_l("Check id"), render_kw={"autocapitalize": "none", "spellcheck": "false"})
    category = FreeSelectField(_l("Rubric category"), choices=_category_choices)
    label = StringField(_l("What the trainee must achieve"))
    aliases = TextAreaField(_l("Accepted wordings, one per line"), render_kw={"rows": 3})
    all_of = TextAreaField(_l("Must also contain, one group per line (wordings separated by |)"),
                           render_kw={"rows": 2})
    patterns = TextAreaField(_l("Regular expressions, one per line"), render_kw={"rows": 1, "spellcheck": "false"})
    facts = MultiCheckboxField(_l("Order facts that count"), choices=_same(ORDER_FACTS))
    stage = StringField(_l("Counts from stage"), render_kw={"list": "stage-ids", "autocapitalize": "none"})
    within = StringField(_l("Only in the first N replies"), render_kw={"inputmode": "numeric"})
    mood = FreeSelectField(_l("Effect on the mood"), choices=_options([
        ("", _l("category default")), ("-2", "−2"), ("-1", "−1"), ("0", "0"), ("1", "+1"), ("2", "+2")]))
    model = TextAreaField(_l("Model reply (shown when missed)"), render_kw={"rows": 2})
    lesson = StringField(_l("Lesson to reread"), render_kw={"list": "lesson-keys", "autocapitalize": "none"})


class RuleForm(Form):
    """Extra wordings of a shared critical rule, for this scenario."""

    id = FreeSelectField(_l("Critical rule"), choices=_same(RULE_IDS))
    label = StringField(_l("Label"))
    aliases = TextAreaField(_l("Reject phrases, one per line"), render_kw={"rows": 3})
    patterns = TextAreaField(_l("Regular expressions, one per line"), render_kw={"rows": 1, "spellcheck": "false"})
    unless = TextAreaField(_l("Harmless when the reply also says, one per line"), render_kw={"rows": 2})
    applies_if = BooleanField(_l("Only when the customer's request is valid"))
    lesson = StringField(_l("Lesson to reread"), render_kw={"list": "lesson-keys", "autocapitalize": "none"})


class WeightsForm(Form):
    """Rubric weights; all empty means the defaults for the scenario's kind."""

    opening = StringField(_l("Opening"), render_kw={"inputmode": "numeric"})
    empathy = StringField(_l("Empathy"), render_kw={"inputmode": "numeric"})
    facts = StringField(_l("Facts"), render_kw={"inputmode": "numeric"})
    solution = StringField(_l("Solution"), render_kw={"inputmode": "numeric"})
    recovery = StringField(_l("Recovery"), render_kw={"inputmode": "numeric"})
    sales = StringField(_l("Sales"), render_kw={"inputmode": "numeric"})
    closing = StringField(_l("Closing"), render_kw={"inputmode": "numeric"})
    timing = StringField(_l("Timing"), render_kw={"inputmode": "numeric"})


class SuggestionForm(Form):
    text = TextAreaField(_l("Suggested reply"), render_kw={"rows": 2})
    note = StringField(_l("Why it is (not) good"))


class StageForm(Form):
    id = StringField(_l("Stage id"), render_kw={"autocapitalize": "none", "spellcheck": "false"})
    says = FormField(LinesForm, _l("The customer says on reaching it"))
    needs = StringField(_l("Needs (check ids)"), render_kw={"autocapitalize": "none", "spellcheck": "false"})
    insist = FormField(LinesForm, _l("The customer insists while it is open"))
    max_turns = StringField(_l("Replies before the chance is lost"), render_kw={"inputmode": "numeric",
                                                                               "placeholder": "3"})
    if_mood_below = FreeSelectField(_l("Played only when the mood is below"), choices=_options([
        ("", _l("always played")), ("1", "1"), ("2", "2"), ("3", "3"), ("4", "4"), ("5", "5")]))
    hint = TextAreaField(_l("Hint (practice)"), render_kw={"rows": 2})
    suggestions = FieldList(FormField(SuggestionForm), min_entries=SUGGESTION_SLOTS)


class CalibrationForm(Form):
    name = StringField(_l("Transcript name"), render_kw={"autocapitalize": "none", "spellcheck": "false"})
    expect = FreeSelectField(_l("Expected verdict"), choices=_options([
        ("pass", _l("pass")), ("fail", _l("fail")), ("critical", _l("critical"))]))
    rules = MultiCheckboxField(_l("Critical rules it must break"), choices=_same(RULE_IDS))
    replies = TextAreaField(_l("The agent's replies, one per line"), render_kw={"rows": 5})


# --- the editor --------------------------------------------------------------------------------

class ScenarioForm(TrainerForm):
    """The whole scenario file, plus the editor's own fields (revision, publishing note)."""

    #: ``authoring.revision`` when the editor was opened: a save over someone else's is refused.
    revision = HiddenField()
    id = StringField(_l("Id"), render_kw={"readonly": True})
    title = StringField(_l("Title"))
    kind = FreeSelectField(_l("Scenario kind"), choices=_same(KINDS))
    platform = StringField(_l("Platform"), render_kw={"list": "platforms"})
    situation = TextAreaField(_l("Situation (the trainee's brief)"), render_kw={"rows": 4})
    lessons = StringField(_l("Lessons (keys, separated by commas)"), render_kw={"list": "lesson-keys",
                                                                               "autocapitalize": "none"})
    pass_mark = StringField(_l("Pass mark"), render_kw={"inputmode": "numeric", "placeholder": "80"})
    customer = FormField(CustomerForm)
    order = FormField(OrderForm)
    opening = FormField(LinesForm, _l("Opening message"))
    closing = FormField(LinesForm, _l("Closing message"))
    weights = FormField(WeightsForm, _l("Rubric weights"))
    checks = FieldList(FormField(CheckForm))
    critical = FieldList(FormField(RuleForm))
    stages = FieldList(FormField(StageForm))
    calibration = FieldList(FormField(CalibrationForm))
    note = StringField(_l("Note for the history (what changed)"), validators=[Length(max=500)])
    #: Set by the "add a check/stage/…" buttons (``name="add" value="checks"``): re-render with one more.
    add = StringField()
    #: Set by the "remove" buttons (``value="checks-2"``): re-render without that entry.
    remove = StringField()

    def change_entries(self):
        """Apply an "add" or "remove" button; True when one was pressed (then nothing is saved)."""
        if self.add.data in LISTS:
            getattr(self, self.add.data).append_entry()
            return True
        name = (self.remove.data or "").rpartition("-")[0]
        if name in LISTS:
            entries = getattr(self, name).entries
            entries[:] = [entry for entry in entries if entry.name != self.remove.data]
            return True
        return False


class NewScenarioForm(TrainerForm):
    """The id of a new scenario (and of a copy): the file name, fixed once chosen."""

    key = StringField(_l("Id (lowercase letters, digits and hyphens, e.g. refund-scratched-cup)"),
                      validators=[DataRequired(), Length(max=64),
                                  Regexp(ID_PATTERN, message=_l("Use lowercase letters, digits and hyphens."))],
                      render_kw={"autocapitalize": "none", "spellcheck": "false"})
    submit = SubmitField(_l("Create"))

    def __init__(self, *args, taken=lambda key: False, **kwargs):
        super().__init__(*args, **kwargs)
        self._taken = taken

    def validate_key(self, field):
        if self._taken(field.data):
            raise ValidationError(_l("A scenario (or a draft) with this id exists already."))


class ImportForm(TrainerForm):
    file = FileField(_l("Scenario file (.yaml)"), validators=[FileRequired(_l("Choose a file."))])
    submit = SubmitField(_l("Import"))


class DuplicateForm(NewScenarioForm):
    submit = SubmitField(_l("Duplicate"))
