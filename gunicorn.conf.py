"""gunicorn settings for production (README, "Production"):

    gunicorn -c gunicorn.conf.py trainer.wsgi:app

Environment: TRAINER_BIND (default 127.0.0.1:8000), TRAINER_WORKERS (default 2 × CPUs + 1),
plus the application's own TRAINER_* settings.
"""
import multiprocessing
import os

bind = os.environ.get("TRAINER_BIND", "127.0.0.1:8000")
worker_class = "sync"
# Requests are short (the slowest, a role-play reply, takes ~10 ms of CPU) and sync workers block
# on the database, so the usual 2 × CPUs + 1 keeps the CPUs busy while some wait on it.
workers = int(os.environ.get("TRAINER_WORKERS") or multiprocessing.cpu_count() * 2 + 1)
# A worker silent for 30 s is stuck (a sign-in hash takes under 0.5 s, a page ~20 ms): killed and replaced.
timeout = 30
graceful_timeout = 30
# Sync workers close each connection after its response (no keep-alive): nginx in front holds the
# slow phone connections, so a worker is never tied up by one.
# Recycle each worker after ~1000 requests, staggered, so slow memory growth cannot accumulate.
max_requests = 1000
max_requests_jitter = 100
# Managed with signals (systemd: TERM to stop, HUP for settings); gunicorn 27's control socket
# would sit at one path (~/.gunicorn/gunicorn.ctl) shared by every gunicorn of the same user.
control_socket_disable = True

# preload_app = True: the master imports the code and builds the app once, and the workers fork
# from it sharing those pages. Measured with bench/serve.py (5 workers, 2 CPUs, PostgreSQL):
# ~275 MB in all instead of ~765 MB after 2,000 requests, and /healthz answers 7 s after the
# start instead of 23-34 s (README, "Production"). It is safe because create_app opens no
# connection (post_worker_init still drops any pooled one), and the limiter's Redis client
# reconnects in each process. The price: `kill -HUP` reloads settings but not code, since the
# master keeps the old import; restart the service after an upgrade.
preload_app = True

# Logs: JSON lines on stderr, gunicorn's own included. The access log is the app's: one line per
# request from trainer/web/requestlog.py, with the request id and user id gunicorn cannot see, so
# gunicorn's own access log stays off (logging it twice would only double the volume).
accesslog = None
errorlog = "-"
loglevel = "info"
logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "trainer.web.requestlog.RequestIdFilter"}},
    "formatters": {"json": {"()": "trainer.web.requestlog.JsonFormatter"}},
    "handlers": {"stderr": {"class": "logging.StreamHandler", "stream": "ext://sys.stderr",
                            "formatter": "json", "filters": ["request_id"]}},
    "root": {"level": "INFO", "handlers": ["stderr"]},
    "loggers": {
        "gunicorn.error": {"level": "INFO", "handlers": [], "propagate": True},
        "gunicorn.access": {"level": "CRITICAL", "handlers": [], "propagate": False},
    },
}


def post_worker_init(worker):
    """Give each worker its own database connections; refuse per-process sign-in limits with several workers."""
    from trainer.extensions import db

    app = worker.wsgi
    with app.app_context():
        for engine in db.engines.values():
            engine.dispose(close=False)  # connections made before the fork stay the master's
    storage = app.config.get("RATELIMIT_STORAGE_URI", "memory://")
    if worker.cfg.workers > 1 and storage.startswith("memory://") and app.config.get("RATELIMIT_ENABLED", True):
        worker.log.critical("TRAINER_RATELIMIT_STORAGE_URI is memory://, so each of the %s workers would count "
                            "sign-in attempts apart: set it to redis://HOST:6379/0, or run one worker",
                            worker.cfg.workers)
        raise SystemExit(3)  # gunicorn's "worker failed to boot": the master stops instead of looping
