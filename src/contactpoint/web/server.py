"""`contactpoint serve`: the WSGI app under gunicorn (a well-kept production server)."""

from __future__ import annotations

import os

from gunicorn.app.base import BaseApplication


class _Server(BaseApplication):  # type: ignore[misc]
    def __init__(self, options: dict[str, object]) -> None:
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self):  # type: ignore[no-untyped-def]
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
    }).run()
