"""The question bank: every quiz's questions, edited as drafts and published as new versions."""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ...core.content.quizzes import KINDS
from ...services import authoring, question_bank
from . import bp, editor
from .item_forms import KIND_LABELS, kind_choices
from .views import section

section("author.items", _l("Questions"),
        _l("Write and change quiz questions of every kind; test a short-answer rubric on real answers, "
           "check its calibration and publish a new version."))


@bp.app_template_filter("item_kind")
def item_kind(kind):
    return KIND_LABELS.get(kind, kind)


@bp.route("/items")
def items():
    """Every quiz with its questions: the published version, where it came from, and drafts."""
    return render_template("author/items.html", groups=question_bank.quiz_groups(), kinds=kind_choices(),
                           quizzes=question_bank.quiz_choices())


@bp.route("/items/new", methods=["GET", "POST"])
def new_item():
    """A new question of the chosen kind in the chosen quiz."""
    quiz, kind = question_bank.quiz(request.args.get("quiz")), request.args.get("kind")
    if quiz is None or kind not in KINDS:
        flash(_("Choose a quiz and a kind of question first."), "error")
        return redirect(url_for("author.items"))
    return editor.handle(editor.item_page(quiz_key=quiz.key, kind=kind))


@bp.route("/items/<key>", methods=["GET", "POST"])
def edit_item(key):
    """One question: save a draft, try its rubric, publish it as a new version."""
    state = question_bank.editing("item", key) or abort(404)
    if state.data.get("kind") not in KINDS:
        flash(_("This draft has no kind the editor knows; discard it or import it again."), "error")
        return redirect(url_for("author.items"))
    return editor.handle(editor.item_page(state))


@bp.route("/items/<key>/duplicate", methods=["POST"])
def duplicate_item(key):
    """A copy of the question under a new id, as a draft."""
    return editor.duplicate("item", key)


@bp.route("/items/<key>/discard", methods=["POST"])
def discard_item(key):
    """Throw away the question's draft."""
    return editor.discard("item", key)


@bp.route("/items/<key>/rebase", methods=["POST"])
def rebase_item(key):
    """Base the draft on the version published since it was started."""
    return editor.rebase("item", key)


@bp.route("/items/<key>/export")
def export_item(key):
    """The published question as a list of one item (import it with a quiz)."""
    return editor.export("item", key)


@bp.route("/quizzes/<key>/export")
def export_quiz(key):
    """The quiz as a file of content/quizzes/ with every published question."""
    try:
        return editor.download(question_bank.export_quiz(key), f"{key}.yaml")
    except authoring.AuthoringError:
        abort(404)


@bp.route("/items/import", methods=["GET", "POST"])
def import_items():
    """Drafts from a quiz file, or from a list of items and the quiz they join."""
    return editor.import_page("item")
