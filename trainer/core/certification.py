"""Certification rules: a trainee's stored results → their status in a programme and what remains.

Everything here is plain data in, plain data out: the service gathers a ``Summary`` per trainee
(for many trainees at once) and ``status`` decides. Dates are local calendar days.

**States, first match wins** (``cert`` is the trainee's latest certificate of the programme; a
revoked latest certificate counts as none):

1. ``retest_due`` — ``cert`` still holds, but a *material* change (``material:`` in the programme
   file) was published after the result it rests on, and the trainee has not yet met that
   requirement on the new version. Remaining: only the targeted re-tests.
2. ``expiring_soon`` — ``cert`` still holds and recertification is open (``renew_from`` =
   expiry − ``renew_days``). Remaining: what must be done again, after ``renew_from``, to renew.
3. ``certified`` — ``cert`` still holds; or no certificate holds but every requirement is met
   now (``issue`` then tells the service to issue one).
4. ``awaiting_review`` — no certificate holds; every requirement is met or provisionally met by a
   result a trainer must still confirm (a borderline role-play, an uncertain short answer).
5. ``expired`` — ``cert`` expired and the requirements are not (all) met again.
6. ``overdue`` — never certified and the cohort's due date has passed.
7. ``in_progress`` — something towards the programme is done.
8. ``not_started`` — nothing yet.

``past_due`` is reported beside the state (never certified, due date passed), so that
``awaiting_review`` past the due date is still visible as late.

**Freshness.** Before a first certificate every result counts. To renew (in the window or once
expired) the requirement groups listed in ``retake`` need results dated on or after
``renew_from``; after a revocation, results dated on or after the revocation. Lessons stay read,
and glossary retention is always measured on the day.

**Material changes.** A change ``{quiz: k, version: v}`` is *live* once version ``v`` of ``k`` is
published. From then on, only results on version ``v`` or later meet that requirement, for
everyone; a certificate whose evidence for it is older becomes ``retest_due``. Meeting the
re-test does not issue a new certificate: the service records the re-test in the certificate's
evidence (``issue == RETEST``) and its expiry stays as it was.
"""
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum

from . import drill


class State(StrEnum):
    NOT_STARTED = "not_started"
    IN_PROGRESS = "in_progress"
    AWAITING_REVIEW = "awaiting_review"
    CERTIFIED = "certified"
    EXPIRING_SOON = "expiring_soon"
    EXPIRED = "expired"
    OVERDUE = "overdue"
    RETEST_DUE = "retest_due"


#: What the service should do for a status: issue a first certificate, renew, or record a re-test.
CERTIFY, RENEW, RETEST = "certify", "renew", "retest"

#: Why a requirement is not met yet.
TODO, BELOW, REVIEW, RETESTING, RENEWING = "todo", "below", "review", "retest", "renew"


# --- the programme ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Requirement:
    kind: str  # lesson | quiz | exam | scenario | glossary
    key: str
    label: str
    #: quiz: share of the mastery window right (None: the quiz's mastery rule); exam: percent;
    #: glossary: share of the terms retained.
    min_percent: float | None = None
    #: glossary: the predicted recall a term needs on the day.
    min_recall: float | None = None
    #: glossary: only the terms of these lessons (empty: the whole glossary).
    lessons: tuple[str, ...] = ()

    @property
    def scope(self):
        """Identifies a glossary measure in ``Summary.glossary``."""
        return glossary_scope(self.min_recall, self.lessons)


def glossary_scope(min_recall, lessons):
    return (float(min_recall or 0), tuple(sorted(lessons)))


@dataclass(frozen=True)
class Material:
    kind: str
    key: str
    version: int
    note: str


@dataclass(frozen=True)
class Programme:
    key: str
    title: str
    version: int
    valid_days: int
    renew_days: int
    requirements: tuple[Requirement, ...]
    retake: frozenset = frozenset({"quiz", "exam", "scenario"})
    material: tuple[Material, ...] = ()
    #: The published version of each ``(kind, key)`` a material change names; a change whose
    #: version is not published yet is dormant.
    live: Mapping = field(default_factory=dict)
    summary: str = ""

    @classmethod
    def from_definition(cls, key, version, definition, live=None):
        """The programme from its stored definition (``core.content.programmes``)."""
        requirements = tuple(
            Requirement(kind=r["kind"], key=r["key"], label=r["label"], min_percent=r.get("min_percent"),
                        min_recall=r.get("min_recall"), lessons=tuple(r.get("lessons", ())))
            for r in definition["requirements"])
        material = tuple(Material(m["kind"], m["key"], m["version"], m["note"]) for m in definition.get("material", ()))
        return cls(key=key, title=definition["title"], version=version, valid_days=definition["valid_days"],
                   renew_days=definition["renew_days"], requirements=requirements,
                   retake=frozenset(definition.get("retake", ("quiz", "exam", "scenario"))), material=material,
                   live=dict(live or {}), summary=definition.get("summary", ""))

    def __post_init__(self):
        # the newest live change per requirement, looked up for every requirement of every trainee
        floors = {}
        for m in self.material:
            target = (m.kind, m.key)
            if self.live.get(target, 0) >= m.version and m.version > floors.get(target, (0, None))[0]:
                floors[target] = (m.version, m)
        object.__setattr__(self, "_floors", floors)

    def live_material(self):
        """The newest published material change of each requirement."""
        return [change for _, change in self._floors.values()]

    def min_version(self, requirement):
        """Results on versions before this one do not meet ``requirement`` (0: any version)."""
        return self._floors.get((requirement.kind, requirement.key), (0, None))[0]

    def change_of(self, requirement):
        """The live material change behind ``min_version`` (its note is shown), or None."""
        return self._floors.get((requirement.kind, requirement.key), (0, None))[1]


# --- a trainee's results ---------------------------------------------------------------------

@dataclass(frozen=True)
class LessonRecord:
    """A required lesson the trainee opened."""

    studied: bool = False
    #: The day it was studied, when gathered (a certificate's evidence names it; a status does not need it).
    studied_on: date | None = None


@dataclass(frozen=True)
class QuizRecord:
    """Practice on one version of a lesson quiz, reduced to its latest mastery window."""

    version: int
    #: The answers the window holds (the latest ``window`` answers, fewer at the start).
    window: int
    #: The quiz's mastery rule: ``mastery_correct`` right of the last ``window``.
    mastery_correct: int
    answered: int = 0
    #: Right, and final (no trainer decision pending).
    right: int = 0
    #: Right by the machine's reading, awaiting a trainer.
    pending_right: int = 0
    #: The first and the latest answer of the window.
    first_on: date | None = None
    last_on: date | None = None
    #: When the mastery rule was first met on this version.
    mastered_on: date | None = None

    @property
    def percent(self):
        return 100 * self.right / self.window if self.window else 0.0


@dataclass(frozen=True)
class ExamRecord:
    """One submitted sitting."""

    version: int
    percent: float
    #: Some answer awaits a trainer: ``percent`` is provisional.
    pending: bool
    on: date


@dataclass(frozen=True)
class ScenarioRecord:
    """Assessment runs on one version of a scenario."""

    version: int
    #: The latest run that passed and counts (decided by the machine, or confirmed by a trainer).
    passed_on: date | None = None
    #: The latest run the machine passed that awaits a trainer.
    pending_on: date | None = None
    best_score: float | None = None
    runs: int = 0


@dataclass(frozen=True)
class Retention:
    """Glossary terms retained on the day, of the terms in scope."""

    retained: int
    terms: int

    @property
    def percent(self):
        return 100 * self.retained / self.terms if self.terms else 100.0


@dataclass(frozen=True)
class Issued:
    """A certificate already issued."""

    programme: str
    certified_on: date
    expires_on: date
    revoked_on: date | None = None
    #: ``(kind, key) → version`` of the results it rests on (from its evidence).
    versions: Mapping = field(default_factory=dict)
    id: int | None = None


@dataclass(frozen=True)
class Summary:
    """Everything ``status`` needs about one trainee, gathered by the service."""

    lessons: Mapping = field(default_factory=dict)  # key → LessonRecord
    quizzes: Mapping = field(default_factory=dict)  # key → (QuizRecord, …)
    exams: Mapping = field(default_factory=dict)  # key → (ExamRecord, …)
    scenarios: Mapping = field(default_factory=dict)  # key → (ScenarioRecord, …)
    glossary: Mapping = field(default_factory=dict)  # glossary_scope → Retention
    certifications: tuple = ()  # (Issued, …), any programme


# --- the verdict -----------------------------------------------------------------------------

@dataclass(frozen=True)
class Evidence:
    """The result that meets a requirement: stored with a certificate."""

    kind: str
    key: str
    #: None only for a lesson's day when the summary did not gather it.
    on: date | None
    version: int | None = None
    value: float | None = None

    def to_dict(self):
        return {"kind": self.kind, "key": self.key, "on": self.on.isoformat() if self.on else None, "version": self.version,
                "value": self.value}


@dataclass(frozen=True)
class Remaining:
    """One requirement not met yet, said for the trainee."""

    kind: str
    key: str
    label: str
    reason: str
    description: str
    current: float | None = None
    target: float | None = None

    def to_dict(self):
        return {"kind": self.kind, "key": self.key, "label": self.label, "reason": self.reason,
                "description": self.description, "current": self.current, "target": self.target}


@dataclass(frozen=True)
class Status:
    programme: str
    state: State
    #: The unmet requirements in words (see ``remaining``): a tuple, or a function making it on first use —
    #: a board of thousands of trainees shows the words of one page only.
    unmet: object = field(default=(), repr=False, compare=False)
    certified_on: date | None = None
    expires_on: date | None = None
    renew_from: date | None = None
    due_on: date | None = None
    past_due: bool = False
    #: CERTIFY, RENEW or RETEST when the service should act; None otherwise.
    issue: str | None = None
    #: What meets each requirement (all of them when ``issue`` is CERTIFY or RENEW, the re-tested ones for RETEST).
    evidence: tuple[Evidence, ...] = ()
    met: int = 0
    total: int = 0
    #: How many requirements remain (``len(remaining)``, without wording them).
    left: int = 0

    @property
    def remaining(self):
        """``(Remaining, …)``: what is still to do, each said for the trainee."""
        if callable(self.unmet):
            object.__setattr__(self, "unmet", tuple(self.unmet()))
        return self.unmet

    def to_dict(self):
        day = lambda d: d.isoformat() if d else None  # noqa: E731
        return {"programme": self.programme, "state": str(self.state), "remaining": [r.to_dict() for r in self.remaining],
                "certified_on": day(self.certified_on), "expires_on": day(self.expires_on),
                "renew_from": day(self.renew_from), "due_on": day(self.due_on), "past_due": self.past_due,
                "issue": self.issue, "met": self.met, "total": self.total, "left": self.left}


class _Check:
    """One requirement checked: the evidence meeting it, or why not (internal; thousands per board)."""

    __slots__ = ("requirement", "evidence", "pending", "touched", "current", "met")

    def __init__(self, requirement, evidence=None, pending=False, touched=False, current=None):
        self.requirement, self.evidence, self.pending, self.touched, self.current = \
            requirement, evidence, pending, touched, current
        self.met = evidence is not None


def status(programme, summary, today, due_on=None):
    """The trainee's state in ``programme`` on ``today`` (see the module docstring for the rules)."""
    issued = [c for c in summary.certifications if c.programme == programme.key]
    latest = max(issued, key=lambda c: (c.certified_on, c.id or 0), default=None)
    cert = latest if latest is not None and latest.revoked_on is None else None
    past_due = due_on is not None and today > due_on and not any(c.revoked_on is None for c in issued)
    since = latest.revoked_on if cert is None and latest is not None else None
    if cert is not None and today >= renew_from(programme, cert):
        since = renew_from(programme, cert)
    checks = _checks(programme, summary, today, since)
    unmet = [c for c in checks if not c.met]
    common = {"programme": programme.key, "due_on": due_on, "past_due": past_due,
              "met": len(checks) - len(unmet), "total": len(checks)}
    if cert is not None and today < cert.expires_on:
        return _holding(programme, summary, today, cert, checks, unmet, since, common)
    if not unmet:
        expires_on = today + timedelta(days=programme.valid_days)
        return Status(state=State.CERTIFIED, certified_on=today, expires_on=expires_on,
                      renew_from=expires_on - timedelta(days=programme.renew_days), issue=RENEW if cert else CERTIFY,
                      evidence=tuple(c.evidence for c in checks), **common)
    if all(c.pending for c in unmet):
        state = State.AWAITING_REVIEW
    elif cert is not None:
        state = State.EXPIRED
    elif past_due:
        state = State.OVERDUE
    elif len(unmet) < len(checks) or any(c.pending or c.touched for c in unmet):
        state = State.IN_PROGRESS
    else:
        state = State.NOT_STARTED
    dates = _dates(programme, cert) if cert is not None else {}
    return Status(state=state, unmet=_words(programme, summary, today, unmet, since), left=len(unmet), **dates, **common)


def _words(programme, summary, today, unmet, since, retest=False):
    """What remains, worded when first asked for."""
    return lambda: [_remaining(programme, summary, today, c, since, retest) for c in unmet]


def renew_from(programme, cert):
    """The first day recertification is open (results from this day on count for renewal)."""
    return cert.expires_on - timedelta(days=programme.renew_days)


def _dates(programme, cert):
    return {"certified_on": cert.certified_on, "expires_on": cert.expires_on, "renew_from": renew_from(programme, cert)}


def _holding(programme, summary, today, cert, checks, unmet, since, common):
    """A certificate holds: certified, expiring soon, re-test due, or ready to renew or re-test."""
    window = today >= renew_from(programme, cert)
    if window and not unmet:
        expires_on = cert.expires_on + timedelta(days=programme.valid_days)
        return Status(state=State.CERTIFIED, certified_on=today, expires_on=expires_on,
                      renew_from=expires_on - timedelta(days=programme.renew_days), issue=RENEW,
                      evidence=tuple(c.evidence for c in checks), **common)
    dates = _dates(programme, cert)
    targeted = _affected(programme, cert)
    if targeted:
        retests = [_check(programme, r, summary, today, None) for r in targeted]
        failed = [c for c in retests if not c.met]
        if failed:
            return Status(state=State.RETEST_DUE, unmet=_words(programme, summary, today, failed, None, retest=True),
                          left=len(failed), **dates, **common)
        if window:
            return Status(state=State.EXPIRING_SOON, unmet=_words(programme, summary, today, unmet, since),
                          left=len(unmet), issue=RETEST, evidence=tuple(c.evidence for c in retests), **dates, **common)
        return Status(state=State.CERTIFIED, issue=RETEST, evidence=tuple(c.evidence for c in retests), **dates, **common)
    if window:
        return Status(state=State.EXPIRING_SOON, unmet=_words(programme, summary, today, unmet, since), left=len(unmet),
                      **dates, **common)
    return Status(state=State.CERTIFIED, **dates, **common)


def _affected(programme, cert):
    """The requirements a live material change re-tests for this certificate."""
    stale = {(m.kind, m.key) for m in programme.live_material() if (cert.versions.get((m.kind, m.key)) or 0) < m.version}
    return [r for r in programme.requirements if (r.kind, r.key) in stale]


# --- one requirement -------------------------------------------------------------------------

def _checks(programme, summary, today, since):
    """Every requirement checked; lessons (most of them) by lookup, without new objects."""
    lessons, checks = summary.lessons, []
    for requirement, check, floor, renewable, lesson in _plan(programme):
        if lesson is None:
            checks.append(check(requirement, summary, today, since if renewable else None, floor))
            continue
        record = lessons.get(requirement.key)
        if record is None or not record.studied or record.studied_on is None:
            checks.append(lesson[0] if record is None else lesson[2] if record.studied else lesson[1])
        else:
            checks.append(_Check(requirement, Evidence("lesson", requirement.key, record.studied_on), touched=True))
    return checks


def _plan(programme):
    """Per requirement: its check, its version floor, whether renewal asks for it again, and for a
    lesson its three possible checks (not opened, opened, studied on an unknown day). Made once."""
    plan = programme.__dict__.get("_plan")
    if plan is None:
        plan = []
        for r in programme.requirements:
            lesson = (_Check(r), _Check(r, touched=True), _Check(r, Evidence("lesson", r.key, None), touched=True)) \
                if r.kind == "lesson" else None
            plan.append((r, _CHECKS[r.kind], programme.min_version(r), r.kind in programme.retake, lesson))
        object.__setattr__(programme, "_plan", plan)
    return plan


def _check(programme, requirement, summary, today, since, min_version=None):
    """Is ``requirement`` met by results on at least ``min_version`` dated on or after ``since``?"""
    if min_version is None:
        min_version = programme.min_version(requirement)
    return _CHECKS[requirement.kind](requirement, summary, today, since, min_version)


def _fresh(on, since):
    return on is not None and (since is None or on >= since)


def _lesson(requirement, summary, today, since, min_version):
    record = summary.lessons.get(requirement.key)
    if record is None:
        return _Check(requirement)
    evidence = Evidence("lesson", requirement.key, record.studied_on) if record.studied else None
    return _Check(requirement, evidence=evidence, touched=True)


def _quiz(requirement, summary, today, since, min_version):
    target, best, pending, touched, current = requirement.min_percent, None, False, False, None
    for r in summary.quizzes.get(requirement.key, ()):
        if r.version < min_version:
            continue
        touched = touched or r.answered > 0
        fresh = r.first_on is not None and (since is None or r.first_on >= since)
        if fresh and (current is None or round(r.percent) > current):
            current = round(r.percent)
        if target is None:  # the quiz's own mastery rule; mastery once reached stays
            needed = r.mastery_correct
            if r.mastered_on is not None and (since is None or r.mastered_on >= since):
                on = r.mastered_on
            else:
                on = r.last_on if fresh and r.right >= needed else None
            pending = pending or (on is None and fresh and r.right + r.pending_right >= needed)
        else:
            on = r.last_on if fresh and r.right * 100 >= target * r.window else None
            pending = pending or (on is None and fresh and (r.right + r.pending_right) * 100 >= target * r.window)
        if on is not None and (best is None or on > best[0]):
            best = (on, r.version, round(r.percent, 1))
    evidence = Evidence("quiz", requirement.key, *best) if best else None
    return _Check(requirement, evidence, pending and best is None, touched, current)


def _exam(requirement, summary, today, since, min_version):
    records = [r for r in summary.exams.get(requirement.key, ()) if r.version >= min_version and _fresh(r.on, since)]
    passing = [r for r in records if r.percent >= requirement.min_percent]
    final = [r for r in passing if not r.pending]
    best = max(final, key=lambda r: (r.percent, r.on), default=None)
    evidence = Evidence("exam", requirement.key, best.on, best.version, best.percent) if best else None
    return _Check(requirement, evidence=evidence, pending=best is None and bool(passing),
                  touched=bool(summary.exams.get(requirement.key)),
                  current=max((r.percent for r in records), default=None))


def _scenario(requirement, summary, today, since, min_version):
    records = [r for r in summary.scenarios.get(requirement.key, ()) if r.version >= min_version]
    passed = [r for r in records if _fresh(r.passed_on, since)]
    best = max(passed, key=lambda r: r.passed_on, default=None)
    evidence = Evidence("scenario", requirement.key, best.passed_on, best.version, best.best_score) if best else None
    return _Check(requirement, evidence=evidence, pending=best is None and any(_fresh(r.pending_on, since) for r in records),
                  touched=any(r.runs for r in summary.scenarios.get(requirement.key, ())))


def _glossary(requirement, summary, today, since, min_version):
    retention = summary.glossary.get(requirement.scope)
    if retention is None:
        return _Check(requirement, current=0)
    met = retention.retained * 100 >= requirement.min_percent * retention.terms
    evidence = Evidence("glossary", requirement.key, today, None, round(retention.percent, 1)) if met else None
    return _Check(requirement, evidence=evidence, touched=retention.retained > 0,
                  current=math.floor(retention.percent))


_CHECKS = {"lesson": _lesson, "quiz": _quiz, "exam": _exam, "scenario": _scenario, "glossary": _glossary}


# --- saying what remains ---------------------------------------------------------------------

def _remaining(programme, summary, today, check, since, retest=False):
    requirement = check.requirement
    change = programme.change_of(requirement)
    if check.pending:
        reason = REVIEW
    elif retest or (change and _check(programme, requirement, summary, today, since, min_version=0).met):
        reason = RETESTING
    elif since is not None and requirement.kind in programme.retake and _check(programme, requirement, summary, today, None).met:
        reason = RENEWING
    elif check.touched and check.current is not None:
        reason = BELOW
    else:
        reason = TODO
    return Remaining(kind=requirement.kind, key=requirement.key, label=requirement.label, reason=reason,
                     description=describe(requirement, reason, check.current, change.note if change else None, since),
                     current=check.current, target=requirement.min_percent)


def describe(requirement, reason=TODO, current=None, note=None, since=None):
    """The requirement in the trainee's words: 通过『错发商品退款』场景考核（等待老师复核）."""
    label, target = requirement.label, requirement.min_percent
    text = {
        "lesson": lambda: f"学完『{label}』",
        "quiz": lambda: f"掌握『{label}』小测" if target is None else f"『{label}』小测得分达到 {target:g}%",
        "exam": lambda: f"『{label}』得分达到 {target:g}%",
        "scenario": lambda: f"通过『{label}』场景考核",
        "glossary": lambda: f"术语保持率达到 {target:g}%",
    }[requirement.kind]()
    if reason == BELOW and current is not None and target is not None:
        text += f"（目前 {current:g}%）"
    elif reason == REVIEW:
        text += "（已完成，等待老师复核）"
    elif reason == RETESTING:
        text += f"（{note}：需按新版重新完成）" if note else "（需按新版重新完成）"
    elif reason == RENEWING and since is not None:
        text += f"（续证：{chinese_date(since)}起需重新完成）"
    return text


def chinese_date(day):
    return f"{day.year}年{day.month}月{day.day}日"


# --- glossary retention ----------------------------------------------------------------------

def recall_horizon(min_recall, scheduler=drill.SCHEDULER):
    """``k`` such that FSRS predicts recall ≥ ``min_recall`` exactly when elapsed whole days ≤ k × stability.

    FSRS: R(t) = (1 + F·t/S)^D with D < 0, so R ≥ r ⟺ t ≤ S·(r^(1/D) − 1)/F; for r = 0.9, k = 1
    (stability is the interval at which recall falls to 90 %). ``t`` is in whole days, as
    ``drill.retrievability`` counts it.
    """
    decay = -scheduler.parameters[20]
    factor = 0.9 ** (1 / decay) - 1
    return (min_recall ** (1 / decay) - 1) / factor


def retained(cards, at, min_recall, scheduler=drill.SCHEDULER):
    """How many of ``cards`` (fsrs card dicts) FSRS predicts are recalled with ≥ ``min_recall`` at ``at``."""
    return sum(drill.retrievability(card, at, scheduler) >= min_recall for card in cards)
