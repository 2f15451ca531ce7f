from flask_wtf import FlaskForm
from wtforms import HiddenField, IntegerField
from wtforms.validators import InputRequired, NumberRange


class MarkStudiedForm(FlaskForm):
    studied = HiddenField(default="1")

    @property
    def wants_studied(self):
        return self.studied.data != "0"


class ReadingTimeForm(FlaskForm):
    """Sent by the page script with fetch; the CSRF token travels in a header."""

    seconds = IntegerField(validators=[InputRequired(), NumberRange(min=0, max=3600)])
