"""Free text against a rubric: which points were earned, by which words, and how sure we are."""
import re

from ..text import is_han, normalise
from .matching import find_any
from .rubric import Evidence, GradeResult, round_to

#: Answers are graded on their first characters only; the form allows no more.
MAX_ANSWER = 4000
#: Letters between separators, digits and symbols: the items of a possible keyword list.
_LETTER_RUNS = re.compile(r"[^\W\d_]+")


def grade_short_answer(rubric, answer):
    """Grade ``answer`` (str) against ``rubric``; the result explains itself."""
    text = normalise((answer or "")[:MAX_ANSWER])
    evidence = [_grade_point(point, text) for point in rubric.points]
    reasons = {e.how for e in evidence if e.how in ("negated", "rejected")}
    earned = [e for e in evidence if e.earned]
    if rubric.mode == "best" and rubric.best:
        earned = sorted(earned, key=lambda e: -e.earned)[: rubric.best]
    total = sum(e.earned for e in earned)
    order = None
    if rubric.mode == "sequence" and rubric.order_points:
        order = _order(rubric, evidence)
        total += order["earned"]
    score = round_to(min(total, rubric.max_score), rubric.step)
    reasons |= _doubts(rubric, text, evidence, score)
    return GradeResult(
        score=score, max_score=rubric.max_score, pass_mark=rubric.passing, points=tuple(evidence),
        confidence=_confidence(reasons, evidence), reasons=tuple(sorted(reasons)), order=order,
        model_answer=rubric.model_answer,
    )


def _grade_point(point, text):
    base = dict(point=point.id, label=point.label, points=point.points, earned=0.0, model=point.model)
    rejected = find_any(point.reject, text) if point.reject else None
    if rejected and not rejected.negated:
        return Evidence(**base, how="rejected", span=text.span(rejected.start, rejected.end)[:2],
                        words=text.span(rejected.start, rejected.end)[2])
    match = find_any(point.aliases, text)
    if match is None:
        return Evidence(**base)
    start, end, words = text.span(match.start, match.end)
    found = dict(span=(start, end), words=words, typos=match.typos, at=match.start)
    if match.negated:
        return Evidence(**base, how="negated", **found)
    for group in point.all_of:
        part = find_any(group, text)
        if part is None or part.negated:
            return Evidence(**base, how="incomplete", **found)
    return Evidence(**{**base, "earned": point.points}, how=match.how, **found)


def _order(rubric, evidence):
    """Longest run of matched points in the expected order; credit in proportion to it.

    One point alone is no order: without that, a reversed answer would earn the same credit
    as one with two points in the right order.
    """
    placed = [(e.at, e.label) for e in evidence if e.earned and e.at is not None]
    best = _longest_increasing([at for at, _ in placed])
    in_order = [placed[i][1] for i in best]
    out_of_order = [label for i, (_, label) in enumerate(placed) if i not in set(best)]
    share = len(in_order) / len(rubric.points) if len(in_order) >= 2 else 0.0
    return {"points": rubric.order_points, "earned": round_to(rubric.order_points * share, rubric.step),
            "in_order": in_order, "out_of_order": out_of_order}


def _longest_increasing(values):
    """Indices of one longest strictly increasing subsequence (n is small)."""
    best = [[i] for i in range(len(values))]
    for i in range(len(values)):
        for j in range(i):
            if values[j] < values[i] and len(best[j]) + 1 > len(best[i]):
                best[i] = best[j] + [i]
    return max(best, key=len) if best else []


def _doubts(rubric, text, evidence, score):
    reasons = set()
    loose = [e for e in evidence if e.earned and (e.how == "fuzzy" or (e.how == "homophone" and len(e.words) <= 2))]
    if any((score - e.earned >= rubric.passing) != (score >= rubric.passing) for e in loose):
        reasons.add("typo_decides_pass")
    if score and abs(score - rubric.passing) <= rubric.step + 1e-9:
        reasons.add("near_pass_mark")
    if _is_keyword_list(text, evidence, len(rubric.points)):
        reasons.add("keyword_list")
    letters = [c for c in text.text if c.isalpha()]
    if letters and sum(map(is_han, letters)) < 0.5 * len(letters):
        reasons.add("mostly_not_chinese")
    return reasons


def _is_keyword_list(text, evidence, points):
    """A dump of bare keywords: more short items than the rubric has points, several of them hits.

    A list with one item per point is how people answer "name the six steps"; a list longer
    than the rubric is guessing, hoping some keywords hit. Items are runs of letters, so 、
    and list numbers separate items.
    """
    matched = [e for e in evidence if e.earned]
    items = _LETTER_RUNS.findall(text.original)
    if len(matched) < 3 or len(items) <= points + 2:  # a lead-in clause or two is normal
        return False
    return sum(map(len, items)) / len(items) <= 4


def _confidence(reasons, evidence):
    confidence = 1.0 - 0.25 * len(reasons)
    confidence -= 0.05 * sum(1 for e in evidence if e.earned and e.how != "exact")
    return round(max(confidence, 0.05), 2)
