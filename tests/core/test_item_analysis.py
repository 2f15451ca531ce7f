"""Item statistics against a fixture computed by hand, with Moodle's definitions, and the flag rules."""
import pytest

from trainer.core.item_analysis import (
    MIN_ATTEMPTS, Attempt, Mark, Response, analyse, cic, discrimination_index, discriminative_efficiency, flags,
)

# Six attempts at three items: A and B are worth 1 mark, C is worth 2 and has two rubric key
# points p1 and p2 of 1 mark each.
#
#   attempt   A  B  C (p1 p2)  total | rest of A  rest of B  rest of C
#      1      1  1  2 ( 1  1)    4   |     3          3          2
#      2      1  1  1 ( 1  0)    3   |     2          2          2
#      3      1  0  2 ( 1  1)    3   |     2          3          1
#      4      0  1  1 ( 0  1)    2   |     2          1          1
#      5      1  0  0 ( 0  0)    1   |     0          1          1
#      6      0  0  0 ( 0  0)    0   |     0          0          0
#
# Every variance and covariance divides by n − 1 = 5, as Moodle's calculator does.
TABLE = [(1, 1, 2, 1, 1), (1, 1, 1, 1, 0), (1, 0, 2, 1, 1), (0, 1, 1, 0, 1), (1, 0, 0, 0, 0), (0, 0, 0, 0, 0)]


def fixture_attempts():
    return [
        Attempt(n, (Response("A", a, 1), Response("B", b, 1),
                    Response("C", c, 2, (Mark("p1", p1, 1), Mark("p2", p2, 1)))),
                slots={"A": a, "B": b, "C": c})
        for n, (a, b, c, p1, p2) in enumerate(TABLE, start=1)
    ]


@pytest.fixture(scope="module")
def result():
    return analyse(fixture_attempts())


def _item(result, key):
    return next(item for item in result.items if item.key == key)


def test_item_a_by_hand(result):
    a = _item(result, "A")
    # x = 1 1 1 0 1 0, mean 4/6 = 2/3 → facility 66.67 %
    # Σ(x − 2/3)² = 4·(1/3)² + 2·(2/3)² = 12/9; var = 12/9 / 5 = 4/15; SD = √(4/15) = 0.5164 → 51.64 %
    # rest r = 3 2 2 2 0 0, mean 1.5; r − 1.5 = 1.5 .5 .5 .5 −1.5 −1.5; Σ(r − 1.5)² = 7.5, var = 1.5
    # Σ(x − x̄)(r − r̄) = .5 + 1/6 + 1/6 − 1/3 − .5 + 1 = 1 → cov = 1/5 = 0.2
    # DI = 100 · 0.2 / √(4/15 · 1.5) = 100 · 0.2 / √0.4 = 31.62
    # sorted x − x̄ = −2/3 −2/3 1/3 1/3 1/3 1/3, sorted r − r̄ = −1.5 −1.5 .5 .5 .5 1.5
    # Σ products = 1 + 1 + 1/6 + 1/6 + 1/6 + .5 = 3 → covmax = 3/5 = 0.6; DE = 100 · 0.2 / 0.6 = 33.33
    assert a.attempts == 6
    assert a.facility == pytest.approx(66.667, abs=1e-3)
    assert a.sd == pytest.approx(51.640, abs=1e-3)
    assert a.discrimination == pytest.approx(31.623, abs=1e-3)
    assert a.efficiency == pytest.approx(33.333, abs=1e-3)


def test_item_b_by_hand(result):
    b = _item(result, "B")
    # x = 1 1 0 1 0 0, mean .5 → facility 50 %; Σ(x − .5)² = 1.5, var = 0.3, SD = 0.5477 → 54.77 %
    # rest r = 3 2 3 1 1 0, mean 5/3; Σ(r − r̄)² = (16 + 1 + 16 + 4 + 4 + 25)/9 = 22/3, var = 22/15
    # Σ(x − x̄)(r − r̄) = (4 + 1 − 4 − 2 + 2 + 5)/6 = 1 → cov = 0.2
    # DI = 100 · 0.2 / √(0.3 · 22/15) = 100 · 0.2 / √0.44 = 30.15
    # sorted: (−.5 −.5 −.5 .5 .5 .5) · (−5/3 −2/3 −2/3 1/3 4/3 4/3) = (5 + 2 + 2 + 1 + 4 + 4)/6 = 3
    # covmax = 0.6; DE = 33.33
    assert (b.facility, round(b.sd, 2)) == (50.0, 54.77)
    assert b.discrimination == pytest.approx(30.151, abs=1e-3)
    assert b.efficiency == pytest.approx(33.333, abs=1e-3)


def test_item_c_worth_two_marks_by_hand(result):
    c = _item(result, "C")
    # marks 2 1 2 1 0 0, mean 1 of 2 → facility 50 %; Σ(m − 1)² = 4, var 0.8, SD 0.894 marks = 44.72 % of 2
    # rest r = 2 2 1 1 1 0, mean 7/6; Σ(r − r̄)² = (25 + 25 + 1 + 1 + 1 + 49)/36 = 17/6, var = 17/30
    # Σ(m − 1)(r − r̄) = (5 + 0 − 1 + 0 + 1 + 7)/6 = 2 → cov = 0.4
    # DI = 100 · 0.4 / √(0.8 · 17/30) = 100 · 0.4 / 0.6733 = 59.41
    # sorted: (−1 −1 0 0 1 1) · (−7/6 −1/6 −1/6 −1/6 5/6 5/6) = (7 + 1 + 5 + 5)/6 = 3 → covmax 0.6
    # DE = 100 · 0.4 / 0.6 = 66.67 (fractions instead of marks scale cov and covmax alike)
    assert (c.facility, round(c.sd, 2)) == (50.0, 44.72)
    assert c.discrimination == pytest.approx(59.409, abs=1e-3)
    assert c.efficiency == pytest.approx(66.667, abs=1e-3)


def test_key_points_are_scored_against_the_rest_without_their_question(result):
    p1, p2 = _item(result, "C").parts
    # both against the rest of C: r = 2 2 1 1 1 0 (r − r̄ = 5/6 5/6 −1/6 −1/6 −1/6 −7/6), var 17/30
    # p1 = 1 1 1 0 0 0: facility 50 %, var 0.3
    #   Σ(x − .5)(r − r̄) = (5 + 5 − 1 + 1 + 1 + 7)/12 = 1.5 → cov 0.3; DI = 100 · 0.3 / √(0.3 · 17/30) = 72.76
    #   sorted: (−.5 −.5 −.5 .5 .5 .5) · (−7/6 −1/6 −1/6 −1/6 5/6 5/6) = (7 + 1 + 1 − 1 + 5 + 5)/12 = 1.5
    #   → covmax 0.3, DE = 100: p1 separates as well as its scores can
    # p2 = 1 0 1 1 0 0: facility 50 %
    #   Σ(x − .5)(r − r̄) = (5 − 5 − 1 − 1 + 1 + 7)/12 = .5 → cov 0.1; DI = 100 · 0.1 / 0.4123 = 24.25
    #   covmax 0.3 as for p1 (same values) → DE = 33.33
    assert (p1.key, p1.attempts, p1.facility) == ("p1", 6, 50.0)
    assert p1.discrimination == pytest.approx(72.761, abs=1e-3)
    assert p1.efficiency == pytest.approx(100.0)
    assert (p2.key, p2.facility) == ("p2", 50.0)
    assert p2.discrimination == pytest.approx(24.254, abs=1e-3)
    assert p2.efficiency == pytest.approx(33.333, abs=1e-3)


def test_coefficient_of_internal_consistency_by_hand(result):
    # slot variances (marks): A 4/15, B 3/10, C 4/5 → Σ = (8 + 9 + 24)/30 = 41/30
    # totals 4 3 3 2 1 0, mean 13/6; Σ(t − t̄)² = (121 + 25 + 25 + 1 + 49 + 169)/36 = 65/6, var = 65/30
    # CIC = 100 · 3/2 · (1 − (41/30)/(65/30)) = 150 · 24/65 = 55.38
    assert result.cic == pytest.approx(55.385, abs=1e-3)
    assert (result.attempts, result.complete) == (6, 6)


def test_few_attempts_are_shown_but_not_judged(result):
    # p2's discrimination of 24 would need checking, but six attempts are below the minimum.
    assert MIN_ATTEMPTS == 10
    assert result.flagged == [] and _item(result, "C").parts[1].flags == ()
    judged = analyse(fixture_attempts(), min_attempts=6)
    assert _item(judged, "C").parts[1].flags == ("low_discrimination",)
    assert [item.key for item in judged.flagged] == []  # the items themselves are fine


def test_the_rest_as_a_share_gives_moodles_figures_for_any_scale():
    """Doubling every mark changes no figure: correlation and efficiency do not depend on scale."""
    doubled = [Attempt(a.id, tuple(Response(r.item, 2 * r.score, 2 * r.max_score) for r in a.responses),
                       slots={k: 2 * v for k, v in a.slots.items()}) for a in fixture_attempts()]
    for plain, scaled in zip(analyse(fixture_attempts()).items, analyse(doubled).items):
        assert scaled.discrimination == pytest.approx(plain.discrimination)
        assert scaled.efficiency == pytest.approx(plain.efficiency)
        assert scaled.facility == pytest.approx(plain.facility)
    assert analyse(doubled).cic == pytest.approx(55.385, abs=1e-3)


def test_an_item_missing_from_an_attempt_leaves_it_out_of_that_items_figures_and_the_cic():
    attempts = fixture_attempts()
    # attempt 6's answer to B awaits review: B is seen 5 times, attempt 6 is incomplete
    sixth = attempts[5]
    attempts[5] = Attempt(6, tuple(r for r in sixth.responses if r.item != "B"), slots=None)
    result = analyse(attempts)
    assert _item(result, "B").attempts == 5 and _item(result, "A").attempts == 6
    # B over attempts 1–5: x = 1 1 0 1 0 → facility 60 %
    assert _item(result, "B").facility == pytest.approx(60.0)
    assert (result.attempts, result.complete) == (6, 5)


def test_an_attempt_with_one_item_counts_for_facility_only():
    # a trainee through only the first question has no rest to correlate with
    attempts = [*fixture_attempts(), Attempt(7, (Response("A", 1, 1),), slots=None)]
    a = _item(analyse(attempts), "A")
    assert a.attempts == 7 and a.facility == pytest.approx(100 * 5 / 7)
    assert a.discrimination == pytest.approx(31.623, abs=1e-3)  # the six paired attempts, as before


def test_items_follow_the_given_order_and_unanswered_ones_are_listed():
    result = analyse(fixture_attempts(), order=["C", "Z", "A"])
    assert [item.key for item in result.items] == ["C", "Z", "A", "B"]
    z = result.items[1]
    assert (z.attempts, z.facility, z.sd, z.discrimination, z.flags) == (0, None, None, None, ())


def test_a_check_counts_its_share_of_the_run_score():
    """Role-play checks: met 1 / missed 0, against the run's score without the check's own share."""
    # A category of weight 40 with two checks: each counts 20 of the run's 100 when met.
    runs = [(1, 1, 90), (1, 0, 70), (0, 1, 60), (0, 0, 30)]
    attempts = [Attempt(n, (Response("x", x, 1, counted=20.0 * x, counted_max=20.0),
                            Response("y", y, 1, counted=20.0 * y, counted_max=20.0)), total=score, max_total=100)
                for n, (x, y, score) in enumerate(runs)]
    x = analyse(attempts).items[0]
    # rest of x = score − 20·x = 70 50 60 30 (over 80); x = 1 1 0 0, x̄ = .5, r̄ = 52.5
    # Σ(x − x̄)(r − r̄) = .5·17.5 + .5·(−2.5) − .5·7.5 − .5·(−22.5) = 15; Σ(x − x̄)² = 1
    # Σ(r − r̄)² = 306.25 + 6.25 + 56.25 + 506.25 = 875 → DI = 100 · 15 / √(1 · 875) = 50.71
    # (the n − 1 cancel, and so does dividing the rest by its maximum of 80)
    assert x.discrimination == pytest.approx(100 * 15 / 875 ** 0.5)
    assert x.facility == 50.0


@pytest.mark.parametrize(("facility", "discrimination", "efficiency", "attempts", "expected"), [
    (50.0, 45.0, 60.0, 20, ()),
    (19.9, 45.0, 60.0, 20, ("too_hard",)),
    (20.0, 45.0, 60.0, 20, ()),
    (94.0, 45.0, 60.0, 20, ()),
    (94.1, 45.0, 60.0, 20, ("too_easy",)),
    (100.0, None, None, 1, ("too_easy",)),  # facility is judged from the first attempt on
    (50.0, 29.9, 60.0, 20, ("low_discrimination",)),
    (50.0, 30.0, 60.0, 20, ()),
    (50.0, -12.0, 60.0, 20, ("negative_discrimination",)),
    (50.0, 45.0, 14.9, 20, ("low_efficiency",)),
    (50.0, 45.0, 15.0, 20, ()),
    (50.0, 10.0, 5.0, MIN_ATTEMPTS - 1, ()),  # too few attempts to judge
    (50.0, 10.0, 5.0, MIN_ATTEMPTS, ("low_discrimination", "low_efficiency")),
    (10.0, -5.0, -8.0, 30, ("too_hard", "negative_discrimination", "low_efficiency")),
    (None, None, None, 0, ()),
])
def test_needs_checking(facility, discrimination, efficiency, attempts, expected):
    assert flags(facility, discrimination, efficiency, attempts) == expected


@pytest.mark.parametrize(("pairs", "expected"), [
    ([], None),
    ([(1.0, 0.5)], None),
    ([(1.0, 0.5), (1.0, 0.2), (1.0, 0.9)], None),  # everyone right: no variance, nothing to correlate
    ([(1.0, 0.9), (0.0, 0.1)], 100.0),
    ([(0.0, 0.9), (1.0, 0.1)], -100.0),
])
def test_discrimination_edge_cases(pairs, expected):
    assert discrimination_index(pairs) == (pytest.approx(expected) if expected is not None else None)


def test_efficiency_is_undefined_without_spread():
    assert discriminative_efficiency([(1.0, 0.5), (1.0, 0.7)]) is None


@pytest.mark.parametrize(("slots", "expected"), [
    ([{"a": 1, "b": 1}, {"a": 0, "b": 0}], None),  # fewer than three attempts
    ([{"a": 1}, {"a": 0}, {"a": 1}], None),  # one slot
    ([{"a": 1, "b": 1}] * 3, None),  # no variance in the totals
    # two slots that always agree: var(slot) = 1/3 each, var(total) = 4/3 → 200 · (1 − 2/3 / 4/3) = 100
    ([{"a": 1, "b": 1}, {"a": 0, "b": 0}, {"a": 0, "b": 0}], 100.0),
])
def test_cic_edge_cases(slots, expected):
    assert cic(slots) == (pytest.approx(expected) if expected is not None else None)
