"""Certification service: results gathered from the database for many trainees in a fixed number of
queries, certificates issued once, re-tests after a material change, and the refresh hooks."""
import shutil
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import event, func, select

from trainer.core import certification as rules
from trainer.core import drill
from trainer.core.content.scenarios import parse_replies
from trainer.models import (Answer, CardState, Certification, CohortProgramme, Lesson, LessonProgress,
                            QuizAttempt, QuizResult, RoleplayRun, Scenario)
from trainer.services import attempts, audit, certification, roleplay
from trainer.services.demo import model_response
from trainer.services.grading import item_of
from tests.conftest import CONTENT_DIR, TESTS

NOW = datetime(2026, 6, 10, 4, 0, tzinfo=UTC)  # 12:00 in Shanghai
TODAY = date(2026, 6, 10)
TERMS = ["soothe", "seven-day-return"]  # the glossary terms of lesson refund-basics, which the programme asks for


@pytest.fixture
def app_config(tmp_path):
    """The test content with the test programme (refund-desk) in certification/."""
    root = tmp_path / "content"
    shutil.copytree(CONTENT_DIR, root, ignore=shutil.ignore_patterns("broken"))
    (root / "certification").mkdir()
    shutil.copy(TESTS / "data" / "certification" / "refund-desk.yaml", root / "certification")
    return {"CONTENT_DIR": str(root)}


# --- rows, as the other services would have written them ---------------------------------------------

def study(db, user, when, keys=("greeting", "refund-basics")):
    for key in keys:
        lesson = db.session.scalar(select(Lesson).where(Lesson.key == key))
        db.session.add(LessonProgress(user_id=user.id, lesson_id=lesson.id, first_opened_at=when, last_opened_at=when,
                                      studied_at=when))


def practise(db, user, when, pattern="TTTTT", version=1, unsure=(), status="open"):
    """A practice attempt on refund-basics with answers right (T) or wrong (F), a minute apart."""
    attempt = QuizAttempt(user_id=user.id, quiz_key="refund-basics", kind="practice", quiz_version=version,
                          item_keys=["rb-window"], seed=1, started_at=when, status=status)
    db.session.add(attempt)
    db.session.flush()
    for seq, mark in enumerate(pattern):
        db.session.add(Answer(attempt_id=attempt.id, seq=seq, item_key="rb-window", item_version=1, response=0,
                              score=float(mark == "T"), max_score=1.0, correct=mark == "T", needs_review=seq in unsure,
                              result={}, answered_at=when + timedelta(minutes=seq)))
    if pattern.count("T") >= 3:
        attempt.mastered_at = when + timedelta(minutes=len(pattern))
    return attempt


def sit_exam(db, user, when, percent=90.0, pending=False, version=1):
    attempt = QuizAttempt(user_id=user.id, quiz_key="final-exam", kind="exam", quiz_version=version, status="submitted",
                          item_keys=[], seed=1, started_at=when)
    db.session.add(attempt)
    db.session.flush()
    db.session.add(QuizResult(attempt_id=attempt.id, user_id=user.id, quiz_key="final-exam", score=percent,
                              max_score=100, percent=percent, passed=percent >= 60, needs_review=pending,
                              submitted_at=when))


def play(db, user, when, passed=True, review=False, version=1, mode="assessment", reviewed=None, status="finished"):
    run = RoleplayRun(user_id=user.id, scenario_key="test-wrong-item", scenario_version=version, mode=mode, status=status,
                      state={}, started_at=when, finished_at=when if status == "finished" else None, score=85.0 if passed else 60.0,
                      passed=passed, needs_review=review and reviewed is None)
    if reviewed is not None:
        run.reviewed_at, run.final_passed, run.final_score = when, reviewed, 90.0 if reviewed else 50.0
    db.session.add(run)
    return run


def remember(db, user, when, keys=TERMS, stability=30.0):
    for key in keys:
        card = drill.review(drill.new_card(when), 3, when).card
        card["stability"] = stability
        db.session.add(CardState(user_id=user.id, term_key=key, card=card, due=when + timedelta(days=stability),
                                 reps=1, last_review=when, created_at=when))


def complete(db, user, when):
    """Every requirement of refund-desk met at ``when``."""
    study(db, user, when)
    practise(db, user, when)
    sit_exam(db, user, when)
    play(db, user, when)
    remember(db, user, when)
    db.session.commit()


@pytest.fixture
def trainee(make_user, synced):
    return make_user("ann")


def state_of(user, now=NOW):
    (row,) = certification.statuses([user.id], now)
    return row.status


# --- summaries from the rows ---------------------------------------------------------------------------

def test_summary_reads_every_kind_of_result(db, trainee, make_user):
    evening = datetime(2026, 6, 1, 20, 0, tzinfo=UTC)  # already 2 June in Shanghai
    study(db, trainee, evening, keys=["greeting"])
    db.session.add(LessonProgress(user_id=trainee.id, lesson_id=db.session.scalar(
        select(Lesson.id).where(Lesson.key == "refund-basics")), first_opened_at=evening))
    practise(db, trainee, evening, pattern="FFFTTFTT", unsure=(7,), status="submitted")
    practise(db, trainee, evening, pattern="TFTTT", version=2)
    sit_exam(db, trainee, evening, percent=72.0)
    sit_exam(db, trainee, evening + timedelta(days=1), percent=84.0, pending=True)
    play(db, trainee, evening, passed=True)  # counted
    play(db, trainee, evening + timedelta(days=2), passed=True, review=True)  # awaiting a trainer
    play(db, trainee, evening + timedelta(days=3), passed=True, review=True, reviewed=False)  # a trainer failed it
    play(db, trainee, evening + timedelta(days=4), mode="practice")  # practice never counts
    play(db, trainee, evening + timedelta(days=5), status="open")
    play(db, trainee, evening + timedelta(days=1), passed=True, version=2, review=True, reviewed=True)
    remember(db, trainee, evening - timedelta(days=10), stability=5.0)  # forgotten by now
    db.session.commit()
    other = make_user("bob")
    summaries = certification.summaries([trainee.id, other.id], certification.programmes(), NOW)
    summary = summaries[trainee.id]
    june2, june3 = date(2026, 6, 2), date(2026, 6, 3)
    assert summary.lessons == {"greeting": rules.LessonRecord(True), "refund-basics": rules.LessonRecord(False)}
    detailed = certification.summaries([trainee.id], certification.programmes(), NOW, detail=True)[trainee.id]
    assert detailed.lessons == {"greeting": rules.LessonRecord(True, june2), "refund-basics": rules.LessonRecord(False)}
    assert sorted(summary.quizzes["refund-basics"], key=lambda r: r.version) == [
        # the latest five answers: T(3) T(4) F T T(7, awaiting review)
        rules.QuizRecord(version=1, window=5, mastery_correct=3, answered=5, right=3, pending_right=1,
                         first_on=june2, last_on=june2, mastered_on=june2),
        rules.QuizRecord(version=2, window=5, mastery_correct=3, answered=5, right=4, pending_right=0,
                         first_on=june2, last_on=june2, mastered_on=june2)]
    assert sorted(summary.exams["final-exam"], key=lambda r: r.on) == [
        rules.ExamRecord(1, 72.0, False, june2), rules.ExamRecord(1, 84.0, True, june3)]
    assert sorted(summary.scenarios["test-wrong-item"], key=lambda r: r.version) == [
        rules.ScenarioRecord(1, passed_on=june2, pending_on=date(2026, 6, 4), best_score=85.0, runs=3),
        rules.ScenarioRecord(2, passed_on=june3, pending_on=None, best_score=90.0, runs=1)]
    scope = rules.glossary_scope(0.9, ["refund-basics"])
    assert summary.glossary == {scope: rules.Retention(0, 2)}
    assert summaries[other.id] == rules.Summary(glossary={scope: rules.Retention(0, 2)})


@pytest.mark.parametrize("days_later", [0, 1, 4, 5, 6, 9, 10, 11, 30])
def test_glossary_retention_in_sql_is_what_fsrs_predicts(db, trainee, days_later):
    """The SQL measure counts exactly the cards ``drill.retrievability`` puts at 0.9 or more."""
    reviewed = NOW - timedelta(days=12, hours=5)
    cards = []
    for key, stability in zip(TERMS, (6.3, 17.0)):
        card = drill.review(drill.new_card(reviewed), 3, reviewed).card
        card["stability"] = stability
        cards.append(card)
        db.session.add(CardState(user_id=trainee.id, term_key=key, card=card, due=reviewed, reps=1,
                                 last_review=reviewed, created_at=reviewed))
    db.session.commit()
    now = reviewed + timedelta(days=days_later)
    at = certification._day_end(now, certification.ZoneInfo(certification.TIMEZONE))
    summary = certification.summaries([trainee.id], certification.programmes(), now)[trainee.id]
    (retention,) = summary.glossary.values()
    assert retention.retained == rules.retained(cards, at, 0.9)


# --- issuing -----------------------------------------------------------------------------------

def test_a_certificate_is_issued_once(db, trainee):
    complete(db, trainee, NOW - timedelta(days=2))
    assert state_of(trainee).issue == rules.CERTIFY
    (issued,) = certification.refresh(trainee, NOW)
    db.session.commit()
    assert certification.refresh(trainee, NOW) == [] and certification.refresh(trainee, NOW + timedelta(days=3)) == []
    row = db.session.scalar(select(Certification))
    assert db.session.scalar(select(func.count(Certification.id))) == 1
    assert (row.user_id, row.programme_key, row.programme_version) == (trainee.id, "refund-desk", 1)
    assert row.certified_at == NOW and len(row.code) >= 20
    assert row.expires_at == datetime(2027, 6, 9, 16, 0, tzinfo=UTC)  # midnight of 10 June 2027 in Shanghai
    assert set(row.evidence) == {"lesson:greeting", "lesson:refund-basics", "quiz:refund-basics", "exam:final-exam",
                                 "scenario:test-wrong-item", "glossary"}
    assert row.evidence["scenario:test-wrong-item"] == {"title": "错发商品退款", "kind": "scenario", "key": "test-wrong-item",
                                                        "on": "2026-06-08", "version": 1, "score": 85.0, "max_score": 100}
    assert row.evidence["exam:final-exam"]["percent"] == 90.0 and row.evidence["exam:final-exam"]["pass_percent"] == 60
    status = state_of(trainee)
    assert (status.state, status.certified_on, status.expires_on, status.renew_from) == (
        rules.State.CERTIFIED, TODAY, date(2027, 6, 10), date(2027, 5, 11))
    (event,) = audit.events(action="certification.")
    assert (event.action, event.target_key, event.target_id, event.data["user_id"]) == (
        "certification.issue", "refund-desk", row.id, trainee.id)


def test_codes_are_unguessable_and_unique(db, make_user, synced):
    users = [make_user(f"t{n}") for n in range(5)]
    for user in users:
        complete(db, user, NOW)
    written = certification.refresh_all(NOW)
    db.session.commit()
    assert len(written) == 5 and len({c.code for c in written}) == 5


def test_nothing_is_issued_while_a_role_play_awaits_review(db, trainee):
    study(db, trainee, NOW)
    practise(db, trainee, NOW)
    sit_exam(db, trainee, NOW)
    run = play(db, trainee, NOW, review=True)
    remember(db, trainee, NOW)
    db.session.commit()
    assert state_of(trainee).state == rules.State.AWAITING_REVIEW
    assert certification.refresh(trainee, NOW) == []
    run.reviewed_at, run.final_passed, run.final_score, run.needs_review = NOW, True, 81.0, False
    db.session.commit()
    assert len(certification.refresh(trainee, NOW)) == 1


def test_renewal_in_the_window_extends_from_the_old_expiry(db, trainee):
    complete(db, trainee, NOW)
    certification.refresh(trainee, NOW)
    db.session.commit()
    in_window = NOW + timedelta(days=340)
    assert state_of(trainee, in_window).state == rules.State.EXPIRING_SOON
    db.session.execute(QuizAttempt.__table__.update().values(status="submitted"))
    practise(db, trainee, in_window)
    play(db, trainee, in_window)
    remember(db, trainee, in_window, keys=[])
    db.session.execute(CardState.__table__.update().values(last_review=in_window))
    db.session.commit()
    (renewed,) = certification.refresh(trainee, in_window)
    assert renewed.expires_at == datetime(2028, 6, 8, 16, 0, tzinfo=UTC)  # 2027-06-10 + 365 days (2028 is a leap year)
    assert state_of(trainee, in_window).state == rules.State.CERTIFIED


def test_material_change_makes_the_certificate_due_for_a_targeted_retest(db, trainee):
    complete(db, trainee, NOW - timedelta(days=30))
    (issued,) = certification.refresh(trainee, NOW - timedelta(days=30))
    db.session.commit()
    expires_at, code = issued.expires_at, issued.code
    # version 2 of the scenario is published (the programme marks it as material: 错发运费新规)
    scenario = db.session.scalar(select(Scenario).where(Scenario.key == "test-wrong-item"))
    scenario.version = 2
    db.session.commit()
    status = state_of(trainee)
    assert status.state == rules.State.RETEST_DUE
    assert [(r.key, r.reason, r.description) for r in status.remaining] == [
        ("test-wrong-item", "retest", "通过『错发商品退款』场景考核（错发运费新规：需按新版重新完成）")]
    play(db, trainee, NOW, version=2)
    db.session.commit()
    (retested,) = certification.refresh(trainee, NOW)
    db.session.commit()
    assert retested.id == issued.id and (retested.expires_at, retested.code) == (expires_at, code)
    assert db.session.scalar(select(func.count(Certification.id))) == 1
    seen = retested.evidence["scenario:test-wrong-item"]
    assert (seen["version"], seen["on"], seen["note"]) == (2, "2026-06-10", "错发运费新规") and seen["retested_at"]
    assert state_of(trainee).state == rules.State.CERTIFIED and certification.refresh(trainee, NOW) == []


def test_a_cohorts_due_date_and_its_programmes(db, trainee, make_user):
    late = make_user("late", cohort="2026年5月入职批次")
    db.session.add(CohortProgramme(cohort_id=late.cohort_id, programme_key="refund-desk", due_on=date(2026, 6, 1)))
    db.session.commit()
    study(db, late, NOW, keys=["greeting"])
    db.session.commit()
    rows = {row.username: row for row in certification.statuses([trainee.id, late.id], NOW)}
    assert rows["late"].status.state == rules.State.OVERDUE and rows["late"].status.due_on == date(2026, 6, 1)
    assert rows["late"].cohort == "2026年5月入职批次" and rows["late"].programme_title == "售后客服"
    assert rows["ann"].status.state == rules.State.NOT_STARTED and rows["ann"].status.due_on is None
    assert rows["late"].to_dict()["state"] == "overdue"


# --- many trainees in a fixed number of queries ----------------------------------------------------------

@pytest.fixture
def count_queries(db):
    statements = []

    def listener(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", listener)
    yield statements
    event.remove(db.engine, "before_cursor_execute", listener)


def cohort_of(db, make_user, size, prefix):
    users = [make_user(f"{prefix}{n}", cohort=f"{prefix}批次") for n in range(size)]
    for n, user in enumerate(users):
        when = NOW - timedelta(days=n)
        study(db, user, when, keys=["greeting", "refund-basics"][: n % 3])
        if n % 2:
            practise(db, user, when, pattern="TTFTT"[: 1 + n % 5])
        if n % 3 == 0:
            sit_exam(db, user, when, percent=50.0 + n)
        if n % 4 == 0:
            play(db, user, when, passed=bool(n % 8))
        if n % 5 == 0:
            remember(db, user, when)
    db.session.commit()
    return users


def test_statuses_of_many_trainees_take_a_fixed_number_of_queries(db, make_user, synced, count_queries):
    few = [u.id for u in cohort_of(db, make_user, 3, "few")]
    many = [u.id for u in cohort_of(db, make_user, 40, "many")]
    count_queries.clear()
    certification.statuses(few, NOW)
    for_few = len(count_queries)
    count_queries.clear()
    rows = certification.statuses(many, NOW)
    assert len(count_queries) == for_few <= 13
    assert len(rows) == 40 and {r.user_id for r in rows} == set(many)
    count_queries.clear()
    from trainer.models import User

    assert len(certification.statuses(select(User.id).where(User.username.like("many%")), NOW)) == 40
    assert len(count_queries) == for_few + 1  # the trainees' ids, read once from the SELECT given


def test_refresh_all_takes_a_fixed_number_of_queries_when_nothing_is_earned(db, make_user, synced, count_queries):
    cohort_of(db, make_user, 30, "t")
    count_queries.clear()
    assert certification.refresh_all(NOW) == []
    assert len(count_queries) <= 13


# --- hooks: results that can complete a programme refresh it -----------------------------------------------

def test_passing_the_last_role_play_issues_the_certificate(db, trainee):
    study(db, trainee, NOW)
    practise(db, trainee, NOW)
    sit_exam(db, trainee, NOW)
    remember(db, trainee, NOW)
    db.session.commit()
    row = roleplay.active_scenario("test-wrong-item")
    replies = parse_replies((CONTENT_DIR / "scenarios" / "transcripts" / "test-wrong-item.pass.txt").read_text("utf-8"))
    run = roleplay.start_run(trainee, row, "assessment", now=NOW)
    at = NOW
    for seq, (text, seconds) in enumerate(replies, start=1):
        at += timedelta(seconds=seconds)
        run = roleplay.take_reply(trainee, run, seq, text, now=at)
    assert run.passed and not run.needs_review
    db.session.commit()
    assert db.session.scalar(select(func.count(Certification.id))) == 1


def test_the_practice_answer_that_reaches_the_mark_issues_the_certificate(db, trainee):
    now = datetime.now(UTC)  # practice answers are stored (and refreshed) at the present moment
    study(db, trainee, now)
    sit_exam(db, trainee, now)
    play(db, trainee, now)
    db.session.commit()
    quiz = attempts.active_quiz("refund-basics")
    attempt = attempts.practice_attempt(trainee, quiz)
    issued = []
    for _ in range(5):
        seq, key = attempts.next_practice_key(attempt)
        attempts.answer_practice(trainee, attempt, seq, model_response(item_of(attempts.item_rows([key])[key])), quiz)
        issued.append(db.session.scalar(select(func.count(Certification.id))))
        if len(issued) == 2:
            remember(db, trainee, now)  # the glossary is retained from the third answer on
    # 80 % of a window of 5 is 4 right: the fourth answer completes the programme
    assert issued == [0, 0, 0, 1, 1]


def test_submitting_a_passing_exam_issues_the_certificate(db, trainee):
    study(db, trainee, NOW)
    practise(db, trainee, NOW)
    play(db, trainee, NOW)
    remember(db, trainee, NOW)
    db.session.commit()
    exam = attempts.active_exam()
    attempt = attempts.start_exam(trainee, exam, NOW)
    rows = attempts.item_rows(attempt.item_keys)
    for seq, key in enumerate(attempt.item_keys):
        attempts.save_exam_answer(trainee, attempt, seq, model_response(item_of(rows[key])), NOW)
    result = attempts.submit_exam(trainee, attempt, NOW)
    assert result.passed
    assert db.session.scalar(select(Certification.certified_at)) == NOW


def test_practice_on_an_older_quiz_version_is_closed(db, trainee):
    quiz = attempts.active_quiz("refund-basics")
    old = attempts.practice_attempt(trainee, quiz)
    db.session.commit()
    quiz.version = 2
    new = attempts.practice_attempt(trainee, quiz)
    assert new.id != old.id and (old.status, new.status, new.quiz_version) == ("submitted", "open", 2)


def test_the_cli_refreshes_everyone(db, trainee, runner):
    complete(db, trainee, datetime.now(UTC) - timedelta(hours=1))
    result = runner.invoke(args=["certification", "refresh"])
    assert result.exit_code == 0 and "1 certificate(s) issued or re-tested" in result.output
    assert runner.invoke(args=["certification", "refresh"]).output.startswith("0 certificate(s)")
