"""The trainee's certification page: each programme, its state and dates, and what remains, linked."""
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from trainer.models import Certification
from trainer.services.certification import local_day
from tests.services.test_certification import app_config, complete, play, study  # noqa: F401


def page(browser):
    response = browser.get("/study/certification")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_a_new_trainee_sees_everything_that_remains_with_links(browser, make_user, synced):
    make_user("ann")
    browser.login("ann")
    html = page(browser)
    assert "售后客服" in html and "能独立处理退款申请。" in html
    for text, link in [("学完『第一句话怎么回』", "/study/lessons/greeting"),
                       ("『退款基础』小测得分达到 80%", "/study/quizzes/refund-basics"),
                       ("『岗前知识考试』得分达到 60%", "/study/exam"),
                       ("通过『错发商品退款』场景考核", "/study/scenarios/test-wrong-item"),
                       ("术语保持率达到 50%", "/study/drill")]:
        assert text in html, text
        assert f'href="{link}"' in html, link
    assert 'aria-valuenow="0"' in html


def test_what_remains_is_exact_and_a_review_is_named(db, browser, make_user, synced):
    ann = make_user("ann")
    now = datetime.now(UTC) - timedelta(hours=1)
    study(db, ann, now, keys=["greeting"])
    play(db, ann, now, review=True)
    db.session.commit()
    browser.login("ann")
    html = page(browser)
    assert "学完『第一句话怎么回』" not in html  # done
    assert "学完『退款申请的基本处理』" in html
    assert "通过『错发商品退款』场景考核（已完成，等待老师复核）" in html


def test_opening_the_page_issues_an_earned_certificate_once(db, browser, make_user, synced):
    ann = make_user("ann")
    complete(db, ann, datetime.now(UTC) - timedelta(hours=2))
    browser.login("ann")
    html = page(browser)
    page(browser)
    assert db.session.scalar(select(func.count(Certification.id))) == 1
    expires = local_day(datetime.now(UTC)) + timedelta(days=365)
    assert f"{expires.year}年{expires.month}月{expires.day}日" in html
    assert "场景考核" not in html  # nothing remains


def test_the_home_page_links_to_it(browser, make_user, synced):
    make_user("ann")
    browser.login("ann")
    assert 'href="/study/certification"' in browser.get("/study/").get_data(as_text=True)


def test_a_trainee_sees_only_their_own_status(db, browser, make_user, synced):
    make_user("ann")
    bob = make_user("bob")
    complete(db, bob, datetime.now(UTC) - timedelta(hours=2))
    browser.login("ann")
    html = page(browser)
    assert "学完『第一句话怎么回』" in html
    assert db.session.scalar(select(func.count(Certification.id))) == 0  # bob's is issued when bob looks
