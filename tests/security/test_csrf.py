"""Every state-changing route, read from the url_map, refuses a request without the session's CSRF token: sent by
someone who may use the route, on the victim's real objects, the request is answered 400 and changes nothing.
There are no exemptions (no route is csrf.exempt; /healthz and the JSON key set are GET only)."""
import re

import pytest
from flask import Flask

from tests.conftest import Browser, TOKEN
from tests.services.test_reports import app_config  # noqa: F401  (fixture: the test programme)

from .routes import ACCESS, ADMINS, AUTHORS, MANAGERS, OWNER, PUBLIC, fill, state_changing
from .sweep_world import snapshot, world  # noqa: F401  (fixture)

WRITES = {"POST", "PUT", "PATCH", "DELETE"}


def user_for(endpoint, world):
    """Who would be let through: the owner of an owned object, else someone holding the audience's role."""
    access = ACCESS[endpoint]
    if endpoint == "auth.login":
        return None
    if access.objects == OWNER:
        return "tina" if endpoint == "author.keep_playtest" else "ann"
    for roles, username in ((ADMINS, "root"), (MANAGERS, "boss"), (AUTHORS, "tom")):
        if access.audience == roles:
            return username
    assert access.audience in (PUBLIC, frozenset()), endpoint
    return "eve"


def _forged_tokens(app):
    """No token, a made-up one, and a genuine token of another person's session."""
    stranger = Browser(app)
    stranger.get("/login")
    return [None, "forged-token", stranger.csrf_token()]


def test_there_are_state_changing_routes_to_check(app):
    assert sum(state_changing(rule) for rule in app.url_map.iter_rules()) >= 40


def test_every_state_changing_route_refuses_a_missing_or_wrong_token(app, db, world):
    wrong = []
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if not state_changing(rule):
            continue
        url, username = fill(rule, world), user_for(rule.endpoint, world)
        browser = Browser(app)
        if username:
            assert browser.login(username).status_code == 302, username
        for method in sorted(rule.methods & WRITES):
            for token in _forged_tokens(app):
                before = snapshot(db)
                data = {"csrf_token": token} if token else {}
                with app.app_context():
                    response = browser.client.open(url, method=method, data={**data, "seq": "1", "text": "x"},
                                                   headers={"X-CSRFToken": token} if token else {})
                if response.status_code != 400 or "表单已过期" not in response.get_data(as_text=True):
                    wrong.append(f"{method} {url} as {username} with {token!r}: {response.status_code}")
                if snapshot(db) != before:
                    wrong.append(f"{method} {url} as {username} with {token!r}: the database changed")
        if username and not browser.signed_in():
            wrong.append(f"{url}: signed {username} out")
    assert not wrong, "\n".join(wrong)


def test_the_same_request_with_the_token_goes_through(app, db, world):
    """The sweep's requests are refused for the token alone: with it, the owner's request is obeyed."""
    browser = Browser(app)
    browser.login("root")
    before = snapshot(db)
    response = browser.post(f"/admin/users/{world.ann.id}/active")
    assert response.status_code == 302 and snapshot(db) != before
