"""The glossary: terms, their definitions and recall key points, edited as drafts."""
from flask import abort, render_template
from flask_babel import lazy_gettext as _l

from ...services import question_bank
from . import bp, editor
from .views import section

section("author.terms", _l("Glossary"),
        _l("Add and change glossary terms, their other names and the key points a recalled definition "
           "is graded on; try an answer, then publish."))


@bp.route("/glossary")
def terms():
    """Every term and draft, by lesson."""
    return render_template("author/terms.html", entries=question_bank.term_entries(),
                           lessons=dict(question_bank.lesson_choices()))


@bp.route("/glossary/new", methods=["GET", "POST"])
def new_term():
    """A new glossary term."""
    return editor.handle(editor.term_page())


@bp.route("/glossary/<key>", methods=["GET", "POST"])
def edit_term(key):
    """One term: save a draft, try its key points, publish it as a new version."""
    state = question_bank.editing("term", key) or abort(404)
    return editor.handle(editor.term_page(state))


@bp.route("/glossary/<key>/duplicate", methods=["POST"])
def duplicate_term(key):
    """A copy of the term under a new id, as a draft."""
    return editor.duplicate("term", key)


@bp.route("/glossary/<key>/discard", methods=["POST"])
def discard_term(key):
    """Throw away the term's draft."""
    return editor.discard("term", key)


@bp.route("/glossary/<key>/rebase", methods=["POST"])
def rebase_term(key):
    """Base the draft on the version published since it was started."""
    return editor.rebase("term", key)


@bp.route("/glossary/<key>/export")
def export_term(key):
    """The published term as a list of one term (import gives it back)."""
    return editor.export("term", key)


@bp.route("/glossary/import", methods=["GET", "POST"])
def import_terms():
    """Drafts from a glossary file or a list of terms."""
    return editor.import_page("term")
