"""Stored XSS through the real form routes, on the test content: free-recall drill answers (every payload: the
feedback page is the only place they are shown, right after the post, so the sweep in test_xss_pages.py cannot
hold them), and one piece each through the admin's account form, the cohort CSV import, the chat's reply form
and the reviewer's decision form, checked on the pages that show them."""
import csv
import io
from datetime import timedelta

import pytest
from selectolax.lexbor import LexborHTMLParser
from sqlalchemy import select

from trainer.models import Answer, RoleplayRun, User

from .xss_corpus import Stream as _Stream
from .xss_corpus import marker_of, markers_in, problems_in, require_corpus
from .xss_world import one_line


def Stream(name, limit, clean=None, separator="\n", tags_only=True):  # noqa: N802 (reads like the class)
    """Pieces of the corpus for a form; one piece only holds the corpus's first lines, so it is taken from
    the payloads that carry markup (the corpus opens with bare event-handler names)."""
    corpus = tuple(p for p in require_corpus() if "<" in p) if tags_only else ()
    return _Stream(name, limit, separator=separator, clean=clean, corpus=corpus)


def _ok(response, *pieces):
    assert response.status_code == 200, response.status_code
    html = response.get_data(as_text=True)
    assert problems_in(html) == []
    assert {marker_of(p) for p in pieces} <= markers_in(html)
    return html


def _hidden(html, name):
    node = LexborHTMLParser(html).css_first(f"input[name={name}]")
    return node.attributes.get("value") if node else None


@pytest.fixture
def recall_card(db, synced, make_user):
    """ann, whose card on first-response is at its free-recall review (the third)."""
    from trainer.core import drill
    from trainer.models import CardState
    from trainer.models._types import utcnow

    ann = make_user("ann")
    now = utcnow() - timedelta(days=30)
    card = drill.review(drill.new_card(now), 3, now).card
    db.session.add(CardState(user_id=ann.id, term_key="first-response", card=card, due=now, reps=2, last_review=now,
                             created_at=now))
    db.session.commit()
    return ann


def test_every_payload_as_a_free_recall_answer(browser, recall_card):
    require_corpus()
    browser.login("ann")
    card = browser.get("/study/drill/card").get_data(as_text=True)
    assert 'name="answer"' in card, "the card is not a free-recall card"
    version, shown_at = _hidden(card, "version"), _hidden(card, "shown_at")
    stream = Stream("drill answer", 1000, clean=one_line, separator=" ", tags_only=False)
    while not stream.wrapped:
        piece = stream.next()
        html = _ok(browser.post("/study/drill/card/first-response",
                                {"answer": piece, "version": version, "shown_at": shown_at}), piece)
        assert 'name="rating"' in html  # the feedback page, not the card again


def test_a_name_and_cohort_from_the_admin_form(browser, make_user, db):
    name, cohort = (Stream(n, 100, clean=one_line, separator=" ").next() for n in ("display name", "cohort name"))
    make_user("root", roles=["admin"])
    browser.login("root")
    response = browser.post("/admin/users/new", {"display_name": name, "username": "xss-form", "cohort": cohort,
                                                 "roles": "trainee"})
    assert response.status_code == 200
    user = db.session.scalar(select(User).where(User.username == "xss-form"))
    assert user.display_name == name.strip()
    _ok(browser.get(f"/admin/users/{user.id}"), name)
    _ok(browser.get("/admin/users"), name)


def test_names_and_cohorts_from_a_csv_import(browser, make_user, db):
    names = Stream("display name", 100, clean=one_line, separator=" ")
    cohorts = Stream("cohort name", 100, clean=one_line, separator=" ")
    rows = [(names.next(), f"xss-csv{n}", cohorts.next()) for n in range(20)]
    data = io.StringIO()
    writer = csv.writer(data)
    writer.writerow(["name", "username", "cohort"])
    writer.writerows(rows)
    make_user("root", roles=["admin"])
    browser.login("root")
    response = browser.post("/admin/cohorts/import",
                            {"file": (io.BytesIO(data.getvalue().encode("utf-8")), "cohort.csv")},
                            content_type="multipart/form-data")
    _ok(response, *(name for name, _, _ in rows))
    _ok(browser.get("/admin/users"), *(name for name, _, _ in rows))


def test_a_chat_reply_and_a_review_comment_from_their_forms(browser, new_browser, make_user, db, synced):
    make_user("ann")
    make_user("tina", roles=["trainer"])
    browser.login("ann")
    browser.post("/study/scenarios/test-wrong-item", {"mode": "assessment"})
    run = db.session.scalar(select(RoleplayRun))
    reply = Stream("chat reply", 500, clean=None).next()
    assert browser.post(f"/study/roleplay/{run.id}", {"seq": 1, "text": reply}).status_code == 302
    _ok(browser.get(f"/study/roleplay/{run.id}"), reply)
    browser.post(f"/study/roleplay/{run.id}/end")
    _ok(browser.get(f"/study/roleplay/{run.id}/debrief"), reply)

    from tests.services.test_review import KEY
    from trainer.core.grading import grade
    from trainer.models._types import utcnow
    from trainer.services import attempts
    from trainer.services.grading import item_of

    answer_text = Stream("short answer", 2000, clean=None).next()
    user = db.session.scalar(select(User).where(User.username == "ann"))
    attempt = attempts.practice_attempt(user, attempts.active_quiz("refund-basics"))
    row = attempts.item_rows([KEY])[KEY]
    result = grade(item_of(row), answer_text)
    answer = Answer(attempt_id=attempt.id, seq=0, item_key=KEY, item_version=row.version, response=answer_text,
                    score=result.score, max_score=result.max_score, correct=result.passed, needs_review=True,
                    result=result.to_dict(), answered_at=utcnow())
    db.session.add(answer)
    db.session.commit()
    trainer = new_browser()
    trainer.login("tina")
    page = _ok(trainer.get(f"/author/review/answers/{answer.id}"), answer_text)
    reason, comment = (Stream(n, 1000).next() for n in ("review reason", "review comment"))
    response = trainer.post(f"/author/review/answers/{answer.id}", {
        "answer_ids": _hidden(page, "answer_ids"), "score": "1", "reason": reason, "comment": comment})
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    _ok(trainer.get("/author/review/audit"), reason, comment)
    _ok(browser.get("/study/quizzes/refund-basics/answers/0"), answer_text, comment)
