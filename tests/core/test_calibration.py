"""Calibration: how far the grader is from the trainers' own scores on each item's examples."""
import pytest

from trainer.core.calibration import ExampleCheck, calibrate, quadratic_weighted_kappa, tolerance
from trainer.core.content.quizzes import build_item


def checks(pairs, max_score=4):
    """``(trainer, grader)`` score pairs as calibration checks; with ``max_score`` 4 the score is the bin."""
    return [ExampleCheck("item", "answer", "", expected, got, max_score) for expected, got in pairs]


@pytest.mark.parametrize(
    ("pairs", "qwk"),
    [
        pytest.param([], 1.0, id="no-examples"),
        pytest.param([(0, 0), (1, 1), (2, 2), (3, 3), (4, 4)], 1.0, id="perfect"),
        pytest.param([(4, 4), (4, 4)], 1.0, id="one-bin-only"),
        # rows r0=1 r2=1 r4=2, columns c0=1 c2=2 c4=1; observed (4/16)·1 = 0.25;
        # chance (2·4 + 16 + 4 + 4 + 16·2 + 4·4)/16/4 = 1.25; 1 - 0.25/1.25
        pytest.param([(0, 0), (4, 4), (4, 2), (2, 2)], 0.8, id="one-off-by-two-bins"),
        # observed 2·16/16 = 2; chance (16 + 16)/16/2 = 1; 1 - 2/1
        pytest.param([(0, 4), (4, 0)], -1.0, id="reversed"),
        # observed 2·4/16 = 0.5; chance (4·2 + 4·2)/16/2 = 0.5; 1 - 0.5/0.5
        pytest.param([(0, 2), (4, 2)], 0.0, id="grader-always-says-half"),
        # observed 1/16; chance Σ r·c·d² = 36 + 36 + 18 + 72 = 162 → 162/16/6; 1 - (1/16)/(162/96) = 0.96296…
        pytest.param([(4, 4), (1, 1), (3, 3), (0, 0), (4, 3), (1, 1)], 0.963, id="one-off-by-one-bin"),
    ],
)
def test_quadratic_weighted_kappa(pairs, qwk):
    assert quadratic_weighted_kappa(checks(pairs)) == qwk


@pytest.mark.parametrize(
    ("pairs", "max_score", "qwk"),
    [
        pytest.param([(0, 0), (10, 10), (10, 5), (5, 5)], 10, 0.8, id="out-of-ten-binned-to-quarters"),
        pytest.param([(0, 0), (10, 10), (10, 6), (5, 5)], 10, 0.8, id="six-of-ten-is-the-half-bin"),
        pytest.param([(0, 0), (2, 2), (2, 1), (1, 1)], 2, 0.8, id="out-of-two"),
        pytest.param([(0, 0), (4, 4), (4, 9), (2, 2)], 4, 1.0, id="over-the-maximum-is-full-marks"),
    ],
)
def test_scores_are_binned_by_share_of_the_maximum(pairs, max_score, qwk):
    assert quadratic_weighted_kappa(checks(pairs, max_score)) == qwk


def test_half_a_point_off_counts_the_same_wherever_it_is():
    """Bins round half up, so being half a point low is one bin off at every level (not half to even)."""
    from trainer.core.calibration import _bin

    assert {expected: _bin(expected, 4) - _bin(expected - 0.5, 4) for expected in (0.5, 1.5, 2.5, 3.5)} == {
        0.5: 1, 1.5: 1, 2.5: 1, 3.5: 1}


@pytest.mark.parametrize(
    ("max_score", "step", "allowed"),
    [(1, 0.5, 0.5), (3, 0.5, 0.75), (4, 0.5, 1.0), (10, 0.5, 2.5), (2, 1, 1), (1, 0.25, 0.25)],
)
def test_tolerance_is_a_quarter_of_the_maximum_but_at_least_one_step(max_score, step, allowed):
    assert tolerance(max_score, step) == allowed


POINTS = [
    {"label": "向顾客道歉", "points": 1, "aliases": ["道歉", "对不起"], "model": "先道歉。"},
    {"label": "核对订单信息", "points": 1, "aliases": ["核对订单", "订单号"], "model": "核对订单。"},
    {"label": "给出补发或退款方案", "points": 1, "aliases": ["补发", "退款"], "model": "提供补发或退款。"},
]


def short_item(item_id, examples, points=POINTS):
    return build_item({
        "id": item_id, "kind": "short", "lessons": ["refund-basics"], "prompt": "发错货怎么回复？", "explanation": "解析",
        "rubric": {"points": points, "model_answer": "先道歉，再核对订单，然后补发。",
                   "examples": [{"answer": a, "score": s, "note": n} for a, s, n in examples]},
    })


EXAMPLES = [
    ("先道歉，再核对订单，然后补发。", 3, "完整"),
    ("先道歉。", 1, "只答一点"),
    ("先道歉，再核对订单。", 2.5, "trainer is generous by half a point: within 0.75"),
    ("今天天气很好。", 0, "离题"),
    ("先道歉，再核对订单，然后给您换一个新的。", 3, "换一个 is not an alias: off by 1, more than 0.75"),
    ("不用道歉，核对订单就行。", 1, "否定"),
]


def test_calibrate_collects_every_example_and_the_ones_out_of_tolerance():
    result = calibrate([short_item("sa-refund", EXAMPLES)])
    assert [(c.expected, c.got) for c in result.checks] == [(3, 3), (1, 1), (2.5, 2), (0, 0), (3, 2), (1, 1)]
    assert [(c.item, c.answer, c.error) for c in result.failing] == [("sa-refund", EXAMPLES[4][0], 1)]
    assert result.mae == 0.25  # (0.5 + 1) / 6
    assert result.qwk == 0.963  # bins of n/3: (4,4) (1,1) (3,3) (0,0) (4,3) (1,1), as in the table above


@pytest.mark.parametrize(
    ("expected", "failing"),
    [
        pytest.param(3, False, id="exact"),
        pytest.param(3.75, False, id="exactly-the-tolerance"),
        pytest.param(2.25, False, id="exactly-the-tolerance-below"),
        pytest.param(4, True, id="just-beyond"),
        pytest.param(0, True, id="far-off"),
    ],
)
def test_one_example_beyond_the_tolerance_fails_the_item(expected, failing):
    result = calibrate([short_item("sa-one", [("先道歉，再核对订单，然后补发。", expected, "")])])
    assert bool(result.failing) is failing


def test_items_without_a_rubric_are_skipped():
    single = build_item({"id": "sc", "kind": "single", "lessons": ["x"], "prompt": "p", "explanation": "e",
                         "options": [{"text": "对", "correct": True}, {"text": "错"}]})
    result = calibrate([single])
    assert (result.checks, result.failing, result.qwk, result.mae) == ((), (), 1.0, 0.0)


def test_every_item_is_checked_separately():
    good = short_item("sa-good", EXAMPLES[:4])
    bad = short_item("sa-bad", [("今天天气很好。", 3, "the trainer expects full marks for nothing")])
    result = calibrate([good, bad])
    assert len(result.checks) == 5
    assert [c.item for c in result.failing] == ["sa-bad"]
