"""Start the production server (gunicorn with gunicorn.conf.py) and print what it costs: time until
/healthz answers, memory per worker, and request latency with several clients at once.

    TRAINER_DATABASE_URL=postgresql://… TRAINER_RATELIMIT_STORAGE_URI=redis://127.0.0.1:6379/0 \\
        .venv/bin/python bench/serve.py [--workers N] [--no-preload] [--requests 2000] [--clients 8]

The database must be migrated (``trainer db upgrade``); a test secret is used if none is set.
"""
import argparse
import http.client
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PORT = 8799


def get(path):
    connection = http.client.HTTPConnection("127.0.0.1", PORT, timeout=10)
    started = time.perf_counter()
    connection.request("GET", path)
    response = connection.getresponse()
    response.read()
    connection.close()
    return response.status, (time.perf_counter() - started) * 1000


def wait_until_healthy(deadline):
    while time.monotonic() < deadline:
        try:
            if get("/healthz")[0] == 200:
                return True
        except OSError:
            pass
        time.sleep(0.05)
    return False


def children(pid):
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def pss_mb(pid):
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
        if line.startswith("Pss:"):
            return int(line.split()[1]) / 1024
    return 0.0


def load(path, requests, clients):
    timings, statuses, lock = [], {}, threading.Lock()

    def client(count):
        for _ in range(count):
            status, ms = get(path)
            with lock:
                timings.append(ms)
                statuses[status] = statuses.get(status, 0) + 1

    threads = [threading.Thread(target=client, args=(requests // clients,)) for _ in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    timings.sort()
    pick = lambda q: timings[min(len(timings) - 1, int(q * len(timings)))]  # noqa: E731
    print(f"  GET {path:<9} {len(timings)} requests, {clients} clients: {len(timings) / elapsed:.0f}/s, "
          f"mean {statistics.mean(timings):.1f} ms, p95 {pick(0.95):.1f} ms, p99 {pick(0.99):.1f} ms, "
          f"status {statuses}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int)
    parser.add_argument("--no-preload", action="store_true", help="Each worker loads the app itself.")
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--clients", type=int, default=8)
    args = parser.parse_args()
    env = {**os.environ, "TRAINER_BIND": f"127.0.0.1:{PORT}"}
    env.setdefault("TRAINER_SECRET_KEY", "bench-only-secret")
    if args.workers:
        env["TRAINER_WORKERS"] = str(args.workers)
    config = tempfile.NamedTemporaryFile("w", suffix=".py")  # gunicorn.conf.py, preload_app as asked
    config.write(f"exec(open({str(ROOT / 'gunicorn.conf.py')!r}).read())\npreload_app = {not args.no_preload}\n")
    config.flush()
    command = [str(Path(sys.executable).parent / "gunicorn"), "-c", config.name, "trainer.wsgi:app"]
    started = time.monotonic()
    server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        if not wait_until_healthy(started + 120):
            sys.exit("the server did not answer /healthz within 120 s (see gunicorn's log by running it by hand)")
        booted = time.monotonic() - started
        time.sleep(2)  # let every worker finish booting
        workers = children(server.pid)
        print(f"gunicorn, {len(workers)} sync workers, preload_app={not args.no_preload}: /healthz answered after "
              f"{booted:.1f} s")
        print(f"  memory (PSS): master {pss_mb(server.pid):.0f} MB, workers "
              f"{' '.join(f'{pss_mb(p):.0f}' for p in workers)} MB, total "
              f"{pss_mb(server.pid) + sum(pss_mb(p) for p in workers):.0f} MB")
        for path in ("/healthz", "/login"):
            load(path, args.requests, args.clients)
        print(f"  memory after load (PSS): workers {' '.join(f'{pss_mb(p):.0f}' for p in children(server.pid))} MB")
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=60)


if __name__ == "__main__":
    main()
