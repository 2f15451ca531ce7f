"""Commit only when the request wrote something.

A commit expires every object the session holds, so the page drawn afterwards loads the signed-in
user (and anything else it shows) again. Pages that usually only read (a lesson seen a moment ago,
a quiz whose practice is already open) call ``commit_if_written`` instead of ``db.session.commit``:
the session notes any real flush and any INSERT, UPDATE, DELETE or textual statement it executes,
and only then commits. The read-only transaction ends when the request's session is removed.
"""
from sqlalchemy import event

from ..extensions import db

_KEY = "trainer.wrote"


def commit_if_written():
    """``db.session.commit()`` if this transaction flushed or executed a write; else nothing."""
    session = db.session()
    if session.info.get(_KEY):
        session.commit()


def _flushed(session, _context):
    session.info[_KEY] = True


def _executed(state):
    if not state.is_select:  # DML, and text() whatever it says: a write as far as we know
        state.session.info[_KEY] = True


def _ended(session, transaction):
    if transaction.parent is None:
        session.info.pop(_KEY, None)


event.listen(db.session, "after_flush", _flushed)
event.listen(db.session, "do_orm_execute", _executed)
event.listen(db.session, "after_transaction_end", _ended)
