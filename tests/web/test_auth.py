"""Signing in and out, sessions that really end, passwords, language, CSRF."""
import pytest

from trainer.services import accounts
from tests.conftest import PASSWORD


def test_sign_in_lands_on_the_study_path(browser, make_user):
    make_user("ann", name="安妮")
    response = browser.login("ann")
    assert response.status_code == 302 and response.location.endswith("/study/")
    assert "安妮" in browser.get("/study/").get_data(as_text=True)


@pytest.mark.parametrize("username, password", [("ann", "wrong"), ("nobody", PASSWORD), ("", "")])
def test_bad_credentials_are_refused(browser, make_user, username, password):
    make_user("ann")
    response = browser.login(username, password)
    assert response.status_code == 200
    assert browser.get("/study/").status_code == 302


def test_username_is_case_insensitive(browser, make_user):
    make_user("ann")
    assert browser.login("  ANN ").status_code == 302


def test_deactivated_person_cannot_sign_in(browser, make_user, db):
    user = make_user("ann")
    user.active = False
    db.session.commit()
    assert browser.login("ann").status_code == 200


def test_sign_out_ends_the_session_even_for_a_copied_cookie(browser, new_browser, make_user):
    make_user("ann")
    browser.login("ann")
    stolen = browser.client.get_cookie("session").value
    browser.logout()
    thief = new_browser()
    thief.client.set_cookie("session", stolen)
    assert thief.get("/study/").status_code == 302


def test_deactivation_ends_every_session(app, browser, make_user, db):
    user = make_user("ann")
    admin = make_user("boss", roles=["admin"])
    browser.login("ann")
    assert browser.get("/study/").status_code == 200
    accounts.set_active(admin, user, False)
    db.session.commit()
    assert browser.get("/study/").status_code == 302


def test_password_change_signs_out_other_browsers_but_not_this_one(browser, new_browser, make_user):
    make_user("ann")
    other = new_browser()
    other.login("ann")
    browser.login("ann")
    response = browser.post("/account/password", {"current": PASSWORD, "new": "new password 1", "confirm": "new password 1"})
    assert response.status_code == 302
    assert browser.get("/study/").status_code == 200
    assert other.get("/study/").status_code == 302
    assert new_browser().login("ann", "new password 1").status_code == 302


def test_password_change_with_wrong_current_password_changes_nothing(browser, make_user):
    make_user("ann")
    browser.login("ann")
    response = browser.post("/account/password", {"current": "nope", "new": "new password 1", "confirm": "new password 1"})
    assert response.status_code == 200
    browser.logout()
    assert browser.login("ann").status_code == 302


def test_temporary_password_must_be_changed_first(browser, make_user):
    make_user("ann", must_change_password=True)
    browser.login("ann")
    response = browser.get("/study/")
    assert response.status_code == 302 and response.location.endswith("/account/password")


def test_next_only_follows_local_paths(browser, make_user):
    make_user("ann")
    response = browser.post("/login?next=//evil.example/x", {"username": "ann", "password": PASSWORD})
    assert response.location.endswith("/study/")


@pytest.mark.parametrize("url, data", [
    ("/login", {"username": "ann", "password": PASSWORD}),
    ("/logout", {}),
    ("/language", {"locale": "en"}),
    ("/account/password", {"current": PASSWORD, "new": "new password 1", "confirm": "new password 1"}),
])
def test_state_changing_requests_without_csrf_token_are_refused(browser, make_user, url, data):
    make_user("ann")
    browser.login("ann")
    response = browser.post(url, data, csrf=False)
    assert response.status_code == 400
    assert "表单已过期" in response.get_data(as_text=True)
    assert browser.get("/study/").status_code == 200  # still signed in: nothing was done


def test_interface_is_chinese_by_default_and_english_on_request(browser):
    page = browser.get("/login").get_data(as_text=True)
    assert "登录" in page and 'lang="zh-Hans"' in page
    browser.post("/language", {"locale": "en"})
    page = browser.get("/login").get_data(as_text=True)
    assert "Sign in" in page and 'lang="en"' in page


def test_demo_accounts_are_shown_only_in_demo_mode(app, browser):
    assert "demo1234" not in browser.get("/login").get_data(as_text=True)
    app.config["DEMO"] = True
    assert "demo1234" in browser.get("/login").get_data(as_text=True)
