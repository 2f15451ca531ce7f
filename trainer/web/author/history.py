"""Versions of any authored content (item, scenario, term): who published what and when, the
difference between two versions (or a version and the draft), and publishing an old one again.

The editors link here with ``url_for("author.history", kind=…, key=…)``; an editor registers
its own page in ``EDITORS`` so the history can link back to it.
"""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.routing import BuildError

from ...extensions import db
from ...services import authoring
from ..auth.forms import EmptyForm
from . import bp

#: ``kind → endpoint`` of the editor taking ``key``: the history page links back to it.
EDITORS = {"item": "author.edit_item", "scenario": "author.edit_scenario", "term": "author.edit_term"}
KINDS = "any(item, scenario, term)"

MESSAGES = {
    "not_found": lambda: _("There is no such version."),
    "no_draft": lambda: _("There is no draft any more; it was published or discarded."),
    "stale": lambda: _("Someone published a newer version since this draft was started. Compare it with the "
                       "draft, then keep the draft over it or discard the draft."),
    "key_taken": lambda: _("Something with this id was published meanwhile; duplicate the draft under another id."),
    "unchanged": lambda: _("Nothing changed: this is what is published now."),
    "invalid": lambda: _("It cannot be published as it is; the problems are listed below."),
    "conflict": lambda: _("Someone saved or published this while you were editing."),
}


@bp.context_processor
def _editor_links():
    def editor_url(kind, key):
        """The editor of ``kind`` for ``key``, or None when there is none."""
        try:
            return url_for(EDITORS[kind], key=key)
        except (KeyError, BuildError):
            return None

    return {"editor_url": editor_url}


def message(error):
    """The words for an ``AuthoringError``, with its first content problems."""
    text = MESSAGES.get(error.code, lambda: error.code)()
    shown = [str(problem) for problem in error.errors[:3]]
    more = len(error.errors) - len(shown)
    return " ".join([text, *shown, _("(%(n)s more)", n=more) if more > 0 else ""]).strip()


@bp.route(f"/history/<{KINDS}:kind>/<key>")
def history(kind, key):
    """Every published version, newest first, and the draft if there is one."""
    versions, draft = authoring.history(kind, key), authoring.draft_of(kind, key)
    if not versions and draft is None:
        abort(404)
    people = authoring.people([v.author_id for v in versions] + [draft.author_id if draft else None])
    return render_template("author/history.html", kind=kind, key=key, versions=versions, draft=draft, people=people,
                           revert_form=EmptyForm())


@bp.route(f"/history/<{KINDS}:kind>/<key>/diff")
def history_diff(kind, key):
    """What changed between two versions (``new`` may be "draft"), as a unified diff."""
    versions = [v.version for v in authoring.history(kind, key)]
    has_draft = authoring.draft_of(kind, key) is not None
    old, new = _versions(versions, has_draft)
    try:
        text = authoring.diff(kind, key, old, new)
    except (authoring.AuthoringError, ValueError):
        abort(404)
    return render_template("author/diff.html", kind=kind, key=key, old=old, new=new, versions=versions,
                           lines=diff_lines(text), has_draft=has_draft)


@bp.route(f"/history/<{KINDS}:kind>/<key>/revert/<int:version>", methods=["POST"])
def history_revert(kind, key, version):
    """Publish an old version's content again, as a new version (the draft, if any, stays)."""
    EmptyForm().validate_on_submit() or abort(400)
    try:
        row = authoring.revert(current_user, kind, key, version)
    except authoring.AuthoringError as error:
        db.session.rollback()
        if error.code == "not_found":
            abort(404)
        flash(message(error), "error")
    else:
        db.session.commit()
        flash(_("Version %(old)s is published again, as version %(new)s.", old=version, new=row.version), "success")
    return redirect(url_for("author.history", kind=kind, key=key))


def _versions(versions, has_draft):
    """``old`` and ``new`` from the query, defaulting to the latest change (or the draft's)."""
    latest = versions[0] if versions else None
    new = request.args.get("new") or ("draft" if has_draft else latest)
    if new != "draft":
        new = _number(new)
    default_old = latest if new == "draft" else (new or 1) - 1
    old = _number(request.args.get("old") or default_old)
    if old is None or new is None:
        abort(404)
    return old, new


def _number(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def diff_lines(text):
    """``[(css class, line)]`` of a unified diff: added, removed, hunk header, file header, context."""
    def kind(line):
        if line.startswith(("+++", "---")):
            return "diff-file"
        if line.startswith("@@"):
            return "diff-hunk"
        return {"+": "diff-add", "-": "diff-del"}.get(line[:1], "diff-ctx")

    return [(kind(line), line) for line in text.splitlines()]
