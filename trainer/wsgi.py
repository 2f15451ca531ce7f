"""The production entry point: ``gunicorn -c gunicorn.conf.py trainer.wsgi:app``.

Behind a reverse proxy (nginx) set ``TRAINER_PROXY_HOPS`` to the number of proxies in front (1),
so that the client's address (the sign-in rate limit counts per address; the request log names
it) and the scheme come from ``X-Forwarded-For`` / ``X-Forwarded-Proto``, which the proxy must
set. Without a proxy leave it unset: trusting those headers would let anyone choose their address.
"""
from werkzeug.middleware.proxy_fix import ProxyFix

from . import create_app

app = create_app()
_hops = int(app.config.get("PROXY_HOPS") or 0)
if _hops:
    app.wsgi_app = ProxyFix(app.wsgi_app, x_for=_hops, x_proto=_hops)
