"""Every route × every role × the victim's object ids, read from the url_map so that a new route must be
added to routes.py: who must not reach an object gets 403 (role-gated area) or 404 (someone else's object, its
existence hidden), a refused request changes nothing, and no page shows the victim's name or answers to a
person not entitled to them."""
import pytest

from tests.services.test_reports import app_config  # noqa: F401  (fixture: the test programme)

from .routes import ACCESS, ENTITLED, NAMES_THE_HOLDER, expected, fill, state_changing
from .sweep_world import PRIVATE, VIEWERS, rows_of, snapshot, world  # noqa: F401  (fixture)


def test_every_route_is_in_the_table_and_can_be_filled(app, world):
    rules = list(app.url_map.iter_rules())
    assert {rule.endpoint for rule in rules} == set(ACCESS), "add the new endpoint to tests/security/routes.py"
    unfilled = [rule.rule for rule in rules if fill(rule, world) is None]
    assert not unfilled, f"tests/security/routes.py cannot fill {unfilled}"


def _outcome(response):
    if response.status_code == 302 and "/login" in response.location:
        return "login"
    if response.status_code in (403, 404):
        return response.status_code
    return "ok" if response.status_code in (200, 302) else response.status_code


@pytest.mark.parametrize("viewer", list(VIEWERS))
def test_the_matrix(app, db, browser, world, viewer):
    if VIEWERS[viewer]:
        assert browser.login(VIEWERS[viewer][0]).status_code == 302
    wrong, seen = [], set()
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        url, want = fill(rule, world), expected(ACCESS[rule.endpoint], viewer)
        requests = [("GET", url)] if "GET" in rule.methods else []
        if state_changing(rule) and want != "ok":
            requests.append(("POST", url))  # allowed POSTs are the feature tests' business
        for method, target in requests:
            before = snapshot(db) if method == "POST" else None
            response = browser.get(target) if method == "GET" else browser.post(target)
            got = _outcome(response)
            if got != want:
                wrong.append(f"{method} {target}: {got}, expected {want}")
            if before is not None and snapshot(db) != before:
                wrong.append(f"{method} {target}: refused yet the database changed")
            body = response.get_data(as_text=True)
            may_read = viewer in ENTITLED and want == "ok" or rule.endpoint in NAMES_THE_HOLDER
            leaked = [text for text in PRIVATE if text in body]
            seen.update(leaked)
            if leaked and not may_read:
                wrong.append(f"{method} {target}: shows {leaked}")
    assert not wrong, "\n".join(wrong)
    if viewer in ENTITLED:  # the search for leaks looks for text that really is on the pages they may read
        assert seen >= set(PRIVATE[:2]), seen  # name and practice answer (the exam answer needs no review)


@pytest.mark.parametrize("viewer", ["trainee", "trainer", "manager", "admin"])
def test_ids_that_do_not_exist_are_404(app, browser, world, viewer):
    browser.login(VIEWERS[viewer][0])
    wrong = []
    for rule in app.url_map.iter_rules():
        ids = [name for name in rule.arguments if name.endswith("_id")]
        if not ids or expected(ACCESS[rule.endpoint], viewer) == 403 or rule.endpoint in BACK_TO_THE_QUEUE:
            continue
        url = fill(rule, world)
        for name in ids:
            url = url.replace(f"/{_value(world, rule, name)}", "/999999", 1)
        response = browser.get(url) if "GET" in rule.methods else browser.post(url)
        if response.status_code != 404:
            wrong.append(f"{url}: {response.status_code}")
    assert not wrong, "\n".join(wrong)


#: A group or run that is no longer awaiting review (decided meanwhile, or never there) leads back to the queue,
#: for a trainer who may see every answer anyway: nothing is hidden by answering 404.
BACK_TO_THE_QUEUE = {"author.review_answers", "author.confirm_answers", "author.accept_wording", "author.review_run",
                     "author.confirm_run"}


def _value(world, rule, name):
    return {"attempt_id": world.attempt.id, "cert_id": world.certificate.id, "answer_id": world.answer.id,
            "user_id": world.ann.id,
            "run_id": world.playtest.id if rule.endpoint == "author.keep_playtest" else world.run.id}[name]


@pytest.mark.parametrize("viewer", ["trainee", "manager-elsewhere"])
def test_what_others_may_do_never_touches_the_victims_rows(app, db, browser, world, viewer):
    """Every state-changing request the viewer is let through, sent with the victim's ids and keys."""
    browser.login(VIEWERS[viewer][0])
    victims, everything = rows_of(db, world.ann.id), snapshot(db)
    assert all(victims[table] for table in ("answers", "quiz_attempts", "roleplay_runs", "certifications",
                                            "card_states", "lesson_progress"))
    sent = []
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if state_changing(rule) and expected(ACCESS[rule.endpoint], viewer) == "ok" and rule.endpoint != "auth.logout":
            response = browser.post(fill(rule, world))
            assert response.status_code < 500, rule.rule
            sent.append(rule.rule)
    db.session.expire_all()
    assert rows_of(db, world.ann.id) == victims
    assert len(sent) >= 8 and snapshot(db) != everything  # the requests did something, to the viewer's own rows
