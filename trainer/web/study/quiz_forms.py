"""One answer form per item kind, built for the item at hand.

Choices are shown in an order seeded by the attempt (a reload shows the same page) but
always send the authored position, which is what the graders expect.
"""
import random

from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, RadioField, SelectField, SelectMultipleField, TextAreaField, widgets
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length

from ..forms import TrainerForm

MAX_ANSWER = 2000


class AnswerForm(TrainerForm):
    seq = HiddenField()

    def response(self):
        raise NotImplementedError


class _ChecksField(SelectMultipleField):
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


def _shuffled(values, seed):
    values = list(values)
    random.Random(seed).shuffle(values)  # nosec B311  # the options' order, seeded
    return values


def answer_form(item, seed, **kwargs):
    """The form for ``item``; ``form.response()`` is what the grader takes."""
    builder = {"single": _single, "multiple": _multiple, "true_false": _true_false,
               "ordering": _ordering, "matching": _matching, "short": _short}[item.kind]
    return builder(item, seed)(**kwargs)


def _choices(item, seed):
    return [SelectChoice(str(i), item.options[i].text) for i in _shuffled(range(len(item.options)), seed)]


def _single(item, seed):
    class Form(AnswerForm):
        choice = RadioField(_l("Your answer"), choices=_choices(item, seed),
                            validators=[InputRequired(message=_l("Choose an answer."))])

        def response(self):
            return int(self.choice.data)
    return Form


def _multiple(item, seed):
    class Form(AnswerForm):
        choice = _ChecksField(_l("Choose every right answer"), choices=_choices(item, seed),
                              validators=[DataRequired(message=_l("Choose at least one answer."))])

        def response(self):
            return sorted(int(value) for value in self.choice.data)
    return Form


def _true_false(item, seed):
    class Form(AnswerForm):
        choice = RadioField(_l("Your answer"), choices=[SelectChoice("true", _l("True")), SelectChoice("false", _l("False"))],
                            validators=[InputRequired(message=_l("Choose an answer."))])

        def response(self):
            return self.choice.data == "true"
    return Form


def _ordering(item, seed):
    """A position selector per step: works without JavaScript and with a keyboard."""
    shown = _shuffled(range(len(item.steps)), seed)
    positions = [SelectChoice("", "—")] + [SelectChoice(str(n), str(n + 1)) for n in range(len(item.steps))]
    attrs = {f"step_{i}": SelectField(item.steps[i], choices=positions,
                                      validators=[InputRequired(message=_l("Give every step a place."))])
             for i in shown}

    def validate(self, extra_validators=None):
        ok = TrainerForm.validate(self, extra_validators)
        taken = [getattr(self, f"step_{i}").data for i in range(len(item.steps))]
        if ok and len(set(taken)) != len(taken):
            self.form_errors.append(_l("Each place can be used once."))
            return False
        return ok

    def response(self):
        places = {int(getattr(self, f"step_{i}").data): i for i in range(len(item.steps))}
        return [places[n] for n in sorted(places)]

    return type("Form", (AnswerForm,), {**attrs, "validate": validate, "response": response, "shown": shown})


def _matching(item, seed):
    rights = [SelectChoice("", "—")] + [SelectChoice(str(i), item.pairs[i][1])
                                        for i in _shuffled(range(len(item.pairs)), seed)]
    attrs = {f"left_{i}": SelectField(item.pairs[i][0], choices=rights,
                                      validators=[InputRequired(message=_l("Match every term."))])
             for i in range(len(item.pairs))}

    def response(self):
        return {str(i): int(getattr(self, f"left_{i}").data) for i in range(len(item.pairs))}

    return type("Form", (AnswerForm,), {**attrs, "response": response})


def _short(item, seed):
    class Form(AnswerForm):
        text = TextAreaField(_l("Your answer"), validators=[
            DataRequired(message=_l("Write your answer.")),
            Length(max=MAX_ANSWER, message=_l("At most %(max)d characters.", max=MAX_ANSWER))],
            render_kw={"rows": 6, "maxlength": MAX_ANSWER})

        def response(self):
            return self.text.data.strip()
    return Form

