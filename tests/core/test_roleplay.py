"""The role-play engine on ``tests/data/content/scenarios/test-wrong-item.yaml``: stages, mood,
消极接待, critical rules, the clock, the pass rule and the run's storage form.

The scenario (customer mood starts at 0 暴怒, compensation limit 10 元):

    complaint  needs apologise + check_order      (greet counts in reply 1 only)
    solution   needs offer, max_turns 2
    make_good  needs compensate, only if mood < 3 (compensate is bound to this stage)
    wrap_up    needs close                        (close is bound to this stage)

apologise, empathise, offer and compensate each calm the customer by one (two at most a reply).
"""
import copy
import json
from pathlib import Path

import pytest

from trainer.core.content import verdict
from trainer.core.content.scenarios import Lines, build_scenario, parse_rules_file, parse_scenario_file
from trainer.core.content.synonyms import load_synonyms
from trainer.core.roleplay import Run, RunFinished, debrief, hint, replay, reply_credit, start, stop, take_reply
from trainer.core.roleplay.analysis import analyse
from trainer.core.roleplay.engine import PRACTICE_CLOCK

DATA = Path(__file__).parent.parent / "data" / "content"


def _load():
    _, synonyms = load_synonyms(DATA / "synonyms.yaml", "content/synonyms.yaml")
    rules = parse_rules_file((DATA / "scenarios" / "critical.yaml").read_bytes(), "content/scenarios/critical.yaml",
                             synonyms)
    return parse_scenario_file((DATA / "scenarios" / "test-wrong-item.yaml").read_bytes(),
                               "content/scenarios/test-wrong-item.yaml", synonyms, rules)


SCENARIO = _load()


def variant(change):
    """The test scenario with its stored definition edited by ``change(definition)``."""
    definition = copy.deepcopy(SCENARIO.definition)
    change(definition)
    return build_scenario(definition)


def with_pass_mark(mark):
    return variant(lambda d: d.update({"pass": mark}))


def with_mood(mood):
    return variant(lambda d: d["customer"].update(mood=mood))


# Replies and what they meet in the test scenario.
OPEN = "您好，非常抱歉给您发错了颜色，我马上帮您查一下订单。"            # greet, apologise, check_order
OPEN_EMPATHY = "您好，非常抱歉，我理解您着急的心情，我马上帮您查一下订单。"  # + empathise
OFFER = "可以给您补发红色的杯子，也可以直接退款，您看哪个方便？"          # offer
COMPENSATE = "让您久等了，再送您一张5元优惠券。"                           # compensate (in make_good)
CLOSE = "好的，今天就补发，还有什么可以帮您的吗？祝您生活愉快！"        # close (in wrap_up)
NOTHING = ["嗯", "稍等一下", "收到", "好的呢", "在处理"]                   # meet nothing

#: The customer's lines for the test scenario (mood 0 and 1 are "angry").
OPENING_ANGRY = "你们怎么搞的？我买的是红色杯子，寄来的是蓝色的！"
INSIST_ANGRY = "别说没用的，先查查怎么回事！"
SOLUTION_SAYS = "那现在怎么办？"
MAKE_GOOD_ANGRY = "耽误我送礼了，你们就这么算了？！"
MAKE_GOOD_UPSET = "耽误我送礼了，就这么算了？"
WRAP_UP_CALM = "好的，那麻烦你补发一个红色的。"
LEAVES = "算了，我直接申请退款，再给你们差评。"
ESCALATES_ANGRY = "你这是什么态度？我要投诉你！"


def play(replies, scenario=SCENARIO, mode="assessment", seconds=10):
    """Start a run and send ``replies`` (text, or ``(text, seconds)``)."""
    run = start(scenario, mode)
    for reply in replies:
        text, secs = reply if isinstance(reply, tuple) else (reply, seconds)
        run = take_reply(scenario, run, text, secs)
    return run


def customer_says(run):
    return [t["text"] for t in run.turns if t["who"] == "customer"]


def last_customer(run):
    return next(t for t in reversed(run.turns) if t["who"] == "customer")


def check_status(result, check_id):
    return next(c for cat in result["categories"] for c in cat["checks"] if c["id"] == check_id)["status"]


def category(result, name):
    return next(c for c in result["categories"] if c["id"] == name)


# --- the test scenario itself ------------------------------------------------------------------

def test_the_test_scenario_loads_with_the_shared_rules_and_default_weights():
    assert [s.id for s in SCENARIO.stages] == ["complaint", "solution", "make_good", "wrap_up"]
    assert {r.id for r in SCENARIO.rules} == {"insult", "buck_passing", "over_promise", "off_platform",
                                              "impersonation", "refuse_after_sales"}
    assert dict(SCENARIO.weights) == {"opening": 10, "empathy": 15, "facts": 15, "solution": 25, "recovery": 10,
                                      "closing": 10, "timing": 15}
    # facts: [number] → the order number and its last six digits are evidence
    assert {a.text for a in SCENARIO.check("check_order").aliases} >= {"5208801234567890", "567890"}


@pytest.mark.parametrize(("mood", "band_text"), [
    (0, "angry"), (1, "angry"), (2, "upset"), (3, "calm"), (4, "calm"),
])
def test_customer_lines_are_chosen_by_mood_band(mood, band_text):
    lines = Lines("default", (("angry", "angry"), ("upset", "upset"), ("calm", "calm")))
    assert lines.for_mood(mood) == band_text
    assert Lines("default", (("calm", "calm"),)).for_mood(mood) == ("calm" if mood >= 3 else "default")


def test_start_opens_with_the_opening_for_the_customers_mood():
    run = start(SCENARIO)
    assert (run.stage, run.mood, run.ended, run.replies) == (0, 0, None, 0)
    assert run.customer_waiting == {"who": "customer", "text": OPENING_ANGRY, "mood": 0, "reaction": "opens",
                                    "stage": "complaint"}
    calm = start(with_mood(3))
    assert customer_says(calm) == ["我买的是红色的杯子，怎么寄来一个蓝色的？"]


# --- stages ------------------------------------------------------------------------------------

STAGE_CASES = [
    # (replies, stage index afterwards, lost, covered, skipped, the customer's last words, reaction)
    pytest.param([OPEN], 1, [], [], [], SOLUTION_SAYS, "calms", id="resolved-next-stage-says-its-line"),
    pytest.param(["您好，请稍等。"], 0, [], [], [], INSIST_ANGRY, "insists", id="unresolved-insists"),
    pytest.param([OPEN, NOTHING[0], NOTHING[1]], 2, ["solution"], [], [], MAKE_GOOD_ANGRY, "gives_up",
                 id="max-turns-gives-up"),
    pytest.param(["您好，非常抱歉，我马上帮您查一下订单，可以给您补发，也可以退款。"], 2, [], ["solution"], [],
                 MAKE_GOOD_UPSET, "calms", id="needs-met-earlier-covered"),
    pytest.param([OPEN, OFFER], 2, [], [], [], MAKE_GOOD_UPSET, "calms", id="if-mood-below-played-when-upset"),
    pytest.param([OPEN_EMPATHY, OFFER], 3, [], [], ["make_good"], WRAP_UP_CALM, "calms",
                 id="if-mood-below-skipped-when-calm"),
]


@pytest.mark.parametrize(("replies", "stage", "lost", "covered", "skipped", "says", "reaction"), STAGE_CASES)
def test_stage_transitions(replies, stage, lost, covered, skipped, says, reaction):
    run = play(replies)
    assert run.stage == stage and run.ended is None
    assert (run.lost, run.covered, run.skipped) == (lost, covered, skipped)
    assert (last_customer(run)["text"], last_customer(run)["reaction"]) == (says, reaction)
    assert last_customer(run)["stage"] == SCENARIO.stages[stage].id


def test_a_stage_gives_up_only_after_its_own_max_turns():
    # complaint has the default 3 turns (solution 2): apologies without checking the order
    run = play(["非常抱歉", "真的很抱歉给您添麻烦了"])
    assert run.stage == 0 and run.lost == [] and run.stage_turns == 2
    run = take_reply(SCENARIO, run, "实在对不起", 10)
    assert run.lost == ["complaint"] and run.stage == 1 and run.stage_turns == 0
    assert last_customer(run)["reaction"] == "gives_up"


def test_the_last_stage_resolved_completes_the_run_with_the_closing_line():
    run = play([OPEN_EMPATHY, OFFER, CLOSE])
    assert run.ended == "completed" and run.customer_waiting is None
    assert last_customer(run) == {"who": "customer", "text": "好的，谢谢你。", "mood": 3, "reaction": "done",
                                  "stage": None}


def test_a_skipped_stage_makes_its_bound_checks_not_applicable():
    run = play([OPEN_EMPATHY, OFFER, CLOSE])
    result = debrief(SCENARIO, run)
    assert check_status(result, "compensate") == "na"
    recovery = category(result, "recovery")
    assert (recovery["share"], recovery["score"]) == (1.0, 10)
    assert result["stages"] == {"lost": [], "skipped": ["make_good"], "covered": []}
    assert result["passed"] and result["score"] == 100


def test_a_played_stage_keeps_its_bound_checks_applicable():
    run = play([OPEN, OFFER, "好的，马上处理。", "嗯嗯，好的呢", "正在处理中"])  # make_good lost
    result = debrief(SCENARIO, run)
    assert run.lost == ["make_good"]
    assert check_status(result, "compensate") == "missed"
    assert category(result, "recovery")["score"] == 0


# --- checks: within and stage ---------------------------------------------------------------------

def test_a_greeting_counts_in_the_first_reply():
    run = play([OPEN])
    assert run.met["greet"]["turn"] == 1 and run.met["greet"]["words"] == "您好"


def test_a_greeting_in_the_second_reply_does_not_count():
    run = play(["非常抱歉给您发错了颜色。", "您好，我马上帮您查一下订单。"])
    assert "greet" not in run.met
    assert set(run.met) == {"apologise", "check_order"}
    assert check_status(debrief(SCENARIO, run), "greet") == "missed"


def test_a_stage_bound_check_does_not_count_before_its_stage():
    early = OPEN + "再送您一张优惠券，祝您生活愉快！"
    run = play([early])
    assert "compensate" not in run.met and "close" not in run.met
    assert {"greet", "apologise", "check_order"} <= set(run.met)
    run = play([early, OFFER, COMPENSATE, CLOSE])
    assert (run.met["compensate"]["turn"], run.met["close"]["turn"]) == (3, 4)
    assert run.ended == "completed"


def test_a_check_is_credited_where_it_was_first_met_with_the_trainees_words():
    run = play(["您好，订单5208801234567890我看一下", "非常抱歉"])
    assert run.met["check_order"] == {"turn": 1, "words": "订单5208801234567890"[2:], "span": [5, 21],
                                      "how": "exact"}
    assert run.met["apologise"]["turn"] == 2
    assert play(["麻烦您核对一下尾号567890的订单"]).met["check_order"]["words"] == "567890"


# --- mood and the customer leaving -----------------------------------------------------------------

MOOD_CASES = [
    # (start mood, reply, seconds, mood afterwards)
    pytest.param(1, "非常抱歉", 10, 2, id="one-calming-check"),
    pytest.param(1, "非常抱歉，我理解您着急的心情", 10, 3, id="two-calming-checks"),
    pytest.param(1, "非常抱歉，我理解您着急的心情，可以补发也可以退款", 10, 3, id="at-most-two-a-reply"),
    pytest.param(1, "您好，我马上帮您查一下订单", 10, 1, id="neutral-checks"),
    pytest.param(2, "非常抱歉", 60, 2, id="late-first-reply-costs-one"),
    pytest.param(3, "非常抱歉，你有病吧", 10, 2, id="critical-costs-two"),
    pytest.param(4, "非常抱歉，我理解您着急的心情", 10, 4, id="never-above-four"),
    pytest.param(1, "嗯", 400, 0, id="too-slow-costs-one"),
    pytest.param(0, "嗯", 400, 0, id="never-below-zero"),
]


@pytest.mark.parametrize(("mood", "reply", "seconds", "after"), MOOD_CASES)
def test_mood_follows_the_reply(mood, reply, seconds, after):
    scenario = with_mood(mood)
    run = take_reply(scenario, start(scenario), reply, seconds)
    assert run.mood == after
    assert last_customer(run)["mood"] == after


def test_an_upset_customer_at_the_lowest_mood_leaves_on_the_second_strike():
    run = take_reply(SCENARIO, start(SCENARIO), "嗯", 400)
    assert (run.mood, run.strikes, run.ended) == (0, 1, None)
    assert last_customer(run)["reaction"] == "escalates"
    run = take_reply(SCENARIO, run, "稍等一下", 400)
    assert (run.strikes, run.ended) == (2, "left")
    assert last_customer(run) == {"who": "customer", "text": LEAVES, "mood": 0, "reaction": "leaves",
                                  "stage": "complaint"}
    result = debrief(SCENARIO, run)
    assert result["ended"] == "left" and "customer_left" in result["failed_because"] and not result["passed"]
    with pytest.raises(RunFinished):
        take_reply(SCENARIO, run, OPEN, 10)


def test_no_strike_while_the_customer_is_above_the_lowest_mood():
    scenario = with_mood(1)
    run = take_reply(scenario, start(scenario), "嗯", 400)
    assert (run.mood, run.strikes) == (0, 0)
    run = take_reply(scenario, run, "稍等一下", 400)
    assert (run.strikes, run.ended) == (1, None)


def test_a_neutral_reply_at_the_lowest_mood_is_no_strike():
    run = play(["您好，我马上帮您查一下订单", "您好，我马上帮您查一下订单。"])
    assert run.mood == 0 and run.strikes == 0 and run.ended is None


# --- 消极接待 ----------------------------------------------------------------------------------------

def test_the_same_reply_three_times_running_is_one_canned_reply():
    run = play(["非常抱歉"] * 3)
    assert run.passive == [{"turn": 3, "reason": "canned"}]
    assert [t["passive"] for t in run.agent_turns] == [[], [], ["canned"]]


def test_nearly_the_same_reply_counts_as_canned_too():
    run = play(["非常抱歉给您添麻烦了", "非常抱歉给您添麻烦啦！", "非常抱歉给您添麻烦了。"])
    assert [p["reason"] for p in run.passive] == ["canned"]


def test_different_replies_are_not_canned():
    run = play(["非常抱歉给您添麻烦了", "您好，我马上帮您查一下订单", "非常抱歉给您添麻烦了"])
    assert run.passive == []


def test_two_replies_running_that_meet_nothing_ignore_the_customer():
    run = play([NOTHING[0], NOTHING[1]])
    assert run.passive == [{"turn": 2, "reason": "ignored"}]
    run = play([NOTHING[0], NOTHING[1], NOTHING[2]])
    assert run.passive == [{"turn": 2, "reason": "ignored"}]  # the count starts again
    run = play([NOTHING[0], "非常抱歉", NOTHING[1]])
    assert run.passive == []  # the reply in between was about the customer


def test_a_reply_on_the_stages_needs_is_not_ignoring_even_when_nothing_new_is_met():
    run = play(["非常抱歉", "真的非常抱歉给您添麻烦", "您好，实在对不起"])
    assert run.passive == []


def test_each_passive_reply_costs_ten_points():
    clean = debrief(SCENARIO, play([OPEN_EMPATHY, OFFER, CLOSE]))
    run = play([OPEN_EMPATHY, OFFER, NOTHING[0], NOTHING[1], CLOSE])
    assert run.passive == [{"turn": 4, "reason": "ignored"}] and run.ended == "completed"
    result = debrief(SCENARIO, run)
    assert result["penalties"] == [{"turn": 4, "reason": "ignored", "points": 10}]
    assert sum(c["score"] for c in result["categories"]) == clean["score"] == 100
    assert result["score"] == 90
    canned = debrief(SCENARIO, play(["非常抱歉"] * 3 + [NOTHING[0], NOTHING[1]]))
    assert [p["reason"] for p in canned["penalties"]] == ["canned", "ignored"]
    assert canned["score"] == sum(c["score"] for c in canned["categories"]) - 20


# --- critical rules ------------------------------------------------------------------------------------

CRITICAL_CASES = [
    pytest.param("insult", "你有病吧，爱买不买", "你有病", "exact", id="insult"),
    pytest.param("insult", "給我滾", "給我滾", "exact", id="insult-traditional"),
    pytest.param("buck_passing", "这个不归我管，你去找快递", "不归我管", "exact", id="buck_passing"),
    pytest.param("over_promise", "我保证明天到，包您满意", "保证明天到", "exact", id="over_promise"),
    pytest.param("off_platform", "您加我微信，我们私下聊", "加我微信", "exact", id="off_platform"),
    pytest.param("off_platform", "您打13912345678联系我", "13912345678", "pattern", id="off_platform-phone"),
    pytest.param("off_platform", "您看这个链接 https://shop.example.com", "https://", "pattern", id="off_platform-link"),
    pytest.param("off_platform", "ｗｗｗ．ｘｘ．ｃｏｍ", "ｗｗｗ．", "pattern", id="off_platform-full-width"),
    pytest.param("off_platform", "您加V吧", "加V", "pattern", id="off_platform-add-v"),
    pytest.param("impersonation", "我是平台客服，您放心", "我是平台客服", "exact", id="impersonation"),
    pytest.param("refuse_after_sales", "这个不能退", "不能退", "exact", id="refuse_after_sales"),
]


@pytest.mark.parametrize(("rule", "reply", "words", "how"), CRITICAL_CASES)
def test_every_shared_critical_rule_fails_the_attempt(rule, reply, words, how):
    run = play([OPEN_EMPATHY, OFFER, "您好，" + reply + "。还有什么可以帮您？"])
    [violation] = run.violations
    assert (violation["rule"], violation["turn"], violation["words"], violation["how"]) == (rule, 3, words, how)
    assert violation["message"] == "您好，" + reply + "。还有什么可以帮您？"
    result = debrief(SCENARIO, run)
    assert result["score"] >= SCENARIO.pass_mark  # a perfect score does not save it
    assert result["failed_because"] == ["critical"] and verdict(result) == "critical"
    assert result["critical"][0]["message"] == violation["message"]
    assert "near_pass_mark" not in result["reasons"]


HARMLESS = [
    pytest.param("为了您的资金安全，我们不能加微信，请在平台内沟通", id="off_platform-negated-and-unless"),
    pytest.param("请勿相信任何要您加微信的人", id="off_platform-negated"),
    pytest.param("商品详情页有二维码，请在平台内扫码查看说明书", id="off_platform-unless"),
    pytest.param("您不要加任何人的微信", id="off_platform-not-the-wording"),
    pytest.param("我们不会让您自己去找快递", id="buck_passing-negated"),
    pytest.param("不用您自己联系快递，我来处理", id="buck_passing-negated-2"),
    pytest.param("我不能保证明天到，但会尽快发出", id="over_promise-negated"),
    pytest.param("我是店铺客服小王", id="impersonation-shop-agent"),
    pytest.param("我们绝不会跟您说爱买不买", id="insult-negated"),
    pytest.param("可以退的，我马上给您办理退款", id="refuse-the-opposite"),
    pytest.param("给您退款", id="refund-is-no-near-miss-of-refusal"),
    pytest.param("马上给您退，请稍等", id="refund-is-no-near-miss-of-refusal-2"),
    pytest.param("补偿您10元", id="compensation-at-the-limit"),
    pytest.param("我们不能补偿您50元，但可以给您补发", id="compensation-refused"),
    pytest.param("退款99元会原路退回", id="refund-amount-without-compensation"),
    pytest.param("给您全额退款99元并补偿5元红包", id="refunded-price-beside-a-small-compensation"),
    pytest.param("我帮您加VIP积分", id="vip-is-no-wechat"),
]


@pytest.mark.parametrize("reply", HARMLESS)
def test_harmless_wordings_break_no_rule_and_raise_no_doubt(reply):
    assert analyse(SCENARIO, reply).violations == ()
    run = play([reply])
    assert run.violations == [] and run.suspected == []


def test_refusing_after_sales_is_critical_only_when_the_request_is_valid():
    invalid = variant(lambda d: d["order"]["policy"].update(after_sales_valid=False))
    assert [v["rule"] for v in play(["这个不能退"]).violations] == ["refuse_after_sales"]
    assert play(["这个不能退"], scenario=invalid).violations == []
    # the other rules still apply
    assert [v["rule"] for v in play(["你有病吧"], scenario=invalid).violations] == ["insult"]


@pytest.mark.parametrize(("reply", "over"), [
    ("补偿您20元", True),
    ("補償您２０元", True),
    ("给您发个15块的红包", True),
    ("给您返现10.5元", True),
    ("补偿您10元", False),
    ("给您发个5块的红包", False),
    ("送您一张20元的优惠券", True),  # a coupon the agent gives counts against the limit too
    ("本店满300减30，结算时自动减", False),  # a shop-wide promotion is not the agent giving money
])
def test_compensation_above_the_limit_is_an_over_promise(reply, over):
    run = play([reply])
    if over:
        [violation] = run.violations
        assert violation["rule"] == "over_promise" and "上限 10 元" in violation["label"]
        assert violation["words"] == reply
    else:
        assert run.violations == []


def test_a_scenario_can_add_wordings_to_a_shared_rule():
    stricter = variant(lambda d: d["rules"].append({"id": "over_promise", "label": "承诺当天发货", "aliases": ["今天一定发"]}))
    assert [v["label"] for v in play(["今天一定发"], scenario=stricter).violations] == ["承诺当天发货"]
    assert play(["今天一定发"]).violations == []


@pytest.mark.parametrize(("reply", "rule", "how"), [
    ("您加威信吧", "off_platform", "homophone"),
    ("你怎么这么苯", "insult", "homophone"),
    ("听不懂人的话吗", "insult", "fuzzy"),
])
def test_a_typo_or_near_miss_of_a_critical_wording_is_suspected_not_failed(reply, rule, how):
    # a fuzzy near miss is found at the start or end of a reply (rapidfuzz's partial alignment)
    message = reply + "？还有什么可以帮您？"
    run = play([OPEN_EMPATHY, OFFER, message])
    assert run.violations == []
    [suspected] = run.suspected
    assert (suspected["rule"], suspected["how"], suspected["turn"]) == (rule, how, 3)
    result = debrief(SCENARIO, run)
    assert result["passed"] and "critical" not in result["failed_because"]
    assert result["needs_review"] and "critical_not_exact" in result["reasons"]
    assert result["suspected"][0]["message"] == message


def test_a_critical_reply_makes_the_customer_escalate():
    run = play(["你有病吧"])
    says = [(t["text"], t["reaction"]) for t in run.turns if t["who"] == "customer"]
    assert says[1] == (ESCALATES_ANGRY, "escalates")


def test_a_critical_reply_that_resolves_the_stage_still_makes_the_customer_escalate():
    run = play([OPEN, "您加我微信，我给您补发或者退款"])
    says = [(t["text"], t["reaction"]) for t in run.turns if t["who"] == "customer"]
    assert says[-2] == (ESCALATES_ANGRY, "escalates")
    assert run.stage == 2 and says[-1][0] == MAKE_GOOD_ANGRY


# --- Traditional Chinese and full width ---------------------------------------------------------------

def test_traditional_and_full_width_replies_are_matched():
    run = play(["您好，非常對不起，我馬上幫您查一下訂單"])
    assert {"greet", "apologise", "check_order"} <= set(run.met)
    assert run.met["apologise"]["words"] == "對不起"
    assert run.stage == 1
    run = play(["订单５２０８８０１２３４５６７８９０已经查到"])
    assert run.met["check_order"]["how"] == "exact"
    run = play(["ｈｔｔｐｓ：／／ｔ．ｃｎ", "補償您２０元"])
    assert [v["rule"] for v in run.violations] == ["off_platform", "over_promise"]


# --- the clock ---------------------------------------------------------------------------------------

@pytest.mark.parametrize(("number", "seconds", "mode", "credit", "limit"), [
    (1, 0, "assessment", 1.0, 30),
    (1, 30, "assessment", 1.0, 30),
    (1, 31, "assessment", 0.5, 30),
    (1, 300, "assessment", 0.5, 30),
    (1, 301, "assessment", 0.0, 30),
    (2, 180, "assessment", 1.0, 180),
    (2, 181, "assessment", 0.5, 180),
    (5, 300, "assessment", 0.5, 180),
    (5, 300.5, "assessment", 0.0, 180),
    (1, 90, "practice", 1.0, 90),
    (1, 91, "practice", 0.5, 90),
    (1, 900, "practice", 0.5, 90),
    (1, 901, "practice", 0.0, 90),
    (2, 540, "practice", 1.0, 540),
    (2, 541, "practice", 0.5, 540),
])
def test_reply_credit(number, seconds, mode, credit, limit):
    assert reply_credit(number, seconds, mode) == (credit, limit)


def test_practice_relaxes_the_clock_by_its_factor():
    assert PRACTICE_CLOCK == 3
    replies = [(OPEN, 60), (OFFER, 400), (COMPENSATE, 10), (CLOSE, 10)]
    assessment = debrief(SCENARIO, play(replies))
    practice = debrief(SCENARIO, play(replies, mode="practice"))
    assert [r["credit"] for r in assessment["timing"]["replies"]] == [0.5, 0.0, 1.0, 1.0]
    assert [r["credit"] for r in practice["timing"]["replies"]] == [1.0, 1.0, 1.0, 1.0]
    assert category(assessment, "timing")["score"] == 9.5  # 15 × 2.5 / 4 = 9.375, to the half point
    assert category(practice, "timing")["score"] == 15
    assert practice["mode"] == "practice"


def test_timing_summary():
    run = play([(OPEN, 20), (OFFER, 200), (COMPENSATE, 100), (CLOSE, 180)])
    summary = debrief(SCENARIO, run)["timing"]
    assert summary["first_reply_seconds"] == 20
    assert summary["within_3min_rate"] == 0.75
    assert summary["average_seconds"] == 125
    assert [(r["turn"], r["limit"]) for r in summary["replies"]] == [(1, 30), (2, 180), (3, 180), (4, 180)]
    empty = debrief(SCENARIO, stop(start(SCENARIO)))["timing"]
    assert empty == {"replies": [], "first_reply_seconds": None, "within_3min_rate": None, "average_seconds": None}


# --- the pass rule -------------------------------------------------------------------------------------

GOOD = [OPEN, OFFER, COMPENSATE, CLOSE]  # everything but empathise: empathy 7.5 of 15


def test_a_good_run_passes():
    result = debrief(SCENARIO, play(GOOD))
    assert result["score"] == 92.5 and result["passed"] and result["failed_because"] == []
    assert category(result, "empathy")["share"] == 0.5  # exactly half is enough
    assert verdict(result) == "pass" and result["ended"] == "completed"


def test_score_below_the_pass_mark_fails():
    result = debrief(with_pass_mark(95), play(GOOD))
    assert result["failed_because"] == ["score_below_pass_mark"] and verdict(result) == "fail"


def test_a_critical_item_fails_whatever_the_score():
    run = play([OPEN_EMPATHY, OFFER, CLOSE + "有事加我微信"])
    result = debrief(SCENARIO, run)
    assert result["score"] == 100 and result["failed_because"] == ["critical"]


def test_a_category_below_half_fails():
    # no apology at all: complaint is lost, empathy scores 0 of 15
    run = play(["您好，我马上帮您查一下订单。", OFFER, "好的，马上处理", "送您一张5元优惠券", CLOSE])
    result = debrief(SCENARIO, run)
    assert run.lost == ["complaint"] and run.covered == ["solution"] and run.ended == "completed"
    assert result["score"] == 85 and category(result, "empathy")["share"] == 0
    assert result["failed_because"] == ["category_below_half"]


def test_the_clock_is_a_category_too():
    # credits 1, 0.5, 0, 0.5, 0: timing share 0.4, below half, though every check is met
    run = play([(OPEN, 10), (OFFER, 200), ("我理解您着急的心情", 400), (COMPENSATE, 200), (CLOSE, 400)])
    result = debrief(SCENARIO, run)
    assert (category(result, "timing")["share"], category(result, "timing")["score"]) == (0.4, 6)
    assert result["score"] == 91 and result["failed_because"] == ["category_below_half"]


def test_the_customer_leaving_fails():
    result = debrief(SCENARIO, play([("嗯", 400), ("稍等一下", 400)]))
    assert result["ended"] == "left" and "customer_left" in result["failed_because"]
    assert "customer_left" not in debrief(SCENARIO, stop(play([("嗯", 400)])))["failed_because"]


def test_stopping_early_leaves_what_was_not_done_missed():
    run = stop(play([OPEN]))
    result = debrief(SCENARIO, run)
    assert run.ended == "stopped" and result["ended"] == "stopped"
    assert check_status(result, "offer") == "missed" and check_status(result, "close") == "missed"
    assert "model" in next(c for c in category(result, "solution")["checks"] if c["id"] == "offer")
    assert not result["passed"]


@pytest.mark.parametrize(("pass_mark", "passed", "near"), [
    (87, True, False),   # 92.5 is 5.5 above
    (88, True, True),    # 4.5 above
    (92, True, True),
    (95, False, True),   # 2.5 below
    (98, False, False),  # 5.5 below
])
def test_results_near_the_pass_mark_are_flagged_for_a_trainer(pass_mark, passed, near):
    result = debrief(with_pass_mark(pass_mark), play(GOOD))
    assert result["score"] == 92.5 and result["passed"] is passed
    assert ("near_pass_mark" in result["reasons"]) is near and result["needs_review"] is near


def test_a_pass_that_hangs_on_a_typo_is_flagged():
    run = play(["您好，向您到歉，我马上帮您查一下订单。", OFFER, COMPENSATE, CLOSE])
    assert run.met["apologise"]["how"] == "homophone"
    assert run.met["apologise"]["typos"] == [{"wrote": "到", "meant": "道"}]
    result = debrief(SCENARIO, run)
    assert result["passed"] and "typo_decides_pass" in result["reasons"]
    assert "typo_decides_pass" not in debrief(SCENARIO, play(GOOD))["reasons"]


# --- the run as stored data ----------------------------------------------------------------------------

def test_a_finished_run_takes_no_more_replies():
    run = play([OPEN_EMPATHY, OFFER, CLOSE])
    assert run.ended == "completed"
    with pytest.raises(RunFinished):
        take_reply(SCENARIO, run, "您好", 10)
    with pytest.raises(RunFinished):
        stop(run)
    stopped = stop(play([OPEN]))
    with pytest.raises(RunFinished):
        take_reply(SCENARIO, stopped, OFFER, 10)


MIXED = [(OPEN, 40), ("非常抱歉", 10), ("非常抱歉", 10), ("非常抱歉", 10), ("你加威信吧", 200),
         ("您加我微信", 10), ("補償您２０元", 400), (CLOSE, 10)]


def test_take_reply_and_stop_never_change_the_run_they_are_given():
    run = start(SCENARIO)
    for text, seconds in MIXED:
        before = copy.deepcopy(run.to_dict())
        new = take_reply(SCENARIO, run, text, seconds)
        assert run.to_dict() == before and new is not run
        assert new.turns is not run.turns and new.met is not run.met
        run = new
        if run.ended:
            break
    before = copy.deepcopy(run.to_dict())
    if not run.ended:
        stop(run)
        assert run.to_dict() == before


def test_a_run_survives_json_and_carries_on_the_same():
    calm = with_mood(4)
    run = play(["您好，您加威信吧", "嗯", "稍等一下", "您加我微信", "向您到歉"], scenario=calm)
    # every part is filled and the run goes on
    assert run.violations and run.suspected and run.passive and run.lost and run.met["apologise"]["typos"]
    assert run.ended is None
    stored = json.loads(json.dumps(run.to_dict(), ensure_ascii=False))
    again = Run.from_dict(stored)
    assert again == run
    assert take_reply(calm, again, OFFER, 10) == take_reply(calm, run, OFFER, 10)
    assert debrief(calm, again) == debrief(calm, run)
    json.dumps(debrief(calm, run))  # the debrief is plain data too


def test_replay_stops_at_the_end_and_ignores_replies_after_it():
    run, result = replay(SCENARIO, [(OPEN_EMPATHY, 10), (OFFER, 10), (CLOSE, 10), ("还在吗", 10)])
    assert run.ended == "completed" and run.replies == 3
    run, result = replay(SCENARIO, [(OPEN, 10)])
    assert run.ended == "stopped" and result["ended"] == "stopped"


def test_the_debrief_transcript_omits_the_normalised_text():
    result = debrief(SCENARIO, play([OPEN]))
    assert [t["who"] for t in result["transcript"]] == ["customer", "agent", "customer"]
    assert "norm" not in result["transcript"][1] and result["transcript"][1]["text"] == OPEN
    assert [m["mood"] for m in result["mood"]] == [0, 1]


def test_hint_names_what_the_current_stage_still_misses():
    run = play(["非常抱歉"])
    assert hint(SCENARIO, run) == {"hint": "问候、道歉，然后核对订单。",
                                   "missing": [{"label": "核对订单", "model": "我马上帮您查一下订单。"}]}
    done = play([OPEN_EMPATHY, OFFER, CLOSE])
    assert hint(SCENARIO, done)["hint"] == "礼貌道别。"  # a finished run hints at its last stage


# --- known problems (the test states the right behaviour) -----------------------------------------------

def _xfail(reason):
    return pytest.mark.xfail(strict=True, reason=reason)


@pytest.mark.parametrize("reply", [
    "我们没法保证明天到",
    "我们没办法保证明天到，但会尽快",
    "这个我们无法保证明天到，但会尽快发出",
])
def test_saying_a_promise_cannot_be_made_is_no_promise(reply):
    assert analyse(SCENARIO, reply).violations == ()


def test_quoting_an_order_number_that_contains_a_phone_like_run_is_harmless():
    scenario = variant(lambda d: d["order"].update(number="3813912345678901"))
    run = play(["您好，非常抱歉，订单3813912345678901我马上帮您查一下"], scenario=scenario)
    assert "check_order" in run.met and run.violations == []






@pytest.mark.parametrize("reply", [
    "别在平台内聊了，加我微信",  # a negated excuse is none
    "我们在平台内聊。您加我微信吧",  # an excuse in another sentence is none
    pytest.param("站内回复太慢了，您加我微信吧", marks=_xfail("`unless` excuses the whole sentence, not the clause")),
    pytest.param("平台内不方便，您打13912345678", marks=_xfail("`unless` excuses the whole sentence, not the clause")),
])
def test_an_unrelated_unless_wording_does_not_excuse_leaving_the_platform(reply):
    assert [rule.id for rule, _ in analyse(SCENARIO, reply).violations] == ["off_platform"]
