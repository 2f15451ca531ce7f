"""The managers' pages: who may open them, the board's filters, the trainee's record with its evidence, the team
view's charts and tables, and the CSV files (UTF-8 with a BOM, no cell Excel would run)."""
import csv
import io

import pytest
from sqlalchemy import select

from trainer.models import User
from tests.services.test_reports import app_config, people  # noqa: F401  (fixtures: the programme and its people)

MANAGE_ROUTES = ["/manage/", "/manage/team", "/manage/board.csv", "/manage/attempts.csv"]


@pytest.fixture
def boss(browser, people):  # noqa: F811
    browser.login("boss")
    return browser


def text(response):
    return response.get_data(as_text=True)


# --- access --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("username", ["ann", "trainer1"])
def test_trainees_and_trainers_are_refused(browser, people, make_user, username):  # noqa: F811
    if username == "trainer1":
        make_user("trainer1", roles=["trainer"])
    browser.login(username)
    for url in [*MANAGE_ROUTES, f"/manage/trainees/{people['ann'].id}"]:
        assert browser.get(url).status_code == 403, url


def test_anonymous_visitors_are_sent_to_sign_in(browser, people):  # noqa: F811
    response = browser.get("/manage/")
    assert response.status_code == 302 and "/login" in response.location


def test_a_manager_of_another_cohort_gets_404_for_a_trainee_outside_their_cohorts(boss, people):  # noqa: F811
    assert boss.get(f"/manage/trainees/{people['dan'].id}").status_code == 404
    assert boss.get("/manage/trainees/999999").status_code == 404
    assert boss.get(f"/manage/trainees/{people['boss'].id}").status_code == 404  # not a trainee
    page = text(boss.get("/manage/?q=丹"))
    assert "丹尼" not in page and 'class="empty"' in page
    board = text(boss.get("/manage/board.csv"))
    assert "dan" not in board and "ann" in board
    assert "dan" not in text(boss.get("/manage/attempts.csv"))
    # a cohort id of someone else's cohort in the filter is ignored, not obeyed
    from trainer.services import accounts

    other = accounts.get_or_create_cohort("二班").id
    assert "丹尼" not in text(boss.get(f"/manage/?cohort={other}"))


def test_an_administrator_sees_every_cohort(browser, people, db):  # noqa: F811
    browser.login("root")
    page = text(browser.get("/manage/"))
    assert all(name in page for name in ("安妮", "鲍勃", "丹尼"))
    assert browser.get(f"/manage/trainees/{people['dan'].id}").status_code == 200


def test_the_nav_links_to_the_board_for_managers_only(browser, people):  # noqa: F811
    browser.login("boss")
    assert 'href="/manage/"' in text(browser.get("/study/"))
    browser.logout()
    browser.login("ann")
    assert 'href="/manage/"' not in text(browser.get("/study/"))


# --- the board ---------------------------------------------------------------------------------------------

def test_board_filters_sort_search_and_paging(boss, people):  # noqa: F811
    page = text(boss.get("/manage/"))
    assert page.index("=HYPERLINK") < page.index("安妮") < page.index("鲍勃")  # by name
    assert f'href="/manage/trainees/{people["ann"].id}"' in page
    page = text(boss.get("/manage/?sort=name&order=desc"))
    assert page.index("鲍勃") < page.index("安妮")
    page = text(boss.get("/manage/?status=certified"))
    assert "安妮" in page and "鲍勃" not in page
    page = text(boss.get("/manage/?q=bob"))
    assert "鲍勃" in page and "安妮" not in page
    page = text(boss.get("/manage/?status=nonsense&sort=nonsense&page=x"))  # a stale bookmark: defaults
    assert "安妮" in page and "鲍勃" in page
    assert 'aria-sort="ascending"' in page


def test_board_pages(boss, people, app):  # noqa: F811
    app.config["MANAGE_PER_PAGE"] = 2
    first = text(boss.get("/manage/"))
    assert 'rel="prev"' not in first and "page=2" in first
    second = text(boss.get("/manage/?page=2"))
    assert "鲍勃" in second and "安妮" not in second


# --- the trainee's record ------------------------------------------------------------------------------------

def test_a_trainees_record_shows_rubric_evidence_transcripts_and_reviews(boss, people, db):  # noqa: F811
    from datetime import UTC, datetime

    from trainer.models import Answer, GradeOverride

    answer = db.session.scalar(select(Answer).join(Answer.attempt).where(Answer.item_key == "rb-short")
                               .where(Answer.attempt.has(user_id=people["bob"].id)))
    reviewer = db.session.scalar(select(User).where(User.username == "root"))
    answer.reviewed_at, answer.review_comment = datetime.now(UTC), "补发之前先核对订单"
    db.session.add(GradeOverride(action="confirm", answer_id=answer.id, trainee_id=people["bob"].id,
                                 reviewer_id=reviewer.id, old_score=answer.score, new_score=answer.score,
                                 max_score=answer.max_score, reason="评分正确", content_kind="item",
                                 content_key="rb-short", content_version=1))
    db.session.commit()
    page = text(boss.get(f"/manage/trainees/{people['ann'].id}"))
    assert "安妮" in page and "向顾客道歉" in page and "«" in page  # a key point earned, with the trainee's words
    assert "bubble-customer" in page and "bubble-agent" in page  # the role-play transcript
    assert "岗前" in page or "final-exam" in page
    page = text(boss.get(f"/manage/trainees/{people['bob'].id}"))
    assert "核对订单信息" in page and "is-wrong" in page  # a key point missed
    assert "补发之前先核对订单" in page and "评分正确" in page  # the review decision and its comment


# --- the team view -----------------------------------------------------------------------------------------

def test_team_view_draws_each_chart_with_its_table(boss, people):  # noqa: F811
    page = text(boss.get("/manage/team"))
    assert page.count("<svg") >= 3 and page.count("<table") >= 3
    assert 'role="img"' in page and "<desc" in page
    assert "style=" not in page and "<script" not in page.split("</head>")[1]  # CSP: no inline style or script


# --- CSV ---------------------------------------------------------------------------------------------------------

def read_csv(response):
    body = response.get_data()
    assert body.startswith("\ufeff".encode())  # the BOM: Excel then reads UTF-8
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


def test_board_csv_is_excel_safe_and_follows_the_filters(boss, people):  # noqa: F811
    response = boss.get("/manage/board.csv?status=overdue")
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.headers["Content-Disposition"].startswith('attachment; filename="status-board-')
    header, *rows = read_csv(response)
    assert header[:5] == ["username", "name", "cohort", "programme", "status"]
    assert sorted(row[0] for row in rows) == ["bob", "cat"]
    cat = next(row for row in rows if row[0] == "cat")
    assert cat[1] == "'=HYPERLINK(\"http://x\")"  # the formula is shown as text, never run
    assert cat[2] == "一班" and cat[3] == "售后客服" and cat[4] == "overdue"


def test_attempts_csv_lists_answers_and_runs(boss, people):  # noqa: F811
    header, *rows = read_csv(boss.get("/manage/attempts.csv"))
    assert header[0] == "username" and "response" in header
    assert {row[0] for row in rows} == {"ann", "bob"}
    assert any(row[3] == "roleplay assessment" for row in rows)
    assert any(row[-1] == "给顾客补发。" for row in rows)
