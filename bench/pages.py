"""CPU time and SQL statements per request, in process: what each page costs the server itself.

    .venv/bin/python bench/pages.py                                   # SQLite file, 300 rounds
    .venv/bin/python bench/pages.py --database-url postgresql://postgres@127.0.0.1:5432/NAME
    .venv/bin/python bench/pages.py --profile lesson                  # where a lesson page's time goes
    .venv/bin/python bench/pages.py --sql lesson                      # the statements of one lesson page

The app is built as in production (not in testing mode; the JSON request log written to
/dev/null), on a fresh database (an SQLite file in a temporary folder, or the PostgreSQL
database given, whose ``public`` schema is dropped first) with the shipped content and two
trainees signed in through Flask's test client: one warms every page up, the other is measured.
The measured trainee reads every lesson twice (a first visit, then one seen a moment ago),
answers lesson quizzes (page, submit, feedback) and plays role-play assessments from the shipped
transcripts (chat page, reply). A bare Flask endpoint (bench/bare_flask.py) through the same
test client is the floor. CPU is this process's (``time.process_time``), so other work on the
machine does not count; PostgreSQL's own CPU is not in it.
"""
import argparse
import cProfile
import itertools
import os
import pstats
import random
import re
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

from sqlalchemy import event, text

from browsing import ANSWERED, RUN, csrf, load_replies, load_short_answers, quiz_form  # bench/, beside this file

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "bench-password-1"
SEED = 20261207


class Meter:
    """Records CPU, wall time and SQL statements of each request by the name of its step."""

    def __init__(self, engine, profile=None, show_sql=None):
        self.cpu, self.wall, self.statements = defaultdict(list), defaultdict(list), defaultdict(list)
        self.profile_name, self.profiler = profile, cProfile.Profile() if profile else None
        self.show_sql, self.recording, self._sql = show_sql, False, []
        if engine is not None:
            event.listen(engine, "before_cursor_execute", self._count)

    def _count(self, _conn, _cursor, statement, *_args):
        self._sql.append(statement)

    def request(self, name, call):
        self._sql = []
        profiling = self.recording and self.profiler is not None and name == self.profile_name
        if profiling:
            self.profiler.enable()
        cpu, wall = time.process_time(), time.perf_counter()
        response = call()
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
        if profiling:
            self.profiler.disable()
        if self.recording:
            self.cpu[name].append(cpu * 1000)
            self.wall[name].append(wall * 1000)
            self.statements[name].append(len(self._sql))
            if name == self.show_sql:
                print(f"-- {name}: {len(self._sql)} statements")
                for statement in self._sql:
                    print("  " + " ".join(statement.split())[:300])
                self.show_sql = None
        return response


class Trainee:
    """A signed-in trainee's browser (Flask test client) going through the pages."""

    def __init__(self, app, meter, username, catalog, rng):
        self.client, self.meter, self.catalog, self.rng = app.test_client(), meter, catalog, rng
        self.replies, self.answers = load_replies(), load_short_answers()
        page = self.client.get("/login").get_data(as_text=True)
        response = self.client.post("/login", data={"csrf_token": csrf(page), "username": username, "password": PASSWORD})
        assert response.status_code == 302, f"sign-in failed: {response.status_code}"
        self.token = csrf(self.client.get("/study/").get_data(as_text=True))

    def get(self, name, url, expect=200):
        response = self.meter.request(name, lambda: self.client.get(url))
        assert response.status_code == expect, f"{name} {url}: {response.status_code}"
        return response

    def post(self, name, url, data, expect=302):
        response = self.meter.request(name, lambda: self.client.post(url, data=data))
        assert response.status_code == expect, f"{name} {url}: {response.status_code}"
        return response

    def read_lessons(self):
        for name in ("lesson, first visit", "lesson, seen before"):
            for key in self.catalog["lessons"]:
                self.get(name, f"/study/lessons/{key}")

    def quiz_round(self, rounds):
        for key in itertools.islice(itertools.cycle(self.catalog["quizzes"][:8]), rounds):
            page = self.get("quiz page", f"/study/quizzes/{key}").get_data(as_text=True)
            response = self.post("quiz submit", f"/study/quizzes/{key}", quiz_form(page, self.rng, self.answers))
            assert ANSWERED.search(response.headers["Location"]), "the answer was not stored"
            self.get("quiz feedback", response.headers["Location"])

    def roleplay(self, replies_wanted):
        taken = 0
        while taken < replies_wanted:
            key = self.rng.choice(sorted(self.replies))
            start = self.post("scenario start", f"/study/scenarios/{key}", {"csrf_token": self.token, "mode": "assessment"})
            chat = RUN.search(start.headers["Location"]).group(0)
            self.get("chat page", chat)
            for seq, reply in enumerate(self.rng.choice(self.replies[key]), start=1):
                response = self.post("chat reply", chat, {"csrf_token": self.token, "seq": seq, "text": reply})
                taken += 1
                if response.headers["Location"].endswith("/debrief"):
                    break
                self.get("chat page", chat)
            else:
                self.post("chat end", f"{chat}/end", {"csrf_token": self.token})

    def others(self, rounds):
        for _ in range(rounds):
            self.get("home", "/study/")
            self.get("404, signed in", "/study/lessons/no-such-lesson", expect=404)
            self.get("healthz", "/healthz")


def build(url):
    """The app on a fresh database with the shipped content and two trainees; returns (app, catalog)."""
    from trainer import create_app
    from trainer.web import requestlog

    requestlog.install_handler(open(os.devnull, "w"))  # the production log line, written nowhere
    app = create_app({"SECRET_KEY": "bench-only-secret", "DATABASE_URL": url, "RATELIMIT_ENABLED": False,
                      "ARGON2_TIME_COST": 1, "ARGON2_MEMORY_COST": 8 * 1024})
    from trainer.core.content import load_content
    from trainer.extensions import db
    from trainer.models import Lesson, Quiz
    from trainer.services import accounts
    from trainer.services.catalog import sync_content

    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as connection:
                connection.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        db.create_all()
        sync_content(load_content(app.config["CONTENT_DIR"]))
        for username in ("warmup", "reader"):
            accounts.create_user("bench", username, username, PASSWORD, ["trainee"])
        db.session.commit()
        catalog = {"lessons": list(db.session.scalars(db.select(Lesson.key).where(Lesson.retired.is_(False))
                                                      .order_by(Lesson.position))),
                   "quizzes": list(db.session.scalars(db.select(Quiz.key).where(Quiz.retired.is_(False))
                                                      .order_by(Quiz.key)))}
        engine = db.engine
        db.session.remove()
    return app, catalog, engine


def browse(trainee, rounds):
    trainee.read_lessons()
    trainee.quiz_round(rounds)
    trainee.roleplay(rounds)
    trainee.others(rounds)


def bare_floor(meter, rounds):
    sys.path.insert(0, str(ROOT / "bench"))
    from bare_flask import app as bare

    client = bare.test_client()
    for _ in range(rounds):
        meter.request("bare Flask", lambda: client.get("/"))


def pct(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, max(0, round(q * len(values) + 0.5) - 1))]


def report(meter, order):
    print(f"\n{'request':<22}{'count':>6}{'CPU mean':>10}{'p50':>7}{'p95':>7}{'wall mean':>11}{'SQL':>6}{'(min–max)':>11}")
    for name in order:
        if not meter.cpu.get(name):
            continue
        cpu, statements = meter.cpu[name], meter.statements[name]
        spread = f"{min(statements)}–{max(statements)}" if min(statements) != max(statements) else ""
        print(f"{name:<22}{len(cpu):>6}{statistics.mean(cpu):>8.2f}ms{pct(cpu, .5):>7.2f}{pct(cpu, .95):>7.2f}"
              f"{statistics.mean(meter.wall[name]):>9.2f}ms{statistics.mean(statements):>6.1f}{spread:>11}")


def print_by_package(stats, requests):
    """Own time (cProfile's tottime) summed by the package the function lives in."""
    totals = defaultdict(float)
    for (filename, _line, _name), (_cc, _nc, tottime, _ct, _callers) in stats.stats.items():
        found = (re.search(r"site-packages/([^/]+)", filename) or re.search(r"/(trainer|bench)/", filename)
                 or re.search(r"lib/python3[^/]*/([^/]+)", filename))
        package = found.group(1) if found else "builtins"
        totals[package.removesuffix(".py")] += tottime
    print("own time by package, ms per request (under cProfile, which slows calls down):")
    for package, seconds in sorted(totals.items(), key=lambda kv: -kv[1])[:15]:
        print(f"  {package:<24}{1000 * seconds / requests:7.2f}")


#: The steps measured, in the order printed; ``--profile`` and ``--sql`` take one of them.
STEPS = ["lesson, first visit", "lesson, seen before", "quiz page", "quiz submit", "quiz feedback", "scenario start",
         "chat page", "chat reply", "chat end", "home", "404, signed in", "healthz", "bare Flask"]
STEP_ALIASES = {"lesson": "lesson, seen before"}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="PostgreSQL database to empty and use (default: an SQLite file)")
    parser.add_argument("--rounds", type=int, default=300, help="quiz answers, chat replies and other pages measured")
    parser.add_argument("--profile", metavar="STEP", help="print a cProfile of this step (e.g. lesson, 'chat reply')")
    parser.add_argument("--sql", metavar="STEP", help="print the SQL statements of one request of this step")
    args = parser.parse_args()
    for step in (args.profile, args.sql):
        if step and STEP_ALIASES.get(step, step) not in STEPS:
            parser.error(f"unknown step {step!r}: one of lesson, " + ", ".join(repr(s) for s in STEPS))
    if args.database_url and args.database_url.rsplit("/", 1)[-1] in ("test", "postgres", "trainer"):
        sys.exit("refusing to empty a shared database: give a database of your own")
    work = tempfile.mkdtemp(prefix="trainer-pages-")
    url = args.database_url or f"sqlite:///{Path(work) / 'pages.db'}"
    os.environ.setdefault("TRAINER_INSTANCE_PATH", str(Path(work) / "instance"))
    app, catalog, engine = build(url)
    profile = STEP_ALIASES.get(args.profile, args.profile)
    meter = Meter(engine, profile=profile, show_sql=STEP_ALIASES.get(args.sql, args.sql))
    rng = random.Random(SEED)
    browse(Trainee(app, meter, "warmup", catalog, rng), 20)
    meter.recording = True
    browse(Trainee(app, meter, "reader", catalog, rng), args.rounds)
    bare_floor(meter, args.rounds)
    print(f"trainer pages in process: {'PostgreSQL' if url.startswith('postgresql') else 'SQLite file'}, "
          f"{len(catalog['lessons'])} lessons, {args.rounds} rounds; CPU of this process (ms per request)")
    report(meter, STEPS)
    if meter.profiler is not None:
        print(f"\n== cProfile of '{profile}' ({len(meter.cpu[profile])} requests), by cumulative time ==")
        stats = pstats.Stats(meter.profiler)
        stats.sort_stats("cumulative").print_stats(45)
        print_by_package(stats, len(meter.cpu[profile]))


if __name__ == "__main__":
    main()
