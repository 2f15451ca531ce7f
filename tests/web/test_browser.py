"""A person in headless Chromium signs in and reads a lesson, on a phone and on a desktop."""
import dataclasses
from pathlib import Path

import pytest

from trainer import create_app
from trainer.extensions import db
from tests.web.conftest import BROWSER_TESTS, serving
from tests.conftest import PASSWORD, base_config
from tests.web.test_roleplay import KEY, TRANSCRIPTS, shipped_example

pytestmark = BROWSER_TESTS


@pytest.fixture
def live_server(tmp_path):
    """The real app served over HTTP from a thread, with test content and one trainee."""
    from trainer.core.content import load_content
    from trainer.services import accounts
    from trainer.services.catalog import sync_content

    app = create_app(base_config(f"sqlite:///{tmp_path / 'live.db'}"))
    with app.app_context():
        db.create_all()
        bundle = load_content(app.config["CONTENT_DIR"])
        # the shipped example role-play too, as the trainee will meet it
        sync_content(dataclasses.replace(bundle, scenarios=bundle.scenarios + shipped_example()))
        accounts.create_user("test", "ann", "安妮", PASSWORD, ["trainee"])
        db.session.commit()
    with serving(app) as url:
        yield url



@pytest.mark.parametrize("viewport", [{"width": 390, "height": 844}, {"width": 1366, "height": 900}], ids=["phone", "desktop"])
def test_sign_in_and_read_a_lesson(live_server, chromium, viewport):
    page = chromium.new_page(viewport=viewport)
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)

    page.goto(live_server + "/study/")
    assert page.url.endswith("/login?next=%2Fstudy%2F")
    page.get_by_label("用户名").fill("ann")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url("**/study/")
    assert page.get_by_role("heading", level=1).inner_text() == "你好，安妮"

    page.get_by_role("link", name="继续学习").click()
    title = page.get_by_role("heading", level=1).inner_text()
    assert page.locator(".lesson-body h2").count() >= 1
    # the body text is readable: no horizontal scrolling on a phone
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    page.get_by_role("button", name="标记为已学完").first.click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", level=1).inner_text() != title  # moved on to the next lesson
    page.goto(live_server + "/study/lessons/")
    assert page.locator(".state-studied").count() == 1
    width = page.evaluate("getComputedStyle(document.querySelector('.progress-fill')).width")
    assert width != "0px"  # the page script ran under the CSP and drew the progress bar
    assert errors == []


def test_take_a_lesson_quiz_and_the_exam(live_server, chromium):
    page = chromium.new_page(viewport={"width": 390, "height": 844})
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(live_server + "/login")
    page.get_by_label("用户名").fill("ann")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url("**/study/")

    page.goto(live_server + "/study/quizzes/refund-basics")
    for _ in range(6):  # answer whatever comes, the way a person would: pick, order, match or write
        _answer_shown_item(page)
        page.get_by_role("button", name="提交答案").click()
        page.wait_for_url("**/answers/*")
        assert page.locator(".explanation").count() == 1
        page.get_by_role("link", name="下一题").click()
    assert page.locator(".dot-ok, .dot-bad").count() == 5

    page.goto(live_server + "/study/exam")
    page.get_by_role("button", name="开始考试").click()
    for _ in range(3):
        _answer_shown_item(page)
        page.get_by_role("button", name="保存，下一题").click()
    page.wait_for_url("**/review")
    page.get_by_role("button", name="交卷").click()
    page.wait_for_url("**/result")
    assert "%" in page.get_by_role("heading", level=1).inner_text()
    assert page.locator(".result-item").count() == 3
    assert errors == []


def _answer_shown_item(page):
    if page.locator("textarea").count():
        page.locator("textarea").fill("先跟顧客道歉，再核對訂單，然後補發。")
    elif page.locator(".order-select").count():
        for n, select in enumerate(page.locator(".order-select").all()):
            select.select_option(index=n + 1)  # a string would match labels too
    elif page.locator(".match-select").count():
        for n, select in enumerate(page.locator(".match-select").all()):
            select.select_option(index=n + 1)
    elif page.locator(".choice input[type=checkbox]").count():
        page.locator(".choice").first.click()
    else:
        page.locator(".choice").first.click()


def test_play_a_role_play_on_a_phone(live_server, chromium):
    """The chat works like a messenger: Enter sends, the page never reloads, the debrief follows."""
    page = chromium.new_page(viewport={"width": 390, "height": 844})
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.goto(live_server + "/login")
    page.get_by_label("用户名").fill("ann")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url("**/study/")

    page.get_by_role("navigation").get_by_role("link", name="情景对练").click()
    page.get_by_role("link", name="备注填错单，衬衫发错了").click()
    page.get_by_role("button", name="考核（自己输入，真实计时）").click()
    page.wait_for_url("**/study/roleplay/*")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    page.evaluate("() => { window.sameDocument = true; }")
    replies = [line.split("] ", 1)[1] for line in (TRANSCRIPTS / f"{KEY}.model.txt").read_text("utf-8").splitlines()
               if line.startswith("[")]
    for number, reply in enumerate(replies, start=1):
        box = page.get_by_label("你的回复")
        assert box.is_visible()
        box.fill(reply)
        box.press("Enter")
        if number < len(replies):
            page.locator(".bubble-agent:not(.is-pending)").nth(number - 1).wait_for()
            assert page.locator(".bubble-customer").count() == number + 1
            assert page.evaluate("() => window.sameDocument === true")  # no reload per message
    page.wait_for_url("**/debrief")
    assert "已通过" in page.get_by_role("heading", level=1).inner_text()
    assert page.locator(".evidence-list mark").count() >= 5
    assert errors == []


def test_the_chat_works_without_javascript(live_server, chromium):
    context = chromium.new_context(java_script_enabled=False, viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.goto(live_server + "/login")
    page.get_by_label("用户名").fill("ann")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.goto(live_server + f"/study/scenarios/{KEY}")
    page.get_by_role("button", name="练习（有参考回复和提示，计时宽松）").click()
    page.locator(".suggestion").first.click()
    page.wait_for_load_state()
    assert page.locator(".bubble-agent").count() == 1
    page.get_by_label("你的回复").fill("查到了，是我们把另一个订单的备注填到了您的订单上，这是我们的失误。")
    page.get_by_role("button", name="发送").click()
    page.wait_for_load_state()
    assert page.locator(".bubble-agent").count() == 2
    context.close()
