"""Reading the handbook: path, table of contents, lesson reader, progress that survives."""
import pytest
from sqlalchemy import select

from trainer.models import LessonProgress, RoleplayRun
from trainer.models._types import utcnow
from trainer.services import progress, roleplay
from tests.conftest import statements_of


@pytest.fixture
def lessons(synced):
    return progress.published_lessons()


@pytest.fixture
def trainee(browser, make_user):
    user = make_user("ann", name="安妮")
    browser.login("ann")
    return user


def _rows(db, user):
    db.session.expire_all()
    return {row.lesson.key: row for row in db.session.scalars(select(LessonProgress).where(LessonProgress.user_id == user.id))}


def test_home_lists_every_lesson_and_the_next_one(browser, trainee, lessons):
    page = browser.get("/study/").get_data(as_text=True)
    for lesson in lessons:
        assert lesson.title in page
    assert f"/study/lessons/{lessons[0].key}" in page
    assert "0%" in page


def test_table_of_contents_groups_lessons_by_part(browser, trainee, lessons):
    page = browser.get("/study/lessons/").get_data(as_text=True)
    for part in {lesson.part for lesson in lessons}:
        assert part in page
    assert page.count('class="toc-item') == len(lessons)


def test_reading_a_lesson_records_it_as_started(browser, trainee, lessons, db):
    first = lessons[0]
    page = browser.get(f"/study/lessons/{first.key}").get_data(as_text=True)
    assert first.title in page and first.objectives[0] in page
    assert f"/study/lessons/{lessons[1].key}" in page  # next lesson link
    row = _rows(db, trainee)[first.key]
    assert row.studied_at is None


def test_lesson_body_is_served_as_rendered_at_sync(browser, trainee, lessons):
    first = lessons[0]
    page = browser.get(f"/study/lessons/{first.key}").get_data(as_text=True)
    assert first.body_html in page
    for level, anchor, text in first.outline:
        assert f'href="#{anchor}"' in page


def test_mark_as_studied_moves_on_and_survives_sign_out(browser, trainee, lessons, db):
    first, second = lessons[0], lessons[1]
    response = browser.post(f"/study/lessons/{first.key}/studied", {"studied": "1"})
    assert response.location.endswith(f"/study/lessons/{second.key}")
    browser.logout()
    browser.login("ann")
    assert _rows(db, trainee)[first.key].studied_at is not None
    page = browser.get("/study/lessons/").get_data(as_text=True)
    assert page.count("state-studied") == 1


def test_marking_twice_from_two_tabs_keeps_one_row_and_the_first_date(browser, trainee, lessons, db):
    first = lessons[0]
    browser.post(f"/study/lessons/{first.key}/studied", {"studied": "1"})
    when = _rows(db, trainee)[first.key].studied_at
    browser.post(f"/study/lessons/{first.key}/studied", {"studied": "1"})
    rows = db.session.scalars(select(LessonProgress).where(LessonProgress.user_id == trainee.id)).all()
    assert len(rows) == 1 and rows[0].studied_at == when


def test_unmarking_a_lesson(browser, trainee, lessons, db):
    first = lessons[0]
    browser.post(f"/study/lessons/{first.key}/studied", {"studied": "1"})
    browser.post(f"/study/lessons/{first.key}/studied", {"studied": "0"})
    assert _rows(db, trainee)[first.key].studied_at is None


def test_reading_time_adds_up_and_is_capped(browser, trainee, lessons, db):
    key = lessons[0].key
    assert browser.post(f"/study/lessons/{key}/time", {"seconds": "30"}).get_json() == {"added": 30}
    assert browser.post(f"/study/lessons/{key}/time", {"seconds": "3000"}).get_json() == {"added": 120}
    assert browser.post(f"/study/lessons/{key}/time", {"seconds": "-5"}).status_code == 400
    assert _rows(db, trainee)[key].seconds_spent == 150


def test_reading_time_needs_the_csrf_token(browser, trainee, lessons):
    assert browser.post(f"/study/lessons/{lessons[0].key}/time", {"seconds": "30"}, csrf=False).status_code == 400


def test_progress_is_per_person(browser, new_browser, trainee, make_user, lessons):
    browser.post(f"/study/lessons/{lessons[0].key}/studied", {"studied": "1"})
    make_user("bob")
    other = new_browser()
    other.login("bob")
    assert "state-studied" not in other.get("/study/lessons/").get_data(as_text=True)
    assert "state-studied" in browser.get("/study/lessons/").get_data(as_text=True)


def test_unknown_lesson_is_404(browser, trainee, synced):
    assert browser.get("/study/lessons/no-such-lesson").status_code == 404
    assert browser.post("/study/lessons/no-such-lesson/studied", {"studied": "1"}).status_code == 404



def _run(db, user, mode="assessment", status="finished", passed=None, reviewed=None):
    """A role-play run as the chat leaves it; ``reviewed``: the trainer's verdict (None: not reviewed)."""
    now = utcnow()
    db.session.add(RoleplayRun(user_id=user.id, scenario_key="test-wrong-item", scenario_version=1, mode=mode,
                               status=status, state={}, passed=passed, score=90 if passed else 40,
                               finished_at=None if status == "open" else now,
                               reviewed_at=None if reviewed is None else now, final_passed=reviewed))
    db.session.commit()


def _passed_by_summary(user):
    return sum(entry["passed"] for entry in roleplay.summary(roleplay.runs_of(user)).values())


def test_home_counts_passed_assessments_as_the_scenario_list_does(browser, trainee, synced, db):
    total = len(roleplay.active_scenarios())
    assert total == 1
    _run(db, trainee, passed=False)
    _run(db, trainee, mode="practice", passed=True)  # practice does not count
    _run(db, trainee, status="open")  # nor a conversation going on
    _run(db, trainee, passed=True, reviewed=False)  # the trainer's verdict counts, not the machine's
    _run(db, trainee, mode="playtest", passed=True)
    assert "考核已通过 0 / 1" in browser.get("/study/").get_data(as_text=True)
    assert _passed_by_summary(trainee) == 0
    _run(db, trainee, passed=False, reviewed=True)
    assert "考核已通过 1 / 1" in browser.get("/study/").get_data(as_text=True)
    _run(db, trainee, passed=True)  # a second pass of the same scenario is the same scenario
    assert "考核已通过 1 / 1" in browser.get("/study/").get_data(as_text=True)
    assert _passed_by_summary(trainee) == 1


def test_home_does_not_count_a_pass_of_a_scenario_no_longer_offered(browser, trainee, synced, db):
    _run(db, trainee, passed=True)
    assert "考核已通过 1 / 1" in browser.get("/study/").get_data(as_text=True)
    db.session.add(RoleplayRun(user_id=trainee.id, scenario_key="retired-long-ago", scenario_version=1,
                               mode="assessment", status="finished", state={}, passed=True, score=90,
                               finished_at=utcnow()))
    db.session.commit()  # retired since, or never synced here: not one of the 1 scenario offered
    assert "考核已通过 1 / 1" in browser.get("/study/").get_data(as_text=True)


def test_home_counts_runs_and_scenarios_without_loading_them(browser, trainee, synced, db):
    for _ in range(3):
        _run(db, trainee, passed=True)
    browser.get("/study/")  # the handbook is read once per process and content version
    response, statements = statements_of(db, lambda: browser.get("/study/"))
    assert response.status_code == 200
    # a trainee's runs carry each conversation and its debrief, a scenario its whole script: neither is read
    assert not [s for s in statements if "roleplay_runs.state" in s or "scenarios.definition" in s]
    assert len(statements) <= 6  # the session, the handbook's version, progress, these counts, mastery, the exam
