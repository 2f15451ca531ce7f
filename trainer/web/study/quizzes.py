"""Lesson quizzes (practice until mastery) and the final exam (timed, submitted once)."""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ...extensions import db
from ...models import QuizAttempt
from ...models._types import utcnow
from ...services import attempts
from ...services.grading import item_of
from ..access import get_or_404
from ..auth.forms import EmptyForm
from ..commits import commit_if_written
from . import bp
from .quiz_forms import answer_form

ATTEMPT_MESSAGES = {
    "no_attempts_left": lambda: _("You have used every attempt at this exam."),
    "time_up": lambda: _("The time is up: the exam was submitted with the answers you saved."),
    "closed": lambda: _("This attempt is already submitted."),
    "out_of_step": lambda: _("That question was already answered in another tab."),
    "no_such_item": lambda: _("There is no such question in this exam."),
}


def _own_attempt(attempt_id, kind):
    attempt = get_or_404(QuizAttempt, attempt_id)
    if attempt.user_id != current_user.id or attempt.kind != kind:
        abort(404)
    return attempt


def _quiz_or_404(key):
    return attempts.active_quiz(key) or abort(404)


@bp.route("/quizzes/<key>", methods=["GET", "POST"])
def quiz(key):
    """The next question of a lesson quiz; answering shows the feedback."""
    quiz = _quiz_or_404(key)
    attempt = attempts.practice_attempt(current_user, quiz)
    commit_if_written()  # a practice started now is kept even if the answer below fails
    seq, item_key = attempts.next_practice_key(attempt)
    sent = request.form.get("seq", type=int) if request.method == "POST" else None
    if sent is not None and 0 <= sent < seq:
        # a resend of an answer already stored (its page never came back): show its feedback
        return redirect(url_for("study.quiz_feedback", key=key, seq=sent))
    row = attempts.item_rows([item_key])[item_key]
    item = item_of(row)
    form = answer_form(item, attempt.seed + seq, seq=seq)
    if form.validate_on_submit():
        try:
            attempts.answer_practice(current_user, attempt, int(form.seq.data), form.response(), quiz, row=row)
        except attempts.AttemptError as error:
            flash(ATTEMPT_MESSAGES[error.code](), "error")
            return redirect(url_for("study.quiz", key=key))
        db.session.commit()
        return redirect(url_for("study.quiz_feedback", key=key, seq=int(form.seq.data)))
    recent, mastered = attempts.mastery(attempt, quiz)
    return render_template("study/quiz.html", quiz=quiz, item=item, form=form, seq=seq,
                           recent=recent, mastered=mastered)


@bp.route("/quizzes/<key>/answers/<int:seq>")
def quiz_feedback(key, seq):
    """How an answer was scored, and why."""
    quiz = _quiz_or_404(key)
    attempt = attempts.practice_attempt(current_user, quiz)
    answer, row = attempts.practice_answer(attempt, seq) if seq < len(attempt.answers) else (None, None)
    if answer is None:
        return redirect(url_for("study.quiz", key=key))
    item = item_of(row)
    recent, mastered = attempts.mastery(attempt, quiz)
    return render_template("study/quiz_feedback.html", quiz=quiz, item=item, answer=answer,
                           recent=recent, mastered=mastered)


@bp.route("/exam")
def exam():
    """The final exam: rules, attempts left, past results, resume or start."""
    exam = attempts.active_exam() or abort(404)
    overview = attempts.exam_overview(current_user, exam, utcnow())
    db.session.commit()
    return render_template("study/exam.html", exam=exam, overview=overview, form=EmptyForm())


@bp.route("/exam/start", methods=["POST"])
def start_exam():
    """Open a sitting (or resume the open one)."""
    exam = attempts.active_exam() or abort(404)
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        attempt = attempts.start_exam(current_user, exam, utcnow())
    except attempts.AttemptError as error:
        flash(ATTEMPT_MESSAGES[error.code](), "error")
        return redirect(url_for("study.exam"))
    db.session.commit()
    return redirect(url_for("study.exam_item", attempt_id=attempt.id, seq=0))


@bp.route("/exam/<int:attempt_id>/<int:seq>", methods=["GET", "POST"])
def exam_item(attempt_id, seq):
    """One exam question; saving it stores the answer at once."""
    attempt = _own_attempt(attempt_id, "exam")
    if attempt.status != "open" or not 0 <= seq < len(attempt.item_keys):
        return redirect(url_for("study.exam_result", attempt_id=attempt.id))
    item = item_of(attempts.item_rows([attempt.item_keys[seq]])[attempt.item_keys[seq]])
    saved = {a.seq: a for a in attempt.answers}
    form = answer_form(item, attempt.seed + seq, seq=seq, **_saved_fields(item, saved.get(seq)))
    if form.validate_on_submit():
        try:
            attempts.save_exam_answer(current_user, attempt, seq, form.response(), utcnow())
        except attempts.AttemptError as error:
            db.session.commit()
            flash(ATTEMPT_MESSAGES[error.code](), "error")
            return redirect(url_for("study.exam_result", attempt_id=attempt.id))
        db.session.commit()
        following = seq + 1 if request.form.get("go") != "review" and seq + 1 < len(attempt.item_keys) else None
        if following is None:
            return redirect(url_for("study.exam_review", attempt_id=attempt.id))
        return redirect(url_for("study.exam_item", attempt_id=attempt.id, seq=following))
    return render_template("study/exam_item.html", attempt=attempt, item=item, form=form, seq=seq,
                           saved=saved, now=utcnow())


@bp.route("/exam/<int:attempt_id>/review")
def exam_review(attempt_id):
    """Which questions are answered; submit from here."""
    attempt = _own_attempt(attempt_id, "exam")
    if attempt.status != "open":
        return redirect(url_for("study.exam_result", attempt_id=attempt.id))
    return render_template("study/exam_review.html", attempt=attempt, saved={a.seq for a in attempt.answers},
                           form=EmptyForm(), now=utcnow())


@bp.route("/exam/<int:attempt_id>/submit", methods=["POST"])
def submit_exam(attempt_id):
    """Hand in the exam; a second click shows the same result."""
    attempt = _own_attempt(attempt_id, "exam")
    if not EmptyForm().validate_on_submit():
        abort(400)
    attempts.submit_exam(current_user, attempt, utcnow())
    db.session.commit()
    return redirect(url_for("study.exam_result", attempt_id=attempt.id))


@bp.route("/exam/<int:attempt_id>/result")
def exam_result(attempt_id):
    """The score, and feedback on every question."""
    attempt = _own_attempt(attempt_id, "exam")
    if attempt.result is None:
        attempts.exam_overview(current_user, attempts.active_exam(attempt.quiz_key), utcnow())
        db.session.commit()
        if attempt.result is None:
            return redirect(url_for("study.exam_item", attempt_id=attempt.id, seq=0))
    rows = attempts.item_rows(attempt.item_keys)
    items = [(item_of(rows[key]), next((a for a in attempt.answers if a.seq == n), None))
             for n, key in enumerate(attempt.item_keys)]
    return render_template("study/exam_result.html", attempt=attempt, result=attempt.result, items=items)


def _saved_fields(item, answer):
    """Prefill an exam question with the saved answer, so a reload or a later visit shows it."""
    if answer is None or request.method == "POST":
        return {}
    response = answer.response
    if item.kind == "short":
        return {"text": response}
    if item.kind in ("single", "multiple"):
        return {"choice": [str(v) for v in response] if isinstance(response, list) else str(response)}
    if item.kind == "true_false":
        return {"choice": "true" if response else "false"}
    if item.kind == "ordering":
        return {f"step_{step}": str(place) for place, step in enumerate(response)}
    return {f"left_{left}": str(right) for left, right in response.items()}


@bp.app_template_filter("mark_evidence")
def mark_evidence(text, result):
    """The trainee's answer with the words that earned points marked, everything else escaped."""
    from markupsafe import Markup, escape

    spans = sorted(tuple(e["span"]) for e in result.get("points", {}).get("earned", []) if e.get("span"))
    pieces, at = [], 0
    for start, end in spans:
        if start < at:
            continue
        pieces += [escape(text[at:start]), Markup("<mark>"), escape(text[start:end]), Markup("</mark>")]
        at = end
    pieces.append(escape(text[at:]))
    return Markup("").join(pieces)
