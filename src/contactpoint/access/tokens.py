"""API clients and bearer tokens: issuing, revoking and checking them.

A token reads `cp_<id>_<secret>`: `cp_<id>` is the prefix, stored in the clear to find
the token and to name it in listings and `token revoke`; the secret is 32 random bytes.
Only SHA-256 of the whole token is stored. A slow password hash (Argon2, as for
passwords) is there to stop guessing of low-entropy secrets a person chose; a 256-bit
random secret cannot be guessed, so one fast hash is enough and keeps every API call
cheap. The stored hash is compared in constant time.

A person's token expires CONTACTPOINT_USER_TOKEN_DAYS after it is issued, whoever issued
it; a source system's client token does not (no person's access hangs on it, and its
operator revokes it). A person issues and revokes their own under Your account
(`create_own_token`, `revoke_own_token`); their management team sees and revokes them
(`revoke_managed_token`); an operator issues one at the command line (`create_token`
with `by`), which is then the operator's act, audited in their name.

Each function owns its transaction, as in services.py. `by` names the operator at the
command line; each change it makes is then audited in their name.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Generic, TypeVar

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connections, router, transaction
from django.db.models import Model
from django.utils import timezone

from contactpoint.access.authorise import actor_of, client_actor
from contactpoint.access.models import ApiClient, ApiToken, Organisation, SourceSystem, User
from contactpoint.access.permissions import Permission
from contactpoint.access.policy import Actor, Decision, decide
from contactpoint.access.services import (
    AccessError,
    _clean,
    _reason,
    _require_manager,
    managed_user,
)
from contactpoint.audit import hooks as audit
from contactpoint.errors import NotFound
from contactpoint.text import clean_text

TOKEN_MARK = "cp"  # noqa: S105  (the marker every token starts with, not a secret)
SECRET_BYTES = 32
#: 48 random bits: prefixes stay unique (the column refuses a repeat) without retrying
#: in practice, and short enough to read out over the phone when revoking.
PREFIX_BYTES = 6
#: `last_used_at` is written at most this often per token, so busy clients do not turn
#: every API call into a database write (on SQLite, one that waits behind feed loads).
LAST_USED_RESOLUTION = timedelta(minutes=1)
#: Far longer than any token issued here; longer ones are refused before hashing.
MAX_TOKEN_CHARS = 128
#: What a token is for, as its holder names it (the column's length).
NAME_MAX_CHARS = 100
#: Working tokens a person may create for themselves: one per system acting for them is
#: the need, and a session someone else has hold of cannot scatter dozens of them.
MAX_OWN_ACTIVE_TOKENS = 10


class TokenExpired(Exception):
    """The token is genuine but past its end. Only the holder of the whole token learns
    this (the secret was checked first), so saying so gives an attacker nothing."""

    def __init__(self, expired_at: datetime) -> None:
        super().__init__(f"expired at {expired_at.isoformat()}")
        self.expired_at = expired_at


def user_token_lifetime() -> timedelta:
    """How long a person's token works: CONTACTPOINT_USER_TOKEN_DAYS (docs/configuration.md)."""
    return timedelta(days=settings.CONTACTPOINT.user_token_days)


def token_status(token: ApiToken, now: datetime) -> str:
    """"Revoked", "Expired" or "Active", as Your account and the manage pages show it."""
    if token.revoked_at is not None:
        return "Revoked"
    if token.expires_at is not None and token.expires_at <= now:
        return "Expired"
    return "Active"


@dataclass(frozen=True)
class Principal:
    """Who is calling the API: a named user or a source system's client, and the facts
    access/policy.py decides what they may do by.

    Exactly one of `user` and `client` is set. `name` is the username or client name,
    for audit entries and error messages.
    """

    name: str
    actor: Actor
    token_prefix: str
    user: User | None = None
    client: ApiClient | None = None

    def decide(self, permission: Permission) -> Decision:
        """The policy's answer to this caller using `permission` (on no one in particular:
        the operation's service asks again of the child or user it acts on)."""
        return decide(self.actor, permission)

    def may(self, permission: Permission) -> bool:
        return self.decide(permission).allowed

    @property
    def permissions(self) -> frozenset[Permission]:
        return self.actor.permissions

    @property
    def source(self) -> SourceSystem | None:
        """The source system a client loads for; None for a person."""
        return self.client.source if self.client is not None else None


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _split(token: str) -> tuple[str, str] | None:
    """(prefix, secret) of a well-formed token, else None. The secret may contain `_`."""
    mark, _, rest = token.partition("_")
    ident, _, secret = rest.partition("_")
    if mark != TOKEN_MARK or not ident or not secret:
        return None
    return f"{mark}_{ident}", secret


def _user_refusal(user: User) -> str | None:
    """Why a user may not hold or use a token, or None (the same rule as for pages)."""
    refusal = user.refusal()
    if refusal is None:
        return None
    if refusal == "no accredited organisation":
        return f"user {user.username!r} has no accredited organisation"
    return f"user {user.username!r} is {refusal}"


@transaction.atomic
def add_client(*, name: str, source: str,
               by: str | None = None) -> tuple[ApiClient, bool]:
    """A source system's API client; a new source name is registered, as `ingest` does.

    Returns the client and whether its source was new (worth telling the operator, in
    case the name was mistyped).
    """
    if ApiClient.objects.filter(name=name).exists():
        raise AccessError(f"client {name!r} already exists")
    try:
        system, source_created = SourceSystem.register(source)
    except ValidationError as exc:
        raise AccessError(f"source: {' '.join(exc.messages)}") from None
    client = ApiClient(name=name, source=system)
    _clean(client)
    client.save()
    if by is not None:
        audit.record("account:client:create", actor=audit.operator(by), subject=client,
                     details={"source": system.name, "source_created": source_created})
    return client, source_created


def _clean_name(name: str | None) -> str:
    """A token's name as its holder typed it, cleaned as all free text is (clean_text)."""
    try:
        text = clean_text(name or "")
    except ValueError:
        raise AccessError("name: the name must be plain words, without control or "
                          "invisible formatting characters") from None
    if len(text) > NAME_MAX_CHARS:
        raise AccessError(f"name: the name must be {NAME_MAX_CHARS} characters or fewer")
    return text


def _issue(holder: dict[str, User | ApiClient], *, name: str, issued_by: str,
           expires_at: datetime | None) -> tuple[str, ApiToken]:
    """A new token for `holder`; only its hash is stored. The caller owns the transaction."""
    while True:
        prefix = f"{TOKEN_MARK}_{secrets.token_hex(PREFIX_BYTES)}"
        if not ApiToken.objects.filter(prefix=prefix).exists():
            break
    token = f"{prefix}_{secrets.token_urlsafe(SECRET_BYTES)}"
    stored = ApiToken.objects.create(prefix=prefix, secret_hash=_hash(token), name=name,
                                     issued_by=issued_by[:200], expires_at=expires_at,
                                     **holder)
    return token, stored


@transaction.atomic
def create_token(*, user: str | None = None, client: str | None = None,
                 by: str | None = None, reason: str | None = None,
                 name: str | None = None) -> str:
    """Issue a token for a user or a client (by name) and return it: the only time it is seen.

    A user's token expires after user_token_lifetime(). `by` names the operator, whose
    act it is: the audit entry is theirs, with `reason` if they gave one.
    """
    if (user is None) == (client is None):
        raise AccessError("a token belongs to a user or to a client: name exactly one")
    holder: dict[str, User | ApiClient] = {}
    if user is not None:
        found = User.objects.select_related("organisation").filter(username=user).first()
        if found is None:
            raise AccessError(f"no user {user!r}")
        refusal = _user_refusal(found)
        if refusal:
            raise AccessError(refusal)
        holder["user"] = found
    else:
        found_client = ApiClient.objects.filter(name=client).first()
        if found_client is None:
            raise AccessError(f"no client {client!r}")
        holder["client"] = found_client
    why = " ".join((reason or "").split()) or None
    if why is not None:
        why = _reason(why)
    label = _clean_name(name)
    expires_at = timezone.now() + user_token_lifetime() if user is not None else None
    token, stored = _issue(holder, name=label,
                           issued_by=audit.operator(by) if by is not None else "",
                           expires_at=expires_at)
    if by is not None:
        (kind, held_by), = holder.items()
        details: dict[str, Any] = {"holder": kind, "prefix": stored.prefix}  # never the secret
        if expires_at is not None:
            details["expires_at"] = expires_at.isoformat()
        # The name is typed in free text: sealed, as every free text is.
        audit.record("account:token:create", actor=audit.operator(by), subject=held_by,
                     reason=why, details=details, personal={"name": label} if label else None)
    return token


@transaction.atomic
def revoke_token(prefix: str, *, by: str | None = None) -> ApiToken:
    """Revoke a token by its prefix (`cp_…`, or a whole token pasted by mistake)."""
    parts = _split(prefix)
    key = parts[0] if parts else prefix
    token = ApiToken.objects.select_for_update().filter(prefix=key).first()
    if token is None:
        raise AccessError(f"no token with prefix {key!r}")
    already = token.revoked_at is not None
    if not already:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    if by is not None:
        held_by = token.user or token.client
        audit.record("account:token:revoke", actor=audit.operator(by), subject=held_by,
                     details={"prefix": token.prefix, "already_revoked": already})
    return token


# -- a person's own tokens, and their management team's view of them ------------------------

def tokens_of(user: User) -> list[ApiToken]:
    """Every token a person holds or held, newest first (revoked and expired ones too, so
    they can see what acted for them)."""
    return list(ApiToken.objects.filter(user=user).order_by("-created_at", "-pk"))


@transaction.atomic
def create_own_token(user: User, *, name: str) -> tuple[str, ApiToken]:
    """A person, signed in with both factors, issues a token for a system that acts for
    them; returns it (the only time it is seen) and its stored row."""
    label = _clean_name(name)
    if not label:
        raise AccessError("name: enter what the token is for, such as the name of your "
                          "case-management system")
    refusal = _user_refusal(user)
    if refusal:
        raise AccessError(refusal)
    # Locking the person's row makes two creations at once count one after the other.
    User.objects.select_for_update().filter(pk=user.pk).first()
    now = timezone.now()
    active = ApiToken.objects.filter(user=user, revoked_at__isnull=True,
                                     expires_at__gt=now).count()
    if active >= MAX_OWN_ACTIVE_TOKENS:
        raise AccessError(f"You have {active} working API tokens, the most you can have. "
                          "Revoke one you no longer use, then create a new one.")
    expires_at = now + user_token_lifetime()
    token, stored = _issue({"user": user}, name=label, issued_by=user.username,
                           expires_at=expires_at)
    audit.record("account:token:create", actor=user, subject=user, personal={"name": label},
                 details={"holder": "user", "prefix": stored.prefix,
                          "expires_at": expires_at.isoformat()})
    return token, stored


def _held_token(user: User, prefix: str) -> ApiToken:
    """`user`'s token with this prefix, locked; anyone else's is NotFound, as none is."""
    token = (ApiToken.objects.select_for_update().filter(user=user, prefix=prefix.strip())
             .first())
    if token is None:
        raise NotFound("There is no API token with that prefix.")
    return token


def _revoke(token: ApiToken) -> bool:
    """Revoke now; True if it was already revoked."""
    if token.revoked_at is not None:
        return True
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    return False


@transaction.atomic
def revoke_own_token(user: User, prefix: str) -> ApiToken:
    """A person revokes one of their own tokens; it is refused from the next call on."""
    token = _held_token(user, prefix)
    already = _revoke(token)
    audit.record("account:token:revoke", actor=user, subject=user,
                 details={"prefix": token.prefix, "already_revoked": already})
    return token


@transaction.atomic
def revoke_managed_token(actor: User, username: str, prefix: str, *,
                         reason: str) -> ApiToken:
    """A management team member (or the national team) revokes a token of someone they
    manage, giving the reason. Someone they do not manage is NotFound (services.py)."""
    _require_manager(actor)
    why = _reason(reason)
    user = managed_user(actor, username)
    token = _held_token(user, prefix)
    already = _revoke(token)
    audit.record("account:token:revoke", actor=actor, subject=user, reason=why,
                 details={"prefix": token.prefix, "already_revoked": already})
    return token


M = TypeVar("M", bound=Model)


@dataclass(frozen=True)
class _Part(Generic[M]):
    """One model's share of the token query's row: its fields' names, and each column
    with the converters the ORM's compiler would apply to it."""

    model: type[M]
    names: list[str]
    converters: list[tuple[Any, list[Callable[..., Any]]]]

    @classmethod
    def of(cls, model: type[M], connection: Any) -> _Part[M]:
        fields = model._meta.concrete_fields
        columns = [f.get_col(model._meta.db_table) for f in fields]
        return cls(model, [f.attname for f in fields],
                   [(c, [*connection.ops.get_db_converters(c),
                         *c.get_db_converters(connection)]) for c in columns])

    def instance(self, values: Sequence[Any], connection: Any) -> M:
        """The row's values converted as the ORM converts them (SQLite's text
        date-times, for one), made an instance by `from_db`."""
        converted = list(values)
        for i, (column, converters) in enumerate(self.converters):
            for convert in converters:
                converted[i] = convert(converted[i], column, connection)
        return self.model.from_db(connection.alias, self.names, converted)


@dataclass(frozen=True)
class _TokenQuery:
    sql: str
    #: The token, its user, the user's organisation.
    parts: tuple[_Part[ApiToken], _Part[User], _Part[Organisation]]

    @classmethod
    def of(cls, connection: Any) -> _TokenQuery:
        qn = connection.ops.quote_name
        token_m, user_m, org_m = ApiToken._meta, User._meta, Organisation._meta
        columns = [f"{alias}.{qn(f.column)}"
                   for alias, meta in (("t", token_m), ("u", user_m), ("o", org_m))
                   for f in meta.concrete_fields]
        sql = (f"SELECT {', '.join(columns)} FROM {qn(token_m.db_table)} t "  # noqa: S608  (names from the models)
               f"LEFT JOIN {qn(user_m.db_table)} u ON u.{qn(user_m.pk.column)} = "
               f"t.{qn(token_m.get_field('user').column)} "
               f"LEFT JOIN {qn(org_m.db_table)} o ON o.{qn(org_m.pk.column)} = "
               f"u.{qn(user_m.get_field('organisation').column)} "
               f"WHERE t.{qn(token_m.get_field('prefix').column)} = %s")
        return cls(sql, (_Part.of(ApiToken, connection), _Part.of(User, connection),
                         _Part.of(Organisation, connection)))


#: The token query of each database alias, composed at its first use.
_TOKEN_QUERIES: dict[str, _TokenQuery] = {}


def _token_with_holder(prefix: str) -> ApiToken | None:
    """The token with this prefix, its user and the user's organisation, in one query.

    Every API call asks this, and the ORM's select_related across four tables spent
    more time composing the SQL (about 1.5 ms) than the whole search it guarded spent
    computing; the SQL and the columns' converters are worked out once from the models'
    own fields instead, and the rows become model instances by Django's `from_db`, as a
    queryset's would. A source system's token (no user) is read by the ORM: uploads are
    not the hot path.
    """
    connection = connections[router.db_for_read(ApiToken)]
    query = _TOKEN_QUERIES.get(connection.alias)
    if query is None:
        query = _TOKEN_QUERIES[connection.alias] = _TokenQuery.of(connection)
    with connection.cursor() as cursor:
        cursor.execute(query.sql, [prefix])
        row = cursor.fetchone()
    if row is None:
        return None
    token_part, user_part, org_part = query.parts
    widths = (len(token_part.names), len(user_part.names))
    token = token_part.instance(row[:widths[0]], connection)
    if token.user_id is None:
        return (ApiToken.objects.select_related("client__source").filter(pk=token.pk)
                .first())
    user = user_part.instance(row[widths[0]:widths[0] + widths[1]], connection)
    if user.organisation_id is not None:
        user.organisation = org_part.instance(row[widths[0] + widths[1]:], connection)
    token.user = user
    return token


def authenticate_token(presented: str) -> Principal | None:
    """The principal a presented token stands for, or None when it must be refused.

    Refused: malformed, unknown, wrong secret, revoked, a suspended or inactive user or
    one without an accredited organisation, a deleted client (its tokens go with it).
    The caller learns only "refused", never which of these it was; except that a genuine
    token past its end raises TokenExpired, so its holder knows to get a new one.
    """
    parts = _split(presented) if len(presented) <= MAX_TOKEN_CHARS else None
    if parts is None:
        return None
    token = _token_with_holder(parts[0])
    # The prefix is not secret; the secret is compared in constant time, and compared
    # even when no token has this prefix, so both refusals take the same path.
    stored = token.secret_hash if token is not None else "0" * 64
    if not hmac.compare_digest(stored, _hash(presented)) or token is None:
        return None
    if token.revoked_at is not None:
        return None
    now = timezone.now()
    if token.expires_at is not None and token.expires_at <= now:
        raise TokenExpired(token.expires_at)
    if token.user is not None:
        if _user_refusal(token.user):
            return None
        principal = Principal(token.user.username, actor_of(token.user), token.prefix,
                              user=token.user)
    elif token.client is not None:
        principal = Principal(token.client.name, client_actor(token.client), token.prefix,
                              client=token.client)
    else:  # the check constraint makes this unreachable; refuse rather than guess
        return None
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return principal
