"""Grouping answers for review, and adding a wording to a rubric: pure rules, no app."""
import pytest

from trainer.core.review import AliasError, Pending, first_missed, group_answers, rubric_points, signature, with_alias

READ = ("reading-a",)


def pending(n, text, key="rb-short", version=1, reading=READ):
    return Pending(id=n, item_key=key, item_version=version, text=text, reading=reading)


def grouped(answers):
    return [list(g.ids) for g in group_answers(answers)]


@pytest.mark.parametrize(("texts", "expected"), [
    pytest.param(["先道歉，再补发", "先道歉，再补发"], [[1, 2]], id="identical"),
    pytest.param(["先道歉，再补发。", "先道歉 再补发！！"], [[1, 2]], id="punctuation-and-spaces"),
    pytest.param(["先道歉，再補發", "先道歉，再补发"], [[1, 2]], id="traditional"),
    pytest.param(["ＯＫ，先道歉", "ok先道歉"], [[1, 2]], id="full-width-and-case"),
    pytest.param(["先向顾客道歉，然后核对订单号，最后给他补发", "先向顾客道歉，然后核对订单号，最后给她补发"], [[1, 2]],
                 id="near-identical"),
    pytest.param(["先道歉，再补发", "给顾客退款"], [[1], [2]], id="different"),
    pytest.param(["道歉", "道个歉"], [[1], [2]], id="short-answers-differ-more"),
    pytest.param(["a", "b", "a", "b", "c"], [[1, 3], [2, 4], [5]], id="first-seen-order"),
])
def test_grouping_by_normalised_text(texts, expected):
    assert grouped([pending(n, text) for n, text in enumerate(texts, start=1)]) == expected


def test_other_item_or_version_never_joins():
    answers = [pending(1, "先道歉"), pending(2, "先道歉", version=2), pending(3, "先道歉", key="other")]
    assert grouped(answers) == [[1], [2], [3]]


def test_a_different_machine_reading_never_joins_even_when_the_text_is_near():
    # 「不」 flips the meaning; the grader saw a negation, so the two are decided apart
    answers = [pending(1, "先向顾客道歉，然后核对订单号，最后给他补发", reading=("earned",)),
               pending(2, "先不向顾客道歉，然后核对订单号，最后给他补发", reading=("negated",))]
    assert grouped(answers) == [[1], [2]]


def test_members_are_compared_with_the_first_member_so_groups_do_not_drift():
    base = "一二三四五六七八九十甲乙丙丁戊己庚辛壬癸"
    step1 = "一二三四五六七八九十甲乙丙丁戊己庚辛AB"   # 90 % like base
    step2 = "一二三四五六七八九十甲乙丙丁戊己CDAB"     # 90 % like step1, 80 % like base
    assert grouped([pending(1, base), pending(2, step1), pending(3, step2)]) == [[1, 2], [3]]


def test_identical_flag_and_first_member():
    exact, near = group_answers([pending(5, "先道歉，再补发"), pending(6, "先道歉，再补发"),
                                 pending(7, "先向顾客道歉，然后核对订单号，最后给他补发"),
                                 pending(8, "先向顾客道歉，然后核对订单号，最后给她补发")])
    assert (exact.identical, exact.first) == (True, 5)
    assert (near.identical, near.first) == (False, 7)


def test_threshold_is_a_parameter():
    answers = [pending(1, "道歉"), pending(2, "道个歉")]
    assert grouped(answers) == [[1], [2]]
    assert [list(g.ids) for g in group_answers(answers, threshold=70)] == [[1, 2]]


def test_nothing_to_group():
    assert group_answers([]) == []


RESULT = {"score": 2.5, "order": {"earned": 0.5},
          "points": {"earned": [{"point": "p2", "how": "exact"}, {"point": "p3", "how": "homophone"}],
                     "missed": [{"point": "p1", "how": "negated"}]}}


@pytest.mark.parametrize(("change", "same"), [
    pytest.param({}, True, id="itself"),
    pytest.param({"points": {"earned": [{"point": "p3", "how": "exact"}, {"point": "p2", "how": "fuzzy"}],
                             "missed": [{"point": "p1", "how": "negated"}]}}, True, id="how-earned-does-not-matter"),
    pytest.param({"points": {"earned": RESULT["points"]["earned"], "missed": [{"point": "p1", "how": "missing"}]}},
                 False, id="why-missed-matters"),
    pytest.param({"score": 3.0}, False, id="score"),
    pytest.param({"order": {"earned": 1.0}}, False, id="order"),
])
def test_signature(change, same):
    assert (signature({**RESULT, **change}) == signature(RESULT)) is same


def test_signature_of_an_objective_result():
    assert signature({"score": 0.0, "points": {"earned": [], "missed": []}, "order": None}) == (0.0, (), (), None)


DEFINITION = {
    "id": "rb-short", "kind": "short",
    "rubric": {"points": [{"id": "p1", "label": "道歉", "aliases": ["道歉", "抱歉"]},
                          {"id": "p2", "label": "补发", "aliases": ["补发"]}]},
    "source": {"id": "rb-short", "rubric": {"points": [{"label": "道歉", "aliases": ["@apologise"]},
                                                       {"label": "补发", "aliases": ["补发"]}]}},
}


def test_with_alias_adds_the_wording_to_the_point_and_its_source():
    changed = with_alias(DEFINITION, "p2", " 再寄一个 ")
    assert changed["rubric"]["points"][1]["aliases"] == ["补发", "再寄一个"]
    assert changed["source"]["rubric"]["points"][1]["aliases"] == ["补发", "再寄一个"]
    assert changed["rubric"]["points"][0]["aliases"] == ["道歉", "抱歉"]
    assert DEFINITION["rubric"]["points"][1]["aliases"] == ["补发"]  # a copy; the original is untouched


def test_with_alias_without_a_source():
    changed = with_alias({k: v for k, v in DEFINITION.items() if k != "source"}, "p1", "对不住")
    assert "source" not in changed and changed["rubric"]["points"][0]["aliases"][-1] == "对不住"


@pytest.mark.parametrize(("point", "wording", "code"), [
    ("p9", "再寄一个", "unknown_point"),
    ("p1", "  ，。 ", "empty"),
    ("p1", "长" * 201, "too_long"),
    ("p1", "抱歉！", "already_accepted"),
    ("p1", "抱歉", "already_accepted"),
])
def test_with_alias_refuses(point, wording, code):
    with pytest.raises(AliasError) as raised:
        with_alias(DEFINITION, point, wording)
    assert raised.value.code == code


def test_rubric_points_and_the_first_missed_one():
    assert rubric_points(DEFINITION) == [("p1", "道歉"), ("p2", "补发")]
    assert rubric_points({"rubric": {"points": [{"label": "无编号"}]}}) == [("p1", "无编号")]
    assert rubric_points({"kind": "single"}) == []
    assert first_missed(RESULT) == "p1"
    assert first_missed({"points": {"earned": [], "missed": []}}) is None
