"""Taking a lesson quiz and the final exam in the browser (test client)."""
import re

import pytest
from sqlalchemy import func, select

from trainer.models import Answer, QuizAttempt, QuizResult
from trainer.services import attempts
from trainer.services.grading import item_of
from tests.services.test_attempts import _right_response
from tests.conftest import statements_of


@pytest.fixture
def ann(browser, make_user, synced):
    user = make_user("ann")
    browser.login("ann")
    return user


def _form_data(item, response):
    """What a person's browser sends for ``response`` to ``item``."""
    if item.kind in ("single", "true_false"):
        return {"choice": str(response).lower() if item.kind == "true_false" else str(response)}
    if item.kind == "multiple":
        return {"choice": [str(v) for v in response]}
    if item.kind == "ordering":
        return {f"step_{step}": str(place) for place, step in enumerate(response)}
    if item.kind == "matching":
        return {f"left_{left}": str(right) for left, right in response.items()}
    return {"text": response}


def _current_item(db, user, quiz_key="refund-basics"):
    db.session.expire_all()
    attempt = attempts.practice_attempt(user, attempts.active_quiz(quiz_key))
    db.session.commit()  # as the page would: never hold an uncommitted attempt beside a request
    seq, key = attempts.next_practice_key(attempt)
    return seq, item_of(attempts.item_rows([key])[key])


def test_lesson_page_offers_its_quiz(browser, ann):
    page = browser.get("/study/lessons/refund-basics").get_data(as_text=True)
    assert "/study/quizzes/refund-basics" in page and "退款基础 · 小测" in page


def test_answering_shows_the_explanation_and_counts_toward_mastery(browser, ann, db):
    seq, item = _current_item(db, ann)
    page = browser.get("/study/quizzes/refund-basics").get_data(as_text=True)
    assert item.prompt in page
    response = browser.post("/study/quizzes/refund-basics", {"seq": seq, **_form_data(item, _right_response(item))})
    assert response.location.endswith(f"/study/quizzes/refund-basics/answers/{seq}")
    feedback = browser.get(response.location).get_data(as_text=True)
    assert item.explanation in feedback and "回答正确" in feedback
    assert feedback.count("dot-ok") == 1


def test_a_double_click_stores_one_answer(browser, ann, db):
    seq, item = _current_item(db, ann)
    data = {"seq": seq, **_form_data(item, _right_response(item))}
    browser.post("/study/quizzes/refund-basics", data)
    browser.post("/study/quizzes/refund-basics", data)
    assert db.session.scalar(select(func.count(Answer.id))) == 1


def test_an_empty_answer_is_refused_with_a_message(browser, ann, db):
    seq, item = _current_item(db, ann)
    page = browser.post("/study/quizzes/refund-basics", {"seq": seq}).get_data(as_text=True)
    assert 'class="error"' in page
    assert db.session.scalar(select(func.count(Answer.id))) == 0


def test_short_answer_feedback_quotes_the_trainees_words_and_names_the_typo(browser, ann, db):
    for _ in range(10):
        seq, item = _current_item(db, ann)
        if item.kind == "short":
            break
        browser.post("/study/quizzes/refund-basics", {"seq": seq, **_form_data(item, _right_response(item))})
    response = browser.post("/study/quizzes/refund-basics", {"seq": seq, "text": "先到歉，再核对订单，然后给顾客补发。"})
    page = browser.get(response.location).get_data(as_text=True)
    assert "<mark>到歉</mark>" in page
    assert "「到歉」按拼音输入应为「道歉」" in page
    assert "向顾客道歉" in page  # the point's label



def _reading(selects, column):
    return [s for s in selects if column in s]


def test_an_answer_reads_the_item_the_attempt_and_its_answers_once(browser, ann, db):
    for _ in range(4):
        seq, item = _current_item(db, ann)
        browser.post("/study/quizzes/refund-basics", {"seq": seq, **_form_data(item, _right_response(item))})
    seq, item = _current_item(db, ann)
    browser.get("/study/quizzes/refund-basics")
    data = {"seq": seq, **_form_data(item, _right_response(item))}
    response, selects = _selects_of(db, lambda: browser.post("/study/quizzes/refund-basics", data))
    assert response.location.endswith(f"/study/quizzes/refund-basics/answers/{seq}")
    assert len(_reading(selects, "quiz_items.definition")) == 1  # graded with the item row the page was drawn from
    assert len(_reading(selects, "quiz_attempts.seed")) == 1  # the attempt and its answers are not read again
    assert len(_reading(selects, "answers.item_version")) == 1
    assert not _reading(selects, "answers.response")  # nor the earlier answers' responses and evidence
    db.session.expire_all()
    assert [(a.seq, a.correct) for a in db.session.scalars(select(Answer).order_by(Answer.seq))] == \
        [(n, True) for n in range(seq + 1)]
    # a resend is the same answer; its feedback reads that one answer's evidence, with its item
    assert browser.post("/study/quizzes/refund-basics", data).location == response.location
    assert db.session.scalar(select(func.count(Answer.id))) == seq + 1
    page, selects = _selects_of(db, lambda: browser.get(response.location))
    assert item.explanation in page.get_data(as_text=True) and "回答正确" in page.get_data(as_text=True)
    evidence = _reading(selects, "answers.response")
    assert len(evidence) == 1 and re.search(r"answers\.seq = ", evidence[0])
    assert not _reading(selects, "FROM quiz_items WHERE")  # the item comes with the answer


def test_exam_flow_resume_and_single_submission(app, browser, ann, db):
    assert "开始考试" in browser.get("/study/exam").get_data(as_text=True)
    start = browser.post("/study/exam/start")
    attempt_url = start.location
    attempt = db.session.scalar(select(QuizAttempt).where(QuizAttempt.kind == "exam"))
    first = item_of(attempts.item_rows([attempt.item_keys[0]])[attempt.item_keys[0]])
    browser.post(attempt_url, _form_data(first, _right_response(first)))
    # the tab closes; later the trainee comes back to the exam page and resumes
    page = browser.get("/study/exam").get_data(as_text=True)
    assert "继续考试" in page
    assert 'checked' in browser.get(attempt_url).get_data(as_text=True) or first.kind == "multiple"
    browser.post(f"/study/exam/{attempt.id}/submit")
    browser.post(f"/study/exam/{attempt.id}/submit")
    assert db.session.scalar(select(func.count(QuizResult.id))) == 1
    result = browser.get(f"/study/exam/{attempt.id}/result").get_data(as_text=True)
    assert first.explanation in result and "未作答" in result


def test_someone_elses_exam_is_not_found(browser, ann, new_browser, make_user, db):
    browser.post("/study/exam/start")
    attempt = db.session.scalar(select(QuizAttempt).where(QuizAttempt.kind == "exam"))
    make_user("bob")
    bob = new_browser()
    bob.login("bob")
    assert bob.get(f"/study/exam/{attempt.id}/0").status_code == 404
    assert bob.get(f"/study/exam/{attempt.id}/result").status_code == 404
    assert bob.post(f"/study/exam/{attempt.id}/submit").status_code == 404


def test_unknown_quiz_is_404(browser, ann):
    assert browser.get("/study/quizzes/nope").status_code == 404


def _selects_of(db, call):
    response, seen = statements_of(db, call)
    return response, [s for s in seen if s.startswith("SELECT")]
