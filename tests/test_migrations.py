from io import StringIO

import pytest
from django.core.management import call_command

from contactpoint.crypto.routers import KeystoreRouter


@pytest.mark.django_db(databases=["default", "keystore"])
def test_models_and_migrations_agree():
    """`makemigrations --check`: a model changed without its migration fails the build."""
    out = StringIO()
    try:
        call_command("makemigrations", "--check", "--dry-run", stdout=out, stderr=out)
    except SystemExit as exc:  # Django exits 1 when a migration is missing
        pytest.fail(f"models changed without a migration:\n{out.getvalue()} ({exc})")


def test_keystore_tables_never_land_in_the_data_database():
    router = KeystoreRouter()
    assert router.allow_migrate("default", "crypto") is False
    assert router.allow_migrate("keystore", "crypto") is True
    assert router.allow_migrate("keystore", "identity") is False
