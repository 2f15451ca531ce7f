"""The glossary page and the daily review, as a trainee uses them in the browser (no JavaScript)."""
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from trainer.models import CardState, ReviewLog
from trainer.models._types import utcnow
from trainer.services import drills


@pytest.fixture
def trainee(browser, make_user, synced):
    user = make_user("ann", name="安妮")
    browser.login("ann")
    return user


def _field(page, name):
    match = re.search(rf'<input[^>]*name="{name}"[^>]*value="([^"]*)"', page)
    assert match, f"no {name} field"
    return match.group(1)


def _card(browser):
    """The next card's page, and what the answer form must send back."""
    response = browser.get("/study/drill/card")
    assert response.status_code == 200, response.location
    page = response.get_data(as_text=True)
    action = re.search(r'<form method="post" action="([^"]+)" class="drill-form"', page).group(1)
    return page, action, {"version": _field(page, "version"), "shown_at": _field(page, "shown_at")}


def _options(page):
    return re.findall(r'<input[^>]*name="choice"[^>]*type="radio" value="([^"]+)"', page)


def _rating_form(page):
    action = re.search(r'action="([^"]+)" class="drill-rating"', page).group(1)
    fields = {name: _field(page, name) for name in ("version", "response", "elapsed_ms")}
    return action, fields


def _suggested(page):
    return re.search(r'name="rating" value="(\d)" class="button rating is-suggested"', page).group(1)


def _reviews(db, user):
    return db.session.scalar(select(func.count(ReviewLog.id)).where(ReviewLog.user_id == user.id))


def test_glossary_lists_every_term_by_lesson_with_links(browser, trainee):
    page = browser.get("/study/glossary").get_data(as_text=True)
    for title in ("第一句话怎么回", "核对订单信息", "退款申请的基本处理"):
        assert title in page
    for key, name in (("first-response", "首次响应时间"), ("soothe", "安抚"), ("seven-day-return", "七天无理由退货")):
        assert f'id="term-{key}"' in page and name in page
    sections = page[page.index('class="glossary-lesson"'):]
    assert sections.index("第一句话怎么回") < sections.index("首次响应时间") < sections.index("核对订单信息") < sections.index("订单备注")
    assert 'href="/study/lessons/refund-basics"' in page
    assert "签收次日起七天内" in page


def test_nav_links_to_glossary_and_daily_review(browser, trainee):
    page = browser.get("/study/").get_data(as_text=True)
    assert ">术语</a>" in page and ">今日复习</a>" in page


def test_drill_page_counts_todays_cards(browser, trainee):
    page = browser.get("/study/drill").get_data(as_text=True)
    assert "今日待复习 6 张" in page
    assert 'href="/study/drill/card"' in page


def test_a_right_choice_then_good_rating_drops_the_count(browser, trainee, db):
    page, action, fields = _card(browser)
    assert action == "/study/drill/card/first-response" and "首次响应时间" in page
    assert len(_options(page)) == 4 and "first-response" in _options(page)
    response = browser.post(action, {**fields, "choice": "first-response"})
    feedback = response.get_data(as_text=True)
    assert response.status_code == 200 and "✓" in feedback
    assert "顾客发来第一条消息后" in feedback  # the right answer with its definition
    assert _suggested(feedback) == "3"  # 良好
    for label in ("重来", "困难", "良好", "简单"):
        assert label in feedback
    rate_action, rate_fields = _rating_form(feedback)
    assert rate_fields["response"] == "first-response"
    response = browser.post(rate_action, {**rate_fields, "rating": "3"})
    assert response.status_code == 302 and response.location.endswith("/study/drill/card")
    assert "今日待复习 5 张" in browser.get("/study/drill").get_data(as_text=True)
    log = db.session.scalar(select(ReviewLog).where(ReviewLog.user_id == trainee.id))
    assert (log.term_key, log.correct, log.rating, log.suggested_rating) == ("first-response", True, 3, 3)
    assert log.elapsed_ms is not None and 0 <= log.elapsed_ms < 60_000


def test_a_wrong_choice_explains_and_suggests_again(browser, trainee, db):
    page, action, fields = _card(browser)
    wrong = next(v for v in _options(page) if v != "first-response")
    feedback = browser.post(action, {**fields, "choice": wrong}).get_data(as_text=True)
    assert "✗" in feedback and _suggested(feedback) == "1"  # 重来
    assert "你选的是" in feedback
    rate_action, rate_fields = _rating_form(feedback)
    browser.post(rate_action, {**rate_fields, "rating": "1"})
    log = db.session.scalar(select(ReviewLog).where(ReviewLog.user_id == trainee.id))
    assert (log.correct, log.rating, log.response) == (False, 1, wrong)


def test_no_choice_shows_the_card_again_with_an_error(browser, trainee):
    _, action, fields = _card(browser)
    response = browser.post(action, fields)
    assert response.status_code == 200 and "drill-form" in response.get_data(as_text=True)
    assert 'role="alert"' in response.get_data(as_text=True)


def test_free_recall_shows_the_rubric_evidence(browser, trainee, db):
    _make_recall_due(db, trainee, "soothe")
    page, action, fields = _card(browser)
    assert action == "/study/drill/card/soothe" and "<textarea" in page
    feedback = browser.post(action, {**fields, "answer": "先到歉，表示理解"}).get_data(as_text=True)
    assert "「到歉」按拼音输入应为「道歉」" in feedback
    assert "向顾客道歉" in feedback and "表示理解" in feedback  # earned, with the trainee's words
    assert "等顾客平静再处理" in feedback  # missed, with the model sentence
    assert "待复核" in feedback
    assert _suggested(feedback) == "2"  # 困难
    rate_action, rate_fields = _rating_form(feedback)
    assert rate_fields["response"] == "先到歉，表示理解"
    browser.post(rate_action, {**rate_fields, "rating": "2"})
    log = db.session.scalar(select(ReviewLog).where(ReviewLog.user_id == trainee.id, ReviewLog.kind == "recall"))
    assert (log.score, log.correct, log.rating) == (2.0, True, 2)


def _make_recall_due(db, user, key):
    """Two earlier reviews of ``key``, and the card due now: the next question is free recall."""
    earlier = utcnow() - timedelta(days=3)
    for _ in range(2):
        prompt = drills.card_prompt(user, key)
        drills.rate_card(user, prompt.term, prompt.version, "?", 3, earlier)
        earlier += timedelta(hours=1)
    state = db.session.scalar(select(CardState).where(CardState.user_id == user.id, CardState.term_key == key))
    state.due = utcnow() - timedelta(minutes=1)
    db.session.commit()


def test_the_same_rating_posted_twice_is_stored_once(browser, trainee, db):
    _, action, fields = _card(browser)
    feedback = browser.post(action, {**fields, "choice": "first-response"}).get_data(as_text=True)
    rate_action, rate_fields = _rating_form(feedback)
    browser.post(rate_action, {**rate_fields, "rating": "3"})
    again = browser.post(rate_action, {**rate_fields, "rating": "4"}, follow_redirects=True)
    assert "已经评过分" in again.get_data(as_text=True)
    assert _reviews(db, trainee) == 1
    state = db.session.scalar(select(CardState).where(CardState.user_id == trainee.id))
    assert state.reps == 1


def test_answering_a_card_rated_since_goes_to_the_next_card(browser, trainee, db):
    _, action, fields = _card(browser)
    feedback = browser.post(action, {**fields, "choice": "first-response"}).get_data(as_text=True)
    rate_action, rate_fields = _rating_form(feedback)
    browser.post(rate_action, {**rate_fields, "rating": "3"})
    response = browser.post(action, {**fields, "choice": "first-response"})  # Back, and answer again
    assert response.status_code == 302 and response.location.endswith("/study/drill/card")
    assert _reviews(db, trainee) == 1


def test_done_for_today_shows_when_the_next_card_is_due(browser, trainee, app):
    app.config["DRILL_NEW_PER_DAY"] = 1
    _, action, fields = _card(browser)
    feedback = browser.post(action, {**fields, "choice": "first-response"}).get_data(as_text=True)
    rate_action, rate_fields = _rating_form(feedback)
    response = browser.post(rate_action, {**rate_fields, "rating": "3"}, follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "今日待复习 0 张" in page and "今天的复习已完成" in page and "下一张到期" in page


def test_another_trainees_queue_is_unaffected(browser, new_browser, trainee, make_user):
    _, action, fields = _card(browser)
    feedback = browser.post(action, {**fields, "choice": "first-response"}).get_data(as_text=True)
    rate_action, rate_fields = _rating_form(feedback)
    browser.post(rate_action, {**rate_fields, "rating": "3"})
    make_user("bob")
    other = new_browser()
    other.login("bob")
    assert "今日待复习 6 张" in other.get("/study/drill").get_data(as_text=True)
    assert "今日待复习 5 张" in browser.get("/study/drill").get_data(as_text=True)


def test_rating_needs_csrf_and_a_valid_rating(browser, trainee, db):
    assert browser.post("/study/drill/card/first-response/rating", {"version": "0", "rating": "3"}, csrf=False).status_code == 400
    assert browser.post("/study/drill/card/first-response/rating", {"version": "0", "rating": "5"}).status_code == 400
    assert _reviews(db, trainee) == 0


def test_unknown_terms_are_404(browser, trainee):
    assert browser.post("/study/drill/card/no-such-term", {"version": "0", "choice": "x"}).status_code == 404
    assert browser.post("/study/drill/card/no-such-term/rating", {"version": "0", "rating": "3"}).status_code == 404


def test_pages_need_sign_in(browser, synced):
    for url in ("/study/glossary", "/study/drill", "/study/drill/card"):
        assert browser.get(url).status_code == 302
