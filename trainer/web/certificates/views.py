import json

import segno
from flask import abort, render_template
from flask_login import current_user
from markupsafe import Markup

from ...core import credentials
from ...services import certificates
from ..verify import public_url
from . import bp


def _certificate_or_404(cert_id):
    certification = certificates.visible_certificate(current_user, cert_id)
    if certification is None:
        abort(404)
    return certification


def qr_svg(url):
    """The URL as an inline SVG QR code (error correction M, the standard 4-module quiet zone)."""
    code = segno.make_qr(url, error="m")
    svg = code.svg_inline(scale=1, border=4, omitsize=True, svgclass="cert-qr-code", lineclass=None, dark="#111")
    return Markup(svg)  # nosec B704  # segno's drawing of our own URL, no user text


@bp.route("/")
def list_certificates():
    """My certificates."""
    mine = certificates.certificates_of(current_user)
    return render_template("certificates/list_certificates.html", rows=[
        (certification, certificates.programme_title(certification), certificates.status(certification))
        for certification in mine])


@bp.route("/<int:cert_id>")
def show_certificate(cert_id):
    """The certificate, ready to print on A4, with the QR code of its public verification page."""
    certification = _certificate_or_404(cert_id)
    verify_url = public_url("verify.verify_certificate", code=certification.code)
    return render_template("certificates/show_certificate.html", certification=certification,
                           programme=certificates.programme_title(certification),
                           status=certificates.status(certification), verify_url=verify_url,
                           qr=qr_svg(verify_url), own=certification.user_id == current_user.id)


def _signed(cert_id):
    certification = _certificate_or_404(cert_id)
    if certification.revoked_at is not None:
        abort(404)  # a revoked certificate is not handed out again
    token, _credential = certificates.credential_for(
        certification, verify_url=public_url("verify.verify_certificate", code=certification.code),
        issuer_url=public_url("index"), jwks_url=public_url("verify.public_keys"))
    return certification, token


def _download(body, mimetype, certification, extension):
    name = f"certificate-{certification.programme_key}-{certification.certified_at:%Y%m%d}.{extension}"
    return body, 200, {"Content-Type": mimetype, "Content-Disposition": f'attachment; filename="{name}"',
                       "Cache-Control": "no-store"}


@bp.route("/<int:cert_id>/credential.jwt")
def download_credential_jwt(cert_id):
    """The Open Badges 3.0 credential as a VC-JWT (compact JWS) file."""
    certification, token = _signed(cert_id)
    return _download(token + "\n", "application/jwt", certification, "jwt")


@bp.route("/<int:cert_id>/credential.json")
def download_credential_json(cert_id):
    """The same credential as JSON (a VC 2.0 EnvelopedVerifiableCredential around the VC-JWT)."""
    certification, token = _signed(cert_id)
    body = json.dumps(credentials.envelope(token), indent=2) + "\n"
    return _download(body, "application/json", certification, "json")
