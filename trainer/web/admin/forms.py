from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import EmailField, SelectMultipleField, StringField, SubmitField, widgets
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, Length, Optional, Regexp

from ..forms import TrainerForm
from ...core.roster import USERNAME
from ...models import Role

ROLE_LABELS = {
    Role.TRAINEE: _l("Trainee"),
    Role.TRAINER: _l("Trainer"),
    Role.MANAGER: _l("Manager"),
    Role.ADMIN: _l("Administrator"),
}


class RolesField(SelectMultipleField):
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()

    def __init__(self, label=None, **kwargs):
        super().__init__(label, choices=[SelectChoice(role.value, text) for role, text in ROLE_LABELS.items()], **kwargs)


class CreateUserForm(TrainerForm):
    display_name = StringField(_l("Name"), validators=[DataRequired(), Length(max=100)])
    username = StringField(_l("Username"), validators=[
        DataRequired(), Length(min=2, max=64),
        Regexp(USERNAME.pattern, message=_l("Lower-case letters, digits, '.', '_' or '-'.")),
    ], filters=[lambda v: v.strip().lower() if v else v])
    email = EmailField(_l("Email (optional)"), validators=[Optional(), Email(), Length(max=254)])
    cohort = StringField(_l("Cohort (optional)"), validators=[Optional(), Length(max=100)])
    roles = RolesField(_l("Roles"), validators=[DataRequired(message=_l("Choose at least one role."))],
                       default=[Role.TRAINEE.value])
    submit = SubmitField(_l("Create account"))


class RolesForm(TrainerForm):
    roles = RolesField(_l("Roles"), validators=[DataRequired(message=_l("Choose at least one role."))])
    submit = SubmitField(_l("Save roles"))


class RosterForm(TrainerForm):
    file = FileField(_l("Cohort file (CSV)"), validators=[
        FileRequired(), FileAllowed(["csv", "txt"], _l("Upload a .csv file.")),
    ])
    submit = SubmitField(_l("Import"))


#: Cohort-file problems as people read them (codes from ``core.roster.PROBLEMS``).
ROSTER_MESSAGES = {
    "not_text": _l("The file is neither UTF-8 nor GBK text; save it as CSV (UTF-8)."),
    "utf16": _l("The file is UTF-16 (Excel's “Unicode text”); save it as CSV (UTF-8)."),
    "shift_jis": _l("The file looks like Japanese Shift-JIS text; save it as CSV (UTF-8)."),
    "empty_file": _l("The file is empty."),
    "missing_columns": _l("Missing column(s): %(columns)s. The header must be name,username,cohort,email."),
    "too_many_rows": _l("More than %(limit)s rows; split the file."),
    "no_people": _l("The file has a header but no people."),
    "name_invalid": _l("Name: required, at most 100 characters."),
    "username_invalid": _l("Username '%(username)s': 2–64 lower-case letters, digits, '.', '_' or '-'."),
    "username_repeated": _l("Username '%(username)s' appears twice (also line %(line)s)."),
    "username_taken": _l("Username '%(username)s' already has an account."),
    "cohort_invalid": _l("Cohort: required, at most 100 characters."),
    "email_invalid": _l("Email '%(email)s' is not a valid address."),
}
