"""Open Badges 3.0 credentials: the document, its VC-JWT signature, and offline verification."""
import base64
import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import jwt
import pytest

from trainer.core import credentials as c

NOW = datetime(2026, 11, 23, 6, 30, 15, 123456, tzinfo=UTC)
JWKS_URL = "https://trainer.example.cn/.well-known/jwks.json"
FACTS = c.CertificateFacts(
    credential_id="https://trainer.example.cn/verify/Zq3x7VbN2kLm8PwR4tYu",
    issuer_id="https://trainer.example.cn/",
    issuer_name="客服训练营",
    subject_id="urn:uuid:7b0f7c8e-0d7c-5c2e-9a55-0f4b5a3c2e11",
    subject_name="王小明",
    achievement_id=c.derived_id("https://trainer.example.cn/", "programme", "presales", 2),
    achievement_name="售前客服",
    achievement_description="售前客服认证",
    criteria="完成全部课程与考核。",
    valid_from=NOW,
    valid_until=NOW + timedelta(days=365),
    evidence_url="https://trainer.example.cn/verify/Zq3x7VbN2kLm8PwR4tYu",
    evidence_name="公开验证页面",
    results=(c.ResultLine("exam", "结业考试", "Percent", "92", "100", "80"), c.ResultLine("roleplay", "角色扮演考核")),
)


@pytest.fixture(scope="module")
def key():
    return c.generate_private_key()


@pytest.fixture(scope="module")
def other_key():
    return c.generate_private_key()


def _kid(key):
    return f"{JWKS_URL}#{c.thumbprint(key.public_key())}"


def _keys(key):
    return {c.thumbprint(key.public_key()): key.public_key()}


def _sign(key, facts=FACTS):
    return c.sign_credential(c.build_credential(facts), key, _kid(key))


def test_the_credential_follows_open_badges_3():
    credential = c.build_credential(FACTS)
    assert credential["@context"] == ["https://www.w3.org/ns/credentials/v2",
                                      "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"]
    assert credential["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert credential["id"] == FACTS.credential_id
    assert credential["issuer"] == {"id": "https://trainer.example.cn/", "type": ["Profile"], "name": "客服训练营"}
    assert credential["validFrom"] == "2026-11-23T06:30:15Z"
    assert credential["validUntil"] == "2027-11-23T06:30:15Z"
    subject = credential["credentialSubject"]
    assert subject["type"] == ["AchievementSubject"] and subject["id"] == FACTS.subject_id
    assert subject["identifier"] == [{"type": "IdentityObject", "identityType": "name", "hashed": False,
                                      "identityHash": "王小明"}]
    achievement = subject["achievement"]
    assert achievement["type"] == ["Achievement"] and achievement["name"] == "售前客服"
    assert achievement["criteria"] == {"narrative": "完成全部课程与考核。"}
    assert achievement["id"].startswith("urn:uuid:")
    exam, roleplay = achievement["resultDescription"]
    assert exam["resultType"] == "Percent" and exam["requiredValue"] == "80" and exam["valueMax"] == "100"
    assert subject["result"] == [{"type": ["Result"], "resultDescription": exam["id"], "value": "92"},
                                 {"type": ["Result"], "resultDescription": roleplay["id"], "status": "Completed"}]
    assert credential["evidence"] == [{"id": FACTS.evidence_url, "type": ["Evidence"], "name": "公开验证页面"}]


def test_the_jwt_carries_the_credential_and_its_claims(key):
    token = _sign(key)
    assert jwt.get_unverified_header(token) == {"alg": "EdDSA", "kid": _kid(key), "typ": "JWT"}
    payload = jwt.decode(token, options={"verify_signature": False})
    assert payload["iss"] == FACTS.issuer_id and payload["jti"] == FACTS.credential_id
    assert payload["sub"] == FACTS.subject_id
    assert payload["nbf"] == int(NOW.replace(microsecond=0).timestamp())
    assert payload["exp"] == payload["nbf"] + 365 * 86400
    assert {k: v for k, v in payload.items() if k not in c.JWT_CLAIMS} == c.build_credential(FACTS)


def test_a_signed_credential_verifies(key):
    result = c.verify_credential(_sign(key), _keys(key), now=NOW + timedelta(days=1))
    assert result.ok and result.status == "valid" and result.authentic
    assert result.credential["credentialSubject"]["achievement"]["name"] == "售前客服"
    assert result.kid == _kid(key)


def _b64(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def test_a_changed_name_breaks_the_signature(key):
    header, payload, signature = _sign(key).split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
    claims["credentialSubject"]["identifier"][0]["identityHash"] = "李四"
    forged = ".".join([header, _b64(json.dumps(claims).encode()), signature])
    result = c.verify_credential(forged, _keys(key), now=NOW)
    assert result.status == "bad_signature" and not result.ok and not result.authentic
    assert result.credential is None


def test_a_changed_signature_fails(key):
    header, payload, signature = _sign(key).split(".")
    flipped = signature[:10] + ("A" if signature[10] != "A" else "B") + signature[11:]
    assert c.verify_credential(".".join([header, payload, flipped]), _keys(key), now=NOW).status == "bad_signature"


def test_an_extended_validity_fails(key):
    """Moving validUntil (and exp with it) without the key is caught by the signature."""
    header, payload, signature = _sign(key).split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
    claims["validUntil"], claims["exp"] = "2099-01-01T00:00:00Z", 4070908800
    forged = ".".join([header, _b64(json.dumps(claims).encode()), signature])
    assert c.verify_credential(forged, _keys(key), now=NOW).status == "bad_signature"


def test_expired_and_not_yet_valid_are_detected(key):
    token = _sign(key)
    expired = c.verify_credential(token, _keys(key), now=FACTS.valid_until + timedelta(seconds=1))
    assert expired.status == "expired" and expired.authentic and not expired.ok
    assert "2027-11-23T06:30:15Z" in expired.detail
    early = c.verify_credential(token, _keys(key), now=NOW - timedelta(days=1))
    assert early.status == "not_yet_valid" and not early.ok


def test_another_key_does_not_verify(key, other_key):
    token = _sign(key)
    assert c.verify_credential(token, _keys(other_key), now=NOW).status == "unknown_key"
    # Even when the other key is offered under the signer's name, the signature fails.
    impostor = {c.thumbprint(key.public_key()): other_key.public_key()}
    assert c.verify_credential(token, impostor, now=NOW).status == "bad_signature"


def test_claims_that_disagree_with_the_credential_are_refused(key):
    credential = c.build_credential(FACTS)
    token = jwt.encode({**credential, "iss": FACTS.issuer_id, "jti": "https://elsewhere.example/1",
                        "sub": FACTS.subject_id, "nbf": int(NOW.timestamp()), "exp": int(NOW.timestamp()) + 10},
                       key, algorithm="EdDSA", headers={"kid": _kid(key)})
    result = c.verify_credential(token, _keys(key), now=NOW)
    assert result.status == "inconsistent" and not result.ok


def test_a_credential_of_another_kind_is_refused(key):
    credential = {**c.build_credential(FACTS), "type": ["VerifiableCredential"]}
    token = c.sign_credential(credential, key, _kid(key))
    assert c.verify_credential(token, _keys(key), now=NOW).status == "inconsistent"


@pytest.mark.parametrize("token", ["", "not a token", "a.b", "eyJhbGciOiJub25lIn0.e30."])
def test_garbage_is_malformed(key, token):
    assert c.verify_credential(token, _keys(key), now=NOW).status == "malformed"


def test_an_unsigned_token_is_refused(key):
    token = jwt.encode(c.build_credential(FACTS), None, algorithm="none", headers={"kid": _kid(key)})
    assert c.verify_credential(token, _keys(key), now=NOW).status == "malformed"


def test_public_keys_load_from_jwks_jwk_and_pem(key):
    public = key.public_key()
    jwk = c.public_jwk(public, _kid(key))
    assert "d" not in jwk and jwk["kty"] == "OKP" and jwk["crv"] == "Ed25519"
    expected = {c.thumbprint(public)}
    assert set(c.load_public_keys(json.dumps({"keys": [jwk]}))) == expected
    assert set(c.load_public_keys(json.dumps(jwk).encode())) == expected
    assert set(c.load_public_keys(c.public_key_pem(public))) == expected
    with pytest.raises(ValueError):
        c.load_public_keys("{}")
    with pytest.raises(ValueError):
        c.load_public_keys("-----BEGIN PUBLIC KEY-----\nnope\n-----END PUBLIC KEY-----\n")


def test_thumbprint_matches_rfc_8037():
    public = c._jwk_public_key({"kty": "OKP", "crv": "Ed25519", "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"})
    assert c.thumbprint(public) == "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k"


def test_private_key_round_trips_through_pem(key):
    again = c.load_private_key(c.private_key_pem(key))
    assert c.thumbprint(again.public_key()) == c.thumbprint(key.public_key())


def test_files_hold_the_token_as_jwt_or_enveloped_json(key):
    token = _sign(key)
    assert c.read_token(token + "\n") == token
    enveloped = c.envelope(token)
    assert enveloped["type"] == "EnvelopedVerifiableCredential"
    assert c.read_token(json.dumps(enveloped)) == token
    for bad in ('{"id": "https://example.com"}', "hello world", "a.b"):
        with pytest.raises(ValueError):
            c.read_token(bad)


def test_dates_must_be_aware():
    with pytest.raises(ValueError):
        c.build_credential(replace(FACTS, valid_from=datetime(2026, 1, 1)))
