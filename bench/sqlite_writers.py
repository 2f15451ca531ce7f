"""Concurrent SQLite writers: SQLite's busy handler against the queue of ``trainer/sqlite_writers.py``.

    .venv/bin/python bench/sqlite_writers.py                 # 5 processes, 150 transactions each
    .venv/bin/python bench/sqlite_writers.py --processes 10 --hold 8

Each process (as a gunicorn worker would) runs short write transactions on one WAL database file: an
INSERT, then ``--hold`` ms of work with the write lock held (as a submit grades and updates the report
tables), then COMMIT, with 0–10 ms between transactions. Printed per way of waiting: transactions per second
and the p50/p95/p99/max of each transaction's time, waiting included.
"""
import argparse
import multiprocessing
import os
import random
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from trainer.sqlite_writers import QueuedWriters  # noqa: E402


def writer(path, queued, transactions, hold, results):
    connection = sqlite3.connect(path, factory=QueuedWriters if queued else sqlite3.Connection)
    connection.execute("PRAGMA busy_timeout=10000")
    rng, times = random.Random(os.getpid()), []
    for n in range(transactions):
        time.sleep(rng.uniform(0, 0.010))
        started = time.perf_counter()
        if queued:
            connection.writing()  # what the engine event does before the first write
        connection.execute("INSERT INTO notes (n) VALUES (?)", (n,))
        busy_until = time.perf_counter() + hold / 1000
        while time.perf_counter() < busy_until:
            pass
        connection.commit()
        times.append((time.perf_counter() - started) * 1000)
    connection.close()
    results.put(times)


def run(queued, processes, transactions, hold):
    folder = tempfile.mkdtemp(prefix="trainer-sqlite-writers-")
    path = os.path.join(folder, "bench.db")
    setup = sqlite3.connect(path)
    setup.execute("PRAGMA journal_mode=WAL")
    setup.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, n INTEGER)")
    setup.commit()
    setup.close()
    results = multiprocessing.Queue()
    workers = [multiprocessing.Process(target=writer, args=(path, queued, transactions, hold, results))
               for _ in range(processes)]
    started = time.perf_counter()
    for worker in workers:
        worker.start()
    times = sorted(t for _ in workers for t in results.get())
    for worker in workers:
        worker.join()
    elapsed = time.perf_counter() - started
    rows = sqlite3.connect(path).execute("SELECT count(*) FROM notes").fetchone()[0]
    assert rows == processes * transactions, (rows, processes * transactions)

    def at(share):
        return times[min(len(times) - 1, int(len(times) * share))]

    name = "queue on the file lock" if queued else "SQLite's busy handler"
    print(f"{name:<24} {len(times) / elapsed:6.0f} tx/s   p50 {at(0.5):6.1f}   p95 {at(0.95):6.1f}   "
          f"p99 {at(0.99):6.1f}   max {times[-1]:6.1f} ms   rows {rows}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--processes", type=int, default=5)
    parser.add_argument("--transactions", type=int, default=150, help="per process")
    parser.add_argument("--hold", type=float, default=4, help="ms of work with the write lock held")
    args = parser.parse_args()
    print(f"{args.processes} processes × {args.transactions} write transactions, {args.hold:g} ms each with the lock")
    for queued in (False, True):
        run(queued, args.processes, args.transactions, args.hold)


if __name__ == "__main__":
    main()
