"""The review queue: what the grader was unsure of, one wording at a time; decisions, accepted wordings, the audit."""
from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from ...core.review import MAX_ALIAS, first_missed, rubric_points
from ...extensions import db
from ...services import review, review_wording
from ..input_guard import page_number
from . import bp
from .review_forms import AnswerDecisionForm, ConfirmAnswersForm, ConfirmRunForm, RunDecisionForm, WordingForm
from .views import section

section("author.review_queue", _l("Review queue"),
        _l("Answers and role-plays the grader was unsure of: decide each wording once, with a reason."))

REFUSALS = {
    "already_decided": lambda: _("Someone has already decided this; here is what is left."),
    "mixed_group": lambda: _("These answers belong to different questions; decide them one group at a time."),
    "score_out_of_range": lambda: _("The score must lie between 0 and the maximum."),
    "reason_required": lambda: _("Say why: the reason goes into the audit."),
    "item_retired": lambda: _("This question is no longer published, so no wording can be added to it."),
    "unknown_point": lambda: _("Choose one of the rubric's points."),
    "empty": lambda: _("Write the wording to accept."),
    "too_long": lambda: _("A wording is at most 200 characters."),
    "already_accepted": lambda: _("This wording is already accepted for that point."),
    "preview_changed": lambda: _("The answers have changed since your preview; check the new preview and apply again."),
    "publish_refused": lambda: _("The question could not be published with this wording: see the problems listed."),
}


def _ids(group):
    return ",".join(map(str, group.ids))


def _open_group(answer_id):
    """The group of a pending answer, or back to the queue when it was decided meanwhile."""
    group = review.answer_group(answer_id)
    if group is None:
        flash(REFUSALS["already_decided"](), "info")
        abort(redirect(url_for("author.review_queue")))
    return group


def _open_run(run_id):
    run = review.pending_run(run_id)
    if run is None:
        flash(REFUSALS["already_decided"](), "info")
        abort(redirect(url_for("author.review_queue")))
    return run


def _refused(error):
    db.session.rollback()
    flash(REFUSALS[error.code](), "error")
    return redirect(url_for("author.review_queue"))


@bp.route("/review")
def review_queue():
    """Every group of answers and every role-play run awaiting a trainer, oldest first."""
    return render_template("author/review_queue.html", queue=review.queue())


@bp.route("/review/answers/<int:answer_id>", methods=["GET", "POST"])
def review_answers(answer_id):
    """One group: its answers, the grader's evidence, and the decision forms."""
    group = _open_group(answer_id)
    form = AnswerDecisionForm(max_score=group.first.max_score, answer_ids=_ids(group))
    if form.validate_on_submit():
        try:
            review.decide_answers(current_user, form.ids(), form.score.data, form.reason.data, form.comment.data)
        except review.ReviewError as error:
            return _refused(error)
        db.session.commit()
        flash(_("Decided: %(n)s answer(s) now score %(score)s.", n=len(form.ids()), score="%g" % form.score.data),
              "success")
        return redirect(url_for("author.review_queue"))
    return render_template("author/review_answers.html", group=group, form=form,
                           confirm=ConfirmAnswersForm(prefix="confirm", answer_ids=_ids(group)),
                           people=review.names({a.attempt.user_id for a in group.answers}))


@bp.route("/review/answers/<int:answer_id>/confirm", methods=["POST"])
def confirm_answers(answer_id):
    """Keep the grader's score for a group."""
    form = ConfirmAnswersForm(prefix="confirm")
    form.validate_on_submit() or abort(400)
    try:
        review.confirm_answers(current_user, form.ids(), form.reason.data, form.comment.data)
    except review.ReviewError as error:
        return _refused(error)
    db.session.commit()
    flash(_("Confirmed: %(n)s answer(s) keep the grader's score.", n=len(form.ids())), "success")
    return redirect(url_for("author.review_queue"))


@bp.route("/review/answers/<int:answer_id>/wording", methods=["GET", "POST"])
def accept_wording(answer_id):
    """Accept the trainee's wording for a rubric point: preview what it would re-grade, then apply."""
    group = _open_group(answer_id)
    item = review.current_item(group.item_key)
    form = WordingForm(points=rubric_points(item.definition), answer_ids=_ids(group),
                       point=first_missed(group.first.result),
                       wording=review.response_text(group.first.response)[:MAX_ALIAS])
    preview = None
    if form.validate_on_submit():
        if form.apply.data and form.token.data and (applied := _apply(form)):
            return applied
        preview = _preview(form)
    return render_template("author/accept_wording.html", group=group, item=item, form=form, preview=preview,
                           people=_people(group, preview))


def _apply(form):
    """Publish the wording and decide; None (the refusal flashed) when the preview is to be shown again."""
    try:
        row, _changes = review_wording.apply_wording(
            current_user, form.ids(), form.point.data, form.wording.data, form.reason.data, form.comment.data,
            form.regrade.data, form.token.data)
    except review.ReviewError as error:
        db.session.rollback()
        flash(REFUSALS[error.code](), "error")
        return None
    db.session.commit()
    flash(_("The wording is accepted: the question is now version %(v)s.", v=row.version), "success")
    return redirect(url_for("author.review_queue"))


def _people(group, preview):
    answers = group.answers + [a for a, _result in (preview.changes if preview else [])]
    return review.names({a.attempt.user_id for a in answers})


def _preview(form):
    """The preview of the form's wording; its token goes back with the form, so applying applies what was seen."""
    try:
        preview = review_wording.preview_wording(form.ids(), form.point.data, form.wording.data)
    except review.ReviewError as error:
        flash(REFUSALS[error.code](), "error")
        return None
    form.token.data = preview.token
    return preview


@bp.route("/review/runs/<int:run_id>", methods=["GET", "POST"])
def review_run(run_id):
    """One role-play run: the transcript, the grader's evidence and the decision forms."""
    run = _open_run(run_id)
    form = RunDecisionForm(max_score=run.debrief.get("max_score", 100))
    if form.validate_on_submit():
        try:
            review.decide_run(current_user, run, form.score.data, form.passed.data == "yes", form.reason.data,
                              form.comment.data)
        except review.ReviewError as error:
            return _refused(error)
        db.session.commit()
        flash(_("Decided: the role-play now counts as %(score)s.", score="%g" % form.score.data), "success")
        return redirect(url_for("author.review_queue"))
    return render_template("author/review_run.html", run=run, result=run.debrief, form=form,
                           confirm=ConfirmRunForm(prefix="confirm"),
                           title=review.scenario_titles([run.scenario_key]).get(run.scenario_key, run.scenario_key))


@bp.route("/review/runs/<int:run_id>/confirm", methods=["POST"])
def confirm_run(run_id):
    """Keep the grader's score and verdict for a run."""
    run = _open_run(run_id)
    form = ConfirmRunForm(prefix="confirm")
    form.validate_on_submit() or abort(400)
    try:
        review.confirm_run(current_user, run, form.reason.data, form.comment.data)
    except review.ReviewError as error:
        return _refused(error)
    db.session.commit()
    flash(_("Confirmed: the role-play keeps the grader's result."), "success")
    return redirect(url_for("author.review_queue"))


@bp.route("/review/audit")
def review_audit():
    """Every change to a grade: who, when, from what to what, why, against which version."""
    page = review.audit_page(page_number())
    return render_template("author/review_audit.html", page=page)
