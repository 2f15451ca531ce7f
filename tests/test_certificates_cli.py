"""trainer certificate verify (offline, with the platform's public key) and revoke."""
import base64
import json

import pytest

from tests.web.test_verify import make_certificate  # noqa: F401  the fixture


@pytest.fixture
def holder(make_user):
    return make_user("wangxm", name="王小明")


def _download(browser, certification, tmp_path, extension="jwt"):
    browser.login("wangxm")
    response = browser.get(f"/study/certificates/{certification.id}/credential.{extension}")
    assert response.status_code == 200
    path = tmp_path / f"certificate.{extension}"
    path.write_bytes(response.get_data())
    return path


@pytest.fixture
def jwks_file(browser, tmp_path):
    path = tmp_path / "jwks.json"
    path.write_bytes(browser.get("/.well-known/jwks.json").get_data())
    return path


@pytest.mark.parametrize("extension", ["jwt", "json"])
def test_a_downloaded_credential_verifies_offline_with_the_published_key(
        runner, browser, holder, make_certificate, jwks_file, tmp_path, extension):
    certification = make_certificate(holder)
    credential = _download(browser, certification, tmp_path, extension)
    result = runner.invoke(args=["certificate", "verify", str(credential), "--key", str(jwks_file)])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("valid\n")
    assert "holder:      王小明" in result.output and "programme:   售前客服" in result.output
    assert f"/verify/{certification.code}" in result.output


def test_without_a_key_file_the_installations_own_key_is_used(runner, browser, holder, make_certificate, tmp_path):
    credential = _download(browser, make_certificate(holder), tmp_path)
    result = runner.invoke(args=["certificate", "verify", str(credential)])
    assert result.exit_code == 0 and result.output.startswith("valid"), result.output


def test_a_tampered_credential_fails(runner, browser, holder, make_certificate, jwks_file, tmp_path):
    credential = _download(browser, make_certificate(holder), tmp_path)
    header, payload, signature = credential.read_text().strip().split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
    claims["credentialSubject"]["identifier"][0]["identityHash"] = "李四"
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    credential.write_text(f"{header}.{forged}.{signature}\n")
    result = runner.invoke(args=["certificate", "verify", str(credential), "--key", str(jwks_file)])
    assert result.exit_code == 1
    assert result.output.startswith("bad_signature")
    assert "李四" not in result.output


def test_an_expired_credential_is_reported_as_expired(runner, browser, holder, make_certificate, jwks_file, tmp_path):
    credential = _download(browser, make_certificate(holder, expires_in=-1), tmp_path)
    result = runner.invoke(args=["certificate", "verify", str(credential), "--key", str(jwks_file)])
    assert result.exit_code == 1
    assert result.output.startswith("expired: expired on ")


def test_another_platforms_key_does_not_verify(runner, browser, holder, make_certificate, tmp_path):
    from trainer.core import credentials

    credential = _download(browser, make_certificate(holder), tmp_path)
    other = tmp_path / "other.pem"
    other.write_bytes(credentials.public_key_pem(credentials.generate_private_key().public_key()))
    result = runner.invoke(args=["certificate", "verify", str(credential), "--key", str(other)])
    assert result.exit_code == 1 and result.output.startswith("unknown_key")


def test_a_file_that_is_no_credential_is_an_error(runner, tmp_path, jwks_file):
    junk = tmp_path / "junk.json"
    junk.write_text('{"hello": "world"}')
    result = runner.invoke(args=["certificate", "verify", str(junk), "--key", str(jwks_file)])
    assert result.exit_code == 1 and "EnvelopedVerifiableCredential" in result.output


def test_revoke_by_code(runner, browser, holder, make_certificate, db):
    certification = make_certificate(holder)
    result = runner.invoke(args=["certificate", "revoke", certification.code, "--reason", "离职"])
    assert result.exit_code == 0, result.output
    db.session.refresh(certification)
    assert certification.revoked_reason == "离职" and certification.revoked_at is not None
    assert "cert-status-revoked" in browser.get(f"/verify/{certification.code}").get_data(as_text=True)
    again = runner.invoke(args=["certificate", "revoke", certification.code, "--reason", "again"])
    assert again.exit_code == 1 and "already revoked" in again.output
    assert runner.invoke(args=["certificate", "revoke", "no-such-code-here", "--reason", "x"]).exit_code == 1
