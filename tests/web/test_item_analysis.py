"""The item analysis pages: trainers see every test, its items with their key points or checks, and the CIC."""
from datetime import timedelta

import pytest

from trainer.models._types import utcnow
from tests.services.test_item_analysis import TABLE, first_round, practise, run


@pytest.fixture
def trainer(browser, make_user, synced):
    user = make_user("tina", roles=["trainer"])
    browser.login("tina")
    return user


@pytest.fixture
def practised(db, make_user, synced):
    start = utcnow() - timedelta(days=1)
    for n, row in enumerate(TABLE):
        practise(db, make_user(f"t{n}"), first_round(*row), start)
    db.session.commit()


def _page(browser, url):
    response = browser.get(url)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_start_page_links_to_item_analysis(browser, trainer):
    assert "/author/analysis" in _page(browser, "/author/")


def test_overview_lists_the_exam_each_quiz_and_each_role_play(browser, trainer, practised):
    page = _page(browser, "/author/analysis")
    for title, url in [("岗前知识考试", "/author/analysis/exam/final-exam"),
                       ("退款基础 · 小测", "/author/analysis/quiz/refund-basics"),
                       ("保温杯发错了颜色", "/author/analysis/scenario/test-wrong-item")]:
        assert title in page and url in page
    # the quiz: six trainees; rb-multi, rb-order and rb-match always right → three items need checking
    row = page.split("/author/analysis/quiz/refund-basics")[1].split("</tr>")[0]
    assert '<td class="num">6</td>' in row and '<span class="badge badge-off">3</span>' in row
    assert "44.3%" in row  # the CIC (tests/services: 44.31)


def test_quiz_detail_shows_items_key_points_and_flags(browser, trainer, practised):
    page = _page(browser, "/author/analysis/quiz/refund-basics")
    assert "顾客收货第 5 天申请七天无理由退货" in page  # the prompt names the item
    for figure in ("66.7%", "51.6%", "31.6", "33.3%", "59.4", "66.7%", "44.3%"):
        assert figure in page
    # rb-short's key points nested under it, with their own figures
    assert page.count('class="analysis-part') == 4
    assert "核对订单信息" in page and "24.3" in page and "72.8" in page
    assert "Points in the right order" in page or "要点顺序正确" in page
    # nobody gives the third point: flagged with its reason
    assert page.count("analysis-flag") == 5  # three items always right, p3 and the order never earned


def test_scenario_detail_groups_checks_by_category(browser, trainer, db, make_user):
    for n, (x, y, score) in enumerate([(1, 1, 90), (1, 0, 70), (0, 1, 60), (0, 0, 30)]):
        status = {1: "met", 0: "missed"}
        run(db, make_user(f"r{n}"), {"apologise": status[x], "empathise": status[y]}, score)
    db.session.commit()
    page = _page(browser, "/author/analysis/scenario/test-wrong-item")
    assert page.count('class="analysis-group"') == 6  # opening, empathy, facts, solution, recovery, closing
    assert "真诚道歉" in page and "50.7" in page and "85.3%" in page


def test_empty_tests_show_dashes(browser, trainer):
    page = _page(browser, "/author/analysis/exam/final-exam")
    assert "—" in page


def test_unknown_test_is_404(browser, trainer):
    assert browser.get("/author/analysis/quiz/nope").status_code == 404
    assert browser.get("/author/analysis/lesson/refund-basics").status_code == 404


def test_trainee_cannot_see_the_analysis(browser, make_user, synced):
    make_user("ann")
    browser.login("ann")
    assert browser.get("/author/analysis/quiz/refund-basics").status_code == 403
