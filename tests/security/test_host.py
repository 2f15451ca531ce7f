"""The Host header a request names does not get into what the platform signs: with TRAINER_PUBLIC_URL set the
credential names that site whatever Host was sent, and TRAINER_TRUSTED_HOSTS refuses requests for other hosts."""
import json
from datetime import UTC, datetime, timedelta

import jwt
import pytest

from trainer.models import Certification

EVIL = {"Host": "evil.example"}


@pytest.fixture
def app_config():
    return {"PUBLIC_URL": "https://training.example.com", "TRUSTED_HOSTS": ["training.example.com", "localhost"]}


@pytest.fixture
def holder(browser, make_user, db):
    ann = make_user("ann")
    now = datetime.now(UTC)
    certification = Certification(user=ann, programme_key="presales", programme_version=1, certified_at=now,
                                  expires_at=now + timedelta(days=365), code="Zq3x7VbN2kLm8PwR4tYu", evidence={})
    db.session.add(certification)
    db.session.commit()
    browser.login("ann")
    return certification


def test_a_foreign_host_is_refused(browser, holder):
    """With a plain 400 (the error page cannot be drawn: no URL can be built for an untrusted host)."""
    for url in ["/verify/Zq3x7VbN2kLm8PwR4tYu", f"/study/certificates/{holder.id}/credential.jwt", "/no-such-page"]:
        response = browser.get(url, headers=EVIL)
        assert response.status_code == 400 and "Content-Security-Policy" in response.headers, url


def test_the_signed_credential_names_the_public_url(app, browser, holder):
    app.config["TRUSTED_HOSTS"] = None  # even when the host is not checked
    browser.client.set_cookie("session", browser.client.get_cookie("session").value, domain="evil.example")
    response = browser.get(f"/study/certificates/{holder.id}/credential.jwt", headers=EVIL)
    assert response.status_code == 200, response.location
    token = response.get_data(as_text=True).strip()
    claims = jwt.decode(token, options={"verify_signature": False})
    text = json.dumps(claims)
    assert "evil.example" not in text and "https://training.example.com/verify/Zq3x7VbN2kLm8PwR4tYu" in text
