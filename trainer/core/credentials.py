"""Open Badges 3.0 credentials: build an OpenBadgeCredential, sign it as a VC-JWT, verify it offline.

Plain values in, plain values out: the caller gives the URLs, names, dates and keys. Nothing is
fetched: the JSON-LD contexts are named, not loaded, and a verifier needs only the issuer's
public key (a PEM file, a JWK or the JWKS the platform publishes).

The signed form follows OB 3.0 §8.2 "JSON Web Token Proof Format": a compact JWS whose payload is
the credential itself plus the claims ``iss`` (issuer.id), ``jti`` (id), ``sub``
(credentialSubject.id), ``nbf`` (validFrom) and ``exp`` (validUntil); the JOSE header holds only
``alg``, ``kid`` (a URL of the JWKS with the key's RFC 7638 thumbprint as fragment) and ``typ``.
"""
import base64
import hashlib
import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

VC_CONTEXT = "https://www.w3.org/ns/credentials/v2"
OB_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
#: Any published revision of the OB 3.0 context is accepted when verifying.
OB_CONTEXT_PREFIX = "https://purl.imsglobal.org/spec/ob/v3p0/context"
CREDENTIAL_TYPES = ["VerifiableCredential", "OpenBadgeCredential"]
#: Ed25519 signatures (RFC 8037). OB 3.0 requires RS256 "as a minimum" of verifiers and permits others.
ALGORITHM = "EdDSA"
JWT_CLAIMS = ("iss", "jti", "sub", "nbf", "exp")


@dataclass(frozen=True)
class ResultLine:
    """One requirement the holder met: an OB 3.0 ResultDescription on the achievement and its Result."""

    key: str
    name: str
    #: An OB 3.0 ResultType: "Status", "Percent", "RawScore", …
    result_type: str = "Status"
    value: str | None = None
    value_max: str | None = None
    required_value: str | None = None


@dataclass(frozen=True)
class CertificateFacts:
    """Everything an OpenBadgeCredential says, as plain values."""

    credential_id: str
    issuer_id: str
    issuer_name: str
    subject_id: str
    subject_name: str
    achievement_id: str
    achievement_name: str
    achievement_description: str
    criteria: str
    valid_from: datetime
    valid_until: datetime
    evidence_url: str
    evidence_name: str
    results: tuple[ResultLine, ...] = ()
    language: str = "zh-CN"


@dataclass(frozen=True)
class Verification:
    """What checking a signed credential found; ``credential`` is set once the signature held."""

    #: "valid", "expired", "not_yet_valid", "bad_signature", "unknown_key", "inconsistent", "malformed"
    status: str
    credential: dict | None = None
    kid: str | None = None
    detail: str = ""

    @property
    def ok(self):
        return self.status == "valid"

    @property
    def authentic(self):
        """Signed by the given key and self-consistent, whatever its dates say."""
        return self.status in ("valid", "expired", "not_yet_valid")


def derived_id(*parts):
    """A stable ``urn:uuid:`` for things that have no page of their own (achievements, results)."""
    return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, '/'.join(str(part) for part in parts))}"


def build_credential(facts):
    """The unsigned OpenBadgeCredential (a JSON-ready dict) for ``facts``."""
    descriptions, results = [], []
    for line in facts.results:
        description_id = derived_id(facts.achievement_id, "result", line.key)
        description = {"id": description_id, "type": ["ResultDescription"], "name": line.name,
                       "resultType": line.result_type}
        result = {"type": ["Result"], "resultDescription": description_id}
        if line.value_max is not None:
            description["valueMax"] = line.value_max
        if line.required_value is not None:
            description["requiredValue"] = line.required_value
        if line.value is not None:
            result["value"] = line.value
        if line.result_type == "Status":
            result["status"] = "Completed"
        descriptions.append(description)
        results.append(result)
    achievement = {
        "id": facts.achievement_id,
        "type": ["Achievement"],
        "achievementType": "Certification",
        "name": facts.achievement_name,
        "description": facts.achievement_description,
        "criteria": {"narrative": facts.criteria},
        "inLanguage": facts.language,
    }
    if descriptions:
        achievement["resultDescription"] = descriptions
    subject = {
        "id": facts.subject_id,
        "type": ["AchievementSubject"],
        "identifier": [{"type": "IdentityObject", "identityType": "name", "hashed": False,
                        "identityHash": facts.subject_name}],
        "achievement": achievement,
    }
    if results:
        subject["result"] = results
    return {
        "@context": [VC_CONTEXT, OB_CONTEXT],
        "id": facts.credential_id,
        "type": list(CREDENTIAL_TYPES),
        "name": facts.achievement_name,
        "issuer": {"id": facts.issuer_id, "type": ["Profile"], "name": facts.issuer_name},
        "validFrom": isoformat(facts.valid_from),
        "validUntil": isoformat(facts.valid_until),
        "credentialSubject": subject,
        "evidence": [{"id": facts.evidence_url, "type": ["Evidence"], "name": facts.evidence_name}],
    }


def isoformat(moment):
    """``2026-11-23T06:12:18Z``: UTC, whole seconds, so that ``nbf``/``exp`` match exactly."""
    if moment.tzinfo is None:
        raise ValueError("naive datetime; use an aware UTC datetime")
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _epoch(text):
    return int(datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC).timestamp())


def sign_credential(credential, private_key, kid):
    """The credential as a compact JWS (VC-JWT) signed with ``private_key``."""
    claims = {"iss": _issuer_id(credential), "jti": credential["id"], "sub": credential["credentialSubject"]["id"],
              "nbf": _epoch(credential["validFrom"])}
    if "validUntil" in credential:
        claims["exp"] = _epoch(credential["validUntil"])
    return jwt.encode({**credential, **claims}, private_key, algorithm=ALGORITHM, headers={"kid": kid, "typ": "JWT"})


def verify_credential(token, public_keys, now=None):
    """Check the signature with one of ``public_keys`` (thumbprint → key), the claims and the dates."""
    try:
        header = jwt.get_unverified_header(token)
    except jwt.DecodeError as error:
        return Verification("malformed", detail=f"not a compact JWS: {error}")
    kid = header.get("kid")
    if header.get("alg") != ALGORITHM:
        return Verification("malformed", kid=kid, detail=f"unsupported algorithm {header.get('alg')!r}")
    key = public_keys.get(str(kid).rsplit("#", 1)[-1])
    if key is None:
        return Verification("unknown_key", kid=kid, detail=f"signed with key {kid}, which is not among the given keys")
    try:
        payload = jwt.decode(token, key, algorithms=[ALGORITHM], options={
            "verify_exp": False, "verify_nbf": False, "verify_iat": False, "verify_aud": False,
            "require": ["iss", "jti", "sub", "nbf"]})
    except jwt.InvalidSignatureError:
        return Verification("bad_signature", kid=kid, detail="the signature does not match the content")
    except jwt.PyJWTError as error:
        return Verification("malformed", kid=kid, detail=str(error))
    problem = _inconsistency(payload)
    if problem:
        return Verification("inconsistent", payload, kid, problem)
    now = int((now or datetime.now(UTC)).timestamp())
    if now < payload["nbf"]:
        return Verification("not_yet_valid", payload, kid, f"valid from {payload['validFrom']}")
    if "exp" in payload and now >= payload["exp"]:
        return Verification("expired", payload, kid, f"expired on {payload['validUntil']}")
    return Verification("valid", payload, kid)


def _issuer_id(credential):
    issuer = credential.get("issuer")
    return issuer.get("id") if isinstance(issuer, dict) else issuer


def _inconsistency(payload):
    """OB 3.0 §8.2.4: the JWT claims must repeat the credential's own fields."""
    context = payload.get("@context") or []
    types = payload.get("type") or []
    subject = payload.get("credentialSubject")
    if not context or context[0] != VC_CONTEXT or not any(str(c).startswith(OB_CONTEXT_PREFIX) for c in context):
        return "not an Open Badges 3.0 credential (@context)"
    if "VerifiableCredential" not in types or not {"OpenBadgeCredential", "AchievementCredential"} & set(types):
        return "not an Open Badges 3.0 credential (type)"
    if not isinstance(subject, dict):
        return "credentialSubject is missing"
    try:
        checks = [("iss", _issuer_id(payload)), ("jti", payload.get("id")), ("sub", subject.get("id")),
                  ("nbf", _epoch(payload["validFrom"]))]
        if "validUntil" in payload or "exp" in payload:
            checks.append(("exp", _epoch(payload["validUntil"])))
    except (KeyError, TypeError, ValueError) as error:
        return f"missing or malformed date: {error}"
    for claim, expected in checks:
        if payload.get(claim) != expected:
            return f"the {claim} claim does not match the credential"
    return None


# Keys ------------------------------------------------------------------------------------------

def generate_private_key():
    return Ed25519PrivateKey.generate()


def private_key_pem(private_key):
    return private_key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                     serialization.NoEncryption())


def public_key_pem(public_key):
    return public_key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)


def load_private_key(pem):
    key = serialization.load_pem_private_key(pem, password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError("the signing key must be an Ed25519 key")
    return key


def _b64(raw):
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _raw_public(public_key):
    return public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def thumbprint(public_key):
    """RFC 7638 JWK thumbprint (SHA-256): the key's name in ``kid`` fragments."""
    canonical = json.dumps({"crv": "Ed25519", "kty": "OKP", "x": _b64(_raw_public(public_key))},
                           separators=(",", ":"), sort_keys=True)
    return _b64(hashlib.sha256(canonical.encode("ascii")).digest())


def public_jwk(public_key, kid):
    """The public key as a JWK (never with ``d``)."""
    return {"kty": "OKP", "crv": "Ed25519", "x": _b64(_raw_public(public_key)), "kid": kid, "alg": ALGORITHM,
            "use": "sig"}


def load_public_keys(data):
    """Public keys from a JWKS, a single JWK or a PEM public key, by thumbprint.

    :raises ValueError: when ``data`` holds none of those, or a key that is not Ed25519.
    """
    text = data.decode("utf-8") if isinstance(data, bytes) else data
    if text.lstrip().startswith("{"):
        document = json.loads(text)
        jwks = document.get("keys", [document])
        keys = [_jwk_public_key(jwk) for jwk in jwks if jwk.get("kty") == "OKP"]
    else:
        key = serialization.load_pem_public_key(text.encode("utf-8"))
        if not isinstance(key, Ed25519PublicKey):
            raise ValueError("not an Ed25519 public key")
        keys = [key]
    if not keys:
        raise ValueError("no Ed25519 key found")
    return {thumbprint(key): key for key in keys}


def _jwk_public_key(jwk):
    if jwk.get("crv") != "Ed25519" or "x" not in jwk:
        raise ValueError("not an Ed25519 JWK")
    raw = base64.urlsafe_b64decode(jwk["x"] + "=" * (-len(jwk["x"]) % 4))
    return Ed25519PublicKey.from_public_bytes(raw)


# Files -----------------------------------------------------------------------------------------

def envelope(token):
    """The VC-JWT as a JSON document: a VC 2.0 EnvelopedVerifiableCredential."""
    return {"@context": VC_CONTEXT, "id": f"data:application/vc+jwt,{token}", "type": "EnvelopedVerifiableCredential"}


def read_token(text):
    """The compact JWS from a downloaded ``.jwt`` file or an enveloped ``.json`` file.

    :raises ValueError: when the file holds neither.
    """
    text = text.strip()
    if text.startswith("{"):
        document = json.loads(text)
        data_url = document.get("id", "") if isinstance(document, dict) else ""
        if not data_url.startswith("data:") or "," not in data_url:
            raise ValueError("a JSON credential file must be an EnvelopedVerifiableCredential")
        text = data_url.split(",", 1)[1]
    if text.count(".") != 2 or any(ch.isspace() for ch in text):
        raise ValueError("not a compact JWS (three base64url parts separated by dots)")
    return text
