"""Accounts: creating people, passwords, roles, and sign-in sessions."""
import hashlib
import logging
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import joinedload

from ..core.roster import check_roster, problem
from ..core.errors import RosterInvalid
from ..extensions import db
from ..models import AuthSession, Cohort, Role, User, UserRole
from ..models._types import utcnow
from . import audit

log = logging.getLogger(__name__)
# Letters and digits that cannot be mistaken for each other when read aloud or copied.
_TEMP_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"


class AccountError(ValueError):
    """A request about accounts that cannot be carried out (message is for the person)."""


def _hasher():
    config = current_app.config
    hasher = current_app.extensions.get("trainer.hasher")
    if hasher is None:
        hasher = PasswordHasher(
            time_cost=config["ARGON2_TIME_COST"],
            memory_cost=config["ARGON2_MEMORY_COST"],
            parallelism=config["ARGON2_PARALLELISM"],
        )
        current_app.extensions["trainer.hasher"] = hasher
    return hasher


def hash_password(password):
    return _hasher().hash(password)


def temporary_password():
    return "".join(secrets.choice(_TEMP_ALPHABET) for _ in range(10))


def get_or_create_cohort(name):
    cohort = db.session.scalar(select(Cohort).where(Cohort.name == name))
    if cohort is None:
        cohort = Cohort(name=name)
        db.session.add(cohort)
        db.session.flush()
    return cohort


def create_user(actor, username, display_name, password, roles, email=None, cohort=None, must_change_password=False):
    """Create an account; raise ``AccountError`` if the username is taken."""
    username = username.strip().lower()
    if db.session.scalar(select(User.id).where(User.username == username)):
        raise AccountError(f"username '{username}' is already taken")
    user = User(
        username=username, display_name=display_name.strip(), email=email or None,
        password_hash=hash_password(password), cohort=cohort,
        must_change_password=must_change_password,
        role_rows=[UserRole(role=Role(role).value) for role in set(roles)],
    )
    db.session.add(user)
    db.session.flush()
    audit.record(actor, "account.create", user, roles=user.roles)
    log.info("account created: %s by %s", username, getattr(actor, "username", actor))
    return user


def authenticate(username, password):
    """The active user with these credentials, or None. Costs the same time either way."""
    user = db.session.scalar(select(User).where(User.username == username.strip().lower()))
    hasher = _hasher()
    if user is None:
        _burn_time(hasher, password)
        return None
    try:
        hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return None
    if not user.active:
        return None
    if hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hasher.hash(password)
    return user


def _burn_time(hasher, password):
    dummy = current_app.extensions.setdefault("trainer.dummy_hash", hasher.hash("not a real password"))
    try:
        hasher.verify(dummy, password)
    except VerificationError:
        pass


def _token_hash(token):
    return hashlib.sha256(token.encode()).hexdigest()


def start_session(user):
    """Record a new signed-in browser for ``user``; the token goes into its cookie."""
    token = secrets.token_urlsafe(32)
    db.session.add(AuthSession(token_hash=_token_hash(token), user_id=user.id))
    db.session.flush()
    user.session_token = token
    return token


#: Built once (every request runs it): the live session's active user, with their roles.
_SESSION_USER = (select(User).join(AuthSession, AuthSession.user_id == User.id)
                 .where(AuthSession.token_hash == bindparam("token_hash"), AuthSession.ended_at.is_(None),
                        User.active.is_(True), AuthSession.created_at > bindparam("oldest"))
                 .options(joinedload(User.role_rows)))


def load_session(token):
    """The user of a live session token, or None if it was ended or the user deactivated.

    Every request asks, so it is one statement: the session, its user and their roles together."""
    if not token:
        return None
    user = db.session.scalars(_SESSION_USER, {"token_hash": _token_hash(token),
                                              "oldest": _oldest_live_session()}).unique().first()
    if user is not None:
        user.session_token = token
    return user


def _oldest_live_session():
    """Sessions end PERMANENT_SESSION_LIFETIME after sign-in, however often the cookie was signed again since."""
    return utcnow() - current_app.permanent_session_lifetime


def end_session(token):
    db.session.execute(
        update(AuthSession)
        .where(AuthSession.token_hash == _token_hash(token), AuthSession.ended_at.is_(None))
        .values(ended_at=utcnow())
    )


def end_all_sessions(user, keep_token=None):
    """End every session of ``user`` (but ``keep_token``'s, when they changed their own password)."""
    query = update(AuthSession).where(AuthSession.user_id == user.id, AuthSession.ended_at.is_(None))
    if keep_token:
        query = query.where(AuthSession.token_hash != _token_hash(keep_token))
    db.session.execute(query.values(ended_at=utcnow()))


def change_own_password(user, current, new):
    """A person changes their password; their other browsers are signed out."""
    try:
        _hasher().verify(user.password_hash, current)
    except (VerificationError, InvalidHashError):
        raise AccountError("current password is wrong") from None
    user.password_hash = hash_password(new)
    user.must_change_password = False
    end_all_sessions(user, keep_token=user.session_token)
    db.session.flush()


def reset_password(actor, user):
    """An admin sets a temporary password; every session of the user ends."""
    password = temporary_password()
    user.password_hash = hash_password(password)
    user.must_change_password = True
    end_all_sessions(user)
    db.session.flush()
    log.info("password reset: %s by %s", user.username, actor.username)
    return password


def set_active(actor, user, active):
    if user.id == actor.id and not active:
        raise AccountError("you cannot deactivate your own account")
    if user.active != active:
        audit.record(actor, "account.active", user, active=active)
    user.active = active
    if not active:
        end_all_sessions(user)
    db.session.flush()
    log.info("account %s: %s by %s", "activated" if active else "deactivated", user.username, actor.username)


def set_roles(actor, user, roles):
    roles = {Role(role) for role in roles}
    if user.id == actor.id and Role.ADMIN not in roles:
        raise AccountError("you cannot remove your own admin role")
    if roles != user.roles:
        audit.record(actor, "account.role", user, old=user.roles, new=roles)
    user.role_rows = [UserRole(role=role.value) for role in sorted(roles)]
    db.session.flush()
    log.info("roles of %s set to %s by %s", user.username, sorted(roles), actor.username)


def import_roster(actor, data):
    """Create trainee accounts from a cohort file: all rows or none.

    Returns ``[(user, temporary password)]``; raises ``RosterInvalid`` with per-row errors.
    """
    rows, errors = check_roster(data)
    taken = set(db.session.scalars(select(User.username).where(User.username.in_([r.username for r in rows]))))
    for row in rows:
        if row.username in taken:
            errors[row.line] = [problem("username_taken", username=row.username)]
    if errors:
        raise RosterInvalid(errors)
    created = []
    for row in rows:
        password = temporary_password()
        user = create_user(
            actor, row.username, row.name, password, [Role.TRAINEE], email=row.email,
            cohort=get_or_create_cohort(row.cohort), must_change_password=True,
        )
        created.append((user, password))
    return created
