"""Certification status rules, as tables: every state, every transition, expiry and renewal by
date, material content changes, and what the trainee reads about what remains."""
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta

import pytest

from trainer.core import drill
from trainer.core.certification import (CERTIFY, RENEW, RETEST, ExamRecord, Issued, LessonRecord, Material, Programme,
                                        QuizRecord, Requirement, Retention, ScenarioRecord, State, Summary,
                                        glossary_scope, recall_horizon, retained, status)

DAY = date(2026, 3, 1)
GLOSSARY = Requirement("glossary", "glossary", "术语", min_percent=90, min_recall=0.9)
PROGRAMME = Programme(
    key="after-sales", title="售后客服", version=1, valid_days=365, renew_days=30,
    requirements=(
        Requirement("lesson", "refund-basics", "退款基础"),
        Requirement("quiz", "platform-rules", "平台规则", min_percent=80),
        Requirement("quiz", "order-check", "核对订单"),
        Requirement("exam", "final-exam", "岗前知识考试", min_percent=80),
        Requirement("scenario", "wrong-shipment", "错发商品退款"),
        GLOSSARY,
    ),
    retake=frozenset({"quiz", "scenario"}),
    material=(Material("quiz", "platform-rules", 2, "新平台规则"),),
    live={("quiz", "platform-rules"): 1},
)
LIVE = {("quiz", "platform-rules"): 2}  # version 2 of the quiz is published: the material change is live


def days(n):
    return DAY + timedelta(days=n)


# --- building a trainee's results ----------------------------------------------------------------

def quiz(on, right=5, version=1, window=5, pending=0, mastered=True):
    return QuizRecord(version=version, window=window, mastery_correct=3, answered=window, right=right,
                      pending_right=pending, first_on=on, last_on=on, mastered_on=on if mastered and right >= 3 else None)


@dataclass(frozen=True)
class World:
    """A trainee's results (each kind optional), the day, their cohort's due date and their certificates."""

    lesson: LessonRecord | None = None
    quizzes: dict = field(default_factory=dict)
    exam: tuple = ()
    scenario: tuple = ()
    glossary: Retention | None = None
    certs: tuple = ()
    today: date = DAY
    due_on: date | None = None
    live: dict = field(default_factory=dict)

    def summary(self):
        return Summary(lessons={"refund-basics": self.lesson} if self.lesson else {},
                       quizzes={k: (v if isinstance(v, tuple) else (v,)) for k, v in self.quizzes.items()},
                       exams={"final-exam": self.exam} if self.exam else {},
                       scenarios={"wrong-shipment": self.scenario} if self.scenario else {},
                       glossary={GLOSSARY.scope: self.glossary} if self.glossary else {},
                       certifications=self.certs)

    def status(self):
        programme = replace(PROGRAMME, live=self.live or PROGRAMME.live)
        return status(programme, self.summary(), self.today, self.due_on)


def done(on=DAY, **changes):
    """Everything met on day ``on`` (version 1 of everything)."""
    world = World(lesson=LessonRecord(True, on - timedelta(days=5)),
                  quizzes={"platform-rules": quiz(on), "order-check": quiz(on, right=3)},
                  exam=(ExamRecord(1, 88.0, False, on),), scenario=(ScenarioRecord(1, passed_on=on, best_score=86.0, runs=1),),
                  glossary=Retention(37, 40), today=on)
    return replace(world, **changes)


def cert(on=DAY, days_valid=365, revoked=None, versions=None):
    return Issued("after-sales", on, on + timedelta(days=days_valid), revoked,
                  versions if versions is not None else {("quiz", "platform-rules"): 1, ("quiz", "order-check"): 1,
                                                         ("exam", "final-exam"): 1, ("scenario", "wrong-shipment"): 1},
                  id=1)


CERTIFIED = done(certs=(cert(),), today=days(100))  # certified on DAY, expires on days(365), renewal opens days(335)


# --- every state -------------------------------------------------------------------------------------

STATES = [
    # (case, world, state, issue, past_due)
    ("nothing at all", World(), State.NOT_STARTED, None, False),
    ("a lesson opened", World(lesson=LessonRecord()), State.IN_PROGRESS, None, False),
    ("a lesson studied", World(lesson=LessonRecord(True, DAY)), State.IN_PROGRESS, None, False),
    ("a failed exam", World(exam=(ExamRecord(1, 40.0, False, DAY),)), State.IN_PROGRESS, None, False),
    ("one term retained", World(glossary=Retention(1, 40)), State.IN_PROGRESS, None, False),
    ("nothing on the due date", World(due_on=DAY), State.NOT_STARTED, None, False),
    ("nothing the day after the due date", World(due_on=days(-1)), State.OVERDUE, None, True),
    ("half done after the due date", World(lesson=LessonRecord(True, DAY), due_on=days(-1)), State.OVERDUE, None, True),
    ("everything", done(), State.CERTIFIED, CERTIFY, False),
    ("everything, after the due date", done(due_on=days(-10)), State.CERTIFIED, CERTIFY, True),
    ("all but a role-play awaiting review",
     done(scenario=(ScenarioRecord(1, pending_on=DAY, best_score=80.5, runs=1),)), State.AWAITING_REVIEW, None, False),
    ("all but an exam awaiting review", done(exam=(ExamRecord(1, 84.0, True, DAY),)), State.AWAITING_REVIEW, None, False),
    ("all but a quiz answer awaiting review", done(quizzes={"platform-rules": quiz(DAY, right=3, pending=1),
                                                            "order-check": quiz(DAY)}), State.AWAITING_REVIEW, None, False),
    ("awaiting review after the due date",
     done(scenario=(ScenarioRecord(1, pending_on=DAY, runs=1),), due_on=days(-3)), State.AWAITING_REVIEW, None, True),
    ("awaiting review, something else missing",
     done(scenario=(ScenarioRecord(1, pending_on=DAY, runs=1),), lesson=None), State.IN_PROGRESS, None, False),
    ("a role-play failed, awaiting review (not counted as pending)",
     done(scenario=(ScenarioRecord(1, runs=1, best_score=78.0),)), State.IN_PROGRESS, None, False),
    ("an exam below the programme's mark", done(exam=(ExamRecord(1, 76.0, False, DAY),)), State.IN_PROGRESS, None, False),
    ("glossary at 87.5 %", done(glossary=Retention(35, 40)), State.IN_PROGRESS, None, False),
    ("quiz window at 60 %", done(quizzes={"platform-rules": quiz(DAY, right=3), "order-check": quiz(DAY)}),
     State.IN_PROGRESS, None, False),
    ("certified, before recertification opens", CERTIFIED, State.CERTIFIED, None, False),
    ("certified, a year later the due date passed", replace(CERTIFIED, due_on=days(-30)), State.CERTIFIED, None, False),
    ("recertification open, nothing fresh", replace(CERTIFIED, today=days(335)), State.EXPIRING_SOON, None, False),
    ("the day before expiry", replace(CERTIFIED, today=days(364)), State.EXPIRING_SOON, None, False),
    ("on the expiry day", replace(CERTIFIED, today=days(365)), State.EXPIRED, None, False),
    ("expired, its cohort's due date long past", replace(CERTIFIED, today=days(400), due_on=days(-5)),
     State.EXPIRED, None, False),
    ("a material change published", replace(CERTIFIED, live=LIVE), State.RETEST_DUE, None, False),
    ("a material change, and recertification open", replace(CERTIFIED, live=LIVE, today=days(340)),
     State.RETEST_DUE, None, False),
    ("a material change not published yet", CERTIFIED, State.CERTIFIED, None, False),
    ("certificate revoked, results from before", done(certs=(cert(revoked=days(10)),), today=days(20)),
     State.IN_PROGRESS, None, False),
    ("certificate revoked, due date passed", done(certs=(cert(revoked=days(10)),), today=days(20), due_on=days(5)),
     State.OVERDUE, None, True),
]


@pytest.mark.parametrize("world, state, issue, past_due", [row[1:] for row in STATES], ids=[row[0] for row in STATES])
def test_state(world, state, issue, past_due):
    result = world.status()
    assert (result.state, result.issue, result.past_due) == (state, issue, past_due)
    if result.state in (State.CERTIFIED, State.EXPIRING_SOON, State.RETEST_DUE) and not result.issue:
        assert result.certified_on == DAY and result.expires_on == days(365) and result.renew_from == days(335)
    if result.state in (State.NOT_STARTED, State.IN_PROGRESS, State.OVERDUE, State.AWAITING_REVIEW):
        assert result.remaining and result.met < result.total


def test_every_state_has_a_row():
    assert {row[2] for row in STATES} == set(State)


# --- every transition ------------------------------------------------------------------------------

def study(w):
    return replace(w, lesson=LessonRecord(True, w.today))


def open_lesson(w):
    return replace(w, lesson=LessonRecord())


def later(n):
    return lambda w: replace(w, today=w.today + timedelta(days=n))


def finish_all(w):
    return done(w.today, certs=w.certs, due_on=w.due_on, live=w.live)


def finish_but_review(w):
    return replace(finish_all(w), scenario=(ScenarioRecord(1, pending_on=w.today, best_score=80.5, runs=1),))


def confirm(w):
    return replace(w, scenario=(ScenarioRecord(1, passed_on=w.today, best_score=80.5, runs=1),))


def reject(w):
    return replace(w, scenario=(ScenarioRecord(1, best_score=76.0, runs=1),))


def issue(w):
    """What the service does for ``issue``: a certificate from today."""
    return replace(w, certs=w.certs + (cert(w.today),))


def renew(w):
    result = w.status()
    assert result.issue == RENEW
    return replace(w, certs=w.certs + (Issued("after-sales", w.today, result.expires_on, None, cert().versions, id=2),))


def fresh_retake(w):
    """Quizzes and the role-play again, today (the programme's ``retake``)."""
    return replace(w, quizzes={"platform-rules": quiz(w.today), "order-check": quiz(w.today, right=3)},
                   scenario=w.scenario + (ScenarioRecord(1, passed_on=w.today, best_score=90.0, runs=1),),
                   glossary=Retention(38, 40))


def publish_material(w):
    return replace(w, live=LIVE)


def retest_on_new_version(w):
    return replace(w, quizzes={**w.quizzes, "platform-rules": (quiz(DAY), quiz(w.today, version=2))})


def record_retest(w):
    return replace(w, certs=(replace(w.certs[-1], versions={**w.certs[-1].versions, ("quiz", "platform-rules"): 2}),))


def revoke(w):
    return replace(w, certs=(replace(w.certs[-1], revoked_on=w.today),))


def forget_glossary(w):
    return replace(w, glossary=Retention(20, 40))


TRANSITIONS = [
    # (from, world, event, to)
    (State.NOT_STARTED, World(), open_lesson, State.IN_PROGRESS),
    (State.NOT_STARTED, World(due_on=DAY), later(1), State.OVERDUE),
    (State.NOT_STARTED, World(), finish_all, State.CERTIFIED),
    (State.IN_PROGRESS, World(lesson=LessonRecord(), due_on=days(3)), later(4), State.OVERDUE),
    (State.IN_PROGRESS, World(lesson=LessonRecord()), finish_but_review, State.AWAITING_REVIEW),
    (State.IN_PROGRESS, World(lesson=LessonRecord()), finish_all, State.CERTIFIED),
    (State.OVERDUE, World(due_on=days(-1)), study, State.OVERDUE),
    (State.OVERDUE, World(due_on=days(-1)), finish_all, State.CERTIFIED),
    (State.OVERDUE, World(due_on=days(-1)), finish_but_review, State.AWAITING_REVIEW),
    (State.AWAITING_REVIEW, finish_but_review(World()), confirm, State.CERTIFIED),
    (State.AWAITING_REVIEW, finish_but_review(World()), reject, State.IN_PROGRESS),
    (State.AWAITING_REVIEW, finish_but_review(World(due_on=days(5))), later(6), State.AWAITING_REVIEW),
    (State.CERTIFIED, done(), issue, State.CERTIFIED),
    (State.CERTIFIED, CERTIFIED, later(235), State.EXPIRING_SOON),
    (State.CERTIFIED, CERTIFIED, forget_glossary, State.CERTIFIED),
    (State.CERTIFIED, CERTIFIED, publish_material, State.RETEST_DUE),
    (State.CERTIFIED, CERTIFIED, revoke, State.IN_PROGRESS),
    (State.RETEST_DUE, replace(CERTIFIED, live=LIVE), retest_on_new_version, State.CERTIFIED),
    (State.RETEST_DUE, replace(CERTIFIED, live=LIVE), later(300), State.EXPIRED),
    (State.RETEST_DUE, replace(CERTIFIED, live=LIVE), lambda w: record_retest(retest_on_new_version(w)), State.CERTIFIED),
    (State.EXPIRING_SOON, replace(CERTIFIED, today=days(340)), fresh_retake, State.CERTIFIED),
    (State.EXPIRING_SOON, replace(CERTIFIED, today=days(340)), lambda w: renew(fresh_retake(w)), State.CERTIFIED),
    (State.EXPIRING_SOON, replace(CERTIFIED, today=days(340)), later(25), State.EXPIRED),
    (State.EXPIRING_SOON, replace(CERTIFIED, today=days(340)), publish_material, State.RETEST_DUE),
    (State.EXPIRED, replace(CERTIFIED, today=days(400)), fresh_retake, State.CERTIFIED),
    (State.EXPIRED, replace(CERTIFIED, today=days(400)), study, State.EXPIRED),
    (State.EXPIRED, replace(CERTIFIED, today=days(400)),
     lambda w: replace(fresh_retake(w), scenario=(ScenarioRecord(1, pending_on=w.today, runs=1),)), State.AWAITING_REVIEW),
]


@pytest.mark.parametrize("before, world, event, after", TRANSITIONS,
                         ids=[f"{b}-{e.__name__}-{a}" for b, _, e, a in TRANSITIONS])
def test_transition(before, world, event, after):
    assert world.status().state == before
    assert event(world).status().state == after


def test_every_state_is_left_and_reached():
    assert {row[0] for row in TRANSITIONS} == set(State)
    assert {row[3] for row in TRANSITIONS} == set(State) - {State.NOT_STARTED}  # nothing undoes a result


# --- expiry and renewal by date ----------------------------------------------------------------------

@pytest.mark.parametrize("today, state, remaining", [
    (days(0), State.CERTIFIED, 0),
    (days(334), State.CERTIFIED, 0),
    (days(335), State.EXPIRING_SOON, 3),  # renew_from: the quizzes and the role-play must be done again
    (days(364), State.EXPIRING_SOON, 3),
    (days(365), State.EXPIRED, 3),
    (days(800), State.EXPIRED, 4),  # by now the glossary is forgotten too
])
def test_expiry_by_date(today, state, remaining):
    world = replace(CERTIFIED, today=today, glossary=Retention(37, 40) if today < days(700) else Retention(10, 40))
    result = world.status()
    assert (result.state, len(result.remaining)) == (state, remaining)
    assert all(r.reason == "renew" for r in result.remaining if r.kind != "glossary")


@pytest.mark.parametrize("fresh_on, today, issue, expires_on", [
    (days(334), days(340), None, None),  # done the day before recertification opened: does not count
    (days(335), days(340), RENEW, days(730)),  # renewed in the window: a year from the old expiry
    (days(364), days(364), RENEW, days(730)),
    (days(370), days(370), RENEW, days(735)),  # renewed after expiry: a year from today
    (days(340), days(400), RENEW, days(765)),  # renewed in the window, issued late: a year from today
])
def test_renewal_needs_results_from_the_window(fresh_on, today, issue, expires_on):
    world = replace(fresh_retake(replace(CERTIFIED, today=fresh_on)), today=today)
    result = world.status()
    assert result.issue == issue
    if issue:
        assert result.state == State.CERTIFIED and result.certified_on == today and result.expires_on == expires_on
        assert result.renew_from == expires_on - timedelta(days=30)
        assert {(e.kind, e.key) for e in result.evidence} == {(r.kind, r.key) for r in PROGRAMME.requirements}


def test_renewal_keeps_the_exam_and_the_lessons_from_before():
    """Only ``retake`` (quizzes, scenarios) must be redone; the exam of a year ago still counts."""
    result = fresh_retake(replace(CERTIFIED, today=days(340))).status()
    exam = next(e for e in result.evidence if e.kind == "exam")
    assert result.issue == RENEW and exam.on == DAY


def test_results_before_a_revocation_do_not_count():
    world = done(certs=(cert(revoked=days(10)),), today=days(20))
    assert world.status().issue is None
    assert fresh_retake(world).status().issue == CERTIFY


def test_the_latest_certificate_decides():
    old, new = cert(days(-400)), cert(days(-10))
    assert done(certs=(old, new), today=days(5)).status().state == State.CERTIFIED
    assert done(certs=(new, old), today=days(5)).status().certified_on == days(-10)


# --- material content changes ------------------------------------------------------------------------

@pytest.mark.parametrize("case, world, state, issue, reasons", [
    ("dormant: version 2 not published", CERTIFIED, State.CERTIFIED, None, []),
    ("live: certified on version 1", replace(CERTIFIED, live=LIVE), State.RETEST_DUE, None, ["retest"]),
    ("live: re-test met on version 2", retest_on_new_version(replace(CERTIFIED, live=LIVE)), State.CERTIFIED, RETEST, []),
    ("live: re-test awaiting review",
     replace(CERTIFIED, live=LIVE, quizzes={"platform-rules": (quiz(DAY), quiz(days(100), version=2, right=3, pending=1)),
                                            "order-check": quiz(DAY)}), State.RETEST_DUE, None, ["review"]),
    ("live: re-test below the mark",
     replace(CERTIFIED, live=LIVE, quizzes={"platform-rules": (quiz(DAY), quiz(days(100), version=2, right=3)),
                                            "order-check": quiz(DAY)}), State.RETEST_DUE, None, ["retest"]),
    ("live: the re-test recorded", record_retest(retest_on_new_version(replace(CERTIFIED, live=LIVE))),
     State.CERTIFIED, None, []),
    ("live: certified on version 2 already", replace(CERTIFIED, live=LIVE, certs=(cert(versions={
        ("quiz", "platform-rules"): 2}),)), State.CERTIFIED, None, []),
    ("live: not certified, met on version 1 only", done(live=LIVE), State.IN_PROGRESS, None, ["retest"]),
    ("live: not certified, met on version 2", retest_on_new_version(done(live=LIVE)), State.CERTIFIED, CERTIFY, []),
    ("live: re-test in the renewal window", retest_on_new_version(replace(CERTIFIED, live=LIVE, today=days(340))),
     State.EXPIRING_SOON, RETEST, ["renew", "renew"]),  # the re-test also renews that quiz
])
def test_material_change(case, world, state, issue, reasons):
    result = world.status()
    assert (result.state, result.issue) == (state, issue)
    assert [r.reason for r in result.remaining] == reasons
    if state == State.RETEST_DUE:
        assert [r.key for r in result.remaining] == ["platform-rules"]  # targeted: nothing else to redo
        assert result.expires_on == days(365)
    if issue == RETEST:
        assert result.expires_on == days(365) and [(e.key, e.version) for e in result.evidence] == [("platform-rules", 2)]


def test_a_material_change_on_something_not_required_changes_nothing():
    programme = replace(PROGRAMME, material=(Material("scenario", "other", 2, "无关"),), live={("scenario", "other"): 5})
    assert status(programme, CERTIFIED.summary(), days(100)).state == State.CERTIFIED


# --- what remains, in the trainee's words --------------------------------------------------------------

@pytest.mark.parametrize("world, key, text", [
    (World(), "refund-basics", "学完『退款基础』"),
    (World(), "platform-rules", "『平台规则』小测得分达到 80%"),
    (World(quizzes={"platform-rules": quiz(DAY, right=3)}), "platform-rules", "『平台规则』小测得分达到 80%（目前 60%）"),
    (World(), "order-check", "掌握『核对订单』小测"),
    (World(exam=(ExamRecord(1, 72.0, False, DAY),)), "final-exam", "『岗前知识考试』得分达到 80%（目前 72%）"),
    (World(), "wrong-shipment", "通过『错发商品退款』场景考核"),
    (World(scenario=(ScenarioRecord(1, pending_on=DAY, runs=1),)), "wrong-shipment",
     "通过『错发商品退款』场景考核（已完成，等待老师复核）"),
    (World(glossary=Retention(29, 40)), "glossary", "术语保持率达到 90%（目前 72%）"),
    (World(), "glossary", "术语保持率达到 90%"),
    (replace(CERTIFIED, live=LIVE), "platform-rules", "『平台规则』小测得分达到 80%（新平台规则：需按新版重新完成）"),
    (replace(CERTIFIED, today=days(340)), "wrong-shipment", "通过『错发商品退款』场景考核（续证：2027年1月30日起需重新完成）"),
])
def test_remaining_says_exactly_what_is_missing(world, key, text):
    remaining = {r.key: r for r in world.status().remaining}
    assert remaining[key].description == text


def test_nothing_remains_once_certified_and_the_evidence_names_every_requirement():
    result = done().status()
    assert result.remaining == () and result.met == result.total == 6
    assert [(e.kind, e.key) for e in result.evidence] == [(r.kind, r.key) for r in PROGRAMME.requirements]
    assert [e.on for e in result.evidence] == [days(-5)] + [DAY] * 5  # the lesson's day is the day it was studied
    assert result.to_dict()["state"] == "certified" and result.to_dict()["expires_on"] == "2027-03-01"


def test_a_programme_from_its_stored_definition():
    definition = {"title": "售前客服", "valid_days": 365, "renew_days": 30, "retake": ["scenario"],
                  "requirements": [{"kind": "scenario", "key": "birthday-dress", "label": "生日裙"},
                                   {"kind": "glossary", "key": "glossary", "label": "术语", "min_percent": 90,
                                    "min_recall": 0.9, "lessons": ["b", "a"]}],
                  "material": [{"kind": "scenario", "key": "birthday-dress", "version": 3, "note": "新规"}]}
    programme = Programme.from_definition("pre-sales", 4, definition, {("scenario", "birthday-dress"): 3})
    assert programme.retake == {"scenario"} and programme.requirements[1].scope == glossary_scope(0.9, ["a", "b"])
    assert programme.min_version(programme.requirements[0]) == 3 and programme.min_version(programme.requirements[1]) == 0


# --- glossary retention ------------------------------------------------------------------------------

def test_recall_horizon_is_the_stability_at_ninety_percent():
    assert recall_horizon(0.9) == pytest.approx(1.0)
    assert recall_horizon(0.95) < 1.0 < recall_horizon(0.8)


@pytest.mark.parametrize("min_recall", [0.8, 0.9, 0.95])
def test_the_horizon_agrees_with_fsrs_retrievability(min_recall):
    now = datetime(2026, 3, 1, 12, tzinfo=UTC)
    cards = []
    for gap in (1, 2, 3, 5, 8):
        card = drill.new_card(now - timedelta(days=40))
        for back in (40, 40 - gap, 40 - 3 * gap):
            card = drill.review(card, 3, now - timedelta(days=back)).card
        cards.append(card)
    for at in (now + timedelta(days=d, hours=h) for d in range(0, 120, 3) for h in (0, 7)):
        by_horizon = sum(max(0, (at - datetime.fromisoformat(c["last_review"])).days)
                         <= c["stability"] * recall_horizon(min_recall) for c in cards)
        assert by_horizon == retained(cards, at, min_recall)
