"""Managers' reports: whose results an actor may see, the status board, and the CSV rows.

**Scope.** Every query starts from ``Scope.trainees()``: an administrator sees every active
trainee, a manager the active trainees of the cohorts they manage (``CohortManager``) and no one
else. The web layer builds the scope once per request (``access.manage_scope``).

**The board** lists one row per trainee and programme that applies to them (their cohort's
programmes, those they hold a certificate of, all of them when their cohort takes none — as
``certification.applicable`` says). Filters, search, sorting, counting and paging run in SQL;
only the page's trainees then go through the certification rules (``certification.evaluate``),
whose status, progress and remaining requirements the page shows. The rules for every trainee of
a 10,000-trainee scope take many seconds, so the status filter and sort (and the CSV) read the state
on the day from the stored ``certification_statuses`` in the same SQL (``report_tables.state_column``,
which decides as the rules do).
"""
import json
import threading
import time
from dataclasses import dataclass, field

from sqlalchemy import Date, String, and_, case, cast, exists, func, literal, null, or_, select, true, type_coerce, union_all
from sqlalchemy.orm import selectinload

from ..core import certification as rules
from ..extensions import db
from ..models import (Answer, CardState, Certification, CertificationStatus, Cohort, CohortManager, CohortProgramme, GradeOverride, Lesson,
                      LessonProgress, QuizAttempt, QuizItem, QuizResult, Role, RoleplayRun, Scenario, User, UserRole)
from ..models._types import UTCDateTime, utcnow
from ..models.roleplay import FINISHED
from . import certification, report_tables
from .grading import item_of
from .certification import TIMEZONE

#: The board's sort keys; "status" orders by urgency (STATE_ORDER).
SORTS = ("name", "cohort", "programme", "due", "exam", "status")
STATES = tuple(state.value for state in rules.State)
#: Most urgent first: what a manager acts on.
STATE_ORDER = ("overdue", "expired", "retest_due", "awaiting_review", "expiring_soon", "in_progress", "not_started",
               "certified")
PER_PAGE = 50


@dataclass(frozen=True)
class Scope:
    """The trainees an actor may see: of some cohorts (a manager's), or all of them (``cohort_ids`` None)."""

    cohort_ids: tuple | None

    def trainees(self, cohort=None):
        """SELECT of the ids of the active trainees in scope (of one of its cohorts if ``cohort``)."""
        query = (select(User.id).join(UserRole, and_(UserRole.user_id == User.id, UserRole.role == Role.TRAINEE.value))
                 .where(User.active.is_(True)))
        if self.cohort_ids is not None:
            query = query.where(User.cohort_id.in_(self.cohort_ids))
        if cohort is not None:
            query = query.where(User.cohort_id == cohort)
        return query

    def contains(self, user_id):
        return db.session.scalar(self.trainees().where(User.id == user_id)) is not None

    def count(self):
        return db.session.scalar(select(func.count()).select_from(self.trainees().subquery()))

    def cohorts(self):
        """The cohorts in scope, newest first (for the filters)."""
        query = select(Cohort).order_by(Cohort.created_at.desc(), Cohort.name)
        if self.cohort_ids is not None:
            query = query.where(Cohort.id.in_(self.cohort_ids))
        return list(db.session.scalars(query))


def scope_for(actor):
    """Administrators see everyone; a manager the cohorts of their ``CohortManager`` rows."""
    if actor.has_role(Role.ADMIN):
        return Scope(None)
    return Scope(tuple(db.session.scalars(select(CohortManager.cohort_id).where(CohortManager.user_id == actor.id))))


# --- the board ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class BoardQuery:
    """What the manager asked for; the web form has validated each field."""

    cohort: int | None = None
    programme: str | None = None
    status: str | None = None
    search: str = ""
    sort: str = "name"
    descending: bool = False
    page: int = 1
    per_page: int = PER_PAGE


@dataclass(frozen=True)
class BoardRow:
    user_id: int
    username: str
    display_name: str
    cohort: str | None
    programme: str
    programme_title: str
    due_on: object
    #: The rules' verdict (page rows) — None in exports, which carry ``state`` only.
    status: rules.Status | None
    #: The state: the rules' on the page, the stored facts' reading in exports.
    state: str
    past_due: bool
    best_exam: float | None
    best_roleplay: float | None
    last_activity: object

    @property
    def percent(self):
        if self.status is None or not self.status.total:
            return None
        return round(100 * self.status.met / self.status.total)


@dataclass
class BoardPage:
    rows: list
    total: int
    page: int
    per_page: int
    programmes: list = field(default_factory=list)

    @property
    def pages(self):
        return max(1, -(-self.total // self.per_page))

    @property
    def has_prev(self):
        return self.page > 1

    @property
    def has_next(self):
        return self.page < self.pages

    @property
    def prev_num(self):
        return self.page - 1

    @property
    def next_num(self):
        return self.page + 1


def board(scope, query, now=None, timezone=TIMEZONE):
    """One page of the board: rows filtered (the status too), searched, sorted, counted and paged in SQL, the state
    read from the stored ``certification_statuses`` on the day; the page's statuses by the certification rules."""
    now, built = now or utcnow(), certification.programmes()
    listing = _listing(scope, query, built, certification.local_day(now, timezone))
    if listing is None:
        return BoardPage([], 0, 1, query.per_page, built)
    found, total, page = _sql_page(listing, query)
    ids = sorted({row.user_id for row in found})
    verdicts = {(user_id, programme.key): status
                for user_id, programme, status in certification.evaluate(ids, now, timezone, built)} if ids else {}
    extras = _page_extras(ids, built)
    titles = {p.key: p.title for p in built}
    rows = [_row(row, titles, extras, verdicts.get((row.user_id, row.programme_key))) for row in found]
    return BoardPage(rows, total, page, query.per_page, built)


def _sql_page(listing, query):
    """The page and the total in one query (a window count); past the last page, the last page."""
    counted = listing.add_columns(func.count().over().label("total"))
    page = max(1, query.page)
    found = db.session.execute(counted.limit(query.per_page).offset((page - 1) * query.per_page)).all()
    if found:
        return found, found[0].total, page
    total = db.session.scalar(select(func.count()).select_from(listing.subquery()))
    if not total:
        return [], 0, 1
    page = -(-total // query.per_page)
    return db.session.execute(counted.limit(query.per_page).offset((page - 1) * query.per_page)).all(), total, page


def board_rows(scope, query, now=None, timezone=TIMEZONE, batch=1000):
    """Every row the board's filters select, in its order, with the stored state on the day (for the CSV)."""
    now, built = now or utcnow(), certification.programmes()
    listing = _listing(scope, query, built, certification.local_day(now, timezone), with_state=True)
    if listing is None:
        return
    titles = {p.key: p.title for p in built}
    found = db.session.execute(listing).all()
    for start in range(0, len(found), batch):
        chunk = found[start:start + batch]
        extras = _page_extras(sorted({row.user_id for row in chunk}), built)
        for row in chunk:
            yield _row(row, titles, extras, None, row.state, bool(row.past_due))


def _row(row, titles, extras, status, state=rules.State.NOT_STARTED.value, past_due=False):
    best_exam, best_roleplay, last = extras.get((row.user_id, row.programme_key), (None, None, None))
    if status is not None:
        state, past_due = str(status.state), status.past_due
    return BoardRow(row.user_id, row.username, row.display_name, row.cohort, row.programme_key,
                    titles.get(row.programme_key, row.programme_key), row.due_on, status, state, past_due,
                    best_exam, best_roleplay, last)


def _listing(scope, query, built, today, with_state=False):
    """The board's SELECT (filtered, searched and ordered; with each row's stored state on ``today`` when asked for,
    filtered or sorted by), or None when no programme applies."""
    keys = [p.key for p in built if query.programme in (None, p.key)]
    if not keys:
        return None
    pairs = applicable_pairs(scope.trainees(query.cohort), keys).subquery("pairs")
    listing = (select(pairs.c.user_id, pairs.c.programme_key, pairs.c.due_on, User.username, User.display_name,
                      Cohort.name.label("cohort"))
               .join(User, User.id == pairs.c.user_id).outerjoin(Cohort, Cohort.id == User.cohort_id))
    state = None
    if with_state or query.status or query.sort == "status":  # only then is the stored row joined
        state, past_due = report_tables.state_column(pairs.c.programme_key, pairs.c.due_on, today, built,
                                                     report_tables.glossary_terms(built))
        listing = (listing.add_columns(state.label("state"), past_due.label("past_due"))
                   .outerjoin(CertificationStatus, report_tables.status_join(pairs)))
    if query.search:
        listing = listing.where(matching(query.search))
    if query.status:
        listing = listing.where(state == query.status)
    return listing.order_by(*_order(query, pairs, built, state))


def matching(search):
    """Name or username contains ``search``, any case; ``%`` and ``_`` are plain characters."""
    pattern = "%" + search.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    return or_(User.display_name.ilike(pattern, escape="\\"), User.username.ilike(pattern, escape="\\"))


def _order(query, pairs, built, state):
    order = {p.key: n for n, p in enumerate(built)}
    programme = case(order, value=pairs.c.programme_key, else_=len(order))
    name = [User.display_name, User.username]
    first = {
        "cohort": lambda: [Cohort.name],
        "programme": lambda: [programme],
        "due": lambda: [pairs.c.due_on.is_(None), pairs.c.due_on],
        "exam": lambda: [func.coalesce(_best_exam(pairs, built), -1)],
        "status": lambda: [case({name: n for n, name in enumerate(STATE_ORDER)}, value=state, else_=len(STATE_ORDER))],
    }.get(query.sort, list)()
    if query.sort == "name" and query.descending:
        name = [key.desc() for key in name]
    elif query.descending and first:
        first = [first[0], first[1].desc()] if query.sort == "due" else [key.desc() for key in first]
    return [*first, *name, programme, pairs.c.user_id]


def applicable_pairs(trainees, keys):
    """``(user_id, programme_key, due_on)`` for each trainee of ``trainees`` and each programme of ``keys``
    that applies to them, as ``certification.applicable`` decides (one UNION ALL)."""
    takes_any = exists().where(CohortProgramme.cohort_id == User.cohort_id)
    cohort_takes = (
        select(User.id.label("user_id"), CohortProgramme.programme_key.label("programme_key"),
               CohortProgramme.due_on.label("due_on"))
        .join(CohortProgramme, CohortProgramme.cohort_id == User.cohort_id)
        .where(User.id.in_(trainees), CohortProgramme.programme_key.in_(keys)))
    held = (
        select(Certification.user_id, Certification.programme_key, cast(null(), Date).label("due_on"))
        .join(User, User.id == Certification.user_id)
        .where(User.id.in_(trainees), Certification.programme_key.in_(keys), takes_any,
               ~exists().where(CohortProgramme.cohort_id == User.cohort_id,
                               CohortProgramme.programme_key == Certification.programme_key))
        .distinct())
    every = union_all(*[select(literal(key, String(64)).label("programme_key")) for key in keys]).subquery("every")
    untaken = (select(User.id, every.c.programme_key, cast(null(), Date).label("due_on"))
               .join(every, true()).where(User.id.in_(trainees), ~takes_any))
    return union_all(cohort_takes, held, untaken)


def _keys(programme, kind):
    return [r.key for r in programme.requirements if r.kind == kind]


def _best_exam(pairs, built):
    exam_of = {p.key: _keys(p, "exam")[0] for p in built if _keys(p, "exam")}
    if not exam_of:
        return literal(None)
    return (select(func.max(QuizResult.percent))
            .where(QuizResult.user_id == pairs.c.user_id,
                   QuizResult.quiz_key == case(exam_of, value=pairs.c.programme_key)).scalar_subquery())


# --- a short-lived cache for figures over thousands of trainees -------------------------------------------

_CACHE, _CACHE_LOCK, _CACHE_SIZE = {}, threading.Lock(), 64


def cached(key, max_age, compute):
    """``compute()``, or its value from less than ``max_age`` seconds ago in this process (0: always compute).

    For figures over a whole team, where a minute's delay is harmless and paging or returning to the page
    should not pay for them again; the key names the database, so tests and instances never share a value."""
    if not max_age:
        return compute()
    key = (str(db.engine.url), *key)
    with _CACHE_LOCK:
        hit = _CACHE.get(key)
        if hit is not None and hit[0] > time.monotonic():
            return hit[1]
    value = compute()
    with _CACHE_LOCK:
        while len(_CACHE) >= _CACHE_SIZE:
            _CACHE.pop(next(iter(_CACHE)))
        _CACHE[key] = (time.monotonic() + max_age, value)
    return value


# --- the page's extra columns -------------------------------------------------------------------------

def _page_extras(user_ids, built):
    """``{(user id, programme): (best exam %, best role-play score, last activity)}`` for a page (three queries)."""
    if not user_ids:
        return {}
    exams = {}
    for user_id, quiz_key, best in db.session.execute(
            select(QuizResult.user_id, QuizResult.quiz_key, func.max(QuizResult.percent))
            .where(QuizResult.user_id.in_(user_ids)).group_by(QuizResult.user_id, QuizResult.quiz_key)):
        exams[user_id, quiz_key] = best
    outcome = case((RoleplayRun.reviewed_at.is_not(None), RoleplayRun.final_score), else_=RoleplayRun.score)
    runs = {}
    for user_id, scenario_key, best in db.session.execute(
            select(RoleplayRun.user_id, RoleplayRun.scenario_key, func.max(outcome))
            .where(RoleplayRun.user_id.in_(user_ids), RoleplayRun.mode == "assessment", RoleplayRun.status == FINISHED)
            .group_by(RoleplayRun.user_id, RoleplayRun.scenario_key)):
        runs[user_id, scenario_key] = best
    last = last_activity(user_ids)
    extras = {}
    for user_id in user_ids:
        for programme in built:
            exam = max((exams[user_id, k] for k in _keys(programme, "exam") if (user_id, k) in exams), default=None)
            scores = [runs[user_id, k] for k in _keys(programme, "scenario") if runs.get((user_id, k)) is not None]
            extras[user_id, programme.key] = (exam, max(scores, default=None), last.get(user_id))
    return extras


def last_activity(user_ids):
    """``{user id: the latest moment they studied, answered, played or reviewed a term}`` (one query)."""
    moments = union_all(
        select(LessonProgress.user_id.label("user_id"), func.max(LessonProgress.last_opened_at).label("at"))
        .where(LessonProgress.user_id.in_(user_ids)).group_by(LessonProgress.user_id),
        # an attempt's last answer is its highest seq: found in the (attempt, seq) index, one row read per attempt
        select(QuizAttempt.user_id, func.max(Answer.answered_at))
        .join(Answer, and_(Answer.attempt_id == QuizAttempt.id, Answer.seq == _last_seq()))
        .where(QuizAttempt.user_id.in_(user_ids)).group_by(QuizAttempt.user_id),
        select(RoleplayRun.user_id, func.max(func.coalesce(RoleplayRun.finished_at, RoleplayRun.started_at)))
        .where(RoleplayRun.user_id.in_(user_ids), RoleplayRun.mode != "playtest").group_by(RoleplayRun.user_id),
        select(CardState.user_id, func.max(CardState.last_review))
        .where(CardState.user_id.in_(user_ids)).group_by(CardState.user_id)).subquery("moments")
    rows = db.session.execute(select(moments.c.user_id, type_coerce(func.max(moments.c.at), UTCDateTime()))
                              .group_by(moments.c.user_id))
    return {user_id: at for user_id, at in rows}


def _last_seq():
    later = Answer.__table__.alias("later")
    return select(func.max(later.c.seq)).where(later.c.attempt_id == QuizAttempt.id).scalar_subquery()


# --- one trainee's whole record ----------------------------------------------------------------------

@dataclass
class TraineeRecord:
    user: User
    cohort: str | None
    #: ``[(core Programme, Status)]`` by the rules (read only: nothing is issued from a manager's page).
    statuses: list
    #: ``[(Lesson, LessonProgress or None)]`` in handbook order.
    lessons: list
    #: Practice and exam attempts, newest first, answers and result loaded.
    attempts: list
    #: item key → core ``Item`` (the current version: prompt, kind, options) for the answers shown.
    items: dict
    #: Role-play runs (practice and assessment), newest first.
    runs: list
    scenario_titles: dict
    #: Every trainer decision on their grades, newest first.
    reviews: list
    certifications: list
    last_activity: object


def trainee_record(scope, user_id, now=None, timezone=TIMEZONE):
    """Everything a trainee did, for their manager: None when ``user_id`` is not in ``scope``."""
    if not scope.contains(user_id):
        return None
    user = db.session.get(User, user_id)
    found = certification.evaluate([user_id], now or utcnow(), timezone)
    progress = {row.lesson_id: row for row in db.session.scalars(
        select(LessonProgress).where(LessonProgress.user_id == user_id))}
    lessons = [(lesson, progress.get(lesson.id)) for lesson in db.session.scalars(
        select(Lesson).where(or_(Lesson.retired.is_(False), Lesson.id.in_(list(progress)))).order_by(Lesson.position))]
    attempts = list(db.session.scalars(
        select(QuizAttempt).where(QuizAttempt.user_id == user_id)
        .options(selectinload(QuizAttempt.answers), selectinload(QuizAttempt.result))
        .order_by(QuizAttempt.started_at.desc(), QuizAttempt.id.desc())))
    keys = {answer.item_key for attempt in attempts for answer in attempt.answers}
    items = {row.key: item_of(row) for row in db.session.scalars(select(QuizItem).where(QuizItem.key.in_(keys)))} if keys else {}
    runs = list(db.session.scalars(
        select(RoleplayRun).where(RoleplayRun.user_id == user_id, RoleplayRun.mode != "playtest")
        .order_by(RoleplayRun.started_at.desc(), RoleplayRun.id.desc())))
    titles = dict(db.session.execute(select(Scenario.key, Scenario.title)
                                     .where(Scenario.key.in_({run.scenario_key for run in runs}))).all()) if runs else {}
    reviews = list(db.session.scalars(
        select(GradeOverride).where(GradeOverride.trainee_id == user_id)
        .options(selectinload(GradeOverride.reviewer)).order_by(GradeOverride.created_at.desc(), GradeOverride.id.desc())))
    certificates = list(db.session.scalars(select(Certification).where(Certification.user_id == user_id)
                                           .order_by(Certification.certified_at.desc())))
    return TraineeRecord(user, user.cohort.name if user.cohort else None,
                         [(programme, status) for _, programme, status in found], lessons, attempts, items, runs,
                         titles, reviews, certificates, last_activity([user_id]).get(user_id))


# --- attempts, for the CSV ------------------------------------------------------------------------------

ATTEMPT_HEADER = ("username", "name", "cohort", "kind", "content", "attempt", "number", "item", "item_version",
                  "at", "score", "max_score", "correct_or_passed", "needs_review", "reviewed_at", "response")


def attempt_rows(scope, query, batch=2000):
    """One row per answer (practice and exam) and per finished role-play run of the trainees the board's cohort
    and search select, streamed from the database in batches."""
    trainees = scope.trainees(query.cohort)
    if query.search:
        trainees = trainees.where(matching(query.search))
    person = (User.username, User.display_name, Cohort.name)
    answers = (select(*person, QuizAttempt.kind, QuizAttempt.quiz_key, QuizAttempt.id, QuizAttempt.number,
                      Answer.item_key, Answer.item_version, Answer.answered_at, Answer.score, Answer.max_score,
                      Answer.correct, Answer.needs_review, Answer.reviewed_at, Answer.response)
               .join(QuizAttempt, QuizAttempt.id == Answer.attempt_id).join(User, User.id == QuizAttempt.user_id)
               .outerjoin(Cohort, Cohort.id == User.cohort_id).where(User.id.in_(trainees))
               .order_by(User.username, QuizAttempt.id, Answer.seq))
    for row in db.session.execute(answers.execution_options(yield_per=batch)):
        *head, response = row
        yield (*head, response if isinstance(response, str) else json.dumps(response, ensure_ascii=False))
    reviewed = RoleplayRun.reviewed_at.is_not(None)
    runs = (select(*person, literal("roleplay ") + RoleplayRun.mode, RoleplayRun.scenario_key, RoleplayRun.id, null(),
                   null(), RoleplayRun.scenario_version, RoleplayRun.finished_at,
                   case((reviewed, RoleplayRun.final_score), else_=RoleplayRun.score), literal(100),
                   case((reviewed, RoleplayRun.final_passed), else_=RoleplayRun.passed), RoleplayRun.needs_review,
                   RoleplayRun.reviewed_at, null())
            .join(User, User.id == RoleplayRun.user_id).outerjoin(Cohort, Cohort.id == User.cohort_id)
            .where(User.id.in_(trainees), RoleplayRun.status == FINISHED, RoleplayRun.mode != "playtest")
            .order_by(User.username, RoleplayRun.id))
    yield from db.session.execute(runs.execution_options(yield_per=batch))
