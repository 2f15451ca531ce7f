"""``commit_if_written``: a transaction that only read is left alone (its objects stay loaded);
one that flushed or ran a write statement is committed."""
from sqlalchemy import create_engine, inspect, select, text, update

from trainer.models import User
from trainer.web.commits import commit_if_written


def _name_elsewhere(app, user_id):
    """The display name as another connection sees it (what is committed)."""
    engine = create_engine(app.extensions["sqlalchemy"].engine.url)
    with engine.connect() as connection:
        name = connection.execute(text("SELECT display_name FROM users WHERE id = :id"), {"id": user_id}).scalar()
    engine.dispose()
    return name


def test_a_read_only_transaction_is_not_committed(app, db, make_user):
    user_id = make_user("ann").id
    db.session.remove()
    user = db.session.scalar(select(User).where(User.id == user_id))
    commit_if_written()
    assert not inspect(user).expired_attributes and db.session().in_transaction()


def test_a_flushed_change_is_committed(app, db, make_user):
    user = make_user("ann")
    user_id, user.display_name = user.id, "安妮"
    db.session.flush()
    commit_if_written()
    assert not db.session().in_transaction() and _name_elsewhere(app, user_id) == "安妮"


def test_a_write_statement_is_committed(app, db, make_user):
    user_id = make_user("ann").id
    db.session.execute(update(User).where(User.id == user_id).values(display_name="安妮"))
    commit_if_written()
    assert _name_elsewhere(app, user_id) == "安妮"


def test_the_next_transaction_starts_unwritten(app, db, make_user):
    user = make_user("ann")
    user.display_name = "安妮"
    db.session.commit()
    db.session.scalar(select(User.id))
    commit_if_written()
    assert db.session().in_transaction()  # the read after the commit was not committed


def test_a_connection_lost_while_ending_a_request_does_not_fail_it(browser, make_user, monkeypatch):
    """The database dropped the connection after the page was made: the rollback at the end fails, the page stands."""
    from sqlalchemy.exc import OperationalError
    from sqlalchemy.orm import Session

    make_user("ann")
    browser.login("ann")
    close, failed = Session.close, []

    def dropped(session):
        if not failed:
            failed.append(True)
            raise OperationalError("ROLLBACK", {}, Exception("terminating connection due to administrator command"))
        return close(session)

    monkeypatch.setattr(Session, "close", dropped)
    response = browser.get("/study/lessons/")
    assert failed and response.status_code == 200
    monkeypatch.undo()
    assert browser.get("/study/lessons/").status_code == 200
