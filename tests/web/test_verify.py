"""Certificates on the web: the public verification page, the certificate page, the downloadable
Open Badges credential and the published key."""
import json
import os
import re
import secrets
from datetime import UTC, datetime, timedelta

import pytest

from trainer.core import credentials

NOW = datetime.now(UTC)


#: As services.certification stores them: the programme file's definition, and what was seen met.
#: As the programme loader stores it (the report tables read it whenever a certificate changes).
DEFINITION = {"id": "presales", "title": "售前客服", "summary": "能独立接待售前咨询。", "valid_days": 365,
              "renew_days": 30, "requirements": [
    {"kind": "lesson", "key": "reception-flow", "label": "接待流程"},
    {"kind": "exam", "key": "final-exam", "label": "结业考试", "min_percent": 80},
    {"kind": "scenario", "key": "birthday-dress", "label": "生日连衣裙"}]}
EVIDENCE = {
    "lesson:reception-flow": {"title": "接待流程", "kind": "lesson", "key": "reception-flow", "on": "2026-10-01",
                              "version": 1},
    "exam:final-exam": {"title": "结业考试", "kind": "exam", "key": "final-exam", "on": "2026-10-20", "version": 1,
                        "percent": 92, "pass_percent": 80},
    "scenario:birthday-dress": {"title": "生日连衣裙", "kind": "scenario", "key": "birthday-dress", "on": "2026-10-21",
                                "version": 2, "score": 86, "max_score": 100}}


@pytest.fixture
def make_certificate(db):
    """``make_certificate(user, expires_in=days, revoked=reason)`` → a committed Certification."""
    from trainer.models import Certification, Programme

    def make(user, key="presales", title="售前客服", expires_in=365, revoked=None, **kwargs):
        if db.session.query(Programme).filter_by(key=key).first() is None:
            db.session.add(Programme(key=key, title=title, content_hash="h", definition=DEFINITION))
        certification = Certification(
            user=user, programme_key=key, programme_version=1, certified_at=NOW - timedelta(days=30),
            expires_at=NOW + timedelta(days=expires_in), code=secrets.token_urlsafe(16), evidence=EVIDENCE,
            revoked_at=NOW - timedelta(days=1) if revoked else None, revoked_reason=revoked, **kwargs)
        db.session.add(certification)
        db.session.commit()
        return certification

    return make


@pytest.fixture
def ann(make_user):
    return make_user("wangxm", name="王小明", email="wxm@example.cn", cohort="2026 春季")


def _zh(app, message):
    """``message`` as the Chinese page shows it (the catalogue's translation once compiled)."""
    from flask_babel import force_locale, gettext

    with app.test_request_context(), force_locale("zh_Hans_CN"):
        return gettext(message)


def _text(response):
    return response.get_data(as_text=True)


def _main(response):
    page = _text(response)
    return page[page.index("<main"):page.index("</main>")]


def test_the_public_page_needs_no_sign_in_and_shows_only_name_programme_dates_and_status(
        app, browser, ann, make_certificate):
    certification = make_certificate(ann)
    response = browser.get(f"/verify/{certification.code}")
    assert response.status_code == 200
    main = _main(response)
    assert "王小明" in main and "售前客服" in main
    assert "cert-status-valid" in main and _zh(app, "Valid") in main
    assert _zh(app, "Expired") not in main and _zh(app, "Revoked") not in main
    expires = certification.expires_at.astimezone(UTC) + timedelta(hours=8)  # shown in Asia/Shanghai
    assert f"{expires.year}年{expires.month}月{expires.day}日" in main
    facts = re.findall(r"<dt>(.*?)</dt>", main)
    assert len(facts) == 4
    # Nothing else about the person or the certificate: no account, email, cohort, code, key or results.
    for private in ("wangxm", "wxm@example.cn", "2026 春季", certification.code, "presales", "结业考试", "92",
                    "能独立接待"):
        assert private not in main, private
    assert response.headers["Cache-Control"] == "no-store"
    assert "noindex" in response.headers["X-Robots-Tag"]


def test_an_expired_certificate_says_so(app, browser, ann, make_certificate):
    certification = make_certificate(ann, expires_in=-2)
    main = _main(browser.get(f"/verify/{certification.code}"))
    assert "cert-status-expired" in main and _zh(app, "Expired") in main
    assert "cert-status-valid" not in main


def test_a_revoked_certificate_says_so_without_the_reason(app, browser, ann, make_certificate):
    certification = make_certificate(ann, revoked="考试作弊")
    main = _main(browser.get(f"/verify/{certification.code}"))
    assert "cert-status-revoked" in main and _zh(app, "Revoked") in main
    assert "考试作弊" not in main


def test_unknown_and_malformed_codes_get_the_same_404(browser, ann, make_certificate):
    certification = make_certificate(ann)
    unknown = browser.get(f"/verify/{secrets.token_urlsafe(16)}")
    near_miss = browser.get(f"/verify/{certification.code[:-1]}{'A' if certification.code[-1] != 'A' else 'B'}")
    malformed = browser.get("/verify/<script>")
    assert unknown.status_code == near_miss.status_code == malformed.status_code == 404
    assert _main(unknown) == _main(near_miss) == _main(malformed)
    assert browser.get("/verify/").status_code == 404


def test_the_owner_sees_a_printable_certificate_with_qr_code_and_code(browser, ann, make_certificate):
    certification = make_certificate(ann)
    browser.login("wangxm")
    response = browser.get(f"/study/certificates/{certification.id}")
    assert response.status_code == 200
    main = _main(response)
    assert "cert-sheet" in main and "王小明" in main and "售前客服" in main
    assert certification.code in main
    assert f"http://localhost/verify/{certification.code}" in main
    assert re.search(r'<svg viewBox="0 0 \d+ \d+" class="cert-qr-code"><path', main)
    assert "<script" not in main.replace('<script src="/static/js/certificate.js" defer></script>', "")
    assert "credential.jwt" in main and "credential.json" in main
    assert "certificate-page" in _text(response)


def test_the_owner_lists_their_certificates(browser, ann, make_user, make_certificate):
    mine = make_certificate(ann)
    make_certificate(make_user("bob"), key="aftersales", title="售后客服")
    browser.login("wangxm")
    main = _main(browser.get("/study/certificates/"))
    assert f"/study/certificates/{mine.id}" in main and "售前客服" in main
    assert "售后客服" not in main


def test_a_revoked_certificate_page_is_stamped_and_offers_no_credential(app, browser, ann, make_certificate):
    certification = make_certificate(ann, revoked="考试作弊")
    browser.login("wangxm")
    main = _main(browser.get(f"/study/certificates/{certification.id}"))
    assert f'<p class="cert-stamp">{_zh(app, "Revoked")}</p>' in main
    assert "credential.jwt" not in main
    assert browser.get(f"/study/certificates/{certification.id}/credential.jwt").status_code == 404


CERTIFICATE_URLS = ["/study/certificates/{id}", "/study/certificates/{id}/credential.jwt",
                    "/study/certificates/{id}/credential.json"]


def test_another_trainee_cannot_open_someone_elses_certificate(browser, new_browser, ann, make_user,
                                                               make_certificate):
    certification = make_certificate(ann)
    make_user("bob", cohort="2026 春季")
    bob = new_browser()
    bob.login("bob")
    for url in CERTIFICATE_URLS:
        assert bob.get(url.format(id=certification.id)).status_code == 404, url
        assert bob.get(url.format(id=certification.id + 1000)).status_code == 404, url
    browser.login("wangxm")
    for url in CERTIFICATE_URLS:
        assert browser.get(url.format(id=certification.id)).status_code == 200, url


@pytest.mark.parametrize("role, manages, status", [("trainer", False, 200), ("admin", False, 200),
                                                   ("manager", True, 200), ("manager", False, 404)])
def test_trainers_admins_and_the_cohorts_managers_see_certificates(browser, ann, make_user, make_certificate, db,
                                                                   role, manages, status):
    from trainer.models import CohortManager

    certification = make_certificate(ann)
    staff = make_user("staff", roles=[role])
    if manages:
        db.session.add(CohortManager(cohort_id=ann.cohort_id, user_id=staff.id))
        db.session.commit()
    browser.login("staff")
    assert browser.get(f"/study/certificates/{certification.id}").status_code == status


def test_the_signing_key_is_published_as_jwks(browser, app):
    response = browser.get("/.well-known/jwks.json")
    assert response.status_code == 200
    (jwk,) = response.get_json()["keys"]
    assert jwk["kty"] == "OKP" and jwk["crv"] == "Ed25519" and jwk["alg"] == "EdDSA" and "d" not in jwk
    keys = credentials.load_public_keys(response.get_data())
    (thumbprint,) = keys
    assert jwk["kid"] == f"http://localhost/.well-known/jwks.json#{thumbprint}"
    key_file = app.instance_path + "/credential_key.pem"
    assert os.stat(key_file).st_mode & 0o777 == 0o600
    with open(key_file, "rb") as handle:
        assert credentials.thumbprint(credentials.load_private_key(handle.read()).public_key()) == thumbprint
    # Generated once: the same key on the next request.
    assert browser.get("/.well-known/jwks.json").get_json()["keys"] == [jwk]


def test_the_downloaded_credential_verifies_with_the_published_key(browser, ann, make_certificate):
    certification = make_certificate(ann)
    browser.login("wangxm")
    response = browser.get(f"/study/certificates/{certification.id}/credential.jwt")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/jwt"
    assert "attachment" in response.headers["Content-Disposition"]
    keys = credentials.load_public_keys(browser.get("/.well-known/jwks.json").get_data())
    result = credentials.verify_credential(credentials.read_token(_text(response)), keys)
    assert result.ok, result
    credential = result.credential
    verify_url = f"http://localhost/verify/{certification.code}"
    assert credential["id"] == verify_url
    assert credential["evidence"][0]["id"] == verify_url
    assert credential["issuer"]["id"] == "http://localhost/"
    assert credential["issuer"]["name"] == _zh(browser.app, "CS Trainer")
    assert credential["validUntil"] == credentials.isoformat(certification.expires_at)
    subject = credential["credentialSubject"]
    assert subject["identifier"][0]["identityHash"] == "王小明"
    assert subject["achievement"]["name"] == "售前客服"
    achievement = subject["achievement"]
    assert achievement["description"] == "能独立接待售前咨询。"
    assert "- 接待流程\n" in achievement["criteria"]["narrative"] and "生日连衣裙" in achievement["criteria"]["narrative"]
    descriptions = {d["id"]: d for d in achievement["resultDescription"]}
    seen = {descriptions[r["resultDescription"]]["name"]: (descriptions[r["resultDescription"]]["resultType"],
                                                           r.get("value") or r.get("status"))
            for r in subject["result"]}
    assert seen == {"接待流程": ("Status", "Completed"), "结业考试": ("Percent", "92"), "生日连衣裙": ("RawScore", "86")}
    assert descriptions[next(iter(descriptions))]["type"] == ["ResultDescription"]
    assert "wxm@example.cn" not in json.dumps(credential, ensure_ascii=False)


def test_the_json_download_is_the_same_credential_enveloped(browser, ann, make_certificate):
    certification = make_certificate(ann)
    browser.login("wangxm")
    response = browser.get(f"/study/certificates/{certification.id}/credential.json")
    document = response.get_json()
    assert document["type"] == "EnvelopedVerifiableCredential"
    keys = credentials.load_public_keys(browser.get("/.well-known/jwks.json").get_data())
    assert credentials.verify_credential(credentials.read_token(_text(response)), keys).ok


def test_the_credential_of_an_expired_certificate_reads_as_expired(browser, ann, make_certificate):
    certification = make_certificate(ann, expires_in=-1)
    browser.login("wangxm")
    token = _text(browser.get(f"/study/certificates/{certification.id}/credential.jwt")).strip()
    keys = credentials.load_public_keys(browser.get("/.well-known/jwks.json").get_data())
    assert credentials.verify_credential(token, keys).status == "expired"


def test_the_credential_texts_do_not_follow_the_readers_language(browser, ann, make_certificate):
    certification = make_certificate(ann)
    browser.login("wangxm")
    browser.post("/language", {"locale": "en"})
    token = _text(browser.get(f"/study/certificates/{certification.id}/credential.jwt")).strip()
    keys = credentials.load_public_keys(browser.get("/.well-known/jwks.json").get_data())
    assert credentials.verify_credential(token, keys).credential["issuer"]["name"] == _zh(browser.app, "CS Trainer")


def test_revoking_shows_on_the_public_page(app, browser, ann, make_certificate, db):
    from trainer.services import certificates

    certification = make_certificate(ann)
    with pytest.raises(certificates.CertificateError):
        certificates.revoke("test", certification, "  ")
    certificates.revoke("test", certification, "离职")
    db.session.commit()
    with pytest.raises(certificates.CertificateError):
        certificates.revoke("test", certification, "again")
    assert "cert-status-revoked" in _main(browser.get(f"/verify/{certification.code}"))


class TestRateLimit:
    @pytest.fixture
    def app_config(self):
        return {"RATELIMIT_ENABLED": True, "VERIFY_RATE_LIMIT": "3 per minute"}

    def test_guessing_codes_is_rate_limited(self, browser):
        codes = [browser.get(f"/verify/{secrets.token_urlsafe(16)}").status_code for _ in range(4)]
        assert codes == [404, 404, 404, 429]
