"""Keeps the reports' stored tables (``certification_statuses``, ``skill_marks``) in step with the results.

**When.** Every flush notes the trainees whose results changed (lesson progress, practice and exam
answers, exam results, finished assessment runs, glossary cards, certificates) and the content that
changed; just before the transaction commits, their rows are worked out again and written in that same
transaction — so a grade, a review decision, a re-grade, a debrief or a certificate can never be committed
without its rows, and a rollback drops both. Code that writes results with a bulk UPDATE (no objects)
calls ``touch``. A content change that alters what a programme asks for (its definition, a material
version going live, a quiz's mastery rule, the glossary) works out every stored row of that programme again.

**Cheaply.** What the rows rest on besides the trainee — the programmes, their fingerprints, the glossary's
term counts, which lessons, quizzes, exams, scenarios and glossary terms any programme counts, which items are
short answers — is read once per content state and kept in the process (``_content``), behind the content
tables' figures (``handbook.fingerprint``: one statement per commit, which sees another worker's publish). A
change that cannot alter a stored row is not worked out again: a lesson visit that only adds reading time (seen
when flushed); a result on a lesson, quiz, exam, scenario or glossary term no programme counts, an exam answer
(the exam's result counts, not its answers), an answer to an item that is not a short answer (no marks) — judged
against the content at commit. A trainee whose results are all of that kind still gets rows once (a later
content change that makes them count redoes the trainees with rows). Rows are compared with what is stored
and only those that differ are written (``updated_at``: when the row last changed).

**What.** ``core.standing`` says what is stored per trainee and programme; ``state_column`` turns it into
the state on a given day, in SQL, exactly as ``core.certification.status`` would decide. A trainee with no
row has no results: their state is the one the rules give an empty record (the SQL falls back to it).
"""
import hashlib
from collections import defaultdict
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy import Date, and_, case, delete, event, false, func, inspect, insert, literal, or_, select, true, update

from ..core import standing as standings
from ..core import certification as rules
from ..extensions import db
from ..models import (Answer, CardState, Certification, CertificationStatus, Exam, GlossaryTerm, GradeOverride, Lesson,
                      LessonProgress, Programme, Quiz, QuizAttempt, QuizItem, QuizResult, RoleplayRun, Scenario, SkillMark)
from ..models._types import utcnow
from ..models.roleplay import FINISHED
from . import certification, handbook

_FACTS = (LessonProgress, QuizAttempt, QuizResult, CardState, Certification)
_CONTENT = (Programme, Quiz, Exam, Scenario, GlossaryTerm, Lesson, QuizItem)
_KEY = "report_tables"


# --- following the session ----------------------------------------------------------------------

def touch(user_id):
    """Work out ``user_id``'s rows again before this transaction commits (for results written without objects)."""
    _pending(db.session())["users"].add(user_id)


def _pending(session):
    return session.info.setdefault(_KEY, {"users": set(), "facts": set(), "answers": set(), "runs": set(),
                                          "content": False})


#: The column of each kind of result that says whether some programme counts it (``_Content.counts``).
_COUNTED_BY = {LessonProgress: ("lesson", "lesson_id"), QuizAttempt: ("attempt", "quiz_key"),
               QuizResult: ("result", "quiz_key"), CardState: ("card", "term_key"),
               RoleplayRun: ("scenario", "scenario_key")}


def _after_flush(session, _context):
    pending = None
    dirty = session.dirty
    for obj in (*session.new, *dirty, *session.deleted):
        if isinstance(obj, Certification):
            pending = pending or _pending(session)
            pending["users"].add(obj.user_id)
        elif isinstance(obj, _FACTS):
            if obj in dirty and isinstance(obj, LessonProgress) and not _studied_or_moved(obj):
                continue  # reading time only: what the rows read of a visit is that it exists and is studied
            pending = pending or _pending(session)
            kind, column = _COUNTED_BY[type(obj)]
            pending["facts"].update((kind, obj.user_id, key) for key in _values(obj, column, obj in dirty))
        elif isinstance(obj, Answer):
            pending = pending or _pending(session)
            pending["answers"].update((attempt, obj.item_key) for attempt in _values(obj, "attempt_id", obj in dirty))
        elif isinstance(obj, RoleplayRun) and obj.status == FINISHED and obj.mode == "assessment":
            pending = pending or _pending(session)
            pending["facts"].add(("scenario", obj.user_id, obj.scenario_key))
            pending["runs"].add((obj.user_id, obj.scenario_key))
        elif isinstance(obj, _CONTENT):
            pending = pending or _pending(session)
            pending["content"] = True


def _values(obj, name, dirty):
    """The value of ``name`` now and, for a changed object, the one this flush replaced."""
    value = getattr(obj, name)
    if not dirty:
        return (value,)
    return (value, *inspect(obj).attrs[name].history.deleted)


def _studied_or_moved(progress):
    """Whether a changed lesson visit may change what the rows read: its trainee or lesson, or whether it is studied
    (unless both the old and the new ``studied_at`` are known and agree on being set)."""
    attrs = inspect(progress).attrs
    if attrs.user_id.history.has_changes() or attrs.lesson_id.history.has_changes():
        return True
    studied = attrs.studied_at.history
    if not studied.has_changes():
        return False
    return not (studied.added and studied.deleted and (studied.added[0] is None) == (studied.deleted[0] is None))


def _before_commit(session):
    # SQLAlchemy calls this when a savepoint is released too: that is not the end, the notes wait for the commit
    if session is not db.session() or session.in_nested_transaction():
        return
    session.flush()  # what is still unflushed is noted too
    if _KEY not in session.info:
        return
    pending = session.info.pop(_KEY)
    with session.no_autoflush:
        content = _content(fresh=pending["content"])  # this transaction's own change is never read from the cache
        if pending["content"]:
            refresh_stale(content=content)
        users, uncounted = set(pending["users"]), set()
        for kind, user_id, key in pending["facts"]:
            (users if content.counts(kind, key) else uncounted).add(user_id)
        points = set()
        if pending["answers"]:
            attempts = _attempts(session, {a for a, _ in pending["answers"]})
            for attempt_id, item_key in pending["answers"]:
                if attempt_id not in attempts:
                    continue
                user_id, quiz_key, kind = attempts[attempt_id]
                (users if kind == "practice" and quiz_key in content.quizzes else uncounted).add(user_id)
                if item_key in content.short:
                    points.add((user_id, item_key))
        uncounted = {u for u in uncounted - users if u is not None}
        if uncounted:  # every trainee with results keeps rows: refresh_stale redoes the trainees with rows
            users |= uncounted - set(session.scalars(select(CertificationStatus.user_id).distinct()
                                                     .where(CertificationStatus.user_id.in_(uncounted))))
        users = sorted(u for u in users if u is not None)
        if users:
            refresh_statuses(users, content=content)
        if points:
            refresh_marks("point", points, short=content.short)
        if pending["runs"]:
            refresh_marks("check", pending["runs"])
    session.flush()
    session.info.pop(_KEY, None)  # our own rows are not results


def _forget(session, transaction):
    if transaction.parent is None:  # the transaction is over; a savepoint rolled back leaves it, and its notes, going on
        session.info.pop(_KEY, None)


def _attempts(session, ids):
    """``{attempt id: (user id, quiz key, kind)}``: from the session's own objects when it holds them loaded."""
    found, missing = {}, set()
    for attempt_id in ids:
        attempt = session.identity_map.get(session.identity_key(QuizAttempt, attempt_id))
        if attempt is not None and not ({"user_id", "quiz_key", "kind"} - attempt.__dict__.keys()):
            found[attempt_id] = (attempt.user_id, attempt.quiz_key, attempt.kind)
        else:
            missing.add(attempt_id)
    if missing:
        found.update((attempt_id, (user_id, key, kind)) for attempt_id, user_id, key, kind in session.execute(
            select(QuizAttempt.id, QuizAttempt.user_id, QuizAttempt.quiz_key, QuizAttempt.kind)
            .where(QuizAttempt.id.in_(missing))))
    return found


event.listen(db.session, "after_flush", _after_flush)
event.listen(db.session, "before_commit", _before_commit)
event.listen(db.session, "after_transaction_end", _forget)


# --- what the rows rest on besides the trainee --------------------------------------------------------

@dataclass(frozen=True)
class _Content:
    """The content the rows are worked out against, read once per content state."""

    built: tuple  # core Programme, active
    bases: dict  # programme key → fingerprint (``_bases``)
    terms: dict  # glossary scope → terms in it
    lessons: frozenset  # ids of the lessons some programme requires
    quizzes: frozenset  # keys of the quizzes some programme requires (their practice counts)
    exams: frozenset  # keys of the exams some programme requires
    scenarios: frozenset  # keys of the scenarios some programme requires
    cards: frozenset  # glossary terms some glossary requirement counts
    short: frozenset  # keys of short-answer items (their answers have marks)

    def counts(self, kind, key):
        """Whether some programme's row reads a result of ``kind`` on ``key`` (``_COUNTED_BY``)."""
        if kind == "attempt":  # practice windows, and the version of an exam's sitting
            return key in self.quizzes or key in self.exams
        return key in {"lesson": self.lessons, "result": self.exams, "card": self.cards,
                       "scenario": self.scenarios}[kind]


#: database URL → (content tables' figures, _Content): the latest read, per database.
_KEPT = {}


def _content(fresh=False):
    """The ``_Content`` of the database as this transaction sees it. ``fresh``: read it anew and keep nothing (this
    transaction changed content, which may still roll back)."""
    if fresh:
        _KEPT.pop(str(db.engine.url), None)
        return _read_content()
    return handbook.kept_while_unchanged(_KEPT, _CONTENT, _read_content)


def _read_content():
    built = tuple(certification.programmes())
    wanted = certification._wanted(built)
    terms = sorted(db.session.execute(select(GlossaryTerm.key, GlossaryTerm.lesson_key)
                                      .where(GlossaryTerm.retired.is_(False))).all())
    scopes = wanted["glossary"]
    lessons = set(db.session.scalars(select(Lesson.id).where(Lesson.key.in_(sorted(wanted["lesson"]))))) \
        if wanted["lesson"] else set()
    return _Content(
        built=built, bases=_bases(built, terms), terms=certification._glossary_terms(scopes), lessons=frozenset(lessons),
        quizzes=frozenset(wanted["quiz"]), exams=frozenset(wanted["exam"]), scenarios=frozenset(wanted["scenario"]),
        cards=frozenset(key for key, lesson in terms if any(not keys or lesson in keys for _, keys in scopes)),
        short=frozenset(db.session.scalars(select(QuizItem.key).where(QuizItem.kind == "short"))))


# --- certification statuses -----------------------------------------------------------------------

_STORED = [c.name for c in CertificationStatus.__table__.columns if c.name != "updated_at"]


def refresh_statuses(user_ids, now=None, timezone=certification.TIMEZONE, content=None):
    """Work out the rows of ``user_ids`` in every active programme, and write those that differ from the stored ones
    (rows of programmes no longer active go)."""
    now, zone = now or utcnow(), ZoneInfo(timezone)
    content = content or _read_content()
    built, bases = content.built, content.bases
    today = certification.local_day(now, timezone)
    ids = list(user_ids)
    found = certification.summaries(ids, built, now, timezone, retention=False)
    glossary = _glossary(ids, built, zone, content.terms)
    stored = {(row.user_id, row.programme_key): row for row in certification._run(_stored_statement, ids)}
    new, changed = [], []
    for user_id in ids:
        for programme in built:
            kept = standings.standing(programme, found[user_id], glossary.get(user_id, {}), today)
            row = {"user_id": user_id, "programme_key": programme.key, "basis": bases[programme.key], **kept.__dict__}
            before = stored.pop((user_id, programme.key), None)
            if before is None:
                new.append({**row, "updated_at": now})
            elif any(getattr(before, name) != row[name] for name in _STORED):
                changed.append({**row, "updated_at": now})
    for user_id, key in stored:  # programmes retired
        db.session.execute(delete(CertificationStatus).where(CertificationStatus.user_id == user_id,
                                                             CertificationStatus.programme_key == key))
    if changed:
        db.session.execute(update(CertificationStatus), changed)
    if new:
        db.session.execute(insert(CertificationStatus), new)


def _stored_statement(users):
    return select(CertificationStatus.__table__).where(CertificationStatus.user_id.in_(users))


def empty_standing(programme, terms):
    """What a trainee with no results stands on (the rows' fallback): ``terms`` per glossary scope."""
    glossary = {r.scope: standings.retention_until([], terms.get(r.scope, 0), r.min_percent)
                for r in programme.requirements if r.kind == "glossary"}
    summary = rules.Summary(glossary={s: rules.Retention(0, terms.get(s, 0)) for s in glossary})
    return standings.standing(programme, summary, glossary, standings.FOREVER)


def glossary_terms(built):
    """``{glossary scope: terms in it}`` for the programmes ``built`` (one query)."""
    return certification._glossary_terms({r.scope for p in built for r in p.requirements if r.kind == "glossary"})


def _glossary(user_ids, built, zone, terms):
    """``{user: {scope: (met until, recalled until)}}`` from each card's last recalled day (one query); ``terms``:
    the terms in each scope."""
    scopes = {r.scope: r for p in built for r in p.requirements if r.kind == "glossary"}
    if not scopes or not user_ids:
        return {}
    cards = defaultdict(list)
    for user_id, lesson_key, last_review, stability in certification._run(_cards_statement, user_ids):
        if stability is not None:
            cards[user_id].append((lesson_key, last_review, stability))
    found = {}
    for user_id, held in cards.items():
        found[user_id] = {}
        for scope, requirement in scopes.items():
            (min_recall, lessons) = scope
            untils = [standings.recall_until(at, stability, min_recall, zone)
                      for lesson_key, at, stability in held if not lessons or lesson_key in lessons]
            found[user_id][scope] = standings.retention_until(untils, terms.get(scope, 0), requirement.min_percent)
    return found


def _cards_statement(users):
    return (select(CardState.user_id, GlossaryTerm.lesson_key, CardState.last_review,
                   CardState.card["stability"].as_float())
            .join(GlossaryTerm, GlossaryTerm.key == CardState.term_key)
            .where(GlossaryTerm.retired.is_(False), CardState.last_review.is_not(None), CardState.user_id.in_(users)))


def _bases(built, terms):
    """``{programme key: fingerprint}`` of everything besides a trainee's results that their row depends on
    (``terms``: every glossary term's key and lesson, sorted)."""
    quizzes = sorted({r.key for p in built for r in p.requirements if r.kind == "quiz"})
    rules_of = {key: (window, correct) for key, window, correct in db.session.execute(
        select(Quiz.key, Quiz.mastery_window, Quiz.mastery_correct).where(Quiz.key.in_(quizzes)))} if quizzes else {}
    found = {}
    for programme in built:
        asked = {r.key for r in programme.requirements if r.kind == "quiz"}
        text = repr((programme, sorted(programme.live.items()), sorted((k, rules_of.get(k)) for k in asked),
                     terms if any(r.kind == "glossary" for r in programme.requirements) else ()))
        found[programme.key] = hashlib.sha256(text.encode()).hexdigest()
    return found


def refresh_stale(now=None, timezone=certification.TIMEZONE, batch=2000, content=None):
    """After a content change: rows of retired programmes go, and every trainee with rows gets them worked out
    again when some programme's fingerprint changed (or a programme is new). Returns the trainees redone."""
    content = content or _read_content()
    bases = content.bases
    stored = set(db.session.execute(select(CertificationStatus.programme_key, CertificationStatus.basis).distinct()).all())
    if not stored:
        return 0
    db.session.execute(delete(CertificationStatus).where(CertificationStatus.programme_key.not_in(list(bases))))
    if stored <= set(bases.items()) and {key for key, _ in stored} >= set(bases):
        return 0
    users = list(db.session.scalars(select(CertificationStatus.user_id).distinct().order_by(CertificationStatus.user_id)))
    for start in range(0, len(users), batch):
        refresh_statuses(users[start:start + batch], now, timezone, content)
    return len(users)


def rebuild(now=None, timezone=certification.TIMEZONE, batch=2000):
    """Both tables worked out afresh from every result (an existing database, or after a bulk load)."""
    db.session.execute(delete(CertificationStatus))
    db.session.execute(delete(SkillMark))
    content = _read_content()
    users = sorted(set(db.session.scalars(select(LessonProgress.user_id).distinct()))
                   | set(db.session.scalars(select(QuizAttempt.user_id).distinct()))
                   | set(db.session.scalars(select(RoleplayRun.user_id).distinct()))
                   | set(db.session.scalars(select(CardState.user_id).distinct()))
                   | set(db.session.scalars(select(Certification.user_id).distinct())))
    for start in range(0, len(users), batch):
        refresh_statuses(users[start:start + batch], now, timezone, content)
    marks = refresh_marks("point", None) + refresh_marks("check", None)
    return len(users), marks


def state_column(programme_key, due_on, today, built, terms):
    """``(state, past due)`` SQL expressions for board rows outer-joined to ``CertificationStatus`` (``terms``:
    glossary terms per scope, for the fallback of trainees without a row)."""
    empty = {p.key: empty_standing(p, terms) for p in built}

    def stored(name):
        column = getattr(CertificationStatus, name)
        values = {key: getattr(kept, name) for key, kept in empty.items()}
        if all(v is None for v in values.values()):
            return column
        fallback = case({k: literal(v, column.type) for k, v in values.items() if v is not None},
                        value=programme_key, else_=None)
        return func.coalesce(column, fallback)

    day = literal(today, Date())
    expires, renew = stored("expires_on"), stored("renew_from")
    met_until, started_until = stored("glossary_met_until"), stored("glossary_started_until")
    holding = and_(expires.is_not(None), day < expires)
    window = day >= renew
    glossary_met = and_(met_until.is_not(None), day <= met_until)
    unmet, pending = stored("unmet"), stored("unmet_pending")
    all_met = and_(unmet == 0, pending == 0, glossary_met)
    past_due = and_(due_on.is_not(None), day > due_on, stored("ever_certified") == false())
    state = case(
        (and_(holding, window, all_met), "certified"),
        (and_(holding, stored("retest_failed") == true()), "retest_due"),
        (and_(holding, window), "expiring_soon"),
        (holding, "certified"),
        (all_met, "certified"),
        (and_(unmet == 0, glossary_met), "awaiting_review"),
        (expires.is_not(None), "expired"),
        (past_due, "overdue"),
        (or_(stored("started") == true(), and_(started_until.is_not(None), day <= started_until)), "in_progress"),
        else_="not_started")
    return state, case((past_due, true()), else_=false())


def funnel_column(programme_key, today, built, terms):
    """The funnel stage reached (6: a certificate holds on ``today``), for rows outer-joined to ``CertificationStatus``."""
    empty = {p.key: empty_standing(p, terms).funnel for p in built}
    day = literal(today, Date())
    depth = func.coalesce(CertificationStatus.funnel, case(empty, value=programme_key, else_=1))
    return case((and_(CertificationStatus.expires_on.is_not(None), day < CertificationStatus.expires_on), 6),
                else_=depth)


def status_join(pairs):
    """The ON clause joining board rows (``user_id``, ``programme_key``) to their stored row."""
    return and_(CertificationStatus.user_id == pairs.c.user_id, CertificationStatus.programme_key == pairs.c.programme_key)


# --- skill marks -----------------------------------------------------------------------------------

def refresh_marks(kind, pairs, batch=2000, short=None):
    """Replace the marks of ``pairs`` (``{(user id, item or scenario key)}``; None: everyone) by those of the latest
    decided short answer or assessment run (``short``: the short items' keys, when known). Returns the rows written."""
    if kind == "point" and pairs is not None:  # exam answers to other kinds of items have no marks
        if short is None:
            short = set(db.session.scalars(select(QuizItem.key).where(QuizItem.kind == "short",
                                                                     QuizItem.key.in_({k for _, k in pairs}))))
        pairs = {(user_id, key) for user_id, key in pairs if key in short}
        if not pairs:
            return 0
    latest = _latest_points(pairs) if kind == "point" else _latest_checks(pairs)
    if pairs is not None:
        latest = {pair: source for pair, source in latest.items() if pair in pairs}
        for user_id, key in pairs:
            db.session.execute(delete(SkillMark).where(SkillMark.user_id == user_id, SkillMark.kind == kind,
                                                       SkillMark.content_key == key))
    by_source = {source: pair for pair, source in latest.items()}
    sources = sorted(by_source)
    written = 0
    for start in range(0, len(sources), batch):
        rows = []
        for source, marks in _marks_of(kind, sources[start:start + batch]):
            if marks:
                user_id, key = by_source[source]
                text = marks_text(marks)
                rows.append({"user_id": user_id, "kind": kind, "content_key": key, "source_id": source,
                             "marks": text, "pattern": pattern_of(kind, key, text)})
        if rows:
            db.session.execute(insert(SkillMark), rows)
            written += len(rows)
    return written


def _where_pairs(user_column, key_column, pairs):
    if pairs is None:
        return true()
    return and_(user_column.in_({u for u, _ in pairs}), key_column.in_({k for _, k in pairs}))


def _latest_points(pairs):
    """``{(user, item): latest answer id}`` of short answers not awaiting a trainer."""
    short = select(QuizItem.key).where(QuizItem.kind == "short")
    waiting = and_(Answer.needs_review.is_(True), Answer.reviewed_at.is_(None))
    return {(user_id, key): source for user_id, key, source in db.session.execute(
        select(QuizAttempt.user_id, Answer.item_key, func.max(Answer.id))
        .join(QuizAttempt, QuizAttempt.id == Answer.attempt_id)
        .where(Answer.item_key.in_(short), ~waiting, _where_pairs(QuizAttempt.user_id, Answer.item_key, pairs))
        .group_by(QuizAttempt.user_id, Answer.item_key))}


def _latest_checks(pairs):
    """``{(user, scenario): latest run id}`` of finished assessments decided by the machine or a trainer."""
    return {(user_id, key): source for user_id, key, source in db.session.execute(
        select(RoleplayRun.user_id, RoleplayRun.scenario_key, func.max(RoleplayRun.id))
        .where(RoleplayRun.mode == "assessment", RoleplayRun.status == FINISHED,
               or_(RoleplayRun.needs_review.is_(False), RoleplayRun.reviewed_at.is_not(None)),
               _where_pairs(RoleplayRun.user_id, RoleplayRun.scenario_key, pairs))
        .group_by(RoleplayRun.user_id, RoleplayRun.scenario_key))}


def _marks_of(kind, sources):
    """``(source id, sorted [[part, 1 or 0]])`` read from the grading's points (a re-grade's when there is one) or
    the debrief's checks only."""
    if kind == "check":
        for source, categories in db.session.execute(
                select(RoleplayRun.id, RoleplayRun.debrief["categories"]).where(RoleplayRun.id.in_(sources))):
            yield source, _checks(categories)
        return
    regraded = dict(db.session.execute(
        select(GradeOverride.answer_id, GradeOverride.evidence["points"])
        .where(GradeOverride.answer_id.in_(sources), GradeOverride.action == "regrade").order_by(GradeOverride.id)).all())
    for source, points in db.session.execute(select(Answer.id, Answer.result["points"]).where(Answer.id.in_(sources))):
        yield source, _points(regraded.get(source, points))


def marks_text(marks):
    """``[(part, met)]`` as ``"met parts|missed parts"``, each list sorted and space-separated (ids hold no spaces)."""
    return " ".join(sorted(p for p, met in marks if met)) + "|" + " ".join(sorted(p for p, met in marks if not met))


def pattern_of(kind, key, text):
    """``SkillMark.pattern``: the first 63 bits of the SHA-256 of kind, key and marks text."""
    digest = hashlib.sha256(f"{kind}\0{key}\0{text}".encode()).digest()
    return int.from_bytes(digest[:8], "big") >> 1


def _points(points):
    points = points or {}
    return sorted({(p["point"], int(bool(p["earned"]))) for p in [*points.get("earned", []), *points.get("missed", [])]
                   if p.get("point")})


def _checks(categories):
    return sorted({(check["id"], int(check["status"] == "met")) for category in categories or ()
                   for check in category.get("checks", []) if check.get("status") in ("met", "missed")})
