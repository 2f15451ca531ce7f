"""Answer normalisation: what is folded, what is dropped, and how the trainee's own words are found again."""
import pytest

from trainer.core.text import is_han, normalise, readings


@pytest.mark.parametrize(
    ("original", "text"),
    [
        pytest.param("", "", id="empty"),
        pytest.param("道歉", "道歉", id="plain"),
        pytest.param("ＡＢＣ１２３", "abc123", id="full-width-letters-digits"),
        pytest.param("ｒｅｆｕｎｄ　ＮＯＷ", "refundnow", id="full-width-space-and-case"),
        pytest.param("Refund", "refund", id="case-folded"),
        pytest.param("先跟顧客道歉，核對訂單", "先跟顾客道歉核对订单", id="traditional"),
        pytest.param("後來頭髮乾了", "后来头发干了", id="traditional-one-to-many"),
        pytest.param("道歉！核对：订单？", "道歉核对订单", id="punctuation-dropped"),
        pytest.param("「道歉」（必须）【重要】", "道歉必须重要", id="brackets-and-quotes-dropped"),
        pytest.param("道 歉\t退\n款", "道歉退款", id="spaces-dropped"),
        pytest.param("ﬁx①㈱", "fix1株", id="nfkc-expansions"),
        pytest.param("发错了😀，道歉👍", "发错了道歉", id="emoji-dropped"),
        pytest.param("道\u200b歉\ufeff", "道歉", id="zero-width-dropped"),
        pytest.param("e\u0301", "e", id="combining-mark-dropped"),
        pytest.param("道歉\x00退款", "道歉退款", id="nul"),
        pytest.param("道歉𠀀", "道歉𠀀", id="cjk-extension-b-kept"),
        pytest.param("\ud800道歉\udfff", "道歉", id="lone-surrogates-dropped"),
    ],
)
def test_normalised_text(original, text):
    assert normalise(original).text == text


@pytest.mark.parametrize(
    ("original", "clauses"),
    [
        pytest.param("道歉核对", (0, 0, 0, 0), id="one-clause"),
        pytest.param("道歉，核对", (0, 0, 1, 1), id="comma"),
        pytest.param("道歉。核对！补发？好", (0, 0, 1, 1, 2, 2, 3), id="sentence-ends"),
        pytest.param("道歉; 核对", (0, 0, 2, 2), id="each-break-counts"),
        pytest.param("道歉\n核对", (0, 0, 1, 1), id="newline"),
        pytest.param("道歉　核对", (0, 0, 1, 1), id="full-width-space"),
        pytest.param("保持冷静、避免激化", (0, 0, 0, 0, 1, 1, 1, 1), id="enumeration-comma-breaks"),
        pytest.param("注意：不用道歉", (0,) * 6, id="colon-inside"),
        pytest.param("他说「不用」道歉", (0,) * 6, id="quotes-inside"),
        pytest.param("道歉——核对", (0, 0, 2, 2), id="dash-breaks"),
        pytest.param("，，道歉", (2, 2), id="leading-breaks"),
    ],
)
def test_clause_numbers(original, clauses):
    assert normalise(original).clause == clauses


@pytest.mark.parametrize(
    ("original", "start", "end", "span"),
    [
        pytest.param("先道歉，再核对", 1, 3, (1, 3, "道歉"), id="plain"),
        pytest.param("先道歉，再核对", 4, 6, (5, 7, "核对"), id="after-dropped-comma"),
        pytest.param("先跟顧客道歉", 2, 4, (2, 4, "顧客"), id="traditional-quoted-as-written"),
        pytest.param("ＡＢＣ道歉", 0, 3, (0, 3, "ＡＢＣ"), id="full-width-quoted-as-written"),
        pytest.param("我们会退 款", 3, 5, (3, 6, "退 款"), id="across-a-space"),
        pytest.param("😀道😀歉", 0, 2, (1, 4, "道😀歉"), id="emoji-inside"),
        pytest.param("ﬁ道歉", 0, 2, (0, 1, "ﬁ"), id="expansion-maps-to-one-character"),
        pytest.param("ﬁ道歉", 1, 3, (0, 2, "ﬁ道"), id="half-of-expansion"),
        pytest.param("道歉", 1, 1, (0, 0, ""), id="empty-range"),
    ],
)
def test_span_maps_back_to_the_original(original, start, end, span):
    assert normalise(original).span(start, end) == span


@pytest.mark.parametrize(
    ("original", "position", "bounds"),
    [
        pytest.param("道歉核对", 2, (0, 4), id="single-clause"),
        pytest.param("不用担心，我们道歉", 5, (4, 8), id="second-clause"),
        pytest.param("不用担心，我们道歉", 0, (0, 4), id="first-clause"),
        pytest.param("甲，乙，丙", 1, (1, 2), id="one-character-clause"),
    ],
)
def test_clause_bounds(original, position, bounds):
    assert normalise(original).clause_bounds(position) == bounds


def test_normalise_keeps_the_original_and_an_index_per_character():
    result = normalise("先，跟顧客")
    assert result.original == "先，跟顧客"
    assert len(result) == len(result.index) == len(result.clause) == 4
    assert result.index == (0, 2, 3, 4)


@pytest.mark.parametrize(
    ("char", "expected"),
    [
        pytest.param("道", {"dao"}, id="one-reading"),
        pytest.param("到", {"dao"}, id="homophone"),
        pytest.param("歉", {"qian"}, id="toneless"),
        pytest.param("长", {"chang", "zhang"}, id="polyphone-has-several"),
        pytest.param("a", {"a"}, id="latin-is-itself"),
        pytest.param("1", {"1"}, id="digit-is-itself"),
        pytest.param("😀", {"😀"}, id="emoji-is-itself"),
    ],
)
def test_readings(char, expected):
    assert readings(char) == frozenset(expected)


@pytest.mark.parametrize(
    ("char", "expected"),
    [("道", True), ("㐀", True), ("a", False), ("Ａ", False), ("。", False), ("😀", False)],
)
def test_is_han(char, expected):
    assert is_han(char) is expected
