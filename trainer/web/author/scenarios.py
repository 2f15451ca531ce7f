"""The scenario editor: list, create from a template, duplicate, import and export files, edit a
draft, play-test it in the real chat, publish it, and keep a play-test as a calibration transcript.

Every save stores the draft as typed; what is wrong with it is shown beside each field by the
same validator the content files go through, and publishing is refused until nothing is.
"""
from flask import Response, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from ...core.errors import ContentInvalid
from ...extensions import db
from ...models import RoleplayRun
from ...services import authoring, roleplay
from ..access import get_or_404
from ..auth.forms import EmptyForm
from . import bp
from .history import message
from .scenario_data import data_of, form_data
from .scenario_forms import DuplicateForm, ImportForm, NewScenarioForm, ScenarioForm
from .scenario_template import template
from .views import section

KIND = "scenario"

section("author.scenarios", _l("Role-play scenarios"),
        _l("Create, edit and duplicate role-plays, play-test a draft in the chat, publish it, and import or export "
           "the YAML files."))


@bp.route("/scenarios")
def scenarios():
    """Published scenarios with their version and origin, and every draft."""
    return _list_page(ImportForm())


@bp.route("/scenarios/new", methods=["GET", "POST"])
def new_scenario():
    """Choose the id of a new scenario; it starts as a draft from the refund template."""
    form = NewScenarioForm(taken=_taken)
    if form.validate_on_submit():
        authoring.save_draft(current_user, KIND, form.key.data, template(form.key.data, roleplay.lesson_titles()))
        db.session.commit()
        flash(_("A new draft from the refund template: change what it says, play-test it, then publish it."), "success")
        return redirect(url_for("author.edit_scenario", key=form.key.data))
    return render_template("author/scenario_new.html", form=form, source=None)


@bp.route("/scenarios/<key>/duplicate", methods=["GET", "POST"])
def duplicate_scenario(key):
    """A new draft that starts as a copy (its calibration transcripts included)."""
    _source_or_404(key)
    form = DuplicateForm(taken=_taken, data={"key": f"{key}-copy"})
    if form.validate_on_submit():
        authoring.duplicate(current_user, KIND, key, form.key.data)
        db.session.commit()
        flash(_("A copy of %(key)s, as a draft.", key=key), "success")
        return redirect(url_for("author.edit_scenario", key=form.key.data))
    return render_template("author/scenario_new.html", form=form, source=key)


@bp.route("/scenarios/import", methods=["POST"])
def import_scenario():
    """A scenario file becomes a draft: all of it, or nothing when anything is wrong."""
    form = ImportForm()
    if not form.validate_on_submit():
        return _list_page(form), 400
    try:
        drafts = authoring.import_file(current_user, KIND, form.file.data.read(), form.file.data.filename or "upload.yaml",
                                       replace_drafts=False)
    except authoring.AuthoringError as error:
        db.session.rollback()
        return _list_page(form, import_errors=error.errors), 400
    db.session.commit()
    flash(_("Imported as a draft; nothing is published yet."), "success")
    return redirect(url_for("author.edit_scenario", key=drafts[0].key))


@bp.route("/scenarios/<key>/edit", methods=["GET", "POST"])
def edit_scenario(key):
    """The editor. Saving stores the draft and shows each problem beside its field."""
    form = ScenarioForm(data=form_data(_source_or_404(key)), revision=authoring.revision(KIND, key))
    page = _save(key, form)
    if page is not None:
        return page
    flash(_("Draft saved. Trainees still get the published version."), "success")
    return redirect(url_for("author.edit_scenario", key=key))


@bp.route("/scenarios/<key>/publish", methods=["POST"])
def publish_scenario(key):
    """Save the editor's draft, then publish it as a new version with the note."""
    form = ScenarioForm(data=form_data(_source_or_404(key)))
    page = _save(key, form)
    if page is not None:
        return page
    try:
        row = authoring.publish(current_user, KIND, key, note=form.note.data.strip())
    except authoring.AuthoringError as error:
        db.session.rollback()
        flash(_("The draft is saved but not published.") + " " + message(error), "error")
        return redirect(url_for("author.edit_scenario", key=key))
    db.session.commit()
    flash(_("Version %(version)s of %(key)s is published; trainees get it from their next run.",
            version=row.version, key=key), "success")
    return redirect(url_for("author.scenarios"))


@bp.route("/scenarios/<key>/playtest", methods=["POST"])
def playtest_scenario(key):
    """Save the draft and play it in the real chat (a play-test counts for nothing)."""
    form = ScenarioForm(data=form_data(_source_or_404(key)))
    page = _save(key, form)
    if page is not None:
        return page
    try:
        run = roleplay.start_playtest(current_user, authoring.build(KIND, authoring.draft_of(KIND, key).data, replay=False))
    except ContentInvalid as invalid:
        flash(_("The draft is saved, but it cannot be played until %(n)s problems are fixed.", n=len(invalid.errors)),
              "error")
        return redirect(url_for("author.edit_scenario", key=key))
    db.session.commit()
    return redirect(url_for("study.chat", run_id=run.id))


@bp.route("/scenarios/<key>/rebase", methods=["POST"])
def rebase_scenario(key):
    """Keep the draft over the version someone published since it was started."""
    EmptyForm().validate_on_submit() or abort(400)
    try:
        authoring.rebase(current_user, KIND, key)
    except authoring.AuthoringError as error:
        flash(message(error), "error")
        return redirect(url_for("author.scenarios"))
    db.session.commit()
    flash(_("The draft now replaces the latest version when you publish it."), "success")
    return redirect(url_for("author.edit_scenario", key=key))


@bp.route("/scenarios/<key>/discard", methods=["POST"])
def discard_scenario(key):
    """Throw the draft away; the published version stays as it is."""
    EmptyForm().validate_on_submit() or abort(400)
    authoring.discard(current_user, KIND, key)
    db.session.commit()
    flash(_("The draft of %(key)s is discarded.", key=key), "success")
    return redirect(url_for("author.scenarios"))


@bp.route("/scenarios/<key>/export")
@bp.route("/scenarios/<key>/export/<int:version>")
def export_scenario(key, version=None):
    """The published (or a given) version as a file for ``content/scenarios/``."""
    try:
        text = authoring.export(KIND, key, version)
    except (authoring.AuthoringError, ValueError):
        abort(404)
    name = f"{key}.yaml" if version is None else f"{key}.v{version}.yaml"
    return Response(text, mimetype="application/yaml",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


@bp.route("/playtests/<int:run_id>/keep", methods=["POST"])
def keep_playtest(run_id):
    """The play-test's replies become a calibration transcript of the draft, expecting its verdict."""
    run = get_or_404(RoleplayRun, run_id)
    EmptyForm().validate_on_submit() or abort(400)
    try:
        draft, transcript = authoring.keep_playtest(current_user, run)
    except authoring.AuthoringError as error:
        db.session.rollback()
        if error.code == "not_found":
            abort(404)
        flash(KEEP_MESSAGES[error.code](), "error")
        return redirect(url_for("study.debrief", run_id=run.id))
    db.session.commit()
    flash(_("Kept as calibration transcript “%(name)s”, expecting %(expect)s.", name=transcript["name"],
            expect=transcript["expect"]), "success")
    return redirect(url_for("author.edit_scenario", key=run.scenario_key,
                            _anchor=f"calibration-{len(draft.data['calibration']) - 1}"))


KEEP_MESSAGES = {
    "no_replies": lambda: _("This play-test has no replies to keep."),
    "already_kept": lambda: _("These replies are already a calibration transcript of the draft."),
}


# --- helpers ---------------------------------------------------------------------------------

def _taken(key):
    return authoring.row_of(KIND, key) is not None or authoring.draft_of(KIND, key) is not None


def _source_or_404(key):
    """The draft's data, else the published version's."""
    draft = authoring.draft_of(KIND, key)
    source = draft.data if draft is not None else authoring.published_source(KIND, key)
    if source is None:
        abort(404)
    return source


def _save(key, form):
    """Validate the posted editor and store it as the draft: None when saved, else the page to show
    (an add/remove button pressed, a form error, or someone else's save in between)."""
    if not form.validate_on_submit() or form.change_entries():
        return _editor(key, form)
    data, _places = data_of(form, key)
    try:
        authoring.save_draft(current_user, KIND, key, data, expected=form.revision.data)
    except authoring.AuthoringError:
        db.session.rollback()
        form.revision.data = authoring.revision(KIND, key)
        flash(_("Someone saved or published this scenario while you were editing. Your edits are below and are not "
                "saved; compare with the history, then save again to replace theirs."), "error")
        return _editor(key, form, status=409)
    db.session.commit()
    return None


def _editor(key, form, status=200):
    """The editor page, each problem of the form's data beside its field."""
    data, places = data_of(form, key)
    places.place(authoring.problems_of(KIND, data))
    draft, row = authoring.draft_of(KIND, key), authoring.row_of(KIND, key)
    people = authoring.people([draft.author_id if draft else None])
    return render_template("author/scenario_edit.html", key=key, form=form, places=places, draft=draft, row=row,
                           people=people, lessons=roleplay.lesson_titles(), action_form=EmptyForm()), status


def _list_page(import_form, import_errors=()):
    drafts = {d.key: d for d in authoring.drafts(KIND)}
    rows = {row.key: row for row in authoring.rows(KIND)}
    entries = [(key, rows.get(key), drafts.get(key)) for key in sorted(rows.keys() | drafts.keys())]
    people = authoring.people([d.author_id for d in drafts.values()])
    return render_template("author/scenario_list.html", entries=entries, people=people, import_form=import_form,
                           import_errors=import_errors)
