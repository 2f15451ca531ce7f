"""Playing a role-play through the web: a full conversation, resuming, double submits, practice help."""
import json
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from trainer.core.content import ContentBundle
from trainer.core.content.scenarios import parse_replies, parse_rules_file, parse_scenario_file
from trainer.core.content.synonyms import load_synonyms
from trainer.models import ContentVersion, RoleplayRun, RoleplayTurn, Scenario
from trainer.models.roleplay import FinishedRunChanged
from trainer.services import roleplay
from trainer.services.catalog import sync_content
from tests.conftest import statements_of

SHIPPED = Path(__file__).resolve().parents[2] / "content"
KEY = "wrong-shipment"
TRANSCRIPTS = SHIPPED / "scenarios" / "transcripts"


def shipped_example():
    """The shipped example scenario, read on its own (other scenario files may change freely)."""
    _, synonyms = load_synonyms(SHIPPED / "synonyms.yaml", "synonyms.yaml")
    rules = parse_rules_file((SHIPPED / "scenarios" / "critical.yaml").read_bytes(), "critical.yaml", synonyms)
    path = SHIPPED / "scenarios" / f"{KEY}.yaml"
    return (parse_scenario_file(path.read_bytes(), path.name, synonyms, rules),)


@pytest.fixture(scope="module")
def shipped_scenarios():
    return shipped_example()


@pytest.fixture
def scenarios(app, db, shipped_scenarios):
    """Only the shipped scenarios in the database (lessons are not needed to play)."""
    sync_content(ContentBundle(scenarios=shipped_scenarios))
    db.session.commit()


@pytest.fixture
def ann(browser, make_user, scenarios):
    user = make_user("ann")
    browser.login("ann")
    return user


def _replies(name):
    return [text for text, _ in parse_replies((TRANSCRIPTS / f"{KEY}.{name}.txt").read_text("utf-8"))]


def _start(browser, mode="assessment"):
    response = browser.post(f"/study/scenarios/{KEY}", {"mode": mode})
    assert response.status_code == 302 and "/study/roleplay/" in response.location
    return response.location


def _run(db):
    db.session.expire_all()
    return db.session.scalars(select(RoleplayRun)).one()


def test_the_list_and_the_brief_show_the_scenario(browser, ann):
    listing = browser.get("/study/scenarios").get_data(as_text=True)
    assert "备注填错单，衬衫发错了" in listing and "未开始" in listing
    brief = browser.get(f"/study/scenarios/{KEY}").get_data(as_text=True)
    assert "2611203385120647" in brief and "周女士" in brief and "20" in brief


def test_a_full_assessment_ends_in_a_debrief_that_matches_the_replay(browser, ann, db, shipped_scenarios):
    chat = _start(browser)
    page = browser.get(chat).get_data(as_text=True)
    assert "我买的是白衬衫" in page
    for seq, text in enumerate(_replies("model"), start=1):
        response = browser.post(chat, {"seq": seq, "text": text})
    assert response.location.endswith("/debrief")
    run = _run(db)
    assert run.status == "finished" and run.passed and len(run.turns) == 5
    scenario = next(s for s in shipped_scenarios if s.id == KEY)
    _, replayed = roleplay.roleplay.replay(scenario, [(t, 0) for t in _replies("model")])
    assert run.passed == replayed["passed"]
    assert [c["id"] for c in run.debrief["categories"]] == [c["id"] for c in replayed["categories"]]
    debrief = browser.get(response.location).get_data(as_text=True)
    assert "已通过" in debrief and "不超过" not in debrief
    assert "<mark>抱歉</mark>" in debrief  # the trainee's own words are quoted as evidence


def test_a_critical_reply_fails_and_is_named_in_the_debrief(browser, ann, db):
    chat = _start(browser)
    for seq, text in enumerate(_replies("critical"), start=1):
        browser.post(chat, {"seq": seq, "text": text})
    browser.post(chat.rstrip("/") + "/end")
    run = _run(db)
    assert run.passed is False and run.debrief["critical"][0]["rule"] == "insult"
    page = browser.get(f"{chat}/debrief").get_data(as_text=True)
    assert "<mark>是你自己没看清楚</mark>" in page and "辱骂、顶撞或威胁顾客" in page


def test_a_reply_sent_twice_is_stored_once(browser, ann, db):
    chat = _start(browser)
    first = {"seq": 1, "text": "亲，您好，非常抱歉，我马上帮您查一下订单。"}
    browser.post(chat, first)
    browser.post(chat, first)
    browser.post(chat, {**first, "text": "a different text under the same number"})
    run = _run(db)
    assert [t.text for t in run.turns] == [first["text"]]
    assert run.state["replies"] == 1


def test_a_reply_from_a_stale_tab_is_refused_without_losing_anything(browser, ann, db):
    chat = _start(browser)
    browser.post(chat, {"seq": 1, "text": "您好，请稍等。"})
    response = browser.post(chat, {"seq": 3, "text": "skipping ahead"}, follow_redirects=True)
    assert "另一个标签页" in response.get_data(as_text=True)
    assert len(_run(db).turns) == 1


def test_a_restarted_server_resumes_the_conversation(app, browser, ann, db, database_url):
    chat = _start(browser)
    browser.post(chat, {"seq": 1, "text": "亲，您好，非常抱歉给您添麻烦了，我马上帮您查一下订单。"})
    from tests.conftest import Browser, base_config
    from trainer import create_app

    restarted = create_app(base_config(database_url))
    again = Browser(restarted)
    again.login("ann")
    page = again.get(chat).get_data(as_text=True)
    assert "非常抱歉给您添麻烦了" in page and "查到了吗" in page
    # starting again returns the same open conversation
    assert again.post(f"/study/scenarios/{KEY}", {"mode": "assessment"}).location.endswith(chat)
    again.post(chat, {"seq": 2, "text": "是我们把另一个订单的备注填错到您的订单上了，这是我们的失误。"})
    assert len(_run(db).turns) == 2


def test_the_page_script_gets_the_next_panel_as_json(browser, ann, db):
    chat = _start(browser)
    response = browser.post(chat, {"seq": 1, "text": "亲，您好，非常抱歉，我马上帮您查一下订单。"},
                            headers={"X-Requested-With": "fetch"})
    data = response.get_json()
    assert data["finished"] is False and data["seq"] == 2
    assert "查到了吗" in data["panel"] and "bubble-agent" in data["panel"]
    bad = browser.post(chat, {"seq": 2, "text": ""}, headers={"X-Requested-With": "fetch"})
    assert bad.status_code == 400 and "text" in bad.get_json()["errors"]


def test_the_last_reply_by_script_points_to_the_debrief(browser, ann, db):
    chat = _start(browser)
    replies = _replies("model")
    for seq, text in enumerate(replies[:-1], start=1):
        browser.post(chat, {"seq": seq, "text": text})
    data = browser.post(chat, {"seq": len(replies), "text": replies[-1]},
                        headers={"X-Requested-With": "fetch"}).get_json()
    assert data == {"finished": True, "redirect": f"{chat}/debrief".replace("http://localhost", "")}


def test_practice_offers_suggestions_and_hints(browser, ann, db):
    chat = _start(browser, "practice")
    page = browser.get(chat).get_data(as_text=True)
    assert 'name="suggestion"' in page and "显示提示" in page
    hint = browser.post(f"{chat}/hint", follow_redirects=True).get_data(as_text=True)
    assert "先问候、真诚道歉" in hint
    browser.post(chat, {"seq": 1, "suggestion": "0"})
    run = _run(db)
    assert run.turns[0].text.startswith("亲，您好，非常抱歉让您收到了错误的商品") and run.hints == 1


def test_an_assessment_has_no_suggestions_or_hints(browser, ann, db):
    chat = _start(browser)
    page = browser.get(chat).get_data(as_text=True)
    assert 'name="suggestion"' not in page and "显示提示" not in page
    response = browser.post(f"{chat}/hint", follow_redirects=True)
    assert "练习" in response.get_data(as_text=True) and _run(db).hints == 0
    # a suggestion index sent anyway is not turned into text
    browser.post(chat, {"seq": 1, "suggestion": "0", "text": ""})
    assert _run(db).turns == []


def test_an_empty_reply_is_refused_with_a_message(browser, ann, db):
    chat = _start(browser)
    page = browser.post(chat, {"seq": 1, "text": "   "}).get_data(as_text=True)
    assert "请先写回复" in page and _run(db).turns == []


def test_ending_early_counts_what_was_not_done_as_missed(browser, ann, db):
    chat = _start(browser)
    browser.post(chat, {"seq": 1, "text": "您好"})
    response = browser.post(f"{chat}/end")
    assert response.location.endswith("/debrief")
    run = _run(db)
    assert run.debrief["ended"] == "stopped" and not run.passed
    missed = [c["id"] for cat in run.debrief["categories"] for c in cat["checks"] if c["status"] == "missed"]
    assert "apologise" in missed and "close_politely" in missed
    # a finished conversation takes no more replies and the chat page now shows the debrief
    assert browser.get(chat).location.endswith("/debrief")
    browser.post(chat, {"seq": 2, "text": "还在吗？"})
    assert len(_run(db).turns) == 1


def test_another_trainees_conversation_is_invisible(browser, new_browser, ann, make_user, db):
    chat = _start(browser)
    make_user("bob")
    bob = new_browser()
    bob.login("bob")
    for url in (chat, f"{chat}/debrief"):
        assert bob.get(url).status_code == 404
    for url in (chat, f"{chat}/hint", f"{chat}/end"):
        assert bob.post(url, {"seq": 1, "text": "hi"}).status_code == 404
    assert _run(db).turns == []


# --- services -----------------------------------------------------------------------------------

@pytest.fixture
def row(scenarios, db):
    return db.session.scalar(select(Scenario).where(Scenario.key == KEY))


def test_reply_time_runs_on_the_servers_clock(app, db, make_user, row):
    user = make_user("cat")
    run = roleplay.start_run(user, row, "assessment")
    late = run.customer_at + timedelta(seconds=400)
    roleplay.take_reply(user, run, 1, "亲，您好，非常抱歉，我马上帮您查一下订单。", now=late)
    turn = run.state["turns"][1]
    assert turn["seconds"] == 400 and turn["credit"] == 0
    assert run.turns[0].seconds == 400 and run.customer_at == late


def test_a_finished_run_cannot_be_changed(app, db, make_user, row):
    user = make_user("dan")
    run = roleplay.start_run(user, row, "assessment")
    roleplay.stop_run(user, run)
    db.session.commit()
    run.score = 100
    with pytest.raises(FinishedRunChanged):
        db.session.flush()
    db.session.rollback()
    with pytest.raises(roleplay.RoleplayError):
        roleplay.take_reply(user, run, 1, "您好")


def test_a_run_keeps_the_scenario_version_it_was_played_on(app, db, make_user, row, shipped_scenarios):
    user = make_user("eve")
    run = roleplay.start_run(user, row, "assessment")
    db.session.commit()
    scenario = next(s for s in shipped_scenarios if s.id == KEY)
    changed = {**scenario.definition, "title": "改过的标题", "pass": 95}
    from trainer.core.content.scenarios import build_scenario

    sync_content(ContentBundle(scenarios=tuple(
        build_scenario(changed) if s.id == KEY else s for s in shipped_scenarios)))
    db.session.commit()
    assert row.version == 2
    versions = db.session.scalars(select(ContentVersion.version).where(
        ContentVersion.kind == "scenario", ContentVersion.key == KEY)).all()
    assert sorted(versions) == [1, 2]
    roleplay.stop_run(user, run)
    assert run.scenario_version == 1 and run.debrief["pass_mark"] == 80
    assert roleplay.start_run(user, row, "assessment").scenario_version == 2


def test_two_tabs_starting_at_once_share_one_run(app, db, make_user, row):
    user = make_user("fay")
    first = roleplay.start_run(user, row, "practice")
    db.session.commit()
    second = roleplay.start_run(user, row, "practice")
    assert first.id == second.id
    assert db.session.scalar(select(func.count(RoleplayRun.id))) == 1
    # the database itself refuses a second open run
    db.session.add(RoleplayRun(user_id=user.id, scenario_key=KEY, scenario_version=1, mode="practice",
                               state=json.loads(json.dumps(first.state))))
    with pytest.raises(Exception):
        db.session.flush()
    db.session.rollback()


def test_a_turn_number_is_unique_in_the_database(app, db, make_user, row):
    user = make_user("gus")
    run = roleplay.start_run(user, row, "practice")
    roleplay.take_reply(user, run, 1, "您好")
    db.session.commit()
    db.session.add(RoleplayTurn(run_id=run.id, seq=1, text="again", seconds=0))
    with pytest.raises(Exception):
        db.session.flush()
    db.session.rollback()
    assert db.session.scalar(select(func.count(RoleplayTurn.id))) == 1


def test_a_reply_is_played_against_the_stored_version_when_this_process_has_not_built_it(browser, ann, db, monkeypatch):
    from trainer.services import grading

    chat = _start(browser)
    monkeypatch.setattr(grading, "_BUILT", {})  # another worker: nothing built yet, the definition is read
    response = browser.post(chat, {"seq": 1, "text": "亲，您好，非常抱歉，我马上帮您查一下订单。"})
    assert response.status_code == 302 and response.location.endswith(chat)
    assert [key for kind, key, _ in grading._BUILT if kind == "scenario"] == [KEY]
    assert _run(db).state["replies"] == 1



def test_a_chat_request_reads_the_run_with_its_scenario_version_in_one_statement(browser, ann, db, shipped_scenarios):
    from trainer.core.content.scenarios import build_scenario

    chat = _start(browser, "practice")
    # the scenario is edited while the conversation goes on: the run plays on the version it started on
    scenario = next(s for s in shipped_scenarios if s.id == KEY)
    sync_content(ContentBundle(scenarios=(build_scenario({**scenario.definition, "title": "改过的标题"}),)))
    db.session.commit()
    response, seen = statements_of(db, lambda: browser.post(
        chat, {"seq": 1, "text": "亲，您好，非常抱歉，我马上帮您查一下订单。"}, headers={"X-Requested-With": "fetch"}))
    data = response.get_json()
    assert data["seq"] == 2 and "查到了吗" in data["panel"]
    versions = [s for s in seen if "content_versions" in s]
    assert len(versions) == 1 and "FROM roleplay_runs LEFT OUTER JOIN content_versions" in versions[0]
    page, seen = statements_of(db, lambda: browser.get(chat))
    assert "改过的标题" not in page.get_data(as_text=True) and scenario.title in page.get_data(as_text=True)
    assert len([s for s in seen if "content_versions" in s]) == 1
    assert _run(db).scenario_version == 1 and _run(db).state["replies"] == 1
