"""Item analysis: which questions, rubric key points and role-play checks need checking."""
from flask import abort, render_template
from flask_babel import lazy_gettext as _l

from ...services import item_analysis
from . import bp
from .views import section

section("author.analysis", _l("Item analysis"),
        _l("Facility, discrimination and internal consistency of the exam, every quiz and every role-play, "
           "as Moodle computes them, with the items that need checking."))


@bp.route("/analysis")
def analysis():
    """The exam, every quiz and every role-play: attempts, and how many items need checking."""
    return render_template("author/analysis.html", analyses=item_analysis.overview(), limits=item_analysis.LIMITS)


@bp.route("/analysis/<any(exam, quiz, scenario):kind>/<key>")
def analysis_detail(kind, key):
    """One exam, quiz or role-play: each item's figures with its key points or checks, and the CIC."""
    found = item_analysis.analysis(kind, key)
    if found is None:
        abort(404)
    return render_template("author/analysis_detail.html", analysis=found, limits=item_analysis.LIMITS,
                           order=item_analysis.ORDER)
