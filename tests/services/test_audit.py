"""The audit log: record() itself, and the services that already write to it."""
import copy
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from trainer.models import AuditEvent, Role
from trainer.services import accounts, audit, authoring


def test_record_keeps_actor_target_and_readable_data(db, make_user):
    admin = make_user("root", roles=["admin"])
    event = audit.record(admin, "certification.issue", ("certification", "CERT-1", 7),
                         programme="new-agent", roles={Role.TRAINER, Role.ADMIN},
                         expires_at=datetime(2027, 5, 1, tzinfo=UTC), by=admin)
    db.session.commit()
    stored = db.session.get(AuditEvent, event.id)
    assert (stored.actor_id, stored.actor_name, stored.action) == (admin.id, "root", "certification.issue")
    assert (stored.target_kind, stored.target_key, stored.target_id) == ("certification", "CERT-1", 7)
    assert stored.data == {"programme": "new-agent", "roles": ["admin", "trainer"],
                           "expires_at": "2027-05-01T00:00:00+00:00", "by": "root"}
    assert stored.at.tzinfo is not None


def test_a_model_instance_names_its_kind_key_and_id(db, make_user):
    ann = make_user("ann")
    event = audit.record("system", "account.active", ann, active=False)
    assert (event.target_kind, event.target_key, event.target_id) == ("user", "ann", ann.id)
    assert (event.actor_id, event.actor_name) == (None, "system")


def test_record_joins_the_callers_transaction(db, make_user):
    ann = make_user("ann")
    audit.record("cli", "account.active", ann, active=False)
    db.session.rollback()
    assert audit.events(ann, action="account.active") == []


@pytest.mark.parametrize("action", ["override", "Grade.Override", "grade.", "grade override", ""])
def test_an_action_must_be_noun_dot_verb(db, action):
    with pytest.raises(ValueError, match="noun.verb"):
        audit.record("cli", action, ("answer", None, 1))


def test_data_that_cannot_be_stored_is_refused(db):
    with pytest.raises(TypeError, match="cannot store object"):
        audit.record("cli", "grade.override", ("answer", None, 1), evidence=object())


def test_events_filter_by_target_and_action_prefix(db, make_user):
    ann, bob = make_user("ann"), make_user("bob")
    audit.record("cli", "grade.override", ("answer", None, 1), new_score=3)
    audit.record("cli", "grade.confirm", ("answer", None, 2))
    assert [e.action for e in audit.events(action="grade.")] == ["grade.confirm", "grade.override"]
    assert [e.target_key for e in audit.events(bob)] == ["bob"]
    assert [e.target_id for e in audit.events(("answer", None, 1))] == [1]
    assert {e.target_key for e in audit.events(action="account.create")} == {"ann", "bob"}
    assert ann.id


def test_account_creation_role_and_active_changes_are_recorded(db, make_user):
    admin = make_user("root", roles=["admin"])
    ann = make_user("ann")
    accounts.set_roles(admin, ann, ["trainee", "trainer"])
    accounts.set_roles(admin, ann, ["trainer", "trainee"])  # no change, no event
    accounts.set_active(admin, ann, False)
    accounts.set_active(admin, ann, False)
    db.session.commit()
    events = audit.events(ann)
    assert [e.action for e in events] == ["account.active", "account.role", "account.create"]
    active, role, created = events
    assert (active.actor_name, active.data) == ("root", {"active": False})
    assert role.data == {"old": ["trainee"], "new": ["trainee", "trainer"]} and role.actor_id == admin.id
    assert (created.actor_name, created.data) == ("test", {"roles": ["trainee"]})


def test_publishing_and_reverting_content_is_recorded(db, make_user, synced):
    tess = make_user("tess", roles=["trainer"])
    data = copy.deepcopy(authoring.edit(tess, "item", "rb-true").data)
    data["explanation"] = "先安抚，再解释。"
    authoring.save_draft(tess, "item", "rb-true", data)
    row = authoring.publish(tess, "item", "rb-true", note="softer")
    authoring.revert(tess, "item", "rb-true", 1)
    db.session.commit()
    reverted, published = audit.events(("item", "rb-true"))
    assert (published.action, published.actor_id, published.target_id) == ("content.publish", tess.id, row.id)
    assert published.data == {"version": 2, "note": "softer"}
    assert reverted.action == "content.revert"
    assert reverted.data == {"version": 3, "note": "revert to version 1", "reverted_to": 1}


def test_a_refused_publication_leaves_no_event(db, make_user, synced):
    tess = make_user("tess", roles=["trainer"])
    with pytest.raises(authoring.AuthoringError):
        authoring.publish(tess, "item", "rb-true")  # no draft
    assert db.session.scalars(select(AuditEvent).where(AuditEvent.action.startswith("content."))).all() == []
