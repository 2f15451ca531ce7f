"""A small world for the security sweep: a victim trainee with one of every private object, and one viewer per
role who tries to reach them (routes.py says who may)."""
from datetime import timedelta

import pytest
from sqlalchemy import inspect, select

from trainer.models import Certification, RoleplayRun
from trainer.models._types import utcnow
from trainer.services import authoring
from tests.services.test_reports import answer_short, certify, manage, play, remember, study, take
from tests.services.test_review import _exam_with_short_answer

#: What only the victim, her cohort's managers, trainers and administrators may read.
VICTIM_NAME = "安妮机密"
VICTIM_ANSWER = "先说声对不住，核对订单，然后补发。暗号七四二"
VICTIM_EXAM_ANSWER = "先道歉，再核对订单，然后补发。暗号九一三"
PRIVATE = (VICTIM_NAME, VICTIM_ANSWER, VICTIM_EXAM_ANSWER)

#: The viewers, by the role under test; "manager-elsewhere" manages another cohort than the victim's.
VIEWERS = {
    "anonymous": None,
    "trainee": ("eve", ["trainee"]),
    "trainer": ("tom", ["trainer"]),
    "manager": ("boss", ["manager"]),
    "manager-elsewhere": ("mallory", ["manager"]),
    "admin": ("root", ["admin"]),
}


class World:
    """The victim ann (cohort 一班, with eve) and her objects, whose ids fill the URLs; a play-test of tina's."""

    def __init__(self, db, make_user):
        take(db, "一班")
        take(db, "二班")
        self.ann = make_user("ann", name=VICTIM_NAME, cohort="一班")
        self.users = {role: make_user(spec[0], roles=spec[1], cohort="一班" if role == "trainee" else None)
                      for role, spec in VIEWERS.items() if spec}
        manage(db, self.users["manager"], "一班")
        manage(db, self.users["manager-elsewhere"], "二班")
        earlier = utcnow() - timedelta(days=2)
        study(db, self.ann, earlier)
        remember(db, self.ann, earlier)
        self.answer = answer_short(db, self.ann, earlier, VICTIM_ANSWER, review=True)
        self.run = play(db, self.ann, earlier)
        self.run.needs_review = True
        certify(db, self.ann, earlier)
        tina = make_user("tina", roles=["trainer"])
        self.playtest = play(db, tina, earlier)
        self.playtest.mode = "playtest"
        authoring.edit(tina, "item", "rb-short")  # a draft, so that the history has something to compare
        db.session.commit()
        self.attempt, _ = _exam_with_short_answer(db, self.ann, VICTIM_EXAM_ANSWER)
        self.certificate = db.session.scalar(select(Certification).where(Certification.user_id == self.ann.id))
        assert db.session.scalar(select(RoleplayRun.id).where(RoleplayRun.mode == "playtest")) == self.playtest.id


@pytest.fixture
def world(db, synced, make_user):
    return World(db, make_user)


def snapshot(db):
    """Every row of every table, to show a refused request changed nothing (updates too, not just counts)."""
    tables = inspect(db.engine).get_table_names()
    with db.engine.connect() as connection:
        return {table: sorted(map(repr, connection.exec_driver_sql(f'SELECT * FROM "{table}"')))
                for table in tables}


def rows_of(db, user_id):
    """Every row that belongs to one person: theirs by user_id, or hanging off one of theirs (answers, turns …)."""
    tables = {table.name: table for table in db.metadata.sorted_tables}
    owned = {}
    for table in tables.values():
        if table.name == "users":
            query = table.select().where(table.c.id == user_id)
        elif "user_id" in table.c:
            query = table.select().where(table.c.user_id == user_id)
        else:
            links = [(column, fk.column.table) for column in table.c for fk in column.foreign_keys
                     if "user_id" in fk.column.table.c]
            if not links:
                continue
            column, parent = links[0]
            query = table.select().where(column.in_(parent.select().with_only_columns(parent.c.id)
                                                    .where(parent.c.user_id == user_id)))
        owned[table.name] = sorted(map(repr, db.session.execute(query)))
    return owned
