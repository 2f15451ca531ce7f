from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, IntegerField, RadioField, StringField, SubmitField, TextAreaField
from wtforms.validators import AnyOf, InputRequired, Length, NumberRange, Optional, ValidationError
from wtforms.widgets import HiddenInput

from ..forms import TrainerForm


class MarkStudiedForm(TrainerForm):
    studied = HiddenField(default="1")

    @property
    def wants_studied(self):
        return self.studied.data != "0"


class ReadingTimeForm(TrainerForm):
    """Sent by the page script with fetch; the CSRF token travels in a header."""

    seconds = IntegerField(validators=[InputRequired(), NumberRange(min=0, max=3600)])


#: A definition recalled in one's own words needs no more.
MAX_RECALL = 1000
MAX_ELAPSED_MS = 60 * 60 * 1000


class DrillAnswerForm(TrainerForm):
    """The answer to one glossary card: a choice, or free text for recall (the prompt decides)."""

    #: The card's review count when it was shown; answering a card rated since is refused.
    version = IntegerField(widget=HiddenInput(), validators=[InputRequired(), NumberRange(min=0)])
    #: Server time in epoch milliseconds when the card was shown.
    shown_at = IntegerField(widget=HiddenInput(), validators=[Optional()])
    choice = RadioField(_l("Your answer"), validators=[InputRequired(message=_l("Choose one of the answers."))])
    answer = TextAreaField(_l("Your answer"), validators=[Length(max=MAX_RECALL)])

    def __init__(self, *args, prompt, **kwargs):
        super().__init__(*args, **kwargs)
        self.prompt = prompt
        if prompt.question.options:
            self.choice.choices = [(option.key, option.text) for option in prompt.question.options]
            del self.answer
        else:
            del self.choice

    def validate_version(self, field):
        if field.data != self.prompt.version:
            raise ValidationError(_l("This card has been rated since it was shown."))

    @property
    def response(self):
        """The chosen term key, or the text typed."""
        return self.choice.data if "choice" in self else (self.answer.data or "").strip()


class DrillRatingForm(TrainerForm):
    """How well the trainee knew the card; carries the answer so the review is stored in full."""

    version = IntegerField(widget=HiddenInput(), validators=[InputRequired(), NumberRange(min=0)])
    response = HiddenField(validators=[Length(max=MAX_RECALL)])
    elapsed_ms = IntegerField(widget=HiddenInput(), validators=[Optional(), NumberRange(min=0, max=MAX_ELAPSED_MS)])
    #: Sent by the button pressed: 1 Again, 2 Hard, 3 Good, 4 Easy (``fsrs.Rating``).
    rating = IntegerField(validators=[InputRequired(), NumberRange(min=1, max=4)])


class StartRunForm(TrainerForm):
    """The brief's two start buttons carry the mode."""

    mode = StringField(validators=[AnyOf(("practice", "assessment"))])


class ReplyForm(TrainerForm):
    """One chat message. ``seq`` is the reply number the page expected: a resent form is stored once."""

    seq = IntegerField(widget=HiddenInput(), validators=[InputRequired(), NumberRange(min=1, max=200)])
    text = TextAreaField(_l("Your reply"), validators=[Length(max=500)],
                         render_kw={"rows": 2, "maxlength": 500, "autocomplete": "off", "enterkeyhint": "send"})
    #: Practice: the index of a suggested reply sent as it is (the suggestion buttons carry it).
    suggestion = IntegerField(validators=[Optional(), NumberRange(min=0, max=3)])
    submit = SubmitField(_l("Send"))

    def validate_text(self, field):
        if not (field.data or "").strip() and self.suggestion.data is None:
            raise ValidationError(_l("Write a reply first."))
