"""A manager in headless Chromium filters the status board, opens a trainee's record and the team view's charts,
on a desktop and on a phone; the pages run under the CSP without errors."""
import shutil
from datetime import UTC, datetime, timedelta

import pytest

from trainer import create_app
from trainer.extensions import db
from tests.web.conftest import BROWSER_TESTS, serving
from tests.conftest import CONTENT_DIR, PASSWORD, TESTS, base_config

pytestmark = BROWSER_TESTS


@pytest.fixture
def live_server(tmp_path):
    """The app over HTTP with the test programme, a manager of one cohort and trainees at several stages."""
    from trainer.core.content import load_content
    from trainer.services import accounts
    from trainer.services.catalog import sync_content
    from tests.services import test_reports as build

    root = tmp_path / "content"
    shutil.copytree(CONTENT_DIR, root, ignore=shutil.ignore_patterns("broken"))
    (root / "certification").mkdir()
    shutil.copy(TESTS / "data" / "certification" / "refund-desk.yaml", root / "certification")
    app = create_app(base_config(f"sqlite:///{tmp_path / 'live.db'}", CONTENT_DIR=str(root)))
    with app.app_context():
        db.create_all()
        sync_content(load_content(str(root)))
        db.session.commit()
        build.take(db, "一班", (datetime.now(UTC) + timedelta(days=20)).date())
        boss = accounts.create_user("test", "boss", "主管", PASSWORD, ["manager"])
        db.session.commit()
        build.manage(db, boss, "一班")
        cohort = accounts.get_or_create_cohort("一班")
        earlier = datetime.now(UTC) - timedelta(days=3)
        for n in range(14):
            user = accounts.create_user("test", f"t{n:02d}", f"学员{n:02d}", PASSWORD, ["trainee"], cohort=cohort)
            db.session.flush()
            if n % 3:
                build.study(db, user, earlier)
                build.answer_short(db, user, earlier, "给顾客补发。" if n % 2 else "先道歉，再核对订单，然后补发。")
            if n % 3 == 2:
                build.sit_exam(db, user, earlier, percent=50.0 + 4 * n)
                build.play(db, user, earlier, "pass" if n % 2 else "fail")
        db.session.commit()
    with serving(app) as url:
        yield url


@pytest.mark.parametrize("viewport", [{"width": 390, "height": 844}, {"width": 1366, "height": 900}],
                         ids=["phone", "desktop"])
def test_manager_filters_the_board_and_opens_a_record_and_the_team_view(live_server, chromium, viewport):  # noqa: F811
    page = chromium.new_page(viewport=viewport)
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)

    page.goto(live_server + "/login")
    page.get_by_label("用户名").fill("boss")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url("**/study/")
    if viewport["width"] > 800:
        page.locator(".mainnav a[href='/manage/']").click()
    else:
        page.goto(live_server + "/manage/")
    page.wait_for_url("**/manage/")
    assert page.locator(".board-table tbody tr").count() == 14
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")  # no sideways scrolling

    page.locator("select[name=status]").select_option("not_started")
    page.locator("input[name=q]").fill("学员0")
    page.locator(".board-filters button[type=submit]").click()
    page.wait_for_url("**status=not_started**")
    rows = page.locator(".board-table tbody tr")
    assert rows.count() == 4  # 学员00, 03, 06, 09: nothing done
    assert page.locator(".board-table tbody tr .badge").first.is_visible()

    page.goto(live_server + "/manage/?sort=exam&order=desc")
    first = page.locator(".board-table tbody th[scope=row] a").first
    assert first.inner_text() == "学员11"  # the best exam (94 %)
    first.click()
    page.wait_for_url("**/manage/trainees/*")
    assert "学员11" in page.get_by_role("heading", level=1).inner_text()
    assert page.locator(".bubble-agent").count() >= 1
    assert page.locator(".compact-evidence .is-wrong").count() >= 1  # the key point it missed

    page.goto(live_server + "/manage/team")
    assert page.locator("figure.chart svg").count() >= 3
    assert page.locator("table.chart-table").count() >= 3
    widths = page.evaluate("[...document.querySelectorAll('figure.chart svg')].map(s => s.getBoundingClientRect().width)")
    shown = [w for w in widths if w]  # each chart is drawn for wide and for narrow screens; one is shown
    assert shown and all(200 < w <= viewport["width"] for w in shown)
    assert len(shown) == len(widths) - page.locator("figure.chart svg.chart-svg-narrow").count()
    labels = page.evaluate("[...document.querySelectorAll('figure.chart svg :is(.chart-label, .chart-tick)')]"
                           ".map(t => t.getBoundingClientRect().height).filter(h => h)")
    assert labels and min(labels) >= 11  # labels and ticks stay readable (no SVG shrunk to a phone's width)
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    assert errors == []
