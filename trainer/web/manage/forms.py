"""The board's and the team view's filters: GET forms, so a filtered page can be bookmarked and shared."""
from flask_babel import lazy_gettext as _l
from wtforms import Form, IntegerField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, NumberRange, Optional

from ...services.reports import PER_PAGE, SORTS, STATE_ORDER, BoardQuery

STATE_LABELS = {
    "overdue": _l("Overdue"), "expired": _l("Expired"), "retest_due": _l("Re-test due"),
    "awaiting_review": _l("Awaiting review"), "expiring_soon": _l("Expiring soon"), "in_progress": _l("In progress"),
    "not_started": _l("Not started"), "certified": _l("Certified"),
}
SORT_LABELS = {"name": _l("Name"), "cohort": _l("Cohort"), "programme": _l("Programme"), "due": _l("Due date"),
               "exam": _l("Best exam"), "status": _l("Status (most urgent first)")}


class TeamFilterForm(Form):
    """Which cohort and programme; choices come from the manager's scope."""

    class Meta:
        csrf = False

    cohort = SelectField(_l("Cohort"), coerce=lambda v: int(v) if v not in (None, "") else None,
                         validators=[Optional()])
    programme = SelectField(_l("Programme"), validators=[Optional()])

    def __init__(self, formdata, cohorts, programmes, **kwargs):
        super().__init__(formdata, **kwargs)
        self.cohort.choices = [SelectChoice("", _l("All my cohorts"))] + [SelectChoice(c.id, c.name) for c in cohorts]
        self.programme.choices = [SelectChoice("", _l("All programmes"))] + [SelectChoice(p.key, p.title)
                                                                              for p in programmes]

    def cleaned(self):
        """Each field's value, or its default when it is not one of the choices (a stale bookmark)."""
        self.validate()
        return {name: (None if field.errors or field.data in ("", None) else field.data)
                for name, field in self._fields.items()}


class BoardFilterForm(TeamFilterForm):
    status = SelectField(_l("Status"), choices=[SelectChoice("", _l("Any status"))]
                         + [SelectChoice(k, v) for k, v in STATE_LABELS.items()], validators=[Optional()])
    q = StringField(_l("Search by name or username"), validators=[Optional(), Length(max=100)],
                    filters=[lambda v: v.strip() if v else v])
    sort = SelectField(_l("Sort by"), choices=[SelectChoice(k, v) for k, v in SORT_LABELS.items()],
                       validators=[Optional()], default="name")
    order = SelectField(_l("Direction"), choices=[SelectChoice("asc", _l("Ascending")), SelectChoice("desc", _l("Descending"))],
                        validators=[Optional()], default="asc")
    page = IntegerField(validators=[Optional(), NumberRange(min=1, max=100000)], default=1)

    def query(self, per_page=PER_PAGE):
        """The validated filters as the service's ``BoardQuery``."""
        data = self.cleaned()
        return BoardQuery(cohort=data["cohort"], programme=data["programme"], status=data["status"],
                          search=data["q"] or "", sort=data["sort"] or "name", descending=data["order"] == "desc",
                          page=data["page"] or 1, per_page=per_page)


assert set(SORT_LABELS) == set(SORTS) and set(STATE_LABELS) == set(STATE_ORDER)  # nosec B101  # two constant tables agree
