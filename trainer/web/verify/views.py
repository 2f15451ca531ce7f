from flask import abort, current_app, jsonify, make_response, render_template, url_for

from ...extensions import limiter
from ...services import certificates
from . import bp


def _verify_limit():
    return current_app.config.get("VERIFY_RATE_LIMIT", "30 per minute;300 per hour")


def public_url(endpoint, **values):
    """An absolute URL for printing and signing: ``PUBLIC_URL`` when set, else the request's host."""
    base = current_app.config.get("PUBLIC_URL")
    if base:
        return base.rstrip("/") + url_for(endpoint, **values)
    return url_for(endpoint, _external=True, **values)


@bp.route("/verify/<code>")
@limiter.limit(_verify_limit)
def verify_certificate(code):
    """Check a certificate: name, programme, dates and whether it still holds; unknown codes are 404."""
    certification = certificates.find_by_code(code)
    if certification is None:
        abort(404)
    response = make_response(render_template(
        "verify/verify_certificate.html", certificate=certificates.public_view(certification)))
    # A revocation must show at once, and a person's name has no business in search engines.
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    return response


@bp.route("/.well-known/jwks.json")
def public_keys():
    """The platform's public signing key (JWKS): what verifies a downloaded credential offline."""
    response = jsonify(certificates.jwks(public_url("verify.public_keys")))
    response.headers["Cache-Control"] = "public, max-age=3600"
    return response
