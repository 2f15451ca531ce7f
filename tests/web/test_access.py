"""Every route × every role: who may open what (STYLE rule 5)."""
import pytest

from trainer.models import Role

ANONYMOUS = None
#: (method, url, roles allowed); {} means any signed-in person.
ROUTES = [
    ("GET", "/study/", set()),
    ("GET", "/study/lessons/", set()),
    ("GET", "/account/password", set()),
    ("GET", "/admin/users", {Role.ADMIN}),
    ("GET", "/admin/users/new", {Role.ADMIN}),
    ("GET", "/admin/users/{other}", {Role.ADMIN}),
    ("POST", "/admin/users/{other}/active", {Role.ADMIN}),
    ("POST", "/admin/users/{other}/password", {Role.ADMIN}),
    ("GET", "/admin/cohorts/import", {Role.ADMIN}),
]
ROLES = [ANONYMOUS, *Role]


def test_every_registered_route_is_in_the_matrix(app):
    known = {url.split("{")[0].rstrip("/") for _, url, _ in ROUTES}
    public = {"/login", "/logout", "/language", "/static", "", "/study/lessons"}
    for rule in app.url_map.iter_rules():
        path = rule.rule.split("<")[0].rstrip("/")
        assert path in known or path in public or any(path.startswith(k) for k in known if k), rule.rule


@pytest.mark.parametrize("role", ROLES, ids=lambda r: r or "anonymous")
@pytest.mark.parametrize("method, url, allowed", ROUTES, ids=[f"{m} {u}" for m, u, _ in ROUTES])
def test_role_matrix(browser, make_user, role, method, url, allowed):
    other = make_user("other")
    if role is not None:
        make_user("me", roles=[role])
        browser.login("me")
    url = url.format(other=other.id)
    response = browser.get(url) if method == "GET" else browser.post(url)
    if role is None:
        assert response.status_code == 302 and "/login" in response.location
    elif allowed and role not in allowed:
        assert response.status_code == 403
    else:
        assert response.status_code in (200, 302)
        assert "/login" not in (response.location or "")


def test_unknown_object_is_404_for_an_admin(browser, make_user):
    make_user("root", roles=["admin"])
    browser.login("root")
    assert browser.get("/admin/users/999999").status_code == 404
