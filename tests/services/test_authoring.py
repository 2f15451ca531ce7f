"""Drafts, publishing, versions, sync conflicts, revert, export and import (services.authoring)."""
import copy

import pytest
from sqlalchemy import select

from trainer.core.content import load_content
from trainer.models import Answer, ContentDraft, ContentVersion, QuizItem, Scenario
from trainer.services import attempts, authoring, roleplay
from trainer.services.catalog import sync_content


@pytest.fixture
def trainer(make_user, synced):
    return make_user("tess", roles=["trainer"])


def _reload(app):
    return load_content(app.config["CONTENT_DIR"])


def test_file_content_is_versioned_on_sync(db, synced):
    versions = db.session.scalars(select(ContentVersion).where(ContentVersion.kind == "item")).all()
    assert {v.key for v in versions} >= {"rb-window", "rb-true"}
    assert all(v.origin == "file" and v.version == 1 and "source" in v.definition for v in versions)


def test_a_draft_is_invisible_until_published(db, trainer):
    draft = authoring.edit(trainer, "item", "rb-window")
    assert draft.base_version == 1 and draft.quiz_key == "refund-basics"
    data = copy.deepcopy(draft.data)
    data["prompt"] = "顾客收货第 6 天申请七天无理由退货，商品完好。客服应该怎么做？"
    authoring.save_draft(trainer, "item", "rb-window", data)
    row = db.session.scalar(select(QuizItem).where(QuizItem.key == "rb-window"))
    assert "第 5 天" in row.definition["prompt"] and row.version == 1
    authoring.publish(trainer, "item", "rb-window", note="day 6")
    assert row.version == 2 and row.origin == "browser" and "第 6 天" in row.definition["prompt"]
    latest = authoring.history("item", "rb-window")[0]
    assert (latest.version, latest.origin, latest.author_id, latest.note) == (2, "browser", trainer.id, "day 6")
    assert authoring.draft_of("item", "rb-window") is None


def test_an_invalid_draft_is_refused_with_the_files_messages(db, trainer):
    data = copy.deepcopy(authoring.edit(trainer, "item", "rb-window").data)
    data["options"] = [{"text": "只有一个选项", "correct": True}]
    authoring.save_draft(trainer, "item", "rb-window", data)
    with pytest.raises(authoring.AuthoringError) as refused:
        authoring.publish(trainer, "item", "rb-window")
    assert refused.value.code == "invalid"
    assert any("at least two" in e.message for e in refused.value.errors)
    assert authoring.draft_of("item", "rb-window") is not None  # nothing lost


def test_publishing_over_a_newer_version_is_refused(db, trainer, make_user):
    other = make_user("olga", roles=["trainer"])
    mine = copy.deepcopy(authoring.edit(trainer, "item", "rb-true").data)
    theirs = copy.deepcopy(mine)
    theirs["explanation"] = "先道歉、安抚情绪，再解释规定。"
    authoring.publish_data(other, "item", "rb-true", theirs, note="theirs")
    mine["explanation"] = "先安抚，再解释。"
    authoring.save_draft(trainer, "item", "rb-true", mine)
    with pytest.raises(authoring.AuthoringError) as refused:
        authoring.publish(trainer, "item", "rb-true")
    assert refused.value.code == "stale"


def test_sync_never_overwrites_a_browser_published_version(app, db, trainer):
    data = copy.deepcopy(authoring.edit(trainer, "item", "rb-true").data)
    data["explanation"] = "浏览器里改过的解析。"
    authoring.save_draft(trainer, "item", "rb-true", data)
    authoring.publish(trainer, "item", "rb-true")
    db.session.commit()
    report = sync_content(_reload(app))
    row = db.session.scalar(select(QuizItem).where(QuizItem.key == "rb-true"))
    assert report.conflicts == ["item:rb-true"] and "item:rb-true" not in report.updated
    assert row.definition["explanation"] == "浏览器里改过的解析。" and row.version == 2


def test_browser_only_content_is_not_retired_by_a_sync(app, db, trainer):
    data = copy.deepcopy(authoring.edit(trainer, "item", "rb-true").data)
    data["id"] = "rb-true-2"
    authoring.publish_data(trainer, "item", "rb-true-2", data, quiz_key="refund-basics")
    db.session.commit()
    report = sync_content(_reload(app))
    row = db.session.scalar(select(QuizItem).where(QuizItem.key == "rb-true-2"))
    assert not row.retired and "item:rb-true-2" not in report.retired
    assert "rb-true-2" in attempts.active_quiz("refund-basics").item_keys


def test_an_old_answer_keeps_its_version_and_score(db, trainer):
    from tests.services.test_attempts import _right_response
    from trainer.services.grading import item_of

    learner = trainer  # anyone can answer
    quiz = attempts.active_quiz("refund-basics")
    attempt = attempts.practice_attempt(learner, quiz)
    seq, key = attempts.next_practice_key(attempt)
    item = item_of(attempts.item_rows([key])[key])
    answer = attempts.answer_practice(learner, attempt, seq, _right_response(item), quiz)
    db.session.commit()
    before = (answer.item_version, answer.score)
    data = copy.deepcopy(authoring.edit(trainer, "item", key).data)
    data["explanation"] = data["explanation"] + "（已更新）"
    authoring.save_draft(trainer, "item", key, data)
    authoring.publish(trainer, "item", key)
    db.session.commit()
    stored = db.session.get(Answer, answer.id)
    assert (stored.item_version, stored.score) == before == (1, before[1])


def test_history_diff_and_revert(db, trainer):
    original = copy.deepcopy(authoring.edit(trainer, "term", "first-response").data)
    changed = copy.deepcopy(original)
    changed["definition"] = changed["definition"] + "（修订）"
    authoring.save_draft(trainer, "term", "first-response", changed)
    authoring.publish(trainer, "term", "first-response", note="wording")
    text = authoring.diff("term", "first-response", 1, 2)
    assert "-" in text and "+" in text and "（修订）" in text
    row = authoring.revert(trainer, "term", "first-response", 1)
    assert row.version == 3 and row.data["source"] == original
    assert [v.note for v in authoring.history("term", "first-response")][:2] == ["revert to version 1", "wording"]


def test_export_then_import_gives_the_same_data(db, trainer):
    exported = authoring.export("scenario", "test-wrong-item")
    [draft] = authoring.import_file(trainer, "scenario", exported.encode(), "test-wrong-item.yaml")
    published = db.session.scalar(select(Scenario).where(Scenario.key == "test-wrong-item"))
    assert draft.data == published.definition["source"]


def test_a_malformed_import_imports_nothing(db, trainer):
    exported = authoring.export("item", "rb-window")
    broken = exported.replace("kind: single", "kind: essay")
    with pytest.raises(authoring.AuthoringError) as refused:
        authoring.import_file(trainer, "item", broken.encode(), "items.yaml", quiz_key="refund-basics")
    assert refused.value.errors and db.session.scalars(select(ContentDraft)).all() == []
    with pytest.raises(authoring.AuthoringError):
        authoring.import_file(trainer, "scenario", "scenario: [".encode(), "bad.yaml")
    with pytest.raises(authoring.AuthoringError):
        authoring.import_file(trainer, "scenario", "标题".encode("gbk"), "gbk.yaml")


def test_a_duplicated_scenario_takes_its_calibration_along_and_can_be_published(db, trainer):
    draft = authoring.duplicate(trainer, "scenario", "test-wrong-item", "test-wrong-item-2")
    assert {c["expect"] for c in draft.data["calibration"]} == {"pass", "fail", "critical"}
    assert authoring.problems_of("scenario", draft.data) == []
    row = authoring.publish(trainer, "scenario", "test-wrong-item-2", note="copy")
    assert row.version == 1 and row.origin == "browser"


def test_a_playtest_plays_the_draft_and_counts_for_nothing(db, trainer):
    draft = authoring.edit(trainer, "scenario", "test-wrong-item")
    data = copy.deepcopy(draft.data)
    data["scenario"]["title"] = "试玩中的草稿"
    built = authoring.build("scenario", data)
    run = roleplay.start_playtest(trainer, built)
    assert run.mode == "playtest" and roleplay.scenario_of(run).title == "试玩中的草稿"
    roleplay.take_reply(trainer, run, 1, "您好，非常抱歉，我马上帮您查一下订单。")
    roleplay.stop_run(trainer, run)
    assert run.needs_review is False and roleplay.summary(roleplay.runs_of(trainer)) == {}
