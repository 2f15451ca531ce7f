"""Times the manager's status board, team view and exports on 10,000 trainees with realistic results.

Seeds the shipped content and, with bulk inserts, ten cohorts of trainees at every stage: lessons
opened and studied, lesson-quiz practice (short answers carry the real grader's rubric evidence),
exam sittings, role-play assessments whose debriefs come from replaying the calibration transcripts
(with each check's outcome redrawn per run), glossary cards and a few certificates; then it fills the
reports' stored tables as ``trainer reports rebuild`` does (the application keeps them in step as results
come in, which the bulk inserts bypass). Then it times
the board (first page, a filtered page, a status filter, a search), the team view and the CSV
exports, through the service and as HTTP requests, on a temporary SQLite file and on the
PostgreSQL database ``trainer_reports`` (created if missing, never ``test``)::

    .venv/bin/python bench/reports.py                      # both, 10,000 trainees
    .venv/bin/python bench/reports.py --trainees 2000 --no-postgres
    .venv/bin/python bench/reports.py --sqlite-file /tmp/reports.db --reuse   # time again without seeding
"""
import argparse
import random
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import event, insert, select

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from trainer import create_app  # noqa: E402
from trainer.extensions import db  # noqa: E402

PG_SERVER = "postgresql://postgres@127.0.0.1:5432"
PG_NAME = "trainer_reports"
NOW = datetime.now(UTC).replace(microsecond=0)
PASSWORD_HASH = "$argon2id$v=19$m=8192,t=1,p=1$c2FsdHNhbHQ$bench-accounts-cannot-sign-in"
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红梅琳婷雪慧佳欣怡子涵浩宇轩晨"


# --- seeding ------------------------------------------------------------------------------------

def seed(app, trainees, cohorts=10, rng_seed=7):
    """Content, managers and ``trainees`` trainees in ``cohorts`` cohorts, inserted in bulk."""
    from trainer.core.content import load_content
    from trainer.services.catalog import sync_content

    rng = random.Random(rng_seed)
    with app.app_context():
        db.drop_all()
        db.create_all()
        bundle = load_content(app.config["CONTENT_DIR"])
        sync_content(bundle)
        db.session.commit()
        world = _World(bundle, rng)
        world.people(trainees, cohorts)
        world.results()
        world.flush_all()
        db.session.commit()
        return world.counts


class _World:
    """Builds the rows in memory (ids chosen here) and inserts them table by table."""

    def __init__(self, bundle, rng):
        from trainer.models import Lesson, Programme

        self.bundle, self.rng = bundle, rng
        self.rows = {}
        self.counts = {}
        self.ids = {}
        self.lessons = {key: id_ for id_, key in db.session.execute(select(Lesson.id, Lesson.key))}
        self.programmes = {p.key: p.definition for p in db.session.scalars(select(Programme))}
        self.items = {item.id: item for item in bundle.items}
        self.quizzes = {quiz.id: quiz for quiz in bundle.quizzes}
        self.terms = bundle.terms
        self.pools = {}
        self.debriefs = _debriefs(bundle)
        self.skill = {}

    def next_id(self, table):
        self.ids[table] = self.ids.get(table, 0) + 1
        return self.ids[table]

    def add(self, table, **row):
        self.rows.setdefault(table, []).append(row)
        if len(self.rows[table]) >= 5000:
            self.flush_all()  # parents first

    def flush(self, table):
        from trainer.extensions import db as _db

        rows = self.rows.pop(table, [])
        if rows:
            _db.session.execute(insert(_db.metadata.tables[table]), rows)
            self.counts[table] = self.counts.get(table, 0) + len(rows)

    def flush_all(self):
        for table in ("cohorts", "users", "user_roles", "cohort_managers", "cohort_programmes", "lesson_progress",
                      "quiz_attempts", "answers", "quiz_results", "roleplay_runs", "card_states", "certifications"):
            self.flush(table)

    # people ---------------------------------------------------------------------------------

    def people(self, trainees, cohorts):
        rng = self.rng
        self.cohort_ids = []
        for n in range(cohorts):
            cid = self.next_id("cohorts")
            self.add("cohorts", id=cid, name=f"2026年{n % 12 + 1}月第{n // 12 + 1}批", created_at=NOW - timedelta(days=300 - 25 * n))
            self.cohort_ids.append(cid)
            # every cohort takes 售前; every other one 售后 as well; some due dates have passed
            self.add("cohort_programmes", cohort_id=cid, programme_key="pre-sales",
                     due_on=(NOW + timedelta(days=rng.randint(-30, 90))).date())
            if n % 2 == 0:
                self.add("cohort_programmes", cohort_id=cid, programme_key="after-sales",
                         due_on=(NOW + timedelta(days=rng.randint(-30, 90))).date())
        self.flush("cohorts")
        for username, name, role in [("admin", "管理员", "admin"), ("boss", "总经理", "manager"), ("lead1", "组长一", "manager")]:
            uid = self.next_id("users")
            self.add("users", id=uid, username=username, display_name=name, password_hash=PASSWORD_HASH, active=True,
                     must_change_password=False, cohort_id=None, created_at=NOW)
            self.add("user_roles", user_id=uid, role=role)
            if username == "boss":
                for cid in self.cohort_ids:
                    self.add("cohort_managers", cohort_id=cid, user_id=uid)
            elif username == "lead1":
                for cid in self.cohort_ids[:2]:
                    self.add("cohort_managers", cohort_id=cid, user_id=uid)
        self.trainees = []
        for n in range(trainees):
            uid = self.next_id("users")
            cid = self.cohort_ids[n % cohorts]
            name = rng.choice(SURNAMES) + rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < 0.6 else "")
            if n % 997 == 0:
                name = "=HYPERLINK(\"http://x\")"  # a name a CSV export must not let Excel run
            self.add("users", id=uid, username=f"t{n:05d}", display_name=name, password_hash=PASSWORD_HASH,
                     active=True, must_change_password=False, cohort_id=cid, created_at=NOW - timedelta(days=200))
            self.add("user_roles", user_id=uid, role="trainee")
            self.trainees.append((uid, cid, n % cohorts))
        self.flush("users")

    # results ----------------------------------------------------------------------------------

    def results(self):
        for uid, cid, index in self.trainees:
            programmes = ["pre-sales"] + (["after-sales"] if index % 2 == 0 else [])
            stage = self.rng.choice([0, 0.1, 0.3, 0.5, 0.6, 0.7, 0.8, 0.9, 1, 1, 1.1, 1.2])
            ability = min(0.97, max(0.3, self.rng.gauss(0.72, 0.12)))
            start = NOW - timedelta(days=self.rng.randint(20, 200))
            self.trainee(uid, programmes, stage, ability, start)

    def trainee(self, uid, programmes, stage, ability, start):
        rng = self.rng
        definitions = [self.programmes[key] for key in programmes]
        lessons = list(dict.fromkeys(r["key"] for d in definitions for r in d["requirements"] if r["kind"] == "lesson"))
        reached = lessons[:round(len(lessons) * min(stage, 1.0))]
        when = start
        for key in reached + lessons[len(reached):len(reached) + (1 if stage else 0)]:
            when += timedelta(hours=rng.randint(2, 30))
            studied = key in reached
            self.add("lesson_progress", id=self.next_id("lesson_progress"), user_id=uid, lesson_id=self.lessons[key],
                     first_opened_at=when, last_opened_at=when + timedelta(minutes=20),
                     studied_at=when + timedelta(minutes=25) if studied else None, seconds_spent=rng.randint(60, 1500))
            if studied and key in self.quizzes:
                self.practise(uid, self.quizzes[key], ability, when + timedelta(minutes=30))
        if stage >= 0.8:
            for sitting in range(1 if rng.random() < ability else 2):
                when += timedelta(days=1)
                if self.sit_exam(uid, ability + 0.08 * sitting, when, sitting + 1):
                    break
        if stage >= 0.9:
            scenarios = list(dict.fromkeys(r["key"] for d in definitions for r in d["requirements"] if r["kind"] == "scenario"))
            for key in scenarios[:max(1, round(len(scenarios) * min(1.0, stage - 0.1) / 0.9))]:
                for attempt in range(rng.choice((1, 1, 2, 3))):
                    when += timedelta(hours=rng.randint(1, 20))
                    self.play(uid, key, ability + 0.05 * attempt, when, "assessment" if attempt or rng.random() < 0.8 else "practice")
        if stage >= 0.5:
            self.remember(uid, [key for key in reached], ability, when)
        if stage >= 1.1 and rng.random() < 0.5:
            for key in programmes:
                certified = when + timedelta(days=1)
                self.add("certifications", id=self.next_id("certifications"), user_id=uid, programme_key=key,
                         programme_version=1, certified_at=certified, expires_at=certified + timedelta(days=365),
                         code=f"bench{uid}{key}", revoked_at=None, revoked_reason=None, evidence={})

    def practise(self, uid, quiz, ability, when):
        rng = self.rng
        attempt = self.next_id("quiz_attempts")
        answers, recent, mastered = [], [], None
        for seq in range(rng.randint(quiz.mastery_window, quiz.mastery_window + 6)):
            key = quiz.items[seq % len(quiz.items)]
            response, result = self.graded(key, rng.random() < ability)
            at = when + timedelta(minutes=seq)
            answers.append((seq, key, response, result, at))
            recent = (recent + [result["correct"]])[-quiz.mastery_window:]
            if mastered is None and sum(recent) >= quiz.mastery_correct:
                mastered = at
        self.add("quiz_attempts", id=attempt, user_id=uid, quiz_key=quiz.id, kind="practice", quiz_version=1,
                 status="open", number=1, item_keys=list(quiz.items), seed=attempt, started_at=when, deadline=None,
                 mastered_at=mastered)
        for answer in answers:
            self._answer(attempt, *answer)

    def sit_exam(self, uid, ability, when, number):
        rng = self.rng
        exam = self.bundle.exam
        keys = []
        for pool in exam.pools:
            candidates = [i.id for i in self.bundle.items if set(i.lessons) & set(pool.lessons)
                          and (not pool.kinds or i.kind in pool.kinds) and i.id not in keys]
            keys += rng.sample(candidates, min(pool.count, len(candidates)))
        attempt = self.next_id("quiz_attempts")
        self.add("quiz_attempts", id=attempt, user_id=uid, quiz_key=exam.id, kind="exam", quiz_version=1,
                 status="submitted", number=number, item_keys=keys, seed=attempt, started_at=when,
                 deadline=when + timedelta(minutes=exam.time_limit_minutes), mastered_at=None)
        score = total = 0.0
        pending = False
        for seq, key in enumerate(keys):
            response, result = self.graded(key, rng.random() < ability)
            self._answer(attempt, seq, key, response, result, when + timedelta(minutes=seq))
            score, total = score + result["score"], total + result["max_score"]
            pending = pending or result["needs_review"]
        percent = round(100 * score / total, 1) if total else 0.0
        self.add("quiz_results", id=self.next_id("quiz_results"), attempt_id=attempt, user_id=uid, quiz_key=exam.id,
                 score=score, max_score=total, percent=percent, passed=percent >= exam.pass_percent,
                 needs_review=pending, submitted_at=when + timedelta(minutes=len(keys)), submitted_by="trainee",
                 reviewed_at=None)
        return percent >= exam.pass_percent

    def _answer(self, attempt, seq, key, response, result, at):
        decided = result["needs_review"] and at < NOW - timedelta(days=7)  # the review queue keeps up
        self.add("answers", id=self.next_id("answers"), attempt_id=attempt, seq=seq, item_key=key, item_version=1,
                 response=response, score=result["score"], max_score=result["max_score"], correct=result["correct"],
                 needs_review=result["needs_review"], result=result["result"], answered_at=at,
                 reviewed_at=at + timedelta(days=2) if decided else None, reviewed_by_id=1 if decided else None,
                 review_comment=None)

    def graded(self, key, good):
        """A response to item ``key`` and the real grader's result, from a small pool graded once per item."""
        if key not in self.pools:
            self.pools[key] = _pool(self.items[key])
        right, wrong = self.pools[key]
        return self.rng.choice(right if good and right else wrong or right)

    def play(self, uid, key, ability, when, mode):
        rng = self.rng
        template = dict(rng.choice(self.debriefs[key]))
        state = template.pop("state")
        skill = self.skill.setdefault(key, {})
        categories, score = [], 0.0
        for category in template["categories"]:
            checks = []
            for check in category["checks"]:
                if check["status"] == "na":
                    checks.append(check)
                    continue
                # each check has its own difficulty, so some skills are missed far more often than others
                difficulty = skill.setdefault(check["id"], rng.choice((0.15, 0.3, 0.5, 0.6, 0.75, 0.9)))
                met = rng.random() < min(0.98, ability * (1.25 - difficulty))
                checks.append({**check, "status": "met" if met else "missed"})
            applicable = [c for c in checks if c["status"] != "na"]
            share = sum(c["status"] == "met" for c in applicable) / len(applicable) if applicable else category.get("share", 1.0)
            categories.append({**category, "checks": checks, "share": round(share, 3), "score": round(category["weight"] * share)})
            score += categories[-1]["score"]
        passed = score >= template["pass_mark"]
        review = abs(score - template["pass_mark"]) <= 3
        debrief = {**template, "categories": categories, "score": score, "passed": passed, "needs_review": review}
        # trainers work through the review queue: what waited more than a week has been decided
        decided = review and when < NOW - timedelta(days=7)
        self.add("roleplay_runs", id=self.next_id("roleplay_runs"), user_id=uid, scenario_key=key, scenario_version=1,
                 mode=mode, status="finished", state=state, definition=None,
                 customer_at=when, hints=0, started_at=when - timedelta(minutes=12), finished_at=when, score=score,
                 passed=passed, needs_review=review, debrief=debrief, final_score=score if decided else None,
                 final_passed=passed if decided else None, reviewed_at=when + timedelta(days=2) if decided else None,
                 reviewed_by_id=1 if decided else None, review_comment=None)

    def remember(self, uid, lessons, ability, when):
        from trainer.core import drill

        for term in self.terms:
            if term.lesson not in lessons:
                continue
            reviewed = when - timedelta(days=self.rng.randint(0, 20))
            card = drill.review(drill.new_card(reviewed), 3, reviewed).card
            card["stability"] = round(self.rng.uniform(2, 60) * ability, 2)
            self.add("card_states", id=self.next_id("card_states"), user_id=uid, term_key=term.id, card=card,
                     due=reviewed + timedelta(days=card["stability"]), reps=3, lapses=0, last_review=reviewed,
                     created_at=reviewed - timedelta(days=5))


def _pool(item):
    """A few right and wrong responses to ``item`` with what the grader made of each."""
    from trainer.core.grading import grade
    from trainer.services.demo import model_response

    good = model_response(item)
    if item.kind == "short":
        clauses = [c for c in good.replace("；", "，").replace("。", "，").split("，") if c]
        responses = [good, "，".join(clauses[: max(1, len(clauses) * 2 // 3)]), "，".join(clauses[::2]),
                     "，".join(clauses[1:]), clauses[0], "先安抚顾客，再看看怎么办。"]
    elif item.kind == "single":
        responses = [good, (good + 1) % len(item.options)]
    elif item.kind == "multiple":
        responses = [good, good[:1], [i for i in range(len(item.options)) if i not in good][:2] or [0]]
    elif item.kind == "true_false":
        responses = [good, not good]
    elif item.kind == "ordering":
        responses = [good, good[::-1], good[1:] + good[:1]]
    else:
        responses = [good, {k: (v + 1) % len(item.pairs) for k, v in good.items()}]
    right, wrong = [], []
    for response in responses:
        result = grade(item, response)
        entry = (response, {"score": result.score, "max_score": result.max_score, "correct": result.passed,
                            "needs_review": result.needs_review, "result": result.to_dict()})
        (right if result.passed else wrong).append(entry)
    return right, wrong


def _debriefs(bundle):
    """Real debriefs: every calibration transcript of every scenario replayed by the engine."""
    from trainer.core import roleplay

    scenarios = {s.id: s for s in bundle.scenarios}
    found = {}
    for transcript in bundle.transcripts:
        scenario = scenarios.get(transcript.scenario)
        if scenario is not None:
            run, debrief = roleplay.replay(scenario, transcript.replies)
            found.setdefault(scenario.id, []).append({**debrief, "state": run.to_dict()})
    return found


# --- timing ---------------------------------------------------------------------------------------

class QueryCounter:
    def __init__(self, engine):
        self.count = 0
        event.listen(engine, "before_cursor_execute", self._count)

    def _count(self, *args, **kwargs):
        self.count += 1


def timed(label, function, repeat=5):
    """Run ``function`` ``repeat`` times after one warm-up; print the median and the slowest run, and the median CPU
    time of this process (Python and SQLite; PostgreSQL's own work is in its backend) — the machine is shared, and
    the CPU time is what the figure would be with nothing else running."""
    function()
    counter = QueryCounter(db.engine)
    times, cpu = [], []
    for _ in range(repeat):
        before = counter.count
        started, started_cpu = time.perf_counter(), time.process_time()
        function()
        times.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)
        queries = counter.count - before
    event.remove(db.engine, "before_cursor_execute", counter._count)
    print(f"  {label:<52} median {statistics.median(times):7.1f} ms   max {max(times):7.1f} ms   "
          f"cpu {statistics.median(cpu):7.1f} ms   {queries:3d} queries")
    return statistics.median(times)


def measure(app, title):
    from trainer.models import User
    from trainer.services import reports, team

    print(f"\n{title}")
    with app.app_context():
        for username in ("boss", "lead1"):
            actor = db.session.scalar(select(User).where(User.username == username))
            scope = reports.scope_for(actor)
            print(f" {username}: {scope.count()} trainees")
            first = reports.BoardQuery()
            timed("service: board, first page", lambda: reports.board(scope, first))
            timed("service: board, cohort + programme + sort by score",
                  lambda: reports.board(scope, reports.BoardQuery(cohort=scope.cohort_ids[-1], programme="after-sales"
                                                                  if scope.count() > 5000 else "pre-sales",
                                                                  sort="exam", descending=True, page=3)))
            timed("service: board, status filter (overdue)",
                  lambda: reports.board(scope, reports.BoardQuery(status="overdue")))
            timed("service: board, search '王'", lambda: reports.board(scope, reports.BoardQuery(search="王")))
            timed("service: board, sorted by status (urgent first)",
                  lambda: reports.board(scope, reports.BoardQuery(sort="status")))
            timed("service: team view", lambda: team.overview(scope))
            timed("service: CSV of the board (all rows)", lambda: sum(1 for _ in reports.board_rows(scope, first)))
        actor = db.session.scalar(select(User).where(User.username == "boss"))
        trainee = db.session.scalar(select(User.id).where(User.username == "t00042"))
        timed("service: one trainee's record", lambda: reports.trainee_record(reports.scope_for(actor), trainee))
        timed("service: CSV of attempts (all, streamed)",
              lambda: sum(1 for _ in reports.attempt_rows(reports.scope_for(actor), reports.BoardQuery())), repeat=1)
    client = app.test_client()
    with app.app_context():
        boss = db.session.scalar(select(User).where(User.username == "boss"))
    _sign_in(app, client, boss)
    pages = [("HTTP: GET /manage/ (first page)", "/manage/"),
             ("HTTP: GET /manage/?status=in_progress&sort=due", "/manage/?status=in_progress&sort=due"),
             ("HTTP: GET /manage/?sort=status", "/manage/?sort=status"),
             ("HTTP: GET /manage/?q=王&programme=pre-sales", "/manage/?q=%E7%8E%8B&programme=pre-sales"),
             ("HTTP: GET /manage/team", "/manage/team"),
             ("HTTP: GET /manage/trainees/<id>", f"/manage/trainees/{trainee}"),
             ("HTTP: GET /manage/board.csv", "/manage/board.csv")]
    app.config["MANAGE_CACHE_SECONDS"] = 0  # every request computes its figures
    for label, url in pages:
        _time_get(app, client, label, url)
    app.config["MANAGE_CACHE_SECONDS"] = 60  # as served: the team view's figures kept for a minute
    label, url = next(page for page in pages if page[1] == "/manage/team")
    _time_get(app, client, label + " (kept a minute)", url)


def _time_get(app, client, label, url):
    def get():
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        response.get_data()
    with app.app_context():
        timed(label, get)


def _sign_in(app, client, user):
    """A session for ``user`` without the password (the bench accounts have none that works)."""
    from trainer.services import accounts

    with app.app_context():
        token = accounts.start_session(db.session.get(type(user), user.id))
        db.session.commit()
    with client.session_transaction() as session:
        session["_user_id"] = token
        session["_fresh"] = True


def prepare(app):
    """The reports' stored tables filled from the seeded results, as ``trainer reports rebuild`` does after an
    upgrade (a database seeded before they existed gets them and the new index first)."""
    from trainer.models import CertificationStatus, RoleplayRun
    from trainer.services import report_tables

    with app.app_context():
        db.create_all()
        for index in RoleplayRun.__table__.indexes:
            index.create(db.engine, checkfirst=True)
        if db.session.scalar(select(CertificationStatus.user_id).limit(1)) is not None:
            return
        started = time.perf_counter()
        trainees, marks = report_tables.rebuild(now=NOW)
        db.session.commit()
        print(f"  rebuild of the stored tables (trainer reports rebuild): {trainees:,} trainees, {marks:,} skill mark rows"
              f" in {time.perf_counter() - started:.1f} s")


def run(url, trainees, label, reuse=False):
    app = create_app({"SECRET_KEY": "bench", "DATABASE_URL": url, "CONTENT_DIR": str(ROOT / "content"),
                      "RATELIMIT_ENABLED": False, "WTF_CSRF_ENABLED": False})
    with app.app_context():
        from trainer.models import User
        seeded = reuse and db.inspect(db.engine).has_table("users") and db.session.scalar(select(User.id).limit(1))
    if not seeded:
        started = time.perf_counter()
        counts = seed(app, trainees)
        print(f"\n{label}: seeded in {time.perf_counter() - started:.0f} s: "
              + ", ".join(f"{table} {n:,}" for table, n in counts.items()))
    prepare(app)
    with app.app_context():
        from sqlalchemy import text
        with db.engine.connect() as connection:  # fresh planner statistics, as after a night's autovacuum / optimize
            connection.execute(text("ANALYZE"))
            connection.commit()
    measure(app, label)
    with app.app_context():
        db.engine.dispose()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trainees", type=int, default=10_000)
    parser.add_argument("--no-sqlite", action="store_true")
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--sqlite-file", help="keep the SQLite database here (default: a temporary folder)")
    parser.add_argument("--reuse", action="store_true", help="time databases already seeded without seeding again")
    args = parser.parse_args()
    if not args.no_sqlite:
        with tempfile.TemporaryDirectory() as folder:
            path = args.sqlite_file or f"{folder}/reports.db"
            run(f"sqlite:///{path}", args.trainees, f"SQLite, {args.trainees:,} trainees", args.reuse)
    if not args.no_postgres:
        subprocess.run(["createdb", "-h", "127.0.0.1", "-U", "postgres", PG_NAME], capture_output=True)
        run(f"{PG_SERVER}/{PG_NAME}", args.trainees, f"PostgreSQL, {args.trainees:,} trainees", args.reuse)


if __name__ == "__main__":
    main()
