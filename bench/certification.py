"""How long the certification status of every trainee takes: the status board's budget is 500 ms
for 10,000 trainees.

Builds a SQLite file database with the shipped content and 10,000 trainees in 20 cohorts, each
with a realistic spread of results (lessons read, practice answers, exam sittings, role-play
runs, glossary cards; some certified), then times ``services.certification.statuses`` for all of
them — the queries, the rules and the rows the board pages, sorts and filters — and counts the
SQL statements.

Not a test: timings depend on the machine.

    .venv/bin/python bench/certification.py [trainees]
"""
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import event, insert, select

from trainer import create_app
from trainer.core.content import load_content
from trainer.extensions import db

ROOT = Path(__file__).resolve().parents[1]
SEED = 20261123
NOW = datetime(2026, 11, 23, 6, tzinfo=UTC)


def build(count, rng):
    """Bulk-insert trainees and their results (the services would take hours to play all of this)."""
    from trainer.models import (Answer, CardState, Certification, Cohort, CohortProgramme, GlossaryTerm, Lesson,
                                LessonProgress, Quiz, QuizAttempt, QuizResult, RoleplayRun, User, UserRole)
    from trainer.services.catalog import sync_content

    sync_content(load_content(ROOT / "content", calibrate_items=False))
    cohorts = [Cohort(name=f"批次{n:02d}") for n in range(20)]
    db.session.add_all(cohorts)
    db.session.flush()
    for n, cohort in enumerate(cohorts):
        for key in ("pre-sales", "after-sales"):
            db.session.add(CohortProgramme(cohort_id=cohort.id, programme_key=key, due_on=(NOW + timedelta(days=60 - 6 * n)).date()))
    lessons = list(db.session.execute(select(Lesson.id, Lesson.key)))
    quizzes = list(db.session.scalars(select(Quiz.key)))
    terms = list(db.session.scalars(select(GlossaryTerm.key)))
    scenarios = ["wrong-shipment", "delayed-parcel", "refund-outside-policy", "bad-review-threat", "birthday-dress",
                 "off-platform-payment"]
    users = [{"id": i + 1, "username": f"t{i:05d}", "display_name": f"学员{i}", "password_hash": "x",
              "cohort_id": cohorts[i % 20].id, "active": True, "must_change_password": False, "created_at": NOW}
             for i in range(count)]
    db.session.execute(insert(User), users)
    db.session.execute(insert(UserRole), [{"user_id": u["id"], "role": "trainee"} for u in users])
    progress, attempts, answers, results, runs, cards, certs = [], [], [], [], [], [], []
    attempt_id = 0
    for user in users:
        uid, keen = user["id"], rng.random()
        start = NOW - timedelta(days=rng.randint(5, 400))
        for lesson_id, _ in lessons:
            if rng.random() < keen + 0.2:
                progress.append({"user_id": uid, "lesson_id": lesson_id, "first_opened_at": start, "last_opened_at": start,
                                 "studied_at": start + timedelta(days=1), "seconds_spent": 600})
        for key in rng.sample(quizzes, int(len(quizzes) * keen)):
            attempt_id += 1
            attempts.append({"id": attempt_id, "user_id": uid, "quiz_key": key, "kind": "practice", "quiz_version": 1,
                             "status": "open", "number": 1, "item_keys": [], "seed": 1, "started_at": start,
                             "mastered_at": start})
            for seq in range(rng.randint(3, 12)):
                right = rng.random() < 0.8
                answers.append({"attempt_id": attempt_id, "seq": seq, "item_key": key, "item_version": 1, "response": 0,
                                "score": float(right), "max_score": 1.0, "correct": right, "needs_review": False,
                                "result": {}, "answered_at": start + timedelta(minutes=seq)})
        if keen > 0.5:
            attempt_id += 1
            attempts.append({"id": attempt_id, "user_id": uid, "quiz_key": "final-exam", "kind": "exam", "quiz_version": 1,
                             "status": "submitted", "number": 1, "item_keys": [], "seed": 1, "started_at": start})
            percent = rng.uniform(55, 100)
            results.append({"attempt_id": attempt_id, "user_id": uid, "quiz_key": "final-exam", "score": percent,
                            "max_score": 100.0, "percent": percent, "passed": percent >= 80, "needs_review": False,
                            "submitted_at": start + timedelta(days=2), "submitted_by": "trainee"})
        for key in rng.sample(scenarios, int(len(scenarios) * keen)):
            passed = rng.random() < 0.8
            runs.append({"user_id": uid, "scenario_key": key, "scenario_version": 1, "mode": "assessment",
                         "status": "finished", "state": {}, "customer_at": start, "hints": 0, "started_at": start,
                         "finished_at": start + timedelta(days=3), "score": 85.0 if passed else 60.0, "passed": passed,
                         "needs_review": rng.random() < 0.05})
        for key in rng.sample(terms, int(len(terms) * keen)):
            last = NOW - timedelta(days=rng.randint(0, 60))
            card = {"card_id": 1, "state": 2, "step": None, "stability": rng.uniform(1, 60), "difficulty": 5.0,
                    "due": last.isoformat(), "last_review": last.isoformat()}
            cards.append({"user_id": uid, "term_key": key, "card": card, "due": last, "reps": 3, "lapses": 0,
                          "last_review": last, "created_at": last})
        if keen > 0.9:
            certs.append({"user_id": uid, "programme_key": "pre-sales", "programme_version": 1, "certified_at": start,
                          "expires_at": start + timedelta(days=365), "code": f"code{uid}", "evidence": {}})
    for model, rows in ((LessonProgress, progress), (QuizAttempt, attempts), (Answer, answers), (QuizResult, results),
                        (RoleplayRun, runs), (CardState, cards), (Certification, certs)):
        for start in range(0, len(rows), 20000):
            db.session.execute(insert(model), rows[start:start + 20000])
    db.session.commit()
    print(f"built {count} trainees: {len(progress)} lessons read, {len(attempts)} attempts, {len(answers)} answers, "
          f"{len(results)} exam results, {len(runs)} role-play runs, {len(cards)} glossary cards, {len(certs)} certificates")


def main():
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 10000
    with tempfile.TemporaryDirectory() as folder:
        app = create_app({"SECRET_KEY": "bench", "DATABASE_URL": f"sqlite:///{folder}/bench.db", "CLI": True})
        with app.app_context():
            db.create_all()
            build(count, random.Random(SEED))
            from trainer.models import User
            from trainer.services import certification

            statements = []
            event.listen(db.engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
            trainees = select(User.id).where(User.active.is_(True))
            timings = []
            for _ in range(5):
                statements.clear()
                db.session.expire_all()
                started = time.perf_counter()
                rows = certification.statuses(trainees, NOW)
                timings.append(time.perf_counter() - started)
            states = {}
            for row in rows:
                states[row.status.state] = states.get(row.status.state, 0) + 1
            print(f"statuses of {count} trainees × {len(rows) // count} programmes ({len(rows)} rows): "
                  f"{len(statements)} SQL statements, best {min(timings) * 1000:.0f} ms, "
                  f"median {statistics.median(timings) * 1000:.0f} ms")
            print("states:", ", ".join(f"{state} {n}" for state, n in sorted(states.items())))
            started = time.perf_counter()
            certification.summaries(trainees, certification.programmes(), NOW)
            print(f"of which gathering the results (queries and summaries): {(time.perf_counter() - started) * 1000:.0f} ms")


if __name__ == "__main__":
    main()
