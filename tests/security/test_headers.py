"""Security headers on every kind of response, cookies behind TLS, and templates that need no inline script
(so the CSP can forbid it)."""
import re
import runpy
from pathlib import Path

import pytest

from tests.conftest import CONTENT_DIR, TOKEN

TEMPLATES = Path(__file__).resolve().parents[2] / "trainer" / "web" / "templates"


def directives(policy):
    return {part.split()[0]: part.split()[1:] for part in policy.split(";") if part.strip()}


def assert_protected(response):
    policy = directives(response.headers["Content-Security-Policy"])
    script = policy.get("script-src", policy.get("default-src"))
    assert script and not {"'unsafe-inline'", "'unsafe-eval'", "*", "data:"} & set(script), script
    assert policy["frame-ancestors"] == ["'none'"] and policy["object-src"] == ["'none'"]
    assert "'unsafe-inline'" not in policy.get("style-src", policy["default-src"])
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] in ("same-origin", "no-referrer", "strict-origin-when-cross-origin")


@pytest.fixture
def pages(browser, make_user, synced, db):
    """One response of each kind: an HTML page, a static file, JSON, CSV, an error page, the verification page."""
    from datetime import UTC, datetime, timedelta

    from trainer.models import Certification

    ann = make_user("ann")
    make_user("root", roles=["admin"])
    now = datetime.now(UTC)
    db.session.add(Certification(user=ann, programme_key="presales", programme_version=1, certified_at=now,
                                 expires_at=now + timedelta(days=365), code="Zq3x7VbN2kLm8PwR4tYu", evidence={}))
    db.session.commit()
    anonymous = {url: browser.get(url, buffered=True) for url in ["/login", "/static/css/app.css", "/static/js/app.js", "/healthz",
                                                   "/.well-known/jwks.json", "/no-such-page",
                                                   "/verify/Zq3x7VbN2kLm8PwR4tYu"]}
    browser.login("root")
    signed_in = {url: browser.get(url, buffered=True) for url in ["/study/", "/manage/board.csv", "/admin/users/999999"]}
    signed_in["POST /login (CSRF refused)"] = browser.post("/login", csrf=False)
    return {**anonymous, **signed_in}


def test_every_kind_of_response_carries_the_headers(pages):
    for url, response in pages.items():
        assert response.status_code != 500, url
        assert_protected(response)
    assert pages["/no-such-page"].status_code == 404 and pages["POST /login (CSRF refused)"].status_code == 400
    assert pages["/.well-known/jwks.json"].is_json and pages["/static/css/app.css"].mimetype == "text/css"


def test_no_strict_transport_security_over_plain_http(pages):
    assert all("Strict-Transport-Security" not in response.headers for response in pages.values())


def test_sign_in_pages_are_not_cached(pages):
    assert pages["/login"].headers["Cache-Control"] == "no-store"


# --- behind TLS: the production entry point with TRAINER_PROXY_HOPS and TRAINER_SESSION_COOKIE_SECURE -----------

@pytest.fixture
def production(tmp_path, monkeypatch):
    for name, value in {"TRAINER_SECRET_KEY": "test-secret", "TRAINER_PROXY_HOPS": "1",
                        "TRAINER_SESSION_COOKIE_SECURE": "true", "TRAINER_INSTANCE_PATH": str(tmp_path),
                        "TRAINER_DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite'}",
                        "TRAINER_CONTENT_DIR": str(CONTENT_DIR), "TRAINER_RATELIMIT_ENABLED": "false",
                        "TRAINER_ARGON2_TIME_COST": "1", "TRAINER_ARGON2_MEMORY_COST": "8192"}.items():
        monkeypatch.setenv(name, value)
    app = runpy.run_module("trainer.wsgi")["app"]
    from trainer.extensions import db
    from trainer.services import accounts

    with app.app_context():
        db.create_all()
        accounts.create_user("test", "ann", "Ann", "correct horse 42", ["trainee"])
        db.session.commit()
    yield app
    with app.app_context():
        db.engine.dispose()


HTTPS = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "10.1.2.3"}


def _cookies(response):
    return response.headers.getlist("Set-Cookie")


def test_behind_tls_cookies_are_secure_httponly_samesite_and_hsts_is_sent(production):
    client = production.test_client()
    page = client.get("/login", headers=HTTPS)
    token = TOKEN.search(page.get_data(as_text=True)).group(1)
    # over https Flask-WTF also wants a same-origin Referer, which the Referrer-Policy lets the browser send
    signed_in = client.post("/login", headers={**HTTPS, "Referer": "https://localhost/login"},
                            data={"username": "ann", "password": "correct horse 42", "csrf_token": token})
    assert signed_in.status_code == 302 and signed_in.location.endswith("/study/")
    for response in (page, signed_in):
        assert _cookies(response)
        for cookie in _cookies(response):
            attributes = {part.strip().split("=")[0].lower() for part in cookie.split(";")}
            assert {"secure", "httponly", "samesite"} <= attributes, cookie
            assert re.search(r"SameSite=(Lax|Strict)", cookie), cookie
        assert response.headers["Strict-Transport-Security"].startswith("max-age=")
        assert int(re.search(r"max-age=(\d+)", response.headers["Strict-Transport-Security"]).group(1)) >= 180 * 86400
        assert_protected(response)


def test_a_forwarded_scheme_from_plain_http_gets_no_hsts(production):
    response = production.test_client().get("/login")
    assert "Strict-Transport-Security" not in response.headers


# --- templates ----------------------------------------------------------------------------------------------

INLINE = [
    (re.compile(r"<script\b(?![^>]*\bsrc=)", re.I), "a <script> without src"),
    (re.compile(r"<[a-z][^>]*\son[a-z]+\s*=", re.I), "an inline event handler (onclick= …)"),
    (re.compile(r"javascript:", re.I), "a javascript: URL"),
    (re.compile(r"<style\b|<[a-z][^>]*\sstyle\s*=", re.I), "an inline style (the CSP's style-src forbids it)"),
]


def test_no_template_has_inline_script_handlers_or_styles():
    found = [f"{path.relative_to(TEMPLATES)}: {why}" for path in sorted(TEMPLATES.rglob("*.html"))
             for pattern, why in INLINE if pattern.search(path.read_text(encoding="utf-8"))]
    assert not found, "\n".join(found)
    assert len(list(TEMPLATES.rglob("*.html"))) > 20  # the templates really were read


@pytest.mark.parametrize("sample", ['<script>alert(1)</script>', '<button onclick="go()">', '<a href="javascript:x">',
                                    '<p style="color:red">'])
def test_the_template_check_recognises_inline_code(sample):
    assert any(pattern.search(sample) for pattern, _ in INLINE)
