"""A trainer in headless Chromium authors a small role-play, play-tests it in the chat, reads the
debrief and keeps the conversation as a calibration transcript; the editor also works without JS."""

import pytest

from trainer import create_app
from trainer.extensions import db
from tests.web.conftest import BROWSER_TESTS, serving
from tests.conftest import PASSWORD, base_config

pytestmark = BROWSER_TESTS
REPLIES = ["亲，您好，真的很抱歉让您收到有划痕的杯子，我马上帮您查一下订单。",
           "可以给您办理退货退款，来回运费由我们承担，再送您一张 5 元优惠券表示歉意。",
           "好的，已经为您办理，还有什么可以帮您的吗？祝您生活愉快！"]


@pytest.fixture
def live_server(tmp_path):
    """The real app served over HTTP from a thread, with the test content and one trainer."""
    from trainer.core.content import load_content
    from trainer.services import accounts
    from trainer.services.catalog import sync_content

    app = create_app(base_config(f"sqlite:///{tmp_path / 'live.db'}"))
    with app.app_context():
        db.create_all()
        sync_content(load_content(app.config["CONTENT_DIR"]))
        accounts.create_user("test", "tess", "苔丝", PASSWORD, ["trainer"])
        db.session.commit()
    with serving(app) as url:
        yield url



def _sign_in(page, base):
    page.goto(base + "/login")
    page.get_by_label("用户名").fill("tess")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url("**/study/")


@pytest.mark.parametrize("viewport", [{"width": 390, "height": 844}, {"width": 1366, "height": 900}], ids=["phone", "desktop"])
def test_author_play_test_and_keep_a_scenario(live_server, chromium, viewport):
    page = chromium.new_page(viewport=viewport)
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    _sign_in(page, live_server)

    page.goto(live_server + "/author/scenarios")
    page.locator(f"a[href='/author/scenarios/new']").first.click()
    page.locator("#key").fill("cracked-cup")
    page.locator("#submit").click()
    page.wait_for_url("**/author/scenarios/cracked-cup/edit")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")

    # write the trainer's own story into the template, and one more check (added without a reload of data)
    page.locator("#title").fill("杯盖裂了，顾客要退款")
    page.locator("#customer-name").fill("赵女士")
    page.locator("#order-product").fill("玻璃杯 300ml")
    page.locator("button[name=add][value=checks]").click()
    page.wait_for_url("**/cracked-cup/edit")
    assert page.locator("#title").input_value() == "杯盖裂了，顾客要退款"  # nothing typed is lost
    page.locator("#checks-6-id").fill("thank")
    page.locator("#checks-6-category").select_option("closing")
    page.locator("#checks-6-label").fill("感谢顾客")
    page.locator("#checks-6-aliases").fill("感谢\n谢谢您")
    page.locator("#checks-6-model").fill("谢谢您的耐心。")
    # a mistake is named beside its field after saving
    page.locator("#stages-0-needs").fill("apologise, check_ordr")
    page.locator(".editor-bar button.button-primary").click()
    page.wait_for_url("**/cracked-cup/edit")
    assert "check_ordr" in page.locator("#stages-0-needs-err").inner_text()
    assert page.locator(".problem-summary a[href='#stages-0-needs']").count() == 1
    page.locator("#stages-0-needs").fill("apologise, check_order")

    # play-test the draft in the real chat
    page.locator("button[formaction$='/playtest']").click()
    page.wait_for_url("**/study/roleplay/*")
    assert "赵女士" in page.locator(".chat-head").inner_text()
    for number, reply in enumerate(REPLIES, start=1):
        box = page.locator("#text")
        box.fill(reply)
        box.press("Enter")
        if number < len(REPLIES):
            page.locator(".bubble-agent:not(.is-pending)").nth(number - 1).wait_for()
    page.wait_for_url("**/debrief")
    assert "已通过" in page.get_by_role("heading", level=1).inner_text()
    assert page.locator(".evidence-list mark").count() >= 3

    # keep it as a calibration transcript of the draft
    page.locator("form[action$='/keep'] button").click()
    page.wait_for_url("**/cracked-cup/edit#calibration-3")
    assert page.locator("#calibration-3-name").input_value() == "pass_2"  # the template has a pass_1
    assert page.locator("#calibration-3-replies").input_value().splitlines() == REPLIES
    assert page.locator(".problem-summary").count() == 0

    page.locator("#note").fill("第一版")
    page.locator("#part-publish button[formaction$='/publish']").click()
    page.wait_for_url("**/author/scenarios")
    assert "杯盖裂了，顾客要退款" in page.locator(".scenario-table").inner_text()
    assert errors == []


def test_add_and_remove_work_without_javascript(live_server, chromium):
    context = chromium.new_context(java_script_enabled=False, viewport={"width": 390, "height": 844})
    page = context.new_page()
    _sign_in(page, live_server)
    page.goto(live_server + "/author/scenarios/test-wrong-item/edit")
    stages = page.locator("fieldset.entry-stage").count()
    page.locator("#title").fill("没有脚本也能改")
    page.locator("button[name=add][value=stages]").click()
    page.wait_for_load_state()
    assert page.locator("fieldset.entry-stage").count() == stages + 1
    page.locator(f"button[name=remove][value='stages-{stages}']").click()
    page.wait_for_load_state()
    assert page.locator("fieldset.entry-stage").count() == stages
    assert page.locator("#title").input_value() == "没有脚本也能改"
    context.close()
