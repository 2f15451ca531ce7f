"""The review queue in the browser: trainers decide, trainees are refused, and trainees see the final score
and the reviewer's comment where they read their feedback."""
import re

import pytest
from sqlalchemy import select

from trainer.models import Answer, GradeOverride, QuizItem, RoleplayRun
from trainer.models import Role

from ..services.test_review import (NEGATED, SURE_WOULD_CHANGE, UNSURE, UNSURE_AGAIN,  # noqa: F401 (fixtures)
                                    _exam_with_short_answer, ann, give, run)


@pytest.fixture
def tina(make_user, synced):
    return make_user("tina", roles=["trainer"])


@pytest.fixture
def trainer_browser(new_browser, tina):
    browser = new_browser()
    browser.login("tina")
    return browser


def _page(response):
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def _reload(db, obj):
    db.session.expire_all()
    return db.session.get(type(obj), obj.id)


def _id_routes(answer, run):
    return [("GET", f"/author/review/answers/{answer.id}"), ("POST", f"/author/review/answers/{answer.id}"),
            ("POST", f"/author/review/answers/{answer.id}/confirm"),
            ("GET", f"/author/review/answers/{answer.id}/wording"), ("POST", f"/author/review/answers/{answer.id}/wording"),
            ("GET", f"/author/review/runs/{run.id}"), ("POST", f"/author/review/runs/{run.id}"),
            ("POST", f"/author/review/runs/{run.id}/confirm")]


@pytest.mark.parametrize("role", [None, Role.TRAINEE, Role.MANAGER, Role.TRAINER, Role.ADMIN],
                         ids=lambda r: r or "anonymous")
def test_only_trainers_and_admins_open_the_review_pages(browser, make_user, db, ann, give, run, role):
    answer = give(ann, UNSURE)
    if role is not None:
        make_user("me", roles=[role])
        browser.login("me")
    for method, url in [("GET", "/author/review"), ("GET", "/author/review/audit"), *_id_routes(answer, run)]:
        response = browser.get(url) if method == "GET" else browser.post(url)
        if role is None:
            assert response.status_code == 302 and "/login" in response.location, url
        elif role in (Role.TRAINER, Role.ADMIN):
            assert response.status_code in (200, 302, 400), url
        else:
            assert response.status_code == 403, url
    if role not in (Role.TRAINER, Role.ADMIN):
        assert _reload(db, answer).needs_review and _reload(db, run).needs_review


def test_the_queue_shows_groups_with_count_prompt_evidence_and_runs(trainer_browser, ann, give, run):
    give(ann, UNSURE), give(ann, UNSURE_AGAIN), give(ann, NEGATED)
    page = _page(trainer_browser.get("/author/review"))
    assert "顾客说收到的商品发错了" in page and "保温杯发错了颜色" in page
    assert page.count('href="/author/review/answers/') == 4  # two groups: decide + accept the wording each
    assert "<mark>核对订单</mark>" in page and "75" in page and "50" in page  # evidence and confidence
    assert f'href="/author/review/runs/{run.id}"' in page


def test_a_trainer_decides_a_group_and_the_trainee_sees_the_final_score_and_comment(
        trainer_browser, browser, db, ann, give):
    first, second = give(ann, UNSURE), give(ann, UNSURE_AGAIN)
    browser.login("ann")
    before = _page(browser.get(f"/study/quizzes/refund-basics/answers/{first.seq}"))
    assert "2.5" in before and "待复核" in before
    page = _page(trainer_browser.get(f"/author/review/answers/{second.id}"))
    assert UNSURE in page and UNSURE_AGAIN in page and "<mark>" in page
    response = trainer_browser.post(f"/author/review/answers/{first.id}", {
        "answer_ids": f"{first.id},{second.id}", "score": "3.5", "reason": "对不住 counts as an apology",
        "comment": "「对不住」也算道歉，下次可以说得更正式。"})
    assert response.status_code == 302 and response.location.endswith("/author/review")
    assert [(a.score, a.needs_review) for a in (_reload(db, first), _reload(db, second))] == [(3.5, False)] * 2
    after = _page(browser.get(f"/study/quizzes/refund-basics/answers/{first.seq}"))
    assert "3.5" in after and "「对不住」也算道歉，下次可以说得更正式。" in after
    audit = _page(trainer_browser.get("/author/review/audit"))
    assert "对不住 counts as an apology" in audit and "Tina" in audit and "Ann" in audit and "rb-short" in audit


@pytest.mark.parametrize(("data", "field"), [({"score": "4.5", "reason": "why"}, "score"),
                                             ({"score": "abc", "reason": "why"}, "score"),
                                             ({"score": "3", "reason": ""}, "reason")])
def test_a_decision_needs_a_score_within_the_maximum_and_a_reason(trainer_browser, db, ann, give, data, field):
    answer = give(ann, UNSURE)
    page = _page(trainer_browser.post(f"/author/review/answers/{answer.id}", {"answer_ids": str(answer.id), **data}))
    assert re.search(rf'id="{field}-err"', page)
    assert _reload(db, answer).needs_review and db.session.scalar(select(GradeOverride)) is None


def test_a_decision_without_the_csrf_token_is_refused(trainer_browser, db, ann, give):
    answer = give(ann, UNSURE)
    response = trainer_browser.post(f"/author/review/answers/{answer.id}",
                                    {"answer_ids": str(answer.id), "score": "3", "reason": "x"}, csrf=False)
    assert response.status_code in (200, 400) and _reload(db, answer).needs_review


def test_a_group_decided_meanwhile_goes_back_to_the_queue(trainer_browser, db, ann, give, tina):
    answer = give(ann, UNSURE)
    from trainer.services import review
    review.decide_answers(tina, [answer.id], 3, "someone else")
    db.session.commit()
    response = trainer_browser.get(f"/author/review/answers/{answer.id}")
    assert response.status_code == 302 and response.location.endswith("/author/review")


def test_confirming_a_group(trainer_browser, db, ann, give):
    answer = give(ann, NEGATED)
    response = trainer_browser.post(f"/author/review/answers/{answer.id}/confirm",
                                    {"confirm-answer_ids": str(answer.id), "confirm-comment": "否定了道歉，所以扣分。"})
    assert response.status_code == 302
    answer = _reload(db, answer)
    assert (answer.score, answer.needs_review, answer.review_comment) == (2.5, False, "否定了道歉，所以扣分。")


def test_the_exam_result_shows_the_recomputed_total(trainer_browser, browser, db, ann):
    attempt, result = _exam_with_short_answer(db, ann, NEGATED)
    answer = next(a for a in attempt.answers if a.item_key == "rb-short")
    browser.login("ann")
    assert "75.0%" in _page(browser.get(f"/study/exam/{attempt.id}/result"))
    trainer_browser.post(f"/author/review/answers/{answer.id}",
                         {"answer_ids": str(answer.id), "score": "0", "reason": "refused to apologise",
                          "comment": "拒绝道歉是大忌。"})
    page = _page(browser.get(f"/study/exam/{attempt.id}/result"))
    assert "33.3%" in page and "拒绝道歉是大忌。" in page and "待复核" not in page


def test_a_run_decision_shows_on_the_trainees_debrief(trainer_browser, browser, db, run):
    machine = (run.score, run.passed, run.debrief)
    page = _page(trainer_browser.get(f"/author/review/runs/{run.id}"))
    assert "订单号多少" in page  # the transcript
    response = trainer_browser.post(f"/author/review/runs/{run.id}", {
        "score": "81", "passed": "yes", "reason": "timing was the clock's fault", "comment": "回复慢是系统问题，不扣分。"})
    assert response.status_code == 302
    run = _reload(db, run)
    assert (run.score, run.passed, run.debrief) == machine and (run.final_score, run.final_passed) == (81.0, True)
    browser.login("ann")
    debrief = _page(browser.get(f"/study/roleplay/{run.id}/debrief"))
    assert "回复慢是系统问题，不扣分。" in debrief and ">81<" in debrief and "is-pass" in debrief


def test_a_run_decision_is_bounded(trainer_browser, db, run):
    page = _page(trainer_browser.post(f"/author/review/runs/{run.id}", {"score": "120", "passed": "yes", "reason": "x"}))
    assert 'id="score-err"' in page and _reload(db, run).needs_review


def test_confirming_a_run(trainer_browser, db, run):
    assert trainer_browser.post(f"/author/review/runs/{run.id}/confirm", {}).status_code == 302
    run = _reload(db, run)
    assert (run.final_score, run.needs_review) == (run.score, False)


def test_accepting_a_wording_previews_then_applies(trainer_browser, browser, db, ann, give, make_user):
    bob = make_user("bob")
    earlier = give(bob, SURE_WOULD_CHANGE)
    answer = give(ann, UNSURE)
    form = {"answer_ids": str(answer.id), "point": "p1", "wording": "对不住", "reason": "对不住 is an apology",
            "comment": "「对不住」现在也算道歉。", "regrade": "y"}
    page = _page(trainer_browser.get(f"/author/review/answers/{answer.id}/wording"))
    assert "向顾客道歉" in page and UNSURE in page
    preview = _page(trainer_browser.post(f"/author/review/answers/{answer.id}/wording", {**form, "preview": "1"}))
    assert SURE_WOULD_CHANGE in preview and 'name="apply"' in preview
    token = re.search(r'name="token"[^>]*value="([0-9a-f]+)"', preview).group(1)
    assert db.session.scalar(select(QuizItem.version).where(QuizItem.key == "rb-short")) == 1  # nothing yet
    response = trainer_browser.post(f"/author/review/answers/{answer.id}/wording", {**form, "apply": "1", "token": token})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.scalar(select(QuizItem.version).where(QuizItem.key == "rb-short")) == 2
    assert (_reload(db, answer).score, _reload(db, earlier).score) == (4.0, 2.5)
    browser.login("bob")
    page = _page(browser.get(f"/study/quizzes/refund-basics/answers/{earlier.seq}"))
    assert "「对不住」现在也算道歉。" in page and "2.5" in page


def test_apply_without_a_matching_preview_shows_the_preview_again(trainer_browser, db, ann, give):
    answer = give(ann, UNSURE)
    page = _page(trainer_browser.post(f"/author/review/answers/{answer.id}/wording", {
        "answer_ids": str(answer.id), "point": "p1", "wording": "对不住", "reason": "x", "apply": "1",
        "token": "stale"}))
    assert 'name="apply"' in page
    assert _reload(db, answer).needs_review
    assert db.session.scalars(select(Answer)).all() and db.session.scalar(select(RoleplayRun)) is None
