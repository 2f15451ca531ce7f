"""The trainer command: content check, sync and list."""
import json
import shutil

import pytest

from tests.conftest import CONTENT_DIR


@pytest.fixture
def content(tmp_path, app):
    target = tmp_path / "content"
    shutil.copytree(CONTENT_DIR / "manual", target / "manual")
    app.config["CONTENT_DIR"] = str(target)
    return target


def test_check_passes_on_valid_content(runner, content):
    result = runner.invoke(args=["content", "check"])
    assert result.exit_code == 0, result.output
    assert "OK: 3 lessons" in result.output


def test_check_lists_every_problem_with_file_line_and_field(runner, content):
    (content / "manual" / "bad.md").write_text("---\nid: bad\ntitle: 坏\ntitle: 又一个\n---\n正文\n", encoding="utf-8")
    (content / "manual" / "worse.md").write_bytes("---\nid: worse\n".encode() + "标题".encode("gbk"))
    result = runner.invoke(args=["content", "check"])
    assert result.exit_code == 1
    assert "content/manual/bad.md:4: title: duplicate key" in result.output
    assert "content/manual/worse.md:3: -: file is not valid UTF-8 text" in result.output


def test_sync_is_all_or_nothing(runner, content, db):
    from trainer.models import Lesson

    (content / "manual" / "bad.md").write_text("---\nid: bad\n---\n", encoding="utf-8")
    result = runner.invoke(args=["content", "sync"])
    assert result.exit_code == 1 and "nothing was loaded" in result.output
    assert db.session.query(Lesson).count() == 0


def test_sync_then_list_json(runner, content):
    result = runner.invoke(args=["content", "sync"])
    assert result.exit_code == 0 and "added 3" in result.output
    assert "added 0, updated 0, retired 0, unchanged 3" in runner.invoke(args=["content", "sync"]).output
    items = json.loads(runner.invoke(args=["content", "list", "--json"]).output)
    assert len(items) == 3
    assert {item["kind"] for item in items} == {"lesson"}
    assert all(set(item) == {"id", "kind", "title", "lesson"} for item in items)


def test_user_create(runner, db):
    from trainer.models import User

    result = runner.invoke(args=["user", "create", "boss", "--name", "老板", "--role", "admin", "--role", "manager",
                                 "--password", "a long password"])
    assert result.exit_code == 0, result.output
    assert db.session.query(User).filter_by(username="boss").one().roles == {"admin", "manager"}
    again = runner.invoke(args=["user", "create", "boss", "--name", "x", "--password", "a long password"])
    assert again.exit_code != 0 and "already taken" in again.output


# --- trainer scenario replay ---------------------------------------------------------------------

TRANSCRIPTS = CONTENT_DIR / "scenarios" / "transcripts"


@pytest.fixture
def scenario_content(tmp_path, app):
    """The test lessons, synonyms and the test-wrong-item scenario."""
    target = tmp_path / "content"
    for folder in ("manual", "scenarios"):
        shutil.copytree(CONTENT_DIR / folder, target / folder)
    shutil.copy(CONTENT_DIR / "synonyms.yaml", target / "synonyms.yaml")
    app.config["CONTENT_DIR"] = str(target)
    return target


def replay(runner, *args):
    return runner.invoke(args=["scenario", "replay", *map(str, args)])


def test_replay_prints_the_debrief_as_json(runner, scenario_content):
    result = replay(runner, "test-wrong-item", TRANSCRIPTS / "test-wrong-item.pass.txt")
    assert result.exit_code == 0, result.output
    debrief = json.loads(result.output)
    assert (debrief["passed"], debrief["score"], debrief["max_score"], debrief["critical"]) == (True, 100, 100, [])
    assert [c["id"] for c in debrief["categories"]] == ["opening", "empathy", "facts", "solution", "recovery",
                                                         "closing", "timing"]
    assert [t["who"] for t in debrief["transcript"]] == ["customer", "agent"] * 4 + ["customer"]
    assert debrief["transcript"][1]["text"] == "您好，非常抱歉给您发错了颜色，我马上帮您查一下订单。"
    assert debrief["transcript"][1]["seconds"] == 10
    assert "\\u" not in result.output  # Chinese is printed as is


def test_replay_names_the_critical_message(runner, scenario_content):
    result = replay(runner, "test-wrong-item", TRANSCRIPTS / "test-wrong-item.critical.txt")
    assert result.exit_code == 0, result.output
    debrief = json.loads(result.output)
    assert debrief["passed"] is False and "critical" in debrief["failed_because"]
    [critical] = debrief["critical"]
    assert (critical["rule"], critical["turn"], critical["words"]) == ("off_platform", 2, "加我微信")
    assert critical["message"] == "这样吧，您加我微信，我在微信上给您退款或者补发。"
    assert "加我微信" in result.output  # not \u-escaped


def test_replay_in_practice_mode_relaxes_the_clock(runner, scenario_content, tmp_path):
    path = tmp_path / "slow.txt"
    path.write_text("[60s] 您好，非常抱歉给您发错了颜色，我马上帮您查一下订单。\n[5:00] 可以给您补发，也可以直接退款\n",
                    encoding="utf-8")
    assessment = json.loads(replay(runner, "test-wrong-item", path).output)
    practice = json.loads(replay(runner, "test-wrong-item", path, "--mode", "practice").output)
    assert [r["credit"] for r in assessment["timing"]["replies"]] == [0.5, 0.5]
    assert [r["credit"] for r in practice["timing"]["replies"]] == [1.0, 1.0]
    assert (assessment["mode"], practice["mode"]) == ("assessment", "practice")
    assert practice["score"] > assessment["score"]


@pytest.mark.parametrize(("scenario", "text", "message"), [
    pytest.param("no-such", "您好\n", "unknown scenario 'no-such' (known: test-wrong-item)", id="unknown-scenario"),
    pytest.param("test-wrong-item", "# 只有注释\n\n", "no replies (write one reply per line)", id="empty-file"),
    pytest.param("test-wrong-item", "您好\n".encode("gbk"), "file is not valid UTF-8 text", id="not-utf8"),
])
def test_replay_input_errors_are_said_in_words(runner, scenario_content, tmp_path, scenario, text, message):
    path = tmp_path / "replies.txt"
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    result = replay(runner, scenario, path)
    assert result.exit_code == 1
    assert "Error: " in result.output and message in result.output
    assert "Traceback" not in result.output and not result.output.lstrip().startswith("{")


def test_replay_of_a_missing_file_or_mode_is_a_usage_error(runner, scenario_content, tmp_path):
    assert replay(runner, "test-wrong-item", tmp_path / "nope.txt").exit_code == 2
    result = replay(runner, "test-wrong-item", TRANSCRIPTS / "test-wrong-item.pass.txt", "--mode", "exam")
    assert result.exit_code == 2 and "practice" in result.output


def test_replay_refuses_broken_content(runner, scenario_content):
    path = scenario_content / "scenarios" / "test-wrong-item.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("needs: [offer]", "needs: [refund]"), encoding="utf-8")
    result = replay(runner, "test-wrong-item", TRANSCRIPTS / "test-wrong-item.pass.txt")
    assert result.exit_code == 1 and "unknown check 'refund'" in result.output and "nothing was loaded" in result.output


def test_check_replays_the_calibration_transcripts(runner, scenario_content):
    assert runner.invoke(args=["content", "check"]).exit_code == 0
    path = scenario_content / "scenarios" / "transcripts" / "test-wrong-item.pass.txt"
    path.write_text(path.read_text(encoding="utf-8").replace("祝您生活愉快！", "有事加我微信。"), encoding="utf-8")
    result = runner.invoke(args=["content", "check"])
    assert result.exit_code == 1
    assert "content/scenarios/transcripts/test-wrong-item.pass.txt: expect: expected pass but got critical " \
           "(off_platform)" in result.output


def test_list_json_includes_scenarios_with_their_situation(runner, scenario_content):
    assert runner.invoke(args=["content", "sync"]).exit_code == 0
    items = json.loads(runner.invoke(args=["content", "list", "--json"]).output)
    [scenario] = [item for item in items if item["kind"] == "scenario"]
    assert scenario == {"id": "test-wrong-item", "kind": "scenario", "title": "保温杯发错了颜色", "lesson": "refund-basics",
                        "situation": "顾客买了一个红色保温杯送人，收到的却是蓝色的。请道歉、核对订单并给出处理方案。",
                        "scenario_kind": "after_sales"}
    assert len(items) == 4
    table = runner.invoke(args=["content", "list"]).output
    assert "scenario   test-wrong-item" in table
