"""The audit log of certification-relevant changes: grades, overrides, account roles, certificates,
content publication. Call ``record`` from the service that makes the change; read with ``events``."""
import enum
import json
import re
from datetime import date, datetime

from sqlalchemy import select

from ..extensions import db
from ..models import AuditEvent, User

#: The actions in use. Add yours here when you call ``record`` with a new one.
ACTIONS = {
    "account.create": "an account was created (data: roles)",
    "account.role": "an account's roles changed (data: old, new)",
    "account.active": "an account was activated or deactivated (data: active)",
    "content.publish": "a version of an item, scenario or term was published in the browser (data: version, note)",
    "content.revert": "an old version was published again (data: version, reverted_to)",
    "grade.override": "a trainer changed a grade (data: old_score, new_score, reason)",
    "grade.confirm": "a trainer kept the machine's grade of an uncertain answer or run",
    "certification.issue": "a certificate was issued (data: programme, version, expires_at)",
    "certification.revoke": "a certificate was revoked (data: reason)",
    "certification.retest": "a material change was re-tested on a valid certificate (data: programme, requirement)",
}
_ACTION = re.compile(r"^[a-z][a-z_]*\.[a-z][a-z_]*$")


def record(actor, action, target, **data):
    """Add one audit event to the caller's transaction (flushed, not committed) and return it.

    :param actor: the ``User`` who acted, or a string for who else did ("cli", "system").
    :param action: "noun.verb", e.g. "grade.override"; see ``ACTIONS``.
    :param target: what changed: a model instance (its kind is its class name in snake case,
        its key its ``key``, ``code`` or ``username`` if it has one, and its id), or a
        ``(kind, key)`` / ``(kind, key, id)`` tuple, e.g. ``("scenario", "wrong-colour")``.
    :param data: the details worth keeping, as keywords (old and new values, the reason, the
        content version). Sets, dates, enums and ``User`` objects are stored readably.

    Example, from a review service: ``audit.record(reviewer, "grade.override", answer,
    old_score=2, new_score=3, reason=reason, item=answer.item_key, version=answer.item_version)``.
    """
    if not _ACTION.match(action):
        raise ValueError(f"audit action must look like 'noun.verb', not {action!r}")
    kind, key, ident = _target(target)
    event = AuditEvent(
        actor_id=actor.id if isinstance(actor, User) else None,
        actor_name=(actor.username if isinstance(actor, User) else str(actor or "system"))[:64],
        action=action, target_kind=kind, target_key=None if key is None else str(key)[:128], target_id=ident,
        data=json.loads(json.dumps(data, default=_plain, ensure_ascii=False)),
    )
    db.session.add(event)
    db.session.flush()
    return event


def events(target=None, action=None, limit=200):
    """The newest events first, optionally of one target (instance or tuple) or action prefix ("grade.")."""
    query = select(AuditEvent).order_by(AuditEvent.id.desc()).limit(limit)
    if target is not None:
        kind, key, ident = _target(target)
        query = query.where(AuditEvent.target_kind == kind)
        query = query.where(AuditEvent.target_key == str(key)) if key is not None else query.where(AuditEvent.target_id == ident)
    if action:
        query = query.where(AuditEvent.action.startswith(action)) if action.endswith(".") else query.where(
            AuditEvent.action == action)
    return list(db.session.scalars(query))


def _target(target):
    if isinstance(target, tuple):
        return (*target, None)[:3]
    kind = re.sub(r"(?<!^)(?=[A-Z])", "_", type(target).__name__).lower()  # GradeOverride → grade_override
    key = next((getattr(target, name) for name in ("key", "code", "username") if getattr(target, name, None)), None)
    return kind, key, getattr(target, "id", None)


def _plain(value):
    if isinstance(value, (set, frozenset)):
        return sorted(value)
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, User):
        return value.username
    raise TypeError(f"cannot store {type(value).__name__} in an audit event")
