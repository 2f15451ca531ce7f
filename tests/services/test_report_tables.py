"""The reports' stored tables: the state the board reads from ``certification_statuses`` on any day is the one the
certification rules decide (every state, every date boundary), and both tables stay in step with the results
after each kind of event — what the rows hold after a commit is exactly what working them out afresh gives."""
from datetime import timedelta

import pytest
from sqlalchemy import select

from trainer.core.content.scenarios import parse_replies
from trainer.models import Certification, CertificationStatus, Scenario, SkillMark, User
from trainer.services import certification, report_tables, reports, review, review_wording, roleplay
from trainer.services.reports import BoardQuery

from ..conftest import CONTENT_DIR
from .test_reports import (NOW, PROGRAMME, answer_short, app_config, certify, play, practise, remember,  # noqa: F401
                           sit_exam, study, take)
from .test_review import RIGHT, SURE_WOULD_CHANGE, UNSURE, give, trainer  # noqa: F401


def admin_scope(make_user):
    return reports.scope_for(make_user("root", roles=["admin"]))


def states_on(scope, now):
    """``(stored reading, rules)``: ``{(user id, programme): state}`` on the day of ``now``."""
    stored = {(row.user_id, row.programme): (row.state, row.past_due)
              for row in reports.board_rows(scope, BoardQuery(), now)}
    exact = {(user_id, p.key): (str(status.state), status.past_due) for user_id, p, status in
             certification.evaluate(list(db_ids(scope)), now)}
    return stored, exact


def db_ids(scope):
    from trainer.extensions import db
    return db.session.scalars(scope.trainees())


def stored_rows(db):
    """Both tables as plain tuples (without the moment they were written)."""
    statuses = {(r.user_id, r.programme_key): {k: v for k, v in vars(r).items() if k not in ("_sa_instance_state",
                                                                                           "updated_at")}
                for r in db.session.scalars(select(CertificationStatus).execution_options(populate_existing=True))}
    marks = {(r.user_id, r.kind, r.content_key): (r.source_id, r.marks)
             for r in db.session.scalars(select(SkillMark).execution_options(populate_existing=True))}
    return statuses, marks


def assert_in_step(db):
    """The committed rows equal a rebuild from every result (then thrown away)."""
    kept = stored_rows(db)
    report_tables.rebuild(now=NOW)
    fresh = stored_rows(db)
    db.session.rollback()
    assert kept == fresh
    return kept


# --- the state on any day ------------------------------------------------------------------------------

@pytest.fixture
def varied(db, synced, make_user):
    """Trainees in every state, with due dates, renewal windows, expiries and glossary decay falling in the
    days ``test_…every_day`` walks through."""
    today = NOW.date()
    take(db, "一班", today + timedelta(days=3))
    take(db, "二班")
    people = {name: make_user(name, cohort="一班" if n % 2 else "二班") for n, name in enumerate(
        ("fresh", "reader", "waiting", "window", "renewing", "lapsing", "revoked", "decaying", "done", "late"))}
    study(db, people["reader"], NOW - timedelta(days=3), keys=["greeting"])
    for name in ("waiting", "decaying", "done", "late"):
        study(db, people[name], NOW - timedelta(days=4))
        practise(db, people[name], NOW - timedelta(days=4))
        sit_exam(db, people[name], NOW - timedelta(days=4))
        play(db, people[name], NOW - timedelta(days=4)).needs_review = name in ("waiting", "late")
        remember(db, people[name], NOW - timedelta(days=2))
    # the glossary of "decaying" fades within the days walked: recall is counted for 8 days only
    from trainer.models import CardState
    for card in db.session.scalars(select(CardState).where(CardState.user_id == people["decaying"].id)):
        card.card = {**card.card, "stability": 8.0}
    certify(db, people["window"], NOW - timedelta(days=330))  # renewal window opens in 5 days, expires in 35
    certify(db, people["renewing"], NOW - timedelta(days=340))  # in the window; fresh results renew it
    study(db, people["renewing"], NOW - timedelta(days=2))
    practise(db, people["renewing"], NOW - timedelta(days=2))
    sit_exam(db, people["renewing"], NOW - timedelta(days=2))
    play(db, people["renewing"], NOW - timedelta(days=2))
    remember(db, people["renewing"], NOW - timedelta(days=2))
    certify(db, people["lapsing"], NOW - timedelta(days=355))  # expires in 10 days
    certify(db, people["revoked"], NOW - timedelta(days=20))
    db.session.flush()
    db.session.scalar(select(Certification).where(Certification.user_id == people["revoked"].id)).revoked_at = \
        NOW - timedelta(days=1)
    certify(db, people["done"], NOW - timedelta(days=3))
    db.session.commit()
    return people


def test_the_stored_state_is_the_rules_state_on_every_day(db, varied, make_user):
    scope = admin_scope(make_user)
    seen = set()
    for offset in range(-2, 40):
        stored, exact = states_on(scope, NOW + timedelta(days=offset))
        assert stored == exact, f"day {offset}"
        seen |= {state for state, _ in exact.values()}
    assert seen == {"not_started", "in_progress", "awaiting_review", "certified", "expiring_soon", "expired",
                    "overdue"}


def test_glossary_decay_moves_the_state_on_the_day_it_happens(db, varied, make_user):
    scope = admin_scope(make_user)
    key = (varied["decaying"].id, PROGRAMME)
    days = [states_on(scope, NOW + timedelta(days=offset))[0][key][0] for offset in range(0, 12)]
    # all met (not issued yet); once retention is lost, late (一班 was due in 3 days, and never certified)
    assert days[0] == "certified" and days[-1] == "overdue"
    assert 3 < days.index("overdue") < 11


def test_trainees_without_a_row_read_as_the_rules_read_an_empty_record(db, synced, make_user):
    take(db, "一班", NOW.date() - timedelta(days=1))
    make_user("nobody", cohort="一班")
    make_user("outside")
    scope = admin_scope(make_user)
    assert db.session.scalar(select(CertificationStatus.user_id)) is None
    stored, exact = states_on(scope, NOW)
    assert stored == exact and {state for state, _ in stored.values()} == {"overdue", "not_started"}


# --- in step with every kind of event ------------------------------------------------------------------------

@pytest.fixture
def ann(make_user, synced):
    return make_user("ann")


def test_a_graded_answer_writes_its_marks_and_the_trainees_status(db, ann, give):
    give(ann, RIGHT)
    statuses, marks = assert_in_step(db)
    assert statuses[ann.id, PROGRAMME]["started"]
    source, text = marks[ann.id, "point", "rb-short"]
    assert "p1" in text.split("|")[0].split()  # the apology point met


def test_an_answer_awaiting_a_trainer_counts_once_decided(db, ann, trainer, give):
    answer = give(ann, UNSURE)
    assert answer.needs_review
    _, marks = assert_in_step(db)
    assert (ann.id, "point", "rb-short") not in marks
    review.decide_answers(trainer, [answer.id], 4.0, "对不住 is an apology")
    db.session.commit()
    _, marks = assert_in_step(db)
    assert marks[ann.id, "point", "rb-short"][0] == answer.id


def test_a_regrade_through_an_accepted_wording_rewrites_the_marks(db, ann, trainer, give, make_user):
    bob = make_user("bob")
    earlier = give(bob, SURE_WOULD_CHANGE)  # 「对不住」 not an apology yet: p1 missed
    assert "p1" in assert_in_step(db)[1][bob.id, "point", "rb-short"][1].split("|")[1].split()  # missed
    group = [give(ann, UNSURE)]
    preview = review_wording.preview_wording([group[0].id], "p1", "对不住")
    review_wording.apply_wording(trainer, [group[0].id], "p1", "对不住", "对不住 is an apology", None, True,
                                 preview.token)
    db.session.commit()
    _, marks = assert_in_step(db)
    source, text = marks[bob.id, "point", "rb-short"]
    assert source == earlier.id and "p1" in text.split("|")[0].split()  # met once re-graded


def finish_run(db, user, transcript="pass", review_it=False):
    row = roleplay.active_scenario("test-wrong-item")
    run = roleplay.start_run(user, row, "assessment")
    text = (CONTENT_DIR / "scenarios" / "transcripts" / f"test-wrong-item.{transcript}.txt").read_text("utf-8")
    for seq, (reply, _) in enumerate(parse_replies(text), start=1):
        roleplay.take_reply(user, run, seq, reply)
        db.session.commit()
    if run.status != "finished":
        roleplay.stop_run(user, run)
    if review_it:
        run.needs_review = True
    db.session.commit()
    return run


def test_a_finished_roleplay_writes_its_checks_and_a_decision_keeps_them_in_step(db, ann, trainer):
    run = finish_run(db, ann, "fail", review_it=True)
    statuses, marks = assert_in_step(db)
    assert statuses[ann.id, PROGRAMME]["started"] and (ann.id, "check", "test-wrong-item") not in marks
    review.confirm_run(trainer, run, "checked")
    db.session.commit()
    _, marks = assert_in_step(db)
    assert marks[ann.id, "check", "test-wrong-item"][0] == run.id


def test_issuing_expiry_and_a_retest_follow_the_rules(db, synced, make_user):
    take(db, "一班")
    user = make_user("cara", cohort="一班")
    when = NOW - timedelta(days=3)
    study(db, user, when)
    practise(db, user, when)
    sit_exam(db, user, when)
    play(db, user, when)
    remember(db, user, when)
    db.session.commit()
    scope = admin_scope(make_user)
    assert states_on(scope, NOW)[0][user.id, PROGRAMME][0] == "certified"  # met, not issued yet
    (issued,) = certification.refresh(user, NOW)
    db.session.commit()
    statuses, _ = assert_in_step(db)
    assert statuses[user.id, PROGRAMME]["expires_on"] == certification.local_day(issued.expires_at)
    for offset in (0, 334, 335, 364, 365, 366):  # renewal window and expiry, from the stored dates
        stored, exact = states_on(scope, NOW + timedelta(days=offset))
        assert stored == exact, offset
    assert states_on(scope, NOW + timedelta(days=366))[0][user.id, PROGRAMME][0] == "expired"
    # a material change goes live: the scenario's version 2 is published
    scenario = db.session.scalar(select(Scenario).where(Scenario.key == "test-wrong-item"))
    scenario.version = 2
    db.session.commit()
    statuses, _ = assert_in_step(db)
    assert statuses[user.id, PROGRAMME]["retest_failed"]
    stored, exact = states_on(scope, NOW)
    assert stored == exact and stored[user.id, PROGRAMME][0] == "retest_due"


def test_a_rollback_leaves_no_rows(db, ann, give):
    from trainer.models import LessonProgress, Lesson
    lesson = db.session.scalar(select(Lesson).where(Lesson.key == "greeting"))
    db.session.add(LessonProgress(user_id=ann.id, lesson_id=lesson.id))
    db.session.flush()
    db.session.rollback()
    db.session.commit()
    assert db.session.scalar(select(CertificationStatus.user_id).where(CertificationStatus.user_id == ann.id)) is None


def test_rebuild_fills_both_tables_from_the_results(db, ann, give):
    give(ann, RIGHT)
    db.session.execute(CertificationStatus.__table__.delete())
    db.session.execute(SkillMark.__table__.delete())
    db.session.commit()
    trainees, marks = report_tables.rebuild(now=NOW)
    db.session.commit()
    assert (trainees, marks) == (1, 1)
    assert db.session.scalar(select(User.id).join(CertificationStatus, CertificationStatus.user_id == User.id)) == ann.id


def test_a_savepoint_rolled_back_keeps_the_transactions_other_changes_noted(db, ann):
    from trainer.models import Lesson, LessonProgress
    lesson = db.session.scalar(select(Lesson).where(Lesson.key == "greeting"))
    db.session.add(LessonProgress(user_id=ann.id, lesson_id=lesson.id))
    db.session.flush()
    savepoint = db.session.begin_nested()
    db.session.add(LessonProgress(user_id=ann.id, lesson_id=lesson.id))  # a duplicate: refused
    with pytest.raises(Exception):
        db.session.flush()
    savepoint.rollback()
    db.session.commit()
    statuses, _ = assert_in_step(db)
    assert statuses[ann.id, PROGRAMME]["started"]
