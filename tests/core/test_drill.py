"""Glossary drills: FSRS scheduling, questions with distractors, kinds and suggested ratings."""
import json
import random
from datetime import UTC, datetime, timedelta

import pytest
from fsrs import Rating, Scheduler, State

from trainer.core import drill
from trainer.core.content.glossary import build_term
from trainer.core.grading import GradeResult

NOW = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)
#: Fuzzing spreads long intervals at random; the ordering tables need exact intervals.
EXACT = Scheduler(desired_retention=0.9, enable_fuzzing=False)


def term(id, name, lesson="a", definition=None, aliases=(), points=(("要点", ("要点",)),)):
    return build_term({
        "id": id, "term": name, "aliases": list(aliases), "lesson": lesson,
        "definition": definition or f"{name}：{id}号术语的释义。",
        "key_points": [{"label": label, "aliases": list(words), "points": 1.0} for label, words in points],
    })


TERMS = [
    term("t1", "首响", "greeting", "顾客第一条消息到首响的时间。", aliases=("首次响应",)),
    term("t2", "欢迎语", "greeting"),
    term("t3", "备注", "order"),
    term("t4", "核对地址", "order"),
    term("t5", "安抚", "refund"),
    term("t6", "退款", "refund"),
    term("t7", "首次响应", "refund"),  # reads like an alias of t1
    term("t8", "欢迎语", "refund"),  # the same text as t2
]


def reviewed_card(ratings, scheduler=EXACT):
    """A card after ``ratings``, each given when the card fell due."""
    card, when = drill.new_card(NOW), NOW
    for rating in ratings:
        card = drill.review(card, rating, when, scheduler=scheduler).card
        when = drill.due_of(card)
    return card, when


def test_the_scheduler_uses_default_parameters_and_ninety_percent_retention():
    assert drill.SCHEDULER.desired_retention == 0.9
    assert tuple(drill.SCHEDULER.parameters) == tuple(Scheduler().parameters)


@pytest.mark.parametrize(("rating", "interval", "state"), [
    (Rating.Again, timedelta(minutes=1), State.Learning),
    (Rating.Hard, timedelta(minutes=5, seconds=30), State.Learning),
    (Rating.Good, timedelta(minutes=10), State.Learning),
    (Rating.Easy, timedelta(days=8), State.Review),
])
def test_first_rating_of_a_new_card(rating, interval, state):
    reviewed = drill.review(drill.new_card(NOW), rating, NOW, scheduler=EXACT)
    assert reviewed.due - NOW == interval
    assert reviewed.card["state"] == state
    assert not reviewed.lapse


@pytest.mark.parametrize("history", [[], [Rating.Good, Rating.Good], [Rating.Good, Rating.Good, Rating.Good]],
                         ids=["new", "graduated", "mature"])
def test_a_better_rating_always_means_a_later_due_date(history):
    card, when = reviewed_card(history)
    dues = [drill.review(card, rating, when, scheduler=EXACT).due for rating in Rating]
    assert dues == sorted(dues) and len(set(dues)) == 4


def test_good_reviews_make_the_intervals_grow():
    intervals = []
    card, when = reviewed_card([Rating.Good, Rating.Good])
    for _ in range(4):
        reviewed = drill.review(card, Rating.Good, when, scheduler=EXACT)
        intervals.append(reviewed.due - when)
        card, when = reviewed.card, reviewed.due
    assert intervals == sorted(intervals) and intervals[0] >= timedelta(days=1)


@pytest.mark.parametrize(("history", "lapse"), [
    ([], False),  # Again on a new card is not a lapse
    ([Rating.Good], False),  # still learning
    ([Rating.Good, Rating.Good], True),  # graduated, then forgotten
])
def test_again_counts_as_a_lapse_only_after_graduating(history, lapse):
    card, when = reviewed_card(history)
    reviewed = drill.review(card, Rating.Again, when, scheduler=EXACT)
    assert reviewed.lapse is lapse
    assert reviewed.due - when <= timedelta(minutes=10)


def test_cards_and_logs_are_json_and_round_trip():
    reviewed = drill.review(drill.new_card(NOW), Rating.Good, NOW, duration_ms=4200)
    again = json.loads(json.dumps({"card": reviewed.card, "log": reviewed.log}))
    assert again["log"] == {"card_id": reviewed.card["card_id"], "rating": 3,
                            "review_datetime": NOW.isoformat(), "review_duration": 4200}
    assert drill.due_of(again["card"]) == reviewed.due


def test_naive_datetimes_are_refused():
    with pytest.raises(ValueError):
        drill.new_card(datetime(2026, 1, 1))


@pytest.mark.parametrize("history", [[Rating.Good, Rating.Good], [Rating.Easy], [Rating.Good, Rating.Good, Rating.Good]])
def test_retrievability_falls_over_time_and_is_about_ninety_percent_when_due(history):
    card, when = reviewed_card(history[:-1])
    reviewed = drill.review(card, history[-1], when, scheduler=EXACT)
    last = when
    values = [drill.retrievability(reviewed.card, last + timedelta(days=days)) for days in (0, 1, 3, 7, 30, 90)]
    assert values[0] == pytest.approx(1.0)
    assert all(a > b for a, b in zip(values, values[1:]))
    assert drill.retrievability(reviewed.card, reviewed.due) == pytest.approx(0.9, abs=0.02)


def test_a_card_never_reviewed_has_no_retrievability():
    assert drill.retrievability(drill.new_card(NOW), NOW + timedelta(days=1)) == 0


@pytest.mark.parametrize(("now", "zone", "start"), [
    (datetime(2026, 11, 23, 2, 0, tzinfo=UTC), "Asia/Shanghai", datetime(2026, 11, 22, 16, 0, tzinfo=UTC)),
    (datetime(2026, 11, 23, 15, 59, tzinfo=UTC), "Asia/Shanghai", datetime(2026, 11, 22, 16, 0, tzinfo=UTC)),
    (datetime(2026, 11, 23, 16, 0, tzinfo=UTC), "Asia/Shanghai", datetime(2026, 11, 23, 16, 0, tzinfo=UTC)),
    (datetime(2026, 11, 23, 2, 0, tzinfo=UTC), "UTC", datetime(2026, 11, 23, 0, 0, tzinfo=UTC)),
])
def test_the_day_starts_at_local_midnight(now, zone, start):
    assert drill.day_start(now, zone) == start


@pytest.mark.parametrize(("reps", "kind"), [
    (0, drill.TERM_TO_DEFINITION), (1, drill.DEFINITION_TO_TERM), (2, drill.RECALL),
    (3, drill.TERM_TO_DEFINITION), (4, drill.DEFINITION_TO_TERM), (5, drill.RECALL), (30, drill.TERM_TO_DEFINITION),
])
def test_kinds_take_turns_and_recall_waits_for_two_reviews(reps, kind):
    assert drill.drill_kind(reps) == kind


@pytest.mark.parametrize("kind", [drill.TERM_TO_DEFINITION, drill.DEFINITION_TO_TERM])
@pytest.mark.parametrize("seed", range(20))
def test_distractors_are_other_terms_with_distinct_texts(kind, seed):
    target = TERMS[1]  # 欢迎语, lesson greeting
    question = drill.build_question(target, TERMS, kind, random.Random(seed))
    keys = [o.key for o in question.options]
    texts = [o.text for o in question.options]
    assert len(question.options) == 4 and sorted(set(keys)) == sorted(keys) and len(set(texts)) == 4
    assert keys.count("t2") == 1 and question.answer.key == "t2"
    assert "t1" in keys  # the only other term of the same lesson comes first


@pytest.mark.parametrize("kind", [drill.TERM_TO_DEFINITION, drill.DEFINITION_TO_TERM])
@pytest.mark.parametrize(("target", "twin"), [(0, "t7"), (1, "t8")], ids=["alias", "homonym"])
@pytest.mark.parametrize("seed", range(10))
def test_a_term_sharing_a_name_with_the_answer_is_never_a_distractor(kind, target, twin, seed):
    question = drill.build_question(TERMS[target], TERMS, kind, random.Random(seed))
    assert twin not in [o.key for o in question.options] and len(question.options) == 4


def test_distractors_are_deterministic_for_a_seed():
    ask = lambda seed: drill.build_question(TERMS[4], TERMS, drill.TERM_TO_DEFINITION, random.Random(seed))
    assert ask("u1:t5:0") == ask("u1:t5:0")
    assert ask("u1:t5:0").answer.key == "t5"
    assert drill.build_question(TERMS[4], list(reversed(TERMS)), drill.TERM_TO_DEFINITION, random.Random("u1:t5:0")) == ask("u1:t5:0")


@pytest.mark.parametrize(("pool", "count"), [(TERMS[:1], 0), (TERMS[:2], 1), (TERMS[:3], 2), (TERMS, 3)])
def test_a_small_glossary_gives_fewer_distractors(pool, count):
    question = drill.build_question(pool[0], pool, drill.TERM_TO_DEFINITION, random.Random(1))
    assert len(question.options) == count + 1


@pytest.mark.parametrize(("kind", "prompt"), [
    (drill.TERM_TO_DEFINITION, "首响"),
    (drill.DEFINITION_TO_TERM, "顾客第一条消息到＿＿的时间。"),
    (drill.RECALL, "首响"),
])
def test_the_prompt_never_gives_the_answer_away(kind, prompt):
    question = drill.build_question(TERMS[0], TERMS, kind, random.Random(1))
    assert question.prompt == prompt
    assert (question.options == ()) is (kind == drill.RECALL)


@pytest.mark.parametrize(("definition", "masked"), [
    ("首次响应就是首响。", "＿＿就是＿＿。"),  # the longer alias is blanked whole
    ("与此无关。", "与此无关。"),
])
def test_masked_definition(definition, masked):
    assert drill.masked_definition(term("x", "首响", definition=definition, aliases=("首次响应",))) == masked


@pytest.mark.parametrize(("response", "right"), [("t2", True), ("t1", False), (None, False), ("nonsense", False)])
def test_a_choice_is_right_only_for_the_term_itself(response, right):
    question = drill.build_question(TERMS[1], TERMS, drill.DEFINITION_TO_TERM, random.Random(1))
    result = drill.grade_response(TERMS[1], question, response)
    assert result.passed is right and result.score == float(right)


def test_free_recall_is_graded_with_the_terms_rubric():
    soothe = term("soothe", "安抚", points=(("向顾客道歉", ("道歉", "致歉")), ("表示理解", ("理解",)), ("等顾客平静", ("平静",))))
    question = drill.build_question(soothe, [soothe], drill.RECALL, random.Random(1))
    result = drill.grade_response(soothe, question, "先到歉，表示理解")
    earned = {e.label: e for e in result.points if e.earned}
    assert set(earned) == {"向顾客道歉", "表示理解"}
    assert earned["向顾客道歉"].how == "homophone" and earned["向顾客道歉"].words == "到歉"
    assert drill.suggest_rating(result) == Rating.Hard


def _result(score, max_score=3.0, pass_mark=2.0):
    return GradeResult(score=score, max_score=max_score, pass_mark=pass_mark, points=(), confidence=1.0)


@pytest.mark.parametrize(("result", "rating"), [
    (_result(0.0, 1.0, 1.0), Rating.Again),  # wrong choice
    (_result(1.0, 1.0, 1.0), Rating.Good),  # right choice
    (_result(0.0), Rating.Again),  # recall: nothing
    (_result(1.5), Rating.Again),  # recall: some points, below the pass mark
    (_result(2.0), Rating.Hard),  # recall: passed with points missing
    (_result(2.5), Rating.Hard),
    (_result(3.0), Rating.Good),  # recall: everything
])
def test_suggested_rating(result, rating):
    assert drill.suggest_rating(result) == rating
