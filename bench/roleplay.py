"""How long one role-play reply takes on the server: the requirement is under 20 ms.

Plays every shipped scenario's calibration transcripts, and the same replies with
variations (Traditional characters, full-width letters, typos, filler, 150-500 characters),
through two paths:

* the engine alone (``core.roleplay.take_reply``: analysis of the reply against every check
  and critical rule, the stage step, mood and state copy);
* the whole service (``services.roleplay.take_reply``) on a SQLite file database: load the
  run, step it, store the turn and the new state, commit. This is what a request costs
  besides HTTP and template rendering.

Not a test: timings depend on the machine.

    .venv/bin/python bench/roleplay.py
"""
import random
import statistics
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from trainer import create_app
from trainer.core import roleplay
from trainer.core.content import load_content
from trainer.extensions import db

ROOT = Path(__file__).resolve().parents[1]
SEED = 20261123
ROUNDS = 20
FILLER = ["亲，这边马上为您处理哈", "請您放心，我們一定負責到底", "ＯＫ的话我这边就登记了", "稍等一下下哦",
          "我们店铺一直很重视售后体验", "有任何问题都可以随时在这里留言", "实在抱歉让您久等了"]
TYPOS = {"抱歉": "报歉", "道歉": "到歉", "订单": "定单", "退款": "推款", "补发": "补法"}


def variant(rng, reply):
    """The same reply as another trainee might type it."""
    for right, wrong in TYPOS.items():
        if rng.random() < 0.3:
            reply = reply.replace(right, wrong)
    extra = "，".join(rng.sample(FILLER, rng.randint(0, 4)))
    return (reply + "，" + extra if extra else reply)[:500]


def percentile(values, share):
    values = sorted(values)
    return values[min(len(values) - 1, int(share * len(values)))]


def report(name, timings):
    ms = [t * 1000 for t in timings]
    print(f"{name:<28} {len(ms):>6} replies  mean {statistics.mean(ms):6.2f} ms  p95 {percentile(ms, .95):6.2f} ms  "
          f"p99 {percentile(ms, .99):6.2f} ms  max {max(ms):6.2f} ms")


def bench_engine(bundle, rng):
    by_id = {s.id: s for s in bundle.scenarios}
    timings = []
    for _ in range(ROUNDS):
        for transcript in bundle.transcripts:
            scenario = by_id[transcript.scenario]
            run = roleplay.start(scenario)
            for text, seconds in transcript.replies:
                if run.ended:
                    break
                reply = variant(rng, text)
                started = time.perf_counter()
                run = roleplay.take_reply(scenario, run, reply, seconds)
                timings.append(time.perf_counter() - started)
    return timings


def bench_service(bundle, rng):
    from trainer.models import Scenario
    from trainer.services import accounts
    from trainer.services import roleplay as service
    from trainer.services.catalog import sync_content

    with tempfile.TemporaryDirectory() as folder:
        app = create_app({"TESTING": True, "SECRET_KEY": "bench", "CONTENT_DIR": str(ROOT / "content"),
                          "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder}/bench.db"})
        timings = []
        with app.app_context():
            db.create_all()
            sync_content(bundle)
            user = accounts.create_user("bench", "bench", "Bench", "bench-password", ["trainee"])
            db.session.commit()
            rows = {row.key: row for row in db.session.query(Scenario)}
            for round_number in range(ROUNDS // 4):
                for transcript in bundle.transcripts:
                    run = service.start_run(user, rows[transcript.scenario], "assessment")
                    db.session.commit()
                    for seq, (text, seconds) in enumerate(transcript.replies, start=1):
                        if run.status != "open":
                            break
                        reply = variant(rng, text)
                        now = run.customer_at + timedelta(seconds=seconds)
                        started = time.perf_counter()
                        run = service.take_reply(user, run, seq, reply, now=now)
                        db.session.commit()
                        timings.append(time.perf_counter() - started)
                    if run.status == "open":
                        service.stop_run(user, run)
                        db.session.commit()
                    db.session.expire_all()
            db.session.remove()
            db.engine.dispose()
    return timings


def main():
    bundle = load_content(ROOT / "content", calibrate_items=False)
    print(f"{len(bundle.scenarios)} scenarios, {len(bundle.transcripts)} calibration transcripts, "
          f"{sum(len(s.checks) for s in bundle.scenarios)} checks")
    rng = random.Random(SEED)
    bench_engine(bundle, random.Random(0))  # warm-up: normalisation and pinyin caches
    report("engine (core) per reply", bench_engine(bundle, rng))
    report("service + SQLite commit", bench_service(bundle, rng))


if __name__ == "__main__":
    main()
