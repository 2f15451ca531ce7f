"""The daily review queue, rating cards (stored once), and the glossary by lesson."""
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select, update

from trainer.core import drill
from trainer.models import CardState, GlossaryTerm, ReviewLog
from trainer.services import drills

ZONE = "Asia/Shanghai"
#: 10:00 in Shanghai.
NOW = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)
AGAIN, HARD, GOOD, EASY = 1, 2, 3, 4


@pytest.fixture
def ann(synced, make_user):
    return make_user("ann")


def _queue(user, now=NOW, limit=10):
    return drills.queue(user, now, limit, ZONE)


def _next(user, now=NOW, limit=10):
    return drills.next_card(user, now, limit, ZONE)


def _rate_next(db, user, rating=GOOD, now=NOW, right=True, limit=10):
    """Answer the next card (rightly or not) and rate it; returns the review log."""
    prompt = _next(user, now, limit)
    response = _right_answer(prompt) if right else "?"
    log = drills.rate_card(user, prompt.term, prompt.version, response, rating, now)
    db.session.commit()
    return log


def _right_answer(prompt):
    return prompt.question.answer.key if prompt.question.options else prompt.term.definition


def _count(db, model, **where):
    return db.session.scalar(select(func.count()).select_from(model).filter_by(**where))


def test_a_new_trainee_has_new_cards_and_nothing_due(ann):
    queue = _queue(ann)
    assert (queue.due, queue.new, queue.total, queue.learned, queue.terms) == (0, 6, 6, 0, 6)
    assert queue.next_due is None and queue.percent == 0


def test_new_cards_follow_the_handbook_order_and_start_with_term_to_definition(ann):
    prompt = _next(ann)
    assert prompt.term.key == "first-response" and prompt.state is None and prompt.version == 0
    assert prompt.question.kind == drill.TERM_TO_DEFINITION and len(prompt.question.options) == 4


def test_rating_a_card_stores_the_review_and_the_card(db, ann):
    prompt = _next(ann)
    log = drills.rate_card(ann, prompt.term, 0, _right_answer(prompt), GOOD, NOW, elapsed_ms=5300)
    db.session.commit()
    db.session.expire_all()
    state = db.session.scalar(select(CardState).filter_by(user_id=ann.id, term_key="first-response"))
    assert (state.reps, state.lapses, state.last_review, state.created_at) == (1, 0, NOW, NOW)
    assert state.due == NOW + timedelta(minutes=10) == drill.due_of(state.card)
    log = db.session.get(ReviewLog, log.id)
    assert (log.rep, log.kind, log.correct, log.score, log.max_score) == (1, drill.TERM_TO_DEFINITION, True, 1.0, 1.0)
    assert (log.rating, log.suggested_rating, log.elapsed_ms, log.reviewed_at) == (GOOD, GOOD, 5300, NOW)
    assert log.response == "first-response" and len(log.options) == 4 and "first-response" in log.options
    assert log.card_before is None and log.card_after == state.card
    assert log.fsrs_log["rating"] == GOOD and log.fsrs_log["review_duration"] == 5300
    assert log.term_version == 1 and log.grade["passed"] is True


def test_a_wrong_answer_is_stored_as_wrong_with_the_rating_chosen(db, ann):
    log = _rate_next(db, ann, rating=HARD, right=False)
    assert (log.correct, log.score, log.suggested_rating, log.rating) == (False, 0.0, AGAIN, HARD)


def test_rating_drops_the_count_and_sets_the_next_due_time(db, ann):
    _rate_next(db, ann)
    queue = _queue(ann)
    assert (queue.due, queue.new, queue.learned) == (0, 5, 1)
    assert queue.next_due == NOW + timedelta(minutes=10)
    assert _queue(ann, NOW + timedelta(minutes=11)).due == 1


def test_due_cards_come_before_new_ones_most_overdue_first(db, ann):
    _rate_next(db, ann, now=NOW)
    _rate_next(db, ann, now=NOW + timedelta(minutes=1))
    later = NOW + timedelta(hours=1)
    assert [p.term.key for p in [_next(ann, later)]] == ["first-response"]
    prompt = _next(ann, later)
    assert prompt.state is not None and prompt.question.kind == drill.DEFINITION_TO_TERM


def test_the_daily_limit_of_new_cards(db, ann):
    for _ in range(4):
        _rate_next(db, ann, limit=4)
    queue = _queue(ann, limit=4)
    assert (queue.new, queue.total) == (0, 0)
    assert _next(ann, limit=4) is None
    tomorrow = NOW + timedelta(days=1)
    queue = _queue(ann, tomorrow, limit=4)
    assert (queue.due, queue.new) == (4, 2)  # the four are due again; two terms are left to meet


def test_the_day_turns_at_local_midnight(db, ann):
    late = datetime(2026, 11, 23, 15, 30, tzinfo=UTC)  # 23:30 in Shanghai
    _rate_next(db, ann, now=late, limit=1)
    assert _queue(ann, late + timedelta(minutes=20), limit=1).new == 0
    assert _queue(ann, late + timedelta(minutes=31), limit=1).new == 1  # 00:01 the next day


def test_kinds_rotate_as_a_card_is_reviewed(db, ann):
    kinds = []
    when = NOW
    for _ in range(4):
        prompt = drills.card_prompt(ann, "soothe")
        kinds.append(prompt.question.kind)
        drills.rate_card(ann, prompt.term, prompt.version, _right_answer(prompt), GOOD, when)
        db.session.commit()
        when += timedelta(days=30)
    assert kinds == [drill.TERM_TO_DEFINITION, drill.DEFINITION_TO_TERM, drill.RECALL, drill.TERM_TO_DEFINITION]


def test_recall_is_graded_with_the_rubric_and_suggests_a_rating(db, ann):
    state_at_recall(db, ann, "soothe")
    prompt = drills.card_prompt(ann, "soothe")
    assert prompt.question.kind == drill.RECALL
    feedback = drills.check_answer(prompt, "先到歉，表示理解", None, NOW)
    earned = {e["label"]: e for e in feedback.result["points"]["earned"]}
    assert earned["向顾客道歉"]["how"] == "homophone" and earned["向顾客道歉"]["words"] == "到歉"
    assert feedback.correct and feedback.suggested == HARD and feedback.result["needs_review"]
    assert _count(db, ReviewLog, user_id=ann.id) == 2  # checking stores nothing


def state_at_recall(db, user, key):
    """Two reviews of ``key``, so the third is free recall."""
    for when in (NOW - timedelta(days=3), NOW - timedelta(days=2)):
        prompt = drills.card_prompt(user, key)
        drills.rate_card(user, prompt.term, prompt.version, _right_answer(prompt), GOOD, when)
    db.session.commit()


def test_check_answer_measures_the_time_from_showing_the_card(ann):
    prompt = _next(ann)
    shown = int(NOW.timestamp() * 1000)
    assert drills.check_answer(prompt, "x", shown, NOW + timedelta(seconds=7)).elapsed_ms == 7000
    assert drills.check_answer(prompt, "x", shown, NOW - timedelta(seconds=1)).elapsed_ms is None
    assert drills.check_answer(prompt, "x", shown, NOW + timedelta(hours=2)).elapsed_ms is None


def test_a_lapse_is_counted(db, ann):
    when = NOW
    for rating in (GOOD, GOOD, AGAIN):  # learning, graduated, forgotten
        prompt = drills.card_prompt(ann, "order-note")
        drills.rate_card(ann, prompt.term, prompt.version, "?", rating, when)
        db.session.commit()
        when += timedelta(days=30)
    state = db.session.scalar(select(CardState).filter_by(user_id=ann.id, term_key="order-note"))
    assert (state.reps, state.lapses) == (3, 1)


@pytest.mark.parametrize("reviews_before", [0, 1], ids=["new-card", "known-card"])
def test_a_double_submit_is_stored_once(db, ann, reviews_before):
    for _ in range(reviews_before):
        _rate_next(db, ann)
    term = db.session.scalar(select(GlossaryTerm).filter_by(key="first-response"))
    later = NOW + timedelta(minutes=11)
    first = drills.rate_card(ann, term, reviews_before, "first-response", GOOD, later)
    db.session.commit()
    second = drills.rate_card(ann, term, reviews_before, "first-response", EASY, later + timedelta(seconds=1))
    db.session.commit()
    assert first is not None and second is None
    assert _count(db, ReviewLog, user_id=ann.id) == reviews_before + 1
    state = db.session.scalar(select(CardState).filter_by(user_id=ann.id, term_key="first-response"))
    assert state.reps == reviews_before + 1 and state.card == first.card_after


def test_the_conditional_update_refuses_a_rating_made_meanwhile(db, ann):
    """Another request rated the card after this one read it: the UPDATE matches nothing."""
    _rate_next(db, ann)
    term = db.session.scalar(select(GlossaryTerm).filter_by(key="first-response"))
    stale = db.session.scalar(select(CardState).filter_by(user_id=ann.id))
    assert stale.reps == 1  # loaded into this session
    with db.engine.begin() as other:  # the other request commits its rating
        other.execute(update(CardState.__table__).where(CardState.__table__.c.id == stale.id).values(reps=2))
    assert drills.rate_card(ann, term, 1, "first-response", GOOD, NOW + timedelta(minutes=11)) is None
    db.session.commit()
    assert _count(db, ReviewLog, user_id=ann.id) == 1


def test_a_stale_version_changes_nothing(db, ann):
    _rate_next(db, ann)
    term = db.session.scalar(select(GlossaryTerm).filter_by(key="first-response"))
    assert drills.rate_card(ann, term, 0, "first-response", GOOD, NOW) is None
    assert drills.rate_card(ann, term, 5, "first-response", GOOD, NOW) is None
    assert _count(db, ReviewLog) == 1


def test_queues_are_per_trainee(db, ann, make_user):
    bob = make_user("bob")
    _rate_next(db, ann)
    assert _queue(bob).total == 6 and _queue(ann).total == 5


def test_a_retired_term_leaves_the_queue_and_the_glossary(db, ann):
    _rate_next(db, ann)
    db.session.execute(update(GlossaryTerm).where(GlossaryTerm.key == "first-response").values(retired=True))
    db.session.commit()
    queue = _queue(ann, NOW + timedelta(hours=1))
    assert (queue.due, queue.learned, queue.terms, queue.next_due) == (0, 0, 5, None)
    assert drills.card_prompt(ann, "first-response") is None
    assert "first-response" not in {t.key for _, entries in drills.glossary(ann) for t, _ in entries}


def test_glossary_groups_terms_by_lesson_in_handbook_order(db, ann):
    _rate_next(db, ann)
    groups = drills.glossary(ann)
    assert [lesson.key for lesson, _ in groups] == ["greeting", "order-check", "refund-basics"]
    assert [t.key for t, _ in groups[0][1]] == ["first-response", "welcome-message"]
    states = {t.key: state for _, entries in groups for t, state in entries}
    assert states["first-response"].reps == 1 and states["welcome-message"] is None
