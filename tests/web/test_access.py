"""Every route × every role: who may open what (STYLE rule 5)."""
import pytest

from trainer.models import Role

ANONYMOUS = None
#: (method, url, roles allowed); {} means any signed-in person.
ROUTES = [
    ("GET", "/study/", set()),
    ("GET", "/study/lessons/", set()),
    ("GET", "/study/exam", set()),
    ("GET", "/study/scenarios", set()),
    ("GET", "/study/certification", set()),
    ("GET", "/account/password", set()),
    ("GET", "/study/certificates/", set()),
    ("GET", "/author/", {Role.TRAINER, Role.ADMIN}),
    ("GET", "/author/analysis", {Role.TRAINER, Role.ADMIN}),
    ("GET", "/author/analysis/quiz/refund-basics", {Role.TRAINER, Role.ADMIN}),
    ("GET", "/author/review", {Role.TRAINER, Role.ADMIN}),
    ("GET", "/author/review/audit", {Role.TRAINER, Role.ADMIN}),
    ("GET", "/admin/users", {Role.ADMIN}),
    ("GET", "/admin/users/new", {Role.ADMIN}),
    ("GET", "/admin/users/{other}", {Role.ADMIN}),
    ("POST", "/admin/users/{other}/active", {Role.ADMIN}),
    ("POST", "/admin/users/{other}/password", {Role.ADMIN}),
    ("GET", "/admin/cohorts/import", {Role.ADMIN}),
]
ROLES = [ANONYMOUS, *Role]


#: Routes whose objects belong to one person: tested below with another person's ids.
OWNED = {"/study/exam/<int:attempt_id>/<int:seq>", "/study/exam/<int:attempt_id>/review",
         "/study/exam/<int:attempt_id>/submit", "/study/exam/<int:attempt_id>/result"}
#: Routes that need content keys; tested in test_study.py / test_quizzes.py / test_drills.py.
BY_KEY = {"/study/lessons/<key>", "/study/lessons/<key>/studied", "/study/lessons/<key>/time",
          "/study/quizzes/<key>", "/study/quizzes/<key>/answers/<int:seq>", "/study/exam/start",
          "/study/scenarios/<key>"}
#: Role-play runs belong to one trainee: test_roleplay.py shows another trainee gets 404 on each.
RUNS = {"/study/roleplay/<int:run_id>", "/study/roleplay/<int:run_id>/hint", "/study/roleplay/<int:run_id>/end",
        "/study/roleplay/<int:run_id>/debrief"}
#: Review decisions need an answer or run awaiting review: test_review.py opens each as every role.
REVIEW = {"/author/review/answers/<int:answer_id>", "/author/review/answers/<int:answer_id>/confirm",
          "/author/review/answers/<int:answer_id>/wording", "/author/review/runs/<int:run_id>",
          "/author/review/runs/<int:run_id>/confirm"}
PUBLIC = {"/login", "/logout", "/language", "/static/<path:filename>", "/", "/healthz"}
#: Item analysis of one exam, quiz or role-play: ROUTES opens a quiz's; test_item_analysis.py the others.
BY_KEY |= {"/author/analysis/<any(exam, quiz, scenario):kind>/<key>"}
#: The question and glossary editors; test_author_items.py shows a trainee gets 403 on each keyed route.
ROUTES += [(method, url, {Role.TRAINER, Role.ADMIN}) for method, url in [
    ("GET", "/author/items"), ("GET", "/author/items/new"), ("GET", "/author/items/import"),
    ("GET", "/author/glossary"), ("GET", "/author/glossary/new"), ("GET", "/author/glossary/import")]]
BY_KEY |= {"/author/items/<key>", "/author/items/<key>/duplicate", "/author/items/<key>/discard",
           "/author/items/<key>/rebase", "/author/items/<key>/export", "/author/quizzes/<key>/export",
           "/author/glossary/<key>", "/author/glossary/<key>/duplicate", "/author/glossary/<key>/discard",
           "/author/glossary/<key>/rebase", "/author/glossary/<key>/export"}
#: Certificates: the verification page and the public key are for everyone; a certificate is seen by its
#: holder, trainers, admins and the managers of the holder's cohort (test_verify.py; another trainee below).
PUBLIC |= {"/verify/<code>", "/.well-known/jwks.json"}
CERTIFICATES = {"/study/certificates/<int:cert_id>", "/study/certificates/<int:cert_id>/credential.jwt",
                "/study/certificates/<int:cert_id>/credential.json"}

#: The scenario editor and the history of any content (test_author_scenarios.py: a trainee gets 403 on each).
ROUTES += [(method, url, {Role.TRAINER, Role.ADMIN}) for method, url in [
    ("GET", "/author/scenarios"), ("GET", "/author/scenarios/new")]]
BY_KEY |= {"/author/scenarios/import", "/author/scenarios/<key>/edit", "/author/scenarios/<key>/publish",
           "/author/scenarios/<key>/playtest", "/author/scenarios/<key>/rebase", "/author/scenarios/<key>/discard",
           "/author/scenarios/<key>/duplicate", "/author/scenarios/<key>/export",
           "/author/scenarios/<key>/export/<int:version>", "/author/playtests/<int:run_id>/keep",
           "/author/history/<any(item, scenario, term):kind>/<key>",
           "/author/history/<any(item, scenario, term):kind>/<key>/diff",
           "/author/history/<any(item, scenario, term):kind>/<key>/revert/<int:version>"}


#: The managers' pages (test_manage.py: a manager of another cohort gets 404 on a trainee's record).
ROUTES += [("GET", url, {Role.MANAGER, Role.ADMIN}) for url in
           ["/manage/", "/manage/team", "/manage/board.csv", "/manage/attempts.csv"]]
MANAGED = {"/manage/trainees/<int:user_id>"}


def test_every_registered_route_is_in_the_matrix(app):
    listed = {url.replace("{other}", "<int:user_id>") for _, url, _ in ROUTES}
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/study/") and "drill" in rule.rule or "glossary" in rule.rule:
            continue  # the drill slice lists its own routes in test_drills.py
        assert rule.rule in listed | OWNED | RUNS | BY_KEY | PUBLIC | REVIEW | CERTIFICATES | MANAGED, \
            f"{rule.rule} is in no access test"


@pytest.mark.parametrize("role", ROLES, ids=lambda r: r or "anonymous")
@pytest.mark.parametrize("method, url, allowed", ROUTES, ids=[f"{m} {u}" for m, u, _ in ROUTES])
def test_role_matrix(browser, make_user, synced, role, method, url, allowed):
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


def test_another_trainees_exam_attempt_is_invisible(browser, new_browser, make_user, synced, db):
    from trainer.models import QuizAttempt

    make_user("ann")
    make_user("bob")
    browser.login("ann")
    browser.post("/study/exam/start")
    attempt = db.session.query(QuizAttempt).filter_by(kind="exam").one()
    bob = new_browser()
    bob.login("bob")
    for rule in sorted(OWNED):
        url = rule.replace("<int:attempt_id>", str(attempt.id)).replace("<int:seq>", "0")
        response = bob.post(url) if url.endswith("/submit") else bob.get(url)
        assert response.status_code == 404, url


def test_another_trainees_certificate_is_invisible(browser, make_user, db):
    from datetime import UTC, datetime, timedelta

    from trainer.models import Certification

    ann = make_user("ann")
    make_user("bob")
    now = datetime.now(UTC)
    certification = Certification(user=ann, programme_key="presales", programme_version=1, certified_at=now,
                                  expires_at=now + timedelta(days=365), code="Zq3x7VbN2kLm8PwR4tYu", evidence={})
    db.session.add(certification)
    db.session.commit()
    browser.login("bob")
    for rule in sorted(CERTIFICATES):
        url = rule.replace("<int:cert_id>", str(certification.id))
        assert browser.get(url).status_code == 404, url
    assert browser.get("/verify/Zq3x7VbN2kLm8PwR4tYu").status_code == 200
