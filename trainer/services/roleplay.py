"""Role-play use cases: start or resume a run, take a reply exactly once, stop, debrief, replay a file.

The conversation's state lives in the run row and every reply in its own row, written in the
same transaction: a reloaded page or a restarted server carries on where the trainee was.
"""
import logging

from sqlalchemy import and_, distinct, func, or_, select
from sqlalchemy.exc import IntegrityError

from ..core import roleplay
from ..core.content.scenarios import parse_replies
from ..core.content.source import decode_utf8
from ..core.errors import ContentInvalid
from ..extensions import db
from ..models import ContentVersion, Lesson, RoleplayRun, RoleplayTurn, Scenario
from ..models.roleplay import FINISHED, MODES, OPEN, PLAYTEST
from ..models._types import utcnow
from . import certification
from .catalog import content_hash
from .grading import scenario_loading as built_scenario_loading
from .grading import scenario_of as built_scenario

log = logging.getLogger(__name__)
#: The chat box's limit; longer replies are refused by the form, and cut here as a last resort.
MAX_REPLY = 500


class RoleplayError(Exception):
    """Something the trainee cannot do now; ``code`` says what (the web layer words it)."""

    def __init__(self, code):
        super().__init__(code)
        self.code = code


class ReplayInputError(Exception):
    """An unknown scenario or an unreadable transcript, said in words for the command line."""


def active_scenarios():
    return list(db.session.scalars(select(Scenario).where(Scenario.retired.is_(False)).order_by(Scenario.key)))


def active_scenario(key):
    return db.session.scalar(select(Scenario).where(Scenario.key == key, Scenario.retired.is_(False)))


#: Where ``get_run`` and ``scenario_of`` keep the hash of the run's scenario version on the run object:
#: a published version never changes (content versions are only ever added), so once read it holds.
_HASH = "_scenario_version_hash"


def _version_of(run):
    return (ContentVersion.kind == "scenario", ContentVersion.key == run.scenario_key,
            ContentVersion.version == run.scenario_version)


def get_run(run_id):
    """The run, with its scenario version's hash read in the same statement (``scenario_of`` then reads nothing)."""
    found = db.session.execute(
        select(RoleplayRun, ContentVersion.content_hash).outerjoin(ContentVersion, and_(*_version_of(RoleplayRun)))
        .where(RoleplayRun.id == run_id)).first()
    if found is None:
        return None
    run, version_hash = found
    if version_hash is not None and run.definition is None:
        setattr(run, _HASH, version_hash)
    return run


def scenario_of(run):
    """The scenario exactly as it was when ``run`` started (a play-test: the draft it tried)."""
    if run.definition is not None:
        return built_scenario(run.scenario_key, content_hash(run.definition), run.definition)
    # the version's hash (read once per run object), and its definition only if it was not built yet
    version_hash = getattr(run, _HASH, None)
    if version_hash is None:
        version_hash = db.session.scalar(select(ContentVersion.content_hash).where(*_version_of(run)))
        if version_hash is not None:
            setattr(run, _HASH, version_hash)
    return built_scenario_loading(run.scenario_key, version_hash,
                                  lambda: db.session.scalar(select(ContentVersion.definition).where(*_version_of(run))))


def current_scenario(row):
    return built_scenario(row.key, row.content_hash, row.definition)


def open_run(user, key, mode):
    return db.session.scalar(select(RoleplayRun).where(
        RoleplayRun.user_id == user.id, RoleplayRun.scenario_key == key, RoleplayRun.mode == mode,
        RoleplayRun.status == OPEN))


def start_run(user, row, mode, now=None):
    """The trainee's open run on this scenario in this mode, or a new one (safe from two tabs)."""
    if mode not in MODES:
        raise RoleplayError("unknown_mode")
    existing = open_run(user, row.key, mode)
    if existing is not None:
        return existing
    now = now or utcnow()
    state = roleplay.start(current_scenario(row), mode)
    run = RoleplayRun(user_id=user.id, scenario_key=row.key, scenario_version=row.version, mode=mode,
                      state=state.to_dict(), customer_at=now, started_at=now)
    try:
        with db.session.begin_nested():
            db.session.add(run)
    except IntegrityError:
        return open_run(user, row.key, mode)
    log.info("roleplay %s (%s) started by %s: run %s", row.key, mode, user.username, run.id)
    return run


def start_playtest(user, scenario, now=None):
    """A trainer plays a draft (a built ``Scenario``) in the real chat, as in practice; not counted.

    A new play-test replaces the trainer's open one of the same scenario, so an edited draft is
    always tried as it now stands.
    """
    existing = open_run(user, scenario.id, PLAYTEST)
    if existing is not None:
        stop_run(user, existing, now)
    now = now or utcnow()
    state = roleplay.start(scenario, "practice")
    run = RoleplayRun(user_id=user.id, scenario_key=scenario.id, scenario_version=0, mode=PLAYTEST,
                      definition=scenario.definition, state=state.to_dict(), customer_at=now, started_at=now)
    db.session.add(run)
    db.session.flush()
    return run


def take_reply(user, run, seq, text, now=None):
    """Store the agent's reply number ``seq`` and move the conversation on.

    A reply already stored under ``seq`` (a double click, a resent form) is not taken again.
    """
    _require_own(user, run)
    text = (text or "").strip()[:MAX_REPLY]
    if not text:
        raise RoleplayError("empty")
    stored = run.state["replies"]  # written with the turns, in the same transaction
    if seq <= stored:
        return run
    if run.status != OPEN:
        raise RoleplayError("finished")
    if seq != stored + 1:
        raise RoleplayError("out_of_step")
    now = now or utcnow()
    seconds = max(0.0, (now - run.customer_at).total_seconds())
    scenario = scenario_of(run)
    state = roleplay.take_reply(scenario, roleplay.Run.from_dict(run.state), text, seconds)
    try:
        with db.session.begin_nested():
            db.session.add(RoleplayTurn(run_id=run.id, seq=seq, text=text, seconds=round(seconds, 1), sent_at=now))
    except IntegrityError:  # the same reply, sent at the same moment by another request
        db.session.refresh(run)
        return run
    run.state = state.to_dict()
    run.customer_at = now
    if state.ended:
        _finish(run, scenario, state, now)
    db.session.flush()
    return run


def stop_run(user, run, now=None):
    """The trainee ends the conversation early; what was not done counts as missed."""
    _require_own(user, run)
    if run.status != OPEN:
        return run
    scenario = scenario_of(run)
    _finish(run, scenario, roleplay.stop(roleplay.Run.from_dict(run.state)), now or utcnow())
    db.session.flush()
    return run


def ask_hint(user, run):
    """Practice only: what the current stage is after, with model wordings of what is missing."""
    _require_own(user, run)
    if run.mode == "assessment":
        raise RoleplayError("no_hints_in_assessment")
    if run.status != OPEN:
        raise RoleplayError("finished")
    run.hints += 1
    db.session.flush()
    return hint_of(run)


def hint_of(run):
    return roleplay.hint(scenario_of(run), roleplay.Run.from_dict(run.state))


def suggestions_of(run):
    """Practice only: replies to pick from at the current stage."""
    if run.mode == "assessment" or run.status != OPEN:
        return ()
    scenario = scenario_of(run)
    return roleplay.engine.current_stage(scenario, roleplay.Run.from_dict(run.state)).suggestions


def runs_of(user, key=None):
    query = select(RoleplayRun).where(RoleplayRun.user_id == user.id)
    if key:
        query = query.where(RoleplayRun.scenario_key == key)
    return list(db.session.scalars(query.order_by(RoleplayRun.started_at.desc())))


def lesson_titles():
    """``{lesson key: title}``, for the debrief's "reread" links."""
    return dict(db.session.execute(select(Lesson.key, Lesson.title)).all())


def summary(runs):
    """Per scenario key: open runs by mode, finished runs counted, best assessment, passed or not."""
    result = {}
    for run in runs:
        if run.mode == PLAYTEST:
            continue
        entry = result.setdefault(run.scenario_key, {"open": {}, "practised": 0, "assessed": 0, "best": None,
                                                     "passed": False})
        if run.status == OPEN:
            entry["open"][run.mode] = run
        elif run.mode == "practice":
            entry["practised"] += 1
        else:
            entry["assessed"] += 1
            entry["best"] = max(entry["best"] or 0, run.outcome_score or 0)
            entry["passed"] = entry["passed"] or bool(run.outcome_passed)
    return result


def assessment_counts(user):
    """``(active scenarios, active scenarios this trainee passed an assessment of)``, in one statement.

    Passed as ``summary`` counts it: a finished assessment whose outcome (the reviewer's verdict once
    there is one) passed; open runs, practice and play-tests do not count. Read from the outcomes
    index, without loading any run."""
    offered = select(Scenario.key).where(Scenario.retired.is_(False))
    passed = select(func.count(distinct(RoleplayRun.scenario_key))).where(
        RoleplayRun.user_id == user.id, RoleplayRun.mode == "assessment", RoleplayRun.status == FINISHED,
        RoleplayRun.scenario_key.in_(offered),
        or_(and_(RoleplayRun.reviewed_at.is_not(None), RoleplayRun.final_passed.is_(True)),
            and_(RoleplayRun.reviewed_at.is_(None), RoleplayRun.passed.is_(True))))
    active = select(func.count()).select_from(offered.subquery())
    return tuple(db.session.execute(select(active.scalar_subquery(), passed.scalar_subquery())).one())


def _finish(run, scenario, state, now):
    result = roleplay.debrief(scenario, state)
    run.state = state.to_dict()
    run.debrief = result
    run.score = result["score"]
    run.passed = result["passed"]
    # practice and play-tests do not count, so only an assessment waits for a trainer
    run.needs_review = result["needs_review"] and run.mode == "assessment"
    run.status = FINISHED
    run.finished_at = now
    log.info("roleplay run %s finished: %s, score %s", run.id, "passed" if run.passed else "not passed", run.score)
    if run.mode == "assessment" and run.passed and not run.needs_review:
        db.session.flush()
        certification.refresh(run.user_id, now, only_if=("scenario", run.scenario_key))


def _require_own(user, run):
    if run.user_id != user.id:
        raise RoleplayError("not_yours")


def replay_file(bundle, scenario_id, data, name, mode="assessment"):
    """Play a transcript file's replies against a loaded scenario; return the debrief."""
    scenario = next((s for s in bundle.scenarios if s.id == scenario_id), None)
    if scenario is None:
        known = ", ".join(s.id for s in bundle.scenarios) or "none"
        raise ReplayInputError(f"unknown scenario '{scenario_id}' (known: {known})")
    try:
        text = decode_utf8(data, name)
    except ContentInvalid as invalid:
        raise ReplayInputError(str(invalid.errors[0])) from None
    replies = parse_replies(text)
    if not replies:
        raise ReplayInputError(f"{name}: no replies (write one reply per line)")
    _, result = roleplay.replay(scenario, replies, mode)
    return result
