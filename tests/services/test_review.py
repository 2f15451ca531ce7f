"""The review queue: grouping, decisions audited, exam totals recomputed, runs decided beside their frozen
result, and accepting a trainee's wording with a preview of what it would re-grade."""
from datetime import timedelta

import pytest
from sqlalchemy import select

from trainer.core.content.scenarios import parse_replies
from trainer.core.grading import grade
from trainer.models import Answer, ContentVersion, GradeOverride, QuizItem, RoleplayRun
from trainer.models._types import utcnow
from trainer.services import attempts, review, review_wording, roleplay
from trainer.services.demo import model_response
from trainer.services.grading import item_of

from ..conftest import CONTENT_DIR

KEY = "rb-short"
#: 2.5 of 4, next to the pass mark: the grader asks a trainer. 「对不住」 is no accepted apology yet.
UNSURE = "先说声对不住，核对订单，然后补发"
UNSURE_AGAIN = "先说声对不住，核对订单，然后补发。"
NEGATED = "不需要道歉，核对订单后补发。"
#: Sure of itself (1 of 4), but would earn the apology with 「对不住」 accepted.
SURE_WOULD_CHANGE = "先说声对不住，然后补发"
SURE_UNCHANGED = "给顾客退款。"
RIGHT = "先道歉，再核对订单，然后补发。"


@pytest.fixture
def trainer(make_user, synced):
    return make_user("tina", roles=["trainer"])


@pytest.fixture
def ann(make_user, synced):
    return make_user("ann")


@pytest.fixture
def give(db):
    """``give(user, text)`` → a practice answer to the short item, graded as the trainee would get it."""
    def give(user, text, at=None):
        attempt = attempts.practice_attempt(user, attempts.active_quiz("refund-basics"))
        row = attempts.item_rows([KEY])[KEY]
        result = grade(item_of(row), text)
        answer = Answer(attempt_id=attempt.id, seq=len(attempt.answers), item_key=KEY, item_version=row.version,
                        response=text, score=result.score, max_score=result.max_score, correct=result.passed,
                        needs_review=result.needs_review, result=result.to_dict(), answered_at=at or utcnow())
        db.session.add(answer)
        db.session.commit()
        db.session.refresh(attempt)
        return answer
    return give


def _exam_with_short_answer(db, user, text):
    """A submitted exam whose short answer is ``text`` and every other answer right."""
    attempt = attempts.start_exam(user, attempts.active_exam(), utcnow())
    for seq, key in enumerate(attempt.item_keys):
        item = item_of(attempts.item_rows([key])[key])
        attempts.save_exam_answer(user, attempt, seq, text if key == KEY else model_response(item), utcnow())
    result = attempts.submit_exam(user, attempt, utcnow())
    db.session.commit()
    return attempt, result


def test_the_queue_groups_near_identical_answers_oldest_first(db, ann, make_user, give):
    bob = make_user("bob")
    now = utcnow()
    first = give(ann, NEGATED, now - timedelta(hours=3))
    second = give(ann, UNSURE, now - timedelta(hours=2))
    third = give(bob, UNSURE_AGAIN, now - timedelta(hours=1))
    give(bob, SURE_UNCHANGED)
    queue = review.queue()
    assert [g.ids for g in queue.groups] == [[first.id], [second.id, third.id]]
    assert queue.answer_count == 3 and queue.runs == []
    assert review.counts() == (3, 0)
    assert queue.groups[1].definition["prompt"].startswith("顾客说收到的商品发错了")
    assert review.answer_group(third.id).ids == [second.id, third.id]


def test_an_exam_still_being_sat_is_not_in_the_queue(db, ann):
    attempt = attempts.start_exam(ann, attempts.active_exam(), utcnow())
    seq = attempt.item_keys.index(KEY)
    answer = attempts.save_exam_answer(ann, attempt, seq, NEGATED, utcnow())
    db.session.commit()
    assert answer.needs_review and review.queue().groups == []
    attempts.submit_exam(ann, attempt, utcnow())
    db.session.commit()
    assert review.queue().groups[0].ids == [answer.id]


def test_an_override_sets_the_score_of_the_whole_group_and_is_audited(db, ann, trainer, give):
    a, b = give(ann, UNSURE), give(ann, UNSURE_AGAIN)
    now = utcnow()
    rows = review.decide_answers(trainer, [a.id, b.id], 4.0, "对不住 is an apology", "「对不住」也是道歉。", now=now)
    db.session.commit()
    assert (a.score, a.correct, a.needs_review, a.review_comment) == (4.0, True, False, "「对不住」也是道歉。")
    assert a.reviewed_by_id == trainer.id and a.reviewed_at == now
    assert a.result["score"] == 2.5  # the machine's reading is kept
    audit = db.session.scalars(select(GradeOverride).order_by(GradeOverride.id)).all()
    assert audit == rows and len(audit) == 2
    row = audit[0]
    assert (row.action, row.answer_id, row.reviewer_id, row.trainee_id) == ("override", a.id, trainer.id, ann.id)
    assert (row.old_score, row.new_score, row.max_score, row.old_passed, row.new_passed) == (2.5, 4.0, 4.0, True, True)
    assert (row.reason, row.comment, row.created_at) == ("对不住 is an apology", "「对不住」也是道歉。", now)
    assert (row.content_kind, row.content_key, row.content_version) == ("item", KEY, a.item_version)
    assert review.queue().groups == []


@pytest.mark.parametrize(("score", "reason", "code"), [(4.5, "why", "score_out_of_range"), (-1, "why", "score_out_of_range"),
                                                       (2, "  ", "reason_required")])
def test_an_override_needs_a_score_within_the_points_and_a_reason(db, ann, trainer, give, score, reason, code):
    answer = give(ann, UNSURE)
    with pytest.raises(review.ReviewError) as error:
        review.decide_answers(trainer, [answer.id], score, reason)
    assert error.value.code == code


def test_a_decided_answer_cannot_be_decided_again(db, ann, trainer, give):
    answer, sure = give(ann, UNSURE), give(ann, SURE_UNCHANGED)
    review.decide_answers(trainer, [answer.id], 3, "ok")
    for ids in ([answer.id], [sure.id], [999]):
        with pytest.raises(review.ReviewError) as error:
            review.decide_answers(trainer, ids, 3, "again")
        assert error.value.code == "already_decided"


def test_confirming_keeps_the_machine_grade_and_is_audited(db, ann, trainer, give):
    answer = give(ann, NEGATED)
    [row] = review.confirm_answers(trainer, [answer.id])
    assert (answer.score, answer.needs_review, answer.reviewed_at is not None) == (2.5, False, True)
    assert (row.action, row.old_score, row.new_score, row.reason) == ("confirm", 2.5, 2.5, "")


def test_an_exam_answer_override_recomputes_the_result_and_audits_it(db, ann, trainer):
    attempt, result = _exam_with_short_answer(db, ann, NEGATED)
    before = (result.score, result.percent, result.passed)
    assert result.needs_review and before[0] == result.max_score - 1.5
    answer = next(a for a in attempt.answers if a.item_key == KEY)
    [row] = review.decide_answers(trainer, [answer.id], 1.0, "the apology was refused on purpose")
    db.session.commit()
    assert result.score == before[0] - 1.5 and result.percent == round(100 * result.score / result.max_score, 1)
    assert result.needs_review is False and result.reviewed_at is not None
    recompute = db.session.scalar(select(GradeOverride).where(GradeOverride.result_id == result.id))
    assert (recompute.action, recompute.cause_id, recompute.reviewer_id, recompute.trainee_id) == (
        "recompute", row.id, trainer.id, ann.id)
    assert (recompute.old_score, recompute.new_score, recompute.old_passed, recompute.new_passed) == (
        before[0], result.score, before[2], result.passed)
    assert (recompute.content_kind, recompute.content_key) == ("exam", "final-exam")


def test_an_exam_can_fail_after_review(db, ann, trainer):
    attempt, result = _exam_with_short_answer(db, ann, NEGATED)
    assert result.passed  # provisionally: 4.5 of 6
    answer = next(a for a in attempt.answers if a.item_key == KEY)
    review.decide_answers(trainer, [answer.id], 0.0, "refusing to apologise is the one thing not to do")
    assert (result.score, result.percent, result.passed) == (2.0, 33.3, False)


def test_an_override_of_practice_can_complete_mastery(db, ann, trainer, give):
    give(ann, RIGHT), give(ann, RIGHT)
    reversed_order = give(ann, "先补发，再道歉")  # 2 of 4, below the pass mark: the third right answer is missing
    attempt = reversed_order.attempt
    assert not reversed_order.correct and reversed_order.needs_review and attempt.mastered_at is None
    review.decide_answers(trainer, [reversed_order.id], 3.0, "both points are there; the order hardly matters here")
    assert reversed_order.correct and attempt.mastered_at is not None


# --- role-play runs ----------------------------------------------------------------------------

@pytest.fixture
def run(db, ann):
    """A finished assessment the machine was unsure of."""
    row = roleplay.active_scenario("test-wrong-item")
    run = roleplay.start_run(ann, row, "assessment")
    text = (CONTENT_DIR / "scenarios" / "transcripts" / "test-wrong-item.fail.txt").read_text("utf-8")
    for seq, (reply, _) in enumerate(parse_replies(text), start=1):
        roleplay.take_reply(ann, run, seq, reply)
    roleplay.stop_run(ann, run)
    run.needs_review = True
    db.session.commit()
    return run


def test_a_run_decision_sets_the_final_result_without_touching_the_frozen_one(db, trainer, run):
    machine = (run.score, run.passed, dict(run.debrief), dict(run.state))
    assert review.queue().runs == [run] and review.counts() == (0, 1)
    row = review.decide_run(trainer, run, 82.0, True, "the customer was calmed in the end", "做得不错")
    db.session.commit()
    db.session.expire_all()
    run = db.session.get(RoleplayRun, run.id)
    assert (run.score, run.passed, run.debrief, run.state) == machine
    assert (run.final_score, run.final_passed, run.needs_review, run.review_comment) == (82.0, True, False, "做得不错")
    assert (run.outcome_score, run.outcome_passed) == (82.0, True)
    assert (row.action, row.run_id, row.old_score, row.new_score, row.old_passed, row.new_passed) == (
        "override", run.id, machine[0], 82.0, False, True)
    assert (row.content_kind, row.content_key, row.content_version) == ("scenario", "test-wrong-item", run.scenario_version)
    assert review.queue().runs == []
    with pytest.raises(review.ReviewError):
        review.decide_run(trainer, run, 50.0, False, "again")


def test_a_run_confirmation_keeps_the_machine_result(db, trainer, run):
    row = review.confirm_run(trainer, run, comment="看看评分细节")
    assert (run.final_score, run.final_passed, row.action, row.new_score) == (run.score, run.passed, "confirm", run.score)


@pytest.mark.parametrize(("score", "reason", "code"), [(101, "x", "score_out_of_range"), (50, "", "reason_required")])
def test_a_run_decision_is_checked(db, trainer, run, score, reason, code):
    with pytest.raises(review.ReviewError) as error:
        review.decide_run(trainer, run, score, True, reason)
    assert error.value.code == code


# --- accepting a wording -----------------------------------------------------------------------

@pytest.fixture
def history(db, ann, make_user, give):
    """Earlier answers of the item: one that would change, one that would not, one still in the queue."""
    bob = make_user("bob")
    return {"changes": give(bob, SURE_WOULD_CHANGE), "same": give(bob, SURE_UNCHANGED), "queued": give(bob, NEGATED)}


def test_the_preview_lists_exactly_the_answers_that_would_change(db, ann, trainer, give, history):
    group = [give(ann, UNSURE), give(ann, UNSURE_AGAIN)]
    preview = review_wording.preview_wording([a.id for a in group], "p1", "对不住")
    assert [(a.id, r.score) for a, r in preview.group] == [(group[0].id, 4.0), (group[1].id, 4.0)]
    assert [(a.id, a.score, r.score) for a, r in preview.changes] == [(history["changes"].id, 1.0, 2.5)]
    assert preview.left_alone == 1 and preview.problems == [] and preview.point["label"] == "向顾客道歉"
    assert preview.source["rubric"]["points"][0]["aliases"] == ["@apologise", "对不住"]
    db.session.rollback()
    assert db.session.scalar(select(QuizItem.version).where(QuizItem.key == KEY)) == 1  # nothing published


@pytest.mark.parametrize(("point", "wording", "code"), [("p1", "抱歉", "already_accepted"), ("p7", "对不住", "unknown_point"),
                                                       ("p1", "。", "empty")])
def test_the_preview_refuses_a_useless_wording(db, ann, give, point, wording, code):
    answer = give(ann, UNSURE)
    with pytest.raises(review.ReviewError) as error:
        review_wording.preview_wording([answer.id], point, wording)
    assert error.value.code == code


@pytest.mark.parametrize("regrade", [True, False])
def test_applying_publishes_a_new_version_decides_the_group_and_regrades_if_asked(db, ann, trainer, give, history,
                                                                                   regrade):
    group = [give(ann, UNSURE)]
    preview = review_wording.preview_wording([group[0].id], "p1", "对不住")
    row, rows = review_wording.apply_wording(trainer, [group[0].id], "p1", "对不住", "对不住 is an apology",
                                             "已接受你的说法", regrade, preview.token)
    db.session.commit()
    assert row.version == 2 and "对不住" in row.definition["rubric"]["points"][0]["aliases"]
    stored = db.session.scalar(select(ContentVersion).where(ContentVersion.kind == "item", ContentVersion.key == KEY,
                                                            ContentVersion.version == 2))
    assert stored.author_id == trainer.id and "对不住" in stored.note
    assert (group[0].score, group[0].needs_review, group[0].review_comment) == (4.0, False, "已接受你的说法")
    changed = history["changes"]
    assert changed.score == (2.5 if regrade else 1.0)
    assert history["same"].score == 1.0 and history["queued"].needs_review
    assert [(r.action, r.answer_id, r.content_version, r.old_score, r.new_score) for r in rows] == (
        [("regrade", group[0].id, 2, 2.5, 4.0)] + ([("regrade", changed.id, 2, 1.0, 2.5)] if regrade else []))
    assert rows[0].evidence["score"] == 4.0 and rows[0].reviewer_id == trainer.id
    assert item_of(row).rubric.points[0].aliases[-1].text == "对不住"


def test_applying_refuses_when_the_preview_changed(db, ann, make_user, trainer, give):
    answer = give(ann, UNSURE)
    token = review_wording.preview_wording([answer.id], "p1", "对不住").token
    give(make_user("carl"), SURE_WOULD_CHANGE)  # arrives after the trainer looked
    with pytest.raises(review.ReviewError) as error:
        review_wording.apply_wording(trainer, [answer.id], "p1", "对不住", "ok", None, True, token)
    assert error.value.code == "preview_changed"
    assert db.session.scalar(select(QuizItem.version).where(QuizItem.key == KEY)) == 1


def test_the_audit_lists_every_change_newest_first(db, ann, trainer, give):
    a, b = give(ann, UNSURE), give(ann, NEGATED)
    review.decide_answers(trainer, [a.id], 3, "first")
    review.confirm_answers(trainer, [b.id], "second")
    db.session.commit()
    page = review.audit_page(1)
    assert [row.reason for row in page.items] == ["second", "first"] and page.total == 2
    assert [r.action for r in review.overrides_of(answer=a)] == ["override"]
