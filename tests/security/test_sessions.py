"""Sessions end for good: at sign-out, deactivation (a later reactivation brings no old session back), a password
reset, and at the latest PERMANENT_SESSION_LIFETIME after signing in, however often the cookie was renewed since."""
from datetime import timedelta

import pytest
from sqlalchemy import update

from trainer.models import AuthSession
from trainer.models._types import utcnow
from trainer.services import accounts


def _signed_in_since(db, user, ago):
    db.session.execute(update(AuthSession).where(AuthSession.user_id == user.id).values(created_at=utcnow() - ago))
    db.session.commit()


@pytest.mark.parametrize(("ago", "still_in"), [(timedelta(hours=11, minutes=59), True),
                                               (timedelta(hours=12, minutes=1), False)])
def test_a_session_lasts_the_configured_lifetime_from_sign_in(app, browser, make_user, db, ago, still_in):
    assert app.permanent_session_lifetime == timedelta(hours=12)
    ann = make_user("ann")
    browser.login("ann")
    _signed_in_since(db, ann, ago)
    assert (browser.get("/study/").status_code == 200) is still_in


def test_renewing_the_cookie_does_not_lengthen_the_session(browser, new_browser, make_user, db):
    """A copied cookie kept fresh (each language change signs a new one) still dies with its session."""
    ann = make_user("ann")
    browser.login("ann")
    _signed_in_since(db, ann, timedelta(hours=11))
    assert browser.post("/language", {"locale": "en"}).status_code == 302  # a newly signed cookie
    thief = new_browser()
    thief.client.set_cookie("session", browser.client.get_cookie("session").value)
    assert thief.get("/study/").status_code == 200
    _signed_in_since(db, ann, timedelta(hours=12, minutes=1))
    assert thief.get("/study/").status_code == 302 and browser.get("/study/").status_code == 302


def test_reactivation_brings_no_ended_session_back(browser, new_browser, make_user, db):
    ann = make_user("ann")
    admin = make_user("boss", roles=["admin"])
    browser.login("ann")
    accounts.set_active(admin, ann, False)
    db.session.commit()
    accounts.set_active(admin, ann, True)
    db.session.commit()
    assert browser.get("/study/").status_code == 302
    again = new_browser()
    assert again.login("ann").status_code == 302 and again.get("/study/").status_code == 200


def test_a_removed_role_is_gone_on_the_next_request(browser, make_user, db):
    tina = make_user("tina", roles=["trainer"])
    browser.login("tina")
    assert browser.get("/author/").status_code == 200
    from trainer.models import UserRole

    db.session.query(UserRole).filter_by(user_id=tina.id, role="trainer").delete()
    db.session.commit()
    assert browser.get("/author/").status_code == 403
