from flask import abort, jsonify, redirect, render_template, url_for
from flask_login import current_user

from ...extensions import db
from ...services import attempts, handbook, progress, roleplay
from ..commits import commit_if_written
from . import bp
from .forms import MarkStudiedForm, ReadingTimeForm


def _lesson_or_404(key):
    lesson = progress.get_lesson(key)
    if lesson is None:
        abort(404)
    return lesson


@bp.route("/")
def home():
    """My path through the handbook and how far I am."""
    path = progress.study_path(current_user)
    scenarios, passed = roleplay.assessment_counts(current_user)  # counted in SQL: no run or scenario loaded
    return render_template("study/home.html", path=path, mastered=attempts.mastered_quizzes(current_user),
                           exam=attempts.active_exam(), scenarios=scenarios, scenarios_passed=passed)


@bp.route("/lessons/")
def lessons():
    """The handbook's table of contents with my status on each lesson."""
    return render_template("study/lessons.html", path=progress.study_path(current_user))


@bp.route("/lessons/<key>")
def lesson(key):
    """Read one lesson."""
    book = handbook.current()
    lesson = book.lesson(key) or abort(404)
    state = progress.open_lesson(current_user, lesson)
    commit_if_written()  # a lesson seen a moment ago is not written again
    previous, following = book.neighbours(lesson)
    quizzes = book.quizzes_for(lesson.key)
    return render_template("study/lesson.html", lesson=lesson, progress=state, previous=previous,
                           following=following, form=MarkStudiedForm(), quizzes=quizzes,
                           mastered=attempts.mastered_quizzes(current_user, [quiz.key for quiz in quizzes]))


@bp.route("/lessons/<key>/studied", methods=["POST"])
def mark_studied(key):
    """Mark a lesson as studied (or not), then go on to the next one."""
    book = handbook.current()
    lesson = book.lesson(key) or abort(404)
    form = MarkStudiedForm()
    if not form.validate_on_submit():
        abort(400)
    progress.mark_studied(current_user, lesson, studied=form.wants_studied)
    db.session.commit()
    _, following = book.neighbours(lesson)
    if form.wants_studied and following:
        return redirect(url_for("study.lesson", key=following.key))
    return redirect(url_for("study.lesson", key=lesson.key))


@bp.route("/lessons/<key>/time", methods=["POST"])
def record_time(key):
    """Visible reading time, reported by the page every 30 seconds."""
    lesson = _lesson_or_404(key)
    form = ReadingTimeForm()
    if not form.validate_on_submit():
        return jsonify(error="invalid"), 400
    added = progress.record_time(current_user, lesson, form.seconds.data)
    db.session.commit()
    return jsonify(added=added)
