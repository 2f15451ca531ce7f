"""Certificates already issued: find one by its code, its status, who may see it, its signed
Open Badges 3.0 credential, revocation, and the platform's signing key (kept in the instance folder)."""
import logging
import os
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select

from ..core import credentials
from ..extensions import db
from ..models import Certification, CohortManager, Programme, Role

log = logging.getLogger(__name__)

VALID, EXPIRED, REVOKED = "valid", "expired", "revoked"
#: Codes are URL-safe random strings; anything else is not looked up (and gets the same 404).
CODE_SHAPE = re.compile(r"[A-Za-z0-9_-]{8,64}")


class CertificateError(ValueError):
    """A request about a certificate that cannot be carried out."""


@dataclass(frozen=True)
class PublicCertificate:
    """What the public verification page may show, and nothing more."""

    name: str
    programme: str
    certified_at: datetime
    expires_at: datetime
    revoked_at: datetime | None
    status: str


def find_by_code(code):
    """The certification with this verification code, or None (also for malformed codes)."""
    if not code or not CODE_SHAPE.fullmatch(code):
        return None
    return db.session.scalar(select(Certification).where(Certification.code == code))


def status(certification, now=None):
    """valid, expired or revoked (revocation wins)."""
    if certification.revoked_at is not None:
        return REVOKED
    if certification.expires_at <= (now or datetime.now(UTC)):
        return EXPIRED
    return VALID


def programme_of(certification):
    return db.session.scalar(select(Programme).where(Programme.key == certification.programme_key))


def programme_title(certification):
    programme = programme_of(certification)
    return programme.title if programme is not None else certification.programme_key


def public_view(certification, now=None):
    """The verification page's facts: name, programme, dates and status."""
    return PublicCertificate(certification.user.display_name, programme_title(certification),
                             certification.certified_at, certification.expires_at, certification.revoked_at,
                             status(certification, now))


def certificates_of(user):
    """A person's certificates, newest first."""
    return list(db.session.scalars(select(Certification).where(Certification.user_id == user.id)
                                   .order_by(Certification.certified_at.desc(), Certification.id.desc())))


def can_view(actor, certification):
    """The holder, trainers and administrators, and the managers of the holder's cohort."""
    if certification.user_id == actor.id or actor.has_role(Role.ADMIN) or actor.has_role(Role.TRAINER):
        return True
    if not actor.has_role(Role.MANAGER) or certification.user.cohort_id is None:
        return False
    return db.session.get(CohortManager, (certification.user.cohort_id, actor.id)) is not None


def visible_certificate(actor, certification_id):
    """The certification if ``actor`` may see it, else None (callers answer 404 either way)."""
    certification = db.session.get(Certification, certification_id)
    if certification is None or not can_view(actor, certification):
        return None
    return certification


def revoke(actor, certification, reason, now=None):
    """Revoke a certificate for good; the verification page says so from now on."""
    reason = (reason or "").strip()
    if not reason:
        raise CertificateError("say why the certificate is revoked")
    if certification.revoked_at is not None:
        raise CertificateError("this certificate is already revoked")
    certification.revoked_at = now or datetime.now(UTC)
    certification.revoked_reason = reason
    db.session.flush()
    log.info("%s revoked certificate %s of user %s: %s", getattr(actor, "username", actor), certification.id,
             certification.user_id, reason)
    return certification


# The signing key ------------------------------------------------------------------------------

def _key_path():
    configured = current_app.config.get("CREDENTIAL_KEY_FILE")
    return Path(configured) if configured else Path(current_app.instance_path) / "credential_key.pem"


def signing_key():
    """The platform's Ed25519 key: read from the instance folder, created there on first use."""
    key = current_app.extensions.get("trainer.credential_key")
    if key is None:
        key = _load_or_create(_key_path())
        current_app.extensions["trainer.credential_key"] = key
    return key


def _load_or_create(path):
    if path.exists():
        return credentials.load_private_key(path.read_bytes())
    path.parent.mkdir(parents=True, exist_ok=True)
    key = credentials.generate_private_key()
    draft = path.with_name(f".{path.name}.{os.getpid()}")
    with os.fdopen(os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "wb") as handle:
        handle.write(credentials.private_key_pem(key))
    try:
        os.link(draft, path)  # atomic: a second process racing here keeps the first key
    except FileExistsError:
        key = credentials.load_private_key(path.read_bytes())
    finally:
        draft.unlink()
    log.info("created the credential signing key %s", path)
    return key


def existing_public_keys():
    """The platform's public key by thumbprint, or {} when no key was created yet (never creates one)."""
    path = _key_path()
    if not path.exists():
        return {}
    public = credentials.load_private_key(path.read_bytes()).public_key()
    return {credentials.thumbprint(public): public}


def key_id(jwks_url):
    """The ``kid``: the JWKS URL with the key's thumbprint as fragment."""
    return f"{jwks_url}#{credentials.thumbprint(signing_key().public_key())}"


def jwks(jwks_url):
    """The public key set published for verifiers."""
    return {"keys": [credentials.public_jwk(signing_key().public_key(), key_id(jwks_url))]}


# The credential -------------------------------------------------------------------------------

def credential_for(certification, *, verify_url, issuer_url, jwks_url):
    """The certification as a signed OpenBadgeCredential: ``(compact JWS, credential dict)``.

    Its texts are in the platform's default language whatever the reader's, so every download
    of one certificate says the same thing.
    """
    config = current_app.config
    programme = programme_of(certification)
    definition = (programme.definition if programme is not None else None) or {}
    title = programme.title if programme is not None else certification.programme_key
    achievement_id = credentials.derived_id(issuer_url, "programme", certification.programme_key,
                                            certification.programme_version)
    with force_locale(config["BABEL_DEFAULT_LOCALE"]):
        facts = credentials.CertificateFacts(
            credential_id=verify_url,
            issuer_id=issuer_url,
            issuer_name=config.get("CREDENTIAL_ISSUER_NAME") or _("CS Trainer"),
            subject_id=credentials.derived_id(verify_url, "holder"),
            subject_name=certification.user.display_name,
            achievement_id=achievement_id,
            achievement_name=title,
            achievement_description=_text(definition, "summary") or _(
                "Certification of %(programme)s: the holder may serve customers of online shops on their own.",
                programme=title),
            criteria=_criteria(definition),
            valid_from=certification.certified_at,
            valid_until=certification.expires_at,
            evidence_url=verify_url,
            evidence_name=_("Public verification page"),
            results=tuple(result_lines(certification.evidence or {})),
            language=config["BABEL_DEFAULT_LOCALE"].replace("_Hans", "").replace("_", "-"),
        )
    credential = credentials.build_credential(facts)
    return credentials.sign_credential(credential, signing_key(), key_id(jwks_url)), credential


def _criteria(definition):
    """The programme's requirements as a Markdown list (OB 3.0 ``criteria.narrative``)."""
    lines = []
    for requirement in definition.get("requirements") or []:
        label = requirement.get("label") or requirement.get("key", "")
        if requirement.get("min_percent"):
            label = _("%(requirement)s (at least %(percent)s%%)", requirement=label, percent=requirement["min_percent"])
        lines.append(f"- {label}")
    if not lines:
        return _("Met every requirement of the programme (lessons, quizzes, exam and role-play assessments).")
    return "\n".join([_("Met every requirement of the programme:"), *lines])


def _text(definition, field):
    value = definition.get(field)
    return value.strip() if isinstance(value, str) and value.strip() else None


def result_lines(evidence):
    """The requirements the status rules saw met, as OB 3.0 results (scores where there are scores)."""
    lines = []
    for key, seen in evidence.items():
        seen = seen if isinstance(seen, dict) else {"value": seen}
        name = str(seen.get("title") or seen.get("name") or key)
        if isinstance(seen.get("percent"), int | float):
            required = seen.get("pass_percent", seen.get("required_percent"))
            lines.append(credentials.ResultLine(key, name, "Percent", _number(seen["percent"]), "100",
                                                _number(required) if required is not None else None))
        elif isinstance(seen.get("score"), int | float) and isinstance(seen.get("max_score"), int | float):
            lines.append(credentials.ResultLine(key, name, "RawScore", _number(seen["score"]),
                                                _number(seen["max_score"])))
        else:
            lines.append(credentials.ResultLine(key, name, "Status"))
    return lines


def _number(value):
    return f"{value:g}" if isinstance(value, float) else str(value)
