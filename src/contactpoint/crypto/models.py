"""Tables of the key store database (CONTACTPOINT_KEYSTORE_URL), never the data database."""

from __future__ import annotations

from django.db import models


class DataKey(models.Model):
    """One child's data key, wrapped under a key-encryption key from the master key file.

    Deleting this row erases the child: every copy of their data, backups included,
    becomes unreadable.
    """

    owner = models.CharField(max_length=40, primary_key=True)
    kek_id = models.CharField(max_length=64, db_index=True)
    wrapped = models.BinaryField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "keystore_data_key"


class SystemKey(models.Model):
    """Service-wide keys (the blind-index key), wrapped like data keys."""

    name = models.CharField(max_length=40, primary_key=True)
    kek_id = models.CharField(max_length=64, db_index=True)
    wrapped = models.BinaryField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "keystore_system_key"
