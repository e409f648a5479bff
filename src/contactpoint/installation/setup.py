"""`contactpoint init`: the data directory, the master key file, both schemas, system keys.

It also upgrades what an older version stored: authenticator app keys and sessions kept
before they were sealed are sealed here (not in a migration: the key that seals them is
in the key store, made after the schema).

Idempotent: run it on every deploy. It never replaces an existing key.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from pathlib import Path

from django.conf import settings
from django.core.management import call_command

from contactpoint.crypto import keyring
from contactpoint.crypto.keystore import get_keystore, reset_keystore


def _private_file(path: Path, content: str) -> bool:
    if path.exists():
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(content)
    return True


def _seal_stored_secrets() -> Iterator[str]:
    """Upgrade: seal what was stored before it was sealed (apps' keys, sessions)."""
    from contactpoint.access import second_factors, sessions  # noqa: PLC0415  (needs apps)

    apps = second_factors.seal_stored_app_keys()
    if apps:
        yield f"sealed {apps} authenticator app key(s) stored before keys were sealed"
    resealed = sessions.seal_stored_sessions()
    if resealed:
        yield f"sealed {resealed} session(s) stored before sessions were sealed"


def initialise() -> Iterator[str]:
    config = settings.CONTACTPOINT
    config.data_dir.mkdir(parents=True, exist_ok=True)
    os.chmod(config.data_dir, 0o700)
    if _private_file(config.secret_key_file, secrets.token_urlsafe(50)):
        yield f"created the session signing key {config.secret_key_file}"
    _, created = keyring.create(config.master_key_file)
    yield (f"created the master key file {config.master_key_file} (mode 0600): back it up "
           "apart from the data" if created else f"master key file {config.master_key_file} "
           "is in place")
    reset_keystore()
    for database in ("default", "keystore"):
        call_command("migrate", database=database, interactive=False, verbosity=0)
    yield "schema up to date (data and key store)"
    for name in get_keystore().ensure_system_keys():
        yield f"created the {name} key in the key store"
    yield from _seal_stored_secrets()
    from contactpoint.matching.configuration import (  # noqa: PLC0415  (needs the schema)
        active_configuration,
        upgrade_configuration,
    )
    from contactpoint.matching.models import MatchConfiguration  # noqa: PLC0415

    first = not MatchConfiguration.objects.exists()
    matcher = active_configuration()
    if first:
        yield f"matcher version {matcher.pk}: {matcher.trained_on}, default thresholds"
    upgraded = upgrade_configuration()
    if upgraded is not None:
        yield (f"matcher version {upgraded.pk}: the shipped model, because version "
               f"{matcher.pk} no longer fits this code's comparisons; train it again with "
               "`contactpoint match train`")
