"""Managers' reports: scope, the status board (filters, search, sort, paging, statuses), a trainee's record,
the team view (funnel, distributions, skill gaps) and the CSV rows; the board's fast state reading agrees
with the certification rules."""
import shutil
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import event, select

from trainer.core.content.scenarios import parse_replies
from trainer.core.grading import grade
from trainer.core.roleplay import replay
from trainer.models import (Answer, Certification, CohortManager, CohortProgramme, Lesson, LessonProgress, QuizAttempt,
                            QuizResult, RoleplayRun, Scenario, User)
from trainer.services import accounts, certification, reports, skill_gaps, team
from trainer.services.grading import item_of, scenario_of
from trainer.services.reports import BoardQuery
from tests.conftest import CONTENT_DIR, TESTS

NOW = datetime(2026, 6, 10, 4, 0, tzinfo=UTC)
TODAY = date(2026, 6, 10)
PROGRAMME = "refund-desk"
TRANSCRIPTS = TESTS / "data" / "content" / "scenarios" / "transcripts"


@pytest.fixture
def app_config(tmp_path):
    """The test content with the test programme (refund-desk: two lessons, a quiz, the exam, a role-play)."""
    root = tmp_path / "content"
    shutil.copytree(CONTENT_DIR, root, ignore=shutil.ignore_patterns("broken"))
    (root / "certification").mkdir()
    shutil.copy(TESTS / "data" / "certification" / "refund-desk.yaml", root / "certification")
    return {"CONTENT_DIR": str(root), "MANAGE_CACHE_SECONDS": 0}


# --- builders ---------------------------------------------------------------------------------------

def take(db, cohort, due_on=None):
    """``cohort`` (a name) takes the programme, due on ``due_on``; returns its id."""
    row = accounts.get_or_create_cohort(cohort)
    db.session.add(CohortProgramme(cohort_id=row.id, programme_key=PROGRAMME, due_on=due_on))
    db.session.commit()
    return row.id


def manage(db, manager, *cohorts):
    for name in cohorts:
        db.session.add(CohortManager(cohort_id=accounts.get_or_create_cohort(name).id, user_id=manager.id))
    db.session.commit()


def study(db, user, when, keys=("greeting", "refund-basics")):
    for key in keys:
        lesson = db.session.scalar(select(Lesson).where(Lesson.key == key))
        db.session.add(LessonProgress(user_id=user.id, lesson_id=lesson.id, first_opened_at=when, last_opened_at=when,
                                      studied_at=when))


def answer_short(db, user, when, text, review=None):
    """A practice answer to the short item rb-short graded by the real grader (its rubric evidence stored)."""
    from trainer.models import QuizItem

    row = db.session.scalar(select(QuizItem).where(QuizItem.key == "rb-short"))
    result = grade(item_of(row), text)
    attempt = QuizAttempt(user_id=user.id, quiz_key="refund-basics", kind="practice", quiz_version=1,
                          item_keys=["rb-short"], seed=1, started_at=when, status="submitted")
    db.session.add(attempt)
    db.session.flush()
    answer = Answer(attempt_id=attempt.id, seq=0, item_key="rb-short", item_version=row.version, response=text,
                    score=result.score, max_score=result.max_score, correct=result.passed,
                    needs_review=review if review is not None else result.needs_review, result=result.to_dict(),
                    answered_at=when)
    db.session.add(answer)
    return answer


def sit_exam(db, user, when, percent=90.0):
    attempt = QuizAttempt(user_id=user.id, quiz_key="final-exam", kind="exam", quiz_version=1, status="submitted",
                          item_keys=[], seed=1, started_at=when)
    db.session.add(attempt)
    db.session.flush()
    db.session.add(QuizResult(attempt_id=attempt.id, user_id=user.id, quiz_key="final-exam", score=percent,
                              max_score=100, percent=percent, passed=percent >= 60, submitted_at=when))


def play(db, user, when, transcript="pass"):
    """A finished assessment of test-wrong-item with the debrief of a calibration transcript."""
    row = db.session.scalar(select(Scenario).where(Scenario.key == "test-wrong-item"))
    scenario = scenario_of(row.key, row.content_hash, row.definition)
    replies = parse_replies((TRANSCRIPTS / f"test-wrong-item.{transcript}.txt").read_text(encoding="utf-8"))
    run, debrief = replay(scenario, replies)
    result = RoleplayRun(user_id=user.id, scenario_key=row.key, scenario_version=row.version, mode="assessment",
                         status="finished", state=run.to_dict(), started_at=when, finished_at=when,
                         score=debrief["score"], passed=debrief["passed"], needs_review=False, debrief=debrief)
    db.session.add(result)
    return result


def practise(db, user, when, right=5):
    """A practice window on refund-basics, ``right`` answers right of five."""
    attempt = QuizAttempt(user_id=user.id, quiz_key="refund-basics", kind="practice", quiz_version=1,
                          item_keys=["rb-window"], seed=1, started_at=when, mastered_at=when if right >= 3 else None)
    db.session.add(attempt)
    db.session.flush()
    for seq in range(5):
        db.session.add(Answer(attempt_id=attempt.id, seq=seq, item_key="rb-window", item_version=1, response=0,
                              score=float(seq < right), max_score=1.0, correct=seq < right, result={},
                              answered_at=when + timedelta(minutes=seq)))


def remember(db, user, when):
    """Both glossary terms of refund-basics reviewed, well remembered."""
    from trainer.core import drill
    from trainer.models import CardState

    for key in ("soothe", "seven-day-return"):
        card = drill.review(drill.new_card(when), 3, when).card
        card["stability"] = 60.0
        db.session.add(CardState(user_id=user.id, term_key=key, card=card, due=when + timedelta(days=60), reps=1,
                                 last_review=when, created_at=when))


def certify(db, user, when, days=365):
    db.session.add(Certification(user_id=user.id, programme_key=PROGRAMME, programme_version=1, certified_at=when,
                                 expires_at=when + timedelta(days=days), code=f"code-{user.id}-{when:%j}", evidence={}))


@pytest.fixture
def people(db, synced, make_user):
    """Two cohorts: 一班 (due a month ago) with ann (certified), bob (read a lesson), cat (nothing);
    二班 (due later) with dan (exam and role-play done); a manager of 一班 only; an administrator."""
    take(db, "一班", TODAY - timedelta(days=30))
    take(db, "二班", TODAY + timedelta(days=30))
    ann = make_user("ann", name="安妮", cohort="一班")
    bob = make_user("bob", name="鲍勃", cohort="一班")
    cat = make_user("cat", name="=HYPERLINK(\"http://x\")", cohort="一班")
    dan = make_user("dan", name="丹尼", cohort="二班")
    boss = make_user("boss", roles=["manager"])
    make_user("root", roles=["admin"])
    manage(db, boss, "一班")
    earlier = NOW - timedelta(days=40)
    study(db, ann, earlier)
    answer_short(db, ann, earlier, "先道歉，再核对订单，然后给顾客补发。")
    sit_exam(db, ann, earlier)
    play(db, ann, earlier)
    certify(db, ann, earlier)
    study(db, bob, earlier, keys=["greeting"])
    answer_short(db, bob, earlier, "给顾客补发。")
    sit_exam(db, dan, earlier, percent=55.0)
    play(db, dan, earlier, "fail")
    answer_short(db, dan, earlier, "给顾客补发。")
    db.session.commit()
    return {"ann": ann, "bob": bob, "cat": cat, "dan": dan, "boss": boss}


def names(page):
    return [row.username for row in page.rows]


# --- scope ------------------------------------------------------------------------------------------

def test_a_manager_sees_only_the_trainees_of_their_cohorts(db, people, make_user):
    scope = reports.scope_for(people["boss"])
    ids = set(db.session.scalars(scope.trainees()))
    assert ids == {people[n].id for n in ("ann", "bob", "cat")}
    assert scope.contains(people["ann"].id) and not scope.contains(people["dan"].id)
    assert not scope.contains(people["boss"].id)  # not a trainee
    assert [c.name for c in scope.cohorts()] == ["一班"]


def test_an_administrator_sees_everyone_and_a_manager_without_cohorts_no_one(db, people, make_user):
    root = db.session.scalar(select(User).where(User.username == "root"))
    assert reports.scope_for(root).count() == 4
    lonely = make_user("lonely", roles=["manager"])
    scope = reports.scope_for(lonely)
    assert scope.count() == 0
    assert reports.board(scope, BoardQuery(), NOW).rows == []


def test_deactivated_trainees_are_left_out(db, people):
    people["bob"].active = False
    db.session.commit()
    assert not reports.scope_for(people["boss"]).contains(people["bob"].id)


# --- the board --------------------------------------------------------------------------------------------

def test_board_rows_carry_the_rules_status_progress_scores_and_due_date(db, people):
    page = reports.board(reports.scope_for(people["boss"]), BoardQuery(), NOW)
    assert page.total == 3 and names(page) == ["cat", "ann", "bob"]  # by name: "=HYPERLINK…" sorts first
    rows = {row.username: row for row in page.rows}
    assert rows["ann"].state == "certified" and rows["ann"].status.certified_on == (NOW - timedelta(days=40)).date()
    assert rows["bob"].state == "overdue" and rows["bob"].past_due and 0 < rows["bob"].percent < 100
    assert rows["cat"].state == "overdue" and rows["cat"].status.met == 0
    assert rows["ann"].best_exam == 90.0 and rows["ann"].best_roleplay is not None
    assert rows["ann"].due_on == TODAY - timedelta(days=30) and rows["ann"].programme_title == "售后客服"
    assert rows["ann"].last_activity == NOW - timedelta(days=40) and rows["cat"].last_activity is None


def test_filters_search_sort_and_paging(db, people):
    root = db.session.scalar(select(User).where(User.username == "root"))
    scope = reports.scope_for(root)
    assert names(reports.board(scope, BoardQuery(search="丹"), NOW)) == ["dan"]
    assert names(reports.board(scope, BoardQuery(search="BO"), NOW)) == ["bob"]  # username, any case
    assert names(reports.board(scope, BoardQuery(search="%"), NOW)) == []  # a wildcard is a character
    cohort_two = accounts.get_or_create_cohort("二班").id
    assert names(reports.board(scope, BoardQuery(cohort=cohort_two), NOW)) == ["dan"]
    assert reports.board(scope, BoardQuery(programme="no-such"), NOW).total == 0
    assert names(reports.board(scope, BoardQuery(sort="exam", descending=True), NOW))[:2] == ["ann", "dan"]
    assert names(reports.board(scope, BoardQuery(sort="due", descending=True), NOW))[0] == "dan"
    first = reports.board(scope, BoardQuery(per_page=3), NOW)
    second = reports.board(scope, BoardQuery(per_page=3, page=2), NOW)
    assert (first.total, first.pages, second.page) == (4, 2, 2)
    assert len(first.rows) == 3 and len(second.rows) == 1 and not set(names(first)) & set(names(second))
    assert reports.board(scope, BoardQuery(per_page=3, page=99), NOW).page == 2  # past the end: the last page


def test_status_filter_and_sort_read_the_stored_statuses(db, people):
    root = db.session.scalar(select(User).where(User.username == "root"))
    scope = reports.scope_for(root)
    assert names(reports.board(scope, BoardQuery(status="certified"), NOW)) == ["ann"]
    assert sorted(names(reports.board(scope, BoardQuery(status="overdue"), NOW))) == ["bob", "cat"]
    assert names(reports.board(scope, BoardQuery(status="in_progress"), NOW)) == ["dan"]
    assert reports.board(scope, BoardQuery(status="expired"), NOW).total == 0
    assert names(reports.board(scope, BoardQuery(sort="status"), NOW)) == ["cat", "bob", "dan", "ann"]


def test_the_stored_state_agrees_with_the_rules(db, people, make_user):
    """Every state the rules give here — certified, expiring soon, expired, overdue, in progress, not started,
    awaiting review — the board's SQL reading of the stored statuses gives too."""
    take(db, "三班")
    soon = make_user("soon", cohort="三班")
    certify(db, soon, NOW - timedelta(days=350))  # renewal window opened 15 days before expiry
    gone = make_user("gone", cohort="三班")
    certify(db, gone, NOW - timedelta(days=400))
    make_user("fresh", cohort="三班")
    waiting = make_user("waiting", cohort="三班")  # everything done; the role-play awaits a trainer
    study(db, waiting, NOW - timedelta(days=2))
    practise(db, waiting, NOW - timedelta(days=2))
    sit_exam(db, waiting, NOW - timedelta(days=2))
    remember(db, waiting, NOW - timedelta(days=1))
    play(db, waiting, NOW - timedelta(days=2)).needs_review = True
    db.session.commit()
    root = db.session.scalar(select(User).where(User.username == "root"))
    scope = reports.scope_for(root)
    stored = {(row.user_id, row.programme): row.state for row in reports.board_rows(scope, BoardQuery(), NOW)}
    exact = {(user_id, p.key): str(status.state) for user_id, p, status in
             certification.evaluate(list(db.session.scalars(scope.trainees())), NOW)}
    assert stored == exact
    assert set(exact.values()) >= {"certified", "expiring_soon", "expired", "overdue", "in_progress", "not_started",
                                   "awaiting_review"}


def test_the_board_takes_the_same_few_queries_for_many_trainees(db, people, make_user):
    scope = reports.scope_for(db.session.scalar(select(User).where(User.username == "root")))
    counted = []
    event.listen(db.engine, "before_cursor_execute", lambda *args: counted.append(1))
    reports.board(scope, BoardQuery(status="overdue"), NOW)
    few = len(counted)
    for n in range(12):
        make_user(f"more{n}", cohort="一班")
    counted.clear()
    reports.board(scope, BoardQuery(status="overdue"), NOW)
    assert len(counted) == few
    counted.clear()
    team.overview(scope, now=NOW)
    assert len(counted) < 25


# --- a trainee's record -----------------------------------------------------------------------------------

def test_a_trainees_record_holds_everything_and_nothing_outside_the_scope(db, people):
    scope = reports.scope_for(people["boss"])
    assert reports.trainee_record(scope, people["dan"].id, NOW) is None
    assert reports.trainee_record(scope, 999999, NOW) is None
    record = reports.trainee_record(scope, people["ann"].id, NOW)
    assert record.cohort == "一班" and [p.key for p, _ in record.statuses] == [PROGRAMME]
    assert {a.kind for a in record.attempts} == {"practice", "exam"}
    short = next(a for attempt in record.attempts for a in attempt.answers if a.item_key == "rb-short")
    assert short.result["points"]["earned"] and record.items["rb-short"].kind == "short"
    assert record.runs[0].debrief["transcript"] and record.scenario_titles["test-wrong-item"]
    assert [c.programme_key for c in record.certifications] == [PROGRAMME]
    assert [lesson.key for lesson, progress in record.lessons if progress] == ["greeting", "refund-basics"]


# --- the team view ------------------------------------------------------------------------------------------

def test_team_view_funnel_distributions_and_gaps(db, people):
    root = db.session.scalar(select(User).where(User.username == "root"))
    view = team.overview(reports.scope_for(root), now=NOW)
    (funnel,) = view.funnels
    assert dict(funnel.stages) == {"members": 4, "started": 2, "lessons": 1, "exam": 1, "roleplays": 1, "certified": 1}
    (exam,) = view.exams
    assert exam.counts[9] == 1 and exam.counts[5] == 1 and exam.total == 2 and exam.pass_mark == 60
    (roleplay,) = view.roleplays
    assert roleplay.total == 2
    assert view.trainees == 4


def test_skill_gaps_count_each_trainee_once_per_item_by_cohort(db, people, monkeypatch):
    monkeypatch.setattr(skill_gaps, "MIN_ASKED", 1)
    root = db.session.scalar(select(User).where(User.username == "root"))
    answer_short(db, people["bob"], NOW, "先道歉，再核对订单，然后给顾客补发。")  # bob's latest answer is now right
    db.session.commit()
    overall, by_cohort = skill_gaps.gaps(reports.scope_for(root).trainees())
    points = {g.label: g for g in overall if g.kind == "point"}
    assert points["核对订单信息"].asked == 3  # ann, bob (latest), dan
    assert points["核对订单信息"].met == 2  # dan did not check the order
    checks = [g for g in overall if g.kind == "check"]
    assert checks and all(g.asked == 2 for g in checks) and checks[0].percent <= 50
    assert set(by_cohort) == {"一班", "二班"}
    key = ("point", "rb-short", points["核对订单信息"].part)
    assert by_cohort["一班"][key] == (2, 2) and by_cohort["二班"][key] == (0, 1)
    # an answer awaiting a trainer waits: dan's earlier answer would count, but he has no other one
    answer_short(db, people["dan"], NOW, "先道歉，再核对订单，然后补发。", review=True)
    db.session.commit()
    overall, by_cohort = skill_gaps.gaps(reports.scope_for(root).trainees())
    assert by_cohort["二班"][key] == (0, 1)


# --- CSV rows -------------------------------------------------------------------------------------------------

def test_board_rows_for_the_csv_follow_the_filters(db, people):
    scope = reports.scope_for(people["boss"])
    rows = list(reports.board_rows(scope, BoardQuery(status="overdue"), NOW))
    assert sorted(r.username for r in rows) == ["bob", "cat"] and {r.state for r in rows} == {"overdue"}
    assert all(r.status is None for r in rows)


def test_attempt_rows_cover_answers_and_runs_of_the_scope_only(db, people):
    rows = list(reports.attempt_rows(reports.scope_for(people["boss"]), BoardQuery()))
    assert {row[0] for row in rows} == {"ann", "bob"}
    assert {row[3] for row in rows} == {"practice", "roleplay assessment"}
    short = next(row for row in rows if row[7] == "rb-short" and row[0] == "bob")
    assert short[-1] == "给顾客补发。"


def test_team_figures_are_kept_for_max_age_seconds_only(db, people, make_user):
    root = db.session.scalar(select(User).where(User.username == "root"))
    scope = reports.scope_for(root)
    first = team.overview(scope, now=NOW, max_age=60)
    make_user("newcomer", cohort="一班")
    assert team.overview(scope, now=NOW, max_age=60) is first  # kept
    assert team.overview(scope, now=NOW).trainees == first.trainees + 1  # max_age 0: computed again
