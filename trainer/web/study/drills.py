"""The glossary, and the daily review of its terms (spaced repetition with FSRS)."""
from flask import abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ...extensions import db
from ...models._types import utcnow
from ...services import drills
from . import bp
from .forms import DrillAnswerForm, DrillRatingForm


def _today():
    """What the queue depends on: the moment, the daily limit of new terms and the trainees' time zone."""
    config = current_app.config
    return {"now": utcnow(), "new_per_day": config["DRILL_NEW_PER_DAY"],
            "timezone": config["BABEL_DEFAULT_TIMEZONE"]}


@bp.route("/glossary")
def glossary():
    """Every term, grouped by the lesson that teaches it."""
    return render_template("study/glossary.html", groups=drills.glossary(current_user))


@bp.route("/drill")
def drill():
    """Today's review: how many cards wait, or when the next one falls due."""
    return render_template("study/drill.html", queue=drills.queue(current_user, **_today()))


@bp.route("/drill/card")
def drill_card():
    """The next card of today's review; back to the overview when none is left."""
    today = _today()
    prompt = drills.next_card(current_user, **today)
    if prompt is None:
        return redirect(url_for("study.drill"))
    form = DrillAnswerForm(prompt=prompt, version=prompt.version, shown_at=int(today["now"].timestamp() * 1000))
    return render_template("study/drill_card.html", prompt=prompt, form=form, queue=drills.queue(current_user, **today))


@bp.route("/drill/card/<key>", methods=["POST"])
def answer_card(key):
    """Check an answer and show why; nothing is stored until the trainee rates the card."""
    prompt = drills.card_prompt(current_user, key) or abort(404)
    form = DrillAnswerForm(prompt=prompt)
    if not form.validate_on_submit():
        if form.version.errors:  # rated since it was shown: a second tab, or Back after rating
            flash(_("That card was already rated; here is the next one."), "info")
            return redirect(url_for("study.drill_card"))
        return render_template("study/drill_card.html", prompt=prompt, form=form,
                               queue=drills.queue(current_user, **_today()))
    feedback = drills.check_answer(prompt, form.response, form.shown_at.data, utcnow())
    rating = DrillRatingForm(version=prompt.version, response=feedback.response, elapsed_ms=feedback.elapsed_ms)
    return render_template("study/drill_feedback.html", feedback=feedback, form=rating)


@bp.route("/drill/card/<key>/rating", methods=["POST"])
def rate_card(key):
    """Store the review with my rating, reschedule the card, and go on to the next one."""
    term = drills.get_term(key) or abort(404)
    form = DrillRatingForm()
    if not form.validate_on_submit():
        abort(400)
    review = drills.rate_card(current_user, term, form.version.data, form.response.data or "", form.rating.data,
                              utcnow(), elapsed_ms=form.elapsed_ms.data)
    db.session.commit()
    if review is None:
        flash(_("That card was already rated; it counts once."), "info")
    return redirect(url_for("study.drill_card"))
