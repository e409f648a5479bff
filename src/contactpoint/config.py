"""Deployment configuration, read from the environment (see docs/configuration.md).

Plain Python so the command line can resolve paths before Django is set up.
"""

from __future__ import annotations

import ipaddress
import os
import re
from dataclasses import dataclass
from pathlib import Path

POLICIES = ("universal", "targeted")
#: A feed sent over the API is held in memory while it loads: 10 MiB is about 10,000
#: records. Larger feeds go in several requests, or through `contactpoint ingest`.
DEFAULT_API_MAX_FEED_BYTES = 10 * 1024 * 1024
#: A signed-in session ends after this long without a request (docs/security.md).
DEFAULT_SESSION_IDLE_MINUTES = 15
#: Failed sign-in attempts (password or second factor) before an account is locked.
DEFAULT_SIGNIN_MAX_FAILURES = 5
#: How long failures are remembered, and how long a lock lasts after the last one.
DEFAULT_SIGNIN_LOCKOUT_MINUTES = 15
#: A person's API token stops working this many days after it is issued (a source
#: system's client token does not expire: no person's access hangs on it).
DEFAULT_USER_TOKEN_DAYS = 90
#: Ten years: a longer life is no expiry at all (and one far enough ahead overflows a date).
MAX_USER_TOKEN_DAYS = 3650
#: The host names the service answers to when none are configured: this machine only.
DEFAULT_ALLOWED_HOSTS = ("127.0.0.1", "localhost", "[::1]")


class ConfigError(ValueError):
    """A setting in the environment has a value the service cannot use."""


@dataclass(frozen=True)
class Config:
    data_dir: Path
    database_url: str
    keystore_url: str
    master_key_file: Path
    index_policy: str
    debug: bool
    secret_key_file: Path
    api_max_feed_bytes: int = DEFAULT_API_MAX_FEED_BYTES
    session_idle_minutes: int = DEFAULT_SESSION_IDLE_MINUTES
    signin_max_failures: int = DEFAULT_SIGNIN_MAX_FAILURES
    signin_lockout_minutes: int = DEFAULT_SIGNIN_LOCKOUT_MINUTES
    user_token_days: int = DEFAULT_USER_TOKEN_DAYS
    #: WebAuthn binds a security key to a domain (never an IP address) and checks the
    #: page's origin: both must name where people reach the service.
    webauthn_rp_id: str = "localhost"
    webauthn_origins: tuple[str, ...] = ("http://localhost:8000",)
    #: Host names (Host header) the service answers to (Django's ALLOWED_HOSTS).
    allowed_hosts: tuple[str, ...] = DEFAULT_ALLOWED_HOSTS
    #: Addresses (or networks) of the TLS-terminating proxy in front of the service. Only
    #: a request from one of them may say it came over HTTPS (X-Forwarded-Proto) and
    #: for whom (X-Forwarded-For); when any is set, cookies are sent `Secure` only.
    trusted_proxies: tuple[str, ...] = ()
    #: The audit log's name on its signed checkpoints (their origin line and key name).
    #: Witnesses check it, so it must not change once checkpoints have been published.
    audit_origin: str = "localhost/contactpoint/audit"
    #: Subject access exports name practitioners (`shown`) or give their role (`role`):
    #: families' right to know weighed against staff safety.
    sar_practitioner_names: str = "role"
    #: Kinds of organisation (access/vocabulary.py's ORGANISATION_TYPES) whose opening of
    #: a record tells no child's services (contactpoint/notifications): those whose routine
    #: work reads records, such as schools at the start of term. Checked against the
    #: organisation types when the notifications app starts.
    silent_organisation_types: tuple[str, ...] = ()

    @property
    def static_root(self) -> Path:
        return self.data_dir / "static"


def _sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


def _positive_int(env: os._Environ[str] | dict[str, str], name: str, default: int) -> int:
    raw = env.get(name) or ""
    if not raw:
        return default
    if not raw.isascii() or not raw.isdigit() or int(raw) < 1:
        raise ConfigError(f"{name} must be a whole number of 1 or more, not {raw!r}")
    return int(raw)


def _list(env: os._Environ[str] | dict[str, str], name: str) -> tuple[str, ...]:
    return tuple(item.strip() for item in (env.get(name) or "").split(",") if item.strip())


def _trusted_proxies(env: os._Environ[str] | dict[str, str]) -> tuple[str, ...]:
    proxies = []
    for item in _list(env, "CONTACTPOINT_TRUSTED_PROXIES"):
        try:
            proxies.append(str(ipaddress.ip_network(item, strict=False)))
        except ValueError:
            raise ConfigError(
                "CONTACTPOINT_TRUSTED_PROXIES must be IP addresses or networks, separated "
                f"by commas (for example 10.0.0.5,10.0.1.0/24), not {item!r}") from None
    return tuple(proxies)


def load(environ: os._Environ[str] | dict[str, str] | None = None) -> Config:
    env = os.environ if environ is None else environ
    data_dir = Path(env.get("CONTACTPOINT_DATA_DIR") or "./var").resolve()
    policy = env.get("CONTACTPOINT_INDEX_POLICY") or "universal"
    if policy not in POLICIES:
        raise ConfigError(
            f"CONTACTPOINT_INDEX_POLICY must be one of {', '.join(POLICIES)}, not {policy!r}"
        )
    database_url = env.get("CONTACTPOINT_DATABASE_URL") or _sqlite_url(data_dir / "contactpoint.db")
    keystore_url = env.get("CONTACTPOINT_KEYSTORE_URL") or _sqlite_url(data_dir / "keystore.db")
    for name, url in (("CONTACTPOINT_DATABASE_URL", database_url),
                      ("CONTACTPOINT_KEYSTORE_URL", keystore_url)):
        if not url.startswith(("sqlite:///", "postgresql://", "postgres://")):
            raise ConfigError(f"{name} must be sqlite:///path or postgresql://..., not {url!r}")
    if database_url == keystore_url:
        raise ConfigError(
            "CONTACTPOINT_KEYSTORE_URL must name a different database from "
            "CONTACTPOINT_DATABASE_URL: keys are kept apart from the data they protect"
        )
    user_token_days = _positive_int(env, "CONTACTPOINT_USER_TOKEN_DAYS",
                                    DEFAULT_USER_TOKEN_DAYS)
    if user_token_days > MAX_USER_TOKEN_DAYS:
        raise ConfigError(f"CONTACTPOINT_USER_TOKEN_DAYS must be {MAX_USER_TOKEN_DAYS} or "
                          f"fewer (a person's API token must expire), not {user_token_days}")
    master = env.get("CONTACTPOINT_MASTER_KEY_FILE")
    origins = tuple(o.strip().rstrip("/") for o in
                    (env.get("CONTACTPOINT_WEBAUTHN_ORIGINS") or "http://localhost:8000")
                    .split(",") if o.strip())
    for origin in origins:
        if not origin.startswith(("https://", "http://localhost", "http://127.0.0.1")):
            raise ConfigError("CONTACTPOINT_WEBAUTHN_ORIGINS must be https:// origins "
                              f"(http:// only for localhost), not {origin!r}")
    return Config(
        data_dir=data_dir,
        database_url=database_url,
        keystore_url=keystore_url,
        master_key_file=Path(master).resolve() if master else data_dir / "master.key",
        index_policy=policy,
        debug=(env.get("CONTACTPOINT_DEBUG") or "") == "1",
        secret_key_file=data_dir / "django-secret.key",
        api_max_feed_bytes=_positive_int(env, "CONTACTPOINT_API_MAX_FEED_BYTES",
                                         DEFAULT_API_MAX_FEED_BYTES),
        session_idle_minutes=_positive_int(env, "CONTACTPOINT_SESSION_IDLE_MINUTES",
                                           DEFAULT_SESSION_IDLE_MINUTES),
        signin_max_failures=_positive_int(env, "CONTACTPOINT_SIGNIN_MAX_FAILURES",
                                          DEFAULT_SIGNIN_MAX_FAILURES),
        signin_lockout_minutes=_positive_int(env, "CONTACTPOINT_SIGNIN_LOCKOUT_MINUTES",
                                             DEFAULT_SIGNIN_LOCKOUT_MINUTES),
        user_token_days=user_token_days,
        webauthn_rp_id=env.get("CONTACTPOINT_WEBAUTHN_RP_ID") or "localhost",
        webauthn_origins=origins,
        allowed_hosts=_list(env, "CONTACTPOINT_ALLOWED_HOSTS") or DEFAULT_ALLOWED_HOSTS,
        trusted_proxies=_trusted_proxies(env),
        audit_origin=_audit_origin(env, env.get("CONTACTPOINT_WEBAUTHN_RP_ID") or "localhost"),
        sar_practitioner_names=_sar_names(env),
        silent_organisation_types=_list(env, "CONTACTPOINT_SILENT_ORGANISATION_TYPES"),
    )


def _sar_names(env: os._Environ[str] | dict[str, str]) -> str:
    names = env.get("CONTACTPOINT_SAR_PRACTITIONER_NAMES") or "role"
    if names not in ("role", "shown"):
        raise ConfigError("CONTACTPOINT_SAR_PRACTITIONER_NAMES must be role or shown, "
                          f"not {names!r}")
    return names


def _audit_origin(env: os._Environ[str] | dict[str, str], host: str) -> str:
    origin = env.get("CONTACTPOINT_AUDIT_ORIGIN") or f"{host}/contactpoint/audit"
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9.\-]*(/[A-Za-z0-9._\-]+)*", origin):
        raise ConfigError("CONTACTPOINT_AUDIT_ORIGIN must be a host name and path like "
                          f"cp.example.gov.uk/audit (no spaces, no +), not {origin!r}")
    return origin

