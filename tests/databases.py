"""Markers for tests that touch children's data (both databases: data and key store)."""

import pytest

ALL_DATABASES = ["default", "keystore"]
both_databases = pytest.mark.django_db(databases=ALL_DATABASES)
