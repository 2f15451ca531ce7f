"""The question and glossary editors: forms for every kind, problems beside their fields, the rubric
tester, the calibration check, wording suggestions, export/import, and who may use them."""
import copy
import re
from html.parser import HTMLParser

import pytest
from sqlalchemy import select

from trainer.models import Answer, ContentDraft, GlossaryTerm, Quiz, QuizItem
from trainer.services import attempts, authoring

QUIZ = "refund-basics"


class _FormFields(HTMLParser):
    """What a browser would send for the form ``form_id``: its named controls, inside it or
    tied to it with ``form=``, as the page shows them (buttons and unchecked boxes left out)."""

    def __init__(self, form_id):
        super().__init__()
        self.form_id, self.inside, self.values = form_id, False, {}
        self._textarea = self._select = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.inside = a.get("id") == self.form_id
        if not (self.inside or a.get("form") == self.form_id) and tag != "option":
            return
        if tag == "input" and a.get("name"):
            kind = a.get("type", "text")
            if kind in ("submit", "button", "file") or (kind in ("checkbox", "radio") and "checked" not in a):
                return
            self.values[a["name"]] = a.get("value", "y")
        elif tag == "textarea":
            self._textarea = [a["name"], ""]
        elif tag == "select":
            self._select = [a["name"], None, None]
        elif tag == "option" and self._select:
            self._select[2] = self._select[2] if self._select[2] is not None else a.get("value", "")
            if "selected" in a:
                self._select[1] = a.get("value", "")

    def handle_data(self, data):
        if self._textarea:
            self._textarea[1] += data

    def handle_endtag(self, tag):
        if tag == "textarea" and self._textarea:
            name, text = self._textarea
            self.values[name] = text[2:] if text.startswith("\r\n") else text.removeprefix("\n")
            self._textarea = None
        elif tag == "select" and self._select:
            name, chosen, first = self._select
            self.values[name] = chosen if chosen is not None else (first or "")
            self._select = None
        elif tag == "form":
            self.inside = False


def fields(response, form_id="ie-form"):
    parser = _FormFields(form_id)
    parser.feed(response.get_data(as_text=True))
    return parser.values


def post(browser, url, data=None, **kwargs):
    """A POST with the CSRF token of an editor page (any page of ours carries one)."""
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', text(browser.get("/author/items"))).group(1)
    return browser.post(url, {"csrf_token": token, **(data or {})}, **kwargs)


def press(browser, url, action, **changes):
    """Open ``url``, change some fields, press the button ``action``."""
    data = fields(browser.get(url))
    data.update(changes)
    data["action"] = action
    return browser.post(url, data)


def text(response):
    return response.get_data(as_text=True)


@pytest.fixture
def tess(browser, make_user, synced):
    user = make_user("tess", roles=["trainer"])
    browser.login("tess")
    post(browser, "/language", {"locale": "en"})  # the assertions read the English messages
    return user


def _row(db, key):
    return db.session.scalar(select(QuizItem).where(QuizItem.key == key))


SHORT = {
    "rubric-mode": "sequence", "rubric-step": "0.5", "rubric-order_points": "1",
    "rubric-points-0-label": "向顾客道歉", "rubric-points-0-points": "1", "rubric-points-0-aliases": "@apologise",
    "rubric-points-0-model": "先为发错货向顾客真诚道歉。",
    "rubric-points-1-label": "核对订单信息", "rubric-points-1-points": "1",
    "rubric-points-1-aliases": "@check_order\r\n核实信息", "rubric-points-1-model": "请顾客提供订单号，核对收到的商品。",
    "rubric-points-2-label": "给出补发或退款方案", "rubric-points-2-points": "1",
    "rubric-points-2-aliases": "补发\r\n重新发货\r\n退款\r\n换货", "rubric-points-2-reject": "让顾客自己承担运费",
    "rubric-points-2-model": "提供补发或退款，运费由店铺承担。",
    "rubric-model_answer": "先道歉，再核对订单，然后给出补发或退款方案。",
    **{f"rubric-examples-{n}-{k}": v for n, example in enumerate([
        ("先跟顾客说对不起，然后查订单号，马上给他补发。", "4", "同义词"), ("先跟顧客道歉，核對訂單，然後退款。", "4", "繁体"),
        ("先到歉，再核对订单，给顾客补发。", "4", "拼音错字"), ("不需要道歉，核对订单后补发。", "2.5", "否定了道歉"),
        ("今天天气很好。", "0", "离题"), ("给顾客退款。", "1", "只答一点")]) for k, v in zip(("answer", "score", "note"), example)},
}
NEW_ITEMS = {
    "single": {"options-0-text": "按规则受理退货", "options-0-correct": "y", "options-1-text": "先劝顾客再考虑几天",
               "options-2-text": "告诉顾客已经超时", "options-3-text": "让顾客找平台"},
    "multiple": {"options-0-text": "订单号", "options-0-correct": "y", "options-1-text": "收货时间", "options-1-correct": "y",
                 "options-2-text": "顾客的职业", "options-3-text": "顾客的年龄"},
    "true_false": {"answer": "false"},
    "ordering": {"steps-0": "安抚顾客", "steps-1": "核对订单", "steps-2": "说明方案", "steps-3": "确认结果"},
    "matching": {"pairs-0-left": "错发商品", "pairs-0-right": "补发或退款", "pairs-1-left": "物流延误",
                 "pairs-1-right": "联系快递", "pairs-2-left": "商品瑕疵", "pairs-2-right": "按政策退换"},
    "short": SHORT,
}


@pytest.mark.parametrize("kind", list(NEW_ITEMS))
def test_every_kind_is_written_through_the_form_and_published(browser, tess, db, kind):
    url = f"/author/items/new?quiz={QUIZ}&kind={kind}"
    key = f"new-{kind.replace('_', '-')}"
    response = press(browser, url, "publish", id=key, prompt=f"新题目（{kind}）", explanation="因为这样做是对的。",
                     note="first", **NEW_ITEMS[kind])
    assert response.status_code == 302, text(response)[:2000]
    assert response.location.endswith(f"/author/items/{key}")
    row = _row(db, key)
    assert (row.version, row.origin, row.kind) == (1, "browser", kind)
    assert key in db.session.scalar(select(Quiz).where(Quiz.key == QUIZ)).item_keys
    assert authoring.draft_of("item", key) is None
    assert "lessons" not in row.definition["source"]  # left empty: the quiz's lessons, not written out
    page = text(browser.get(f"/author/items/{key}"))
    assert "新题目" in page and "/author/history/item/" + key in page


def test_a_short_item_keeps_its_data_exactly_through_the_form(browser, tess, db):
    before = copy.deepcopy(_row(db, "rb-short").definition["source"])
    response = press(browser, "/author/items/rb-short", "save")
    assert response.status_code == 302
    draft = authoring.draft_of("item", "rb-short")
    assert draft.data == before and draft.base_version == 1


def test_problems_are_shown_beside_their_fields_and_nothing_typed_is_lost(browser, tess, db):
    response = press(browser, "/author/items/rb-window", "publish", prompt="", **{
        "options-2-text": "<b>告诉顾客</b>已经超时", "explanation": "解析 <script>x</script>"})
    page = text(response)
    assert response.status_code == 200 and "Not published" in page
    prompt = re.search(r'<div class="field has-error">\s*<label for="prompt">.*?</div>', page, re.S)
    assert prompt and "Fill this in." in prompt.group(0) and '<a href="#prompt">Question</a>: Fill this in.' in page
    assert "&lt;b&gt;告诉顾客&lt;/b&gt;已经超时" in page and "<b>告诉顾客" not in page
    assert "解析 &lt;script&gt;x&lt;/script&gt;" in page
    assert _row(db, "rb-window").version == 1
    assert authoring.draft_of("item", "rb-window").data["options"][2]["text"] == "<b>告诉顾客</b>已经超时"
    page = text(press(browser, "/author/items/rb-window", "publish", prompt="题目", **{"options-1-correct": "y"}))
    options = page[page.index('id="ie-options"'):page.index('id="ie-options-0"')]
    assert "Mark exactly one option correct (now 2)." in options


def test_a_number_that_is_none_and_a_wrong_wording_go_beside_their_point(browser, tess):
    page = text(press(browser, "/author/items/rb-short", "publish", **{"rubric-points-2-points": "一分"}))
    point2 = page[page.index('id="ie-points-2"'):page.index('id="ie-examples"')]
    assert "Write a number" in point2 and 'value="一分"' in point2
    assert '<a href="#rubric-points-2-points">Key point 3 · Point value</a>' in page
    # the validator works in passes: set names are checked once the shape is right
    page = text(press(browser, "/author/items/rb-short", "publish", **{"rubric-points-1-aliases": "@no_such_set",
                                                                            "rubric-points-2-points": "1"}))
    point1 = page[page.index('id="ie-points-1"'):page.index('id="ie-points-2"')]
    assert "There is no synonym set &#39;@no_such_set&#39;." in point1


def test_a_broken_calibration_example_is_refused_beside_the_example(browser, tess, db):
    response = press(browser, "/author/items/rb-short", "publish", **{"rubric-examples-4-score": "4"})
    page = text(response)
    assert response.status_code == 200 and "Not published" in page
    row = page[page.rindex("<li", 0, page.index('id="ie-examples-4"')):page.index('id="ie-examples-5"')]
    assert "has-error" in row and "The grader gives 0 where trainers give 4" in row
    assert '<a href="#ie-examples-4">Calibration example 5</a>' in page  # listed at the top, with a link
    assert _row(db, "rb-short").version == 1


def test_republishing_makes_version_2_and_an_earlier_answer_keeps_version_1(browser, tess, db, make_user):
    from trainer.services.grading import item_of

    learner = make_user("lily")
    quiz = attempts.active_quiz(QUIZ)
    attempt = attempts.practice_attempt(learner, quiz)
    seq, key = attempts.next_practice_key(attempt)
    item = item_of(attempts.item_rows([key])[key])
    from tests.services.test_attempts import _right_response
    answer = attempts.answer_practice(learner, attempt, seq, _right_response(item), quiz)
    db.session.commit()
    score = answer.score
    response = press(browser, f"/author/items/{key}", "publish", explanation="更新过的解析。", note="clearer")
    assert response.status_code == 302
    db.session.expire_all()
    assert _row(db, key).version == 2 and _row(db, key).definition["explanation"] == "更新过的解析。"
    stored = db.session.get(Answer, answer.id)
    assert (stored.item_version, stored.score) == (1, score)
    assert authoring.history("item", key)[0].note == "clearer"


def test_publishing_over_a_newer_version_is_refused_as_stale(browser, tess, db, make_user):
    press(browser, "/author/items/rb-true", "save", explanation="我的改动。")
    other = make_user("olga", roles=["trainer"])
    data = copy.deepcopy(_row(db, "rb-true").definition["source"])
    data["explanation"] = "别人的改动。"
    authoring.publish_data(other, "item", "rb-true", data)
    db.session.commit()
    page = text(press(browser, "/author/items/rb-true", "publish"))
    assert "newer version" in page and "/author/items/rb-true/rebase" in page
    assert _row(db, "rb-true").version == 2 and authoring.draft_of("item", "rb-true") is not None


def test_a_save_over_someone_elses_save_is_refused_until_forced(browser, tess, db, make_user):
    url = "/author/items/rb-true"
    opened = fields(browser.get(url))
    authoring.save_draft(make_user("olga", roles=["trainer"]), "item", "rb-true",
                         {**_row(db, "rb-true").definition["source"], "explanation": "别人的草稿。"})
    db.session.commit()
    page = text(post(browser, url, {**opened, "explanation": "我的草稿。", "action": "save"}))
    assert "Save anyway" in page and "我的草稿。" in page
    assert authoring.draft_of("item", "rb-true").data["explanation"] == "别人的草稿。"
    response = post(browser, url, {**opened, "explanation": "我的草稿。", "action": "save:force"})
    assert response.status_code == 302
    db.session.expire_all()
    assert authoring.draft_of("item", "rb-true").data["explanation"] == "我的草稿。"


def test_rows_are_added_removed_and_moved_without_saving(browser, tess, db):
    url = "/author/items/rb-order"
    page = text(press(browser, url, "add:steps", **{"steps-0": "先安抚顾客"}))
    assert 'name="steps-4"' in page and "先安抚顾客" in page and "not saved yet" in page
    page = text(press(browser, url, "up:steps:2"))
    assert page.index("说明方案") < page.index("核对订单")
    page = text(press(browser, url, "remove:steps:0"))
    assert 'value="安抚顾客"' not in page and 'name="steps-3"' not in page
    assert authoring.draft_of("item", "rb-order") is None


def test_the_rubric_tester_shows_score_evidence_and_confidence(browser, tess, db):
    response = press(browser, "/author/items/rb-short", "test", trial="先跟顾客道歉，然后核对订单号，给顾客补发。",
                     **{"rubric-points-2-aliases": "重新发货"})
    page = text(response)
    tester = page[page.index('id="ie-tester"'):]
    assert "2.5 / 4 points" in tester  # 补发 was taken out on the page (unsaved): that point is missed
    assert "«道歉»" in tester and "提供补发或退款，运费由店铺承担。" in tester
    assert "Confidence" in tester and "<mark>道歉</mark>" in tester
    assert authoring.draft_of("item", "rb-short") is None


def test_the_tester_says_why_when_the_draft_cannot_be_built(browser, tess):
    page = text(press(browser, "/author/items/rb-short", "test", trial="道歉", **{"rubric-points-0-points": ""}))
    assert "cannot be tried yet" in page and "Fill this in." in page


def test_the_calibration_check_shows_each_example_and_the_agreement(browser, tess):
    page = text(press(browser, "/author/items/rb-short", "calibrate"))
    report = page[page.index('id="ie-calibration"'):page.index('id="ie-examples-0"')]
    assert "QWK" in report and "MAE" in report and "every example agrees" in report
    assert report.count("<tr") == 7 and "先跟顾客说对不起" in report
    page = text(press(browser, "/author/items/rb-short", "calibrate", **{"rubric-points-0-aliases": "道歉"}))
    report = page[page.index('id="ie-calibration"'):page.index('id="ie-examples-0"')]
    assert "1 example disagrees" in report and "is-failing" in report


def test_wordings_are_suggested_for_a_point_but_never_added(browser, tess, db):
    page = text(press(browser, "/author/items/rb-short", "suggest:0", **{"rubric-points-0-aliases": "道歉"}))
    point = page[page.index('id="ie-points-0"'):page.index('id="ie-points-1"')]
    assert 'class="ie-word" lang="zh-Hans">对不起<' in point and "#1" in point
    assert re.search(r'name="rubric-points-0-aliases"[^>]*>\r?\n道歉</textarea>', point)
    assert authoring.draft_of("item", "rb-short") is None


def test_duplicate_and_discard(browser, tess, db):
    assert post(browser, "/author/items/rb-true/duplicate", {"new_key": "rb-true-copy"}).status_code == 302
    draft = authoring.draft_of("item", "rb-true-copy")
    assert draft.data["id"] == "rb-true-copy" and draft.quiz_key == QUIZ
    assert "rb-true-copy" in text(browser.get("/author/items"))
    post(browser, "/author/items/rb-true-copy/discard")
    assert authoring.draft_of("item", "rb-true-copy") is None
    assert "already used" in text(post(browser, "/author/items/rb-true/duplicate", {"new_key": "rb-window"},
                                               follow_redirects=True))


def test_the_list_groups_items_by_quiz_with_versions_and_drafts(browser, tess):
    press(browser, "/author/items/rb-true", "save", explanation="草稿里的解析。")
    page = text(browser.get("/author/items"))
    assert "退款基础 · 小测" in page and "rb-window" in page and "version 1" in page and "from the files" in page
    entry = page[page.index("/author/items/rb-true\""):]
    assert "draft" in entry[:800]


def test_export_then_import_gives_the_same_item(browser, tess, db):
    exported = browser.get("/author/items/rb-short/export")
    assert exported.status_code == 200 and "attachment" in exported.headers["Content-Disposition"]
    response = post(browser, "/author/items/import", {"text": exported.get_data(as_text=True), "quiz": QUIZ})
    assert response.status_code == 302
    assert authoring.draft_of("item", "rb-short").data == _row(db, "rb-short").definition["source"]


def test_a_quiz_file_export_imports_back_item_for_item(browser, tess, db):
    exported = browser.get(f"/author/quizzes/{QUIZ}/export").get_data(as_text=True)
    assert exported.startswith("quiz:\n  id: refund-basics")
    response = post(browser, "/author/items/import", {"text": exported, "quiz": ""})
    assert response.status_code == 302
    for key in db.session.scalar(select(Quiz).where(Quiz.key == QUIZ)).item_keys:
        assert authoring.draft_of("item", key).data == _row(db, key).definition["source"]


def test_a_malformed_import_imports_nothing(browser, tess, db):
    good = browser.get("/author/items/rb-window/export").get_data(as_text=True)
    bad = browser.get("/author/items/rb-true/export").get_data(as_text=True).replace("answer: false", "answer: maybe")
    response = post(browser, "/author/items/import", {"text": good + bad, "quiz": QUIZ})
    page = text(response)
    assert response.status_code == 400 and "Nothing was imported" in page
    assert "pasted.yaml:10" in page and "answer" in page  # the line where the wrong item starts
    assert db.session.scalars(select(ContentDraft)).all() == []
    page = text(post(browser, "/author/items/import", {"text": "items: [", "quiz": QUIZ}))
    assert "Nothing was imported" in page and "YAML syntax" in page


def test_a_new_term_through_the_form(browser, tess, db):
    page = text(browser.get("/author/glossary"))
    assert "首次响应时间" in page and "version 1" in page
    response = press(browser, "/author/glossary/new", "publish", **{
        "id": "shipping-insurance", "term": "运费险", "aliases": "退货运费险", "lesson": "refund-basics",
        "definition": "买家退货时由保险赔付退货运费。", "key_points-0-label": "退货时赔付运费",
        "key_points-0-aliases": "赔付运费\r\n退货运费", "key_points-1-label": "由保险公司出",
        "key_points-1-aliases": "保险"})
    assert response.status_code == 302, text(response)[:1500]
    term = db.session.scalar(select(GlossaryTerm).where(GlossaryTerm.key == "shipping-insurance"))
    assert term.version == 1 and term.data["source"]["aliases"] == ["退货运费险"]
    assert "points" not in term.data["source"]["key_points"][0]


def test_the_term_editor_validates_tests_and_round_trips(browser, tess, db):
    url = "/author/glossary/first-response"
    page = text(press(browser, url, "publish", **{"lesson": "", "key_points-0-label": ""}))
    assert "Not published" in page and 'class="field has-error">\n    \n      <label for="lesson">' in page
    point = page[page.index('id="ie-key_points-0"'):page.index('id="ie-key_points-1"')]
    assert "Fill this in." in point
    page = text(press(browser, url, "publish", **{"key_points-1-aliases": "@nope", "lesson": "greeting",
                                                  "key_points-0-label": "从顾客第一条消息到客服第一次回复"}))
    point = page[page.index('id="ie-key_points-1"'):]
    assert "There is no synonym set" in point[:3000]
    page = text(press(browser, url, "test", trial="从顾客第一条消息到客服第一次回复的时间，越短越好。",
                      **{"key_points-1-aliases": "越短越好\r\n尽快"}))
    assert "2 / 2 points" in page[page.index('id="ie-tester"'):]
    exported = browser.get(f"{url}/export").get_data(as_text=True)
    post(browser, f"{url}/discard")
    assert post(browser, "/author/glossary/import", {"text": exported}).status_code == 302
    row = db.session.scalar(select(GlossaryTerm).where(GlossaryTerm.key == "first-response"))
    assert authoring.draft_of("term", "first-response").data == row.data["source"]


MY_ROUTES = [("GET", "/author/items"), ("GET", f"/author/items/new?quiz={QUIZ}&kind=short"),
             ("GET", "/author/items/rb-short"), ("POST", "/author/items/rb-short"),
             ("POST", "/author/items/rb-short/duplicate"), ("POST", "/author/items/rb-short/discard"),
             ("POST", "/author/items/rb-short/rebase"), ("GET", "/author/items/rb-short/export"),
             ("GET", f"/author/quizzes/{QUIZ}/export"), ("GET", "/author/items/import"),
             ("GET", "/author/glossary"), ("GET", "/author/glossary/new"), ("GET", "/author/glossary/first-response"),
             ("POST", "/author/glossary/first-response"), ("POST", "/author/glossary/first-response/duplicate"),
             ("POST", "/author/glossary/first-response/discard"), ("POST", "/author/glossary/first-response/rebase"),
             ("GET", "/author/glossary/first-response/export"), ("GET", "/author/glossary/import")]


@pytest.mark.parametrize("method, url", MY_ROUTES, ids=[f"{m} {u}" for m, u in MY_ROUTES])
def test_trainees_are_refused(browser, make_user, synced, method, url):
    make_user("tina")
    browser.login("tina")
    response = browser.get(url) if method == "GET" else post(browser, url, {"action": "publish"})
    assert response.status_code == 403


def test_an_unknown_key_is_404(browser, tess):
    assert browser.get("/author/items/no-such-item").status_code == 404
    assert browser.get("/author/glossary/no-such-term").status_code == 404
    assert browser.get("/author/quizzes/no-such-quiz/export").status_code == 404
    assert browser.get("/author/items/new?quiz=nope&kind=short").status_code == 302
