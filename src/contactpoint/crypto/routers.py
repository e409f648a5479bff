"""Keeps the key store's tables in their own database, apart from the data."""

from __future__ import annotations

from typing import Any

from django.db.models import Model

KEYSTORE_APP = "crypto"
KEYSTORE_DB = "keystore"


class KeystoreRouter:
    def db_for_read(self, model: type[Model], **hints: Any) -> str:
        return KEYSTORE_DB if model._meta.app_label == KEYSTORE_APP else "default"

    db_for_write = db_for_read

    def allow_relation(self, obj1: Model, obj2: Model, **hints: Any) -> bool:
        # No foreign keys cross the boundary: keys refer to children by ContactPoint ID only.
        return (obj1._meta.app_label == KEYSTORE_APP) == (obj2._meta.app_label == KEYSTORE_APP)

    def allow_migrate(self, db: str, app_label: str, model_name: str | None = None,
                      **hints: Any) -> bool:
        if app_label == KEYSTORE_APP:
            return db == KEYSTORE_DB
        # Only the key store's own tables (and Django's bookkeeping) go in the key store.
        return db == "default"
