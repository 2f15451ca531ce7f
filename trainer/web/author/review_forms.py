"""Forms of the review queue. The answers a trainer decides travel with the form, so a decision
applies to exactly the answers that were on the screen, not to whatever the group holds later."""
from flask_babel import lazy_gettext as _l
from wtforms import (BooleanField, FloatField, HiddenField, RadioField, SelectField, StringField, SubmitField,
                     TextAreaField)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from ..forms import TrainerForm
from ...core.review import MAX_ALIAS

MAX_TEXT = 1000


def _reason(required=True):
    checks = [DataRequired(message=_l("Say why: the reason goes into the audit."))] if required else [Optional()]
    return TextAreaField(_l("Reason (for the audit)") if required else _l("Reason (optional)"),
                         validators=[*checks, Length(max=MAX_TEXT)], render_kw={"rows": 2, "maxlength": MAX_TEXT})


def _comment():
    return TextAreaField(_l("Comment to the trainee (optional)"), validators=[Optional(), Length(max=MAX_TEXT)],
                         render_kw={"rows": 2, "maxlength": MAX_TEXT})


class _Answers(TrainerForm):
    """The ids of the answers shown, comma-separated."""

    answer_ids = HiddenField(validators=[DataRequired()])

    def validate_answer_ids(self, field):
        if not all(part.isdigit() for part in field.data.split(",")):
            raise ValidationError(_l("The answers on this page could not be read; reload it."))

    def ids(self):
        return [int(part) for part in self.answer_ids.data.split(",")]


class _Scored:
    """A score between 0 and the maximum, given as the ``max_score`` keyword."""

    def __init__(self, *args, max_score, **kwargs):
        super().__init__(*args, **kwargs)
        self.max_score = max_score

    def validate_score(self, field):
        if field.data is not None and not 0 <= field.data <= self.max_score:
            raise ValidationError(_l("Give a score from 0 to %(max)s.", max="%g" % self.max_score))


class AnswerDecisionForm(_Scored, _Answers):
    score = FloatField(_l("Final score"), validators=[InputRequired(message=_l("Give a score."))],
                       render_kw={"inputmode": "decimal"})
    reason = _reason()
    comment = _comment()
    submit = SubmitField(_l("Set this score"))


class RunDecisionForm(_Scored, TrainerForm):
    score = FloatField(_l("Final score"), validators=[InputRequired(message=_l("Give a score."))],
                       render_kw={"inputmode": "decimal"})
    passed = RadioField(_l("Verdict"),
                        choices=[SelectChoice("yes", _l("Passed")), SelectChoice("no", _l("Not passed"))],
                        validators=[InputRequired(message=_l("Choose a verdict."))])
    reason = _reason()
    comment = _comment()
    submit = SubmitField(_l("Set this result"))


class ConfirmRunForm(TrainerForm):
    """Keep the machine's grade; the reason is optional."""

    reason = _reason(required=False)
    comment = _comment()
    submit = SubmitField(_l("Confirm the machine's grade"))


class ConfirmAnswersForm(_Answers, ConfirmRunForm):
    pass


class WordingForm(_Answers):
    """Accept the trainee's wording for a rubric point: first a preview, then apply."""

    point = SelectField(_l("Rubric point it earns"), validators=[InputRequired()])
    wording = StringField(_l("Wording to accept"), validators=[
        DataRequired(message=_l("Write the wording to accept.")),
        Length(max=MAX_ALIAS, message=_l("At most %(max)d characters.", max=MAX_ALIAS))],
        render_kw={"maxlength": MAX_ALIAS})
    reason = _reason()
    comment = _comment()
    regrade = BooleanField(_l("Also re-grade the earlier answers listed in the preview"))
    #: Set by the preview; applying needs it, and is refused when the preview would differ now.
    token = HiddenField()
    preview = SubmitField(_l("Preview"))
    apply = SubmitField(_l("Publish and apply"))

    def __init__(self, *args, points, **kwargs):
        super().__init__(*args, **kwargs)
        self.point.choices = [SelectChoice(value, label) for value, label in points]
