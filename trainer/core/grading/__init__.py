"""Grading: one grader per item kind, chosen from a plain dict."""
from .objective import grade_matching, grade_multiple, grade_ordering, grade_single, grade_true_false
from .rubric import Evidence, GradeResult, Rubric, RubricPoint, round_to
from .short_answer import grade_short_answer

GRADERS = {
    "single": grade_single,
    "multiple": grade_multiple,
    "true_false": grade_true_false,
    "ordering": grade_ordering,
    "matching": grade_matching,
    "short": lambda item, response: grade_short_answer(item.rubric, response if isinstance(response, str) else ""),
}


def grade(item, response):
    """Grade a response to any item; the result carries its own explanation."""
    return GRADERS[item.kind](item, response)


__all__ = ["GRADERS", "Evidence", "GradeResult", "Rubric", "RubricPoint", "grade", "grade_short_answer", "round_to"]
