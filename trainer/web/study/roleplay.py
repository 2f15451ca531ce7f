"""Chat role-plays: the scenario list, a scenario's brief, the chat itself and the debrief.

The chat works as plain form posts (each reply redirects back to the chat); the page script
sends the same form with fetch and swaps in the conversation panel the server renders, so
there is one way of drawing a conversation.
"""
from flask import abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ...extensions import db
from ...services import roleplay
from ..auth.forms import EmptyForm
from . import bp
from .forms import ReplyForm, StartRunForm

RUN_MESSAGES = {
    "finished": lambda: _("This conversation has ended."),
    "out_of_step": lambda: _("The conversation moved on in another tab; here it is as it stands."),
    "empty": lambda: _("Write a reply first."),
    "no_hints_in_assessment": lambda: _("Hints are for practice; an assessment is on your own."),
    "unknown_mode": lambda: _("Choose practice or assessment."),
}


def _own_run(run_id):
    run = roleplay.get_run(run_id)
    if run is None or run.user_id != current_user.id:
        abort(404)
    return run


def _wants_json():
    return request.headers.get("X-Requested-With") == "fetch"


@bp.route("/scenarios")
def scenarios():
    """Every role-play with the trainee's best result in each mode."""
    runs = roleplay.runs_of(current_user)
    return render_template("study/scenarios.html", scenarios=roleplay.active_scenarios(),
                           summary=roleplay.summary(runs))


@bp.route("/scenarios/<key>", methods=["GET", "POST"])
def scenario(key):
    """The brief (customer, order card, what is assessed) and the start buttons."""
    row = roleplay.active_scenario(key) or abort(404)
    form = StartRunForm()
    if form.validate_on_submit():
        run = roleplay.start_run(current_user, row, form.mode.data)
        db.session.commit()
        return redirect(url_for("study.chat", run_id=run.id))
    return render_template("study/scenario.html", row=row, scenario=roleplay.current_scenario(row), form=form,
                           runs=roleplay.runs_of(current_user, key))


@bp.route("/roleplay/<int:run_id>", methods=["GET", "POST"])
def chat(run_id):
    """The conversation: history, order card, mood meter, timer and the reply box."""
    run = _own_run(run_id)
    form = ReplyForm()
    if form.validate_on_submit():
        text = form.text.data
        if form.suggestion.data is not None:
            suggestions = roleplay.suggestions_of(run)
            text = suggestions[form.suggestion.data].text if form.suggestion.data < len(suggestions) else text
        known = None
        try:
            roleplay.take_reply(current_user, run, form.seq.data, text)
            known = run.id, run.status  # read before the commit expires the run: the redirect needs no query
            db.session.commit()
        except roleplay.RoleplayError as error:
            db.session.rollback()
            if not _wants_json():
                flash(RUN_MESSAGES[error.code](), "error")
        return _after_reply(run, known)
    if form.is_submitted() and _wants_json():
        return jsonify(errors={name: [str(e) for e in errors] for name, errors in form.errors.items()}), 400
    if run.status != "open" and request.method == "GET":
        return redirect(url_for("study.debrief", run_id=run.id))
    return render_template("study/chat.html", **_chat_context(run, form))


def _after_reply(run, known=None):
    if _wants_json():
        db.session.refresh(run)
        if run.status != "open":
            return jsonify(finished=True, redirect=url_for("study.debrief", run_id=run.id))
        context = _chat_context(run, ReplyForm())
        return jsonify(finished=False, seq=run.state["replies"] + 1,
                       panel=render_template("study/_conversation.html", **context),
                       suggestions=render_template("study/_suggestions.html", **context))
    run_id, status = known or (run.id, run.status)
    return redirect(url_for("study.chat", run_id=run_id) if status == "open"
                    else url_for("study.debrief", run_id=run_id))


def _chat_context(run, form):
    form.seq.data = run.state["replies"] + 1
    return {"run": run, "scenario": roleplay.scenario_of(run), "state": run.state, "form": form,
            "suggestions": roleplay.suggestions_of(run), "hint": roleplay.hint_of(run) if request.args.get("hint") else None,
            "end_form": EmptyForm()}


@bp.route("/roleplay/<int:run_id>/hint", methods=["POST"])
def chat_hint(run_id):
    """Practice: show what the current stage is after."""
    run = _own_run(run_id)
    EmptyForm().validate_on_submit() or abort(400)
    try:
        roleplay.ask_hint(current_user, run)
        db.session.commit()
    except roleplay.RoleplayError as error:
        flash(RUN_MESSAGES[error.code](), "error")
        return redirect(url_for("study.chat", run_id=run.id))
    return redirect(url_for("study.chat", run_id=run.id, hint=1, _anchor="hint"))


@bp.route("/roleplay/<int:run_id>/end", methods=["POST"])
def chat_end(run_id):
    """End the conversation now and see the debrief."""
    run = _own_run(run_id)
    EmptyForm().validate_on_submit() or abort(400)
    roleplay.stop_run(current_user, run)
    db.session.commit()
    return redirect(url_for("study.debrief", run_id=run.id))


@bp.route("/roleplay/<int:run_id>/debrief")
def debrief(run_id):
    """What went well, what to do better, and the whole conversation."""
    run = _own_run(run_id)
    if run.status == "open":
        return redirect(url_for("study.chat", run_id=run.id))
    return render_template("study/debrief.html", run=run, result=run.debrief, scenario=roleplay.scenario_of(run),
                           lessons=roleplay.lesson_titles())
