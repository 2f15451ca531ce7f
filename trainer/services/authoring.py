"""Authoring in the browser: drafts, validation through the files' own validator, publishing
new versions, history, diff, revert, export and import.

Trainees only ever see published versions. Publishing is refused when the draft is invalid
(the same errors ``trainer content check`` gives for a file) or was started from an older
version than the one now published (two trainers never silently overwrite each other).
"""
import copy
import dataclasses
import itertools
import logging
from dataclasses import dataclass
from pathlib import Path

from flask import current_app
from sqlalchemy import select

from ..core.content import authoring_problems, transcript_errors, transcript_files, verdict
from ..core.content.export import diff_text, export_text
from ..core.content.glossary import GlossaryFile, term_from_values
from ..core.content.quizzes import QuizFile, item_from_values
from ..core.content.scenarios import parse_rules_file, scenario_from_values
from ..core.content.source import decode_utf8, parse_yaml, read_yaml, validate
from ..core.content.synonyms import load_synonyms
from ..core.errors import ContentError, ContentInvalid
from ..extensions import db
from ..models import ContentDraft, ContentVersion, Lesson, Quiz, User
from ..models._types import utcnow
from ..models.roleplay import FINISHED, PLAYTEST
from . import audit
from .catalog import VERSIONED, item_columns, keep_versions, quiz_hash, scenario_columns, term_columns

log = logging.getLogger(__name__)
BROWSER = "browser"
#: Entries one import may hold: each is validated like a publish (about 7 ms), so 500 take a few
#: seconds; a 2 MB file of terms (16,000) would outlast the worker's 30 s timeout.
MAX_IMPORT_ENTRIES = 500


class AuthoringError(Exception):
    """Publishing or importing refused: ``code`` says why, ``errors`` lists content problems."""

    def __init__(self, code, errors=()):
        super().__init__(code)
        self.code = code
        self.errors = list(errors)


@dataclass(frozen=True)
class Context:
    """What validation needs besides the data: the shared synonym sets and critical rules, and
    the content folder (where a scenario's calibration transcripts may be kept as files)."""

    synonyms: dict
    rules: list
    root: Path

    def transcripts(self, scenario_id):
        return transcript_files(self.root, [], scenario_id)


def context(content_dir=None):
    root = Path(content_dir or current_app.config["CONTENT_DIR"])
    _, synonyms = load_synonyms(root / "synonyms.yaml", "synonyms.yaml")
    rules_file = root / "scenarios" / "critical.yaml"
    rules = parse_rules_file(rules_file.read_bytes(), "scenarios/critical.yaml", synonyms) if rules_file.exists() else []
    return Context(synonyms, rules, root)


# --- validation ------------------------------------------------------------------------------

def build(kind, data, quiz_key=None, ctx=None, replay=True):
    """The core object for ``data`` (a scenario file's mapping, one item, one term), or
    ``ContentInvalid`` listing every problem, with the field each one belongs to.

    ``replay=False`` skips the calibration checks: a draft can be play-tested before it has
    its transcripts (play-testing is how a trainer makes them)."""
    ctx = ctx or context()
    if kind == "scenario":
        built = scenario_from_values(data, {}, BROWSER, ctx.synonyms, ctx.rules)
    elif kind == "item":
        quiz_key = quiz_key or (_quiz_of_item(data.get("id")) if isinstance(data, dict) else None)
        built = item_from_values(data, _quiz_lessons(quiz_key, data), ctx.synonyms, BROWSER)
    elif kind == "term":
        built = term_from_values(data, ctx.synonyms, BROWSER)
    else:
        raise ValueError(kind)
    files = ctx.transcripts(built.id) if kind == "scenario" else ()
    problems = _unknown_lessons(kind, built)
    if replay:
        problems += _calibration_problems(built, files) if kind == "scenario" else authoring_problems(built, files)
    if problems:
        raise ContentInvalid(problems)
    return built


def problems_of(kind, data, quiz_key=None, ctx=None):
    """Every problem with ``data``, [] when it could be published."""
    try:
        build(kind, data, quiz_key, ctx)
    except ContentInvalid as invalid:
        return invalid.errors
    return []


def _quiz_lessons(quiz_key, data):
    quiz = db.session.scalar(select(Quiz).where(Quiz.key == quiz_key)) if quiz_key else None
    if quiz is not None:
        return list(quiz.lessons)
    if isinstance(data, dict) and data.get("lessons"):
        return list(data["lessons"])
    raise ContentInvalid([ContentError(BROWSER, None, "quiz", "choose the quiz the item belongs to")])


def _unknown_lessons(kind, built):
    known = set(db.session.scalars(select(Lesson.key)))
    if kind == "scenario":  # each beside the field that names it
        wanted = [("scenario.lessons", lesson) for lesson in built.lessons]
        wanted += [(f"scenario.checks[{i}].lesson", c["lesson"]) for i, c in enumerate(built.definition["checks"])
                   if c.get("lesson")]
        wanted += [(f"scenario.critical[{i}].lesson", r["lesson"])
                   for i, r in enumerate(built.definition.get("critical", [])) if r.get("lesson")]
        return [ContentError(BROWSER, None, field, f"unknown lesson '{lesson}'")
                for field, lesson in wanted if lesson not in known]
    wanted = {"item": lambda: set(built.lessons), "term": lambda: {built.lesson}}[kind]()
    return [ContentError(BROWSER, None, "lessons", f"unknown lesson '{lesson}'") for lesson in sorted(wanted - known)]


def _calibration_problems(built, files):
    """``authoring_problems`` of a scenario, a failing inline transcript named ``calibration[i].expect``."""
    problems = [p for p in authoring_problems(built, files) if not (p.field == "expect" and p.path == built.source)]
    for index, transcript in enumerate(built.definition.get("calibration", [])):
        alone = dataclasses.replace(built, definition={**built.definition, "calibration": [transcript]})
        problems += [dataclasses.replace(p, field=f"calibration[{index}].expect") for p in transcript_errors([alone], [])]
    return problems


# --- drafts ---------------------------------------------------------------------------------

def row_of(kind, key):
    model, _ = VERSIONED[kind]
    return db.session.scalar(select(model).where(model.key == key))


def rows(kind):
    """Every published (or retired) row of ``kind``, by key."""
    model, _ = VERSIONED[kind]
    return list(db.session.scalars(select(model).order_by(model.key)))


def draft_of(kind, key):
    return db.session.scalar(select(ContentDraft).where(ContentDraft.kind == kind, ContentDraft.key == key))


def drafts(kind=None):
    query = select(ContentDraft).order_by(ContentDraft.updated_at.desc())
    return list(db.session.scalars(query.where(ContentDraft.kind == kind) if kind else query))


def published_source(kind, key, version=None):
    """The data as written of the published (or a given) version."""
    if version is None:
        row = row_of(kind, key)
        definition = getattr(row, VERSIONED[kind][1]) if row else None
    else:
        stored = _version(kind, key, version)
        definition = stored.definition if stored else None
    if definition is None or "source" not in definition:
        return None
    return definition["source"]


def edit(user, kind, key):
    """The draft to edit ``key``: the existing one, or a new one from the published version."""
    draft = draft_of(kind, key)
    if draft is None:
        row = row_of(kind, key)
        source = published_source(kind, key)
        if row is None or source is None:
            raise AuthoringError("not_found")
        draft = ContentDraft(kind=kind, key=key, data=source, base_version=row.version,
                             author_id=user.id, quiz_key=_quiz_of_item(key) if kind == "item" else None)
        db.session.add(draft)
        db.session.flush()
    return draft


def save_draft(user, kind, key, data, quiz_key=None, expected=None):
    """Store ``data`` as the draft of ``key`` (new content if nothing has that key yet).

    ``expected``: the ``revision`` the editor was opened on; when someone saved the draft or
    published since, nothing is stored and ``AuthoringError("conflict")`` says so.
    """
    if expected is not None and revision(kind, key) != expected:
        raise AuthoringError("conflict")
    draft = draft_of(kind, key)
    if draft is None:
        row = row_of(kind, key)
        draft = ContentDraft(kind=kind, key=key, base_version=row.version if row else None, quiz_key=quiz_key)
        db.session.add(draft)
    draft.data = data
    draft.author_id = user.id
    draft.updated_at = utcnow()
    if quiz_key:
        draft.quiz_key = quiz_key
    db.session.flush()
    return draft


def revision(kind, key):
    """What an editor was opened on: the draft's last save, else the published version ("" for nothing)."""
    draft = draft_of(kind, key)
    if draft is not None:
        return f"draft {draft.updated_at.isoformat()}"
    row = row_of(kind, key)
    return f"v{row.version}" if row is not None else ""


def rebase(user, kind, key):
    """Base the draft on the version published since it was started (its author compared them):
    publishing it then replaces that version instead of being refused as stale."""
    draft, row = draft_of(kind, key), row_of(kind, key)
    if draft is None or row is None:
        raise AuthoringError("no_draft")
    draft.base_version = row.version
    draft.updated_at = utcnow()
    db.session.flush()
    log.info("%s based the draft of %s %s on version %s", user.username, kind, key, row.version)
    return draft


def duplicate(user, kind, key, new_key):
    """A new draft that starts as a copy of ``key`` under ``new_key``."""
    if row_of(kind, new_key) is not None or draft_of(kind, new_key) is not None:
        raise AuthoringError("key_taken")
    source = (draft_of(kind, key).data if draft_of(kind, key) else published_source(kind, key))
    if source is None:
        raise AuthoringError("not_found")
    data = _with_key(kind, source, new_key)
    if kind == "scenario":  # the copy takes the original's calibration transcripts along, inside it
        kept = {c["name"] for c in data.get("calibration", [])}
        data["calibration"] = data.get("calibration", []) + [
            {"name": t.name, "expect": t.expect, "rules": list(t.rules), "replies": [text for text, _ in t.replies]}
            for t in context().transcripts(key) if t.name not in kept]
    return save_draft(user, kind, new_key, data, quiz_key=_quiz_of_item(key) if kind == "item" else None)


def discard(user, kind, key):
    draft = draft_of(kind, key)
    if draft is not None:
        db.session.delete(draft)
        db.session.flush()
        log.info("%s discarded the draft of %s %s", user.username, kind, key)


def _with_key(kind, source, key):
    data = copy.deepcopy(source)
    (data["scenario"] if kind == "scenario" else data)["id"] = key
    return data


def _quiz_of_item(key):
    for quiz in db.session.scalars(select(Quiz)):
        if key in quiz.item_keys:
            return quiz.key
    return None


# --- publishing -----------------------------------------------------------------------------

def publish(user, kind, key, note=""):
    """Publish the draft of ``key`` as a new version; the draft is gone afterwards."""
    draft = draft_of(kind, key)
    if draft is None:
        raise AuthoringError("no_draft")
    row = row_of(kind, key)
    if row is not None and draft.base_version is not None and row.version != draft.base_version:
        raise AuthoringError("stale")
    if row is not None and draft.base_version is None:
        raise AuthoringError("key_taken")
    published = publish_data(user, kind, key, draft.data, note, quiz_key=draft.quiz_key)
    db.session.delete(draft)
    db.session.flush()
    return published


def publish_data(user, kind, key, data, note="", quiz_key=None, reverted_to=None):
    """Validate ``data`` and make it the published version of ``key`` (version + 1).

    The audit log gets "content.publish", or "content.revert" when ``reverted_to`` names the old version."""
    try:
        built = build(kind, data, quiz_key)
    except ContentInvalid as invalid:
        raise AuthoringError("invalid", invalid.errors) from None
    if built.id != key:
        raise AuthoringError("invalid", [ContentError(BROWSER, None, "id", f"the id must stay '{key}'")])
    columns = {"scenario": scenario_columns, "item": item_columns, "term": term_columns}[kind](built)
    model, _ = VERSIONED[kind]
    row = row_of(kind, key)
    if row is None:
        row = model(key=key, version=1, **columns)
        db.session.add(row)
    elif row.content_hash == columns["content_hash"] and not row.retired:
        raise AuthoringError("unchanged")
    else:
        for name, value in columns.items():
            setattr(row, name, value)
        row.version += 1
    row.origin = "browser"
    row.updated_at = utcnow()
    if kind == "item":
        _join_quiz(key, quiz_key or _quiz_of_item(key))
    db.session.flush()
    keep_versions(author=user, note=note)
    audit.record(user, "content.revert" if reverted_to else "content.publish", (kind, key, row.id),
                 version=row.version, note=note, **({"reverted_to": reverted_to} if reverted_to else {}))
    log.info("%s published %s %s version %s", user.username, kind, key, row.version)
    return row


def _join_quiz(item_key, quiz_key):
    quiz = db.session.scalar(select(Quiz).where(Quiz.key == quiz_key)) if quiz_key else None
    if quiz is None:
        raise AuthoringError("invalid", [ContentError(BROWSER, None, "quiz", "choose the quiz the item belongs to")])
    if item_key not in quiz.item_keys:
        quiz.item_keys = [*quiz.item_keys, item_key]
        quiz.content_hash = quiz_hash({"title": quiz.title, "lessons": quiz.lessons, "item_keys": quiz.item_keys,
                                       "mastery_correct": quiz.mastery_correct, "mastery_window": quiz.mastery_window})
        quiz.version += 1


# --- history --------------------------------------------------------------------------------

def history(kind, key):
    """Every published version, newest first, with who published it and their note."""
    return list(db.session.scalars(select(ContentVersion).where(
        ContentVersion.kind == kind, ContentVersion.key == key).order_by(ContentVersion.version.desc())))


def _version(kind, key, version):
    return db.session.scalar(select(ContentVersion).where(
        ContentVersion.kind == kind, ContentVersion.key == key, ContentVersion.version == version))


def export(kind, key, version=None):
    """The file text of the published (or a given) version."""
    if version is None:
        row = row_of(kind, key)
        definition = getattr(row, VERSIONED[kind][1]) if row else None
    else:
        stored = _version(kind, key, version)
        definition = stored.definition if stored else None
    if definition is None:
        raise AuthoringError("not_found")
    return export_text(kind, definition)


def diff(kind, key, old, new):
    """What changed from version ``old`` to ``new`` (``new`` may be "draft")."""
    before = export(kind, key, old)
    if new == "draft":
        draft = draft_of(kind, key)
        if draft is None:
            raise AuthoringError("no_draft")
        after = export_text(kind, {"source": draft.data})
    else:
        after = export(kind, key, new)
    return diff_text(before, after, f"{key} v{old}", f"{key} {'draft' if new == 'draft' else f'v{new}'}")


def revert(user, kind, key, version):
    """Publish an old version's content again, as a new version."""
    source = published_source(kind, key, version)
    if source is None:
        raise AuthoringError("not_found")
    return publish_data(user, kind, key, source, note=f"revert to version {version}", reverted_to=version)


# --- import ---------------------------------------------------------------------------------

def import_file(user, kind, data, name, quiz_key=None, replace_drafts=True):
    """Drafts from an uploaded file in the format of ``content/``: all of it, or nothing.

    A scenario file gives one draft; a quiz file (or a list of items with ``quiz_key``) one per
    item; a glossary file one per term. Each is validated like a file and like publishing.
    ``replace_drafts=False`` refuses the file when one of its keys already has a draft.
    """
    try:
        values, lines = parse_yaml(decode_utf8(data, name), name)
        entries = _entries(kind, values, lines, name, quiz_key)
        if len(entries) > MAX_IMPORT_ENTRIES:
            raise ContentInvalid([ContentError(name, 1, "", f"{len(entries)} entries; at most {MAX_IMPORT_ENTRIES} "
                                                            "in one import: split the file")])
        ctx = context()
        problems = [e for key, entry, quiz in entries
                    for e in _located(problems_of(kind, entry, quiz, ctx), name, _line_of(values, lines, entry))]
        problems += _repeated_keys(entries, name, values, lines)
        if not replace_drafts:
            problems += [ContentError(name, None, "id", f"'{key}' has an unpublished draft; publish or discard it first")
                         for key, _, _ in entries if isinstance(key, str) and draft_of(kind, key) is not None]
    except ContentInvalid as invalid:
        raise AuthoringError("invalid", invalid.errors) from None
    if problems:
        raise AuthoringError("invalid", problems)
    return [save_draft(user, kind, key, entry, quiz_key=quiz) for key, entry, quiz in entries]


def _entries(kind, values, lines, name, quiz_key):
    if kind == "scenario":
        if not isinstance(values, dict) or not isinstance(values.get("scenario"), dict):
            raise ContentInvalid([ContentError(name, 1, "scenario", "not a scenario file")])
        return [(values["scenario"].get("id"), values, None)]
    if isinstance(values, list):  # items or terms as one entry's export gives them
        if kind == "item" and not quiz_key:
            raise ContentInvalid([ContentError(name, 1, "quiz", "choose the quiz the items join")])
        return [(entry.get("id"), entry, quiz_key if kind == "item" else None) for entry in _listed(values, lines, name)]
    if kind == "item":
        parsed = validate(QuizFile, values, lines, name)
        return [(entry["id"], entry, parsed.quiz.id) for entry in values["items"]]
    parsed = validate(GlossaryFile, values, lines, name)
    return [(entry["id"], entry, None) for entry in values["terms"]]


def _listed(values, lines, name):
    """The entries of a bare list, each a mapping: one that is not would otherwise be left out unseen."""
    if not values:
        raise ContentInvalid([ContentError(name, 1, "", "the list is empty: nothing to import")])
    wrong = [ContentError(name, lines.get((index,)), f"[{index}]", "each entry must be a mapping with an id")
             for index, entry in enumerate(values) if not isinstance(entry, dict)]
    if wrong:
        raise ContentInvalid(wrong)
    return values


def _repeated_keys(entries, name, values, lines):
    """An id twice in one file: the second draft would silently replace the first."""
    first, problems = {}, []
    for key, entry, _ in entries:
        line = _line_of(values, lines, entry)
        if isinstance(key, str) and key in first:
            problems.append(ContentError(name, line, "id", f"duplicate id '{key}' (also line {first[key]})"))
        first.setdefault(key, line)
    return problems


def _located(problems, name, line=None):
    return [ContentError(name, p.line or line, p.field, p.message) for p in problems]


def _line_of(values, lines, entry):
    """The line an entry of a file starts on (a list of items or terms, a quiz or glossary file)."""
    for where in ((), ("items",), ("terms",)):
        found = values.get(where[0]) if where and isinstance(values, dict) else (values if not where else None)
        for index, candidate in enumerate(found if isinstance(found, list) else []):
            if candidate is entry:
                return lines.get(where + (index,))
    return None


def readable(text, name="draft"):
    """YAML text typed in the browser → data, or the problems with their lines (for the raw editor)."""
    values, lines, errors = read_yaml(text, name)
    if errors:
        raise AuthoringError("invalid", errors)
    return values


# --- play-tests and people ------------------------------------------------------------------

def keep_playtest(user, run):
    """Add a finished play-test's replies to the scenario's draft as a calibration transcript that
    expects the verdict the play-test got; returns the draft and the transcript."""
    if run.mode != PLAYTEST or run.status != FINISHED or run.user_id != user.id:
        raise AuthoringError("not_found")
    result = run.debrief
    replies = [turn["text"] for turn in result["transcript"] if turn["who"] == "agent"]
    if not replies:
        raise AuthoringError("no_replies")
    data = copy.deepcopy(edit(user, "scenario", run.scenario_key).data)
    kept = data.setdefault("calibration", [])
    if any(c.get("replies") == replies for c in kept if isinstance(c, dict)):
        raise AuthoringError("already_kept")
    got, names = verdict(result), {c.get("name") for c in kept if isinstance(c, dict)}
    transcript = {"name": next(f"{got}_{n}" for n in itertools.count(1) if f"{got}_{n}" not in names), "expect": got}
    rules = sorted({v["rule"] for v in result["critical"]})
    transcript.update({"rules": rules} if rules else {}, replies=replies)
    kept.append(transcript)
    return save_draft(user, "scenario", run.scenario_key, data), transcript


def people(ids):
    """``{user id: display name}`` for the authors of versions and drafts."""
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    return dict(db.session.execute(select(User.id, User.display_name).where(User.id.in_(wanted))).all())
