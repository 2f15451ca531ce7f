"""The scenario editor through the browser's forms: create, validate beside the fields, publish,
versions, export/import, history, diff, revert, duplicate, play-test, and who may do it."""
import copy
import io
import re
from html import unescape
from html.parser import HTMLParser
from pathlib import Path

import pytest
import yaml
from sqlalchemy import func, select

from trainer.core.content.source import parse_yaml
from trainer.models import ContentDraft, ContentVersion, RoleplayRun, Scenario
from trainer.services import authoring

SHIPPED = Path(__file__).resolve().parents[2] / "content" / "scenarios"
KEY = "refund-cup"
EDIT = f"/author/scenarios/{KEY}/edit"


class _FormReader(HTMLParser):
    """What a browser would submit from the form with ``form_id``: text, hidden, ticked boxes,
    chosen options and textareas (buttons are not sent unless pressed)."""

    def __init__(self, form_id):
        super().__init__(convert_charrefs=True)
        self.form_id, self.inside, self.fields = form_id, False, []
        self._textarea = self._select = None
        self._options = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.inside = a.get("id") == self.form_id
        if not self.inside or "name" not in a and tag != "option":
            return
        if tag == "input" and a.get("type", "text") not in ("submit", "button", "file"):
            if a.get("type") not in ("checkbox", "radio") or "checked" in a:
                self.fields.append((a["name"], a.get("value", "")))
        elif tag == "textarea":
            self._textarea = [a["name"], ""]
        elif tag == "select":
            self._select, self._options = a["name"], []
        elif tag == "option" and self._select:
            self._options.append((a.get("value", ""), "selected" in a))

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea[1] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "textarea" and self._textarea is not None:
            name, text = self._textarea
            self.fields.append((name, text[2:] if text.startswith("\r\n") else text.removeprefix("\n")))
            self._textarea = None
        elif tag == "select" and self._select:
            chosen = [v for v, selected in self._options if selected] or [v for v, _ in self._options[:1]]
            self.fields.extend((self._select, v) for v in chosen)
            self._select = None


def read_form(html, form_id="scenario-form"):
    """The form's fields as ``{name: value or [values]}``, ready to post back."""
    reader = _FormReader(form_id)
    reader.feed(html)
    fields = {}
    for name, value in reader.fields:
        if name in fields:
            fields[name] = [*fields[name], value] if isinstance(fields[name], list) else [fields[name], value]
        else:
            fields[name] = value
    return fields


def editor(browser, key=KEY):
    response = browser.get(f"/author/scenarios/{key}/edit")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def draft_data(db, key=KEY):
    db.session.expire_all()
    return db.session.scalar(select(ContentDraft).where(ContentDraft.key == key)).data


@pytest.fixture
def tess(browser, make_user, synced):
    user = make_user("tess", roles=["trainer"], name="Tess Trainer")
    browser.login("tess")
    return user


@pytest.fixture
def new_draft(browser, tess):
    response = browser.post("/author/scenarios/new", {"key": KEY})
    assert response.status_code == 302 and response.location.endswith(EDIT)
    return KEY


def _publish(browser, key=KEY, note="first version", change=None):
    fields = read_form(editor(browser, key))
    fields.update(change or {}, note=note)
    return browser.post(f"/author/scenarios/{key}/publish", fields)


# --- creating and validating ----------------------------------------------------------------

def test_a_new_scenario_starts_from_a_valid_three_stage_template(browser, new_draft, db):
    page = editor(browser)
    assert 'class="alert-error problem-summary"' not in page  # nothing to fix yet
    data = draft_data(db)
    assert [s["id"] for s in data["scenario"]["stages"]] == ["complaint", "solution", "wrap_up"]
    assert data["scenario"]["lessons"] == ["refund-basics"]
    assert {c["expect"] for c in data["calibration"]} == {"pass", "fail", "critical"}


def test_an_id_that_is_taken_or_malformed_is_named_beside_its_field(browser, tess, db):
    taken = browser.post("/author/scenarios/new", {"key": "test-wrong-item"}).get_data(as_text=True)
    assert 'id="key-err"' in taken
    bad = browser.post("/author/scenarios/new", {"key": "Not An Id"}).get_data(as_text=True)
    assert 'id="key-err"' in bad
    assert db.session.scalar(select(func.count()).select_from(ContentDraft)) == 0


def test_author_a_three_stage_scenario_through_the_forms(browser, new_draft, db):
    fields = read_form(editor(browser))
    fields.update({
        "title": "保温杯漏水，顾客要退款", "customer-name": "陈先生", "order-product": "保温杯 350ml",
        "order-amount": "129.5", "checks-3-aliases": "退货退款\n给您退款\n全额退款",
        "stages-1-says-default": "漏水的杯子怎么处理？", "stages-1-says-angry": "",
    })
    # "add a stage" re-renders with one more, empty stage and stores nothing yet
    added = browser.post(EDIT, {**fields, "add": "stages"}).get_data(as_text=True)
    assert 'name="stages-3-id"' in added and "陈先生" in added
    assert draft_data(db)["scenario"]["customer"]["name"] == "李女士"
    # "remove" takes the empty stage out again; saving drops nothing the trainer wrote
    fields = read_form(added)
    removed = browser.post(EDIT, {**fields, "remove": "stages-3"}).get_data(as_text=True)
    assert 'name="stages-3-id"' not in removed
    response = browser.post(EDIT, read_form(removed))
    assert response.status_code == 302 and response.location.endswith(EDIT)
    s = draft_data(db)["scenario"]
    assert (s["title"], s["customer"]["name"], s["order"]["amount"]) == ("保温杯漏水，顾客要退款", "陈先生", 129.5)
    assert s["checks"][3]["aliases"] == ["退货退款", "给您退款", "全额退款"]
    assert s["stages"][1]["says"] == {"default": "漏水的杯子怎么处理？"}
    assert len(s["stages"]) == 3 and "says" not in s["stages"][0]
    assert authoring.problems_of("scenario", draft_data(db)) == []


def test_each_problem_is_shown_beside_its_field_and_nothing_typed_is_lost(browser, new_draft, db):
    fields = read_form(editor(browser))
    fields.update({"order-number": "12ab", "stages-2-max_turns": "many", "checks-4-aliases": "",
                   "weights-opening": "50", "customer-leaves-default": "", "customer-leaves-angry": "气死了"})
    assert browser.post(EDIT, fields).status_code == 302  # saved as typed, problems and all
    page = editor(browser)
    assert "String should match pattern" in _error_of(page, "order-number") and 'value="12ab"' in page
    assert "valid integer" in _error_of(page, "stages-2-max_turns") and 'value="many"' in page
    assert "a check needs aliases, patterns or facts as evidence" in _box(page, "checks-4")
    assert "weights add up to 50, not 100" in _box(page, "weights", tag="div")
    assert _error_of(page, "customer-leaves-default") == "required field is missing"  # one message, not one per shape
    assert 'href="#order-number"' in page and 'href="#checks-4"' in page  # the summary links to each
    # the checks run in passes, as for files: with the shape right, the cross-references
    fields = read_form(page)
    fields.update({"order-number": "6203001234567890", "stages-2-max_turns": "", "checks-4-aliases": "红包",
                   "weights-opening": "", "customer-leaves-default": "算了",
                   "stages-1-needs": "offer_refund, no_such_check"})
    browser.post(EDIT, fields)
    page = editor(browser)
    assert _error_of(page, "stages-1-needs") == "unknown check 'no_such_check'"
    # and with the structure right, the lessons and the calibration replays
    fields = read_form(page)
    fields.update({"stages-1-needs": "offer_refund", "checks-1-lesson": "no-such-lesson", "calibration-0-replies": "您好"})
    browser.post(EDIT, fields)
    page = editor(browser)
    assert _error_of(page, "checks-1-lesson") == "unknown lesson 'no-such-lesson'"
    # a calibration transcript that no longer gets its verdict is named beside its "expect"
    assert "expected pass but got" in _error_of(page, "calibration-0-expect")
    # publishing is refused with the same problems, and the draft is kept as typed
    refused = _publish(browser)
    assert refused.status_code == 302 and refused.location.endswith(EDIT)
    assert db.session.scalar(select(Scenario).where(Scenario.key == KEY)) is None
    assert draft_data(db)["calibration"][0]["replies"] == ["您好"]


def _box(page, element_id, tag="fieldset"):
    found = re.search(rf'<{tag}[^>]* id="{element_id}"[^>]*>(.*?)</{tag}>', page, re.S)
    assert found, element_id
    return unescape(found.group(1))


def _error_of(page, field_id):
    return unescape(" ".join(re.findall(rf'<p class="error" id="{field_id}-err">(.*?)</p>', page, re.S)))


def test_user_text_is_escaped_everywhere(browser, new_draft, db):
    fields = read_form(editor(browser))
    fields.update({"title": "<script>alert(1)</script>", "checks-0-label": '"><img src=x onerror=alert(1)>'})
    browser.post(EDIT, fields)
    page = editor(browser)
    assert "<script>alert(1)" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<img src=x" not in page
    listing = browser.get("/author/scenarios").get_data(as_text=True)
    assert "<script>alert(1)" not in listing


# --- publishing and versions ----------------------------------------------------------------

def test_publishing_creates_version_1_from_the_browser(browser, new_draft, tess, db):
    response = _publish(browser, note="一个新的退款场景")
    assert response.status_code == 302 and response.location.endswith("/author/scenarios")
    row = db.session.scalar(select(Scenario).where(Scenario.key == KEY))
    assert (row.version, row.origin) == (1, "browser")
    version = db.session.scalar(select(ContentVersion).where(ContentVersion.key == KEY))
    assert (version.version, version.origin, version.author_id, version.note) == (1, "browser", tess.id, "一个新的退款场景")
    assert db.session.scalar(select(ContentDraft).where(ContentDraft.key == KEY)) is None
    # trainees see it now
    assert "杯子有划痕" in browser.get("/study/scenarios").get_data(as_text=True)


def test_a_republished_scenario_leaves_earlier_runs_on_their_version(browser, new_browser, new_draft, make_user, db):
    _publish(browser)
    make_user("ann")
    ann = new_browser()
    ann.login("ann")
    chat = ann.post(f"/study/scenarios/{KEY}", {"mode": "assessment"}).location
    replies = [c for c in yaml.safe_load(browser.get(f"/author/scenarios/{KEY}/export").get_data(as_text=True))
               ["calibration"] if c["expect"] == "pass"][0]["replies"]
    for seq, text in enumerate(replies, start=1):
        ann.post(chat, {"seq": seq, "text": text})
    first = db.session.scalars(select(RoleplayRun)).one()
    assert (first.scenario_version, first.status, first.passed) == (1, "finished", True)
    score = first.score

    assert _publish(browser, note="stricter", change={"pass_mark": "95"}).status_code == 302
    db.session.expire_all()
    row = db.session.scalar(select(Scenario).where(Scenario.key == KEY))
    assert row.version == 2 and row.definition["pass"] == 95
    first = db.session.get(RoleplayRun, first.id)
    assert (first.scenario_version, first.score) == (1, score)
    debrief = ann.get(f"{chat}/debrief").get_data(as_text=True)
    assert "verdict-card is-pass" in debrief  # the earlier run still passed, on version 1
    assert "/keep" not in debrief and "/author/" not in debrief  # a trainee's debrief has no authoring buttons
    again = ann.post(f"/study/scenarios/{KEY}", {"mode": "assessment"}).location
    assert db.session.get(RoleplayRun, int(again.rstrip("/").split("/")[-1])).scenario_version == 2


def test_publishing_over_a_newer_version_is_refused_until_the_trainer_keeps_their_draft(
        browser, tess, make_user, db):
    fields = read_form(editor(browser, "test-wrong-item"))
    fields["title"] = "我的改动"
    browser.post("/author/scenarios/test-wrong-item/edit", fields)  # a draft based on version 1
    other = make_user("olga", roles=["trainer"])
    theirs = copy.deepcopy(authoring.published_source("scenario", "test-wrong-item"))
    theirs["scenario"]["title"] = "别人的改动"
    authoring.publish_data(other, "scenario", "test-wrong-item", theirs, note="theirs")
    db.session.commit()
    refused = _publish(browser, "test-wrong-item", note="mine")
    assert refused.location.endswith("/author/scenarios/test-wrong-item/edit")
    assert db.session.scalar(select(Scenario.version).where(Scenario.key == "test-wrong-item")) == 2
    page = editor(browser, "test-wrong-item")
    assert "/author/scenarios/test-wrong-item/rebase" in page and "new=draft" in page
    browser.post("/author/scenarios/test-wrong-item/rebase")
    assert _publish(browser, "test-wrong-item", note="mine").location.endswith("/author/scenarios")
    db.session.expire_all()
    row = db.session.scalar(select(Scenario).where(Scenario.key == "test-wrong-item"))
    assert (row.version, row.title) == (3, "我的改动")


def test_a_save_over_someone_elses_is_refused_without_losing_the_edits(browser, tess, make_user, db):
    opened = read_form(editor(browser, "test-wrong-item"))
    other = make_user("olga", roles=["trainer"])
    theirs = copy.deepcopy(authoring.published_source("scenario", "test-wrong-item"))
    theirs["scenario"]["title"] = "别人的草稿"
    authoring.save_draft(other, "scenario", "test-wrong-item", theirs)
    db.session.commit()
    response = browser.post("/author/scenarios/test-wrong-item/edit", {**opened, "title": "我的标题"})
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert 'value="我的标题"' in page
    assert draft_data(db, "test-wrong-item")["scenario"]["title"] == "别人的草稿"
    # saving again, having been told, replaces theirs
    assert browser.post("/author/scenarios/test-wrong-item/edit", read_form(page)).status_code == 302
    assert draft_data(db, "test-wrong-item")["scenario"]["title"] == "我的标题"


# --- files ----------------------------------------------------------------------------------

def test_export_then_import_gives_an_identical_draft(browser, new_draft, db):
    _publish(browser)
    published = authoring.published_source("scenario", KEY)
    exported = browser.get(f"/author/scenarios/{KEY}/export")
    assert exported.status_code == 200 and f'filename="{KEY}.yaml"' in exported.headers["Content-Disposition"]
    text = exported.get_data(as_text=True)
    assert parse_yaml(text, "x")[0] == published
    response = browser.post("/author/scenarios/import", {"file": (io.BytesIO(text.encode()), f"{KEY}.yaml")})
    assert response.status_code == 302 and response.location.endswith(EDIT)
    assert draft_data(db) == published
    # and the editor shows it and saves it back unchanged
    assert browser.post(EDIT, read_form(editor(browser))).status_code == 302
    assert draft_data(db) == published
    assert browser.get(f"/author/scenarios/{KEY}/export/1").get_data(as_text=True) == text


@pytest.mark.parametrize("path", sorted(p for p in SHIPPED.glob("*.yaml") if p.name != "critical.yaml"),
                         ids=lambda p: p.stem)
def test_the_editor_round_trips_every_shipped_scenario(browser, tess, db, path):
    data, _ = parse_yaml(path.read_text("utf-8"), path.name)
    authoring.save_draft(tess, "scenario", data["scenario"]["id"], data)
    db.session.commit()
    key = data["scenario"]["id"]
    assert browser.post(f"/author/scenarios/{key}/edit", read_form(editor(browser, key))).status_code == 302
    assert draft_data(db, key) == data


@pytest.mark.parametrize("content, needle", [
    (b"scenario:\n  id: broken\n  title: [unclosed\n", "YAML syntax"),
    ("scenario:\n  id: 坏\n".encode("gbk"), "not valid UTF-8"),
    (b"- just\n- a list\n", "not a scenario file"),
    (None, "unknown check"),
], ids=["syntax", "gbk", "not-a-scenario", "invalid-content"])
def test_a_bad_file_imports_nothing_and_says_why(browser, tess, db, content, needle):
    if content is None:
        data = copy.deepcopy(authoring.published_source("scenario", "test-wrong-item"))
        data["scenario"]["id"] = "another-one"
        data["scenario"]["stages"][0]["needs"].append("nonexistent")
        content = yaml.safe_dump(data, allow_unicode=True).encode()
    response = browser.post("/author/scenarios/import", {"file": (io.BytesIO(content), "upload.yaml")})
    assert response.status_code == 400
    assert needle in unescape(response.get_data(as_text=True))
    assert db.session.scalar(select(func.count()).select_from(ContentDraft)) == 0


def test_an_import_never_replaces_a_draft(browser, new_draft, db):
    data = copy.deepcopy(draft_data(db))
    data["scenario"]["title"] = "从文件来的"
    upload = yaml.safe_dump(data, allow_unicode=True).encode()
    response = browser.post("/author/scenarios/import", {"file": (io.BytesIO(upload), "x.yaml")})
    assert response.status_code == 400 and "unpublished draft" in response.get_data(as_text=True)
    assert draft_data(db)["scenario"]["title"] == "杯子有划痕，顾客要求退款"


# --- history, diff, revert, duplicate -------------------------------------------------------

def test_history_diff_and_revert(browser, tess, db):
    assert _publish(browser, "test-wrong-item", note="<b>pass 90</b>", change={"pass_mark": "90"}).status_code == 302
    history = browser.get("/author/history/scenario/test-wrong-item").get_data(as_text=True)
    assert "Tess Trainer" in history and "/diff?old=1&amp;new=2" in history
    assert "&lt;b&gt;pass 90&lt;/b&gt;" in history and "<b>pass 90" not in history
    diff = browser.get("/author/history/scenario/test-wrong-item/diff?old=1&new=2").get_data(as_text=True)
    assert '<span class="diff-del">-  pass: 80</span>' in diff and '<span class="diff-add">+  pass: 90</span>' in diff
    # a draft can be compared too, its text escaped
    fields = read_form(editor(browser, "test-wrong-item"))
    browser.post("/author/scenarios/test-wrong-item/edit", {**fields, "title": "<i>新标题</i>"})
    draft_diff = browser.get("/author/history/scenario/test-wrong-item/diff?old=2&new=draft").get_data(as_text=True)
    assert "+  title: &lt;i&gt;新标题&lt;/i&gt;" in draft_diff
    assert browser.get("/author/history/scenario/test-wrong-item/diff?old=1&new=7").status_code == 404
    # revert needs the form's CSRF token, then publishes version 1 again as version 3
    assert browser.post("/author/history/scenario/test-wrong-item/revert/1", csrf=False).status_code == 400
    assert browser.post("/author/history/scenario/test-wrong-item/revert/1").status_code == 302
    versions = authoring.history("scenario", "test-wrong-item")
    assert [(v.version, v.origin) for v in versions] == [(3, "browser"), (2, "browser"), (1, "file")]
    assert versions[0].definition["source"] == versions[2].definition["source"]
    assert versions[0].note == "revert to version 1" and versions[0].author_id == tess.id
    assert browser.post("/author/history/scenario/test-wrong-item/revert/99").status_code == 404
    assert browser.get("/author/history/scenario/nothing-here").status_code == 404


def test_duplicate_takes_everything_along_under_a_new_id(browser, tess, db):
    page = browser.get("/author/scenarios/test-wrong-item/duplicate").get_data(as_text=True)
    assert 'value="test-wrong-item-copy"' in page
    taken = browser.post("/author/scenarios/test-wrong-item/duplicate", {"key": "test-wrong-item"})
    assert taken.status_code == 200 and 'id="key-err"' in taken.get_data(as_text=True)
    response = browser.post("/author/scenarios/test-wrong-item/duplicate", {"key": "cup-copy"})
    assert response.location.endswith("/author/scenarios/cup-copy/edit")
    data = draft_data(db, "cup-copy")
    assert data["scenario"]["id"] == "cup-copy"
    assert {c["expect"] for c in data["calibration"]} == {"pass", "fail", "critical"}  # the files' transcripts, inside
    assert _publish(browser, "cup-copy", note="copy").location.endswith("/author/scenarios")
    assert db.session.scalar(select(Scenario.version).where(Scenario.key == "cup-copy")) == 1


def test_discarding_a_draft_keeps_the_published_version(browser, tess, db):
    fields = read_form(editor(browser, "test-wrong-item"))
    browser.post("/author/scenarios/test-wrong-item/edit", {**fields, "title": "不要了"})
    assert browser.post("/author/scenarios/test-wrong-item/discard").location.endswith("/author/scenarios")
    assert authoring.draft_of("scenario", "test-wrong-item") is None
    assert 'value="保温杯发错了颜色"' in editor(browser, "test-wrong-item")


# --- play-testing ---------------------------------------------------------------------------

def test_play_test_a_draft_and_keep_it_as_a_calibration_transcript(browser, new_draft, db):
    fields = read_form(editor(browser))
    fields.update({"calibration-0-name": "", "calibration-0-expect": "pass", "calibration-0-replies": ""})
    chat = browser.post(f"/author/scenarios/{KEY}/playtest", fields)  # the pass transcript removed, then played
    assert chat.status_code == 302 and "/study/roleplay/" in chat.location
    assert browser.get(chat.location).status_code == 200
    replies = ["您好，非常抱歉让您收到有划痕的杯子，我马上帮您查一下订单。",
               "可以给您办理退货退款，来回运费由我们承担，再送您一张 5 元优惠券表示歉意。",
               "好的，已经为您办理，还有什么可以帮您的吗？祝您生活愉快！"]
    for seq, text in enumerate(replies, start=1):
        response = browser.post(chat.location, {"seq": seq, "text": text})
    assert response.location.endswith("/debrief")
    run = db.session.scalars(select(RoleplayRun)).one()
    assert (run.mode, run.scenario_version, run.passed) == ("playtest", 0, True)
    debrief = browser.get(response.location).get_data(as_text=True)
    assert f"/author/playtests/{run.id}/keep" in debrief and EDIT in debrief
    kept = browser.post(f"/author/playtests/{run.id}/keep")
    assert kept.location.endswith(f"{EDIT}#calibration-2")  # beside the two transcripts left of the template
    calibration = draft_data(db)["calibration"]
    assert calibration[-1] == {"name": "pass_1", "expect": "pass", "replies": replies}
    assert authoring.problems_of("scenario", draft_data(db)) == []
    again = browser.post(f"/author/playtests/{run.id}/keep", follow_redirects=True)
    assert len(draft_data(db)["calibration"]) == len(calibration) and again.status_code == 200
    # a play-test publishes nothing
    assert db.session.scalar(select(Scenario).where(Scenario.key == KEY)) is None


def test_a_draft_that_cannot_run_is_not_play_tested(browser, new_draft, db):
    fields = read_form(editor(browser))
    fields["stages-0-needs"] = "nothing_like_this"
    response = browser.post(f"/author/scenarios/{KEY}/playtest", fields)
    assert response.location.endswith(EDIT)
    assert db.session.scalar(select(func.count()).select_from(RoleplayRun)) == 0
    assert draft_data(db)["scenario"]["stages"][0]["needs"] == ["nothing_like_this"]


def test_someone_elses_play_test_cannot_be_kept(browser, new_browser, new_draft, make_user, db):
    chat = browser.post(f"/author/scenarios/{KEY}/playtest", read_form(editor(browser))).location
    browser.post(chat, {"seq": 1, "text": "您好"})
    browser.post(chat.rstrip("/") + "/end")
    run = db.session.scalars(select(RoleplayRun)).one()
    make_user("olga", roles=["trainer"])
    olga = new_browser()
    olga.login("olga")
    assert olga.post(f"/author/playtests/{run.id}/keep").status_code == 404
    assert olga.post("/author/playtests/999999/keep").status_code == 404


# --- access ---------------------------------------------------------------------------------

@pytest.mark.parametrize("method, url", [
    ("GET", "/author/scenarios"), ("GET", "/author/scenarios/new"),
    ("GET", "/author/scenarios/test-wrong-item/edit"), ("POST", "/author/scenarios/test-wrong-item/edit"),
    ("POST", "/author/scenarios/test-wrong-item/publish"), ("POST", "/author/scenarios/test-wrong-item/playtest"),
    ("POST", "/author/scenarios/test-wrong-item/discard"), ("POST", "/author/scenarios/test-wrong-item/rebase"),
    ("GET", "/author/scenarios/test-wrong-item/duplicate"), ("GET", "/author/scenarios/test-wrong-item/export"),
    ("GET", "/author/scenarios/test-wrong-item/export/1"), ("POST", "/author/scenarios/import"),
    ("GET", "/author/history/scenario/test-wrong-item"), ("GET", "/author/history/scenario/test-wrong-item/diff"),
    ("POST", "/author/history/scenario/test-wrong-item/revert/1"), ("POST", "/author/playtests/1/keep"),
])
def test_trainees_cannot_author(browser, make_user, synced, db, method, url):
    make_user("ann")
    browser.login("ann")
    response = browser.get(url) if method == "GET" else browser.post(url)
    assert response.status_code == 403
    assert db.session.scalar(select(func.count()).select_from(ContentDraft)) == 0
