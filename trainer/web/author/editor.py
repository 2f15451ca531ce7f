"""What the question and glossary-term editors share: one form, several buttons.

Every button submits the whole form, so nothing typed is lost whatever is pressed: *Save draft*
and *Publish* store it; the row buttons, the rubric tester, the calibration check and the
synonym suggestions work on what is on the screen and store nothing (the page says so).
"""
import re
from dataclasses import dataclass, field

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from werkzeug.routing import BuildError

from ...core.content.manual import ID_PATTERN
from ...core.errors import ContentError
from ...extensions import db
from ...services import authoring, question_bank, rubric_checks
from ..auth.forms import EmptyForm
from . import bp
from .item_forms import (DuplicateForm, ImportForm, ItemForm, TermForm, blank_item, blank_term, change_rows, item_data, item_values,
                         term_data, term_values)
from .item_problems import show_problems

REFUSALS = {
    "stale": lambda: _("Someone published a newer version since this draft was started. Compare them in the "
                       "history, then base your draft on the new version or discard it."),
    "unchanged": lambda: _("Nothing changed since the published version."),
    "key_taken": lambda: _("Something with this id was published meanwhile; duplicate your draft under another id."),
    "no_draft": lambda: _("There is no draft to publish."),
    "conflict": lambda: _("Someone saved or published this since you opened it, so your changes are not saved yet. "
                          "They are still below: save anyway to replace theirs, or open the page again to see them."),
    "invalid": lambda: _("Your draft is saved, but it cannot be published yet."),
}


EDIT_ENDPOINTS = {"item": "author.edit_item", "term": "author.edit_term"}


@bp.app_template_global()
def content_history_url(kind, key):
    """The generic history page of ``kind``/``key`` (linked by its path until that page exists)."""
    try:
        return url_for("author.history", kind=kind, key=key)
    except BuildError:
        return f"/author/history/{kind}/{key}"


@dataclass
class Page:
    """One editor page: a new item or term (``key`` None) or an existing one (``state``)."""

    kind: str
    form: object
    key: str | None = None
    state: question_bank.Editing | None = None
    quiz_key: str | None = None
    extra: dict = field(default_factory=dict)

    @property
    def edit_endpoint(self):
        return EDIT_ENDPOINTS[self.kind]

    def data(self):
        return item_data(self.form) if self.kind == "item" else term_data(self.form)

    def url(self):
        return url_for(self.edit_endpoint, key=self.key) if self.key else request.full_path

    def render(self, problems=None, **extra):
        data = self.data()
        if problems is None and self.state is not None and self.state.draft is not None:
            problems = authoring.problems_of(self.kind, self.state.draft.data, self.quiz_key)
        show_problems(self.form, problems or [], data)
        unsaved = self.form.is_submitted() and (self.state is None or data != self.state.data)
        template = "author/item_edit.html" if self.kind == "item" else "author/term_edit.html"
        return render_template(template, page=self, form=self.form, unsaved=unsaved, duplicate_form=DuplicateForm(),
                               empty_form=EmptyForm(), **{**self.extra, **extra})


def item_page(state=None, quiz_key=None, kind=None):
    values = None
    if request.method == "GET":
        values = item_values(state.data if state else blank_item(kind))
    form = ItemForm(kind=state.data["kind"] if state else kind, data=values,
                    revision=state.revision if state else "")
    return Page("item", form, key=state.key if state else None, state=state,
                quiz_key=state.quiz_key if state else quiz_key)


def term_page(state=None):
    values = None
    if request.method == "GET":
        values = term_values(state.data if state else blank_term())
    form = TermForm(data=values, lessons=question_bank.lesson_choices(), revision=state.revision if state else "")
    return Page("term", form, key=state.key if state else None, state=state)


def handle(page):
    """Run the button pressed on an editor page, or show it."""
    if not page.form.validate_on_submit():
        return page.render()
    action = request.form.get("action", "save")
    if change_rows(page.form, action):
        return page.render(problems=[])
    name, _sep, argument = action.partition(":")
    return ACTIONS.get(name, save)(page, argument)


def _new_key(page):
    """The id typed on a new page, if it can be used; else the id field says why."""
    key = (page.form.id.data or "").strip()
    if not re.match(ID_PATTERN, key):
        page.form.id.errors = [_("Use lowercase letters, digits and '-' (2 to 64 characters).")]
    elif question_bank.key_taken(page.kind, key):
        page.form.id.errors = [_("This id is already used; choose another.")]
    else:
        return key
    return None


def _store(page, key, force=False):
    """Save the form as the draft of ``key``; an ``AuthoringError("conflict")`` leaves nothing stored."""
    expected = None if force else (page.form.revision.data or "")
    authoring.save_draft(current_user, page.kind, key, page.data(), quiz_key=page.quiz_key, expected=expected)
    db.session.commit()


def save(page, argument=""):
    """Store the form as the draft; trainees still see the published version."""
    key = page.key or _new_key(page)
    if key is None:
        return page.render(problems=[])
    try:
        _store(page, key, force=argument == "force")
    except authoring.AuthoringError as error:
        db.session.rollback()
        return page.render(problems=[], refused=error.code, refusal=REFUSALS[error.code]())
    flash(_("Draft saved. Trainees still see the published version."), "success")
    return redirect(url_for(page.edit_endpoint, key=key))


def publish(page, argument=""):
    """Save the form as the draft, then publish it as a new version (or say why not)."""
    key = page.key or _new_key(page)
    if key is None:
        return page.render(problems=[])
    try:
        _store(page, key)
        row = authoring.publish(current_user, page.kind, key, note=(page.form.note.data or "").strip())
    except authoring.AuthoringError as error:
        db.session.rollback()
        return _refused(page, key, error)
    db.session.commit()
    flash(_("Published as version %(n)s.", n=row.version), "success")
    return redirect(url_for(page.edit_endpoint, key=key))


def _refused(page, key, error):
    if error.code != "conflict":  # the draft was saved: the page now edits it
        page.key, page.state = key, question_bank.editing(page.kind, key)
        page.form.revision.data = page.state.revision
    return page.render(problems=error.errors, refused=error.code, refusal=REFUSALS[error.code]())


def test_answer(page, argument=""):
    """The rubric tester: the pasted answer graded against the rubric on the screen."""
    answer = (page.form.trial.data or "").strip()
    if not answer:
        page.form.trial.errors = [_("Paste or write an answer to try.")]
        return page.render(problems=[])
    result, problems = rubric_checks.try_answer(page.kind, page.data(), page.quiz_key, answer)
    return page.render(problems=problems, trial=result, trial_answer=answer, trial_failed=result is None)


def check_calibration(page, argument=""):
    """Every calibration example graded against the rubric on the screen, with QWK and MAE."""
    report, problems = rubric_checks.calibration(page.data(), page.quiz_key)
    return page.render(problems=problems, calibration=report, calibration_failed=report is None)


def suggest_wordings(page, argument=""):
    """Candidate wordings for one key point, from the calibration answers (to add by hand)."""
    number = int(argument) if argument.isdigit() else -1
    found, problems = rubric_checks.suggestions(page.data(), page.quiz_key, number)
    return page.render(problems=problems, suggestions=found, suggestions_failed=found is None)


ACTIONS = {"save": save, "publish": publish, "test": test_answer, "calibrate": check_calibration,
           "suggest": suggest_wordings}


# --- what the list pages and the editors' side panels do ------------------------------------

LIST_ENDPOINTS = {"item": "author.items", "term": "author.terms"}


def duplicate(kind, key):
    """A new draft copied from ``key`` under the id typed; then its editor."""
    form = DuplicateForm()
    if not form.validate_on_submit():
        flash(form.new_key.errors[0] if form.new_key.errors else _("Give the copy an id."), "error")
        return redirect(url_for(EDIT_ENDPOINTS[kind], key=key))
    try:
        authoring.duplicate(current_user, kind, key, form.new_key.data.strip())
    except authoring.AuthoringError as error:
        db.session.rollback()
        flash(_("This id is already used; choose another.") if error.code == "key_taken" else _("Nothing to copy."),
              "error")
        return redirect(url_for(EDIT_ENDPOINTS[kind], key=key))
    db.session.commit()
    flash(_("Copied as a new draft. Publish it when it is ready."), "success")
    return redirect(url_for(EDIT_ENDPOINTS[kind], key=form.new_key.data.strip()))


def discard(kind, key):
    """Throw the draft away; the published version (if any) stays as it is."""
    if not EmptyForm().validate_on_submit():
        return redirect(url_for(EDIT_ENDPOINTS[kind], key=key))
    authoring.discard(current_user, kind, key)
    db.session.commit()
    flash(_("Draft discarded."), "success")
    published = authoring.row_of(kind, key) is not None
    return redirect(url_for(EDIT_ENDPOINTS[kind], key=key) if published else url_for(LIST_ENDPOINTS[kind]))


def rebase(kind, key):
    """Base the draft on the version published since it was started, so it can be published."""
    if EmptyForm().validate_on_submit():
        try:
            authoring.rebase(current_user, kind, key)
        except authoring.AuthoringError:
            db.session.rollback()
            flash(_("There is no draft to publish."), "error")
        else:
            db.session.commit()
            flash(_("Your draft is now based on the latest version; publishing it replaces that version."), "success")
    return redirect(url_for(EDIT_ENDPOINTS[kind], key=key))


def download(text, name):
    """A file to save into ``content/``."""
    return Response(text, mimetype="text/yaml", headers={"Content-Disposition": f'attachment; filename="{name}"'})


def export(kind, key):
    try:
        return download(authoring.export(kind, key), f"{key}.yaml")
    except (authoring.AuthoringError, ValueError):
        abort(404)


def import_page(kind):
    """Drafts from an uploaded or pasted file: every entry valid, or nothing imported."""
    form = ImportForm(quizzes=question_bank.quiz_choices() if kind == "item" else None)
    errors = []
    if form.validate_on_submit():
        upload = form.upload()
        if upload is None:
            form.file.errors = [_("Choose a file or paste its text.")]
        else:
            quiz_key = (form.quiz.data or None) if "quiz" in form else None
            try:
                drafts = authoring.import_file(current_user, kind, upload[0], upload[1], quiz_key=quiz_key)
            except authoring.AuthoringError as error:
                db.session.rollback()
                errors = error.errors or [ContentError(upload[1], None, "", _("Nothing to import."))]
            else:
                db.session.commit()
                flash(ngettext("Imported %(num)s draft; check and publish it.",
                               "Imported %(num)s drafts; check and publish each.", len(drafts)), "success")
                return redirect(url_for(LIST_ENDPOINTS[kind]))
    refused = form.is_submitted()  # posted and not imported: the page says why (as the scenario import does)
    return render_template("author/content_import.html", form=form, kind=kind, errors=errors), 400 if refused else 200
