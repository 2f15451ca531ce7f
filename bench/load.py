"""Load benchmark: trainees and managers on the production server, on SQLite and on PostgreSQL.

    .venv/bin/pip install -e '.[bench]'
    .venv/bin/python bench/load.py                       # both databases, 8/50/100/200 users, ~13 min
    .venv/bin/python bench/load.py --databases sqlite --levels 8,50 --duration 15   # a quick look

For each database it builds a fresh one (an SQLite file in a temporary folder; the PostgreSQL
database ``trainer_bench``, dropped and created again), loads the shipped content, creates the
accounts (one password hash computed once), starts ``gunicorn -c gunicorn.conf.py trainer.wsgi:app``
(the production command; sync workers, Redis for the sign-in limit) on 127.0.0.1 and a free port,
and drives it with Locust (used as a library, one process):

- trainees sign in, then loop: read a lesson; answer three items of a lesson quiz (page, submit,
  feedback); play a role-play assessment from a shipped transcript until the debrief;
- one user in twenty is a manager (and trainer) of the bench cohort: the managers' status board,
  a trainee's record and the team view, then the trainers' item analysis and review queue;
- everyone waits ``--think`` seconds between steps (default 0.5–2 s: ten times faster than a
  person reading and typing, so 100 users here are roughly 1,000 people at a real pace).

The users are ramped up level by level (8, 50, 100, 200). At each level, once every user has signed
in, requests are recorded for ``--duration`` seconds; then the users pause between steps, and the
rows in ``answers`` and ``roleplay_turns`` are counted against the submissions the clients saw
acknowledged (the redirect after the POST): they must be equal (nothing lost, nothing doubled).

Ceiling: a bare Flask endpoint (bench/bare_flask.py) served by gunicorn with the same workers and
settings, and the lesson page alone, both in a closed loop without think time.

Printed per level: requests per second, p50/p95/p99 per step, errors, server CPU per request (from
/proc of the gunicorn master and workers, recycled workers included; on PostgreSQL its backends'
CPU too), the client's own CPU, since Locust shares the two cores with the server, and what every
other process on the machine used meanwhile: figures taken while that is high are not the app's.
Everything binds to 127.0.0.1 only; the sign-in limit is raised, since every user comes from there.
"""
import locust  # noqa: F401  first: gevent patches the standard library before anything else is imported

import argparse
import itertools
import os
import random
import re
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path
from urllib.parse import urlencode

import gevent
from locust import FastHttpUser, constant, task
from locust.env import Environment
from sqlalchemy import create_engine, inspect, text

from browsing import ANSWERED, RUN, csrf, load_replies, load_short_answers, quiz_form  # bench/, beside this file

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "bench-password-1"
STAFF_EVERY = 20
PG_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
PG_BENCH_DB = "trainer_bench"
REDIS = ("127.0.0.1", 6379)
TICKS = os.sysconf("SC_CLK_TCK")

#: Steps in the order they are printed; the quiz and chat POSTs are the targets' "submit" steps.
STEPS = ["sign in", "home", "lesson", "quiz page", "quiz submit", "quiz feedback", "scenario start",
         "chat page", "chat reply", "debrief", "manager: status board", "manager: trainee record",
         "manager: team view", "staff: analysis", "staff: quiz analysis",
         "staff: scenario analysis", "staff: review queue", "lesson (closed loop)", "lesson seen before (closed loop)", "bare Flask (closed loop)"]


# --- the database -------------------------------------------------------------------------------

def sa_url(url):
    return url.replace("postgresql://", "postgresql+psycopg://", 1) if url.startswith("postgresql://") else url


def fresh_postgres(name):
    if name in ("test", "postgres"):
        sys.exit(f"refusing to drop the database {name!r}")
    admin = create_engine(sa_url(PG_ADMIN_URL), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name


def drop_postgres(name):
    admin = create_engine(sa_url(PG_ADMIN_URL), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def prepare(url, instance, trainees, staff):
    """Migrate, load the shipped content and create the accounts; returns what the users need."""
    from trainer import create_app
    from trainer.extensions import db

    app = create_app({"SECRET_KEY": "bench", "DATABASE_URL": url, "CLI": True})
    app.instance_path = str(instance)
    with app.app_context():
        build_schema(app, db)
        from trainer.core.content import load_content
        from trainer.models import Lesson, Quiz, Scenario, User, UserRole
        from trainer.services import accounts
        from trainer.services.catalog import sync_content

        sync_content(load_content(app.config["CONTENT_DIR"]))
        password_hash = accounts.hash_password(PASSWORD)  # the production cost, computed once for all
        cohort = accounts.get_or_create_cohort("压测批次")
        db.session.add_all(
            User(username=f"bench{i:03d}", display_name=f"压测学员{i}", password_hash=password_hash, cohort=cohort,
                 role_rows=[UserRole(role="trainee")]) for i in range(trainees))
        managers = [User(username=f"staff{i:02d}", display_name=f"压测主管{i}", password_hash=password_hash,
                         role_rows=[UserRole(role="manager"), UserRole(role="trainer")]) for i in range(staff)]
        db.session.add_all(managers)
        db.session.flush()
        manager_pages = "manage.board" in app.view_functions
        if manager_pages:  # the managers' board, team view and trainee records cover the bench cohort
            from trainer.models import CohortManager

            db.session.add_all(CohortManager(cohort_id=cohort.id, user_id=manager.id) for manager in managers)
        db.session.commit()
        catalog = {
            "manager_pages": manager_pages,
            "trainee_ids": list(db.session.scalars(db.select(User.id).where(User.cohort_id == cohort.id))),
            "lessons": [row.key for row in db.session.scalars(db.select(Lesson).where(Lesson.retired.is_(False)))],
            "quizzes": [row.key for row in db.session.scalars(db.select(Quiz).where(Quiz.retired.is_(False)))],
            "scenarios": [row.key for row in db.session.scalars(db.select(Scenario).where(Scenario.retired.is_(False)))],
        }
        db.session.remove()
        for engine in db.engines.values():
            engine.dispose()
    return catalog


def build_schema(app, db):
    """``trainer db upgrade``; if the migrations do not reach the models yet, the models' schema."""
    from flask_migrate import upgrade

    try:
        upgrade()
        gaps = schema_gaps(db)
    except Exception as error:  # noqa: BLE001  a broken migration chain is reported, not fatal here
        gaps = [f"upgrade failed: {error.__class__.__name__}"]
    if not gaps:
        return
    print(f"  note: the migrations do not reach the models ({', '.join(gaps[:4])}); schema built from the models")
    with db.engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        else:
            for name in inspect(connection).get_table_names():
                connection.execute(text(f'DROP TABLE "{name}"'))
    db.create_all()


def schema_gaps(db):
    found = inspect(db.engine)
    gaps = []
    for table in db.metadata.sorted_tables:
        if not found.has_table(table.name):
            gaps.append(table.name)
            continue
        present = {column["name"] for column in found.get_columns(table.name)}
        gaps += [f"{table.name}.{column.name}" for column in table.columns if column.name not in present]
    return gaps


def row_counts(url):
    engine = create_engine(sa_url(url))
    with engine.connect() as connection:
        counts = {name: connection.scalar(text(f"SELECT count(*) FROM {name}")) for name in ("answers", "roleplay_turns")}
    engine.dispose()
    return counts


# --- the servers --------------------------------------------------------------------------------

def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def redis_up():
    try:
        socket.create_connection(REDIS, timeout=1).close()
        return True
    except OSError:
        return False


def set_autogroup_nice(pid, nice):
    """With the kernel's autogroups each session shares the CPU as one: ``nice`` only counts inside it,
    so the priority is given to the session (the server starts one of its own)."""
    try:
        Path(f"/proc/{pid}/autogroup").write_text(str(nice))
    except OSError:
        pass  # no autogroups here: the process's own nice applies


class Server:
    """gunicorn with sync workers on 127.0.0.1; the app with gunicorn.conf.py, the ceiling with the same settings."""

    started = []  # stopped on the way out, whatever happens
    nice = 0

    def __init__(self, app_spec, workers, log_path, env=None, with_config=True, database=None):
        self.port = free_port()
        self.database = database  # a PostgreSQL database whose backends' CPU is counted too
        command = [str(Path(sys.executable).parent / "gunicorn"), app_spec]
        if with_config and (ROOT / "gunicorn.conf.py").exists():
            command += ["-c", str(ROOT / "gunicorn.conf.py")]
        else:  # the settings gunicorn.conf.py gives the app, for the bare endpoint
            command += ["--preload", "--timeout", "30", "--keep-alive", "2", "--log-level", "warning"]
        # no control socket: gunicorn 27 would share one path with any other gunicorn on the machine
        command += ["--bind", f"127.0.0.1:{self.port}", "--workers", str(workers), "--worker-class", "sync",
                    "--no-control-socket"]
        self.workers = workers
        self.log = open(log_path, "wb")
        # the ceiling runs in bench/, where no gunicorn.conf.py is picked up by default
        self.process = subprocess.Popen(command, cwd=ROOT if with_config else ROOT / "bench", env={**os.environ, **(env or {})},
                                        stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True)
        Server.started.append(self)
        if Server.nice:
            set_autogroup_nice(self.process.pid, Server.nice)

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    def wait_ready(self, path, timeout=90):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                sys.exit(f"gunicorn exited with {self.process.returncode}: see {self.log.name}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=2) as sock:
                    sock.sendall(f"GET {path} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n".encode())
                    if sock.recv(12)[8:12] == b" 200" and len(self.children()) >= self.workers:
                        return
            except OSError:
                pass
            time.sleep(0.2)
        sys.exit(f"gunicorn did not answer {path} within {timeout} s: see {self.log.name}")

    def children(self):
        found = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == self.process.pid:
                found.append(int(stat.parent.name))
        return found

    def cpu_seconds(self):
        """Master (with its reaped children, i.e. recycled workers) plus the live workers."""
        def times(pid, with_children):
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                return 0
            return sum(int(v) for v in fields[11:15 if with_children else 13])
        return (times(self.process.pid, True) + sum(times(pid, False) for pid in self.children())) / TICKS

    def stop(self):
        if self.process.poll() is None and not self.log.closed:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self.log.close()


# --- what the users do --------------------------------------------------------------------------

class Run:
    """Shared by the users of one database: the clock, the pause and what was acknowledged."""

    def __init__(self, catalog, think):
        self.catalog, self.think = catalog, think
        self.replies, self.short_answers = load_replies(), load_short_answers()
        self.numbers = itertools.count()
        self.paused = False
        self.inflight = 0
        self.signed_in = 0
        self.acked_answers, self.acked_turns = set(), set()
        self.anomalies = Counter()
        self.recording = False
        self.samples = defaultdict(list)
        self.errors = defaultdict(Counter)
        self.signins = []
        self.unrecorded_errors = Counter()
        self.others = self.database_cpu = 0.0

    def on_request(self, request_type, name, response_time, response_length, exception=None, **_kw):
        if name == "sign in":
            self.signins.append(response_time)
        if self.recording:
            self.samples[name].append(response_time)
            if exception is not None:
                self.errors[name][str(exception)[:80]] += 1
        elif exception is not None and not self.paused:
            self.unrecorded_errors[f"{name}: {str(exception)[:60]}"] += 1

    def reset(self):
        self.samples, self.errors, self.signins = defaultdict(list), defaultdict(Counter), []
        self.unrecorded_errors = Counter()


class Person(FastHttpUser):
    """A trainee (or, one in twenty, a manager) with a browser: pages, forms, redirects."""

    abstract = True
    wait_time = constant(0)
    bench: Run = None

    def on_start(self):
        number = next(self.bench.numbers)
        self.rng = random.Random(number)
        self.staff = number % STAFF_EVERY == STAFF_EVERY - 1
        self.username = f"staff{number // STAFF_EVERY:02d}" if self.staff else f"bench{number:03d}"
        self.sign_in()

    def request(self, method, path, name, expect=(200,), **kwargs):
        """One request; a status other than ``expect`` counts as an error for the step."""
        if isinstance(kwargs.get("data"), dict):  # a form as a browser sends it (repeated keys for checkboxes)
            kwargs["data"] = urlencode(kwargs["data"], doseq=True).encode()
            kwargs["headers"] = {"Content-Type": "application/x-www-form-urlencoded"}
        self.bench.inflight += 1
        try:
            with self.client.request(method, path, name=name, allow_redirects=False, catch_response=True,
                                     **kwargs) as response:
                if response.status_code not in expect:
                    response.failure(f"HTTP {response.status_code}")
                else:
                    response.success()
                return response
        finally:
            self.bench.inflight -= 1

    def pause(self, think=True):
        if think:
            gevent.sleep(self.rng.uniform(*self.bench.think))
        while self.bench.paused:
            gevent.sleep(0.05)

    def sign_in(self):
        page = self.request("GET", "/login", "sign-in page")
        response = self.request("POST", "/login", "sign in", expect=(302,),
                                data={"csrf_token": csrf(page.text) or "", "username": self.username, "password": PASSWORD})
        if response.status_code == 302:
            self.bench.signed_in += 1
            self.token = csrf(self.request("GET", "/study/", "home").text)


class Mixed(Person):
    """The realistic mix, with think time between steps."""

    @task
    def loop(self):
        self.pause()
        if self.staff:
            return self.staff_round()
        choice = self.rng.random()
        if choice < 0.3:
            self.request("GET", f"/study/lessons/{self.rng.choice(self.bench.catalog['lessons'])}", "lesson")
        elif choice < 0.65:
            self.quiz_round()
        else:
            self.roleplay()

    def quiz_round(self):
        key = self.rng.choice(self.bench.catalog["quizzes"][:8])  # the first lessons' quizzes, as a cohort starts
        for _ in range(3):
            page = self.request("GET", f"/study/quizzes/{key}", "quiz page")
            if page.status_code != 200:
                return
            data = quiz_form(page.text, self.rng, self.bench.short_answers)
            self.pause()
            response = self.request("POST", f"/study/quizzes/{key}", "quiz submit", expect=(302,), data=data)
            answered = ANSWERED.search(response.headers.get("location") or "")
            if response.status_code != 302:
                return
            if not answered or answered.group(1) != data.get("seq"):
                self.bench.anomalies["quiz submit not stored"] += 1
                return
            self.bench.acked_answers.add((self.username, key, int(answered.group(1))))
            self.request("GET", response.headers["location"], "quiz feedback")
            self.pause()

    def roleplay(self):
        key = self.rng.choice(sorted(self.bench.replies))
        replies = self.rng.choice(self.bench.replies[key])
        start = self.request("POST", f"/study/scenarios/{key}", "scenario start", expect=(302,),
                             data={"csrf_token": self.token, "mode": "assessment"})
        found = RUN.search(start.headers.get("location") or "")
        if not found:
            return
        run_id, chat = int(found.group(1)), found.group(0)
        page = self.request("GET", chat, "chat page")
        for reply in replies:
            seq = re.search(r'name="seq" type="hidden" value="(\d+)"', page.text)
            if page.status_code != 200 or seq is None:
                return
            self.pause()
            response = self.request("POST", chat, "chat reply", expect=(302,),
                                    data={"csrf_token": self.token, "seq": seq.group(1), "text": reply})
            if response.status_code != 302:
                return
            self.bench.acked_turns.add((run_id, int(seq.group(1))))
            location = response.headers["location"]
            if location.endswith("/debrief"):
                self.request("GET", location, "debrief")
                return
            page = self.request("GET", location, "chat page")
            following = re.search(r'name="seq" type="hidden" value="(\d+)"', page.text)
            if following and int(following.group(1)) != int(seq.group(1)) + 1:
                self.bench.anomalies["chat reply not stored"] += 1
        end = self.request("POST", f"{chat}/end", "debrief", expect=(302,), data={"csrf_token": self.token})
        if end.status_code == 302:
            self.request("GET", end.headers["location"], "debrief")

    def staff_round(self):
        if self.bench.catalog.get("manager_pages"):
            self.request("GET", "/manage/", "manager: status board")
            self.pause()
            self.request("GET", f"/manage/trainees/{self.rng.choice(self.bench.catalog['trainee_ids'])}",
                         "manager: trainee record")
            self.pause()
            self.request("GET", "/manage/team", "manager: team view")
            self.pause()
        self.request("GET", "/author/analysis", "staff: analysis")
        self.pause()
        self.request("GET", f"/author/analysis/quiz/{self.rng.choice(self.bench.catalog['quizzes'][:8])}",
                     "staff: quiz analysis")
        self.pause()
        self.request("GET", f"/author/analysis/scenario/{self.rng.choice(sorted(self.bench.replies))}",
                     "staff: scenario analysis")
        self.pause()
        self.request("GET", "/author/review", "staff: review queue")


class LessonLoop(Person):
    """Closed loop, no think time: the lesson page as fast as the server gives it."""

    step = "lesson (closed loop)"

    def on_start(self):
        number = next(self.bench.numbers)
        self.rng, self.staff, self.username = random.Random(number), False, f"bench{number:03d}"
        self.sign_in()

    @task
    def read(self):
        self.request("GET", f"/study/lessons/{self.rng.choice(self.bench.catalog['lessons'])}", self.step)


class LessonRereadLoop(LessonLoop):
    """The same once every user has opened every lesson (a cohort after its first days): lessons seen before."""

    step = "lesson seen before (closed loop)"

    def on_start(self):
        number = next(self.bench.numbers)
        self.rng, self.staff, self.username = random.Random(number), False, f"bench{number:03d}"
        self.sign_in()
        self.bench.signed_in -= 1  # counted once every lesson has been opened
        for key in self.bench.catalog["lessons"]:
            self.request("GET", f"/study/lessons/{key}", "lesson, first visit (not recorded)")
        self.bench.signed_in += 1


class BareLoop(FastHttpUser):
    wait_time = constant(0)
    abstract = True
    bench: Run = None

    def on_start(self):
        self.bench.signed_in += 1

    @task
    def bare(self):
        self.client.get("/", name="bare Flask (closed loop)")


# --- measuring ----------------------------------------------------------------------------------

def pct(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, max(0, round(q * len(values) + 0.5) - 1))] if values else float("nan")


def backend_cpu(database):
    """CPU seconds of each PostgreSQL backend serving ``database`` (their titles name it), by pid."""
    found = {}
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            if f" {database} ".encode() not in cmdline.read_bytes():
                continue
            fields = (cmdline.parent / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        found[int(cmdline.parent.name)] = (int(fields[11]) + int(fields[12])) / TICKS
    return found


def machine_cpu():
    """CPU seconds spent by everything on the machine (all cores), from /proc/stat."""
    fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]
    busy = sum(int(v) for v in fields[:8]) - int(fields[3]) - int(fields[4])  # less idle and iowait
    return busy / TICKS


def client_cpu():
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def wait_for(condition, timeout, what):
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            sys.exit(f"timed out waiting for {what}")
        gevent.sleep(0.1)


def measure(run, server, duration):
    """Record ``duration`` seconds; returns elapsed, server CPU seconds and client CPU seconds.

    The machine's other processes are measured too (``run.others``): on a shared machine they take
    cores from the server, and the figures mean little when they do."""
    run.reset()
    backends0 = backend_cpu(server.database) if server.database else {}
    cpu0, mine0, all0, started = server.cpu_seconds(), client_cpu(), machine_cpu(), time.monotonic()
    run.recording = True
    gevent.sleep(duration)
    run.recording = False
    elapsed = time.monotonic() - started
    server_cpu, mine = server.cpu_seconds() - cpu0, client_cpu() - mine0
    backends = backend_cpu(server.database) if server.database else {}
    run.database_cpu = sum(cpu - backends0.get(pid, 0.0) for pid, cpu in backends.items())
    run.others = max(0.0, machine_cpu() - all0 - server_cpu - mine - run.database_cpu) / elapsed
    return elapsed, server_cpu, mine


def report(title, run, elapsed, server_cpu, mine, rows=None):
    total = sum(len(v) for v in run.samples.values())
    errors = sum(sum(c.values()) for c in run.errors.values())
    print(f"\n== {title} ==")
    print(f"{'step':<26}{'count':>7}{'req/s':>8}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'errors':>8}")
    for name in [s for s in STEPS if s in run.samples] + sorted(set(run.samples) - set(STEPS)):
        values = run.samples[name]
        print(f"{name:<26}{len(values):>7}{len(values) / elapsed:>8.1f}{pct(values, .5):>9.1f}{pct(values, .95):>9.1f}"
              f"{pct(values, .99):>9.1f}{sum(run.errors[name].values()):>8}")
    print(f"{'all':<26}{total:>7}{total / elapsed:>8.1f}{'':>27}{errors:>8}")
    for name, counter in run.errors.items():
        for message, count in counter.most_common(3):
            print(f"  error: {name}: {message} ×{count}")
    for message, count in run.unrecorded_errors.most_common(5):
        print(f"  error outside the window (ramp-up/sign-in): {message} ×{count}")
    print(f"server CPU {1000 * server_cpu / max(total, 1):.2f} ms per request ({server_cpu / elapsed:.2f} of "
          f"{os.cpu_count()} cores busy); the Locust client used {100 * mine / elapsed:.0f} % of a core, "
          f"other processes {run.others:.2f} cores")
    if run.database_cpu:
        print(f"PostgreSQL backends: {1000 * run.database_cpu / max(total, 1):.2f} ms CPU per request")
    if run.signins:
        print(f"sign-ins while ramping up: {len(run.signins)}, p50 {pct(run.signins, .5):.0f} ms, "
              f"p95 {pct(run.signins, .95):.0f} ms (argon2id, production cost)")
    if rows is not None:
        ok = rows["answers"] == len(run.acked_answers) and rows["roleplay_turns"] == len(run.acked_turns)
        print(f"rows: answers {rows['answers']} / acknowledged {len(run.acked_answers)}; roleplay_turns "
              f"{rows['roleplay_turns']} / acknowledged {len(run.acked_turns)}: {'OK' if ok else 'MISMATCH'}"
              + (f"; anomalies {dict(run.anomalies)}" if run.anomalies else ""))
        return {"total": total, "rps": total / elapsed, "errors": errors + sum(run.unrecorded_errors.values()),
                "cpu_ms": 1000 * server_cpu / max(total, 1), "rows_ok": ok and not run.anomalies,
                "p95": {name: pct(v, .95) for name, v in run.samples.items()},
                "p99": {name: pct(v, .99) for name, v in run.samples.items()},
                "rows": dict(rows), "acked": (len(run.acked_answers), len(run.acked_turns)), "others": run.others,
                "db_ms": 1000 * run.database_cpu / max(total, 1)}
    return {"total": total, "rps": total / elapsed, "errors": errors, "cpu_ms": 1000 * server_cpu / max(total, 1),
            "p95": {name: pct(v, .95) for name, v in run.samples.items()}, "others": run.others}


def environment(user_class, run, host):
    cls = type(user_class.__name__, (user_class,), {"abstract": False, "bench": run, "host": host})
    env = Environment(user_classes=[cls], host=host)
    env.events.request.add_listener(run.on_request)
    env.create_local_runner()
    return env


def mixed_levels(label, server, url, catalog, args):
    run = Run(catalog, args.think)
    env = environment(Mixed, run, server.url)
    results = {}
    for users in args.levels:
        run.paused = False
        env.runner.start(users, spawn_rate=min(max(users, 1), 100))
        wait_for(lambda: run.signed_in >= users, 180, f"{users} users to sign in")
        gevent.sleep(args.warmup)
        signins = list(run.signins)
        elapsed, cpu, mine = measure(run, server, args.duration)
        run.signins = signins
        run.paused = True
        wait_for(lambda: run.inflight == 0, 60, "the requests in flight")
        results[users] = report(f"{label} · {users} users (think {args.think[0]}–{args.think[1]} s) · {elapsed:.0f} s",
                                run, elapsed, cpu, mine, rows=row_counts(url))
        run.signins = []
    env.runner.quit()
    return results


def closed_loop(label, user_class, server, catalog, users, duration):
    run = Run(catalog, (0, 0))
    env = environment(user_class, run, server.url)
    env.runner.start(users, spawn_rate=users)
    wait_for(lambda: run.signed_in >= users, 120, f"{users} users to sign in")
    gevent.sleep(2)
    elapsed, cpu, mine = measure(run, server, duration)
    env.runner.quit()
    return report(f"{label} · {users} users, closed loop · {elapsed:.0f} s", run, elapsed, cpu, mine)


def app_env(url, instance):
    env = {"TRAINER_DATABASE_URL": url, "TRAINER_SECRET_KEY": "bench-only-secret", "TRAINER_INSTANCE_PATH": str(instance),
           # every user signs in from 127.0.0.1: the per-address limit would stop the ramp-up
           "TRAINER_LOGIN_RATE_LIMIT": "100000 per minute"}
    if redis_up():
        env["TRAINER_RATELIMIT_STORAGE_URI"] = f"redis://{REDIS[0]}:{REDIS[1]}/11"
    else:
        env["TRAINER_RATELIMIT_ENABLED"] = "false"
    return env


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--levels", default="8,50,100,200", type=lambda v: [int(n) for n in v.split(",")])
    parser.add_argument("--duration", type=float, default=40, help="seconds recorded per level")
    parser.add_argument("--warmup", type=float, default=5, help="seconds after every user signed in")
    parser.add_argument("--think", default="0.5:2", type=lambda v: tuple(float(n) for n in v.split(":")))
    parser.add_argument("--workers", type=int, default=2 * os.cpu_count() + 1)
    parser.add_argument("--ceiling-users", default="50", type=lambda v: [int(n) for n in v.split(",")])
    parser.add_argument("--ceiling-duration", type=float, default=15)
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder (server logs)")
    parser.add_argument("--nice", type=int, default=0,
                        help="on a shared machine, e.g. -10 (as root): the client and the servers it starts (their "
                             "processes and their autogroups) get the CPU before other work (PostgreSQL's do not)")
    args = parser.parse_args()
    if args.nice:
        Server.nice = args.nice
        os.nice(args.nice)
        set_autogroup_nice(os.getpid(), args.nice)
    top = max(args.levels + args.ceiling_users)
    staff = top // STAFF_EVERY + 1
    work = Path(tempfile.mkdtemp(prefix="trainer-bench-"))
    print(f"trainer load benchmark: {os.cpu_count()} CPUs, gunicorn {args.workers} sync workers, levels {args.levels}, "
          f"{args.duration:.0f} s each, think {args.think[0]}–{args.think[1]} s, nice {os.nice(0)}; logs in {work}")
    summary, ceilings = {}, {}
    try:
        bare = Server("bare_flask:app", args.workers, work / "bare.log", with_config=False)
        bare.wait_ready("/")
        for users in args.ceiling_users:
            ceilings[("bare", users)] = closed_loop("bare Flask", BareLoop, bare, {}, users, args.ceiling_duration)
        bare.stop()
        for database in args.databases.split(","):
            instance = work / database / "instance"
            instance.mkdir(parents=True)
            url = f"sqlite:///{work / database / 'bench.db'}" if database == "sqlite" else fresh_postgres(PG_BENCH_DB)
            started = time.monotonic()
            catalog = prepare(url, instance, top, staff)
            print(f"\n{database}: fresh database, content and {top} + {staff} accounts in {time.monotonic() - started:.0f} s")
            server = Server("trainer.wsgi:app", args.workers, work / f"{database}.log", env=app_env(url, instance),
                            database=None if database == "sqlite" else PG_BENCH_DB)
            server.wait_ready("/login")
            try:
                label = f"{'SQLite' if database == 'sqlite' else 'PostgreSQL'}, {args.workers} workers"
                for users in args.ceiling_users:
                    ceilings[(database, users)] = closed_loop(f"{label}: lesson page", LessonLoop, server, catalog,
                                                              users, args.ceiling_duration)
                    ceilings[(database, "seen", users)] = closed_loop(
                        f"{label}: lesson page seen before", LessonRereadLoop, server, catalog, users, args.ceiling_duration)
                summary[database] = mixed_levels(label, server, url, catalog, args)
            finally:
                server.stop()
                if database != "sqlite":
                    drop_postgres(PG_BENCH_DB)
    finally:
        for server in Server.started:
            server.stop()
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    print_summary(summary, ceilings, args)


def print_summary(summary, ceilings, args):
    print("\n== summary (Markdown) ==\n")
    print("| database | users | req/s | lesson p95 | quiz submit p95 | chat reply p95 | manager pages p95 | "
          "errors | server CPU / request | rows = acknowledged | other processes |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: |")
    for database, levels in summary.items():
        for users, r in levels.items():
            staff = max((v for k, v in r["p95"].items() if k.startswith(("staff", "manager"))), default=float("nan"))
            database_part = f" + {r['db_ms']:.1f} ms PostgreSQL" if r["db_ms"] else ""
            print(f"| {database} | {users} | {r['rps']:.0f} | {r['p95'].get('lesson', float('nan')):.0f} ms | "
                  f"{r['p95'].get('quiz submit', float('nan')):.0f} ms | {r['p95'].get('chat reply', float('nan')):.0f} ms | "
                  f"{staff:.0f} ms | {r['errors']} | {r['cpu_ms']:.1f} ms{database_part} | "
                  f"{'yes' if r['rows_ok'] else 'NO'} ({r['rows']['answers']} answers, {r['rows']['roleplay_turns']} turns) | "
                  f"{r['others']:.2f} cores |")
    for users in args.ceiling_users:
        bare = ceilings.get(("bare", users))
        for database in summary:
            lesson = ceilings.get((database, users))
            if bare and lesson:
                print(f"\nceiling, {users} users closed loop (other processes {bare['others']:.2f} / {lesson['others']:.2f} "
                      f"cores): bare Flask {bare['rps']:.0f} req/s "
                      f"({bare['cpu_ms']:.2f} ms CPU/request); {database} lesson page {lesson['rps']:.0f} req/s "
                      f"({lesson['cpu_ms']:.1f} ms CPU/request, p95 {lesson['p95'].get('lesson (closed loop)', 0):.0f} ms): "
                      f"{lesson['rps'] / bare['rps']:.2f}× the ceiling (target ≥ 0.25×)")
            seen = ceilings.get((database, "seen", users))
            if bare and seen:
                print(f"  the lesson page seen before (every lesson opened once first; other processes "
                      f"{seen['others']:.2f} cores): {seen['rps']:.0f} req/s ({seen['cpu_ms']:.1f} ms CPU/request, "
                      f"p95 {seen['p95'].get('lesson seen before (closed loop)', 0):.0f} ms): "
                      f"{seen['rps'] / bare['rps']:.2f}× the ceiling")


if __name__ == "__main__":
    main()
