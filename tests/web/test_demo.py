"""The demo installation on the shipped content shows a manager what the product is for."""
import re
from pathlib import Path

import pytest

from trainer.services.demo import DEMO_PASSWORD

CONTENT = Path(__file__).resolve().parents[2] / "content"


@pytest.fixture
def app_config():
    return {"CONTENT_DIR": str(CONTENT), "DEMO": True}


@pytest.fixture
def demo(app, db):
    from trainer.core.content import load_content
    from trainer.services.catalog import sync_content
    from trainer.services.demo import seed_demo

    sync_content(load_content(CONTENT))
    assert seed_demo()
    db.session.commit()
    assert not seed_demo(), "a second run must change nothing"


def _rows(browser, status):
    page = browser.get(f"/manage/?status={status}").get_data(as_text=True)
    return int(re.search(r"共 (\d+) 行", page).group(1))


def test_manager_sees_a_realistic_cohort(demo, browser):
    browser.login("manager", DEMO_PASSWORD)
    for status in ["certified", "in_progress", "not_started", "expired", "overdue", "awaiting_review"]:
        assert _rows(browser, status) >= 1, status
    assert _rows(browser, "in_progress") >= 10, "most of a new batch is still learning"

    team = browser.get("/manage/team").get_data(as_text=True)
    gaps = re.findall(r"(\d+) 人中的 (\d+)%", team)
    assert len(gaps) >= 5, "the team view should name the skills the team lacks"
    assert any(int(percent) <= 70 for _, percent in gaps), "some skill should be missed by many"


def test_trainer_has_answers_and_runs_to_review(demo, browser):
    browser.login("trainer", DEMO_PASSWORD)
    queue = browser.get("/author/review").get_data(as_text=True)
    assert "/author/review/answers/" in queue and "/author/review/runs/" in queue
