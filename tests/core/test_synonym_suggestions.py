"""Candidate wordings for a key point, from calibration answers (core.synonym_suggestions)."""
import pytest

from trainer.core.synonym_suggestions import STOPWORDS, covered, suggest, words


@pytest.mark.parametrize(("text", "expected"), [
    pytest.param("先跟顾客说对不起，然后补发。", ["对不起", "补发"], id="stopwords-and-one-character-words-left-out"),
    pytest.param("先跟顧客說對不起，然後補發。", ["对不起", "补发"], id="traditional-as-simplified"),
    pytest.param("对不起，对不起！", ["对不起"], id="each-word-once"),
    pytest.param("订单号 123456", ["订单号"], id="no-bare-numbers"),
    pytest.param("OK，Refund", ["ok", "refund"], id="latin-folded"),
    pytest.param("", [], id="empty"),
    pytest.param(None, [], id="none"),
])
def test_words(text, expected):
    assert words(text) == expected


@pytest.mark.parametrize(("word", "wordings", "expected"), [
    ("道歉", ["道歉"], True),
    ("道歉", ["表示道歉"], True),      # part of a wording already there
    ("表示道歉", ["道歉"], True),      # the wording already finds it
    ("对不起", ["道歉", "致歉"], False),
    ("对不起", ["", "道歉"], False),
])
def test_covered(word, wordings, expected):
    assert covered(word, wordings) is expected


ANSWERS = [
    ("先跟顾客说对不起，然后查订单号，马上补发。", True),
    ("真的对不起，给您补发。", True),
    ("先说声抱歉，再核对订单。", True),
    ("今天天气很好。", False),
    ("对不起是不用说的，直接补发。", False),
]


def test_words_of_answers_that_speak_for_the_point_rank_first():
    found = suggest(ANSWERS, aliases=["道歉"], others=["补发", "核对订单", "订单号"])
    first = found[0]
    assert "抱歉" in [s.word for s in found]
    assert (first.word, first.count, first.answers) == ("对不起", 2, (0, 1))


def test_existing_wordings_and_other_points_wordings_are_never_suggested():
    found = [s.word for s in suggest(ANSWERS, aliases=["道歉", "对不起"], others=["补发", "订单"])]
    assert "对不起" not in found and "补发" not in found and "订单号" not in found
    assert "抱歉" in found and "核对" not in found  # 「再核对订单」 holds another point's wording



def test_a_word_as_common_in_answers_against_the_point_is_dropped():
    answers = [("给您补发新的", True), ("补发不了", False)]
    assert [s.word for s in suggest(answers, aliases=["道歉"])] == []


def test_nothing_speaks_for_the_point_nothing_is_suggested():
    assert suggest([("今天天气很好。", False)], aliases=["道歉"]) == []
    assert suggest([], aliases=["道歉"]) == []


def test_the_limit_and_aliases_with_traditional_characters():
    answers = [("甲乙丙丁 戊己庚辛 对不起 抱歉 不好意思 致歉 赔罪 请原谅 歉意 十分遗憾 万分抱歉", True)]
    found = suggest(answers, aliases=["對不起"], limit=3)
    assert len(found) == 3 and "对不起" not in [s.word for s in found]


def test_common_filler_is_a_stopword():
    assert {"顾客", "然后", "可以"} <= STOPWORDS


def test_clauses_holding_another_points_wording_are_skipped():
    text = "一类是普通的订单跟进，帮他查物流；一類有糾紛。"
    assert words(text, skip=["查物流", "纠纷"]) == ["普通", "订单", "跟进"]
    found = suggest([(text, True)], aliases=["正常交易"], others=["查物流", "纠纷"])
    assert [s.word for s in found] == ["普通", "订单", "跟进"]


def test_words_in_other_points_sentences_come_after():
    answers = [("普通订单要跟进", True)]
    ranked = [s.word for s in suggest(answers, aliases=["正常交易"], related=["查单这类小事要跟进"])]
    assert ranked[-1] == "跟进" and ranked[0] == "普通"
