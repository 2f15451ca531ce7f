"""Who may use each route, and how to fill its URL with the victim's objects: the one table the access matrix
(test_access_matrix.py) and the CSRF sweep (test_csrf.py) read. A route missing here fails both."""
from dataclasses import dataclass

from trainer.models import Role

PUBLIC = "public"
SIGNED_IN = frozenset()
AUTHORS = frozenset({Role.TRAINER, Role.ADMIN})
MANAGERS = frozenset({Role.MANAGER, Role.ADMIN})
ADMINS = frozenset({Role.ADMIN})

#: Object rules: who, among those the audience lets in, may reach the object named in the URL.
OWNER = "owner"              # the person it belongs to only (another trainee, even an admin, gets 404)
CERTIFICATE = "certificate"  # its holder, trainers, administrators and the managers of the holder's cohort
MANAGED = "managed"          # the managers of the trainee's cohort and administrators


@dataclass(frozen=True)
class Access:
    audience: object          # PUBLIC, SIGNED_IN, or the roles of which one is needed (403 otherwise)
    objects: str | None = None


ACCESS = {
    "index": Access(PUBLIC), "static": Access(PUBLIC), "health.healthz": Access(PUBLIC),
    "verify.verify_certificate": Access(PUBLIC), "verify.public_keys": Access(PUBLIC),
    "auth.login": Access(PUBLIC), "auth.logout": Access(PUBLIC), "auth.set_language": Access(PUBLIC),
    "auth.change_password": Access(SIGNED_IN),
    **{f"admin.{name}": Access(ADMINS) for name in
       ("users", "user", "create_user", "set_active", "reset_password", "import_cohort")},
    **{f"manage.{name}": Access(MANAGERS) for name in ("board", "team_view", "board_csv", "attempts_csv")},
    "manage.trainee": Access(MANAGERS, MANAGED),
    **{f"study.{name}": Access(SIGNED_IN) for name in
       ("home", "lessons", "lesson", "mark_studied", "record_time", "quiz", "quiz_feedback", "exam", "start_exam",
        "scenarios", "scenario", "certification", "glossary", "drill", "drill_card", "answer_card", "rate_card")},
    **{f"study.{name}": Access(SIGNED_IN, OWNER) for name in
       ("exam_item", "exam_review", "submit_exam", "exam_result", "chat", "chat_hint", "chat_end", "debrief")},
    "certificates.list_certificates": Access(SIGNED_IN),
    **{f"certificates.{name}": Access(SIGNED_IN, CERTIFICATE) for name in
       ("show_certificate", "download_credential_jwt", "download_credential_json")},
    **{f"author.{name}": Access(AUTHORS) for name in
       ("home", "analysis", "analysis_detail", "terms", "edit_term", "discard_term", "duplicate_term", "export_term",
        "rebase_term", "import_terms", "new_term", "history", "history_diff", "history_revert", "items", "edit_item",
        "discard_item", "duplicate_item", "export_item", "rebase_item", "import_items", "new_item", "export_quiz",
        "review_queue", "review_answers", "confirm_answers", "accept_wording", "review_audit", "review_run",
        "confirm_run", "scenarios", "discard_scenario", "duplicate_scenario", "edit_scenario", "export_scenario",
        "playtest_scenario", "publish_scenario", "rebase_scenario", "import_scenario", "new_scenario")},
    "author.keep_playtest": Access(AUTHORS, OWNER),  # the trainer who play-tested (tina, not a viewer)
}

#: Content keys of the test content tree, by endpoint prefix.
KEYS = {"study.lesson": "refund-basics", "study.mark_studied": "refund-basics", "study.record_time": "refund-basics",
        "study.quiz": "refund-basics", "study.quiz_feedback": "refund-basics", "study.scenario": "test-wrong-item",
        "study.answer_card": "soothe", "study.rate_card": "soothe", "author.analysis_detail": "refund-basics",
        "author.export_quiz": "refund-basics"}
KINDS = {"author.analysis_detail": "quiz"}


def _key(endpoint):
    if endpoint in KEYS:
        return KEYS[endpoint]
    if endpoint.endswith("_term"):
        return "soothe"
    if endpoint.endswith("_item") or endpoint.startswith("author.history"):
        return "rb-short"
    if "scenario" in endpoint:
        return "test-wrong-item"
    return None


def fill(rule, world):
    """The rule's URL with the victim's objects in it, or None if some variable has no value here."""
    values = {"attempt_id": world.attempt.id, "run_id": world.run.id, "cert_id": world.certificate.id,
              "answer_id": world.answer.id, "user_id": world.ann.id, "seq": 0, "version": 1,
              "code": world.certificate.code, "filename": "css/app.css", "key": _key(rule.endpoint),
              "kind": KINDS.get(rule.endpoint, "item")}
    if rule.endpoint == "author.keep_playtest":
        values["run_id"] = world.playtest.id
    url = rule.rule
    for name in rule.arguments:
        if values.get(name) is None:
            return None
        url = url.replace(f"<{_converter(rule, name)}{name}>", str(values[name]))
    return url


def _converter(rule, name):
    """The ``int:``/``path:``/``any(...):`` part in front of a variable in the rule's text."""
    start = rule.rule.index(f"{name}>")
    opening = rule.rule.rindex("<", 0, start)
    return rule.rule[opening + 1:start]


def state_changing(rule):
    return bool(rule.methods & {"POST", "PUT", "PATCH", "DELETE"})


def roles_of(viewer):
    """The viewer name (conftest.VIEWERS) → the role it holds."""
    return {"trainee": Role.TRAINEE, "trainer": Role.TRAINER, "manager": Role.MANAGER,
            "manager-elsewhere": Role.MANAGER, "admin": Role.ADMIN}.get(viewer)


def expected(access, viewer):
    """'ok', 'login', 403 or 404 for ``viewer`` (a conftest.VIEWERS name) on the victim's objects."""
    if access.audience == PUBLIC:
        return "ok"
    if viewer == "anonymous":
        return "login"
    if access.audience and roles_of(viewer) not in access.audience:
        return 403
    if access.objects == OWNER:
        return 404
    if access.objects == CERTIFICATE:
        return "ok" if viewer in ("trainer", "admin", "manager") else 404
    if access.objects == MANAGED:
        return "ok" if viewer in ("admin", "manager") else 404
    return "ok"


#: Viewers entitled to read the victim's name and answers somewhere (her cohort's manager, trainers, admins).
ENTITLED = {"trainer", "manager", "admin"}
#: The public verification page names the holder: that is what it is for.
NAMES_THE_HOLDER = {"verify.verify_certificate"}
