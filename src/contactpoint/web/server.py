"""`contactpoint serve`: the WSGI app under gunicorn (a well-kept production server).

Kept-alive connections stay open for KEEPALIVE_SECONDS of idleness. gunicorn's default
is 2 s, shorter than HTTP clients keep an idle connection for reuse (httpx 5 s, aiohttp
15 s, .NET 60 s, Go 90 s): a client that sent its next request after more than 2 s found
the connection closed under it and got no answer ("server disconnected without sending
a response", http.client's RemoteDisconnected), and under load even a busy client
idled that long now and then. The server must be the side that waits longer, so the
client, which knows when it will send, is the one that closes. An idle connection costs
a socket in the worker's poller, not a thread; each worker holds at most
WORKER_CONNECTIONS, then leaves new ones in the listen backlog until one frees. Workers
are never recycled by request count (gunicorn's max_requests stays off), so no
connection is cut for that either; a stopping worker answers a request already on its
way with "Connection: close" (gunicorn's own linger).
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from gunicorn.app.base import BaseApplication

if TYPE_CHECKING:
    from django.core.handlers.wsgi import WSGIHandler

#: Longer than any common HTTP client keeps an idle connection for reuse (see above).
KEEPALIVE_SECONDS = 120
#: Open connections (working or idle) one worker holds, gunicorn's default made explicit.
WORKER_CONNECTIONS = 1000
#: Connections waiting to be accepted, beyond which the kernel refuses new ones.
BACKLOG = 2048


class _Server(BaseApplication):
    def __init__(self, options: dict[str, object]) -> None:
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> WSGIHandler:
        from contactpoint.wsgi import application  # noqa: PLC0415

        return application


def serve(host: str, port: int) -> None:
    from django.db import connections  # noqa: PLC0415

    # Workers are forked: none may inherit a database connection opened before serving.
    connections.close_all()
    workers = int(os.environ.get("CONTACTPOINT_WEB_WORKERS") or 2)
    _Server({
        "bind": f"{host}:{port}",
        "workers": workers,
        "threads": 4,
        "worker_class": "gthread",
        "accesslog": "-",
        # Request lines carry search parameters; gunicorn's default access log would
        # write them to stdout. Log the path only.
        "access_log_format": '%(h)s "%(m)s %(U)s" %(s)s %(b)s %(M)sms',
        "timeout": 60,
        # Whether a request came over HTTPS is the app's TrustedProxyMiddleware's to say,
        # from CONTACTPOINT_TRUSTED_PROXIES only: gunicorn's own default believes
        # X-Forwarded-Proto from any client on this machine.
        "secure_scheme_headers": {},
        "forwarded_allow_ips": "",
        "keepalive": KEEPALIVE_SECONDS,
        "worker_connections": WORKER_CONNECTIONS,
        "backlog": BACKLOG,
        "max_requests": 0,
    }).run()
